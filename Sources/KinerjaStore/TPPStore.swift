public import Foundation
public import KinerjaCore
import PostgresNIO

/// What an attendance or pagu import did.
public struct SmallImportSummary: Sendable, Equatable, Codable {
    public var rows = 0
    public var new = 0
    public var changed = 0
    /// What followed from the import, one line each (the complaint hook's realisasi).
    public var notes: [String] = []
    public init(rows: Int = 0, new: Int = 0, changed: Int = 0) {
        self.rows = rows
        self.new = new
        self.changed = changed
    }
}

/// One employee's computed TPP for a month, as stored.
public struct TPPRow: Sendable, Equatable {
    public var nip: String
    public var name: String
    public var opd: String
    public var year: Int
    public var month: Int
    public var result: TPPCalculation.Result
}

/// A discipline case: the ladder step an employee's unexcused absence reached, and the decision on it.
public struct DisciplineCase: Sendable, Equatable {
    public var id: Int64
    public var nip: String
    public var name: String
    public var year: Int
    public var step: Discipline.Step
    public var absenceDays: Int
    public var longestRun: Int
    /// Lower steps that were never proposed before this one.
    public var skipped: [Discipline.Step]
    public var status: String
    public var decisionNote: String?
    public var cutFrom: String?
    public var cutMonths: Int?
}

extension TenantTransaction {
    /// Reads a small CSV (attendance, pagu) whole, row by row through `row`: the rows that read, and the
    /// problems of those that did not (a file that cannot be read at all is rejected at once).
    func readAll<T>(_ next: () async throws -> [UInt8]?, header: ([String]) throws(RowError) -> [String: Int],
                    row: ([String], Int, [String: Int]) -> Result<T, RowErrors>) async throws -> (rows: [(line: Int, value: T)], errors: [RowError]) {
        var parser = CSVParser()
        var index: [String: Int]?
        var out: [(Int, T)] = []
        // Every problem is kept (the rows are too): the rejection counts them all and shows the first in line
        // order, with those the caller's checks add.
        var errors: [RowError] = []
        func reject(_ e: RowError) { errors.append(e) }
        func take(_ records: [CSVParser.Record]) throws {
            for record in records {
                guard let idx = index else {
                    do { index = try header(record.fields) } catch {
                        reject(error)
                        throw rejectAll(errors)
                    }
                    continue
                }
                switch row(record.fields, record.line, idx) {
                case .success(let v): out.append((record.line, v))
                case .failure(let e): e.errors.forEach(reject)
                }
            }
        }
        do {
            while let chunk = try await next() { try take(try parser.feed(chunk)) }
            try take(try parser.finish())
        } catch let problem as CSVParser.Problem {
            reject(RowError(line: problem.line, column: "", value: "", reason: problem.description))
        }
        if index == nil && errors.isEmpty {
            reject(RowError(line: 1, column: "", value: "", reason: "the file is empty: it needs a header line and rows"))
            throw rejectAll(errors)
        }
        return (out, errors)
    }

    /// Every problem of a file in line order, as the rejection of the whole file.
    func rejectAll(_ errors: [RowError]) -> ImportRejected {
        ImportRejected(every: errors)
    }

    /// NIPs of `lines` that are not employees of this city, as row errors.
    func unknownNIPs(_ lines: [(line: Int, nip: String)]) async throws -> [RowError] {
        let nips = Array(Set(lines.map(\.nip)))
        let rows = try await query("""
            select n from unnest(\(nips)::text[]) as n
            where not exists (select 1 from employees e where e.tenant_id = \(tenant.uuid) and e.nip = n)
            """)
        var unknown: Set<String> = []
        for try await n in rows.decode(String.self) { unknown.insert(n) }
        return lines.filter { unknown.contains($0.nip) }.map {
            RowError(line: $0.line, column: "NIP", value: $0.nip, reason: "no employee with this NIP in this city")
        }
    }

