import Crypto
public import Foundation
public import Logging
public import PostgresNIO

/// One versioned SQL file from `Migrations/`, named `NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file, hex.
    public var checksum: String { SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined() }

    /// The migrations that ship with this build, in order.
    public static func bundled() throws -> [Migration] {
        guard let dir = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw StoreError.configuration("the Migrations folder is missing from the KinerjaStore bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sql") }.sorted()
        return try files.map { file in
            let stem = String(file.dropLast(4))
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw StoreError.configuration("migration file '\(file)' is not named NNNN_name.sql")
            }
            let sql = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            return Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
        }
    }
}

/// Where each migration stands in one database.
public struct MigrationReport: Sendable, Equatable {
    public enum State: String, Sendable { case applied, pending, checksumMismatch = "checksum mismatch", unknown = "applied, not in this build" }
    public struct Entry: Sendable, Equatable {
        public var version: Int
        public var name: String
        public var state: State
        public var appliedAt: Date?
    }
    public var entries: [Entry]

    public var pending: [Int] { entries.filter { $0.state == .pending }.map(\.version) }
    public var mismatched: [Entry] { entries.filter { $0.state == .checksumMismatch } }
    /// Current: nothing pending, nothing changed after it was applied.
    public var isCurrent: Bool { pending.isEmpty && mismatched.isEmpty }
}

/// Applies migrations as the owner role, each in its own transaction, recording version and checksum.
public enum Migrator {
    static let createTable: PostgresQuery = """
        create table if not exists schema_migrations (
            version integer primary key,
            name text not null,
            checksum text not null,
            applied_at timestamptz not null default now()
        )
        """

    /// Compares the recorded migrations with the bundled ones. Works as the owner or the application role.
    public static func report(client: PostgresClient, migrations: [Migration]? = nil, logger: Logger) async throws -> MigrationReport {
        try await client.withConnection { try await report(connection: $0, migrations: migrations, logger: logger) }
    }

    public static func report(connection: PostgresConnection, migrations: [Migration]? = nil, logger: Logger) async throws -> MigrationReport {
        let bundled = try migrations ?? Migration.bundled()
        var recorded: [Int: (String, String, Date)] = [:]
        let exists = try await connection.checkedQuery("select to_regclass('public.schema_migrations') is not null", logger: logger)
        var hasTable = false
        for try await flag in exists.decode(Bool.self) { hasTable = flag }
        if hasTable {
            let rows = try await connection.checkedQuery("select version, name, checksum, applied_at from schema_migrations", logger: logger)
            for try await (v, n, c, at) in rows.decode((Int, String, String, Date).self) { recorded[v] = (n, c, at) }
        }
        var entries: [MigrationReport.Entry] = bundled.map { m in
            guard let (_, checksum, at) = recorded[m.version] else {
                return .init(version: m.version, name: m.name, state: .pending, appliedAt: nil)
            }
            return .init(version: m.version, name: m.name, state: checksum == m.checksum ? .applied : .checksumMismatch, appliedAt: at)
        }
        for (v, (n, _, at)) in recorded where !bundled.contains(where: { $0.version == v }) {
            entries.append(.init(version: v, name: n, state: .unknown, appliedAt: at))
        }
        return MigrationReport(entries: entries.sorted { $0.version < $1.version })
    }

    /// Applies what is pending. Refuses to run when an applied migration was changed. Returns what it applied.
    @discardableResult
    public static func migrate(
        client: PostgresClient, migrations: [Migration]? = nil, logger: Logger,
        progress: (Migration) -> Void = { _ in }
    ) async throws -> [Migration] {
        let bundled = try migrations ?? Migration.bundled()
        try await client.query(createTable, logger: logger)
        let before = try await report(client: client, migrations: bundled, logger: logger)
        if let bad = before.mismatched.first { throw StoreError.checksumMismatch(version: bad.version, name: bad.name) }
        var applied: [Migration] = []
        for m in bundled where before.pending.contains(m.version) {
            progress(m)
            do {
                try await KinerjaDatabase.inTransaction(client, logger: logger) { conn in
                    // A second migrator waits here rather than applying the same file twice.
                    try await conn.checkedQuery("lock table schema_migrations in exclusive mode", logger: logger)
                    let done = try await conn.checkedQuery("select count(*) from schema_migrations where version = \(m.version)", logger: logger)
                    for try await n in done.decode(Int.self) where n > 0 { return }
                    for statement in SQLScript.statements(m.sql) {
                        // Read any rows: a statement's error can arrive with them.
                        for try await _ in try await conn.checkedQuery(PostgresQuery(unsafeSQL: statement), logger: logger) {}
                    }
                    try await conn.checkedQuery(
                        "insert into schema_migrations (version, name, checksum) values (\(m.version), \(m.name), \(m.checksum))",
                        logger: logger)
                }
            } catch {
                throw StoreError.database("migration \(m.version) (\(m.name)) failed and was rolled back: \(StoreError.describe(error))")
            }
            applied.append(m)
        }
        return applied
    }
}
