public import Foundation
public import KinerjaCore
public import KinerjaStore
public import Logging
public import PostgresNIO

/// The test database: `kinerja_test` in the private cluster of `deploy/local` (or the databases named by
/// KINERJA_TEST_DATABASE_URL and KINERJA_TEST_OWNER_DATABASE_URL), migrated once per test process. Each
/// test makes its own cities, so tests run in any order and in parallel.
public enum TestDatabase {
    public static let logger: Logger = {
        var l = Logger(label: "kinerja-tests")
        l.logLevel = .error
        return l
    }()

    /// The shared pools' logger, at info: PostgresNIO's "Connection creation failed" (info) comes with its error.
    /// Those pools never meet a database that is down on purpose, so any such line in a test run's output is the
    /// cause of what fails after it (a pool fails every lease once it could not connect for a minute). It also
    /// lets the store's notices and warnings through (behind PgBouncer, the one about prepared statements).
    public static let sharedPoolLogger: Logger = {
        var l = Logger(label: "kinerja-tests-shared-pool")
        l.logLevel = .info
        return l
    }()

    public static func settings() throws -> (app: DatabaseSettings, admin: DatabaseSettings, owner: DatabaseSettings) {
        let env = ProcessInfo.processInfo.environment
        if let app = env["KINERJA_TEST_DATABASE_URL"], let admin = env["KINERJA_TEST_ADMIN_DATABASE_URL"],
           let owner = env["KINERJA_TEST_OWNER_DATABASE_URL"] {
            return (try DatabaseSettings(url: app), try DatabaseSettings(url: admin), try DatabaseSettings(url: owner))
        }
        guard let local = LocalCluster.find() else {
            throw StoreError.configuration("no test database: run 'make db-start' (or 'make test'), or set KINERJA_TEST_DATABASE_URL, KINERJA_TEST_ADMIN_DATABASE_URL and KINERJA_TEST_OWNER_DATABASE_URL")
        }
        return (local.app.with(database: "kinerja_test"), local.admin.with(database: "kinerja_test"),
                local.owner.with(database: "kinerja_test"))
    }

    /// The shared pools' `statement_timeout` (behind PgBouncer, which does not pass it on, none).
    public static let sharedStatementTimeout = Duration.seconds(300)

    private actor Shared {
        var task: Task<(KinerjaDatabase, KinerjaDatabase, KinerjaDatabase), any Error>?
        func get() async throws -> (KinerjaDatabase, KinerjaDatabase, KinerjaDatabase) {
            if let task { return try await task.value }
            let t = Task { () throws -> (KinerjaDatabase, KinerjaDatabase, KinerjaDatabase) in
                let s = try TestDatabase.settings()
                try await TestDatabase.untilReachable(s.owner)
                // No statement of the suite takes minutes: one waiting that long waits on a lock nobody will free
                // (a transaction a test left open), and fails, naming itself, rather than stopping the suite.
                let limit = TestDatabase.sharedStatementTimeout
                let owner = KinerjaDatabase(settings: s.owner, maximumConnections: 8, statementTimeout: limit, logger: TestDatabase.sharedPoolLogger)
                let app = KinerjaDatabase(settings: s.app, maximumConnections: 12, statementTimeout: limit, logger: TestDatabase.sharedPoolLogger)
                let admin = KinerjaDatabase(settings: s.admin, maximumConnections: 12, statementTimeout: limit, logger: TestDatabase.sharedPoolLogger)
                Task.detached { await owner.run() }
                Task.detached { await app.run() }
                Task.detached { await admin.run() }
                // Another test process may be migrating the same database: take turns.
                try await owner.client.withConnection { conn in
                    // A select's effect is certain only once its rows are read.
                    for try await _ in try await conn.query("select pg_advisory_lock(724001)", logger: TestDatabase.logger) {}
                    do {
                        try await Migrator.migrate(client: owner.client, logger: TestDatabase.logger)
                    } catch {
                        for try await _ in try await conn.query("select pg_advisory_unlock(724001)", logger: TestDatabase.logger) {}
                        throw error
                    }
                    for try await _ in try await conn.query("select pg_advisory_unlock(724001)", logger: TestDatabase.logger) {}
                }
                return (app, admin, owner)
            }
            task = t
            return try await t.value
        }
    }
    private static let shared = Shared()

    /// Waits, up to about three minutes, until the database takes a connection, each try through a pool of its
    /// own that is then shut down. Once, in a fresh clone's run (a new cluster, two more being made for the
    /// read replica tests, every suite starting at once), the shared owner pool opened no connection for over a
    /// minute: its circuit breaker then failed the migration, and with it every test of the run. A pool that has
    /// failed to connect for a minute fails every lease until it connects again; a new pool starts afresh.
    /// Each failed try is written to standard error with its error, as is the wait when it ends. `logger`: the
    /// probe pools' (by default the shared pools', which logs each failed connection with its error).
    public static func untilReachable(_ settings: DatabaseSettings, tries: Int = 4, each: Duration = .seconds(45),
                                      logger: Logger = sharedPoolLogger) async throws {
        let started = ContinuousClock.now
        var last = ""
        for attempt in 1...tries {
            let probe = KinerjaDatabase(settings: settings, maximumConnections: 1, leaseTimeout: each, logger: logger)
            let running = Task.detached { await probe.run() }
            do {
                _ = try await probe.statement("select 1") { rows in for try await _ in rows {} }
                running.cancel()
                if attempt > 1 {
                    FileHandle.standardError.write(Data("kinerja-tests: waiting for the database: try \(attempt) connected, after \(ContinuousClock.now - started) (\(settings.redactedDescription))\n".utf8))
                }
                return
            } catch {
                running.cancel()
                last = StoreError.describe(error)
                FileHandle.standardError.write(Data("kinerja-tests: waiting for the database: try \(attempt) of \(tries) failed, after \(ContinuousClock.now - started): \(last)\n".utf8))
            }
        }
        throw StoreError.unavailable("the database took no connection in \(tries) tries over \(ContinuousClock.now - started): \(last)",
                                     address: settings.redactedDescription)
    }

