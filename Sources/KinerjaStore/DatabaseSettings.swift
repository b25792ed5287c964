public import Foundation

/// Where the database is and who connects. Two roles: the owner migrates; the application role does
/// everything else and cannot bypass row-level security.
public struct DatabaseSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: String
    public var username: String
    public var password: String?
    /// TLS to the database, as libpq's `sslmode` names it (the URL's `?sslmode=`); none by default.
    public var tls: TLSMode = .disable
    /// The certificate authorities to trust instead of the system's (the URL's `?sslrootcert=`, a PEM file).
    public var rootCertificate: String?
    /// Whether hot statements are prepared once per connection. Off behind a pooler that hands a session's
    /// statements to other server connections (PgBouncer's transaction mode before 1.21): the URL's
    /// `?prepared_statements=off`.
    public var preparedStatements = true

    /// libpq's modes, minus `allow`: `verify-full` is the one that defends against a server in the middle.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP (a database on the same host or a private network).
        case disable
        /// TLS when the server offers it, without checking its certificate.
        case prefer
        /// TLS or no connection, without checking the certificate.
        case require
        /// TLS, with a certificate signed by a trusted authority, for any host name.
        case verifyCA = "verify-ca"
        /// TLS, with a trusted certificate for the host connected to.
        case verifyFull = "verify-full"
    }

    public init(host: String, port: Int, database: String, username: String, password: String?,
                tls: TLSMode = .disable, rootCertificate: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tls = tls
        self.rootCertificate = rootCertificate
    }

    /// Parses `postgres://user:password@host:port/database[?sslmode=MODE&sslrootcert=FILE]`.
    public init(url: String) throws(StoreError) {
        guard let c = URLComponents(string: url), ["postgres", "postgresql"].contains(c.scheme ?? ""),
              let host = c.host, !host.isEmpty, let user = c.user, !user.isEmpty
        else {
            throw .configuration("database URL '\(Self.redacted(url))' is not postgres://user:password@host:port/database")
        }
        let db = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        guard !db.isEmpty else { throw .configuration("database URL '\(Self.redacted(url))' names no database") }
        var tls = TLSMode.disable
        var root: String?
        var prepared = true
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw .configuration("database URL: sslmode '\(item.value ?? "")' is not one of: "
                                         + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
                tls = mode
            case "sslrootcert":
                guard let file = item.value, !file.isEmpty, FileManager.default.isReadableFile(atPath: file) else {
                    throw .configuration("database URL: sslrootcert '\(item.value ?? "")' is not a readable file")
                }
                root = file
            case "prepared_statements":
                switch item.value {
                case "on": prepared = true
                case "off": prepared = false
                default: throw .configuration("database URL: prepared_statements '\(item.value ?? "")' is not on or off")
                }
            default:
                throw .configuration("database URL: parameter '\(item.name)' is not supported (sslmode, sslrootcert and prepared_statements are)")
            }
        }
        if root != nil && (tls == .disable || tls == .prefer || tls == .require) {
            throw .configuration("database URL: sslrootcert is used with sslmode verify-ca or verify-full, not \(tls.rawValue)")
        }
        self.init(host: host, port: c.port ?? 5432, database: db, username: user, password: c.password?.removingPercentEncoding,
                  tls: tls, rootCertificate: root)
        self.preparedStatements = prepared
    }

    /// The URL with the password hidden, for messages and logs. Read by hand, not as a URL: a password that
    /// is not percent-encoded (`/`, `#`, `?` or `@` in it) is just what makes a URL fail to parse, or parse with
    /// part of the password as the host or the fragment, and the message about it must not show it.
    /// Without `://` (`postgres:/app:pw@db/k`), everything from the first `:` to the last `@` is hidden. An `@`
    /// in the query hides the host too: more than needed, never less.
    public static func redacted(_ url: String) -> String {
        let start = url.range(of: "://")?.upperBound ?? url.startIndex
        guard let at = url.range(of: "@", options: .backwards), at.lowerBound > start else { return url }
        let userinfo = url[start..<at.lowerBound]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + url[at.lowerBound...]
    }

    public var redactedDescription: String {
        var options: [String] = []
        if tls != .disable { options.append("sslmode=\(tls.rawValue)") }
        if !preparedStatements { options.append("prepared_statements=off") }
        return "postgres://\(username)@\(host):\(port)/\(database)" + (options.isEmpty ? "" : "?" + options.joined(separator: "&"))
    }

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

/// Printed, the settings never show the password.
extension DatabaseSettings: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { redactedDescription }
    public var debugDescription: String { redactedDescription }
}
