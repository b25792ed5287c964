public import Foundation

/// Where the database is and who connects. Two roles: the owner migrates; the application role does
/// everything else and cannot bypass row-level security.
public struct DatabaseSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: String
    public var username: String
    public var password: String?

    public init(host: String, port: Int, database: String, username: String, password: String?) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
    }

    /// Parses `postgres://user:password@host:port/database`.
    public init(url: String) throws(StoreError) {
        guard let c = URLComponents(string: url), ["postgres", "postgresql"].contains(c.scheme ?? ""),
              let host = c.host, !host.isEmpty, let user = c.user, !user.isEmpty
        else {
            throw .configuration("database URL '\(Self.redacted(url))' is not postgres://user:password@host:port/database")
        }
        let db = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        guard !db.isEmpty else { throw .configuration("database URL '\(Self.redacted(url))' names no database") }
        self.init(host: host, port: c.port ?? 5432, database: db, username: user, password: c.password?.removingPercentEncoding)
    }

    /// The URL with the password hidden, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "***"
        return c.string ?? url
    }

    public var redactedDescription: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    public func with(database: String) -> DatabaseSettings {
        var copy = self
        copy.database = database
        return copy
    }
}

/// The settings of the private cluster that `deploy/local` started, read from `.data/local.env` in the
/// current folder or the nearest parent that has one. This is what lets a newcomer type no connection string.
public struct LocalCluster: Sendable {
    /// The server's role.
    public var app: DatabaseSettings
    /// The CLI's role: tenant work plus the platform functions.
    public var admin: DatabaseSettings
    /// The role that migrates.
    public var owner: DatabaseSettings
    public var file: String

    public static func find(from directory: String = FileManager.default.currentDirectoryPath) -> LocalCluster? {
        var dir = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let file = dir.appendingPathComponent(".data/local.env").path
            if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                return parse(text, file: file)
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }

    static func parse(_ text: String, file: String) -> LocalCluster? {
        var v: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { v[parts[0]] = parts[1] }
        }
        guard let host = v["KINERJA_DB_HOST"], let port = v["KINERJA_DB_PORT"].flatMap(Int.init),
              let db = v["KINERJA_DB_NAME"], let appUser = v["KINERJA_DB_APP_USER"], let ownerUser = v["KINERJA_DB_OWNER_USER"]
        else { return nil }
        let app = DatabaseSettings(host: host, port: port, database: db, username: appUser, password: v["KINERJA_DB_APP_PASSWORD"])
        let admin = v["KINERJA_DB_ADMIN_USER"].map {
            DatabaseSettings(host: host, port: port, database: db, username: $0, password: v["KINERJA_DB_ADMIN_PASSWORD"])
        }
        return LocalCluster(
            app: app, admin: admin ?? app,
            owner: DatabaseSettings(host: host, port: port, database: db, username: ownerUser, password: v["KINERJA_DB_OWNER_PASSWORD"]),
            file: file
        )
    }
}
