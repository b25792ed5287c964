public import Foundation
public import Logging
public import PostgresNIO
import NIOSSL
import Synchronization
import _ConnectionPoolModule

/// The deadlines of the tasks waiting for a pooled connection, watched by one timer for all of them: a
/// waiter still waiting at its deadline is cancelled, which takes it out of the pool's queue. One timer a
/// tenth of a second, not one per statement: a timer per statement cost every request a task, a dispatch
/// timer and two thread switches.
final class LeaseWatch: Sendable {
    /// A waiting task, cancelled only while listed (it cannot end before it takes itself out).
    private struct Waiter: @unchecked Sendable {
        let deadline: ContinuousClock.Instant
        let task: UnsafeCurrentTask
    }
    private struct State {
        var waiters: [UInt64: Waiter] = [:]
        var expired: Set<UInt64> = []
        var next: UInt64 = 0
        var ticking = false
        var lastUse = ContinuousClock.now
    }
    private let state = Mutex(State())
    static let tick = Duration.milliseconds(100)
    /// The timer stops after this long without a waiter, and starts again with the next. Shorter than the
    /// audit seal's round (5 s), which leases a connection too: an idle server has no ticker most of the time.
    static let idle = Duration.seconds(1)

    /// Runs `operation` (which leases a connection, then calls `leased(_:)` with the id it is given before it
    /// sends anything) in the current task, which is cancelled if it has not called `leased` by `deadline`;
    /// that outcome throws `timedOut()` instead of the cancellation. Call it in a task of its own: the
    /// cancellation is the task's.
    func watching<R>(until deadline: ContinuousClock.Instant, timedOut: () -> any Error,
                     _ operation: (UInt64) async throws -> R) async throws -> R {
        guard let waiter = withUnsafeCurrentTask(body: { $0.map { Waiter(deadline: deadline, task: $0) } }) else {
            preconditionFailure("an async function always runs in a task")
        }
        let (id, start) = state.withLock { s -> (UInt64, Bool) in
            s.next += 1
            // The task stays alive while it is listed: it takes itself out (below) before it ends.
            s.waiters[s.next] = waiter
            s.lastUse = .now
            defer { s.ticking = true }
            return (s.next, !s.ticking)
        }
        if start { Task.detached { await self.tickUntilIdle() } }
        do {
            let result = try await operation(id)
            // `leased` said yes, so no deadline cancelled this work: what committed is answered as committed.
            state.withLock { s in
                s.waiters.removeValue(forKey: id)
                s.expired.remove(id)
            }
            return result
        } catch {
            let late = state.withLock { s in
                s.waiters.removeValue(forKey: id)
                return s.expired.remove(id) != nil
            }
            throw late ? timedOut() : error
        }
    }

    /// Whether the connection came in time; if so, the deadline no longer applies. False when the deadline
    /// passed first (the task is cancelled): the caller must then send nothing. Deciding under the lock closes
    /// the gap between the pool handing over a connection and the task taking itself off the list, in which a
    /// statement that ran and committed would have been answered as a timeout.
    func leased(_ id: UInt64) -> Bool {
        state.withLock { s in s.waiters.removeValue(forKey: id) != nil }
    }

    private func tickUntilIdle() async {
        while true {
            try? await Task.sleep(for: Self.tick)
            let now = ContinuousClock.now
            let stop = state.withLock { s -> Bool in
                for (id, w) in s.waiters where w.deadline <= now {
                    s.waiters.removeValue(forKey: id)
                    s.expired.insert(id)
                    // Runs the pool's cancellation handler under this lock: it must never call back in here.
                    w.task.cancel()
                }
                if s.waiters.isEmpty, now - s.lastUse > Self.idle {
                    s.ticking = false
                    return true
                }
                return false
            }
            if stop { return }
        }
    }
}

/// A value handed to a child task that the parent awaits before it goes on: never used by two tasks at once.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A city's id: the uuid every tenant row carries in `tenant_id`.
public struct TenantID: Hashable, Sendable, CustomStringConvertible {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
    public var description: String { uuid.uuidString.lowercased() }
}

