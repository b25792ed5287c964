import Foundation
public import KinerjaCore
import Logging
import NIOCore
import PostgresNIO

/// What an import did (or, in a dry run, would do).
public struct ImportSummary: Sendable, Equatable, Codable {
    public var rows = 0
    public var new = 0
    public var changed = 0
    public var unchanged = 0
    /// Employees absent from the file marked inactive (with `deactivateMissing`), or that would be.
    public var deactivated = 0
    /// Active employees absent from the file, left as they are (without `deactivateMissing`).
    public var missing = 0
    public var unitsNew = 0
    public var unitsChanged = 0
    /// Whether the file had `NIP ATASAN`; without it the atasan is derived from the unit tree.
    public var atasanFromFile = false
    /// NIPs whose atasan could not be derived (no head in their unit or the one above), first 100.
    public var atasanNotDerived: [String] = []
    public var atasanNotDerivedCount = 0
    /// Employees the file leaves out whose atasan is derived again because the file changes who leads them (first
    /// 100), and how many.
    public var atasanRederived: [String] = []
    public var atasanRederivedCount = 0
    public var dryRun = false

    /// More employees than this changed, and the import analysed employees and org units in its own transaction
    /// (`analyze_after_import`, migration 0017): the statistics committed with the rows, and refreshing them
    /// again after the commit would only repeat it.
    public static let analysedInItsTransactionAbove = 1_000
    public var analysedInItsTransaction: Bool { !dryRun && new + changed + deactivated > Self.analysedInItsTransactionAbove }
}

public struct ImportOptions: Sendable {
    public var dryRun: Bool
    public var deactivateMissing: Bool
    /// Up to this many rows, the employees a file leaves out whose leader it may change are found by key; above
    /// it, in one pass over the city (the same answer; tests try both).
    public var findLeftOutByKeyUpTo: Int
    /// The audit entry's action and subject: one import of a file, or one employee put (its NIP).
    public var auditAction: String
    public var auditSubject: String
    /// Whether an import that changed nothing is kept in the audit log too (a file: yes; one employee put: no).
    public var auditUnchanged: Bool
    /// Whether the summary counts the active employees the file leaves out (`missing`), a pass over the city.
    public var countMissing: Bool
    /// Whether a rejection keeps every problem (``ImportRejected/every``), not only the first
    /// ``ImportRejected/limit``: for `kinerja-admin import employees --errors-file`.
    public var keepEveryProblem: Bool
    /// Up to this many rows, every statement may find rows by key (nested loops); above it, only hash joins.
    public var joinByKeyUpTo: Int
    public init(dryRun: Bool = false, deactivateMissing: Bool = false, findLeftOutByKeyUpTo: Int = 10_000,
                auditAction: String = "employees.import", auditSubject: String = "", auditUnchanged: Bool = true,
                countMissing: Bool = true, joinByKeyUpTo: Int = 100, keepEveryProblem: Bool = false) {
        self.dryRun = dryRun
        self.deactivateMissing = deactivateMissing
        self.findLeftOutByKeyUpTo = findLeftOutByKeyUpTo
        self.auditAction = auditAction
        self.auditSubject = auditSubject
        self.auditUnchanged = auditUnchanged
        self.countMissing = countMissing
        self.joinByKeyUpTo = joinByKeyUpTo
        self.keepEveryProblem = keepEveryProblem
    }
}

/// The import changed nothing: every problem found, in line order (at most `limit`), and how many there were.
public struct ImportRejected: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [RowError]
    public var total: Int
    /// Every problem in line order, where the import kept them all (the employee import asked with
    /// ``ImportOptions/keepEveryProblem``; the attendance, pagu and complaint imports always): else nil.
    public var every: [RowError]?
    public static let limit = 1_000
    /// The problems a rejection shows of `errors`: the first `limit` in line order.
    static func shown(_ errors: [RowError]) -> [RowError] { Array(errors.sorted().prefix(limit)) }

    public init(errors: [RowError], total: Int) {
        self.errors = errors
        self.total = total
    }

    /// A rejection for all of `problems`: it shows the first `limit` and keeps every one.
    public init(every problems: [RowError]) {
        let sorted = problems.sorted()
        self.errors = Array(sorted.prefix(Self.limit))
        self.total = problems.count
        self.every = sorted
    }
    public var description: String {
        "the import changed nothing: \(total) problem(s)\n" + errors.map { "  \($0)" }.joined(separator: "\n")
            + (total > errors.count ? "\n  … and \(total - errors.count) more" : "")
    }
}

