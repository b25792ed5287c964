import Foundation
@testable import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// The pool's settings: no keep-alive timer and a short idle timeout. Each connection going back to the pool
/// arms a timer per setting, and a cancelled timer keeps its memory until it would have fired: with
/// PostgresNIO's defaults (keep-alive every 30 s, idle for 60 s) the server grew by ~5 MB a second under reads.
@Suite struct PoolSettingsTests {
    @Test func thePoolArmsNoKeepAliveAndClosesIdleConnectionsAfterTheIdleTimeout() throws {
        let settings = try TestDatabase.settings().app
        let config = KinerjaDatabase.poolConfiguration(settings: settings, maximumConnections: 7, statementTimeout: .seconds(30),
                                                       idleTimeout: KinerjaDatabase.defaultIdleTimeout)
        #expect(config.options.keepAliveBehavior == nil)
        #expect(config.options.connectionIdleTimeout == .seconds(10))
        #expect(config.options.minimumConnections == 0)
        #expect(config.options.maximumConnections == 7)
        #expect(config.options.additionalStartupParameters.map { "\($0.0)=\($0.1)" } == ["statement_timeout=30000"])
        // Up to PostgresNIO's keep-alive interval no keep-alive query could run; longer, it is back, every 30 s.
        for (idle, keepAlive) in [(30, nil), (31, Duration.seconds(30)), (600, Duration.seconds(30))] {
            let c = KinerjaDatabase.poolConfiguration(settings: settings, maximumConnections: 7, statementTimeout: nil,
                                                      idleTimeout: .seconds(idle))
            #expect(c.options.connectionIdleTimeout == .seconds(idle))
            #expect(c.options.keepAliveBehavior?.frequency == keepAlive, "idle \(idle) s")
            #expect(c.options.additionalStartupParameters.isEmpty)
        }
    }

    /// The idle timeout reaches the pool: a connection left unused for it is closed (its backend ends), and the
    /// next statement opens another. Not through PgBouncer, which keeps its server connections of its own.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KINERJA_TEST_THROUGH_PGBOUNCER"] != "1"), .timeLimit(.minutes(1))) func aConnectionLeftUnusedForTheIdleTimeoutIsClosed() async throws {
        let settings = try TestDatabase.settings().app
        let db = KinerjaDatabase(settings: settings, maximumConnections: 2, leaseTimeout: .seconds(20), idleTimeout: .seconds(1),
                                 logger: TestDatabase.logger)
        let observer = try await TestDatabase.app()
        func int(_ conn: PostgresConnection, _ query: PostgresQuery) async throws -> Int {
            for try await n in try await conn.query(query, logger: TestDatabase.logger).decode(Int.self) { return n }
            return 0
        }
        func alive(_ pid: Int) async throws -> Bool {
            try await observer.connection { try await int($0, "select count(*)::int from pg_stat_activity where pid = \(pid)") } == 1
        }
        try await withThrowingTaskGroup(of: Void.self) { pool in
            pool.addTask { await db.run() }
            defer { pool.cancelAll() }
            // Seen alive while still leased (the idle clock has not started), however busy the machine is.
            let (first, seen) = try await db.connection { conn in
                let pid = try await int(conn, "select pg_backend_pid()")
                return (pid, try await alive(pid))
            }
            #expect(seen)
            // PostgresNIO's default would keep it for 60 s; this pool closes it after about 1 s.
            let clock = ContinuousClock()
            let start = clock.now
            while try await alive(first), clock.now - start < .seconds(15) { try await Task.sleep(for: .milliseconds(200)) }
            #expect(try await !alive(first), "the backend of an idle connection still runs after 15 s")
            let second = try await db.connection { try await int($0, "select pg_backend_pid()") }
            #expect(second != first)
        }
    }
}
