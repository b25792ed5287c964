public import Foundation
public import KinerjaCore
import PostgresNIO

/// One revision of an employee's SKP for a year, with its content.
public struct SKPRevision: Sendable, Equatable {
    public var nip: String
    public var year: Int
    public var revision: Int
    public var status: SKP.Status
    public var jpt: Bool
    public var atasanNIP: String?
    public var returnNote: String?
    public var createdAt: Date
    public var createdBy: String
    public var updatedAt: Date
    public var submittedAt: Date?
    public var decidedAt: Date?
    public var decidedBy: String?
    public var content: SKP.Content
}

/// Who is acting on an SKP: the audit name, the employee they are (if any), and whether they act as city HR.
public struct SKPActor: Sendable, Equatable {
    public var name: String
    public var nip: String?
    public var isHR: Bool

    public init(name: String, nip: String?, isHR: Bool) {
        self.name = name
        self.nip = nip
        self.isHR = isHR
    }
    public static func hr(_ name: String) -> SKPActor { .init(name: name, nip: nil, isHR: true) }
    public static func employee(_ nip: String, name: String) -> SKPActor { .init(name: name, nip: nip, isHR: false) }
}

extension TenantTransaction {
    // MARK: reading

    /// Every revision of an employee's SKP for the year, oldest first.
    public func skpRevisions(nip: String, year: Int) async throws -> [SKPRevision] {
        let rows = try await query("""
            select revision, status, approach, jpt, atasan_nip::text, return_note, created_at, created_by, updated_at,
                   submitted_at, decided_at, decided_by
            from skp where tenant_id = \(tenant.uuid) and nip = \(nip) and year = \(year) order by revision
            """)
        var out: [SKPRevision] = []
        for try await r in rows.decode((Int, String, String, Bool, String?, String?, Date, String, Date, Date?, Date?, String?).self) {
            out.append(SKPRevision(
                nip: nip, year: year, revision: r.0, status: SKP.Status(rawValue: r.1) ?? .draft, jpt: r.3, atasanNIP: r.4,
                returnNote: r.5, createdAt: r.6, createdBy: r.7, updatedAt: r.8, submittedAt: r.9, decidedAt: r.10,
                decidedBy: r.11, content: SKP.Content(approach: SKP.Approach(rawValue: r.2) ?? .kuantitatif, rhk: [])))
        }
        guard !out.isEmpty else { return [] }
        let contents = try await skpContents(nip: nip, year: year)
        for i in out.indices { out[i].content.rhk = contents[out[i].revision] ?? [] }
        return out
    }

    /// The RHK (with IKI) of every revision, by revision.
    func skpContents(nip: String, year: Int, revision: Int? = nil) async throws -> [Int: [SKP.RHK]] {
        let rows = try await query("""
            select r.revision, r.rhk_key, r.kind, r.text, r.parent_key, i.iki_key, i.text, i.dimension, i.target_value::float8,
                   i.target_unit, i.target_narrative, i.lower_is_better, i.accumulation, i.template_id
            from skp_rhk r left join skp_iki i
              on i.tenant_id = r.tenant_id and i.nip = r.nip and i.year = r.year and i.revision = r.revision and i.rhk_key = r.rhk_key
            where r.tenant_id = \(tenant.uuid) and r.nip = \(nip) and r.year = \(year)
              and (\(revision)::int is null or r.revision = \(revision))
            order by r.revision, r.position, i.position
            """)
        var out: [Int: [SKP.RHK]] = [:]
        for try await r in rows.decode((Int, UUID, String, String, UUID?, UUID?, String?, String?, Double?, String?, String?,
                                        Bool?, String?, String?).self) {
            Self.append(&out[r.0, default: []], rhk: (r.1, r.2, r.3, r.4), iki: (r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12, r.13))
        }
        return out
    }

    typealias RHKColumns = (key: UUID, kind: String, text: String, parent: UUID?)
    typealias IKIColumns = (key: UUID?, text: String?, dimension: String?, target: Double?, unit: String?, narrative: String?,
                            lower: Bool?, accumulation: String?, template: String?)

