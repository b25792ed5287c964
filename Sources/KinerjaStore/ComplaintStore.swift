public import Foundation
public import KinerjaCore
import PostgresNIO

extension TenantTransaction {
    /// Imports complaints from an SP4N-LAPOR!-style CSV, all or nothing: a tracking id seen before is updated
    /// (its later steps recorded, the steps a row leaves empty kept), one new is added. Every OPD code and officer NIP must be this city's.
    public func importComplaints(actor: String, next: () async throws -> [UInt8]?) async throws -> SmallImportSummary {
        var (rows, errors) = try await readAll(next, header: Complaints.header, row: Complaints.row)
        var first: [String: Int] = [:]
        for (line, c) in rows {
            if let earlier = first[c.trackingID] {
                errors.append(RowError(line: line, column: "NOMOR TIKET", value: c.trackingID, reason: "already on line \(earlier)"))
            } else { first[c.trackingID] = line }
        }
        errors += try await unknownNIPs(rows.compactMap { r in r.value.officerNIP.map { (r.line, $0) } })
            .map { RowError(line: $0.line, column: "NIP PETUGAS", value: $0.value, reason: $0.reason) }
        let opds = Set(try await orgUnits().filter { $0.parentID == nil }.map(\.code))
        for (line, c) in rows { if let o = c.opd, !opds.contains(o) { errors.append(RowError(line: line, column: "OPD", value: o, reason: "not an OPD of this city")) } }
        guard errors.isEmpty else { throw rejectAll(errors) }
        // Each ticket as it would stand with the steps stored before (a follow-up sent alone for one routed before).
        errors = try await mergedComplaintErrors(rows.map(\.value), actor: actor).map { e in
            RowError(line: rows[e.index].line, column: e.error.column, value: e.error.value, reason: e.error.reason)
        }
        guard errors.isEmpty else { throw rejectAll(errors) }
        var summary = SmallImportSummary(rows: rows.count)
        let upserted = try await upsertComplaints(rows.map(\.value), actor: actor)
        (summary.new, summary.changed) = (upserted.new, upserted.changed)
        try await audit(actor: actor, action: "complaints.import", subject: "",
                        detail: ["rows": String(summary.rows), "new": String(summary.new), "changed": String(summary.changed)])
        let profile = try await profile()
        summary.notes = try await applyComplaintHook(days: rows.map(\.value.received) + upserted.movedFrom, profile: profile,
                                                     asOf: .today(in: profile.timeZoneOrDefault), actor: actor).map(\.summary)
        return summary
    }

    /// Adds new tickets and records the later steps of known ones; returns how many were added and changed,
    /// and the days known tickets were received on before, where this changes them (a corrected date). Their
    /// months' complaint figures change too: the hook must look at them as well as at the new days. One import
    /// of a city's complaints at a time (a transaction-level lock): two at once could each read a ticket's date
    /// before the other moved it, and the month between would keep its figure.
    @discardableResult
    func upsertComplaints(_ all: [Complaints.Complaint], actor: String) async throws -> (new: Int, changed: Int, movedFrom: [CivilDate]) {
        var new = 0, changed = 0
        var movedFrom: Set<CivilDate> = []
        try await query("select pg_advisory_xact_lock(hashtextextended('kinerja:complaints:' || \(tenant.description), 0))")
        for start in stride(from: 0, to: all.count, by: 20_000) {
            let c = all[start..<min(start + 20_000, all.count)]
            func day(_ d: CivilDate?) -> String { d?.description ?? "" }
            for try await earlier in try await query("""
                select distinct k.received_on::text
                from complaints k join unnest(\(c.map(\.trackingID))::text[], \(c.map { day($0.received) })::text[]) as x(t, r)
                     on k.tenant_id = \(tenant.uuid) and k.tracking_id = x.t
                where k.received_on <> x.r::date
                """).decode(String.self) {
                if let d = CivilDate(iso: earlier) { movedFrom.insert(d) }
            }
            // A ticket sent again keeps the steps it does not carry: a "closed" message without the follow-up, or
            // an older message retried, records what it says and erases nothing. A new routing (OPD, officer, day)
            // goes as one: a ticket routed elsewhere takes it whole, and a follow-up or a close before its day
            // belonged to the earlier routing. The subject stays when none is sent.
            let result = try await query(mergedComplaints(c, actor: actor, head: """
                insert into complaints (tenant_id, tracking_id, received_on, opd_code, officer_nip, routed_on, followed_up_on, closed_on, subject, updated_by)
                """, tail: """
                on conflict (tenant_id, tracking_id) do update set
                    received_on = excluded.received_on, opd_code = excluded.opd_code, officer_nip = excluded.officer_nip,
                    routed_on = excluded.routed_on, followed_up_on = excluded.followed_up_on, closed_on = excluded.closed_on,
                    subject = excluded.subject, updated_by = excluded.updated_by, updated_at = now()
                where (complaints.received_on, complaints.opd_code, complaints.officer_nip, complaints.routed_on, complaints.followed_up_on,
                       complaints.closed_on, complaints.subject) is distinct from
                      (excluded.received_on, excluded.opd_code, excluded.officer_nip, excluded.routed_on, excluded.followed_up_on,
                       excluded.closed_on, excluded.subject)
                returning (xmax = 0)
                """))
            for try await inserted in result.decode(Bool.self) { if inserted { new += 1 } else { changed += 1 } }
        }
        return (new, changed, movedFrom.sorted())
    }

