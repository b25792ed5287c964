import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Synchronization
import Testing

/// Read-only overviews on a real hot standby (deploy/local/replica.sh: a primary whose roles come from
/// bootstrap.sql, and `pg_basebackup -R` of it): served there while it keeps up, by the primary when it lags
/// past the limit or cannot be reached, back on the standby once it has caught up.
@Suite(.serialized) struct ReadReplicaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `deploy/local/replica.sh command`; returns what it printed. Its output goes to files, not pipes: a
    /// PostgreSQL it starts would keep a pipe open, and reading to its end would never finish. It holds no
    /// thread of the concurrency pool while it runs: starting or stopping the two clusters takes seconds, and the
    /// rest of the suite runs meanwhile on the same two threads.
    @discardableResult
    static func script(_ command: String, limit: Duration = .seconds(600)) async throws -> String {
        let r = try await runProgram("/bin/bash", [root.appendingPathComponent("deploy/local/replica.sh").path, command], limit: limit)
        guard r.status == 0 else { throw StoreError.configuration("replica.sh \(command): \(r.err)") }
        return r.out
    }

    /// Runs `body`, then `commands` (bringing the clusters back), whatever the body's outcome. The commands run in
    /// a task of their own: a test past its time limit is cancelled, and a cancelled task's program is ended at
    /// once, which would leave the clusters stopped or the standby paused for the next run.
    static func afterwards<R>(_ commands: [String], _ body: () async throws -> R) async throws -> R {
        let result: Result<R, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        await Task {
            for c in commands {
                do { try await script(c, limit: .seconds(120)) } catch {
                    Issue.record("replica.sh \(c), after the test: \(error)")
                }
            }
        }.value
        return try result.get()
    }

    static func urls() async throws -> [String: String] {
        try await script("up")
        var out: [String: String] = [:]
        for line in try await script("env").split(separator: "\n") {
            let parts = line.replacingOccurrences(of: "export ", with: "").split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { out[parts[0]] = parts[1] }
        }
        return out
    }

    /// The names in the atasan's team view, as the API answers with `replica` serving the overviews.
    static func teamNames(_ router: Router<BasicRequestContext>, token: String, atasan: String) async throws -> [String] {
        try await Application(router: router).test(.router) { client in
            let reply = try await client.get("/v1/team/skp?year=2026&atasan=\(atasan)", token: token)
            #expect(reply.status == .ok, "\(reply.body)")
            return reply.items.compactMap { $0["name"] as? String }.sorted()
        }
    }

    static func waitFor(_ replica: ReadReplica, _ what: String, _ condition: (ReadReplica.State) -> Bool) async throws {
        for _ in 0..<100 {
            if condition(await replica.probe()) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the replica never became \(what): \(replica.currentState.summary)")
    }

    /// Waits until the standby has replayed everything the primary has written so far. "In use" alone allows a
    /// patient replica to be behind: right after the city is seeded, under a full test run's load, it may not
    /// yet hold the city.
    static func replayed(_ standby: KinerjaDatabase, upTo primary: KinerjaDatabase) async throws {
        let written = try await primary.statement("select pg_current_wal_lsn()::text") { rows in
            var lsn = ""
            for try await l in rows.decode(String.self) { lsn = l }
            return lsn
        }
        for _ in 0..<300 {
            let done = try await standby.statement("select coalesce(pg_last_wal_replay_lsn() >= \(written)::pg_lsn, false)") { rows in
                var done = false
                for try await d in rows.decode(Bool.self) { done = d }
                return done
            }
            if done { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the standby never replayed the primary's WAL up to \(written)")
    }

    @Test(.timeLimit(.minutes(3))) func overviewsComeFromTheStandbyWhileItKeepsUpAndFromThePrimaryOtherwise() async throws {
        let u = try await Self.urls()
        let owner = try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_OWNER_URL"]))
        try await TestDatabase.with(owner) { try await Migrator.migrate(client: $0.client, logger: TestDatabase.logger) }
        let admin = KinerjaDatabase(settings: try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_ADMIN_URL"])), logger: TestDatabase.logger)
        let primary = KinerjaDatabase(settings: try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_APP_URL"])),
                                      leaseTimeout: .seconds(5), logger: TestDatabase.logger)
        let standby = KinerjaDatabase(settings: try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_READ_URL"])),
                                      leaseTimeout: .seconds(2), logger: TestDatabase.logger)
        // One that keeps a standby hours behind, one that allows a second.
        let patient = ReadReplica(replica: standby, primary: primary, maximumLag: .seconds(3600))
        let strict = ReadReplica(replica: standby, primary: primary, maximumLag: .seconds(1))
        try await Self.afterwards(["up", "resume"]) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for db in [admin, primary, standby] { group.addTask { await db.run() } }
                defer { group.cancelAll() }

                let code = "t-replica-\(UUID().uuidString.prefix(8).lowercased())"
                let profile = try NationalAdapter().effectiveProfile()
                let city = try await admin.platform.onboard(code: code, name: "Kota Replika", adapter: "nasional", profile: profile, actor: "tests")
                let population = DemoPopulation(city: code, employees: 300, seed: 7)
                try await admin.withTenant(city.id) { tx in
                    try await tx.seed(population, actor: "tests")
                    _ = try await tx.openYear(2026, cadence: .quarterly, actor: "tests")
                    _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "tests")
                }
                let token = try await admin.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "tests").token
                let chain = TestDatabase.chain(population)
                let atasan = chain.kasi.nip
                let patientAPI = try buildRouter(database: primary, readReplica: patient, settings: ServerSettings(keyCacheTTL: .zero), metrics: nil)
                let strictAPI = try buildRouter(database: primary, readReplica: strict, settings: ServerSettings(keyCacheTTL: .zero), metrics: nil)

                // Caught up: the standby serves, and shows what the primary has.
                try await Self.waitFor(patient, "in use") { $0.serving }
                try await Self.replayed(standby, upTo: primary)
                let before = try await Self.teamNames(patientAPI, token: token, atasan: atasan)
                #expect(before.contains(chain.staff.name) && before.count >= 2)

                // Replay paused, a name changed on the primary: the standby still serves (within an hour) and
                // shows the old name, which is how we know it served.
                try await Self.script("pause")
                let renamed = "Nama Baru \(UUID().uuidString.prefix(4))"
                try await admin.withTenant(city.id) { tx in
                    try await tx.query("update employees set name = \(renamed) where tenant_id = \(city.id.uuid) and nip = \(chain.staff.nip)")
                }
                try await Task.sleep(for: .milliseconds(1500))
                try await Self.waitFor(patient, "in use though behind") { $0.serving && ($0.lag ?? 0) > 1 }
                #expect(try await Self.teamNames(patientAPI, token: token, atasan: atasan) == before)

                // More than a second behind is too much for the strict one: the primary answers, with the new name.
                try await Self.waitFor(strict, "lagging") { if case .lagging = $0 { true } else { false } }
                #expect(strict.database === primary)
                let fresh = try await Self.teamNames(strictAPI, token: token, atasan: atasan)
                // (Counted: a teammate may have been generated with the same name.)
                #expect(fresh.contains(renamed) && fresh.filter { $0 == chain.staff.name }.count == before.filter { $0 == chain.staff.name }.count - 1)

                // Replay resumed: the standby catches up and serves again, with the new name.
                try await Self.script("resume")
                try await Self.waitFor(strict, "in use again") { $0.serving }
                try await Self.replayed(standby, upTo: primary)
                #expect(strict.database === standby)
                #expect(try await Self.teamNames(strictAPI, token: token, atasan: atasan) == fresh)

                // A read its caller gave up on while it waited for a standby connection (a client gone, a request
                // timed out) says nothing of the standby: it ends with the cancellation, is not run on the primary,
                // and the standby stays in use. (A statement already running is not cut short: the driver lets it end.)
                let narrow = KinerjaDatabase(settings: standby.settings, maximumConnections: 1, leaseTimeout: .seconds(60),
                                             logger: TestDatabase.logger)
                let busy = ReadReplica(replica: narrow, primary: primary, maximumLag: .seconds(3600))
                group.addTask { await narrow.run() }
                try await Self.waitFor(busy, "in use, on one connection") { $0.serving }
                let (holding, release) = AsyncStream.makeStream(of: Void.self)
                let (held, signal) = AsyncStream.makeStream(of: Void.self)
                let holder = Task {
                    try await narrow.connection { _ in
                        signal.yield()
                        for await _ in holding { break }
                    }
                }
                for await _ in held { break }
                let ran = Mutex(0)
                let waiting = Task { try await busy.withTenant(city.id) { _ in ran.withLock { $0 += 1 } } }
                try await Task.sleep(for: .milliseconds(300))
                waiting.cancel()
                let cancelled = await waiting.result
                #expect(throws: (any Error).self) { try cancelled.get() }
                release.finish()
                try await holder.value
                #expect(ran.withLock { $0 } == 0, "run on the primary instead")
                #expect(busy.currentState.serving, "\(busy.currentState)")
                #expect(busy.database === narrow)

                // The standby fails while it is in use: the read that finds it gone is served by the primary, and
                // the standby is passed over from then on.
                try await Self.script("stop-standby")
                #expect(strict.currentState.serving)
                #expect(try await Self.teamNames(strictAPI, token: token, atasan: atasan) == fresh)
                guard case .unreachable = strict.currentState else { Issue.record("\(strict.currentState)"); return }
                #expect(strict.database === primary)
                try await Self.script("up")

                // A standby nobody answers at: unreachable, and the primary serves.
                var gone = standby.settings
                gone.port = 1
                let dead = ReadReplica(replica: KinerjaDatabase(settings: gone, leaseTimeout: .milliseconds(500), logger: TestDatabase.logger),
                                       primary: primary)
                group.addTask { await dead.replica.run() }
                let state = await dead.probe()
                guard case .unreachable = state else { Issue.record("\(state)"); return }
                let deadAPI = try buildRouter(database: primary, readReplica: dead, settings: ServerSettings(keyCacheTTL: .zero), metrics: nil)
                #expect(try await Self.teamNames(deadAPI, token: token, atasan: atasan) == fresh)

                // /ready says how the replica stands and stays ready.
                try await Application(router: deadAPI).test(.router) { client in
                    let ready = try await client.get("/ready", token: nil)
                    #expect(ready.status == .ok)
                    #expect((ready.json["readReplica"] as? String)?.hasPrefix("unreachable") == true, "\(ready.body)")
                }

                // A standby that takes the connection and never answers (a host gone quiet): the probe gives up when
                // no connection came within the lease timeout, and /ready says so without the replica's address,
                // which is the log's.
                let listener = try #require(LoopbackSocket.listening())
                defer { listener.close() }
                var quiet = standby.settings
                quiet.port = listener.port
                let silent = ReadReplica(replica: KinerjaDatabase(settings: quiet, leaseTimeout: .milliseconds(500), logger: TestDatabase.logger),
                                         primary: primary)
                group.addTask { await silent.replica.run() }
                let silence = await silent.probe()
                guard case .unreachable(let why) = silence else { Issue.record("\(silence)"); return }
                #expect(why.contains("no database connection within") && !why.contains("postgres://"), "\(why)")
                let silentAPI = try buildRouter(database: primary, readReplica: silent, settings: ServerSettings(keyCacheTTL: .zero), metrics: nil)
                try await Application(router: silentAPI).test(.router) { client in
                    let ready = try await client.get("/ready", token: nil)
                    #expect(ready.status == .ok && !ServerProcessTests.namesADatabase(ready.body), "the replica's address is the log's: \(ready.body)")
                }
                // The standby refuses writes whatever the role tries: only reads are ever sent there.
                await #expect(throws: (any Error).self) {
                    try await standby.withTenant(city.id) { tx in
                        try await tx.query("update employees set name = 'X' where tenant_id = \(city.id.uuid) and nip = \(chain.staff.nip)")
                    }
                }
            }
        }
    }

    /// A city on replica.sh's primary (seeded with a small population, or empty) with an hr_admin key, and the
    /// API on a pool of the application role that waits 2 s for a connection; the primary is started again
    /// afterwards, whatever the body did to it.
    static func withCityOnThePrimary(_ label: String, seeded: Bool,
                                     _ body: @Sendable (any TestClientProtocol, String, KinerjaDatabase) async throws -> Void) async throws {
        let u = try await Self.urls()
        let owner = try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_OWNER_URL"]))
        try await TestDatabase.with(owner) { try await Migrator.migrate(client: $0.client, logger: TestDatabase.logger) }
        let admin = KinerjaDatabase(settings: try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_ADMIN_URL"])), logger: TestDatabase.logger)
        let app = KinerjaDatabase(settings: try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_APP_URL"])),
                                  leaseTimeout: .seconds(2), logger: TestDatabase.logger)
        try await Self.afterwards(["up"]) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for db in [admin, app] { group.addTask { await db.run() } }
                defer { group.cancelAll() }
                let code = "t-\(label)-\(UUID().uuidString.prefix(8).lowercased())"
                let city = try await admin.platform.onboard(code: code, name: "Kota \(label.capitalized)", adapter: "nasional",
                                                            profile: try NationalAdapter().effectiveProfile(), actor: "tests")
                if seeded {
                    try await admin.withTenant(city.id) { try await $0.seed(DemoPopulation(city: code, employees: DemoPopulation.minimumEmployees, seed: 3), actor: "tests") }
                }
                let token = try await admin.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "tests").token
                let router = try buildRouter(database: app, settings: ServerSettings(keyCacheTTL: .zero), metrics: nil)
                try await Application(router: router).test(.router) { client in try await body(client, token, app) }
            }
        }
    }

    /// A fault: the database restarts under a running server. During the outage every request fails within the
    /// lease timeout with 503 problem+json (database_unavailable, Retry-After) and /ready says why; once the
    /// database is back, the same server answers again, nothing restarted.
    @Test(.timeLimit(.minutes(3))) func aDatabaseRestartAnswers503ThenTheSameServerRecovers() async throws {
        try await Self.withCityOnThePrimary("restart", seeded: true) { client, token, _ in
            #expect(try await client.get("/v1/employees?limit=3", token: token).status == .ok)

            try await Self.script("stop")
            for path in ["/v1/employees?limit=3", "/v1/tenant", "/ready"] {
                let started = ContinuousClock.now
                let down = try await client.get(path, token: path == "/ready" ? nil : token)
                let took = ContinuousClock.now - started
                #expect(down.status == .serviceUnavailable, "\(path): \(down.status) \(down.body)")
                #expect(down.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                #expect(!ServerProcessTests.namesADatabase(down.body), "\(path): the database's address is the log's: \(down.body)")
                if path != "/ready" {
                    #expect(down.code == "database_unavailable" && down.headers[.retryAfter] != nil, "\(path): \(down.body)")
                } else {
                    // Waiting helps here, so the probe is told when to ask again (a pending migration is not).
                    #expect(down.code == "not_ready" && down.headers[.retryAfter] == "5", "\(path): \(down.headers) \(down.body)")
                }
                #expect(took < .seconds(6), "\(path) failed fast: \(took)")
            }

            try await Self.script("up")
            var back = false
            for _ in 0..<60 where !back {
                back = try await client.get("/v1/employees?limit=3", token: token).status == .ok
                if !back { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(back, "the same server answers once the database is back")
            #expect(try await client.get("/ready", token: nil).status == .ok)
        }
    }

    /// A fault: an outage longer than the pool's circuit breaker (a minute of failed attempts to connect). Requests
    /// fail fast throughout, until the breaker's own words; once the database is back, the same server
    /// answers within seconds (a new pool is given 2 s, at most 5 s after the last). PostgresNIO's pool alone waited longer
    /// after each failed attempt, up to a minute (about 15 s after 70 s down), and answered 503 until its next
    /// one: 13.5 and 13.9 s after the database was back, in two runs before the new pool.
    @Test(.timeLimit(.minutes(4))) func anOutagePastThePoolsCircuitBreakerEndsWithinSecondsOfTheDatabase() async throws {
        try await Self.withCityOnThePrimary("outage", seeded: false) { client, token, app in
            #expect(try await client.get("/v1/tenant", token: token).status == .ok)
            let firstPool = app.client

            try await Self.script("stop")
            let down = ContinuousClock.now
            // The breaker trips at the pool's first failed attempt after a minute: up to 15 s later.
            var tripped = false
            while !tripped, ContinuousClock.now - down < .seconds(120) {
                let started = ContinuousClock.now
                let reply = try await client.get("/v1/tenant", token: token)
                let took = ContinuousClock.now - started
                #expect(reply.status == .serviceUnavailable && reply.code == "database_unavailable", "\(reply.status) \(reply.body)")
                #expect(took < .seconds(6), "a request during the outage failed fast: \(took)")
                tripped = tripped || reply.body.contains("for a minute or more")
                try await Task.sleep(for: .seconds(2))
            }
            #expect(tripped, "the pool's circuit breaker tripped during the outage")

            try await Self.script("up")
            let up = ContinuousClock.now
            var answered = false
            while !answered, ContinuousClock.now - up < .seconds(90) {
                answered = try await client.get("/v1/tenant", token: token).status == .ok
                if !answered { try await Task.sleep(for: .milliseconds(200)) }
            }
            let after = ContinuousClock.now - up
            #expect(answered && after < .seconds(8), "the same server answered \(after) after the database was back")
            #expect(try await client.get("/ready", token: nil).status == .ok)
            #expect(app.client !== firstPool, "a new pool serves in place of the one whose breaker tripped")
        }
    }

    /// Started while its database is down, the real server listens and refuses what needs the database (its
    /// role is not checked yet); when the database comes up, the same process checks its role and serves.
    @Test(.timeLimit(.minutes(3))) func aServerStartedWithItsDatabaseDownServesOnceItComesUp() async throws {
        let u = try await Self.urls()
        let owner = try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_OWNER_URL"]))
        try await TestDatabase.with(owner) { try await Migrator.migrate(client: $0.client, logger: TestDatabase.logger) }
        let (code, token) = try await TestDatabase.with(try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_ADMIN_URL"]))) { admin in
            let code = "t-boot-\(UUID().uuidString.prefix(8).lowercased())"
            let city = try await admin.platform.onboard(code: code, name: "Kota Boot", adapter: "nasional",
                                                        profile: try NationalAdapter().effectiveProfile(), actor: "tests")
            let token = try await admin.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "tests").token
            return (code, token)
        }
        try await Self.afterwards(["up"]) {
            try await Self.script("stop")
            let process = ServerProcessTests()
            let (server, port, output) = try await process.start(databaseURL: try #require(u["KINERJA_REPLICA_APP_URL"]),
                                                                 arguments: ["--database-wait-seconds", "1"])
            try? FileManager.default.removeItem(at: output)
            defer { server.end() }
            let (down, downBody) = try await process.httpGet(port: port, path: "/v1/tenant", token: token)
            #expect(down == 503 && downBody.contains("database_unavailable"), "\(down) \(downBody)")

            try await Self.script("up")
            var answer = (0, "")
            for _ in 0..<60 where answer.0 != 200 {
                answer = try await process.httpGet(port: port, path: "/v1/tenant", token: token)
                if answer.0 != 200 { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(answer.0 == 200 && answer.1.contains(code), "the same process serves once the database is up: \(answer)")
            #expect(try await process.httpGet(port: port, path: "/ready").0 == 200)
            server.signal(SIGTERM)
            #expect(try await server.wait(limit: .seconds(60)) == 0)
        }
    }

    /// A standby reached as a role that row-level security does not bind (here the tables' owner) could show
    /// one city another's rows: every probe finds it refused, whatever its lag, and the primary serves.
    @Test(.timeLimit(.minutes(2))) func aStandbyReachedAsARoleThatSeesEveryCityIsNeverUsed() async throws {
        let u = try await Self.urls()
        let owner = try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_OWNER_URL"]))
        try await TestDatabase.with(owner) { try await Migrator.migrate(client: $0.client, logger: TestDatabase.logger) }
        var standbyAsOwner = try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_READ_URL"]))
        standbyAsOwner.username = owner.username
        standbyAsOwner.password = owner.password
        let primary = KinerjaDatabase(settings: try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_APP_URL"])),
                                      leaseTimeout: .seconds(5), logger: TestDatabase.logger)
        let unsafe = ReadReplica(replica: KinerjaDatabase(settings: standbyAsOwner, leaseTimeout: .seconds(2), logger: TestDatabase.logger),
                                 primary: primary, maximumLag: .seconds(3600))
        // The same standby as the application role, to show that the refusal is the role's, not the standby's.
        let safe = ReadReplica(replica: KinerjaDatabase(settings: try DatabaseSettings(url: try #require(u["KINERJA_REPLICA_READ_URL"])),
                                                        leaseTimeout: .seconds(2), logger: TestDatabase.logger),
                               primary: primary, maximumLag: .seconds(3600))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for db in [primary, unsafe.replica, safe.replica] { group.addTask { await db.run() } }
            defer { group.cancelAll() }
            try await Self.waitFor(safe, "in use") { $0.serving }
            for _ in 0..<3 {
                let state = await unsafe.probe()
                guard case .refused(let why) = state else { Issue.record("a standby reached as the owner was \(state.summary)"); return }
                #expect(why.contains("'\(owner.username)' owns"), "\(why)")
                #expect(!state.serving && unsafe.database === primary)
            }
            let router = try buildRouter(database: primary, readReplica: unsafe, settings: ServerSettings(keyCacheTTL: .zero), metrics: nil)
            try await Application(router: router).test(.router) { client in
                let ready = try await client.get("/ready", token: nil)
                #expect(ready.status == .ok)
                #expect((ready.json["readReplica"] as? String)?.hasPrefix("refused") == true, "\(ready.body)")
            }
        }
    }
}