    /// Imports attendance events (NIP, TANGGAL, JENIS, MENIT, IZIN) all or nothing: every row is checked, the
    /// NIPs must be this city's employees, and an event appears once per employee, day and kind. Importing an
    /// event again replaces it (corrections), so a month's file can be re-sent.
    public func importAttendance(actor: String, next: () async throws -> [UInt8]?) async throws -> SmallImportSummary {
        var (events, errors) = try await readAll(next, header: Attendance.header, row: Attendance.row)
        var first: [String: Int] = [:]
        for (line, e) in events {
            let key = "\(e.nip) \(e.day) \(e.kind.rawValue)"
            if let earlier = first[key] {
                errors.append(RowError(line: line, column: "NIP, TANGGAL, JENIS", value: key, reason: "the same event as line \(earlier)"))
            } else {
                first[key] = line
            }
        }
        errors += try await unknownNIPs(events.map { ($0.line, $0.value.nip) })
        guard errors.isEmpty else { throw rejectAll(errors) }
        var summary = SmallImportSummary(rows: events.count)
        for start in stride(from: 0, to: events.count, by: 20_000) {
            let chunk = events[start..<min(start + 20_000, events.count)].map(\.value)
            let rows = try await query("""
                insert into attendance_events (tenant_id, nip, day, kind, minutes, excused, imported_by)
                select \(tenant.uuid), n, d::date, k, nullif(m, 0), x, \(actor)
                from unnest(\(chunk.map(\.nip))::text[], \(chunk.map(\.day.description))::text[], \(chunk.map(\.kind.rawValue))::text[],
                            \(chunk.map { $0.minutes ?? 0 })::int[], \(chunk.map(\.excused))::bool[]) as a(n, d, k, m, x)
                on conflict (tenant_id, nip, day, kind) do update
                set minutes = excluded.minutes, excused = excluded.excused, imported_by = excluded.imported_by, imported_at = now()
                where (attendance_events.minutes, attendance_events.excused) is distinct from (excluded.minutes, excluded.excused)
                returning (xmax = 0)
                """)
            for try await inserted in rows.decode(Bool.self) { if inserted { summary.new += 1 } else { summary.changed += 1 } }
        }
        try await audit(actor: actor, action: "attendance.import", subject: "",
                        detail: ["rows": String(summary.rows), "new": String(summary.new), "changed": String(summary.changed)])
        return summary
    }

    /// Imports each employee's monthly TPP pagu (NIP, PAGU in rupiah), all or nothing; a NIP again replaces it.
    public func importPagu(actor: String, next: () async throws -> [UInt8]?) async throws -> SmallImportSummary {
        var (rows, errors) = try await readAll(next, header: TPPPagu.header, row: TPPPagu.row)
        errors += try await unknownNIPs(rows.map { ($0.line, $0.value.nip) })
        var first: [String: Int] = [:]
        for (line, row) in rows {
            let nip = row.nip
            if let earlier = first[nip] { errors.append(RowError(line: line, column: "NIP", value: nip, reason: "already on line \(earlier)")) } else { first[nip] = line }
        }
        guard errors.isEmpty else { throw rejectAll(errors) }
        var summary = SmallImportSummary(rows: rows.count)
        for start in stride(from: 0, to: rows.count, by: 20_000) {
            let chunk = rows[start..<min(start + 20_000, rows.count)].map(\.value)
            let result = try await query("""
                insert into tpp_pagu (tenant_id, nip, amount, updated_by)
                select \(tenant.uuid), n, a, \(actor) from unnest(\(chunk.map(\.nip))::text[], \(chunk.map(\.amount))::float8[]) as p(n, a)
                on conflict (tenant_id, nip) do update set amount = excluded.amount, updated_by = excluded.updated_by, updated_at = now()
                where tpp_pagu.amount <> excluded.amount
                returning (xmax = 0)
                """)
            for try await inserted in result.decode(Bool.self) { if inserted { summary.new += 1 } else { summary.changed += 1 } }
        }
        try await audit(actor: actor, action: "tpp.pagu-import", subject: "",
                        detail: ["rows": String(summary.rows), "new": String(summary.new), "changed": String(summary.changed)])
        return summary
    }