/// One PostgresNIO pool and its end: ``serve()`` runs it until ``retire(after:)`` (then for the grace given)
/// or until the task is cancelled.
final class PoolGeneration: Sendable {
    let client: PostgresClient
    private let retirement = AsyncStream<Duration>.makeStream(bufferingPolicy: .bufferingNewest(1))

    init(_ client: PostgresClient) { self.client = client }

    func serve() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            var grace: Duration?
            for await g in retirement.stream {
                grace = g
                break
            }
            if let grace, grace > .zero { try? await Task.sleep(for: grace) }
            // Cancelling the pool closes its connections and fails its waiting leases.
            group.cancelAll()
        }
    }

    func retire(after grace: Duration) {
        retirement.continuation.yield(grace)
        retirement.continuation.finish()
    }

    /// Whether the pool leases a connection and runs `select 1` within `wait`. If not, the pool is retired at
    /// once, which also ends a lease still waiting. Decided once, under a lock: a pool that answered is never
    /// retired here, and one retired here is never said to answer.
    func answers(within wait: Duration, logger: Logger) async -> Bool {
        final class Outcome: Sendable { let decided = Mutex<Bool?>(nil) }
        let outcome = Outcome()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let answered: Bool
                do {
                    try await self.client.withConnection { conn in _ = try await conn.query("select 1", logger: logger) }
                    answered = true
                } catch {
                    answered = false
                }
                outcome.decided.withLock { if $0 == nil { $0 = answered } }
            }
            group.addTask {
                try? await Task.sleep(for: wait)
                let late = outcome.decided.withLock { decided -> Bool in
                    guard decided == nil else { return false }
                    decided = false
                    return true
                }
                if late { self.retire(after: .zero) }
            }
            await group.next()
            group.cancelAll()
        }
        return outcome.decided.withLock { $0 } == true
    }
}

