public import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The leader dashboard: per OPD reporting, capaian, predikat and curve; the year's trend; best and worst indicators.",
        discussion: """
            The server answers GET /v1/dashboard (and an HTML page) from a snapshot it computes again when older than \
            KINERJA_DASHBOARD_MAX_AGE_SECONDS; 'refresh' computes it now, 'show' prints it (computing it when there is none).
            """,
        subcommands: [Show.self, Refresh.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the dashboard (the kept snapshot, or computed now when there is none).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(name: .customLong("org-unit"), help: "Only this OPD (as its kepala sees it).") var orgUnit: String?
        @Option(help: "text or json") var format: Table.Format = .text

        func validate() throws {
            if format == .csv { throw ValidationError("--format csv: the dashboard is not one table; use text or json (report generate gives CSV tables)") }
        }

        func run() async throws {
            let (code, year, period, opd) = (which.tenant, which.year, try which.subPeriod(), orgUnit)
            let d = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { tx in
                    if let kept = try await tx.dashboardSnapshot(year: year, period: period) { return kept }
                    return try await tx.refreshDashboard(year: year, period: period, profile: profile)
                }
            }
            if let opd, !d.opds.contains(where: { $0.code == opd }) { throw CLIError("org unit '\(opd)' is not an OPD with employees in \(code)") }
            let view = opd.map { d.only(opd: $0) } ?? d
            if format == .json {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                e.dateEncodingStrategy = .iso8601
                print(String(decoding: try e.encode(view), as: UTF8.self))
                return
            }
            print(DashboardCommand.text(view, code: code))
        }
    }

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compute the dashboard now and keep it as the snapshot the server serves.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let started = ContinuousClock.now
            let d = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { try await $0.refreshDashboard(year: year, period: period, profile: profile) }
            }
            printError("\(code): dashboard \(year) \(period) computed for \(d.opds.count) OPD(s), \(d.totals.employees) employees, in \(elapsed(since: started))")
        }
    }

    static func percent(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0) } ?? "-" }

    static func text(_ d: Dashboard, code: String) -> String {
        let f = d.totals
        var out = "\(code) \(d.year) \(d.period), computed \(ISO8601DateFormatter().string(from: d.computedAt))\n"
        let reporting: String = "\(f.ikiReported)/\(f.ikiTotal) (\(percent(f.completeness)))"
        out += "employees \(f.employees), approved SKP \(f.skpApproved), reporting \(reporting), "
        out += "evaluated \(f.evaluated), mean capaian \(percent(f.meanCapaian))\n\n"
        let predikat = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"]
        var rows: [[String]] = []
        for o in d.opds {
            var row: [String] = [o.code, String(o.figures.employees), percent(o.figures.completeness), percent(o.figures.meanCapaian)]
            for p in predikat { row.append(String(o.figures.predikat[p] ?? 0)) }
            row.append(o.predikatOrganisasi?.rawValue ?? "-")
            row.append(o.curveStatus.rawValue)
            rows.append(row)
        }
        out += Table(columns: ["opd", "employees", "reporting", "capaian", "SB", "B", "BP", "K", "SK", "org", "curve"], rows: rows).render(.text)
        var points: [String] = []
        for t in d.trend {
            var point = "\(t.period) \(percent(t.completeness))"
            if let c = t.meanCapaian { point += " (capaian \(percent(c)))" }
            points.append(point)
        }
        out += "\ntrend: " + points.joined(separator: ", ") + "\n"
        for (title, list) in [("best indicators", d.topIndicators), ("weakest indicators", d.bottomIndicators)] where !list.isEmpty {
            let items: [String] = list.map { i in "\(i.text) \(percent(i.meanCapaian)) (\(i.count))" }
            out += "\(title): " + items.joined(separator: "; ") + "\n"
        }
        return out
    }
}
