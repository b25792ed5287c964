public import Foundation
public import KinerjaCore
import PostgresNIO

/// A recorded follow-up.
public struct FollowUpRecord: Sendable, Equatable {
    public var id: Int64
    public var nip: String
    public var name: String
    public var opd: String
    public var year: Int
    public var period: SubPeriod
    public var kind: FollowUp.Kind
    public var rule: String
    /// The particulars as stored (JSON object of strings).
    public var detail: [String: String]
    public var due: String?
    public var status: String
    public var outcome: String?
}

extension TenantTransaction {
    /// Records the follow-ups the national rules and the city's profile require for the period's final
    /// results (OPDs not final yet are left out, and included by running it again after finalizing them).
    /// Follow-ups already recorded stay as they are; an employee with an improvement plan still open gets no
    /// second one; a ranking across the city waits until every OPD is final. Returns how many were added, per
    /// kind, and what waits.
    public func generateFollowUps(year: Int, period: SubPeriod, profile: TenantProfile, actor: String) async throws
        -> (added: [FollowUp.Kind: Int], waiting: [String]) {
        let end = try EvaluationPeriod.period(year: year, kind: period.kind, sequence: period.sequence).endsOn
        // The weakest value from the ratings the evaluation itself counts: the current atasan's, and peers' or
        // bawahan's only from the profile's minimum of answers, so that no single rater can be read back.
        let minimum = max(1, profile.behaviour360.minimumPeers)
        let rows = try await query("""
            with answered as (
                select b.ratee_nip, b.rater_nip, b.source, count(*) over (partition by b.ratee_nip, b.source) as n
                from behaviour_raters b join employees r on r.tenant_id = b.tenant_id and r.nip = b.ratee_nip
                where b.tenant_id = \(tenant.uuid) and b.year = \(year) and b.period_kind = \(period.kind.rawValue)
                  and b.period_seq = \(period.sequence) and b.source <> 'self' and (b.source <> 'atasan' or r.atasan_nip = b.rater_nip)
                  and exists (select 1 from behaviour_ratings g where g.tenant_id = b.tenant_id and g.year = b.year
                              and g.period_kind = b.period_kind and g.period_seq = b.period_seq and g.ratee_nip = b.ratee_nip
                              and g.rater_nip = b.rater_nip)
            ), means as (
                select g.ratee_nip, g.value, avg(g.score) as m
                from behaviour_ratings g join answered a on a.ratee_nip = g.ratee_nip and a.rater_nip = g.rater_nip
                where g.tenant_id = \(tenant.uuid) and g.year = \(year) and g.period_kind = \(period.kind.rawValue)
                  and g.period_seq = \(period.sequence) and (a.source = 'atasan' or a.n >= \(minimum))
                group by g.ratee_nip, g.value
            ), weakest as (
                select distinct on (ratee_nip) ratee_nip, value from means order by ratee_nip, m, value
            )
            select e.nip::text, o.code, u.kind, o.kind, m.jabatan_kind, m.jabatan_name, m.employee_type, e.predikat,
                   e.capaian::float8, e.behaviour_score::float8, w.value
            from evaluations e
            join employees m on m.tenant_id = e.tenant_id and m.nip = e.nip
            join org_units u on u.tenant_id = e.tenant_id and u.unit_id = m.unit_id
            join org_units o on o.tenant_id = e.tenant_id and o.unit_id = e.opd_id
            left join weakest w on w.ratee_nip = e.nip
            where e.tenant_id = \(tenant.uuid) and e.year = \(year) and e.period_kind = \(period.kind.rawValue)
              and e.period_seq = \(period.sequence) and e.status = 'final'
            """)
        var inputs: [FollowUp.Input] = []
        for try await r in rows.decode((String, String, String, String, String, String, String, String, Double?, Double?, String?).self) {
            // Under a numeric regime the predikat is read on the 2022 scale the rules are written on.
            guard let p = Predikat(anyRegime: r.7) else { continue }
            inputs.append(FollowUp.Input(nip: r.0, opd: r.1, unitKind: r.2, opdKind: r.3, jabatanKind: r.4, jabatanName: r.5,
                                         employeeType: r.6, predikat: p, capaian: r.8, behaviourScore: r.9,
                                         weakestValue: r.10.flatMap(Behaviour.Value.init(rawValue:))))
        }
        guard !inputs.isEmpty else {
            throw StoreError.state("no final results for \(year) \(period): finalize the OPDs first ('kinerja-admin evaluate finalize')")
        }
        var planned = FollowUp.plan(inputs, rules: profile.followUps, periodEnd: end)
        var waiting: [String] = []
        // One improvement plan at a time per employee (monthly periods would otherwise open one a month).
        let open = try await query("select distinct nip::text from followups where tenant_id = \(tenant.uuid) and kind = 'improvement_plan' and status = 'open'")
        var withPlan: Set<String> = []
        for try await nip in open.decode(String.self) { withPlan.insert(nip) }
        planned.removeAll { $0.kind == .improvementPlan && withPlan.contains($0.nip) }
        // A ranking compares the whole city: it waits for every OPD's final results.
        if let ranking = profile.followUps.ranking, ranking.top > 0 {
            let notFinal = try await query("""
                select count(*)::int from evaluations where tenant_id = \(tenant.uuid) and year = \(year)
                  and period_kind = \(period.kind.rawValue) and period_seq = \(period.sequence) and status <> 'final'
                """)
            var n = 0
            for try await c in notFinal.decode(Int.self) { n = c }
            if n > 0 {
                planned.removeAll { $0.kind == .ranking }
                waiting.append("ranking: \(n) result(s) of the period are not final yet")
            }
        }
        let added = try await insertFollowUps(planned, year: year, period: period, actor: actor)
        var detail = Dictionary(uniqueKeysWithValues: added.map { ($0.key.rawValue, String($0.value)) })
        detail["results"] = String(inputs.count)
        if !waiting.isEmpty { detail["waiting"] = waiting.joined(separator: "; ") }
        try await audit(actor: actor, action: "followup.generate", subject: "\(year)/\(period)", detail: detail)
        return (added, waiting)
    }