/// The pooled connection to PostgreSQL as the application role. Tenant rows are reached only through
/// ``withTenant(_:_:)``; platform work (cities, key look-up) only through ``platform``.
public final class KinerjaDatabase: Sendable {
    /// The pool in use: the first, or the one that replaced a pool that could not connect (see ``run()``).
    private let pool: Mutex<PoolGeneration>
    /// The pool's connection pool, as ``pool`` has it now. Lease through ``transaction(_:)`` or ``connection(_:)``,
    /// which tell ``run()`` when the pool cannot connect.
    public var client: PostgresClient { current.client }
    /// The pool in use now.
    private var current: PoolGeneration { pool.withLock { $0 } }
    private let configuration: PostgresClient.Configuration
    /// The pools whose leases failed for want of a connection (``poolCannotConnect(_:)``), for ``run()``.
    private let cannotConnect = AsyncStream<PoolGeneration>.makeStream(bufferingPolicy: .bufferingNewest(1))
    /// Connections leased through this type now, in every pool: a lease that timed out while none was leased
    /// found a pool that cannot connect, not one that is busy.
    private let leasedNow = Atomic(0)
    public let settings: DatabaseSettings
    public let logger: Logger
    /// How long a transaction may wait for a connection before it fails with ``StoreError/unavailable(_:address:)``;
    /// nil waits as long as the pool does (it keeps retrying a database that is down for a minute). The time
    /// the work itself takes once connected is not limited here.
    public let leaseTimeout: Duration?
    /// Group commit for realisasi reports: small batches (not all-or-nothing) of one city and actor that arrive
    /// while others run share one call of `realisasi_report`, checked and written set-based as any batch of more
    /// than one is (migration 0035); nothing of a shared call that fails is committed.
    ///
    /// One call at a time per city and actor. Measured with 8 clients writing one item each on this 2-core
    /// machine: 2 gave 1,175-1,363 writes/s, 1 gave 1,133, 4 and 8 (no grouping under that load) 974-1,034.
    /// Again with batches written set-based (migration 0035), two runs each: 2 gave 1,453-1,679, 1 gave
    /// 1,291-1,450, 3 gave 1,476-1,561, 4 gave 1,193-1,235. Again with each item's rows looked up by key
    /// (migration 0038), on a slower hour, two 10 s runs each: 2 gave 1,259-1,563, 1 gave 1,065-1,771, 3 gave
    /// 1,307-1,409, 4 gave 1,057-1,077. Once the employee reads were grouped too (migration 0039), three
    /// rounds of 6 s, alternated: 1 gave 1,777, 1,829 and 2,147 writes/s at 593-724 µs of machine per write,
    /// 2 gave 1,662, 1,841 and 1,891 at 811-905 µs; 1 was ahead in every round, so 1.
    /// A row reported twice at once goes in two calls, one after the other (``CallGroups``' `key`): load.sh's
    /// two wrk threads send the same rows at the same moments, and a third of the shared calls held a row
    /// twice and went item by item. Kept apart, 8 clients wrote 2,410-2,641/s (2,112 before) and 32 wrote
    /// 3,824-4,372/s (2,588-2,626). Measured again then, three rounds of 8 s alternated: 2 in flight gave
    /// 1,987-2,351/s at 8 clients and 3,581-4,389/s at 32, against 1's 2,017-2,614 and 3,824-4,263; so 1.
    let realisasiGroups = CallGroups<RealisasiLine, RealisasiItem, RealisasiCall.Outcome>(
        maximumInFlight: 1, maximumItems: 64, key: RealisasiCall.rowKey)
    /// Reads of one employee (``employee(tenant:nip:within:)``) of one city that arrive while another runs share
    /// one call of `employee_read_many` (migration 0039). One call at a time per city: with 8 clients reading,
    /// 1 gave 5,382-5,459 reads/s at 302-305 µs of machine per read, 2 gave 5,186-5,321 at 342-344 µs (the
    /// reads one at a time, before: 3,212-4,133 at 456-613 µs). Measured since, in rounds of 6 s alternated
    /// with this build: a lock that hands the next call to a waiting request, in place of this actor and a task
    /// per call, gave 4,756-5,182 reads/s against 5,063-5,233 (four rounds), so it is not used; 16 at a time
    /// (no grouping) gave 3,449-3,646 at 503-530 µs against 4,944-5,114 at 305-323 µs (three rounds).
    let employeeReads = CallGroups<TenantID, EmployeeReadItem, Employee?>(maximumInFlight: 1, maximumItems: 64)
    let leaseWatch = LeaseWatch()
    /// Set when the database refused a prepared statement (a pooler in transaction mode): none are used after.
    let preparedStatementsRefused = Atomic(false)

    /// `statementTimeout`: any statement running longer is stopped by PostgreSQL (SQLSTATE 57014), set once per
    /// connection at its start (behind PgBouncer, which does not pass it on, the role's own default applies).
    /// `idleTimeout`: a connection nobody leased for this long is closed (see ``poolConfiguration``).
    public init(settings: DatabaseSettings, maximumConnections: Int = 20, leaseTimeout: Duration? = nil,
                statementTimeout: Duration? = nil, idleTimeout: Duration = defaultIdleTimeout, logger: Logger) {
        self.leaseTimeout = leaseTimeout
        let config = Self.poolConfiguration(settings: settings, maximumConnections: maximumConnections,
                                            statementTimeout: statementTimeout, idleTimeout: idleTimeout)
        self.configuration = config
        self.pool = Mutex(PoolGeneration(PostgresClient(configuration: config, backgroundLogger: logger)))
        self.settings = settings
        self.logger = logger
    }

    public static let defaultIdleTimeout = Duration.seconds(10)
    /// PostgresNIO's keep-alive interval; with an idle timeout below it, no keep-alive query could ever run.
    static let keepAliveInterval = Duration.seconds(30)

