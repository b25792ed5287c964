import Foundation
import Configuration
import KinerjaAPI
import KinerjaStore
import Logging

/// The server's settings, each named in the error when missing or malformed.
struct ServerConfiguration {
    var server: ServerSettings
    var database: DatabaseSettings
    var databaseSource: String
    var connections: Int
    /// How long a request waits for a database connection before it answers 503 database_unavailable.
    var databaseWait: Int
    /// How long a pooled connection may sit unused before it is closed.
    var databaseIdle: Int
    var logLevel: Logger.Level
    /// A hot standby for read-only work, and how far behind it may be before reads go to the primary.
    var readReplica: DatabaseSettings?
    var readMaximumLag: Int
    var reportDirectory: URL
    var statementTimeout: Int
    var reportInlineLimit: Int

    init(_ config: ConfigReader) throws {
        let host = config.string(forKey: "http.host", default: "127.0.0.1")
        let port = try Self.int(config, "http.port", default: 8080, range: 1...65535)
        let connections = try Self.int(config, "database.connections", default: 20, range: 1...500)
        let cache = try Self.int(config, "auth.cacheSeconds", default: 5, range: 0...300)
        databaseWait = try Self.int(config, "database.waitSeconds", default: 5, range: 1...600)
        databaseIdle = try Self.int(config, "database.idleSeconds", default: Int(KinerjaDatabase.defaultIdleTimeout.components.seconds),
                                    range: 1...3600)
        let seal = try Self.int(config, "audit.sealSeconds", default: 5, range: 1...3600)
        let dashboardAge = try Self.int(config, "dashboard.maxAgeSeconds", default: 300, range: 0...86_400)
        let levelText = config.string(forKey: "log.level", default: "info")
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError("log level '\(levelText)' is not one of: trace, debug, info, notice, warning, error, critical")
        }
        if let url = config.string(forKey: "database.url", isSecret: true) {
            database = try DatabaseSettings(url: url)
            databaseSource = "database.url"
        } else if let local = LocalCluster.find() {
            database = local.app
            databaseSource = local.file
        } else {
            throw ConfigurationError(
                "no database configured: set DATABASE_URL (or KINERJA_DATABASE_URL, or --database-url), or start the local cluster with 'make db-start'")
        }
        if let url = config.string(forKey: "read.database.url", isSecret: true) {
            var replica = try DatabaseSettings(url: url)
            // Written like the primary's URL; a password left out is the primary's (the same role).
            if replica.password == nil { replica.password = database.password }
            readReplica = replica
        }
        readMaximumLag = try Self.int(config, "read.maxLagSeconds", default: 30, range: 0...86_400)
        reportDirectory = config.string(forKey: "report.dir").map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-reports")
        reportInlineLimit = try Self.int(config, "report.inlineLimit", default: 200, range: 1...100_000)
        statementTimeout = try Self.int(config, "statement.timeoutSeconds", default: 30, range: 0...3600)
        let maxBody = try Self.int(config, "maxBody.bytes", default: 1 << 20, range: 1024...(1 << 30))
        let maxImport = try Self.int(config, "maxImport.bytes", default: 64 << 20, range: 1024...(1 << 31))
        let rate = try Self.int(config, "rateLimit.perSecond", default: 100, range: 0...1_000_000)
        let burst = try Self.int(config, "rateLimit.burst", default: 200, range: 1...10_000_000)
        server = ServerSettings(host: host, port: port, keyCacheTTL: .seconds(cache), auditSealInterval: .seconds(seal),
                                dashboardMaxAge: .seconds(dashboardAge), maxBodyBytes: maxBody, maxImportBytes: maxImport,
                                rateLimit: Double(rate), rateBurst: Double(burst))
        let sessionMinutes = try Self.int(config, "session.minutes", default: 480, range: 1...(30 * 24 * 60))
        let failures = try Self.int(config, "login.maxFailures", default: 5, range: 1...1000)
        let lockMinutes = try Self.int(config, "login.lockMinutes", default: 15, range: 1...(24 * 60))
        server.login = LoginPolicy(sessionTTL: .seconds(sessionMinutes * 60), maxFailures: failures, lockDuration: .seconds(lockMinutes * 60))
        self.connections = connections
        self.logLevel = level
    }

    static func int(_ config: ConfigReader, _ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = config.string(forKey: ConfigKey(key)) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw ConfigurationError("setting \(key) is '\(text)': expected a whole number in \(range.lowerBound)-\(range.upperBound)")
        }
        return n
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