    /// The server's role (kinerja_app), migrated.
    public static func app() async throws -> KinerjaDatabase { try await shared.get().0 }
    /// The CLI's role (kinerja_admin): tenant work and the platform functions.
    public static func admin() async throws -> KinerjaDatabase { try await shared.get().1 }
    /// The owner role (for checks the other roles must not be able to do).
    public static func owner() async throws -> KinerjaDatabase { try await shared.get().2 }

    /// A NIP of `other`'s that `mine` does not hold: two generated cities can share a NIP (it is a birth date, an
    /// appointment date, a gender and a serial), and such a number is each city's own.
    public static func stranger(in other: DemoPopulation, to mine: DemoPopulation) -> String {
        let own = Set(mine.people.map(\.nip))
        guard let p = other.people.first(where: { !own.contains($0.nip) }) else { fatalError("every NIP of the other city is also this one's") }
        return p.nip
    }

    /// Waits until a session waits on a lock that the session `pid` holds: a request to be caught in flight is,
    /// then, surely there (a fixed sleep was not, on a busy machine). Gives up after a minute.
    public static func untilBlocked(by pid: Int) async throws {
        let owner = try await owner()
        for _ in 0..<1_200 {
            for try await n in try await owner.client.query(
                "select count(*)::int from pg_stat_activity where \(pid) = any(pg_blocking_pids(pid))", logger: logger).decode(Int.self) {
                if n > 0 { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StoreError.state("no session waited on the locks of session \(pid) within a minute")
    }

    /// A new city with a unique code and a small demo population.
    public static func city(_ label: String, employees: Int = DemoPopulation.minimumEmployees, seed: UInt64 = 7,
                            profile: TenantProfile? = nil) async throws -> (Tenant, DemoPopulation) {
        let db = try await admin()
        let code = "t-\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        let tenant = try await db.platform.onboard(code: code, name: "Kota \(label)", adapter: "nasional",
                                                   profile: try profile ?? NationalAdapter().effectiveProfile(), actor: "tests")
        let population = DemoPopulation(city: code, employees: employees, seed: seed)
        try await db.withTenant(tenant.id) { try await $0.seed(population, actor: "tests") }
        return (tenant, population)
    }

    /// An empty database owned by the owner role, dropped by `drop(_:)`. Both roles reach it straight, where
    /// the owner does: a pooler in front of the suite (deploy/local/pgbouncer.sh) would keep its server
    /// connections to it open, and PostgreSQL refuses to drop a database in use.
    public static func emptyDatabase() async throws -> (name: String, app: DatabaseSettings, owner: DatabaseSettings) {
        let s = try settings()
        let name = "kinerja_t_\(UUID().uuidString.prefix(8).lowercased())"
        try await owner().client.query(PostgresQuery(unsafeSQL: "create database \(name)"), logger: logger)
        var app = s.app.with(database: name)
        (app.host, app.port) = (s.owner.host, s.owner.port)
        return (name, app, s.owner.with(database: name))
    }

    /// Drops a database made by ``emptyDatabase()``, waiting for closing pools to let go of it (the owner
    /// may not end other roles' sessions, so `WITH (FORCE)` is no help).
    public static func drop(_ name: String) async throws {
        for attempt in 1...50 {
            do {
                try await owner().client.query(PostgresQuery(unsafeSQL: "drop database if exists \(name)"), logger: logger)
                return
            } catch where StoreError.sqlState(error) == "55006" && attempt < 50 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Runs `body` with a short-lived database handle whose pool runs for the duration.
    @discardableResult
    public static func with<R: Sendable>(_ settings: DatabaseSettings, _ body: (KinerjaDatabase) async throws -> R) async throws -> R {
        let db = KinerjaDatabase(settings: settings, maximumConnections: 2, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await db.run() }
            defer { group.cancelAll() }
            return try await body(db)
        }
    }

    /// A line of the demo tree: a kepala OPD (JPT, no atasan), a kepala bidang under them, a kepala seksi under
    /// that, and a member of staff under the seksi, with a second member of the same seksi (a city of 300 has such lines).
    public static func chain(_ p: DemoPopulation) -> (kepala: DemoPopulation.Person, kabid: DemoPopulation.Person,
                                                     kasi: DemoPopulation.Person, staff: DemoPopulation.Person, peer: DemoPopulation.Person) {
        let byNIP = Dictionary(uniqueKeysWithValues: p.people.map { ($0.nip, $0) })
        for staff in p.people where staff.jabatanLevel == nil {
            guard let kasi = staff.atasan.flatMap({ byNIP[$0] }), kasi.jabatanLevel == "Pengawas",
                  let kabid = kasi.atasan.flatMap({ byNIP[$0] }), kabid.jabatanLevel == "Administrator",
                  let kepala = kabid.atasan.flatMap({ byNIP[$0] }), kepala.jabatanLevel == "JPT", kepala.atasan == nil,
                  let peer = p.people.first(where: { $0.atasan == kasi.nip && $0.nip != staff.nip }) else { continue }
            return (kepala, kabid, kasi, staff, peer)
        }
        fatalError("the demo tree has no kepala > kabid > kasi > two staff line")
    }
}

extension TenantTransaction {
    /// The first column of a query's first row as a whole number, 0 without a row: a count, in a test.
    public func int(_ query: PostgresQuery) async throws -> Int {
        for try await n in try await self.query(query).decode(Int.self) { return n }
        return 0
    }
}
