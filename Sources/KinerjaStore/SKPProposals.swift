public import Foundation
public import KinerjaCore
import PostgresNIO

/// An indicator an employee proposed for one of their RHK, and the atasan's decision.
public struct IKIProposal: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable { case proposed, accepted, rejected }
    public var id: UUID
    public var nip: String
    public var year: Int
    public var rhkKey: UUID
    public var iki: SKP.IKI
    public var status: Status
    public var reason: String?
    public var proposedBy: String
    public var createdAt: Date
    public var decidedBy: String?
    public var decidedAt: Date?
}

extension TenantTransaction {
    /// The city's profile in force (as onboarded, or as the last `tenant update-profile` left it).
    public func profile() async throws -> TenantProfile { try await profileInForce().profile }

    /// The profile in force and its version, read together: work that records the version it ran under (an
    /// evaluation, the TPP) must take both from the same moment.
    public func profileInForce() async throws -> (profile: TenantProfile, version: Int) {
        let rows = try await query("select profile::text, profile_version from tenants where tenant_id = \(tenant.uuid)")
        for try await (json, version) in rows.decode((String, Int).self) {
            return (try JSONDecoder().decode(TenantProfile.self, from: Data(json.utf8)), version)
        }
        throw StoreError.notFound(what: "city", key: tenant.description)
    }

    /// SQL for the city's zone (the profile's `timeZone`; ``TenantProfile/timeZoneWhenNoneStored`` for a profile
    /// stored without one), for `at time zone` in a statement.
    static func cityTimeZoneSQL(_ tenant: TenantID) -> String {
        "coalesce((select profile->>'timeZone' from tenants where tenant_id = '\(tenant.uuid.uuidString)'), "
            + "'\(TenantProfile.timeZoneWhenNoneStored)')"
    }

    func requireProposals() async throws {
        guard try await profile().indicatorProposals else {
            throw StoreError.forbidden("indicator proposals are not turned on in this city's profile (skp.indicatorProposals)")
        }
    }

    /// The employee proposes an IKI for one of the RHK of their latest SKP revision.
    public func proposeIKI(nip: String, year: Int, rhkKey: UUID, iki: SKP.IKI, actor: SKPActor) async throws -> IKIProposal {
        try await requireProposals()
        let owner = try await requireEmployee(nip)
        let rel = relation(of: actor, to: owner)
        guard rel == .owner || rel == .hr else { throw StoreError.forbidden("only the employee (or city HR) proposes indicators for \(nip)") }
        try await requireYear(year, forChange: true)
        guard let latest = try await skpRevisions(nip: nip, year: year).last else {
            throw StoreError.state("employee \(nip) has no SKP for \(year) yet: draft it first, then propose indicators for its RHK")
        }
        guard latest.content.rhk.contains(where: { $0.key == rhkKey }) else {
            throw StoreError.notFound(what: "RHK", key: "\(rhkKey.uuidString.lowercased()) in the SKP of \(nip) for \(year)")
        }
        let check = SKP.problems(SKP.Content(approach: latest.content.approach, rhk: [SKP.RHK(kind: .utama, text: "x", iki: [iki])]),
                                 jpt: latest.jpt, requireParents: false)
            .map { $0.description.replacingOccurrences(of: "rhk[0].iki[0].", with: "") }
        if !check.isEmpty { throw StoreError.invalid(check.joined(separator: "; ")) }
        let rows = try await query("""
            insert into iki_proposals (tenant_id, nip, year, rhk_key, text, dimension, target_value, target_unit, target_narrative,
                                       lower_is_better, accumulation, template_id, proposed_by)
            values (\(tenant.uuid), \(nip), \(year), \(rhkKey), \(iki.text), \(iki.dimension.rawValue), \(iki.targetValue)::float8::numeric,
                    \(iki.targetUnit), \(iki.targetNarrative), \(iki.lowerIsBetter), \(iki.accumulation.rawValue), \(iki.templateID),
                    \(actor.name))
            returning proposal_id
            """)
        var id = UUID()
        for try await i in rows.decode(UUID.self) { id = i }
        try await audit(actor: actor.name, action: "iki.propose", subject: "\(nip)/\(year)",
                        detail: ["proposal": id.uuidString.lowercased(), "rhk": rhkKey.uuidString.lowercased(), "iki": iki.text])
        guard let p = try await proposals(nip: nip, year: year).first(where: { $0.id == id }) else {
            throw StoreError.notFound(what: "proposal", key: id.uuidString.lowercased())
        }
        return p
    }