    /// The tickets `c` would make, merged with those stored (what a message leaves out kept, a new routing taken
    /// whole), between `head` and `tail`: the insert and its conflict clause for the write, or a query around it
    /// for the check before (``mergedComplaintErrors``), so both read one merge.
    func mergedComplaints(_ c: ArraySlice<Complaints.Complaint>, actor: String, head: String, tail: String) -> PostgresQuery {
        func day(_ d: CivilDate?) -> String { d?.description ?? "" }
        return """
            \(unescaped: head)
            select \(tenant.uuid), x.t, x.r::date, g.opd, g.officer, g.routed,
                   coalesce(nullif(x.f, '')::date, case when k.followed_up_on >= g.routed then k.followed_up_on end),
                   coalesce(nullif(x.cl, '')::date, case when k.closed_on >= greatest(x.r::date, g.routed) then k.closed_on end),
                   coalesce(nullif(x.s, ''), k.subject, ''), \(actor)
            from unnest(\(c.map(\.trackingID))::text[], \(c.map { day($0.received) })::text[], \(c.map { $0.opd ?? "" })::text[],
                        \(c.map { $0.officerNIP ?? "" })::text[], \(c.map { day($0.routed) })::text[], \(c.map { day($0.followedUp) })::text[],
                        \(c.map { day($0.closed) })::text[], \(c.map(\.subject))::text[]) as x(t, r, o, n, ro, f, cl, s)
            left join complaints k on k.tenant_id = \(tenant.uuid) and k.tracking_id = x.t
            -- A new routing: another day of routing than the stored one, or another OPD (the same sent again,
            -- without the officer, keeps the officer). A step kept from before a corrected (later) day of
            -- receipt that now falls before it is dropped, not kept out of order.
            cross join lateral (select (x.ro <> '' and x.ro::date is distinct from k.routed_on)
                                       or (x.o <> '' and x.o is distinct from k.opd_code) as anew) n
            cross join lateral (
                select case when n.anew then x.o else k.opd_code end as opd,
                       case when n.anew then nullif(x.n, '') else coalesce(nullif(x.n, ''), k.officer_nip) end as officer,
                       case when n.anew then nullif(x.ro, '')::date
                            when k.routed_on >= x.r::date then k.routed_on end as routed
            ) g
            \(unescaped: tail)
            """
    }

