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

/// What every `/v1` request does, done more cheaply than with Foundation and swift-log's stock handler, and
/// giving the same result: the request id, the log line, the key in its header.
@Suite struct HotPathTests {
    @Test func aNewRequestIDIsARandomVersion4UUIDInLowerCase() {
        let ids = (0..<2_000).map { _ in ProblemMiddleware<BasicRequestContext>.newRequestID() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(200) {
            #expect(id.count == 36 && id == id.lowercased(), "\(id)")
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id, "\(id)")
            let chars = Array(id)
            #expect([chars[8], chars[13], chars[18], chars[23]] == ["-", "-", "-", "-"])
            #expect(chars[14] == "4" && "89ab".contains(chars[19]), "\(id): version 4, variant 10")
        }
        // Every hex digit turns up in every free position over 2,000 ids (a stuck nibble would not).
        for position in [0, 7, 9, 15, 20, 24, 35] {
            #expect(Set(ids.map { Array($0)[position] }).count == 16, "position \(position)")
        }
    }

    final class Lines: TextOutputStream, Sendable {
        let written = Mutex<[String]>([])
        func write(_ string: String) { written.withLock { $0.append(string) } }
    }

    /// The same line as swift-log's `StreamLogHandler` for the same metadata, set one key at a time, given by a
    /// metadata provider (which wins over the former) and given with the line (which wins over both); nothing
    /// below the level.
    @Test(arguments: [false, true]) func theServerHandlerWritesWhatTheStreamHandlerWrites(withProvider: Bool) {
        let provider: Logger.MetadataProvider? = withProvider ? .init { ["tenant": "provided", "trace": "t-9"] } : nil
        let stock = Lines(), ours = Lines()
        var a = Logger(label: "kinerja-server") { StreamLogHandler(label: $0, stream: stock, metadataProvider: provider) }
        var b = Logger(label: "kinerja-server") { ServerLogHandler(StreamLogHandler(label: $0, stream: ours, metadataProvider: provider)) }
        a.logLevel = .info; b.logLevel = .info
        for (key, value) in [("request_id", "r-1"), ("tenant", "makassar"), ("key", "kin_abc"), ("tenant", "palu")] {
            a[metadataKey: key] = "\(value)"; b[metadataKey: key] = "\(value)"
        }
        for logger in [a, b] {
            logger.info("request", metadata: ["status": "200", "key": "kin_override"])
            logger.warning("plain")
            logger.debug("not written")
        }
        // Each line begins with its timestamp; the rest is the handler's.
        let strip = { (lines: [String]) in lines.map { String($0.drop { $0 != " " }) } }
        let (x, y) = (strip(stock.written.withLock { $0 }), strip(ours.written.withLock { $0 }))
        #expect(x.count == 2 && x == y, "\(x)\n\(y)")
        #expect(y.first?.contains("key=kin_override") == true)
        #expect(y.first?.contains(withProvider ? "tenant=provided" : "tenant=palu") == true, "\(y)")
    }

    @Test func aKeyWithSpacesAroundItInTheHeaderIsTheKey() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("hot-path")
        let key = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        try await withAPI { client in
            for token in ["  \(key)", "\(key)\t ", " \t\(key) "] {
                let r = try await client.get("/v1/me", token: token)
                #expect(r.status == .ok, "'\(token)': \(r.body)")
            }
            #expect(try await client.get("/v1/me", token: "x\(key)").status == .unauthorized)
        }
    }
}
