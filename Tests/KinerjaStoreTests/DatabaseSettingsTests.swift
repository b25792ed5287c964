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

    /// Found in review: a URL that did not parse was shown whole in the error, and one whose password holds `#`
    /// or `/` parsed with part of the password elsewhere, and showed that part. Neither shows any of it now.
    @Test(arguments: [
        ("postgres://app:s3cr/t#x@db.example/kinerja", "postgres://app:***@db.example/kinerja"),
        ("postgres://app:a b^c@db.example:5432/kinerja", "postgres://app:***@db.example:5432/kinerja"),
        ("postgres://app:p@ss@db.example/kinerja", "postgres://app:***@db.example/kinerja"),
        ("postgres://app:pw@db.example/kinerja", "postgres://app:***@db.example/kinerja"),
        ("postgres://app@db.example/kinerja", "postgres://app@db.example/kinerja"),
        ("not a url", "not a url"),
        ("postgres:/app:pw@db.example/kinerja", "postgres:***@db.example/kinerja"),
        ("app:pw@db.example/kinerja", "app:***@db.example/kinerja"),
    ])
    func aPasswordIsNeverShown(url: String, shown: String) throws {
        #expect(DatabaseSettings.redacted(url) == shown)
        let settings = DatabaseSettings(host: "db.example", port: 5432, database: "kinerja", username: "app", password: "s3cr/t#x")
        #expect(!"\(settings)".contains("s3cr") && !String(reflecting: settings).contains("s3cr"))
    }

    /// Found in review: a failed request's log line showed a database error whole, and its DETAIL holds the row it
    /// refused (`Key (nip)=(...)`, `Failing row contains (...)`: names, comments, a password hash). The line
    /// keeps the SQLSTATE, the message, the constraint and the statement's text, without the values.
    @Test func aDatabaseErrorIsLoggedWithoutTheRowItRefused() async throws {
        let value = "kata-rahasia-\(UUID().uuidString.prefix(6))"
        let error = try await TestDatabase.owner().client.withConnection { c -> PSQLError? in
            try await c.query("create temporary table refused_row (v text primary key)", logger: TestDatabase.logger)
            do {
                try await c.query("insert into refused_row values (\(value)), (\(value))", logger: TestDatabase.logger)
                return nil
            } catch let e as PSQLError {
                try await c.query("drop table refused_row", logger: TestDatabase.logger)
                return e
            }
        }
        let refused = try #require(error)
        #expect(String(reflecting: refused).contains(value), "the driver's own description shows the row")
        let line = StoreError.loggable(refused)
        #expect(!line.contains(value), "\(line)")
        #expect(line.contains("23505") && line.contains("refused_row_pkey") && line.contains("insert into refused_row"), "\(line)")
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