    /// The capaian for a month of each employee with an approved SKP (active or not: who is paid is the caller's),
    /// set-based: realisasi reported up to the month (a quarterly city: up to the end of the month's quarter)
    /// against the approved SKP, with the targets of summed indicators pro-rated to the part of the year covered;
    /// the same IKI, RHK and SKP means as the evaluation.
    func monthlyCapaian(year: Int, month: Int, cadence: TenantProfile.Periods.Cadence) async throws -> [String: Double] {
        let (kind, last) = cadence == .monthly ? ("monthly", month) : ("quarterly", (month + 2) / 3)
        let fraction = SubPeriod(kind: cadence == .monthly ? .monthly : .quarterly, sequence: last).shareOfYear
        try await prepareSetBased()
        let rows = try await query("""
            with skps as (
                select s.nip, s.revision from skp s
                where s.tenant_id = \(tenant.uuid) and s.year = \(year) and s.status = 'approved'
            ), ikis as (
                select k.nip, r.rhk_key, r.kind, i.iki_key, i.target_value::float8 as t, i.lower_is_better as lib, i.accumulation as acc
                from skps k
                join skp_rhk r on r.tenant_id = \(tenant.uuid) and r.nip = k.nip and r.year = \(year) and r.revision = k.revision
                join skp_iki i on i.tenant_id = \(tenant.uuid) and i.nip = k.nip and i.year = \(year) and i.revision = k.revision
                              and i.rhk_key = r.rhk_key
            ), reals as (
                select x.nip, x.iki_key,
                       (case min(i.acc) when 'sum' then sum(x.value) when 'average' then avg(x.value)
                            else (max(array[x.period_seq::numeric, x.value]))[2] end)::float8 as r
                from realisasi x join ikis i on i.nip = x.nip and i.iki_key = x.iki_key
                where x.tenant_id = \(tenant.uuid) and x.year = \(year) and x.value is not null
                  and x.period_kind = \(kind) and x.period_seq <= \(last)
                group by x.nip, x.iki_key
            ), iki_capaian as (
                select i.nip, i.rhk_key, i.kind,
                       case when x.r is null or i.t is null then null
                            when i.t = 0 then case when i.lib then case when x.r <= 0 then 100.0 else 0.0 end end
                            else greatest(0, (case when i.lib then 2 - x.r / t2 else x.r / t2 end) * 100) end as c
                from (select *, case when acc = 'sum' then t * \(fraction)::float8 else t end as t2 from ikis) i
                left join reals x on x.nip = i.nip and x.iki_key = i.iki_key
            ), rhk_capaian as (
                select nip, rhk_key, kind, avg(c::numeric) as c from iki_capaian group by nip, rhk_key, kind
            )
            -- Means in numeric: the same figures whatever order the rows come in.
            select nip::text, (avg(c) filter (where kind = 'utama'))::float8 from rhk_capaian group by nip
            """)
        var out: [String: Double] = [:]
        for try await (nip, c) in rows.decode((String, Double?).self) { if let c { out[nip] = c } }
        return out
    }

