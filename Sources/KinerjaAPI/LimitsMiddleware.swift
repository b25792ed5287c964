import Foundation
import HTTPTypes
import Hummingbird
import KinerjaStore
import NIOCore
import Synchronization

/// Per-key request rate: a token bucket per credential, `rate` a second with room for `burst` at once. Kept in
/// this process: several servers behind one address each allow the rate. Every answer to a request it counts (a
/// `/v1` call whose key was accepted) says where the key stands: `RateLimit-Limit` (the burst),
/// `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the bucket is full again).
final class RateLimiter: Sendable {
    let rate: Double
    let burst: Double
    private let buckets = Mutex<[UUID: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    init(rate: Double, burst: Double) { (self.rate, self.burst) = (rate, burst) }

    /// What the bucket says about one request: whether it may go ahead, and what its answer tells the caller.
    struct Decision: Equatable {
        /// Nil when the request may go ahead; else how many seconds until one may.
        var wait: Double?
        /// Requests the key may still send at once, after this one (`RateLimit-Remaining`).
        var remaining: Int
        /// Seconds until the bucket is full again (`RateLimit-Reset`).
        var reset: Int
    }

    /// Buckets kept before the full ones are dropped: each login is a new key, and a key idle long enough
    /// for its bucket to fill again is as if it had none.
    static var pruneAbove: Int { 10_000 }

    /// Keys with a bucket now.
    var keys: Int { buckets.withLock { $0.count } }

    func take(_ key: UUID, now: ContinuousClock.Instant = .now) -> Decision {
        buckets.withLock { b in
            if b.count >= Self.pruneAbove, b[key] == nil {
                let full = Duration.seconds(burst / rate)
                b = b.filter { now - $0.value.at < full }
            }
            var bucket = b[key] ?? (burst, now)
            let elapsed = now - bucket.at
            bucket.tokens = min(burst, bucket.tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * rate)
            bucket.at = now
            defer { b[key] = bucket }
            var wait: Double? = nil
            if bucket.tokens >= 1 { bucket.tokens -= 1 } else { wait = (1 - bucket.tokens) / rate }
            // Clamped: a bucket set up in code (not through the server's settings) could be too slow for an Int.
            return Decision(wait: wait, remaining: Self.whole(bucket.tokens.rounded(.down)),
                            reset: Self.whole(((burst - bucket.tokens) / rate).rounded(.up)))
        }
    }

    /// `value` as a whole number from 0 to a billion (NaN: 0).
    static func whole(_ value: Double) -> Int { value >= 1e9 ? 1_000_000_000 : value > 0 ? Int(value) : 0 }

    /// The headers every answer to a limited key carries, so an integrator can pace itself before it meets a 429.
    func headers(_ d: Decision) -> HTTPFields {
        var h = HTTPFields()
        h[.rateLimitLimit] = String(Self.whole(burst.rounded(.down)))
        h[.rateLimitRemaining] = String(d.remaining)
        h[.rateLimitReset] = String(d.reset)
        return h
    }
}

extension HTTPField.Name {
    static let rateLimitLimit = Self("RateLimit-Limit")!
    static let rateLimitRemaining = Self("RateLimit-Remaining")!
    static let rateLimitReset = Self("RateLimit-Reset")!
}

/// The limits every request meets before its handler: the key's rate (429 with `Retry-After`) and the size of
/// its body (413; an employee import may be larger than anything else).
struct LimitsMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBody: Int
    let maxImportBody: Int
    let limiter: RateLimiter?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let limiter, let p = RequestState.current?.principal {
            let decision = limiter.take(p.keyID)
            // On every answer, errors included: the outermost middleware adds them.
            AccessLogFields.current?.add(headers: limiter.headers(decision))
            if let wait = decision.wait {
                throw APIProblem.tooManyRequests(retryAfter: Int(wait.rounded(.up)), rate: limiter.rate)
            }
        }
        let limit = request.uri.path.hasPrefix("/v1/imports/") ? maxImportBody : maxBody
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIProblem.contentTooLarge(length, limit: limit)
        }
        guard request.headers[.contentLength] == nil, [.post, .put, .patch].contains(request.method) else {
            return try await next(request, context)
        }
        // A body without a length (chunked): read up to the limit; more is refused the same way.
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIProblem.contentTooLarge(nil, limit: limit)
        }
        return try await next(request, context)
    }
}
