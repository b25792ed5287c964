import Foundation
@testable import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Synchronization
import Testing

/// The lease timeout: a statement that gets no pooled connection in time fails with `unavailable` and runs
/// nothing; one that gets a connection in time runs as long as its work takes; the pool serves again after.
@Suite struct LeaseTimeoutTests {
    /// Leases `db`'s connection and keeps it until `release` yields; `holder` ends then. Returns once it is held
    /// (or the lease failed: `holder` then throws why).
    static func holdOne(_ db: KinerjaDatabase) async -> (release: AsyncStream<Void>.Continuation, holder: Task<Void, any Error>) {
        let (holding, release) = AsyncStream.makeStream(of: Void.self)
        let (held, signal) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            defer { signal.finish() }
            try await db.connection { _ in
                signal.yield()
                for await _ in holding { break }
            }
        }
        for await _ in held { break }
        return (release, holder)
    }

    @Test(.timeLimit(.minutes(1))) func aCallThatGetsNoConnectionInTimeFailsAndRunsNothing() async throws {
        // The settings alone, not the shared pools: nothing here needs the schema, and this test's time limit
        // must not run while the shared pools wait for the database.
        let settings = try TestDatabase.settings().app
        let db = KinerjaDatabase(settings: settings, maximumConnections: 1, leaseTimeout: .milliseconds(800), logger: TestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { pool in
            pool.addTask { await db.run() }
            defer { pool.cancelAll() }

            // The pool's one connection, opened first: opening it under a busy test run may itself take longer
            // than the timeout, which is not what this test is about.
            for attempt in 1...20 {
                do {
                    try await db.connection { conn in for try await _ in try await conn.query("select 1", logger: TestDatabase.logger) {} }
                    break
                } catch StoreError.unavailable where attempt < 20 {}
            }

            // Work that outlasts the timeout once it has its connection is not cut short.
            let slept = try await db.connection { conn in
                var out = ""
                for try await s in try await conn.query("select pg_sleep(1.2)::text", logger: TestDatabase.logger).decode(String.self) { out = s }
                return out
            }
            #expect(slept == "")

            // The one connection is held; two more calls (a statement and a transaction) wait for it in vain.
            let (release, holder) = await Self.holdOne(db)
            let busyPool = db.client
            let ran = Counter()
            let clock = ContinuousClock()
            for transaction in [false, true] {
                let start = clock.now
                await #expect {
                    if transaction {
                        try await db.withTenant(TenantID(UUID())) { _ in ran.add() }
                    } else {
                        try await db.connection { _ in ran.add() }
                    }
                } throws: { error in
                    guard case StoreError.unavailable(let message, let address) = error else { return false }
                    // The database's address is for the log and the CLI (the description); a caller of the API
                    // hears the message alone.
                    return message.contains("no database connection within") && !message.contains("postgres://")
                        && address == settings.redactedDescription && "\(error)" == "\(message) (\(settings.redactedDescription))"
                        && StoreError.publicDescription(error) == message
                }
                let waited = clock.now - start
                #expect(waited >= .milliseconds(800) && waited < .seconds(30), "waited \(waited)")
            }
            // A call whose task is cancelled while it waits (its client went away) is answered as such: not as a
            // database that has refused connections for a minute, which would also replace the pool. On a pool of
            // its own whose lease timeout is far off: in a loaded run the 200 ms sleep below once outlasted the
            // 0.8 s of `db`, whose timeout then answered first.
            let patient = KinerjaDatabase(settings: settings, maximumConnections: 1, leaseTimeout: .seconds(60), logger: TestDatabase.logger)
            pool.addTask { await patient.run() }
            let (patientRelease, patientHolder) = await Self.holdOne(patient)
            let patientPool = patient.client
            let leaving = Task { try await patient.connection { _ in ran.add() } }
            try await Task.sleep(for: .milliseconds(200))
            leaving.cancel()
            await #expect {
                try await leaving.value
            } throws: { error in
                guard case StoreError.unavailable(let message, _) = error else { return false }
                return message == "the work was cancelled while it waited for a database connection"
            }
            #expect(ran.value == 0)
            // A pool that timed out because its connection is busy can connect: it is kept, not replaced as one
            // that cannot connect is (a new pool is given 2 s to connect, and the database answers).
            for _ in 0..<30 where db.client === busyPool && patient.client === patientPool { try await Task.sleep(for: .milliseconds(100)) }
            #expect(db.client === busyPool, "a busy pool is kept")
            #expect(patient.client === patientPool, "a pool whose waiting call was cancelled is kept")
            patientRelease.yield()
            try await patientHolder.value

            // Released, the connection serves the next call at once.
            release.yield()
            try await holder.value
            let one = try await db.connection { conn in
                var n = 0
                for try await x in try await conn.query("select 1", logger: TestDatabase.logger).decode(Int.self) { n = x }
                return n
            }
            #expect(one == 1)
        }
    }
}