    /// The tickets of `all` (by their index) that, merged with what is stored, would be followed up without a
    /// routing or have their steps out of order: a follow-up sent alone for a ticket routed before is fine, one
    /// for a ticket never routed is not, nor a close before the routing stored.
    func mergedComplaintErrors(_ all: [Complaints.Complaint], actor: String) async throws -> [(index: Int, error: RowError)] {
        // The city's complaint-import lock first: another import committing between this check and the write
        // could otherwise re-route a ticket this one follows up.
        try await query("select pg_advisory_xact_lock(hashtextextended('kinerja:complaints:' || \(tenant.description), 0))")
        var out: [(Int, RowError)] = []
        let names = ["TANGGAL DITERIMA", "TANGGAL DITERUSKAN", "TANGGAL TINDAK LANJUT", "TANGGAL SELESAI"]
        for start in stride(from: 0, to: all.count, by: 20_000) {
            let c = all[start..<min(start + 20_000, all.count)]
            // By tracking id: a batch names each once (checked before).
            let index = Dictionary(c.indices.map { (all[$0].trackingID, $0) }, uniquingKeysWith: { a, _ in a })
            for try await (t, received, routed, followed, closed) in try await query(mergedComplaints(c, actor: actor, head: """
                select m.t, m.r::text, m.routed::text, m.followed::text, m.closed::text from (
                """, tail: """
                ) as m(tenant_id, t, r, opd, officer, routed, followed, closed, subject, actor)
                """)).decode((String, String, String?, String?, String?).self) {
                guard let i = index[t] else { continue }
                let sent = all[i]
                let steps = [received, routed, followed, closed].map { $0.flatMap(CivilDate.init(iso:)) }
                let stored = "with the steps stored for ticket \(sent.trackingID)"
                if steps[2] != nil, steps[1] == nil {
                    out.append((i, RowError(line: i, column: names[2], value: steps[2]!.description,
                                            reason: "followed up but never routed: give TANGGAL DITERUSKAN")))
                    continue
                }
                var last: (Int, CivilDate)?
                for (k, d) in steps.enumerated() {
                    guard let d else { continue }
                    if let l = last, d < l.1 {
                        out.append((i, RowError(line: i, column: names[k], value: d.description,
                                                reason: "\(stored), it would be before \(names[l.0]) (\(l.1)): send the step that puts it right")))
                        break
                    }
                    last = (k, d)
                }
            }
        }
        return out
    }

    /// Complaints received from `from` up to `until` (both included).
    public func complaints(from: CivilDate, until: CivilDate, opd: String? = nil) async throws -> [Complaints.Complaint] {
        try await Self.complaints(try await query("""
            select \(unescaped: Self.complaintColumns)
            from complaints where tenant_id = \(tenant.uuid) and received_on between \(from.description)::date and \(until.description)::date
              and (\(opd)::text is null or opd_code = \(opd))
            order by received_on, tracking_id
            """))
    }

    /// One complaint of this city by its tracking id; nil when the city has none (another city's is never read).
    public func complaint(trackingID: String) async throws -> Complaints.Complaint? {
        try await Self.complaints(try await query("""
            select \(unescaped: Self.complaintColumns)
            from complaints where tenant_id = \(tenant.uuid) and tracking_id = \(trackingID)
            """)).first
    }

    static let complaintColumns = "tracking_id, received_on::text, opd_code, officer_nip::text, routed_on::text, followed_up_on::text, closed_on::text, subject"

    static func complaints(_ rows: PostgresRowSequence) async throws -> [Complaints.Complaint] {
        var out: [Complaints.Complaint] = []
        for try await r in rows.decode((String, String, String?, String?, String?, String?, String?, String).self) {
            out.append(.init(trackingID: r.0, received: CivilDate(iso: r.1)!, opd: r.2, officerNIP: r.3, routed: r.4.flatMap { CivilDate(iso: $0) },
                             followedUp: r.5.flatMap { CivilDate(iso: $0) }, closed: r.6.flatMap { CivilDate(iso: $0) }, subject: r.7))
        }
        return out
    }

    /// Responsiveness per OPD and per officer for the complaints received in the scope's period, as on `asOf`
    /// (today): a complaint never followed up is late once its due day has passed, after the period's end too,
    /// as one followed up late is.
    public func complaintRows(_ s: ReportScope, profile: TenantProfile, asOf: CivilDate) async throws -> [ReportRow] {
        let period = try s.sub()
        guard let p = try await periods(year: s.year).first(where: { $0.period.kind == period.kind && $0.period.sequence == period.sequence }) else {
            throw StoreError.notFound(what: "period", key: "\(s.year) \(period)")
        }
        let list = try await complaints(from: p.period.startsOn, until: p.period.endsOn, opd: s.opd)
        let rules = profile.complaintRulesOrDefault
        let names = try await employeeNames(Array(Set(list.compactMap(\.officerNIP))))
        func row(_ r: Complaints.Responsiveness, opd: String, officer: String?) -> ReportRow {
            ["opd": .text(opd), "petugas": ReportValue(officer), "nama": ReportValue(officer.flatMap { names[$0] }),
             "pengaduan": .integer(r.complaints), "diteruskanTepatWaktu": .integer(r.routedOnTime),
             "ditindaklanjutiTepatWaktu": .integer(r.followedUpOnTime), "persenTepatWaktu": ReportValue(r.percentOnTime),
             "rataRataHariKerja": ReportValue(r.meanFollowUpDays), "terlambat": .integer(r.overdue)]
        }
        var out: [ReportRow] = []
        for o in Complaints.responsiveness(list, rules: rules, asOf: asOf, by: { $0.opd ?? "(belum diteruskan)" }) {
            out.append(row(o, opd: o.key, officer: nil))
            for officer in Complaints.responsiveness(list.filter { ($0.opd ?? "(belum diteruskan)") == o.key }, rules: rules, asOf: asOf,
                                                       by: Complaints.responsibleOfficer) {
                out.append(row(officer, opd: o.key, officer: officer.key))
            }
        }
        return out
    }

