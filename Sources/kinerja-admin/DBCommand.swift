import ArgumentParser
import Foundation
import KinerjaReports
import KinerjaStore

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Database migrations, and the script that distributes the schema on Citus.",
        subcommands: [Migrate.self, Status.self, CitusScript.self])

    struct CitusScript: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "citus-script",
            abstract: "Print the SQL that distributes every tenant table by tenant_id on a Citus coordinator.",
            discussion: "The same text as deploy/citus/distribute.sql (a test keeps them equal). Needs no database.")

        func run() { print(TenantSchema.citusScript(), terminator: "") }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations as the owner role, each in its own transaction.")
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let applied = try await connection.withOwnerDatabase { db in
                try await Migrator.migrate(client: db.client, logger: db.logger) { m in
                    printError("applying \(String(format: "%04d", m.version)) \(m.name)")
                }
            }
            printError(applied.isEmpty ? "nothing to apply: migrations are current" : "applied \(applied.count) migration(s)")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List applied and pending migrations; exits 1 on a checksum mismatch, 2 when some are pending.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "text, csv or json") var format: Table.Format = .text

        func run() async throws {
            let report = try await connection.withDatabase { db in try await db.migrationState() }
            let table = Table(columns: ["version", "name", "state", "applied_at"], rows: report.entries.map {
                [String(format: "%04d", $0.version), $0.name, $0.state.rawValue, $0.appliedAt.map { "\($0)" } ?? ""]
            })
            print(table.render(format), terminator: "")
            if let bad = report.mismatched.first {
                throw CLIError(StoreError.checksumMismatch(version: bad.version, name: bad.name).description)
            }
            if !report.pending.isEmpty {
                printError("pending: run 'kinerja-admin db migrate'")
                throw ExitCode(2)
            }
        }
    }
}