    /// The pool's settings. Every time a connection goes back to the pool with nobody waiting, PostgresNIO's
    /// pool arms a timer for the idle timeout and one for the keep-alive, and cancels them at the next lease. A
    /// cancelled timer keeps its memory (a task and a dispatch timer, about 0.7 kB) until the moment it would
    /// have fired, so under load the server held 60 s worth of them: 231 MB after 45 s of reads, still rising,
    /// against a plateau of 73 MB with no keep-alive and a 10 s idle timeout. So: a short idle timeout, and
    /// no keep-alive while the idle timeout is shorter than its interval (a connection is closed before its
    /// first keep-alive query would run, and long before a firewall drops an idle connection). A longer idle
    /// timeout gets the keep-alive back, so that a connection a firewall dropped silently is found out by the
    /// keep-alive rather than by the next request. No minimum: above 0, PostgresNIO 1.33.2's pool stops the
    /// process on a precondition when the database comes back under load.
    static func poolConfiguration(settings: DatabaseSettings, maximumConnections: Int, statementTimeout: Duration?,
                                  idleTimeout: Duration) -> PostgresClient.Configuration {
        var config = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username,
            password: settings.password, database: settings.database, tls: Self.tls(settings)
        )
        config.options.maximumConnections = maximumConnections
        config.options.minimumConnections = 0
        config.options.connectionIdleTimeout = idleTimeout
        config.options.keepAliveBehavior = idleTimeout > keepAliveInterval ? .init(frequency: keepAliveInterval) : nil
        if let statementTimeout {
            config.options.additionalStartupParameters = [("statement_timeout", "\(statementTimeout.components.seconds * 1000)")]
        }
        return config
    }

    /// The TLS of `settings.tls`, as libpq does it: `prefer` and `require` encrypt without checking the
    /// certificate, `verify-ca` checks who signed it, `verify-full` also that it names the host.
    static func tls(_ settings: DatabaseSettings) -> PostgresClient.Configuration.TLS {
        var config = TLSConfiguration.makeClientConfiguration()
        if let root = settings.rootCertificate { config.trustRoots = .file(root) }
        switch settings.tls {
        case .disable: return .disable
        case .prefer, .require:
            config.certificateVerification = .none
            return settings.tls == .prefer ? .prefer(config) : .require(config)
        case .verifyCA:
            config.certificateVerification = .noHostnameVerification
            return .require(config)
        case .verifyFull:
            return .require(config)
        }
    }

    /// Runs the connection pool until the task is cancelled. Call it in a task group or as a service.
    ///
    /// A pool that cannot connect is replaced once the database answers. PostgresNIO's pool waits longer after
    /// each failed attempt to connect, up to a minute (100 ms x 1.25^n), and after a minute of failures its
    /// circuit breaker fails every lease at once until an attempt succeeds: with the database back, the server
    /// answered 503 for up to a minute more. So when a lease finds the pool unable to connect (the breaker's
    /// error, or a lease timeout while no connection is leased, which a busy pool always has), a new pool is
    /// tried after each ``renewalPause(afterTries:)`` plus at most ``renewalWait``, and takes over as soon
    /// as it has a connection. The old pool serves no new lease; what it has leased finishes within
    /// ``retirementGrace``, after which it is closed.
    ///
    /// The first pool runs in this task, as it did alone: PostgresNIO warns of a lease asked before its pool's
    /// `run()` has begun, and the server checks its role as it starts, so a pool started a few tasks later logged
    /// that warning at every start. It is therefore never closed early: once replaced, it holds no connection
    /// after its idle timeout, and ends with the server. An outage under the pool that replaced it replaces
    /// that one, which is closed.
    ///
    /// It ends with the service group's graceful shutdown (each pool's `run()` sees it) or when the task is
    /// cancelled.
    public func run() async {
        let first = current
        await withDiscardingTaskGroup { group in
            group.addTask { await self.replaceWhileUnableToConnect() }
            await first.client.run()
            group.cancelAll()
        }
    }

    /// Hears of pools that cannot connect (``poolCannotConnect(_:)``) and replaces the one in use, until the task
    /// is cancelled; the new pools run in this task's group.
    private func replaceWhileUnableToConnect() async {
        await withDiscardingTaskGroup { group in
            for await failing in cannotConnect.stream where failing === current {
                await renew(in: &group)
            }
            group.cancelAll()
        }
    }

    /// How long a new pool has to lease a connection (it tries to connect about 9 times in 2 s), and the pause
    /// before the next new pool: half a second, doubled each time up to 5 s, so that a database refusing the
    /// server's credentials sees about one attempt a second, not a steady stream.
    static let renewalWait = Duration.seconds(2)
    static func renewalPause(afterTries tries: Int) -> Duration {
        min(.milliseconds(500) * (1 << min(tries - 1, 4)), .seconds(5))
    }
    /// How long a replaced pool's leased connections have to finish before the pool is closed.
    static let retirementGrace = Duration.seconds(60)

    /// Tells ``run()`` that `generation` could not give a connection because it cannot connect.
    private func poolCannotConnect(_ generation: PoolGeneration) {
        cannotConnect.continuation.yield(generation)
    }

    /// Tries new pools until one leases a connection (it then replaces the one in use) or the task is cancelled.
    private func renew(in group: inout DiscardingTaskGroup) async {
        logger.notice("the database pool cannot connect: a new pool is tried until the database answers",
                      metadata: ["database": "\(settings.redactedDescription)"])
        // The pool's own lines: each failed attempt to connect (info), and a lease asked before its `run()` has
        // begun (warning), as the probe's often is. A new pool's attempts are the probe, said here; the pool
        // that takes over keeps this logger, so later outages are said by these two notices alone.
        var quiet = logger
        if quiet.logLevel > .debug { quiet.logLevel = max(quiet.logLevel, .error) }
        let started = ContinuousClock.now
        var tries = 0
        while !Task.isCancelled {
            tries += 1
            let candidate = PoolGeneration(PostgresClient(configuration: configuration, backgroundLogger: quiet))
            group.addTask { await candidate.serve() }
            if await candidate.answers(within: Self.renewalWait, logger: quiet) {
                let old = pool.withLock { current in
                    defer { current = candidate }
                    return current
                }
                old.retire(after: Self.retirementGrace)
                logger.notice("the database answers again: a new pool serves in place of the one that could not connect",
                              metadata: ["database": "\(settings.redactedDescription)", "tries": "\(tries)",
                                         "after": "\(ContinuousClock.now - started)"])
                return
            }
            candidate.retire(after: .zero)
            try? await Task.sleep(for: Self.renewalPause(afterTries: tries))
        }
    }

    /// `generation`'s client leasing a connection for `body`, counted in ``leasedNow`` from the lease until the
    /// connection is back in the pool (so a waiter never finds none leased while one is on its way back).
    private func leasing<R: Sendable>(_ generation: PoolGeneration,
                                      _ body: (PostgresConnection) async throws -> R) async throws -> R {
        var counted = false
        defer { if counted { leasedNow.subtract(1, ordering: .relaxed) } }
        return try await generation.client.withConnection { conn in
            leasedNow.add(1, ordering: .relaxed)
            counted = true
            return try await body(conn)
        }
    }

    /// Runs `body` in one transaction whose first statement sets the tenant transaction-locally, so
    /// row-level security admits that city's rows only and a pooled connection carries nothing onward. Its value
    /// is the body's, which a caller that only writes may leave.
    @discardableResult
    public func withTenant<R: Sendable>(
        _ tenant: TenantID, _ body: (TenantTransaction) async throws -> R
    ) async throws -> R {
        try await transaction { connection in
            try await connection.checkedQuery(
                "select set_config('kinerja.tenant_id', \(tenant.description), true)", logger: logger)
            return try await body(TenantTransaction(connection: connection, tenant: tenant, logger: logger))
        }
    }

    /// A transaction (``inTransaction(_:logger:isolation:_:)``) whose errors come out as thrown inside it, within
    /// the ``leaseTimeout`` for its connection.
    func transaction<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        let generation = current
        do {
            guard let leaseTimeout else {
                return try await leasing(generation) { conn in try await Self.inTransaction(conn, logger: logger) { try await body($0) } }
            }
            return try await withLeaseTimeout(leaseTimeout, generation, transaction: true, body)
        } catch {
            let inner = StoreError.innermost(error)
            guard Self.poolGaveUp(inner) else { throw poolError(inner) ?? inner }
            poolCannotConnect(generation)
            throw poolGaveUpError
        }
    }

    /// One connection without a transaction (a single statement, such as a credential look-up), within the
    /// same ``leaseTimeout``: with the database down, the caller hears so in that time instead of waiting.
    public func connection<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        let generation = current
        do {
            guard let leaseTimeout else { return try await leasing(generation, body) }
            return try await withLeaseTimeout(leaseTimeout, generation, transaction: false, body)
        } catch where Self.poolGaveUp(error) {
            poolCannotConnect(generation)
            throw poolGaveUpError
        } catch {
            throw poolError(error) ?? error
        }
    }

    /// One statement through ``connection(_:)`` (so within the ``leaseTimeout``), its rows read by `read` before
    /// the connection goes back to the pool.
    public func statement<R: Sendable>(_ query: PostgresQuery,
                                       _ read: (PostgresRowSequence) async throws -> R) async throws -> R {
        try await connection { conn in try await read(try await conn.checkedQuery(query, logger: logger)) }
    }

    /// `BEGIN`, `body`, then `COMMIT`; `ROLLBACK` when `body` throws. As PostgresNIO's `withTransaction`, but nothing
    /// is sent on a connection that has closed (see ``PostgresConnection/checkedQuery(_:logger:)``): a transaction
    /// whose backend ended between two statements fails at once instead of waiting for good. A rollback that fails
    /// on a connection still open closes it, so that the pool never hands on a connection inside a transaction.
    static func inTransaction<R>(_ conn: PostgresConnection, logger: Logger, isolation: isolated (any Actor)? = #isolation,
                                 _ body: (PostgresConnection) async throws -> sending R) async throws -> sending R {
        try await conn.checkedQuery("BEGIN", logger: logger)
        let value: R
        do {
            value = try await body(conn)
        } catch {
            if !conn.isClosed {
                do {
                    try await conn.checkedQuery("ROLLBACK", logger: logger)
                } catch let rollback {
                    logger.error("the rollback failed: the connection is closed", metadata: [
                        "error": "\(StoreError.loggable(rollback))", "cause": "\(StoreError.loggable(error))"])
                    try? await conn.close()
                }
            }
            throw error
        }
        try await conn.checkedQuery("COMMIT", logger: logger)
        return value
    }

    /// ``inTransaction(_:logger:isolation:_:)`` on a connection of `client`'s pool.
    static func inTransaction<R: Sendable>(_ client: PostgresClient, logger: Logger,
                                           _ body: (PostgresConnection) async throws -> R) async throws -> R {
        try await client.withConnection { conn in try await inTransaction(conn, logger: logger) { try await body($0) } }
    }

    /// The pool's circuit breaker: after a minute of failed connection attempts it fails every lease at once
    /// with its own `ConnectionPoolError`, until a connection succeeds again. That is the database being
    /// unreachable.
    static func poolGaveUp(_ error: any Error) -> Bool {
        (error as? ConnectionPoolError) == .connectionCreationCircuitBreakerTripped
    }

    /// The pool's two other errors, which PostgresNIO 1.33 also passes on as they are: a lease whose task was
    /// cancelled while it waited (its caller went away), and one asked of a pool that has closed (the server
    /// stopping). Neither says anything of the database.
    func poolError(_ error: any Error) -> StoreError? {
        switch error as? ConnectionPoolError {
        case .requestCancelled?:
            .unavailable("the work was cancelled while it waited for a database connection", address: settings.redactedDescription)
        case .poolShutdown?:
            .unavailable("the database connection pool has closed: the server is stopping", address: settings.redactedDescription)
        default: nil
        }
    }

    private var poolGaveUpError: StoreError {
        .unavailable("the database has not accepted a connection for a minute or more: it is down or unreachable",
                     address: settings.redactedDescription)
    }

    /// Runs the transaction in a child task, which ``LeaseWatch`` cancels if no connection was leased in time
    /// (cancelling the child leaves the pool's queue). The parent waits for the child before it returns, so
    /// `body` and what it captures are never used by two tasks at once.
    private func withLeaseTimeout<R: Sendable>(_ timeout: Duration, _ generation: PoolGeneration, transaction: Bool,
                                               _ body: (PostgresConnection) async throws -> R) async throws -> R {
        let deadline = ContinuousClock.now + timeout
        return try await withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            return try await withThrowingTaskGroup(of: R.self) { group in
                group.addTask {
                    try await self.leaseWatch.watching(until: deadline, timedOut: {
                        // With none leased, the pool is not busy: it cannot connect.
                        if self.leasedNow.load(ordering: .relaxed) == 0 { self.poolCannotConnect(generation) }
                        return StoreError.unavailable("no database connection within \(timeout): the database is down, restarting, or every connection is busy",
                                                      address: self.settings.redactedDescription)
                    }) { id in
                        // Claimed before anything is sent, BEGIN included.
                        try await self.leasing(generation) { conn in
                            guard self.leaseWatch.leased(id) else { throw CancellationError() }
                            guard transaction else { return try await work.value(conn) }
                            return try await Self.inTransaction(conn, logger: self.logger) { conn in try await work.value(conn) }
                        }
                    }
                }
                return try await group.next()!
            }
        }
    }


    /// Why this connection must not serve tenant traffic: a superuser, a role that bypasses row-level
    /// security, or one that owns tables would see every city. Empty when the role is safe. Within the
    /// ``leaseTimeout``: a database that does not answer is an error, never an empty list.
    public func roleProblems() async throws -> [String] {
        try await statement("""
            select current_user::text, r.rolsuper, r.rolbypassrls,
                   (select count(*) from pg_class c where c.relowner = r.oid and c.relkind in ('r', 'p'))
            from pg_roles r where r.rolname = current_user
            """) { rows in
            var problems: [String] = []
            for try await (name, superuser, bypass, owned) in rows.decode((String, Bool, Bool, Int).self) {
                if superuser { problems.append("database role '\(name)' is a superuser") }
                if bypass { problems.append("database role '\(name)' bypasses row-level security") }
                if owned > 0 { problems.append("database role '\(name)' owns \(owned) table(s), so row-level security does not bind it") }
            }
            return problems
        }
    }

    /// Cross-city work through the audited platform functions.
    public var platform: PlatformStore { PlatformStore(database: self) }

    /// Applied and pending migrations, as seen by the application role.
    public func migrationState() async throws -> MigrationReport {
        try await connection { conn in try await Migrator.report(connection: conn, logger: logger) }
    }
}

