import Foundation
import HTTPTypes
import Hummingbird
import KinerjaStore
import NIOCore
import Synchronization

/// Per-key request rate: a token bucket per credential, `rate` a second with room for `burst` at once. Kept in
/// this process: several servers behind one address each allow the rate.
final class RateLimiter: Sendable {
    let rate: Double
    let burst: Double
    private let buckets = Mutex<[UUID: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    init(rate: Double, burst: Double) { (self.rate, self.burst) = (rate, burst) }

    /// Nil when the request may go ahead; else how many seconds until one may.
    func take(_ key: UUID, now: ContinuousClock.Instant = .now) -> Double? {
        buckets.withLock { b in
            var bucket = b[key] ?? (burst, now)
            let elapsed = now - bucket.at
            bucket.tokens = min(burst, bucket.tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * rate)
            bucket.at = now
            defer { b[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return (1 - bucket.tokens) / rate
        }
    }
}

/// The limits every request meets before its handler: the key's rate (429 with `Retry-After`) and the size of
/// its body (413; an employee import may be larger than anything else).
struct LimitsMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBody: Int
    let maxImportBody: Int
    let limiter: RateLimiter?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let limiter, let p = RequestState.current?.principal, let wait = limiter.take(p.keyID) {
            throw APIProblem.tooManyRequests(retryAfter: Int(wait.rounded(.up)), rate: limiter.rate)
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