extension KinerjaDatabase {
    /// Refreshes the planner's statistics of employees and org units when many rows changed (a previous
    /// import), in a transaction of its own: run before an import, whose set-based checks depend on them.
    public func refreshImportStatistics() async throws {
        try await statement("select refresh_import_statistics()") { rows in for try await _ in rows {} }
    }
}

extension TenantTransaction {
    /// Imports a SIASN-style CSV read chunk by chunk from `next` (nil at the end): rows are checked as they
    /// stream into a staging table with COPY, then checked across rows and merged with a few set-based
    /// statements, all in this transaction. Any problem rejects the whole file and changes nothing.
    public func importEmployees(
        options: ImportOptions, actor: String, progress: @Sendable (Int) -> Void = { _ in },
        next: () async throws -> [UInt8]?
    ) async throws -> ImportSummary {
        try await query("""
            create temporary table import_stage (
                line integer, nip text, name text, gelar_depan text, gelar_belakang text, employee_type text,
                jabatan_kind text, jabatan_level text, jabatan_name text, golongan text, unit_code text, unit_name text,
                unit_kind text, parent_code text, parent_name text, atasan_nip text, status text, email text,
                birth_date date, gender text) on commit drop
            """)
        var errors: [RowError] = []
        var errorCount = 0
        var rows = 0
        var atasanFromFile = false
        // The problems kept are the first `limit` in line order, whichever check found them and in whatever order
        // its rows came: the cross-row checks come after every row's own and in no set order.
        func reject(_ e: RowError) {
            errorCount += 1
            errors.append(e)
            if !options.keepEveryProblem && errors.count >= 2 * ImportRejected.limit { errors = ImportRejected.shown(errors) }
        }
        func rejected() -> ImportRejected {
            options.keepEveryProblem ? ImportRejected(every: errors) : ImportRejected(errors: ImportRejected.shown(errors), total: errorCount)
        }

        try connection.requireOpen()
        try await connection.copyFrom(table: "import_stage", columns: Self.stageColumns, logger: logger) { writer in
            var parser = CSVParser()
            var columns: SIASNColumns?
            var buffer = ByteBuffer()
            func take(_ records: [CSVParser.Record]) throws {
                for record in records {
                    guard let cols = columns else {
                        do { columns = try SIASNColumns(header: record.fields) } catch {
                            reject(error)
                            throw rejected()
                        }
                        atasanFromFile = columns!.hasAtasanColumn
                        parser.keep = columns!.used
                        continue
                    }
                    rows += 1
                    if rows % 10_000 == 0 { progress(rows) }
                    do {
                        let r = try cols.row(record)
                        CopyText.write([
                            String(r.line), r.nip, r.name, r.gelarDepan, r.gelarBelakang, r.type.rawValue, r.jabatanKind,
                            r.jabatanLevel, r.jabatanName, r.golongan, r.unitCode, r.unitName, r.unitKind, r.parentCode,
                            r.parentName, r.atasanNIP, r.active ? "active" : "inactive", r.email, r.birthDate.description,
                            r.gender.rawValue,
                        ], into: &buffer)
                    } catch {
                        for e in error.errors { reject(e) }
                    }
                }
            }
            do {
                while let chunk = try await next() {
                    try take(try parser.feed(chunk))
                    if buffer.readableBytes > 256 * 1024 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                try take(try parser.finish())
            } catch let problem as CSVParser.Problem {
                reject(RowError(line: problem.line, column: "", value: "", reason: problem.description))
                throw rejected()
            }
            if columns == nil {
                reject(RowError(line: 1, column: "", value: "", reason: "the file is empty: it needs a header line and rows"))
                throw rejected()
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        if rows > 0 { progress(rows) }
        // The checks and the merge join the staging rows to employees by NIP. A temporary table has no
        // statistics until analysed, and right after a bulk import the employees table's are stale too:
        // with the NIP typed alike on both sides and indexed here, a misjudged plan still finds rows by
        // index instead of scanning 100,000 rows for each of 100,000.
        try await query("create index on import_stage (nip)")
        try await query("create index on import_stage (unit_code)")
        try await query("analyze import_stage (line, nip, unit_code, parent_code, atasan_nip, status)")
        // The staged file is this transaction's own; from here on the city's tree is read and written, so the
        // city's other imports and puts wait (not while the file is still uploading).
        try await lockEmployeeWrites()
        // Every statement below touches all staged rows at once: hash joins, never row-by-row loops or merge
        // joins on the city alone that a stale row estimate (a city new to the statistics, right after a bulk
        // import into a database of many cities) would otherwise choose. A few rows (a sync's changes, one
        // employee put) are found by key instead: one employee into a city of 100,000 took 130 ms by hash joins.
        try await query("set local enable_nestloop = \(unescaped: rows <= options.joinByKeyUpTo ? "on" : "off")")
        try await query("set local enable_mergejoin = off")
        if rows == 0 && errorCount == 0 {
            reject(RowError(line: 2, column: "", value: "", reason: "the file has a header but no rows"))
        }
        let byKey = rows <= options.joinByKeyUpTo
        for e in try await crossRowProblems(atasanFromFile: atasanFromFile, deactivateMissing: options.deactivateMissing, byKey: byKey) {
            reject(e)
        }
        if errorCount > 0 {
            throw rejected()
        }

        var summary = ImportSummary()
        summary.rows = rows
        summary.dryRun = options.dryRun
        summary.atasanFromFile = atasanFromFile
        if !atasanFromFile { try await deriveAtasan(into: &summary, options: options) }
        // The atasan of each staged row: from the file, or derived into `import_atasan` (a narrow table,
        // cheaper to write than updating every staged row).
        let atasan = atasanFromFile ? AtasanSource.file : .derived
        try await classify(into: &summary, options: options, atasan: atasan)
        if !options.dryRun {
            try await merge(new: summary.new, changed: summary.changed, deactivateMissing: options.deactivateMissing, atasan: atasan)
            // A new city's rows are unknown to the planner until analysed, however small a share of the table
            // they are (migration 0017): the statements that follow the import plan on them.
            if summary.analysedInItsTransaction {
                try await query("select analyze_after_import(\(summary.new + summary.changed + summary.deactivated)::integer)")
            }
            let changedAnything = summary.new + summary.changed + summary.deactivated + summary.unitsNew + summary.unitsChanged
                + summary.atasanRederivedCount > 0
            if options.auditUnchanged || changedAnything {
                try await audit(actor: actor, action: options.auditAction, subject: options.auditSubject, detail: [
                    "rows": String(rows), "new": String(summary.new), "changed": String(summary.changed),
                    "deactivated": String(summary.deactivated), "units_new": String(summary.unitsNew),
                    "atasan_rederived": String(summary.atasanRederivedCount),
                ])
            }
        }
        return summary
    }

    /// Writes to a city's employees and units (an import, one employee put) go one at a time: each derives
    /// atasan from the city's tree as it stands, which another's uncommitted change would make stale.
    func lockEmployeeWrites() async throws {
        try await query("select pg_advisory_xact_lock(hashtextextended('kinerja:employees:write:' || \(tenant.description), 0))")
    }

    static let stageColumns = [
        "line", "nip", "name", "gelar_depan", "gelar_belakang", "employee_type", "jabatan_kind", "jabatan_level",
        "jabatan_name", "golongan", "unit_code", "unit_name", "unit_kind", "parent_code", "parent_name", "atasan_nip",
        "status", "email", "birth_date", "gender",
    ]
}