/// One transaction bound to one city. Every repository call goes through it and every query it runs
/// still names `tenant_id` (index use, and routing when tables are distributed).
public struct TenantTransaction: Sendable {
    public let connection: PostgresConnection
    public let tenant: TenantID
    public let logger: Logger

    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connection.checkedQuery(query, logger: logger)
    }

    /// Appends to the audit log in this transaction.
    public func audit(actor: String, action: String, subject: String, detail: [String: String] = [:]) async throws {
        let json = String(data: try JSONEncoder().encode(detail), encoding: .utf8) ?? "{}"
        try await query("""
            insert into audit_log (tenant_id, actor, action, subject, detail)
            values (\(tenant.uuid), \(actor), \(action), \(subject), \(json)::jsonb)
            """)
    }
}

extension PostgresConnection {
    /// What a statement on a connection that has closed throws: the database restarted, an administrator ended the
    /// session, or `idle_in_transaction_session_timeout` did, between two statements of a transaction; nothing of
    /// the transaction was committed. The API answers it 503 database_unavailable, as the outage itself.
    static var closedUnderTransaction: StoreError {
        .unavailable("the database closed the connection during the work (it restarted, or the session was ended): nothing of it was committed")
    }

    /// Refuses at once on a connection that has closed. PostgresNIO (1.33) hands a statement on a closed connection
    /// to a pipeline whose handlers are gone, and its answer never comes: the caller, and the request with it,
    /// waited for good (its own fix, vapor/postgres-nio#487, was reverted in #501).
    func requireOpen() throws {
        if isClosed { throw Self.closedUnderTransaction }
    }

    /// `query`, on a connection still open (``requireOpen()``).
    @discardableResult
    func checkedQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try requireOpen()
        return try await self.query(query, logger: logger)
    }
}