    /// Computes the month's TPP for every active employee, and those who left since but were there in the month,
    /// from the month's capaian, the attendance events, the pagu, imposed disciplinary cuts in force, and the profile's split, deduction table and cut; replaces
    /// the month's earlier figures (the same inputs give the same figures). Returns the rows, by OPD and NIP.
    public func computeTPP(year: Int, month: Int, profile: TenantProfile, profileVersion: Int, actor: String) async throws -> [TPPRow] {
        guard (1...12).contains(month) else { throw StoreError.invalid("month \(month) does not exist: use 1-12") }
        try await requireYear(year)
        let first = CivilDate(year: year, month: month, day: 1)
        let last = CivilDate(year: year, month: month, day: CivilDate.daysIn(year: year, month: month))
        // The complaint hook's figures as of today, as the evaluation has them (Makassar).
        try await refreshComplaintHook(year: year, through: last, profile: profile, actor: actor)
        let capaian = try await monthlyCapaian(year: year, month: month, cadence: profile.periods.cadence)
        let people = try await query("""
            with recursive up as (
                select unit_id, unit_id as top, parent_id from org_units where tenant_id = \(tenant.uuid)
                union all
                select up.unit_id, p.unit_id, p.parent_id from up join org_units p on p.tenant_id = \(tenant.uuid) and p.unit_id = up.parent_id
            )
            select e.nip::text, e.name, o.code, p.amount::float8,
                   -- PP 94/2021's cut is 25% however many imposed cuts overlap the month.
                   case when exists (select 1 from discipline_cases d where d.tenant_id = e.tenant_id and d.nip = e.nip and d.status = 'imposed'
                             and d.cut_from <= \(first.description)::date
                             and (d.cut_from + make_interval(months => d.cut_months)) > \(first.description)::date) then 25 else 0 end::float8
            from employees e
            join up on up.unit_id = e.unit_id and up.parent_id is null
            join org_units o on o.tenant_id = e.tenant_id and o.unit_id = up.top
            left join tpp_pagu p on p.tenant_id = e.tenant_id and p.nip = e.nip
            -- Those active now, and those who were there in the month though they have left since: a month run
            -- (again) after someone retired keeps them, known by its earlier figures, their attendance in it, or
            -- realisasi reported for its month or quarter. Someone who left with none of these is not paid for it.
            where e.tenant_id = \(tenant.uuid)
              and (e.status = 'active'
                   or exists (select 1 from tpp_results r where r.tenant_id = e.tenant_id and r.nip = e.nip
                                and r.year = \(year) and r.month = \(month))
                   or exists (select 1 from attendance_events a where a.tenant_id = e.tenant_id and a.nip = e.nip
                                and a.day between \(first.description)::date and \(last.description)::date)
                   -- (the quarter's realisasi: only for someone still on the books when the month began)
                   or (e.updated_at >= \(first.description)::date
                       and exists (select 1 from realisasi x where x.tenant_id = e.tenant_id and x.nip = e.nip and x.year = \(year)
                                     and ((x.period_kind = 'monthly' and x.period_seq = \(month))
                                          or (x.period_kind = 'quarterly' and x.period_seq = \((month + 2) / 3))))))
            order by o.code, e.nip
            """)
        var employees: [(nip: String, name: String, opd: String, pagu: Double?, cut: Double)] = []
        for try await row in people.decode((String, String, String, Double?, Double).self) { employees.append(row) }
        let eventRows = try await query("""
            select nip::text, day::text, kind, minutes, excused from attendance_events
            where tenant_id = \(tenant.uuid) and day between \(first.description)::date and \(last.description)::date
            """)
        var events: [String: [Attendance.Event]] = [:]
        // Nobody is due at work on a weekend or a holiday of the city: an absence recorded then deducts nothing,
        // as the discipline scan does not count it. (A ceremony on a holiday, 17 August, still counts.)
        let calendar = WorkingCalendar(holidays: profile.holidays)
        for try await (nip, day, kind, minutes, excused) in eventRows.decode((String, String, String, Int?, Bool).self) {
            guard let d = CivilDate(iso: day), let k = Attendance.Kind(rawValue: kind) else { continue }
            if k == .tidakHadir, !calendar.isWorkingDay(d) { continue }
            events[nip, default: []].append(Attendance.Event(nip: nip, day: d, kind: k, minutes: minutes, excused: excused))
        }
        let rows = employees.map { e in
            TPPRow(nip: e.nip, name: e.name, opd: e.opd, year: year, month: month,
                   result: TPPCalculation.compute(pagu: e.pagu, capaian: capaian[e.nip], events: events[e.nip] ?? [],
                                                  disciplinaryCut: e.cut, rules: profile.tpp))
        }
        try await query("delete from tpp_results where tenant_id = \(tenant.uuid) and year = \(year) and month = \(month)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for start in stride(from: 0, to: rows.count, by: 20_000) {
            let chunk = rows[start..<min(start + 20_000, rows.count)]
            let explanations = try chunk.map { r in
                String(decoding: try encoder.encode(Explanation(rules: profile.tpp, result: r.result, profileVersion: profileVersion)), as: UTF8.self)
            }
            try await query("""
                insert into tpp_results (tenant_id, year, month, nip, pagu, capaian, kinerja_paid_percent, disiplin_deduction_percent,
                                         cut_percent, total_percent, amount, explanation, profile_version, computed_by)
                select \(tenant.uuid), \(year), \(month), n, nullif(p, -1), nullif(c, -1), k, d, x, t, nullif(a, -1), j::jsonb, \(profileVersion), \(actor)
                from unnest(\(chunk.map(\.nip))::text[], \(chunk.map { $0.result.pagu ?? -1 })::float8[], \(chunk.map { $0.result.capaian ?? -1 })::float8[],
                            \(chunk.map(\.result.kinerjaPaidPercent))::float8[], \(chunk.map(\.result.disiplinDeductionPercent))::float8[],
                            \(chunk.map(\.result.cutPercent))::float8[], \(chunk.map(\.result.totalPercent))::float8[],
                            \(chunk.map { $0.result.amount ?? -1 })::float8[], \(explanations)::text[]) as r(n, p, c, k, d, x, t, a, j)
                """)
        }
        let total = rows.compactMap(\.result.amount).reduce(0, +)
        try await audit(actor: actor, action: "tpp.compute", subject: "\(year)-\(month < 10 ? "0" : "")\(month)",
                        detail: ["employees": String(rows.count), "without_pagu": String(rows.filter { $0.result.pagu == nil }.count),
                                 "total": Step.format(total), "profile_version": String(profileVersion)])
        return rows
    }

