import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// The real `kinerja-server` binary: start-up, `/ready` before and after migration, SIGTERM drain.
@Suite(.serialized) struct ServerProcessTests {
    static var binary: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/kinerja-server").path
    }

    /// The ports a test server listens on: apart from the replica pair's and the restore check's (20000-29999,
    /// deploy/local) and below the kernel's ephemeral ports (32768 up), where a connection's own end may sit.
    static let ports = 10_000...19_999

    /// Starts the server on a free port and returns it with its port once it listens, and the file its output
    /// goes to. A port that turns out to be taken makes the server exit at once; then another is tried. Through
    /// `ChildProgram`, not Foundation's `Process`: a `Process` learns of its child's exit only when every copy of
    /// a socket the child inherited is closed, and a program another test starts at the same moment can hold one.
    func start(databaseURL: String, arguments: [String] = []) async throws -> (ChildProgram.Running, Int, URL) {
        let binary = Self.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build it first: swift build --product kinerja-server")
        var log = ""
        for _ in 0..<5 {
            let port = Int.random(in: Self.ports)
            var env = ProcessInfo.processInfo.environment
            env["DATABASE_URL"] = databaseURL
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-server-\(UUID().uuidString).log")
            let server = try ChildProgram.start(binary, ["--http-port", "\(port)", "--log-level", "warning"] + arguments,
                                                environment: env, standardOutput: output.path, standardError: output.path)
            // 30 s: a debug build starting on cores the whole suite shares.
            for _ in 0..<300 where server.isRunning {
                if (try? await httpGet(port: port, path: "/health")) != nil { return (server, port, output) }
                try await Task.sleep(for: .milliseconds(100))
            }
            server.end()
            log = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: output)
        }
        Issue.record("server did not start: \(log)")
        throw CancellationError()
    }

    /// What a server wrote, its output file removed.
    static func output(_ file: URL) -> String {
        defer { try? FileManager.default.removeItem(at: file) }
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    func httpGet(port: Int, path: String, token: String? = nil) async throws -> (Int, String) {
        let (status, body, _) = try await httpGetWithHeaders(port: port, path: path, token: token)
        return (status, body)
    }

    func httpGetWithHeaders(port: Int, path: String, token: String? = nil) async throws -> (Int, String, HTTPURLResponse) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.timeoutInterval = 20
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, String(data: data, encoding: .utf8) ?? "", http)
    }

    func httpPost(port: Int, path: String, json: String) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(json.utf8)
        request.timeoutInterval = 20
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(data: data, encoding: .utf8) ?? "")
    }

    /// Whether a response body names a database (`postgres://role@host:port/name`), however JSON writes it: `/`
    /// plainly, as the server does, or as `\/`, as it did before (and would again if a writer of its lost the
    /// setting), so that this check never passes for the escaping alone.
    static func namesADatabase(_ body: String) -> Bool {
        body.replacingOccurrences(of: #"\/"#, with: "/").contains("postgres://")
    }

    /// What a server whose database does not answer says to each kind of caller: it is alive, not ready, and
    /// every request that needs the database (a key's, a login, the public page) is 503 database_unavailable,
    /// each within the connection wait.
    func expectDatabaseDown(port: Int, _ phase: String) async throws {
        #expect(try await httpGet(port: port, path: "/health").0 == 200, "\(phase)")
        let (ready, readyBody) = try await httpGet(port: port, path: "/ready")
        #expect(ready == 503 && readyBody.contains("not_ready"), "\(phase): \(ready) \(readyBody)")
        #expect(!Self.namesADatabase(readyBody), "\(phase): the database's address is the log's: \(readyBody)")
        for (path, token) in [("/v1/tenant", "kin_nothing"), ("/public/kota/laporan-kinerja/2026", nil)] {
            let started = ContinuousClock.now
            let (status, body) = try await httpGet(port: port, path: path, token: token)
            #expect(status == 503 && body.contains("database_unavailable"), "\(phase) \(path): \(status) \(body)")
            // Found in review: the detail named the database's role, host, port and name to any caller.
            #expect(!Self.namesADatabase(body), "the database's address is the log's, not the caller's: \(body)")
            // The wait is 1 s; 10 s leaves room for a test task woken late on cores the whole suite shares, and is
            // still far from the minute a pool that kept trying would take.
            #expect(ContinuousClock.now - started < .seconds(10), "\(phase) \(path) answered within the wait")
        }
        let (login, loginBody) = try await httpPost(port: port, path: "/v1/sessions",
                                                    json: #"{"city":"kota","nip":"199001012015031001","password":"not-checked"}"#)
        #expect(login == 503 && loginBody.contains("database_unavailable"), "\(phase) login: \(login) \(loginBody)")
    }

    /// A database that does not answer at start-up: the server still listens at once and refuses what needs the
    /// database; a minute on (PostgresNIO's pool gives up on connecting then), the answers are the same 503s,
    /// not 500s, and the role is still unchecked, so nothing is served; SIGTERM stops it at once, exit 0.
    @Test(.timeLimit(.minutes(3))) func anUnreachableDatabaseStopsNeitherStartUpNorShutdown() async throws {
        let started = ContinuousClock.now
        let (server, port, output) = try await start(databaseURL: "postgres://kinerja_app:unused@127.0.0.1:1/kinerja",
                                                     arguments: ["--database-wait-seconds", "1"])
        #expect(ContinuousClock.now - started < .seconds(30), "listening without the database")
        try await expectDatabaseDown(port: port, "at start-up")
        // The pool's circuit breaker trips after 60 s of failed connection attempts.
        try await Task.sleep(until: started + .seconds(66))
        try await expectDatabaseDown(port: port, "a minute on")

        let stopping = ContinuousClock.now
        server.signal(SIGTERM)
        for _ in 0..<150 where server.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!server.isRunning, "SIGTERM stops a server whose database does not answer")
        if server.isRunning { server.end() }
        let status = try await server.wait()
        #expect(ContinuousClock.now - stopping < .seconds(15))
        #expect(status == 0)
        let log = Self.output(output)
        #expect(log.contains("its role is not checked"), "\(log)")
    }

    static func url(_ s: DatabaseSettings) -> String {
        "postgres://\(s.username):\(s.password ?? "")@\(s.host):\(s.port)/\(s.database)"
    }

    @Test func readyOnlyOnceMigrated() async throws {
        let empty = try await TestDatabase.emptyDatabase()
        let (server, port, output) = try await start(databaseURL: Self.url(empty.app))
        defer { _ = Self.output(output) }

        let (before, body, response) = try await httpGetWithHeaders(port: port, path: "/ready")
        #expect(before == 503 && body.contains("not_ready") && body.contains("migrations pending"))
        // Waiting does not apply a migration: no Retry-After (a database that does not answer has one).
        #expect(response.value(forHTTPHeaderField: "Retry-After") == nil)
        try await TestDatabase.with(empty.owner) { owner in
            try await Migrator.migrate(client: owner.client, logger: TestDatabase.logger)
        }
        let (after, _) = try await httpGet(port: port, path: "/ready")
        #expect(after == 200)
        server.signal(SIGTERM)
        #expect(try await server.wait(limit: .seconds(60)) == 0)
        try await TestDatabase.drop(empty.name)
    }

    /// Runs the server to its exit (for start-ups that must fail) and returns its status and output.
    func runToExit(_ arguments: [String], in directory: String? = nil) async throws -> (Int32, String) {
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        env["KINERJA_DATABASE_URL"] = nil
        let r = try await runProgram(Self.binary, arguments, environment: env, directory: directory.map { URL(fileURLWithPath: $0) }, merged: true)
        return (r.status, r.out)
    }

    @Test func refusesToServeAsARoleThatRLSDoesNotBind() async throws {
        let owner = try TestDatabase.settings().owner
        let (status, text) = try await runToExit(["--http-port", "\(Int.random(in: Self.ports))", "--database-url", Self.url(owner)])
        #expect(status != 0)
        #expect(text.contains("refusing to start") && text.contains("bypasses row-level security"), "\(text)")
    }

    @Test func sigtermDrainsInFlightRequestsAndExitsZero() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("drain")
        let (key, keyID) = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t")
        let settings = try TestDatabase.settings()
        let (server, port, output) = try await start(databaseURL: Self.url(settings.app))

        // Hold a lock the request needs, so it is still in flight when SIGTERM arrives: the key's own row, which
        // its first use stamps (auth_api_key). A row lock: other tests sharing the database never wait on it.
        let owner = try await TestDatabase.owner()
        try await owner.client.withConnection { conn in
            try await conn.query("begin", logger: TestDatabase.logger)
            try await conn.query("select 1 from api_keys where key_id = \(keyID) for update", logger: TestDatabase.logger)
            var holder = 0
            for try await pid in try await conn.query("select pg_backend_pid()", logger: TestDatabase.logger).decode(Int.self) { holder = pid }
            let inFlight = Task { try await httpGet(port: port, path: "/v1/tenant", token: key) }
            do { try await TestDatabase.untilBlocked(by: holder) } catch {
                // The connection goes back to the pool: not with the lock held in an open transaction.
                _ = try? await conn.query("rollback", logger: TestDatabase.logger)
                throw error
            }
            server.signal(SIGTERM)
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.isRunning, "the server waits for the request in flight")
            try await conn.query("commit", logger: TestDatabase.logger)
            let (status, body) = try await inFlight.value
            #expect(status == 200 && body.contains(a.code))
        }
        // Drained, it stops, given time: its last seal round may seal the backlog of every city of the suite's
        // database, on cores the whole suite shares.
        for _ in 0..<600 where server.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!server.isRunning, "the server had not exited 60 s after SIGTERM")
        if server.isRunning { server.end() }
        #expect(try await server.wait() == 0)
        // The last audit seal runs after the sealer's sleep is cancelled, not as a failed round.
        let log = Self.output(output)
        #expect(!log.contains("sealing the audit log failed"), "\(log)")
        // The pool runs before anything leases from it (the role check at start-up does at once).
        #expect(!log.contains("hasn't been called yet"), "\(log)")
    }

    @Test(.timeLimit(.minutes(1))) func aBadSettingStopsStartUpNamingIt() async throws {
        let (status, text) = try await runToExit(["--http-port", "not-a-port"])
        #expect(status == 1)
        #expect(text.contains("http.port") && text.contains("not-a-port"))
        let (idleStatus, idleText) = try await runToExit(["--database-idle-seconds", "0"])
        #expect(idleStatus == 1)
        #expect(idleText.contains("database.idleSeconds") && idleText.contains("'0'") && idleText.contains("1-3600"), "\(idleText)")
    }

    @Test func noDatabaseAnywhereStopsStartUpNamingTheSettings() async throws {
        // Outside any checkout, with no database variable: nothing to connect to.
        let (status, text) = try await runToExit(["--http-port", "29998"], in: "/")
        #expect(status == 1)
        #expect(text.contains("DATABASE_URL") && text.contains("make db-start"), "\(text)")
    }
}