    /// Adds one row of an RHK joined to one of its IKI (rows ordered by RHK, then IKI) to `list`.
    static func append(_ list: inout [SKP.RHK], rhk r: RHKColumns, iki i: IKIColumns) {
        if list.last?.key != r.key {
            list.append(SKP.RHK(key: r.key, kind: SKP.RHKKind(rawValue: r.kind) ?? .utama, text: r.text, parentKey: r.parent, iki: []))
        }
        guard let key = i.key, let text = i.text else { return }
        list[list.count - 1].iki.append(SKP.IKI(
            key: key, text: text, dimension: SKP.Dimension(rawValue: i.dimension ?? "") ?? .kuantitas, targetValue: i.target,
            targetUnit: i.unit, targetNarrative: i.narrative, lowerIsBetter: i.lower ?? false,
            accumulation: i.accumulation.flatMap(SKP.Accumulation.init(rawValue:)), templateID: i.template))
    }

    /// The revision in force (approved), if any.
    public func skpInForce(nip: String, year: Int) async throws -> SKPRevision? {
        try await skpRevisions(nip: nip, year: year).last { $0.status == .approved }
    }

    // MARK: planning

    /// How `actor` stands to `owner`'s SKP.
    /// Their own SKP comes first: an employee granted hr_admin is its owner there, and so approves, returns,
    /// confirms or calibrates nothing of their own.
    func relation(of actor: SKPActor, to owner: Employee) -> SKPWorkflow.Relation {
        if let me = actor.nip, me == owner.nip { return .owner }
        if actor.isHR { return .hr }
        if let me = actor.nip, me == owner.atasanNIP { return .atasan }
        return .other
    }

    func requireEmployee(_ nip: String) async throws -> Employee {
        guard let e = try await employee(nip: nip) else { throw StoreError.notFound(what: "employee", key: nip) }
        return e
    }

    /// `forChange`: the year must be open too (held so until the transaction ends): a closed year's SKPs take
    /// no new content, submission or decision.
    func requireYear(_ year: Int, forChange: Bool = false) async throws {
        let rows = try await query("""
            select status from periods where tenant_id = \(tenant.uuid) and year = \(year) and kind = 'annual'
            \(unescaped: forChange ? "for share" : "")
            """)
        for try await status in rows.decode(String.self) {
            if forChange && status != "open" {
                throw StoreError.state("the year \(year) is closed: its SKPs take no more changes (reopen it first)")
            }
            return
        }
        throw StoreError.invalid("the year \(year) is not open in this city: open it first ('kinerja-admin period open --year \(year)')")
    }

    /// Serialises work on one employee's SKP for the year (also before its first revision exists, which a
    /// row lock could not) and returns the revisions (content not loaded).
    /// Holds an employee's SKP of a year against other changes until the transaction ends (a caller that
    /// checks a precondition first, then changes it).
    /// Locks the employee's SKP of the year for a change until the transaction ends; whether there is one.
    @discardableResult
    public func lockSKPForChange(nip: String, year: Int) async throws -> Bool { !(try await lockSKP(nip: nip, year: year)).isEmpty }

    func lockSKP(nip: String, year: Int) async throws -> [(revision: Int, status: SKP.Status)] {
        let lock = try await query("""
            select pg_advisory_xact_lock(hashtextextended('skp:' || \(tenant.description) || ':' || \(nip) || ':' || \(year), 0))
            """)
        for try await _ in lock {}
        let rows = try await query("""
            select revision, status from skp where tenant_id = \(tenant.uuid) and nip = \(nip) and year = \(year)
            order by revision for update
            """)
        var out: [(Int, SKP.Status)] = []
        for try await (r, s) in rows.decode((Int, String).self) { out.append((r, SKP.Status(rawValue: s) ?? .draft)) }
        return out
    }

    func check(_ action: SKPWorkflow.Action, _ status: SKP.Status, _ relation: SKPWorkflow.Relation) throws -> SKP.Status {
        do { return try SKPWorkflow.next(action, from: status, by: relation) } catch {
            switch error {
            case .notAllowed: throw StoreError.forbidden(error.description)
            case .wrongStatus: throw StoreError.state(error.description)
            }
        }
    }

    /// `content` with the IKI at `positions` (RHK index, IKI index, template id: made from a template and given
    /// no `accumulation`) adding up as their template in the city's profile says, where it says.
    public func withTemplateAccumulation(_ content: SKP.Content, at positions: [(Int, Int, String)]) async throws -> SKP.Content {
        guard !positions.isEmpty else { return content }
        var content = content
        let templates = try await profile().indicators
        for (i, j, id) in positions where content.rhk.indices.contains(i) && content.rhk[i].iki.indices.contains(j) {
            if let a = templates.first(where: { $0.id == id })?.accumulation { content.rhk[i].iki[j].accumulation = a }
        }
        return content
    }

