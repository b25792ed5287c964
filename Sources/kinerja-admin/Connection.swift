public import ArgumentParser
import Configuration
import Foundation
import KinerjaStore
public import KinerjaReports
import Logging

/// Where the database is: flags > KINERJA_* / DATABASE_URL > the local cluster.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "Admin-role URL postgres://user:pass@host:port/db (the CLI's role).")
    var databaseURL: String?

    @Option(name: .customLong("owner-database-url"), help: "Owner-role URL, for 'db migrate' and a city's 'tenant export', 'import' and 'purge'.")
    var ownerDatabaseURL: String?

    func config() -> ConfigReader {
        var flags: [AbsoluteConfigKey: ConfigValue] = [:]
        if let databaseURL { flags["admin.database.url"] = .init(.string(databaseURL), isSecret: true) }
        if let ownerDatabaseURL { flags["owner.database.url"] = .init(.string(ownerDatabaseURL), isSecret: true) }
        let env = EnvironmentVariablesProvider(
            secretsSpecifier: .specific(["DATABASE_URL", "KINERJA_DATABASE_URL", "KINERJA_ADMIN_DATABASE_URL", "KINERJA_OWNER_DATABASE_URL"]))
        return ConfigReader(providers: [InMemoryProvider(name: "flags", values: flags), env.prefixKeys(with: "kinerja"), env])
    }

    /// The CLI's own role (kinerja_admin): --database-url, KINERJA_ADMIN_DATABASE_URL, the local cluster, and
    /// last the server's DATABASE_URL (enough for tenant work; platform commands then say what is missing).
    func appSettings() throws -> DatabaseSettings {
        let config = config()
        if let url = config.string(forKey: "admin.database.url", isSecret: true) { return try DatabaseSettings(url: url) }
        if let local = LocalCluster.find() { return local.admin }
        if let url = config.string(forKey: "database.url", isSecret: true) { return try DatabaseSettings(url: url) }
        throw CLIError("no database configured: give --database-url, set KINERJA_ADMIN_DATABASE_URL, or run 'make db-start'")
    }

    func ownerSettings() throws -> DatabaseSettings {
        if let url = config().string(forKey: "owner.database.url", isSecret: true) { return try DatabaseSettings(url: url) }
        if let local = LocalCluster.find() { return local.owner }
        throw CLIError("no owner database configured: give --owner-database-url, set KINERJA_OWNER_DATABASE_URL, or run 'make db-start'")
    }

    /// Runs `body` with a connected database as the application role.
    func withDatabase<R: Sendable>(_ body: @Sendable (KinerjaDatabase) async throws -> R) async throws -> R {
        try await Self.with(settings: try appSettings(), body)
    }

    /// Runs `body` with a connected database as the owner role.
    func withOwnerDatabase<R: Sendable>(_ body: @Sendable (KinerjaDatabase) async throws -> R) async throws -> R {
        try await Self.with(settings: try ownerSettings(), body)
    }

    static func with<R: Sendable>(settings: DatabaseSettings, _ body: @Sendable (KinerjaDatabase) async throws -> R) async throws -> R {
        var logger = Logger(label: "kinerja-admin")
        logger.logLevel = .error
        let database = KinerjaDatabase(settings: settings, maximumConnections: 4, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            do {
                return try await body(database)
            } catch let error as StoreError {
                throw CLIError(error.description)
            } catch let error as ImportRejected {
                throw CLIError(error.description)
            } catch let error as CLIError {
                throw error
            } catch where StoreError.sqlState(error) == "25006" {
                throw CLIError(StoreError.describe(error))
            } catch where StoreError.sqlState(error) == "42501" {
                throw CLIError("\(StoreError.describe(error)): role '\(settings.username)' may not do this; platform commands need the admin role (kinerja_admin, KINERJA_ADMIN_DATABASE_URL)")
            } catch {
                throw CLIError("\(StoreError.describe(error)) [database \(settings.redactedDescription)]")
            }
        }
    }
}

/// A message for the user; ArgumentParser prints it and exits 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Who did it, for the audit log: the account running the CLI, looked up by its uid (a cron job or a container has
/// no `USER`); run as root through sudo, the person who ran sudo; and the name in `KINERJA_ACTOR` when set (the
/// officer, where several share an account) next to the account, not instead of it, since anyone can set it.
var cliActor: String {
    let env = ProcessInfo.processInfo.environment
    func given(_ name: String) -> String? {
        guard let v = env[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }
    let uid = geteuid()
    var who = getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? given("USER") ?? "uid \(uid)"
    if getuid() == 0, let sudo = given("SUDO_USER"), sudo != who { who = "\(sudo) via sudo" }
    if let claimed = given("KINERJA_ACTOR") { who += " (KINERJA_ACTOR \(claimed))" }
    return "kinerja-admin:\(who)"
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension Table.Format: ExpressibleByArgument {
    /// `table` is the terminal layout (also called `text`).
    public init?(argument: String) {
        self.init(rawValue: argument == "table" ? "text" : argument)
    }
    public static var allValueStrings: [String] { ["table", "csv", "json"] }
}

/// A new password: the first line of stdin, or one generated (the caller prints it, once).
func newPassword(fromStdin: Bool) throws -> String {
    guard fromStdin else { return PasswordHash.generate() }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIError("no password on stdin") }
    return line
}