    /// Proposals of one employee (or all of the city's, `nip` nil) for a year, oldest first.
    public func proposals(nip: String?, year: Int) async throws -> [IKIProposal] {
        let rows = try await query("""
            select proposal_id, nip::text, rhk_key, text, dimension, target_value::float8, target_unit, target_narrative,
                   lower_is_better, status, reason, proposed_by, created_at, decided_by, decided_at, accumulation, template_id
            from iki_proposals
            where tenant_id = \(tenant.uuid) and year = \(year) and (\(nip)::text is null or nip = \(nip))
            order by created_at, proposal_id
            """)
        var out: [IKIProposal] = []
        for try await r in rows.decode((UUID, String, UUID, String, String, Double?, String?, String?, Bool, String, String?, String,
                                        Date, String?, Date?, String?, String?).self) {
            let iki = SKP.IKI(key: r.0, text: r.3, dimension: SKP.Dimension(rawValue: r.4) ?? .kuantitas, targetValue: r.5,
                              targetUnit: r.6, targetNarrative: r.7, lowerIsBetter: r.8,
                              accumulation: r.15.flatMap { SKP.Accumulation(rawValue: $0) }, templateID: r.16)
            out.append(IKIProposal(id: r.0, nip: r.1, year: year, rhkKey: r.2, iki: iki, status: IKIProposal.Status(rawValue: r.9) ?? .proposed,
                                   reason: r.10, proposedBy: r.11, createdAt: r.12, decidedBy: r.13, decidedAt: r.14))
        }
        return out
    }

    /// Whose proposal `id` is, if it exists in this city.
    public func proposalOwner(id: UUID) async throws -> String? {
        let rows = try await query("select nip::text from iki_proposals where tenant_id = \(tenant.uuid) and proposal_id = \(id)")
        for try await nip in rows.decode(String.self) { return nip }
        return nil
    }

    /// The atasan (or city HR) accepts a proposal, which puts the IKI into the SKP being drafted (or, when the
    /// SKP is approved, into a new revision of it), or rejects it with a reason.
    public func decideProposal(id: UUID, accept: Bool, reason: String?, actor: SKPActor) async throws -> IKIProposal {
        try await requireProposals()
        let rows = try await query("""
            select nip::text, year, status from iki_proposals where tenant_id = \(tenant.uuid) and proposal_id = \(id) for update
            """)
        var found: (String, Int, String)?
        for try await r in rows.decode((String, Int, String).self) { found = r }
        guard let (nip, year, status) = found else { throw StoreError.notFound(what: "proposal", key: id.uuidString.lowercased()) }
        let owner = try await requireEmployee(nip)
        let rel = relation(of: actor, to: owner)
        guard rel == .atasan || rel == .hr else {
            throw StoreError.forbidden("only the atasan of \(nip) (or city HR) decides on this proposal")
        }
        guard status == "proposed" else { throw StoreError.state("proposal \(id.uuidString.lowercased()) is already \(status)") }
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !accept && reason.isEmpty { throw StoreError.invalid("rejecting a proposal needs a reason") }
        if accept {
            // Read the SKP under its lock: a concurrent edit or a second acceptance waits, then builds on this one.
            _ = try await lockSKP(nip: nip, year: year)
            guard let proposal = try await proposals(nip: nip, year: year).first(where: { $0.id == id }),
                  let latest = try await skpRevisions(nip: nip, year: year).last else {
                throw StoreError.notFound(what: "proposal", key: id.uuidString.lowercased())
            }
            if latest.status == .submitted {
                throw StoreError.state("the SKP of \(nip) for \(year) is submitted: approve or return it first, then decide on the proposal")
            }
            var content = latest.content
            guard let r = content.rhk.firstIndex(where: { $0.key == proposal.rhkKey }) else {
                throw StoreError.state("RHK \(proposal.rhkKey.uuidString.lowercased()) is no longer in the SKP of \(nip); reject the proposal instead")
            }
            var iki = proposal.iki
            iki.key = UUID()
            content.rhk[r].iki.append(iki)
            // Accepting is the atasan's decision to change the plan: saved as city HR would, so that the
            // employee's SKP gets the indicator whichever of the two decides.
            _ = try await saveSKP(nip: nip, year: year, content: content, actor: .init(name: actor.name, nip: nil, isHR: true))
        }
        try await query("""
            update iki_proposals set status = \(accept ? "accepted" : "rejected"), reason = \(reason.isEmpty ? nil : reason),
                   decided_by = \(actor.name), decided_at = now()
            where tenant_id = \(tenant.uuid) and proposal_id = \(id)
            """)
        var detail = ["proposal": id.uuidString.lowercased()]
        if !reason.isEmpty { detail["reason"] = reason }
        try await audit(actor: actor.name, action: accept ? "iki.accept" : "iki.reject", subject: "\(nip)/\(year)", detail: detail)
        return try await proposals(nip: nip, year: year).first { $0.id == id }!
    }
}