    /// Saves the content of an employee's SKP: a new SKP starts as revision 1 (a draft); a draft or returned
    /// SKP is changed in place; an approved SKP gets a new revision (a draft) and stays in force until that
    /// is approved. Content and cascading links are checked first; nothing is written when one is wrong.
    @discardableResult
    public func saveSKP(nip: String, year: Int, content: SKP.Content, actor: SKPActor) async throws -> SKPRevision {
        let owner = try await requireEmployee(nip)
        try await requireYear(year, forChange: true)
        let existing = try await lockSKP(nip: nip, year: year)
        let rel = relation(of: actor, to: owner)
        let latest = existing.last
        let action: SKPWorkflow.Action = latest?.status == .approved ? .revise : .edit
        _ = try check(action, latest?.status ?? .draft, rel)
        if latest == nil && owner.status != "active" {
            throw StoreError.invalid("employee \(nip) is inactive: an inactive employee gets no new SKP")
        }
        let jpt = owner.jabatanLevel == "JPT"
        var problems = SKP.problems(content, jpt: jpt, requireParents: false)
        problems += try await cascadeProblems(content, owner: owner, year: year)
        problems += try await keyProblems(content, owner: nip, year: year)
        if !problems.isEmpty { throw StoreError.invalid(problems.map(\.description).joined(separator: "; ")) }

        let revision: Int
        switch latest?.status {
        case nil, .approved?:
            revision = (latest?.revision ?? 0) + 1
            try await query("""
                insert into skp (tenant_id, nip, year, revision, status, approach, jpt, atasan_nip, created_by)
                values (\(tenant.uuid), \(nip), \(year), \(revision), 'draft', \(content.approach.rawValue), \(jpt),
                        \(owner.atasanNIP), \(actor.name))
                """)
        default:
            revision = latest!.revision
            // The JPT flag and the atasan follow the employee's record as it is now (a promotion, a move).
            try await query("""
                update skp set approach = \(content.approach.rawValue), jpt = \(jpt), atasan_nip = \(owner.atasanNIP), updated_at = now()
                where tenant_id = \(tenant.uuid) and nip = \(nip) and year = \(year) and revision = \(revision)
                """)
            try await query("""
                delete from skp_rhk where tenant_id = \(tenant.uuid) and nip = \(nip) and year = \(year) and revision = \(revision)
                """)
        }
        try await insertContent(content, nip: nip, year: year, revision: revision, parentNIP: owner.atasanNIP)
        let what = latest == nil ? "skp.create" : action == .revise ? "skp.revise" : "skp.edit"
        try await audit(actor: actor.name, action: what, subject: "\(nip)/\(year)",
                        detail: ["revision": String(revision), "rhk": String(content.rhk.count),
                                 "iki": String(content.allIKI.count)])
        guard let saved = try await skpRevisions(nip: nip, year: year).first(where: { $0.revision == revision }) else {
            throw StoreError.notFound(what: "SKP", key: "\(nip)/\(year)")
        }
        return saved
    }

