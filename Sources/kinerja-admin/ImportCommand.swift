import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Bring data in.", subcommands: [Employees.self, AttendanceFile.self, PaguFile.self, ComplaintsFile.self])

    struct Employees: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import employees and org units from a SIASN-style CSV (all or nothing).",
            discussion: "Columns are found by name; see the README for the ones used. Rows are matched by NIP, units by "
                + "KODE UNOR (or a code made from NAMA UNOR). One bad row rejects the file and changes nothing; every "
                + "problem is listed with its line, column, value and reason.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The CSV file (`,` or `;`, UTF-8, header line first).") var file: String
        @Option(help: "City code.") var tenant: String
        @Flag(help: "Check and count, write nothing.") var dryRun = false
        @Flag(help: "Mark active employees absent from the file inactive (never deleted).") var deactivateMissing = false
        @Option(help: "Summary as text or json.") var format: SummaryFormat = .text
        @OptionGroup var errorsFile: ErrorsFile

        enum SummaryFormat: String, ExpressibleByArgument { case text, json }

        func run() async throws {
            guard let handle = FileHandle(forReadingAtPath: file) else { throw CLIError("cannot read '\(file)'") }
            defer { try? handle.close() }
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            let code = tenant
            let started = ContinuousClock.now
            let options = ImportOptions(dryRun: dryRun, deactivateMissing: deactivateMissing, keepEveryProblem: errorsFile.path != nil)
            let summary = try await errorsFile.run(connection) { db in
                let t = try await db.platform.requireTenant(code: code)
                try await db.refreshImportStatistics()
                let imported = try await db.withTenant(t.id) { tx in
                    try await tx.importEmployees(options: options, actor: cliActor, progress: { n in
                        if size > 1_000_000 { printError("  \(n) rows read…") }
                    }, next: {
                        let chunk = try handle.read(upToCount: 1 << 20)
                        return chunk.map { Array($0) }
                    })
                }
                // The planner's picture of the city changed with it: what runs next (plans, cascades) plans well.
                // A large import analysed in its own transaction already.
                // The import has committed: a failure here is a warning (the next import refreshes them first).
                if !imported.dryRun && !imported.analysedInItsTransaction {
                    do { try await db.refreshImportStatistics() } catch {
                        printError("warning: the import committed, but refreshing the planner's statistics failed: \(StoreError.describe(error))")
                    }
                }
                return imported
            }
            let elapsed = ContinuousClock.now - started
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(data: try encoder.encode(summary), encoding: .utf8)!)
            case .text:
                print(Self.text(summary))
            }
            printError("\(code): \(summary.dryRun ? "dry run, nothing written" : "imported") in "
                       + elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))
        }

        static func text(_ s: ImportSummary) -> String {
            var lines = [
                "rows:        \(s.rows)",
                "new:         \(s.new)",
                "changed:     \(s.changed)",
                "unchanged:   \(s.unchanged)",
                s.dryRun ? "would deactivate: \(s.deactivated)" : "deactivated: \(s.deactivated)",
                "units new:   \(s.unitsNew)",
                "units changed: \(s.unitsChanged)",
            ]
            if s.missing > 0 { lines.append("absent from the file and still active: \(s.missing) (--deactivate-missing marks them inactive)") }
            lines.append("atasan: " + (s.atasanFromFile ? "from NIP ATASAN" : "derived from the unit tree"))
            if s.atasanNotDerivedCount > 0 {
                lines.append("atasan not derived for \(s.atasanNotDerivedCount): " + s.atasanNotDerived.prefix(20).joined(separator: " ")
                             + (s.atasanNotDerivedCount > 20 ? " …" : ""))
            }
            if s.atasanRederivedCount > 0 {
                lines.append("atasan \(s.dryRun ? "would be derived" : "derived") again for \(s.atasanRederivedCount) not in the file (the file changes who leads them): "
                             + s.atasanRederived.prefix(20).joined(separator: " ") + (s.atasanRederivedCount > 20 ? " …" : ""))
            }
            return lines.joined(separator: "\n")
        }
    }

    struct AttendanceFile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "attendance",
            abstract: "Import attendance events (all or nothing): late arrival, early departure, absence, missed ceremony.",
            discussion: "Columns by name: NIP, TANGGAL (YYYY-MM-DD), JENIS (terlambat, pulang_cepat, tidak_hadir, tidak_upacara), "
                + "MENIT (minutes late or early; empty: no record), IZIN (ya for an excused absence). One bad row rejects the file "
                + "and changes nothing; every problem is listed. An event sent again (same NIP, day and kind) replaces the earlier one.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The CSV file (`,` or `;`, UTF-8, header line first).") var file: String
        @Option(help: "City code.") var tenant: String
        @OptionGroup var errorsFile: ErrorsFile

        func run() async throws {
            let code = tenant
            let s = try await ImportCommand.small(file, connection, tenant: code, errorsFile: errorsFile) { tx, next in try await tx.importAttendance(actor: cliActor, next: next) }
            printError("\(code): \(s.rows) attendance event(s): \(s.new) new, \(s.changed) changed, \(s.rows - s.new - s.changed) unchanged")
        }
    }

    struct ComplaintsFile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "complaints",
            abstract: "Import public complaints (SP4N-LAPOR!) with their routing, follow-up and close (all or nothing).",
            discussion: "Columns by name: NOMOR TIKET, TANGGAL DITERIMA (required), OPD (the code of the OPD it was routed to), "
                + "NIP PETUGAS (the officer who must respond), TANGGAL DITERUSKAN, TANGGAL TINDAK LANJUT, TANGGAL SELESAI, JUDUL; dates "
                + "YYYY-MM-DD or DD-MM-YYYY. A ticket sent again is updated with its later steps. The deadlines (3, 5, 10 days) and the "
                + "city's holidays are its profile's (complaints, holidayDates). In a city whose profile lists the complaintResponsiveness hook and "
                + "names complaints.indicator (Makassar), each responsible officer's realisasi of that IKI is then computed for the "
                + "open months or quarters the complaints fall in: the share followed up on time.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The CSV file (`,` or `;`, UTF-8, header line first).") var file: String
        @Option(help: "City code.") var tenant: String
        @OptionGroup var errorsFile: ErrorsFile

        func run() async throws {
            let code = tenant
            let s = try await ImportCommand.small(file, connection, tenant: code, errorsFile: errorsFile) { tx, next in try await tx.importComplaints(actor: cliActor, next: next) }
            printError("\(code): \(s.rows) complaint(s): \(s.new) new, \(s.changed) updated, \(s.rows - s.new - s.changed) unchanged")
            for note in s.notes { printError("\(code): \(note)") }
        }
    }

    struct PaguFile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tpp-pagu",
            abstract: "Import each employee's monthly TPP pagu (all or nothing): NIP, PAGU in whole rupiah (4500000 or 4.500.000).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The CSV file (`,` or `;`, UTF-8, header line first).") var file: String
        @Option(help: "City code.") var tenant: String
        @OptionGroup var errorsFile: ErrorsFile

        func run() async throws {
            let code = tenant
            let s = try await ImportCommand.small(file, connection, tenant: code, errorsFile: errorsFile) { tx, next in try await tx.importPagu(actor: cliActor, next: next) }
            printError("\(code): \(s.rows) pagu: \(s.new) new, \(s.changed) changed, \(s.rows - s.new - s.changed) unchanged")
        }
    }

    /// Reads `file` in chunks into `body`, inside one transaction of the city.
    static func small(_ file: String, _ connection: ConnectionOptions, tenant code: String, errorsFile: ErrorsFile,
                      _ body: @escaping @Sendable (TenantTransaction, () async throws -> [UInt8]?) async throws -> SmallImportSummary)
        async throws -> SmallImportSummary {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw CLIError("cannot read '\(file)'") }
        defer { try? handle.close() }
        return try await errorsFile.run(connection) { db in
            let t = try await db.platform.requireTenant(code: code)
            return try await db.withTenant(t.id) { tx in
                try await body(tx, { try handle.read(upToCount: 1 << 20).map { Array($0) } })
            }
        }
    }
}