    /// How reopening an OPD closes the follow-ups drawn from its results; generating them again reopens those.
    static let cancelledByReopening = "cancelled: the OPD was reopened"

    func insertFollowUps(_ planned: [FollowUp.Planned], year: Int, period: SubPeriod, actor: String) async throws -> [FollowUp.Kind: Int] {
        // One row per person, kind and rule: two rules of a profile with the same name would otherwise meet twice
        // in one statement, which an upsert refuses.
        var seen = Set<String>()
        let planned = planned.filter { seen.insert("\($0.nip)|\($0.kind.rawValue)|\($0.rule)").inserted }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var added: [FollowUp.Kind: Int] = [:]
        for chunk in stride(from: 0, to: planned.count, by: 20_000).map({ planned[$0..<min($0 + 20_000, planned.count)] }) {
            let nips = chunk.map(\.nip), kinds = chunk.map(\.kind.rawValue), rules = chunk.map(\.rule)
            let details = try chunk.map { String(decoding: try encoder.encode($0.detail), as: UTF8.self) }
            let dues = chunk.map { $0.due?.description ?? "" }
            let rows = try await query("""
                insert into followups (tenant_id, year, period_kind, period_seq, nip, kind, rule, detail, due_date, created_by)
                select \(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), n, k, r, d::jsonb, nullif(due, '')::date, \(actor)
                from unnest(\(nips)::text[], \(kinds)::text[], \(rules)::text[], \(details)::text[], \(dues)::text[]) as f(n, k, r, d, due)
                on conflict (tenant_id, year, period_kind, period_seq, nip, kind, rule) do update
                    set status = 'open', detail = excluded.detail, due_date = excluded.due_date, outcome = null,
                        closed_by = null, closed_at = null, created_by = excluded.created_by, created_at = now()
                    -- Cancelled by reopening the OPD: drawn again from the final results. Any other follow-up
                    -- already recorded (open, done, cancelled by HR) stays as it is.
                    where followups.status = 'cancelled' and starts_with(followups.outcome, \(Self.cancelledByReopening))
                returning kind
                """)
            for try await k in rows.decode(String.self) { if let kind = FollowUp.Kind(rawValue: k) { added[kind, default: 0] += 1 } }
        }
        return added
    }