    func insertContent(_ content: SKP.Content, nip: String, year: Int, revision: Int, parentNIP: String?) async throws {
        let rhk = content.rhk
        try await query("""
            insert into skp_rhk (tenant_id, nip, year, revision, rhk_key, position, kind, text, parent_nip, parent_key)
            select \(tenant.uuid), \(nip), \(year), \(revision), k::uuid, p, kind, t,
                   case when pk = '' then null else \(parentNIP) end, nullif(pk, '')::uuid
            from unnest(\(rhk.map(\.key.uuidString)), \(Array(rhk.indices)), \(rhk.map(\.kind.rawValue)), \(rhk.map(\.text)),
                        \(rhk.map { $0.parentKey?.uuidString ?? "" })) as x(k, p, kind, t, pk)
            """)
        var rk: [String] = [], ik: [String] = [], pos: [Int] = [], text: [String] = [], dim: [String] = []
        var tv: [String] = [], tu: [String] = [], tn: [String] = [], lower: [Bool] = [], acc: [String] = [], tpl: [String] = []
        for r in rhk {
            for (j, i) in r.iki.enumerated() {
                rk.append(r.key.uuidString); ik.append(i.key.uuidString); pos.append(j); text.append(i.text)
                dim.append(i.dimension.rawValue); tv.append(i.targetValue.map { String($0) } ?? "")
                tu.append(i.targetUnit ?? ""); tn.append(i.targetNarrative ?? ""); lower.append(i.lowerIsBetter)
                acc.append(i.accumulation.rawValue); tpl.append(i.templateID ?? "")
            }
        }
        try await query("""
            insert into skp_iki (tenant_id, nip, year, revision, rhk_key, iki_key, position, text, dimension, target_value,
                                 target_unit, target_narrative, lower_is_better, accumulation, template_id)
            select \(tenant.uuid), \(nip), \(year), \(revision), rk::uuid, ik::uuid, p, t, d, nullif(tv, '')::numeric,
                   nullif(tu, ''), nullif(tn, ''), l, a, nullif(tp, '')
            from unnest(\(rk), \(ik), \(pos), \(text), \(dim), \(tv), \(tu), \(tn), \(lower), \(acc), \(tpl))
                 as x(rk, ik, p, t, d, tv, tu, tn, l, a, tp)
            """)
    }

    /// RHK keys are the employee's own: not the RHK it intervenes in, and not used by anyone else that year
    /// (a copied key would make one RHK stand in two places of the cascade).
    func keyProblems(_ content: SKP.Content, owner: String, year: Int) async throws -> [SKP.Problem] {
        var out: [SKP.Problem] = []
        for (i, r) in content.rhk.enumerated() where r.parentKey == r.key {
            out.append(SKP.Problem("rhk[\(i)].key", "is the key of the RHK it intervenes in: give the RHK a key of its own (or none)"))
        }
        let keys = content.rhk.map(\.key)
        let rows = try await query("""
            select distinct rhk_key, nip::text from skp_rhk
            where tenant_id = \(tenant.uuid) and year = \(year) and rhk_key = any(\(keys)::uuid[]) and nip <> \(owner)
            """)
        var taken: [UUID: String] = [:]
        for try await (key, nip) in rows.decode((UUID, String).self) { taken[key] = nip }
        for (i, r) in content.rhk.enumerated() {
            if let other = taken[r.key] {
                out.append(SKP.Problem("rhk[\(i)].key", "'\(r.key.uuidString.lowercased())' is an RHK of \(other): give the RHK a key of its own (or none)"))
            }
        }
        return out
    }

    /// Problems with the cascading links of `content`: each parent must be an RHK of the atasan's approved SKP.
    func cascadeProblems(_ content: SKP.Content, owner: Employee, year: Int) async throws -> [SKP.Problem] {
        let linked = content.rhk.enumerated().filter { $0.element.parentKey != nil }
        guard !linked.isEmpty else { return [] }
        if owner.jabatanLevel == "JPT" {
            return linked.map { SKP.Problem("rhk[\($0.offset)].parentKey", "a JPT SKP does not cascade from an atasan's RHK: leave it out") }
        }
        guard let atasan = owner.atasanNIP else {
            return linked.map { SKP.Problem("rhk[\($0.offset)].parentKey", "employee \(owner.nip) has no atasan to cascade from") }
        }
        // The atasan's SKP held still (shared: many subordinates check it at once) until this transaction ends: an
        // approval of the atasan's new revision in flight is waited for and then read, and one that comes later
        // waits for this. Locks go from an employee's SKP to their atasan's, never down, so they cannot cycle.
        try await query("""
            select pg_advisory_xact_lock_shared(hashtextextended('skp:' || \(tenant.description) || ':' || \(atasan) || ':' || \(year), 0))
            """)
        guard let inForce = try await skpInForce(nip: atasan, year: year) else {
            return [SKP.Problem("rhk", "the atasan \(atasan) has no approved SKP for \(year) yet: cascading needs it first")]
        }
        let atasanKeys = Set(inForce.content.rhk.map(\.key))
        var out: [SKP.Problem] = []
        for (i, r) in linked {
            guard let key = r.parentKey, !atasanKeys.contains(key) else { continue }
            // Say whose RHK it is, if it is anyone's in this city and year.
            let rows = try await query("""
                select r.nip::text, e.name from skp_rhk r join employees e on e.tenant_id = r.tenant_id and e.nip = r.nip
                where r.tenant_id = \(tenant.uuid) and r.year = \(year) and r.rhk_key = \(key) limit 1
                """)
            var owner2: (String, String)?
            for try await row in rows.decode((String, String).self) { owner2 = row }
            let k = key.uuidString.lowercased()
            if let (n, name) = owner2, n != atasan {
                out.append(SKP.Problem("rhk[\(i)].parentKey", "RHK \(k) belongs to \(n) (\(name)), not to the atasan \(atasan): an RHK cascades only from the atasan's RHK"))
            } else {
                out.append(SKP.Problem("rhk[\(i)].parentKey", "RHK \(k) is not in the atasan \(atasan)'s approved SKP for \(year)"))
            }
        }
        return out
    }