/// `--errors-file`: every problem of a rejected file as CSV (line, column, value, problem), for HR to sort and
/// filter in a spreadsheet; the terminal shows the first few. Without it the terminal shows the first 1,000.
struct ErrorsFile: ParsableArguments {
    @Option(name: .customLong("errors-file"), help: ArgumentHelp(
        "Write every problem found to this CSV file (line, column, value, problem) and show only the first \(Self.shown) here. "
            + "When the file passes, it holds the header line alone. Nothing is written if the import fails otherwise.",
        valueName: "csv-file"))
    var path: String?

    static let shown = 10
    static let columns = ["line", "column", "value", "problem"]

    /// The file's partial copy beside it, made before the import, so that a folder that cannot be written is
    /// refused before anything is read or written.
    func open() throws -> ReportOutput? {
        guard let path else { return nil }
        var folder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &folder), folder.boolValue {
            throw CLIError("--errors-file '\(path)' is a folder: name a file in it")
        }
        return try ReportOutput(url: URL(fileURLWithPath: path), pdf: false)
    }

    /// The problems as CSV rows, written a slice at a time (a file of many problems is not held twice).
    static func write(_ problems: [RowError], to output: ReportOutput) throws {
        try output.write(Table(columns: columns).csv())
        for start in stride(from: 0, to: problems.count, by: 10_000) {
            try output.write(problems[start..<min(start + 10_000, problems.count)].map { p in
                [String(p.line), p.column, p.value, p.reason].map { Table.csvField($0, separator: ",") }.joined(separator: ",") + "\r\n"
            }.joined())
        }
    }

    /// Runs an import (`body`, with the database), the file opened first: returns its summary; or writes its
    /// rejection to the file once the database is closed, then throws it.
    func run<R: Sendable>(_ connection: ConnectionOptions, _ body: @Sendable (KinerjaDatabase) async throws -> R) async throws -> R {
        let output = try open()
        defer { output?.abandon() }
        let outcome = try await connection.withDatabase { db in try await Self.outcome { try await body(db) } }
        return try await settle(outcome, output)
    }

    /// Runs an import: its rejection as a value, to be written after the database is closed.
    private static func outcome<R: Sendable>(_ body: () async throws -> R) async throws -> Result<R, ImportRejected> {
        do {
            return .success(try await body())
        } catch {
            guard let rejected = StoreError.innermost(error) as? ImportRejected else { throw error }
            return .failure(rejected)
        }
    }

    /// The import's summary; or its rejection, written to the file when one was named and then thrown.
    private func settle<R>(_ outcome: Result<R, ImportRejected>, _ output: ReportOutput?) async throws -> R {
        switch outcome {
        case .success(let summary):
            // The import has committed: a file that cannot be written now is a warning, not a failure to retry.
            if let output, let path {
                do {
                    try Self.write([], to: output)
                    try await output.finish()
                } catch {
                    printError("warning: the import passed, but --errors-file '\(path)' could not be written: \(error)")
                }
            }
            return summary
        case .failure(let rejected):
            guard let output, let path else { throw CLIError(rejected.description) }
            let problems = rejected.every ?? rejected.errors
            try Self.write(problems, to: output)
            try await output.finish()
            let kept = problems.count == rejected.total ? "every one" : "the first \(problems.count)"
            throw CLIError("the import changed nothing: \(rejected.total) problem(s), \(kept) written to '\(path)'"
                           + (rejected.total > Self.shown ? "; the first \(Self.shown):" : ":") + "\n"
                           + problems.prefix(Self.shown).map { "  \($0)" }.joined(separator: "\n"))
        }
    }
}
