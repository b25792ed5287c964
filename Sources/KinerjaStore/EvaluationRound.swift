public import Foundation
public import KinerjaCore
import PostgresNIO

/// An OPD's standing in a period's round: its organisation predikat, the employee distribution, the curve
/// check against the profile, and whether its results are final.
public struct OPDCurve: Sendable, Equatable {
    public var unitCode: String
    public var unitName: String
    public var predikatOrganisasi: PredikatOrganisasi?
    /// Employees per predikat (current ratings: proposed, confirmed or final).
    public var counts: [Predikat: Int]
    /// Evaluated employees without a predikat yet (no realisasi, no atasan's rating, or a head whose
    /// organisation has no predikat yet).
    public var unrated: Int
    public var proposed: Int
    public var confirmed: Int
    public var final: Int
    /// Nil until the organisation predikat is set.
    public var check: Curve.Check?
    public var finalized: Bool
    public var overrideReason: String?
    /// False under a numeric regime (PP 30/2019, PP 46/2011), which has no curve.
    public var hasCurve: Bool = true

    /// Where the OPD stands, as HR reads it: final, no curve (numeric regime), no org predikat, passes or BROKEN.
    public var status: CurveStatus {
        if finalized { return overrideReason == nil ? .final : .finalOverride }
        guard hasCurve else { return .noCurve }
        guard let check else { return .noOrgPredikat }
        return check.passes ? .passes : .broken
    }
}

/// What `finalize` did.
public struct Finalization: Sendable, Equatable {
    public var unitCode: String
    public var finalized: Int
    /// Nil under a numeric regime, which has no curve.
    public var check: Curve.Check?
    public var overrideReason: String?
}

/// The difference another profile would make, computed without writing anything.
public struct WhatIf: Sendable, Equatable {
    public struct Change: Sendable, Equatable {
        public var nip: String
        public var name: String
        public var unitCode: String
        public var before: String?
        public var after: String?
    }
    public struct OPDFit: Sendable, Equatable {
        public var unitCode: String
        public var predikatOrganisasi: PredikatOrganisasi?
        public var before: Curve.Check?
        public var after: Curve.Check?
    }
    /// Employees per predikat (nil: no predikat) now and under the other profile.
    public var before: [String?: Int]
    public var after: [String?: Int]
    public var changes: [Change]
    public var opds: [OPDFit]
    public var evaluated: Int
}

extension Optional {
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let w = self else { return nil }
        return try await f(w)
    }
}

extension TenantTransaction {
    /// The unit with `code`, which must be an OPD (a unit with nothing above it).
    func requireOPD(_ code: String) async throws -> OrgUnit {
        let units = try await orgUnits()
        guard let u = units.first(where: { $0.code == code }) else {
            throw StoreError.notFound(what: "org unit", key: code)
        }
        if let parent = u.parentID {
            let above = units.first { $0.id == parent }.map { "\($0.code) (\($0.name))" } ?? "another unit"
            throw StoreError.invalid("unit \(code) (\(u.name)) is not an OPD: it is under \(above); the organisation predikat, "
                                     + "the curve and finalizing are per OPD")
        }
        return u
    }

    /// Moves an OPD's results of the period from one status to the other (finalize, reopen); how many moved.
    func moveOPDResults(_ unit: UUID, year: Int, period: SubPeriod, from: String, to: String) async throws -> Int {
        let rows = try await query("""
            update evaluations set status = \(to)
            where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and opd_id = \(unit) and status = \(from)
            returning 1
            """)
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }

    /// One change of an OPD's round at a time (organisation predikat, finalize, reopen).
    func lockOPDRound(_ unit: UUID, year: Int, period: SubPeriod) async throws {
        try await query("select pg_advisory_xact_lock(hashtextextended(\(unit.uuidString) || \(year)::text || \(period.description), 0))")
    }

    func finalization(of unit: UUID, year: Int, period: SubPeriod) async throws -> String?? {
        let rows = try await query("""
            select override_reason from opd_finalizations where tenant_id = \(tenant.uuid) and year = \(year)
              and period_kind = \(period.kind.rawValue) and period_seq = \(period.sequence) and unit_id = \(unit)
            """)
        for try await reason in rows.decode(String?.self) { return .some(reason) }
        return nil
    }