    struct Explanation: Encodable {
        var rules: TenantProfile.TPP
        var result: TPPCalculation.Result
        var profileVersion: Int
    }

    // MARK: discipline

    /// Counts each employee's unexcused absence in the calendar year and proposes the ladder step it reached
    /// where that step was not proposed before. A step reached past lower ones never proposed names them, so
    /// no step is skipped silently. Absence is counted in working days of the city's `calendar` (its holidays
    /// from the profile): a record on a weekend or a holiday is not one, and neither breaks a run. Returns the
    /// new cases.
    public func scanDiscipline(year: Int, calendar: WorkingCalendar = WorkingCalendar(holidays: []),
                               actor: String) async throws -> [DisciplineCase] {
        let rows = try await query("""
            select nip::text, array_agg(day::text order by day) from attendance_events
            where tenant_id = \(tenant.uuid) and kind = 'tidak_hadir' and not excused
              and day between make_date(\(year)::int, 1, 1) and make_date(\(year)::int, 12, 31)
            group by nip
            """)
        var reached: [(String, Discipline.Step, Int, Int)] = []
        for try await (nip, days) in rows.decode((String, [String]).self) {
            // Absence is counted in working days: a record on a Saturday, a Sunday or a holiday is not one.
            let dates = days.compactMap { CivilDate(iso: $0) }.filter(calendar.isWorkingDay)
            let run = Discipline.longestRun(dates, calendar: calendar)
            if let step = Discipline.step(absenceDays: dates.count, longestRun: run) { reached.append((nip, step, dates.count, run)) }
        }
        let existing = try await query("select nip::text, array_agg(step) from discipline_cases where tenant_id = \(tenant.uuid) and year = \(year) group by nip")
        var proposed: [String: Set<Int>] = [:]
        for try await (nip, steps) in existing.decode((String, [Int]).self) { proposed[nip] = Set(steps) }
        var added: [Int64] = []
        for (nip, step, days, run) in reached where !(proposed[nip]?.contains(step.rawValue) ?? false) {
            let highest = proposed[nip]?.max() ?? 0
            guard step.rawValue > highest else { continue }
            let skipped = Array((highest + 1)..<step.rawValue)
            let ids = try await query("""
                insert into discipline_cases (tenant_id, nip, year, step, absence_days, longest_run, skipped, proposed_by)
                values (\(tenant.uuid), \(nip), \(year), \(step.rawValue), \(days), \(run), \(skipped)::int[], \(actor))
                returning case_id
                """)
            for try await id in ids.decode(Int64.self) { added.append(id) }
        }
        try await audit(actor: actor, action: "discipline.scan", subject: String(year), detail: ["proposed": String(added.count)])
        return try await disciplineCases(year: year).filter { added.contains($0.id) }
    }

