public import ArgumentParser
import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A city's reports in its own formats: list them, generate one (CSV, JSON, HTML, PDF), publish the public annual report.",
        discussion: """
            Each city's reports are defined in its profile (reports.formats: the data, the fields and their labels, \
            the template) and rendered with its adapter's templates or the core's. CSV uses ';' unless the profile \
            says otherwise; PDF is the printable HTML through headless Chromium (make report-tools installs it).
            """,
        subcommands: [List.self, Generate.self, Publish.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The city's reports, with their data, default format, template and fields.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "table, csv or json") var format: Table.Format = .text

        func run() async throws {
            let code = tenant
            let profile = try await connection.withDatabase { db in
                try await db.platform.profile(of: try await db.platform.requireTenant(code: code).id)
            }
            let rows = profile.reportDefinitions.map { d in
                [d.id, d.title, d.source.rawValue, d.defaultFormat, d.template, d.fields.map(\.key).joined(separator: ",")]
            }
            print(Table(columns: ["name", "title", "source", "format", "template", "fields"], rows: rows).render(format), terminator: "")
            if profile.reports.publicAnnualReport { printError("\(code) publishes its annual report: 'kinerja-admin report publish --tenant \(code) --year YEAR'") }
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a report for a period: the whole city, one OPD or one employee.",
            discussion: """
                Documents (evaluation documents, assessments, certificates) of a whole OPD or city come as one file, \
                a page per employee, written as they are made (progress on stderr). Without --out the report goes to \
                stdout (not PDF). Examples:
                  kinerja-admin report generate dokumen-evaluasi --tenant palu --year 2026 --nip 1985... --format pdf --out doc.pdf
                  kinerja-admin report generate rekap-opd --tenant makassar --year 2026 > rekap.csv
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The report's name (see 'report list').") var name: String
        @OptionGroup var which: FeedbackCommand.Which
        @Option(name: .customLong("org-unit"), help: "Only this OPD.") var orgUnit: String?
        @Option(help: "Only this employee (NIP).") var nip: String?
        @Option(help: "csv, json, html or pdf (default: the report's own).") var format: String?
        @Option(help: "File to write (default: stdout).") var out: String?
        @Option(help: "id (Indonesian, the default) or en.") var lang: String = "id"

        func run() async throws {
            guard let language = DocumentLanguage(rawValue: lang) else { throw CLIError("--lang '\(lang)' is not id or en") }
            let nipDigits = try nip.map(EvaluateCommand.nipDigits)
            let (code, year, period, opd, reportName) = (which.tenant, which.year, try which.subPeriod(), orgUnit, name)
            let outURL = out.map { URL(fileURLWithPath: $0) }
            let asked = format
            let started = ContinuousClock.now
            let written = try await connection.withDatabase { db -> Int in
                let tenant = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: tenant.id)
                guard let definition = profile.reportDefinitions.first(where: { $0.id == reportName }) else {
                    throw CLIError("\(code) has no report '\(reportName)'; its reports: \(profile.reportDefinitions.map(\.id).joined(separator: ", "))")
                }
                let chosen = asked ?? definition.defaultFormat
                guard ["csv", "json", "html", "pdf"].contains(chosen) else { throw CLIError("--format '\(chosen)' is not csv, json, html or pdf") }
                if chosen == "pdf", outURL == nil { throw CLIError("a PDF is written to a file: give --out FILE") }
                // Known before any page is rendered, not after a long run.
                if chosen == "pdf", Chromium.path == nil {
                    throw CLIError("PDF needs headless Chromium: install Debian's 'chromium' (make report-tools); nothing was generated")
                }
                let templates = try ReportTemplates(city: AdapterRegistry.named(tenant.adapter)?.templates ?? [:])
                let scope = ReportScope(year: year, period: period.description, opd: opd, nip: nipDigits)
                let periodName = period == .year ? (language == .id ? "Tahun \(year)" : "Year \(year)") : "\(period) \(year)"
                let renderer = ReportRenderer(definition: definition, language: language, cityName: tenant.name,
                                              timeZone: profile.timeZoneOrDefault, templates: templates,
                                              periodName: periodName, scope: opd)
                let output = try ReportOutput(url: outURL, pdf: chosen == "pdf")
                do {
                    let n = try await ReportGenerator.generate(renderer, data: TenantReportData(database: db, tenant: tenant.id, profile: profile),
                                                               scope: scope, format: chosen, to: output)
                    try await output.finish()
                    return n
                } catch {
                    output.abandon()
                    throw error
                }
            }
            printError("\(code): \(reportName) (\(asked ?? "default format")) — \(written) item(s) in \(elapsed(since: started))"
                       + (out.map { ", written to \($0)" } ?? ""))
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish the year's public annual report (after every OPD's annual results are final).",
            discussion: """
                Computes the aggregates per OPD from the final annual results (groups under 5 people hidden, no names, no \
                NIPs, the change against last year's report) and publishes them at /public/CITY/laporan-kinerja/YEAR \
                (.json too). Publishing the same year again replaces it. Only for cities whose profile sets \
                reports.publicAnnualReport.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The year.") var year: Int

        func run() async throws {
            let (code, year) = (tenant, year)
            let report = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { try await $0.publishPublicReport(year: year, cityName: t.name, profile: profile, actor: cliActor) }
            }
            printError("\(code): the \(year) report is published: \(report.evaluated) ASN, \(report.opds.count) OPD(s) shown"
                       + (report.hiddenOPDs > 0 ? ", \(report.hiddenOPDs) with fewer than \(PublicReport.minimumGroup) people not shown" : ""))
            print("/public/\(code)/laporan-kinerja/\(year)")
        }
    }

}

/// Where a report goes: stdout, or a file that appears only when complete (written beside it, then renamed);
/// a PDF is its HTML written first, then printed by Chromium.
final class ReportOutput: ReportSink {
    let url: URL?
    let pdf: Bool
    let partial: URL?
    let handle: FileHandle

    init(url: URL?, pdf: Bool) throws {
        self.url = url
        self.pdf = pdf
        guard let url else {
            partial = nil
            handle = FileHandle.standardOutput
            return
        }
        let p = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(pdf ? "html" : "partial")")
        guard FileManager.default.createFile(atPath: p.path, contents: nil), let h = try? FileHandle(forWritingTo: p) else {
            throw CLIError("cannot write '\(url.path)': check that its folder exists and is writable")
        }
        partial = p
        handle = h
    }

    func write(_ text: String) throws { try handle.write(contentsOf: Data(text.utf8)) }

    func progress(_ done: Int, of total: Int) {
        if total > ReportGenerator.batch { printError("  \(done) of \(total) documents") }
    }

    /// Puts the finished report in place: renamed over an earlier file at once, so that a report that fails
    /// (Chromium missing or failing) leaves the earlier one as it was.
    func finish() async throws {
        guard let url, let partial else { return }
        try handle.close()
        var done = partial
        if pdf {
            defer { try? FileManager.default.removeItem(at: partial) }
            done = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
            do {
                try await Chromium.pdf(html: partial, to: done)
            } catch {
                try? FileManager.default.removeItem(at: done)
                throw CLIError(error.description)
            }
        }
        guard rename(done.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: done)
            throw CLIError("cannot write '\(url.path)': \(reason)")
        }
    }

    func abandon() {
        guard let partial else { return }
        try? handle.close()
        try? FileManager.default.removeItem(at: partial)
    }
}
