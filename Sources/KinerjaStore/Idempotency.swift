public import Foundation
import PostgresNIO

/// What a POST with an `Idempotency-Key` finds when it claims its key.
public enum IdempotencyClaim: Sendable, Equatable {
    /// First time (or the earlier attempt failed or was abandoned): answer it, then ``TenantTransaction/completeIdempotency``.
    case proceed
    /// The same request was answered before: send this again (`headers`: name and value pairs, as kept).
    case replay(status: Int, contentType: String?, headers: [String], body: Data)
    /// The key was used for another request (another body, path or method).
    case mismatch(firstPath: String)
    /// The same request is being answered right now.
    case inProgress
}

extension TenantTransaction {
    /// How long a key is remembered, and after how long a claim not kept fresh (``keepIdempotencyClaim``) is
    /// taken over: its server stopped before answering.
    public static let idempotencyTTL: Duration = .seconds(86_400)
    public static let idempotencyAbandoned: Duration = .seconds(60)

    /// Claims `key` of credential `keyID` for a request with `hash`, as `attempt` (commit the transaction before
    /// answering). A claim still being answered is taken over once `abandonedAfter` has passed since it was
    /// made or last kept fresh.
    public func claimIdempotency(keyID: UUID, key: String, hash: Data, method: String, path: String, attempt: UUID,
                                 abandonedAfter: Duration = idempotencyAbandoned) async throws -> IdempotencyClaim {
        // The caller's own expired keys first (so a key sent again after its day is a new request), then the
        // city's others a few at a time: a session's keys outlive the session, whose key id never comes again.
        // Rows another claim is removing are skipped, not waited for; the first statement waits holding no lock.
        try await query("""
            delete from idempotency_keys where tenant_id = \(tenant.uuid) and key_id = \(keyID)
              and created_at < now() - make_interval(secs => \(Double(Self.idempotencyTTL.components.seconds)))
            """)
        try await query("""
            delete from idempotency_keys where ctid = any(array(
                select ctid from idempotency_keys where tenant_id = \(tenant.uuid)
                  and created_at < now() - make_interval(secs => \(Double(Self.idempotencyTTL.components.seconds)))
                limit 100 for update skip locked))
            """)
        // The claim standing in the way may be released between the insert and the read (its request failed):
        // then the insert is tried again, a few times, rather than going ahead with no claim behind it.
        for _ in 1...3 {
            for try await _ in try await query("""
                insert into idempotency_keys (tenant_id, key_id, idem_key, request_hash, method, path, attempt)
                values (\(tenant.uuid), \(keyID), \(key), \(hash), \(method), \(path), \(attempt))
                on conflict do nothing returning 1
                """).decode(Int.self) { return .proceed }
            for try await (h, m, p, status, type, headers, body, stale) in try await query("""
                select request_hash, method, path, status, content_type, coalesce(headers, '{}'), body,
                       created_at < now() - make_interval(secs => \(Self.seconds(abandonedAfter)))
                from idempotency_keys where tenant_id = \(tenant.uuid) and key_id = \(keyID) and idem_key = \(key) for update
                """).decode((Data, String, String, Int?, String?, [String], Data?, Bool).self) {
                guard h == hash, m == method, p == path else { return .mismatch(firstPath: "\(m) \(p)") }
                if let status { return .replay(status: status, contentType: type, headers: headers, body: body ?? Data()) }
                guard stale else { return .inProgress }
                try await query("""
                    update idempotency_keys set created_at = now(), attempt = \(attempt)
                    where tenant_id = \(tenant.uuid) and key_id = \(keyID) and idem_key = \(key)
                    """)
                return .proceed
            }
        }
        return .inProgress
    }

    /// Keeps the answer to replay, if `attempt` still holds the claim (one taken over meanwhile keeps nothing).
    /// Returns whether it was kept.
    @discardableResult
    public func completeIdempotency(keyID: UUID, key: String, attempt: UUID, status: Int, contentType: String?, headers: [String] = [],
                                    body: Data) async throws -> Bool {
        for try await _ in try await query("""
            update idempotency_keys set status = \(status), content_type = \(contentType), headers = \(headers), body = \(body),
                   completed_at = now()
            where tenant_id = \(tenant.uuid) and key_id = \(keyID) and idem_key = \(key) and attempt = \(attempt) and status is null
            returning 1
            """).decode(Int.self) { return true }
        return false
    }

    /// Forgets the claim of `attempt`, whose request failed for a reason worth retrying (a server error, the
    /// database away); a claim another attempt has taken over is left to it.
    public func releaseIdempotency(keyID: UUID, key: String, attempt: UUID) async throws {
        try await query("""
            delete from idempotency_keys where tenant_id = \(tenant.uuid) and key_id = \(keyID) and idem_key = \(key)
              and attempt = \(attempt) and status is null
            """)
    }

    /// Keeps the claim of `attempt` fresh while its request is still being answered, so that it is not taken over
    /// as abandoned. Returns false when the claim is no longer this attempt's.
    @discardableResult
    public func keepIdempotencyClaim(keyID: UUID, key: String, attempt: UUID) async throws -> Bool {
        for try await _ in try await query("""
            update idempotency_keys set created_at = now()
            where tenant_id = \(tenant.uuid) and key_id = \(keyID) and idem_key = \(key) and attempt = \(attempt) and status is null
            returning 1
            """).decode(Int.self) { return true }
        return false
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