    func employeeNames(_ nips: [String]) async throws -> [String: String] {
        var out: [String: String] = [:]
        for try await (n, name) in try await query("select nip::text, name from employees where tenant_id = \(tenant.uuid) and nip = any(\(nips)::text[])")
            .decode((String, String).self) { out[n] = name }
        return out
    }
}

/// What the complaint hook (profile `hooks: [complaintResponsiveness]` and `complaints.indicator`) did for one
/// month or quarter: officers measured, realisasi written, left as they were, figures withdrawn, and refused (a
/// closed period).
public struct ComplaintHookResult: Sendable, Equatable {
    /// One line, as the CLI prints it.
    public var summary: String {
        var line = "complaint hook, \(indicator) for \(period) \(year): \(measured) officer(s) measured, \(written) realisasi written, "
            + "\(unchanged) unchanged, \(withoutIndicator) officer(s) without the IKI in an approved SKP"
        if withdrawn > 0 { line += ", \(withdrawn) figure(s) withdrawn (no complaint counts for the officer any more)" }
        if !refused.isEmpty {
            line += "; refused: " + refused.map { "\($0.nip)\($0.withdrawal ? " (withdrawal)" : "") (\($0.reason))" }.joined(separator: ", ")
        }
        if !yearsWithoutHolidays.isEmpty {
            line += "; the profile lists no holiday in " + yearsWithoutHolidays.map(String.init).joined(separator: ", ")
                + " (holidayDates): every weekday there counted as a working day"
        }
        return line
    }

    public var year: Int
    public var period: SubPeriod
    public var indicator: String
    /// Officers with complaints that count in the period and the IKI in their approved SKP.
    public var measured: Int
    public var written: Int
    public var unchanged: Int
    /// Officers with complaints that count but no approved SKP holding the indicator: nothing to write.
    public var withoutIndicator: Int
    /// Figures the hook wrote before for officers no complaint counts for now (the tickets routed to someone
    /// else, or received in another period after all): rewritten without a value, with a narrative that says why.
    public var withdrawn = 0
    /// The writes the database refused (a period closed meanwhile, say), in the order they were sent.
    public var refused: [Refusal]
    /// Years the deadlines were counted through for which the profile lists no holiday (its list not yet
    /// brought up to date): every weekday there counted as a working day.
    public var yearsWithoutHolidays: [Int] = []

    public struct Refusal: Sendable, Equatable {
        public var nip: String
        /// The refused write was the withdrawal of an earlier figure.
        public var withdrawal: Bool
        public var reason: String
    }
}

extension TenantTransaction {
    /// The name of the hook in a profile's `hooks`.
    public static let complaintHook = "complaintResponsiveness"
    /// Who a realisasi the hook writes is reported by.
    static func hookAuthor(_ actor: String) -> String { "hook:\(complaintHook) (\(actor))" }
    /// The audit action of a figure the hook withdraws, next to the realisasi's own `realisasi.correct`.
    public static let withdrawalAction = "complaints.hook.withdraw"
    /// The narrative of a figure the hook withdraws.
    public static let withdrawnNarrative = "Ditarik: tidak ada lagi pengaduan SP4N-LAPOR! yang dihitung untuk pegawai ini pada periode ini "
        + "(pengaduan dialihkan ke petugas lain, diterima pada periode lain, atau belum jatuh tempo)"