    public func disciplineCases(year: Int, status: String? = nil) async throws -> [DisciplineCase] {
        let rows = try await query("""
            select d.case_id, d.nip::text, e.name, d.step, d.absence_days, d.longest_run, d.skipped, d.status, d.decision_note,
                   d.cut_from::text, d.cut_months
            from discipline_cases d join employees e on e.tenant_id = d.tenant_id and e.nip = d.nip
            where d.tenant_id = \(tenant.uuid) and d.year = \(year) and (\(status)::text is null or d.status = \(status))
            order by d.nip, d.step
            """)
        var out: [DisciplineCase] = []
        for try await r in rows.decode((Int64, String, String, Int, Int, Int, [Int], String, String?, String?, Int?).self) {
            guard let step = Discipline.Step(rawValue: r.3) else { continue }
            out.append(DisciplineCase(id: r.0, nip: r.1, name: r.2, year: year, step: step, absenceDays: r.4, longestRun: r.5,
                                      skipped: r.6.compactMap(Discipline.Step.init(rawValue:)), status: r.7, decisionNote: r.8,
                                      cutFrom: r.9, cutMonths: r.10))
        }
        return out
    }

    /// The authorised official's decision on a proposed case, recorded by city HR: imposed or dismissed, with
    /// the note of the decision. Imposing one of the 25% cuts needs the first month it applies to.
    public func decideDiscipline(id: Int64, impose: Bool, note: String, cutFrom: (year: Int, month: Int)?, actor: String) async throws -> DisciplineCase {
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty else { throw StoreError.invalid("a decision needs its note (the decree number, the examination)") }
        let rows = try await query("select year, step, status, nip::text from discipline_cases where tenant_id = \(tenant.uuid) and case_id = \(id) for update")
        var found: (Int, Int, String, String)?
        for try await r in rows.decode((Int, Int, String, String).self) { found = r }
        guard let (year, raw, status, nip) = found, let step = Discipline.Step(rawValue: raw) else {
            throw StoreError.notFound(what: "discipline case", key: String(id))
        }
        guard status == "proposed" else { throw StoreError.state("discipline case \(id) is already \(status)") }
        var from: String?
        if impose, let months = step.cutMonths {
            guard let cutFrom, (1...12).contains(cutFrom.month) else {
                throw StoreError.invalid("\(step.name): give the first month of the cut (for example 2026-04)")
            }
            // The cut follows the decision on absences of `year`: it starts in that year or within the two after.
            guard (year...(year + 2)).contains(cutFrom.year) else {
                let month = CivilDate(year: max(cutFrom.year, 1), month: cutFrom.month, day: 1).description.prefix(7)
                throw StoreError.invalid("the cut cannot start in \(month): case \(id) is about absences of \(year), "
                                         + "so its cut starts between \(year)-01 and \(year + 2)-12")
            }
            from = CivilDate(year: cutFrom.year, month: cutFrom.month, day: 1).description
            _ = months
        } else if cutFrom != nil {
            throw StoreError.invalid("\(impose ? step.name : "a dismissed case") has no TPP cut: leave out the first month")
        }
        try await query("""
            update discipline_cases set status = \(impose ? "imposed" : "dismissed"), decided_by = \(actor), decided_at = now(),
                   decision_note = \(note), cut_from = \(from)::date, cut_months = \(from == nil ? nil : step.cutMonths)
            where tenant_id = \(tenant.uuid) and case_id = \(id)
            """)
        // Named by the person and year, as every entry about one person is (audit log --entity NIP*); the case in the detail.
        try await audit(actor: actor, action: impose ? "discipline.impose" : "discipline.dismiss", subject: "\(nip)/\(year)",
                        detail: ["case": String(id), "step": step.name, "note": note].merging(from.map { ["cut_from": $0] } ?? [:]) { a, _ in a })
        return try await disciplineCases(year: year).first { $0.id == id }!
    }
}
