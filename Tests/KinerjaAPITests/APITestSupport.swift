import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KinerjaAPI
import KinerjaStore
import KinerjaTestSupport
import NIOCore

/// The real router against the test database, keys looked up on every request (no cache), so revocation
/// and suspension show at once.
func withAPI(settings: ServerSettings = ServerSettings(keyCacheTTL: .zero),
             _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    let db = try await TestDatabase.app()
    let router = try buildRouter(database: db, settings: settings, metrics: nil)
    try await Application(router: router).test(.router, body)
}

struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    var code: String? { json["code"] as? String }
}

extension TestClientProtocol {
    func get(_ uri: String, token: String?, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .get, headers: headers) { r in
            Reply(status: r.status, headers: r.headers, body: String(buffer: r.body))
        }
    }
}

extension TestClientProtocol {
    func send(_ uri: String, method: HTTPRequest.Method, json: String? = nil, token: String?, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { r in
            Reply(status: r.status, headers: r.headers, body: String(buffer: r.body))
        }
    }
}

extension Reply {
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    var nips: [String] { items.compactMap { $0["nip"] as? String } }
}