    /// Records the predikat kinerja organisasi of an OPD that the leader above set. The head's proposal (if not
    /// yet confirmed) takes it as rating hasil kerja at once. Refused once the OPD is final.
    /// Returns how many head proposals changed.
    @discardableResult
    public func setOrgPredikat(unitCode: String, year: Int, period: SubPeriod, predikat: PredikatOrganisasi,
                               decidedBy: String?, actor: String) async throws -> Int {
        let opd = try await requireOPD(unitCode)
        try await lockOPDRound(opd.id, year: year, period: period)
        guard try await lockPeriodForRound(year: year, period) else {
            throw StoreError.state("period \(period) of \(year) is closed: reopen it to change the organisation predikat")
        }
        if try await finalization(of: opd.id, year: year, period: period) != nil {
            throw StoreError.state("\(unitCode) is final for \(year) \(period): reopen it (with a reason) to change its predikat")
        }
        try await query("""
            insert into org_predikat (tenant_id, year, period_kind, period_seq, unit_id, predikat, set_by, decided_by)
            values (\(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), \(opd.id), \(predikat.rawValue), \(actor), \(decidedBy))
            on conflict (tenant_id, year, period_kind, period_seq, unit_id) do update
            set predikat = excluded.predikat, set_by = excluded.set_by, decided_by = excluded.decided_by, set_at = now()
            """)
        // The head's proposal follows the organisation's result.
        let heads = try await query("""
            select nip::text, case when status = 'proposed' then proposed_perilaku else rating_perilaku end from evaluations
            where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and opd_id = \(opd.id) and is_head and status in ('proposed', 'confirmed')
              and regime = 'permenpanrb-6-2022'
            for update
            """)
        var pending: [(String, Rating?)] = []
        for try await (nip, p) in heads.decode((String, String?).self) { pending.append((nip, p.flatMap(Rating.init(rawValue:)))) }
        let hasil = predikat.headRatingHasil
        // Proposed or confirmed, the head's rating hasil kerja is the organisation's.
        for (nip, perilaku) in pending {
            let result = perilaku.map { Predikat(hasilKerja: hasil, perilakuKerja: $0).rawValue }
            try await query("""
                update evaluations set proposed_hasil = \(hasil.rawValue), rating_hasil = \(hasil.rawValue), predikat = coalesce(\(result), predikat),
                       explanation = jsonb_set(jsonb_set(explanation, '{head}', jsonb_build_object('predikatOrganisasi', \(predikat.rawValue)::text)),
                           '{proposed}', jsonb_build_object('hasilKerja', \(hasil.rawValue)::text, 'perilaku', proposed_perilaku, 'predikat', \(result)::text))
                where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
                  and period_seq = \(period.sequence) and nip = \(nip)
                """)
        }
        var detail = ["predikat": predikat.rawValue, "heads_updated": String(pending.count)]
        if let decidedBy { detail["decided_by"] = decidedBy }
        try await audit(actor: actor, action: "evaluate.org-predikat", subject: "\(unitCode)/\(year)/\(period)", detail: detail)
        return pending.count
    }

    /// The period must exist; returns whether it is open (a closed period takes no new round steps).
    private func lockPeriodForRound(year: Int, _ period: SubPeriod) async throws -> Bool {
        try await lockPeriod(year: year, period, annualAllowed: true)
    }

