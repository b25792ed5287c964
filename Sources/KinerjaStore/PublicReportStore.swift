public import Foundation
public import KinerjaCore
import PostgresNIO

extension TenantTransaction {
    /// Publishes the year's public report, computed now from the final annual results (replacing an earlier
    /// publication of the same year). Refused when the profile does not publish, or while any OPD's annual
    /// results are not final. Audited.
    public func publishPublicReport(year: Int, cityName: String, profile: TenantProfile, actor: String) async throws -> PublicReport {
        guard profile.reports.publicAnnualReport else {
            throw StoreError.state("this city's profile does not publish an annual report (reports.publicAnnualReport is false)")
        }
        var counts: [String: [String: Int]] = [:]
        var names: [String: String] = [:]
        var open: [String] = []
        for try await (code, name, predikat, n, final) in try await query("""
            select o.code, o.name, e.predikat, count(*)::int, bool_and(e.status = 'final')
            from evaluations e join org_units o on o.tenant_id = e.tenant_id and o.unit_id = e.opd_id
            where e.tenant_id = \(tenant.uuid) and e.year = \(year) and e.period_kind = 'annual' and e.period_seq = 0
            group by o.code, o.name, e.predikat order by o.code
            """).decode((String, String, String?, Int, Bool).self) {
            names[code] = name
            if !final, !open.contains(code) { open.append(code) }
            if let p = predikat.flatMap(Predikat.init(anyRegime:)) { counts[code, default: [:]][p.rawValue, default: 0] += n }
        }
        guard !names.isEmpty else { throw StoreError.state("\(year) has no annual results: run and finalize the year's evaluation first") }
        guard open.isEmpty else {
            throw StoreError.state("\(year) is not final in \(open.count) OPD(s): \(open.prefix(10).joined(separator: ", ")); finalize them ('evaluate finalize') first")
        }
        let goals = try await goalContributions(year: year, period: .year)
        // People counted once per OPD, whatever the number of its goals they serve: the five-person rule is about
        // people, and two people under three goals are two, not six.
        let people = try await goalContributorsByOPD(year: year, period: .year)
        var goalSum: [String: (sum: Double, rhk: Int, people: Int)] = [:]
        for g in goals {
            var a = goalSum[g.opdCode] ?? (0, 0, people[g.opdCode] ?? 0)
            if let m = g.meanCapaian, g.rhkCount > 0 { a.sum += m * Double(g.rhkCount); a.rhk += g.rhkCount }
            goalSum[g.opdCode] = a
        }
        let previous = try await publicReport(year: year - 1)
        var lines: [PublicReport.OPD] = []
        var hidden = 0
        var city: [String: Int] = [:]
        // The city's counts are published with the OPDs': the cells hidden so that none is told by subtraction.
        let shown = names.keys.filter { (counts[$0] ?? [:]).values.reduce(0, +) >= PublicReport.minimumGroup }.map { ($0, counts[$0] ?? [:]) }
        let cells = PublicReport.hiddenCells(shown, order: PublicReport.predikat, restHidden: shown.count < names.count)
        for code in names.keys.sorted() {
            let c = counts[code] ?? [:]
            for (p, n) in c { city[p, default: 0] += n }
            let g = goalSum[code]
            let before = previous?.opds.first { $0.code == code }?.shareGood
            if let line = PublicReport.line(code: code, name: names[code]!, counts: c, goalCapaian: g.flatMap { $0.rhk > 0 ? $0.sum / Double($0.rhk) : nil },
                                            contributors: g?.people ?? 0, previousShareGood: before, hidden: cells[code]) {
                lines.append(line)
            } else {
                hidden += 1
            }
        }
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let report = PublicReport(city: cityName, year: year, publishedAt: now, evaluated: city.values.reduce(0, +), predikat: city,
                                  opds: lines, hiddenOPDs: hidden, previousYear: previous?.year)
        let body = String(decoding: try Self.dashboardEncoder.encode(report), as: UTF8.self)
        try await query("""
            insert into public_reports (tenant_id, year, published_at, published_by, body)
            values (\(tenant.uuid), \(year), \(now), \(actor), \(body)::jsonb)
            on conflict (tenant_id, year) do update set published_at = excluded.published_at, published_by = excluded.published_by,
                                                         body = excluded.body
            """)
        try await audit(actor: actor, action: "report.publish", subject: String(year),
                        detail: ["opds": String(lines.count), "hidden_opds": String(hidden), "evaluated": String(report.evaluated)])
        return report
    }

    /// This city's published report of `year`, if it was published.
    public func publicReport(year: Int) async throws -> PublicReport? {
        for try await body in try await query("select body::text from public_reports where tenant_id = \(tenant.uuid) and year = \(year)")
            .decode(String.self) { return try Self.dashboardDecoder.decode(PublicReport.self, from: Data(body.utf8)) }
        return nil
    }
}

extension PlatformStore {
    /// A published year of city `code`, for anyone, with the city's adapter (its templates): nil when the city
    /// does not publish, or not that year.
    public func publishedReport(code: String, year: Int) async throws -> (report: PublicReport, adapter: String, timeZone: TimeZone)? {
        let found = try await database.statement(
            "select name, adapter, body::text, time_zone from public_report(\(code), \(year)::integer)"
        ) { rows -> (adapter: String, body: String, zone: String)? in
            for try await (_, adapter, body, zone) in rows.decode((String, String, String, String).self) { return (adapter, body, zone) }
            return nil
        }
        guard let found else { return nil }
        return (try TenantTransaction.dashboardDecoder.decode(PublicReport.self, from: Data(found.body.utf8)), found.adapter,
                TenantProfile.timeZone(found.zone))
    }
}