    /// Follow-ups of a year (one period, one kind, one employee, or one OPD when given), by OPD, kind and NIP;
    /// or, given `limit`, one page in id order after the id `after`.
    public func followUps(year: Int, period: SubPeriod? = nil, kind: FollowUp.Kind? = nil, nip: String? = nil,
                          opd: String? = nil, after: Int64? = nil, limit: Int? = nil) async throws -> [FollowUpRecord] {
        let rows = try await query("""
            select f.followup_id, f.nip::text, m.name, o.code, f.period_kind, f.period_seq, f.kind, f.rule, f.detail::text,
                   f.due_date::text, f.status, f.outcome
            from followups f
            join employees m on m.tenant_id = f.tenant_id and m.nip = f.nip
            join evaluations e on e.tenant_id = f.tenant_id and e.year = f.year and e.period_kind = f.period_kind
                 and e.period_seq = f.period_seq and e.nip = f.nip
            join org_units o on o.tenant_id = f.tenant_id and o.unit_id = e.opd_id
            where f.tenant_id = \(tenant.uuid) and f.year = \(year)
              and (\(period?.kind.rawValue)::text is null or (f.period_kind = \(period?.kind.rawValue) and f.period_seq = \(period?.sequence)))
              and (\(kind?.rawValue)::text is null or f.kind = \(kind?.rawValue))
              and (\(nip)::text is null or f.nip = \(nip))
              and (\(opd)::text is null or o.code = \(opd))
              and (\(after)::bigint is null or f.followup_id > \(after))
            order by case when \(limit)::int is null then o.code end, case when \(limit)::int is null then f.kind end,
                     case when \(limit)::int is null then f.nip end, f.followup_id
            limit \(limit)
            """)
        var out: [FollowUpRecord] = []
        for try await r in rows.decode((Int64, String, String, String, String, Int, String, String, String, String?, String, String?).self) {
            let detail = (try? JSONDecoder().decode([String: String].self, from: Data(r.8.utf8))) ?? [:]
            out.append(FollowUpRecord(id: r.0, nip: r.1, name: r.2, opd: r.3, year: year,
                                      period: SubPeriod(kind: EvaluationPeriod.Kind(rawValue: r.4) ?? .annual, sequence: r.5),
                                      kind: FollowUp.Kind(rawValue: r.6) ?? .coaching, rule: r.7, detail: detail, due: r.9,
                                      status: r.10, outcome: r.11))
        }
        return out
    }

    /// Closes a follow-up with its outcome. An improvement plan closes as improved or not; not improved
    /// records the next step (reassignment, or for PPPK the contract not extended) as a new follow-up.
    /// Returns the closed follow-up and the new one, if any.
    public func closeFollowUp(id: Int64, outcome: String, improved: Bool?, cancelled: Bool = false,
                              actor: String) async throws -> (closed: FollowUpRecord, next: FollowUpRecord?) {
        let outcome = outcome.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !outcome.isEmpty else { throw StoreError.invalid("closing a follow-up needs its outcome") }
        let rows = try await query("""
            select year, period_kind, period_seq, nip::text, kind, status, detail->>'ifNotImproved' from followups
            where tenant_id = \(tenant.uuid) and followup_id = \(id) for update
            """)
        var found: (Int, String, Int, String, String, String, String?)?
        for try await r in rows.decode((Int, String, Int, String, String, String, String?).self) { found = r }
        guard let (year, pk, ps, nip, kind, status, ifNotImproved) = found else {
            throw StoreError.notFound(what: "follow-up", key: String(id))
        }
        guard status == "open" else { throw StoreError.state("follow-up \(id) is already \(status)") }
        let isPlan = kind == FollowUp.Kind.improvementPlan.rawValue
        if isPlan && !cancelled && improved == nil {
            throw StoreError.invalid("follow-up \(id) is an improvement plan: say whether performance improved (--improved or --not-improved)")
        }
        if !isPlan && improved != nil { throw StoreError.invalid("follow-up \(id) is a \(kind), not an improvement plan: it takes no improved/not improved") }
        let text = isPlan && !cancelled ? "\(improved! ? "improved" : "not improved"): \(outcome)" : outcome
        try await query("""
            update followups set status = \(cancelled ? "cancelled" : "done"), outcome = \(text), closed_by = \(actor), closed_at = now()
            where tenant_id = \(tenant.uuid) and followup_id = \(id)
            """)
        let period = SubPeriod(kind: EvaluationPeriod.Kind(rawValue: pk) ?? .annual, sequence: ps)
        var next: FollowUpRecord?
        if isPlan && improved == false && !cancelled {
            let step = ifNotImproved ?? "reassignment to another or a lower post"
            let added = try await insertFollowUps([FollowUp.Planned(nip: nip, kind: .reassignment, rule: "Tindak lanjut setelah masa perbaikan",
                                                                    detail: ["step": step, "plan": String(id), "outcome": outcome], due: nil)],
                                                  year: year, period: period, actor: actor)
            if added[.reassignment] != nil {
                next = try await followUps(year: year, period: period, kind: .reassignment, nip: nip).last
            }
        }
        try await audit(actor: actor, action: "followup.close", subject: "\(nip)/\(year)/\(period)",
                        detail: ["id": String(id), "kind": kind, "outcome": text] .merging(next.map { ["next": String($0.id)] } ?? [:]) { a, _ in a })
        let closed = try await followUps(year: year, period: period, nip: nip).first { $0.id == id }!
        return (closed, next)
    }
}