    /// The distribution of every OPD (or one) against the profile's curve table.
    public func curve(year: Int, period: SubPeriod, profile: TenantProfile, unitCode: String? = nil) async throws -> [OPDCurve] {
        let only = try await unitCode.asyncMap { try await requireOPD($0).id }
        let rows = try await query("""
            select o.code, o.name, op.predikat, e.predikat, count(*)::int,
                   count(*) filter (where e.status = 'proposed')::int, count(*) filter (where e.status = 'confirmed')::int,
                   count(*) filter (where e.status = 'final')::int, f.unit_id is not null, f.override_reason
            from evaluations e
            join org_units o on o.tenant_id = e.tenant_id and o.unit_id = e.opd_id
            left join org_predikat op on op.tenant_id = e.tenant_id and op.year = e.year and op.period_kind = e.period_kind
                 and op.period_seq = e.period_seq and op.unit_id = e.opd_id
            left join opd_finalizations f on f.tenant_id = e.tenant_id and f.year = e.year and f.period_kind = e.period_kind
                 and f.period_seq = e.period_seq and f.unit_id = e.opd_id
            where e.tenant_id = \(tenant.uuid) and e.year = \(year) and e.period_kind = \(period.kind.rawValue)
              and e.period_seq = \(period.sequence) and (\(only)::uuid is null or e.opd_id = \(only))
            group by o.code, o.name, op.predikat, e.predikat, f.unit_id, f.override_reason
            order by o.code
            """)
        var byCode: [String: OPDCurve] = [:]
        var order: [String] = []
        for try await r in rows.decode((String, String, String?, String?, Int, Int, Int, Int, Bool, String?).self) {
            if byCode[r.0] == nil {
                order.append(r.0)
                byCode[r.0] = OPDCurve(unitCode: r.0, unitName: r.1, predikatOrganisasi: r.2.flatMap(PredikatOrganisasi.init(rawValue:)),
                                       counts: [:], unrated: 0, proposed: 0, confirmed: 0, final: 0, check: nil, finalized: r.8,
                                       overrideReason: r.9)
            }
            // Under a numeric regime the predikat are counted on the 2022 scale (Cukup as Butuh Perbaikan, ...).
            if let p = r.3.flatMap(Predikat.init(anyRegime:)) { byCode[r.0]!.counts[p, default: 0] += r.4 } else { byCode[r.0]!.unrated += r.4 }
            byCode[r.0]!.proposed += r.5
            byCode[r.0]!.confirmed += r.6
            byCode[r.0]!.final += r.7
        }
        return order.map { code in
            var c = byCode[code]!
            // The curve is the 2022 rule; a numeric regime has none.
            c.hasCurve = profile.rating.regime == .permenpanrb2022
            if c.hasCurve {
                c.check = c.predikatOrganisasi.map { Curve.check(c.counts, organisasi: $0, table: profile.distributionCurve) }
            }
            return c
        }
    }