    /// The hook's figures brought up to date for the open periods of `year` that start by `end` (and by today),
    /// before something reads them (an evaluation, the month's TPP): a complaint not followed up becomes overdue as
    /// days pass, with no new import to say so. One at a time with the city's complaint imports (their lock): an
    /// import committing meanwhile would otherwise have its newer figure written over with this one's.
    public func refreshComplaintHook(year: Int, through end: CivilDate?, profile: TenantProfile, actor: String) async throws {
        guard profile.hooks.contains(Self.complaintHook), profile.complaints?.indicator != nil else { return }
        try await query("select pg_advisory_xact_lock(hashtextextended('kinerja:complaints:' || \(tenant.description), 0))")
        let today = CivilDate.today(in: profile.timeZoneOrDefault)
        let days = try await periods(year: year).map(\.period)
            .filter { $0.kind != .annual && $0.startsOn <= min(end ?? today, today) }.map(\.startsOn)
        try await applyComplaintHook(days: days, profile: profile, asOf: today, actor: actor)
    }

    /// Makassar's hook: each responsible officer's realisasi of the profile's `complaints.indicator` IKI, for
    /// every open month or quarter that holds one of `days`, from the complaints received in it: the share
    /// followed up within the working days allowed (per the city's holidays), of those followed up or past due
    /// on `asOf` (today: one never followed up whose due day fell after the period's end is late too, as one
    /// followed up late is; a closed period is not written, so its figure stays as it was). Written as any realisasi is (checked, audited), as
    /// `hook:complaintResponsiveness`; an unchanged figure is not written again. A figure the hook wrote before
    /// for an officer no complaint counts for any more in the period (the tickets routed to someone else, or
    /// received in another period after all: `days` then holds the day they left too) is
    /// withdrawn: no value, and a narrative saying why; a figure someone else wrote since is theirs and stays.
    /// Nothing for a city without the hook or the indicator.
    @discardableResult
    public func applyComplaintHook(days: [CivilDate], profile: TenantProfile, asOf: CivilDate,
                                   actor: String) async throws -> [ComplaintHookResult] {
        guard profile.hooks.contains(Self.complaintHook), let indicator = profile.complaints?.indicator else { return [] }
        let rules = profile.complaintRulesOrDefault
        var wanted: [EvaluationPeriod] = []
        for year in Set(days.map(\.year)).sorted() {
            let open = try await periods(year: year).filter { $0.isOpen && $0.period.kind != .annual }.map(\.period)
            for p in open where days.contains(where: { $0 >= p.startsOn && $0 <= p.endsOn }) { wanted.append(p) }
        }
        var out: [ComplaintHookResult] = []
        for p in wanted {
            let sub = p.subPeriod
            let list = try await complaints(from: p.startsOn, until: p.endsOn)
            let measured = Complaints.responsiveness(list, rules: rules, asOf: asOf, by: Complaints.responsibleOfficer)
                .filter { $0.percentOnTime != nil }
            var result = ComplaintHookResult(year: p.year, period: sub, indicator: indicator, measured: 0, written: 0, unchanged: 0,
                                             withoutIndicator: 0, refused: [])
            // The years the period's working days are counted through (to a follow-up; else to the day the
            // verdict is settled: the due day, or the close or today if sooner), and those the profile lists no
            // holiday in: there every weekday counts, which the city should know.
            let reached = list.map { c -> CivilDate in
                if let f = c.followedUp { return f }
                let check = Complaints.check(c, rules: rules, asOf: asOf)
                return min(c.closed ?? asOf, check.followUpDue ?? check.routingDue)
            }
            if let reach = reached.max() {
                let listed = Set(rules.holidays.map(\.year))
                result.yearsWithoutHolidays = (p.startsOn.year...max(p.startsOn.year, reach.year)).filter { !listed.contains($0) }
            }
            // The officers' IKI of the indicator in their approved SKP (the first by key, should a plan hold it
            // twice: the same one every time), and what each already has for the period.
            var iki: [String: UUID] = [:]
            var current: [String: (Double?, String?)] = [:]
            for try await (nip, key, value, narrative) in try await query("""
                select i.nip, i.iki_key, r.value::float8, r.narrative
                from skp_iki i
                join skp s on s.tenant_id = i.tenant_id and s.nip = i.nip and s.year = i.year and s.revision = i.revision
                left join realisasi r on r.tenant_id = i.tenant_id and r.nip = i.nip and r.year = i.year and r.iki_key = i.iki_key
                     and r.period_kind = \(p.kind.rawValue) and r.period_seq = \(p.sequence)
                where i.tenant_id = \(tenant.uuid) and i.year = \(p.year) and s.status = 'approved' and i.template_id = \(indicator)
                  and i.nip = any(\(measured.map(\.key))::text[])
                order by i.nip, i.iki_key
                """).decode((String, UUID, Double?, String?).self) where iki[nip] == nil {
                iki[nip] = key
                current[nip] = (value, narrative)
            }
            var items: [RealisasiItem] = []
            var kept: [(nip: String, key: UUID)] = []
            for r in measured {
                guard let key = iki[r.key], let percent = r.percentOnTime else { result.withoutIndicator += 1; continue }
                result.measured += 1
                let value = (percent * 100).rounded() / 100
                let narrative = "Dihitung dari pengaduan SP4N-LAPOR!: \(r.followedUpOnTime) dari \(r.counted) pengaduan "
                    + "ditindaklanjuti dalam \(rules.followUpWorkingDays) hari kerja (terlambat \(r.late))"
                kept.append((r.key, key))
                if let (v, n) = current[r.key], v == value, n == narrative { result.unchanged += 1; continue }
                items.append(RealisasiItem(nip: r.key, year: p.year, ikiKey: key, period: sub, value: value, narrative: narrative, evidence: []))
            }
            // What the hook wrote before for an IKI of the indicator in an approved SKP that it does not write now.
            for try await (nip, key) in try await query("""
                select r.nip::text, r.iki_key from realisasi r
                where r.tenant_id = \(tenant.uuid) and r.year = \(p.year) and r.period_kind = \(p.kind.rawValue) and r.period_seq = \(p.sequence)
                  and r.reported_by like \(Self.hookAuthor("%")) and r.value is not null
                  and (r.nip::text, r.iki_key) not in (select * from unnest(\(kept.map(\.nip))::text[], \(kept.map(\.key))::uuid[]))
                  and exists (select 1 from skp_iki i join skp s on s.tenant_id = i.tenant_id and s.nip = i.nip and s.year = i.year
                                                                 and s.revision = i.revision
                              where i.tenant_id = r.tenant_id and i.nip = r.nip and i.year = r.year and i.iki_key = r.iki_key
                                and s.status = 'approved' and i.template_id = \(indicator))
                order by r.nip, r.iki_key
                for update of r
                """).decode((String, UUID).self) {
                items.append(RealisasiItem(nip: nip, year: p.year, ikiKey: key, period: sub, value: nil, narrative: Self.withdrawnNarrative,
                                           evidence: []))
                result.withdrawn += 1
            }
            if !items.isEmpty {
                let outcomes = try await RealisasiCall.run(self.query, tenant: tenant, items: items, each: true, allOrNothing: false,
                                                           undo: false, actor: Self.hookAuthor(actor))
                var withdrawnNow: [RealisasiItem] = []
                for (item, outcome) in zip(items, outcomes) {
                    switch outcome {
                    case .written: if item.value != nil { result.written += 1 } else { withdrawnNow.append(item) }
                    case .refused(let e):
                        result.refused.append(.init(nip: item.nip, withdrawal: item.value == nil, reason: e.description))
                        if item.value == nil { result.withdrawn -= 1 }
                    }
                }
                // The realisasi's own entries say `realisasi.correct`; these say each was a withdrawal, and why.
                if !withdrawnNow.isEmpty {
                    try await query("""
                        insert into audit_log (tenant_id, actor, action, subject, detail)
                        select \(tenant.uuid), \(Self.hookAuthor(actor)), \(Self.withdrawalAction), w.nip || '/' || \(String(p.year)),
                               jsonb_build_object('iki', w.iki::text, 'period', \("\(sub)"), 'indicator', \(indicator),
                                                  'reason', 'no complaint counts for the officer in the period any more')
                        from unnest(\(withdrawnNow.map(\.nip))::text[], \(withdrawnNow.map(\.ikiKey))::uuid[]) with ordinality as w(nip, iki, i)
                        order by w.i
                        """)
                }
            }
            out.append(result)
        }
        return out
    }
}
