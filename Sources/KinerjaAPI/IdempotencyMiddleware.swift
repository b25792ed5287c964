import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import KinerjaStore
import Logging
import NIOCore

/// `Idempotency-Key` on POST: a request sent again with the same key (same credential, city, method, path,
/// query and body) gets the first answer again, marked `Idempotency-Replayed: true`, and changes nothing; the
/// same key with another request answers 422 `idempotency_key_reused`; while the first is still being
/// answered, 409 `idempotency_in_progress`. Answers are kept a day, with the headers a client acts on (`ETag`,
/// `Location`). An answer that says nothing was done and the same request may succeed later is not kept, so it
/// can be sent again with the same key: a server error or an unreachable database (5xx), a conflict with a
/// concurrent change or with the record's state (409), a stale or missing `If-Match` (412, 428), a rate limit (429), a
/// refusal for what the key may do (403: HR may grant the scope) or for a record not there yet (404); nor is the
/// answer to a path or method no operation serves (404, 405), so a caller who mistyped the path sends the same
/// key to the right one.
///
/// A request being answered keeps its claim fresh (every third of `abandoned`), so a retry meanwhile is told 409
/// however long the work takes (a large import, a wait for a lock); a claim is taken over only once it has not
/// been kept fresh for `abandoned` (its server stopped), and then the late first attempt neither keeps its
/// answer nor frees the claim of the one that took over.
struct IdempotencyMiddleware<Context: RequestContext>: RouterMiddleware {
    let database: KinerjaDatabase
    var abandoned: Duration = TenantTransaction.idempotencyAbandoned
    /// The largest request body hashed, and the largest answer kept (a larger one is answered, not kept).
    static var maximumBody: Int { 64 << 20 }
    static var maximumKept: Int { 8 << 20 }
    /// The headers of an answer kept with it, for the replay.
    static var keptHeaders: [HTTPField.Name] { [.eTag, .location] }

    /// Whether an answer of `status` is kept: not when nothing was done and the same request may succeed later.
    static func keeps(_ status: Int) -> Bool {
        status < 500 && ![403, 404, 409, 412, 428, 429].contains(status)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[.idempotencyKey] else { return try await next(request, context) }
        guard (1...255).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.asciiValue.map { $0 >= 0x21 && $0 < 0x7F } == true }) else {
            throw APIProblem.invalid("Idempotency-Key '\(key.prefix(40))' is not 1-255 visible ASCII characters")
        }
        guard let p = RequestState.current?.principal, let city = p.tenant else { return try await next(request, context) }
        var request = request
        let body = try await request.collectBody(upTo: Self.maximumBody)
        var h = SHA256()
        h.update(data: Data("\(request.method.rawValue) \(request.uri.path)?\(request.uri.query ?? "")\n".utf8))
        h.update(data: Data(body.readableBytesView))
        let hash = Data(h.finalize())
        let path = request.uri.path
        let attempt = UUID()
        let abandoned = self.abandoned
        let claim = try await database.withTenant(city) {
            try await $0.claimIdempotency(keyID: p.keyID, key: key, hash: hash, method: request.method.rawValue, path: path,
                                          attempt: attempt, abandonedAfter: abandoned)
        }
        switch claim {
        case .replay(let status, let type, let kept, let data):
            var headers = HTTPFields()
            if let type { headers[.contentType] = type }
            for pair in stride(from: 0, to: kept.count - 1, by: 2) {
                if let name = HTTPField.Name(kept[pair]) { headers[name] = kept[pair + 1] }
            }
            headers[.idempotencyReplayed] = "true"
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        case .mismatch(let first):
            throw APIProblem(.unprocessableContent, code: "idempotency_key_reused", id: "Idempotency-Key sudah dipakai untuk permintaan lain",
                             en: "Idempotency-Key already used for another request",
                             detail: "Idempotency-Key '\(key)' was first used for "
                                 + (first == "\(request.method.rawValue) \(path)" ? "\(first) with another query or body" : first)
                                 + "; send a new key for a new request")
        case .inProgress:
            throw APIProblem(.conflict, code: "idempotency_in_progress", id: "Permintaan dengan Idempotency-Key ini sedang diproses",
                             en: "A request with this Idempotency-Key is in progress",
                             detail: "the first request with Idempotency-Key '\(key)' is still being answered: ask again in a moment")
        case .proceed:
            break
        }
        let database = self.database
        let keeper = Task {
            while true {
                do { try await Task.sleep(for: abandoned / 3) } catch { return }
                do {
                    // Taken over meanwhile (this server was unreachable for a while): the claim is another's now.
                    guard try await database.withTenant(city, { try await $0.keepIdempotencyClaim(keyID: p.keyID, key: key, attempt: attempt) })
                    else { return }
                } catch {
                    RequestState.current?.logger.warning("an Idempotency-Key's claim was not kept fresh; it is taken over if this goes on",
                                                         metadata: ["error": "\(StoreError.describe(error))", "path": "\(ProblemMiddleware<Context>.loggable(path))"])
                }
            }
        }
        defer { keeper.cancel() }
        let english = request.headers[.acceptLanguage]?.lowercased().hasPrefix("en") ?? false
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let problem = ProblemMiddleware<Context>.problem(for: error, logger: context.logger, path: path)
            // The router's own 404 and 405 (no operation ran) are HTTPErrors; the operations' are problems.
            let unrouted = (error as? HTTPError).map { [.notFound, .methodNotAllowed].contains($0.status) } ?? false
            guard Self.keeps(Int(problem.status.code)), !unrouted else {
                try? await database.withTenant(city) { try await $0.releaseIdempotency(keyID: p.keyID, key: key, attempt: attempt) }
                throw error
            }
            response = try problem.response(english: english, instance: path)
        }
        var collected = CollectingWriter()
        try await response.body.write(collected.self)
        _ = collected
        let bytes = try await collected.result()
        let status = Int(response.status.code)
        if Self.keeps(status), bytes.count <= Self.maximumKept {
            let headers = Self.keptHeaders.flatMap { name in response.headers[name].map { [name.canonicalName, $0] } ?? [] }
            do {
                try await database.withTenant(city) {
                    try await $0.completeIdempotency(keyID: p.keyID, key: key, attempt: attempt, status: status,
                                                     contentType: response.headers[.contentType], headers: headers, body: bytes)
                }
            } catch {
                // The request's work has committed: its answer stands. The claim stays unanswered, so the same key
                // answers 409 idempotency_in_progress until it is taken over as abandoned.
                context.logger.error("the answer to a request with an Idempotency-Key was not kept",
                                     metadata: ["error": "\(StoreError.describe(error))", "path": "\(ProblemMiddleware<Context>.loggable(path))"])
            }
        } else {
            try? await database.withTenant(city) { try await $0.releaseIdempotency(keyID: p.keyID, key: key, attempt: attempt) }
        }
        response.body = .init(byteBuffer: ByteBuffer(bytes: bytes))
        return response
    }
}

/// Collects a response body in memory (to keep it, and send it on).
struct CollectingWriter: ResponseBodyWriter {
    final class Box: @unchecked Sendable { var data = Data() }
    let box = Box()
    mutating func write(_ buffer: ByteBuffer) async throws { box.data.append(contentsOf: buffer.readableBytesView) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    func result() async throws -> Data { box.data }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotencyReplayed = Self("Idempotency-Replayed")!
}
