import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KinerjaAPI
import KinerjaStore
import KinerjaTestSupport
import Logging
import Synchronization
import Testing

/// Every request is logged once with its request id, and with its city once the key is known.
@Suite struct AccessLogTests {
    final class Capture: Sendable {
        let records = Mutex<[(String, Logger.Metadata)]>([])
        var handler: some LogHandler { Handler(capture: self) }

        struct Handler: LogHandler {
            let capture: Capture
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .info
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                let merged = metadata.merging(event.metadata ?? [:]) { $1 }
                capture.records.withLock { $0.append(("\(event.message)", merged)) }
            }
        }
    }

    @Test func requestLinesCarryRequestIDAndTenant() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("log")
        let key = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let capture = Capture()
        let logger = Logger(label: "test") { _ in capture.handler }
        let router = try buildRouter(database: try await TestDatabase.app(), settings: ServerSettings(keyCacheTTL: .zero), metrics: nil)
        try await Application(router: router, logger: logger).test(.router) { client in
            _ = try await client.get("/v1/me", token: key, headers: [HTTPField.Name("X-Request-Id")!: "req-123"])
            _ = try await client.get("/v1/me", token: nil)
        }
        let lines = capture.records.withLock { $0 }.filter { $0.0 == "request" }
        #expect(lines.count == 2)
        let authed = lines.first { $0.1["request_id"] == "req-123" }
        #expect(authed?.1["tenant"] == "\(a.code)")
        #expect(authed?.1["status"] == "200")
        #expect(lines.contains { $0.1["status"] == "401" && $0.1["tenant"] == nil && $0.1["request_id"] != nil })
    }

    /// Found in review: a behaviour rating's path names the ratee and the log line names the rater's key, so
    /// the access log told who rated whom. The ratee's NIP is left out of that path in the log.
    @Test func aRatingsLogLineDoesNotNameTheRatee() async throws {
        let db = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city("log-rate")
        let rater = pop.people[5], ratee = pop.people[6].nip
        let key = try await db.createAPIKey(tenants: [a.id], role: .pegawai, label: "", employeeNIP: rater.nip, actor: "t").token
        let capture = Capture()
        let logger = Logger(label: "test") { _ in capture.handler }
        let router = try buildRouter(database: try await TestDatabase.app(), settings: ServerSettings(keyCacheTTL: .zero), metrics: nil)
        try await Application(router: router, logger: logger).test(.router) { client in
            _ = try await client.send(.put, "/v1/me/feedback/2026/Y/\(ratee)", token: key, json: #"{"scores":{}}"#)
        }
        let lines = capture.records.withLock { $0 }
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { !"\($0.1)".contains(ratee) }, "\(lines)")
        #expect(lines.contains { $0.1["path"] == "/v1/me/feedback/2026/Y/{nip}" })
    }

    /// Found in review: the router reads a path with a trailing slash or doubled slashes as the same route, and
    /// such a rating's path was logged with the ratee's NIP in it.
    @Test(arguments: ["/v1/me/feedback/2026/Y/NIP/", "//v1/me/feedback/2026/Y/NIP", "/v1/me//feedback/2026/Y/NIP",
                      "/v1/me/%66eedback/2026/Y/NIP", "/V1/ME/FEEDBACK/2026/Y/NIP"])
    func aRatingsPathIsLoggedWithoutTheRateeHoweverWritten(path: String) {
        let ratee = "199001012015031001"
        let logged = ProblemMiddleware<BasicRequestContext>.loggable(path.replacingOccurrences(of: "NIP", with: ratee))
        #expect(!logged.contains(ratee) && logged.hasPrefix("/v1/me/feedback/"), "\(logged)")
    }
}
