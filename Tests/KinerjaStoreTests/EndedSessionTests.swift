import Foundation
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Synchronization
import Testing

/// A transaction whose database session ends under it (PostgreSQL restarting, an administrator's
/// pg_terminate_backend, idle_in_transaction_session_timeout) fails at once as a lost connection, commits nothing,
/// and leaves the pool serving. Ended between two statements, or after the work and before COMMIT, it waited for
/// good: the driver (PostgresNIO 1.33) sends nothing on a closed connection and never answers the statement.
/// Through PgBouncer the session's end arrives as its FATAL "server conn crashed?", which was answered 500.
@Suite(.serialized) struct EndedSessionTests {
    enum When: String, CaseIterable, Sendable {
        case duringAStatement, betweenTwoStatements, beforeTheCommit
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Ends a backend as the cluster's superuser, as an administrator would.
    static func terminate(_ pid: Int) async throws {
        let r = try await runProgram(root.appendingPathComponent("deploy/local/pg.sh").path,
                                     ["psql", "-d", "postgres", "-Atc", "select pg_terminate_backend(\(pid))"])
        #expect(r.status == 0 && r.out.hasPrefix("t"), "\(r.out) \(r.err)")
    }

    @Test(arguments: When.allCases) func aTransactionWhoseSessionEndsFailsAtOnce(when: When) async throws {
        let (city, _) = try await TestDatabase.city("ended-\(when.rawValue.prefix(8).lowercased())")
        let app = KinerjaDatabase(settings: try TestDatabase.settings().app, maximumConnections: 2, logger: TestDatabase.logger)
        let action = "test.ended.\(UUID().uuidString.prefix(8))"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await app.run() }
            defer { group.cancelAll() }
            let pid = Mutex<Int?>(nil)
            // Set once the backend is gone: the work goes on only then, whatever the machine's load.
            let ended = Mutex(false)
            @Sendable func waitForTheEnd() async throws {
                let deadline = ContinuousClock.now + .seconds(30)
                while !ended.withLock({ $0 }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                try await Task.sleep(for: .milliseconds(200))
            }
            let outcome = Mutex<Result<Int, any Error>?>(nil)
            // Unstructured, so that a transaction that never ends is reported, not waited for by the test.
            Task {
                do {
                    let n = try await app.withTenant(city.id) { tx in
                        try await tx.audit(actor: "t", action: action, subject: "")
                        let p = try await tx.int("select pg_backend_pid()")
                        pid.withLock { $0 = p }
                        switch when {
                        case .duringAStatement: try await tx.query("select pg_sleep(5)")
                        case .betweenTwoStatements:
                            try await waitForTheEnd()
                            try await tx.query("select 1")
                        case .beforeTheCommit: try await waitForTheEnd()
                        }
                        return p
                    }
                    outcome.withLock { $0 = .success(n) }
                } catch {
                    outcome.withLock { $0 = .failure(error) }
                }
            }
            while pid.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(20)) }
            let backend = try #require(pid.withLock { $0 })
            try await Self.terminate(backend)
            let admin = try await TestDatabase.admin()
            for _ in 0..<250 {
                let left = try await admin.statement("select count(*)::int from pg_stat_activity where pid = \(backend)") { rows in
                    var n = 0
                    for try await c in rows.decode(Int.self) { n = c }
                    return n
                }
                if left == 0 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            ended.withLock { $0 = true }

            let deadline = ContinuousClock.now + .seconds(20)
            while outcome.withLock({ $0 }) == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            let result = try #require(outcome.withLock { $0 }, "the transaction was never answered")
            switch result {
            case .success: Issue.record("the transaction committed though its session ended")
            case .failure(let error):
                let lost = StoreError.connectionLost(error) || { if case StoreError.unavailable = error { true } else { false } }()
                #expect(lost, "\(String(reflecting: error))")
            }
            // Nothing of it was kept, and the pool serves the next transaction.
            let kept = try await app.withTenant(city.id) { try await $0.int("select count(*)::int from audit_log where tenant_id = \(city.id.uuid) and action = \(action)") }
            #expect(kept == 0)
        }
    }
}