    /// Submits the draft (or returned) SKP for approval. Every RHK of a non-JPT employee with an atasan must
    /// name the atasan's RHK it intervenes in.
    @discardableResult
    public func submitSKP(nip: String, year: Int, actor: SKPActor) async throws -> SKPRevision {
        let owner = try await requireEmployee(nip)
        try await requireYear(year, forChange: true)
        guard let latest = try await lockSKP(nip: nip, year: year).last else {
            throw StoreError.notFound(what: "SKP", key: "\(nip)/\(year)")
        }
        _ = try check(.submit, latest.status, relation(of: actor, to: owner))
        guard let rev = try await skpRevisions(nip: nip, year: year).last else { throw StoreError.notFound(what: "SKP", key: "\(nip)/\(year)") }
        let cascades = !rev.jpt && owner.atasanNIP != nil
        var problems = SKP.problems(rev.content, jpt: rev.jpt, requireParents: cascades)
        problems += try await cascadeProblems(rev.content, owner: owner, year: year)
        if !problems.isEmpty { throw StoreError.invalid(problems.map(\.description).joined(separator: "; ")) }
        try await query("""
            update skp set status = 'submitted', submitted_at = now(), updated_at = now()
            where tenant_id = \(tenant.uuid) and nip = \(nip) and year = \(year) and revision = \(latest.revision)
            """)
        try await audit(actor: actor.name, action: "skp.submit", subject: "\(nip)/\(year)", detail: ["revision": String(latest.revision)])
        return try await skpRevisions(nip: nip, year: year).last!
    }

    /// Approves the submitted SKP (the one in force before it is superseded), or returns it with a note.
    @discardableResult
    public func decideSKP(nip: String, year: Int, approve: Bool, note: String?, actor: SKPActor) async throws -> SKPRevision {
        let owner = try await requireEmployee(nip)
        try await requireYear(year, forChange: true)
        guard let latest = try await lockSKP(nip: nip, year: year).last else {
            throw StoreError.notFound(what: "SKP", key: "\(nip)/\(year)")
        }
        _ = try check(approve ? .approve : .return, latest.status, relation(of: actor, to: owner))
        let note = note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !approve && note.isEmpty { throw StoreError.invalid("returning an SKP needs a note saying what to change") }
        if approve {
            // The cascade was checked at submission; the atasan's SKP (a new revision) or the employee's atasan
            // (a move) may have changed since. Approving then would put in force RHK hanging from nothing.
            if let rev = try await skpRevisions(nip: nip, year: year).last, rev.revision == latest.revision {
                let broken = try await cascadeProblems(rev.content, owner: owner, year: year)
                if !broken.isEmpty {
                    throw StoreError.state("the SKP of \(nip) for \(year) no longer cascades as submitted: "
                        + broken.map(\.description).joined(separator: "; ") + "; return it so the links are made again")
                }
            }
            try await query("""
                update skp set status = 'superseded'
                where tenant_id = \(tenant.uuid) and nip = \(nip) and year = \(year) and status = 'approved'
                """)
        }
        try await query("""
            update skp set status = \(approve ? "approved" : "returned"), return_note = \(approve ? nil : note),
                   decided_at = now(), decided_by = \(actor.name), updated_at = now()
            where tenant_id = \(tenant.uuid) and nip = \(nip) and year = \(year) and revision = \(latest.revision)
            """)
        var detail = ["revision": String(latest.revision)]
        if !approve { detail["note"] = note }
        try await audit(actor: actor.name, action: approve ? "skp.approve" : "skp.return", subject: "\(nip)/\(year)", detail: detail)
        return try await skpRevisions(nip: nip, year: year).last!
    }
}