    /// Calibration: the atasan or city HR sets other ratings on a result that is not final, with a reason. The
    /// adjustment (from, to, reason, author) is recorded and audited; the result counts as confirmed.
    public func calibrate(nip: String, year: Int, period: SubPeriod, hasil: Rating?, perilaku: Rating?, reason: String,
                          actor: SKPActor) async throws -> Evaluation {
        let owner = try await requireEmployee(nip)
        let rel = relation(of: actor, to: owner)
        guard rel == .atasan || rel == .hr else { throw StoreError.forbidden("only the atasan of \(nip) or city HR calibrates the evaluation") }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StoreError.invalid("a calibration needs a reason") }
        guard hasil != nil || perilaku != nil else { throw StoreError.invalid("name the rating to change: hasil kerja, perilaku, or both") }
        try await lockEvaluation(nip: nip, year: year, period: period)
        guard let current = try await evaluation(nip: nip, year: year, period: period) else {
            throw StoreError.notFound(what: "evaluation", key: "\(nip) \(year) \(period): run 'kinerja-admin evaluate run' first")
        }
        guard current.regime == TenantProfile.RatingRegime.Regime.permenpanrb2022.rawValue else {
            throw StoreError.invalid("\(nip) is evaluated under \(current.regime), a figure without ratings: correct the realisasi or "
                                     + "the 360 ratings and run the evaluation again")
        }
        if current.isHead { try await requireHeadsHasil(nip: nip, year: year, period: period, hasil: hasil) }
        guard let h = hasil ?? current.ratingHasil, let p = perilaku ?? current.ratingPerilaku else {
            throw StoreError.invalid("\(nip) has no rating \(hasil == nil ? "hasil kerja" : "perilaku") yet: give both ratings")
        }
        let predikat = Predikat(hasilKerja: h, perilakuKerja: p)
        try await recordAdjustment(of: current, to: h, p, reason: reason, actor: actor)
        try await query("""
            update evaluations set rating_hasil = \(h.rawValue), rating_perilaku = \(p.rawValue), predikat = \(predikat.rawValue),
                   status = 'confirmed', change_reason = \(reason), confirmed_by = \(actor.name), confirmed_at = now()
            where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and nip = \(nip)
            """)
        try await audit(actor: actor.name, action: "evaluate.calibrate", subject: "\(nip)/\(year)/\(period)",
                        detail: ["from": current.predikat?.rawValue ?? "-", "to": predikat.rawValue, "hasil": h.rawValue,
                                 "perilaku": p.rawValue, "reason": reason])
        return try await evaluation(nip: nip, year: year, period: period)!
    }

    /// Locks the evaluation's row until the transaction ends, for a change judged against the version read now.
    /// A final one is not refused here: the change refuses it after its own checks of who asks.
    public func lockEvaluationForChange(nip: String, year: Int, period: SubPeriod) async throws {
        _ = try await lockedEvaluationStatus(nip: nip, year: year, period: period)
    }

    /// Locks one result for a change, refusing a final one with a message that says how to change it; holds it
    /// against other changes until the transaction ends.
    func lockEvaluation(nip: String, year: Int, period: SubPeriod) async throws {
        if try await lockedEvaluationStatus(nip: nip, year: year, period: period) == "final" {
            throw StoreError.state("the evaluation of \(nip) for \(year) \(period) is final: reopen its OPD (with a reason) to change it")
        }
    }

    /// The evaluation's status (nil when there is none), its row locked until the transaction ends.
    private func lockedEvaluationStatus(nip: String, year: Int, period: SubPeriod) async throws -> String? {
        var status: String?
        for try await s in try await query("""
            select status from evaluations where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and nip = \(nip) for update
            """).decode(String.self) { status = s }
        return status
    }

    /// Every calibration adjustment of one employee's result, oldest first.
    public func adjustments(nip: String, year: Int, period: SubPeriod) async throws -> [(from: String?, to: String, reason: String, author: String)] {
        let rows = try await query("""
            select from_predikat, to_predikat, reason, author from evaluation_adjustments
            where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and nip = \(nip) order by adjustment_id
            """)
        var out: [(from: String?, to: String, reason: String, author: String)] = []
        for try await r in rows.decode((String?, String, String, String).self) { out.append((r.0, r.1, r.2, r.3)) }
        return out
    }

    /// City HR confirms, in one step, every proposal of an OPD (or of the city) that has both ratings, as
    /// proposed. Returns how many were confirmed and how many still lack a rating.
    public func confirmProposed(unitCode: String?, year: Int, period: SubPeriod, actor: String) async throws -> (confirmed: Int, unrated: Int) {
        let only = try await unitCode.asyncMap { try await requireOPD($0).id }
        let rows = try await query("""
            update evaluations set status = 'confirmed', confirmed_by = \(actor), confirmed_at = now()
            where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue) and period_seq = \(period.sequence)
              and status = 'proposed' and rating_hasil is not null and rating_perilaku is not null and predikat is not null
              and (\(only)::uuid is null or opd_id = \(only))
            returning 1
            """)
        var confirmed = 0
        for try await _ in rows { confirmed += 1 }
        let left = try await query("""
            select count(*)::int from evaluations
            where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue) and period_seq = \(period.sequence)
              and status = 'proposed' and (\(only)::uuid is null or opd_id = \(only))
            """)
        var unrated = 0
        for try await n in left.decode(Int.self) { unrated = n }
        try await audit(actor: actor, action: "evaluate.confirm-all", subject: "\(unitCode ?? "*")/\(year)/\(period)",
                        detail: ["confirmed": String(confirmed), "unrated": String(unrated)])
        return (confirmed, unrated)
    }

    /// Makes an OPD's results final and locks them. Refused while the organisation predikat is missing, while
    /// any result is unconfirmed, or while the curve is broken, unless city HR overrides it with a reason.
    public func finalize(unitCode: String, year: Int, period: SubPeriod, profile: TenantProfile, overrideReason: String?,
                         actor: SKPActor) async throws -> Finalization {
        guard actor.isHR else { throw StoreError.forbidden("only city HR finalizes an OPD's results") }
        let opd = try await requireOPD(unitCode)
        try await lockOPDRound(opd.id, year: year, period: period)
        // No evaluation run adds proposals meanwhile (it holds the period shared), and no confirmation or
        // calibration changes a result between the curve check and the lock.
        for try await _ in try await query("""
            select 1 from periods where tenant_id = \(tenant.uuid) and year = \(year) and kind = \(period.kind.rawValue)
              and sequence = \(period.sequence) for update
            """) {}
        for try await _ in try await query("""
            select 1 from evaluations where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and opd_id = \(opd.id) for update
            """) {}
        let matrix = profile.rating.regime == .permenpanrb2022
        let orgRows = try await query("""
            select predikat from org_predikat where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and unit_id = \(opd.id) for update
            """)
        var org: PredikatOrganisasi?
        for try await p in orgRows.decode(String.self) { org = PredikatOrganisasi(rawValue: p) }
        if matrix && org == nil {
            throw StoreError.state("\(unitCode) has no predikat kinerja organisasi for \(year) \(period): "
                                   + "set it first ('kinerja-admin evaluate org-predikat')")
        }
        if try await finalization(of: opd.id, year: year, period: period) != nil {
            throw StoreError.state("\(unitCode) is already final for \(year) \(period)")
        }
        guard let standing = try await curve(year: year, period: period, profile: profile, unitCode: unitCode).first else {
            throw StoreError.state("\(unitCode) has no evaluation for \(year) \(period): run 'kinerja-admin evaluate run' first")
        }
        if standing.proposed > 0 {
            throw StoreError.state("\(unitCode): \(standing.proposed) result(s) are not confirmed yet (\(standing.unrated) without a rating): "
                                   + "the atasan confirm them, or HR with 'evaluate confirm'")
        }
        // The 2022 regime checks the curve; a numeric regime has none.
        let check = standing.check
        let reason = overrideReason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let check, let org, !check.passes, (reason ?? "").isEmpty {
            throw StoreError.state("\(unitCode) breaks the curve for \(org.rawValue): "
                                   + check.breaches.map(\.description).joined(separator: "; ")
                                   + ". Calibrate ('evaluate calibrate'), or finalize with an override reason")
        }
        let override = check?.passes == false ? reason : nil
        let n = try await moveOPDResults(opd.id, year: year, period: period, from: "confirmed", to: "final")
        let curveJSON = try check.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await query("""
            insert into opd_finalizations (tenant_id, year, period_kind, period_seq, unit_id, finalized_by, override_reason, curve)
            values (\(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), \(opd.id), \(actor.name), \(override), \(curveJSON)::jsonb)
            """)
        var detail = ["finalized": String(n), "curve": check.map { $0.passes ? "passes" : "broken" } ?? "none (\(profile.rating.regime.rawValue))"]
        if let org { detail["predikat_organisasi"] = org.rawValue }
        if let override { detail["override_reason"] = override }
        try await audit(actor: actor.name, action: "evaluate.finalize", subject: "\(unitCode)/\(year)/\(period)", detail: detail)
        return Finalization(unitCode: unitCode, finalized: n, check: check, overrideReason: override)
    }

    /// Unlocks a final OPD: its results go back to confirmed. Needs a reason; audited.
    public func reopen(unitCode: String, year: Int, period: SubPeriod, reason: String, actor: SKPActor) async throws -> Int {
        guard actor.isHR else { throw StoreError.forbidden("only city HR reopens an OPD's results") }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StoreError.invalid("reopening final results needs a reason") }
        let opd = try await requireOPD(unitCode)
        try await lockOPDRound(opd.id, year: year, period: period)
        let removed = try await query("""
            delete from opd_finalizations where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and unit_id = \(opd.id)
            returning 1
            """)
        var found = false
        for try await _ in removed { found = true }
        guard found else { throw StoreError.state("\(unitCode) is not final for \(year) \(period): nothing to reopen") }
        let n = try await moveOPDResults(opd.id, year: year, period: period, from: "final", to: "confirmed")
        // Follow-ups drawn from the results no longer stand: the open ones are cancelled, to be generated again
        // (`generateFollowUps` opens them anew) once the OPD is final again. A reassignment is the outcome of a
        // closed improvement plan, not of the results: it stays.
        let cancelled = try await query("""
            update followups f set status = 'cancelled', outcome = \("\(Self.cancelledByReopening) (\(reason))"), closed_by = \(actor.name),
                   closed_at = now()
            from evaluations e
            where f.tenant_id = \(tenant.uuid) and f.year = \(year) and f.period_kind = \(period.kind.rawValue)
              and f.period_seq = \(period.sequence) and f.status = 'open' and f.kind <> 'reassignment'
              and e.tenant_id = f.tenant_id and e.year = f.year and e.period_kind = f.period_kind and e.period_seq = f.period_seq
              and e.nip = f.nip and e.opd_id = \(opd.id)
            returning 1
            """)
        var followUps = 0
        for try await _ in cancelled { followUps += 1 }
        try await audit(actor: actor.name, action: "evaluate.reopen", subject: "\(unitCode)/\(year)/\(period)",
                        detail: ["reopened": String(n), "reason": reason, "followups_cancelled": String(followUps)])
        return n
    }

    /// Re-scores the period under `other` and compares it with the results as they stand (computed under
    /// `current`): predikat counts, the employees whose predikat changes, and each OPD's curve fit before and
    /// after. Reads only.
    public func whatIf(year: Int, period: SubPeriod, current: TenantProfile, other: TenantProfile) async throws -> WhatIf {
        try requireEvaluated(period, profile: current)
        try requireEvaluated(period, profile: other)
        try await prepareSetBased()
        let rows = try await query(proposalStatement(year: year, period: period, profile: other, profileVersion: 0, runID: nil, then: """
            select r.nip::text, e.name, o.code, op.predikat, v.predikat, r.predikat
            from result r
            join employees e on e.tenant_id = r.tenant_id and e.nip = r.nip
            join org_units o on o.tenant_id = r.tenant_id and o.unit_id = r.opd_id
            left join org_predikat op on op.tenant_id = r.tenant_id and op.year = r.year and op.period_kind = r.period_kind
                 and op.period_seq = r.period_seq and op.unit_id = r.opd_id
            left join evaluations v on v.tenant_id = r.tenant_id and v.year = r.year and v.period_kind = r.period_kind
                 and v.period_seq = r.period_seq and v.nip = r.nip
            order by o.code, r.nip
            """))
        var out = WhatIf(before: [:], after: [:], changes: [], opds: [], evaluated: 0)
        var opdOrder: [String] = []
        var org: [String: PredikatOrganisasi] = [:]
        var countsBefore: [String: [Predikat: Int]] = [:], countsAfter: [String: [Predikat: Int]] = [:]
        for try await (nip, name, unit, orgP, before, after) in rows.decode((String, String, String, String?, String?, String?).self) {
            out.evaluated += 1
            out.before[before, default: 0] += 1
            out.after[after, default: 0] += 1
            if before != after { out.changes.append(.init(nip: nip, name: name, unitCode: unit, before: before, after: after)) }
            if countsBefore[unit] == nil { opdOrder.append(unit); countsBefore[unit] = [:]; countsAfter[unit] = [:] }
            org[unit] = orgP.flatMap(PredikatOrganisasi.init(rawValue:))
            if let b = before.flatMap(Predikat.init(rawValue:)) { countsBefore[unit]![b, default: 0] += 1 }
            if let a = after.flatMap(Predikat.init(rawValue:)) { countsAfter[unit]![a, default: 0] += 1 }
        }
        out.opds = opdOrder.map { u in
            WhatIf.OPDFit(unitCode: u, predikatOrganisasi: org[u],
                          before: current.rating.regime != .permenpanrb2022 ? nil
                              : org[u].map { Curve.check(countsBefore[u]!, organisasi: $0, table: current.distributionCurve) },
                          after: other.rating.regime != .permenpanrb2022 ? nil
                              : org[u].map { Curve.check(countsAfter[u]!, organisasi: $0, table: other.distributionCurve) })
        }
        return out
    }
}