/// The lock decides between a deadline and a connection that arrive together: a task whose deadline was
/// passed first may not claim the connection (it sends nothing and times out); one that claimed it in time is
/// never cancelled afterwards, however long its work takes.
@Suite struct LeaseWatchTests {
    struct TimedOut: Error {}

    @Test(.timeLimit(.minutes(1))) func aClaimAfterTheDeadlineIsRefusedAndTimesOut() async throws {
        let watch = LeaseWatch()
        let claimed = Counter()
        let started = ContinuousClock.now
        let outcome = await Task {
            try await watch.watching(until: .now, timedOut: { TimedOut() }) { id in
                // A connection handed over just after the deadline, once the ticker has cancelled this task (which
                // ends the sleep; the ticker runs every 100 ms, later on a loaded machine).
                try? await Task.sleep(for: .seconds(30))
                guard watch.leased(id) else { throw CancellationError() }
                claimed.add()
                return 1
            }
        }.result
        #expect(claimed.value == 0)
        #expect(throws: TimedOut.self) { try outcome.get() }
        #expect(ContinuousClock.now - started < .seconds(10), "the ticker cancelled the task, not the sleep's end")
    }

    @Test(.timeLimit(.minutes(1))) func aClaimInTimeHoldsPastTheDeadline() async throws {
        let watch = LeaseWatch()
        let value = try await Task {
            try await watch.watching(until: .now + .milliseconds(200), timedOut: { TimedOut() }) { id in
                guard watch.leased(id) else { throw CancellationError() }
                // Cancelled, this sleep would throw.
                try await Task.sleep(for: .milliseconds(600))
                return 7
            }
        }.value
        #expect(value == 7)
    }
}

private final class Counter: Sendable {
    private let n = Mutex(0)
    func add() { n.withLock { $0 += 1 } }
    var value: Int { n.withLock { $0 } }
}

/// The suite's wait for its database: a database that takes no connection is tried again through a new pool
/// each time, and the wait ends with an error that says how long it tried and why; one that answers ends it at once.
@Suite struct UntilReachableTests {
    @Test(.timeLimit(.minutes(1))) func aDatabaseThatTakesNoConnectionIsTriedAgainThenNamed() async throws {
        var nowhere = try TestDatabase.settings().app
        let listener = try #require(LoopbackSocket.listening())
        defer { listener.close() }
        nowhere.port = listener.port
        let started = ContinuousClock.now
        await #expect {
            try await TestDatabase.untilReachable(nowhere, tries: 2, each: .milliseconds(700), logger: TestDatabase.logger)
        } throws: { error in
            guard case StoreError.unavailable(let message, _) = error else { return false }
            return message.contains("took no connection in 2 tries") && message.contains("no database connection within")
        }
        #expect(ContinuousClock.now - started >= .milliseconds(1400))

        let start = ContinuousClock.now
        try await TestDatabase.untilReachable(try TestDatabase.settings().app)
        #expect(ContinuousClock.now - start < .seconds(30))
    }
}
