import Foundation
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// Database URLs as libpq reads them, including TLS (`sslmode`, `sslrootcert`): a database on another host is
/// reached over TLS, with the certificate checked when asked (`verify-full`).
@Suite struct DatabaseSettingsTests {
    @Test(arguments: [
        ("postgres://app:pw@db.example:6432/kinerja", DatabaseSettings.TLSMode.disable),
        ("postgres://app:pw@db.example/kinerja?sslmode=disable", .disable),
        ("postgres://app:pw@db.example/kinerja?sslmode=prefer", .prefer),
        ("postgresql://app:pw@db.example/kinerja?sslmode=require", .require),
        ("postgres://app:pw@db.example/kinerja?sslmode=verify-ca", .verifyCA),
        ("postgres://app:pw@db.example/kinerja?sslmode=verify-full", .verifyFull),
    ])
    func aURLNamesItsTLSMode(url: String, mode: DatabaseSettings.TLSMode) throws {
        let s = try DatabaseSettings(url: url)
        #expect(s.tls == mode && s.username == "app" && s.password == "pw" && s.database == "kinerja" && s.host == "db.example")
        #expect(s.redactedDescription.contains("pw") == false)
        #expect(s.redactedDescription.hasSuffix(mode == .disable ? "/kinerja" : "?sslmode=\(mode.rawValue)"))
    }

    /// Prepared statements are on unless the URL turns them off (behind PgBouncer's transaction mode before 1.21),
    /// and the description of the settings says so.
    @Test func aURLMayTurnPreparedStatementsOff() throws {
        #expect(try DatabaseSettings(url: "postgres://app:pw@db.example/kinerja").preparedStatements)
        #expect(try DatabaseSettings(url: "postgres://app:pw@db.example/kinerja?prepared_statements=on").preparedStatements)
        let off = try DatabaseSettings(url: "postgres://app:pw@db.example:6432/kinerja?sslmode=require&prepared_statements=off")
        #expect(!off.preparedStatements && off.tls == .require)
        #expect(off.redactedDescription == "postgres://app@db.example:6432/kinerja?sslmode=require&prepared_statements=off")
        #expect(!off.with(database: "other").preparedStatements)
    }

    @Test func aRootCertificateGoesWithVerification() throws {
        let pem = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-ca-\(UUID().uuidString.prefix(8)).pem")
        try "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".write(to: pem, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: pem) }
        let s = try DatabaseSettings(url: "postgres://app:pw@db.example/kinerja?sslmode=verify-full&sslrootcert=\(pem.path)")
        #expect(s.tls == .verifyFull && s.rootCertificate == pem.path)
    }

    /// Each bad value is named in the message, and nothing connects with a setting half understood.
    @Test(arguments: [
        ("postgres://app:pw@db.example/kinerja?sslmode=verify", "sslmode 'verify'"),
        ("postgres://app:pw@db.example/kinerja?sslmode=", "sslmode ''"),
        ("postgres://app:pw@db.example/kinerja?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", "sslrootcert '/nonexistent/ca.pem'"),
        ("postgres://app:pw@db.example/kinerja?sslmode=require&sslrootcert=/etc/hostname", "not require"),
        ("postgres://app:pw@db.example/kinerja?connect_timeout=5", "parameter 'connect_timeout'"),
        ("postgres://app:pw@db.example/kinerja?prepared_statements=no", "prepared_statements 'no'"),
    ])
    func aBadParameterIsNamed(url: String, named: String) {
        #expect {
            _ = try DatabaseSettings(url: url)
        } throws: { error in
            "\(error)".contains(named) && !"\(error)".contains(":pw@")
        }
    }

    /// Against the private cluster, which offers no TLS: `prefer` falls back to plain TCP, `require` and the
    /// verifying modes refuse to connect rather than send the password in the clear.
    @Test func requireRefusesADatabaseWithoutTLS() async throws {
        var settings = try await TestDatabase.app().settings
        settings.tls = .prefer
        let one = try await TestDatabase.with(settings) { db in
            var n = 0
            for try await x in try await db.client.query("select 1", logger: TestDatabase.logger).decode(Int.self) { n = x }
            return n
        }
        #expect(one == 1)
        for mode in [DatabaseSettings.TLSMode.require, .verifyFull] {
            settings.tls = mode
            await #expect(throws: (any Error).self, "\(mode.rawValue) against a database without TLS") {
                try await TestDatabase.with(settings) { db in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { for try await _ in try await db.client.query("select 1", logger: TestDatabase.logger) {} }
                        // The pool retries a failed connection; a query that has not answered within 4 s has not
                        // connected either (the cluster is local).
                        group.addTask { try await Task.sleep(for: .seconds(4)); throw CancellationError() }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            }
        }
    }
}
