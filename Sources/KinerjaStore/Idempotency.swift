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
    /// How long a key is remembered, and after how long an unanswered claim is taken over.
    public static let idempotencyTTL: Duration = .seconds(86_400)
    public static let idempotencyAbandoned: Duration = .seconds(60)

    /// Claims `key` of credential `keyID` for a request with `hash` (commit the transaction before answering).
    public func claimIdempotency(keyID: UUID, key: String, hash: Data, method: String, path: String) async throws -> IdempotencyClaim {
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
        for try await _ in try await query("""
            insert into idempotency_keys (tenant_id, key_id, idem_key, request_hash, method, path)
            values (\(tenant.uuid), \(keyID), \(key), \(hash), \(method), \(path))
            on conflict do nothing returning 1
            """).decode(Int.self) { return .proceed }
        for try await (h, m, p, status, type, headers, body, stale) in try await query("""
            select request_hash, method, path, status, content_type, coalesce(headers, '{}'), body,
                   created_at < now() - make_interval(secs => \(Double(Self.idempotencyAbandoned.components.seconds)))
            from idempotency_keys where tenant_id = \(tenant.uuid) and key_id = \(keyID) and idem_key = \(key) for update
            """).decode((Data, String, String, Int?, String?, [String], Data?, Bool).self) {
            guard h == hash, m == method, p == path else { return .mismatch(firstPath: "\(m) \(p)") }
            if let status { return .replay(status: status, contentType: type, headers: headers, body: body ?? Data()) }
            guard stale else { return .inProgress }
            try await query("""
                update idempotency_keys set created_at = now() where tenant_id = \(tenant.uuid) and key_id = \(keyID) and idem_key = \(key)
                """)
            return .proceed
        }
        return .proceed
    }

    /// Keeps the answer to replay.
    public func completeIdempotency(keyID: UUID, key: String, status: Int, contentType: String?, headers: [String] = [],
                                    body: Data) async throws {
        try await query("""
            update idempotency_keys set status = \(status), content_type = \(contentType), headers = \(headers), body = \(body),
                   completed_at = now()
            where tenant_id = \(tenant.uuid) and key_id = \(keyID) and idem_key = \(key)
            """)
    }

    /// Forgets a claim whose request failed for a reason worth retrying (a server error, the database away).
    public func releaseIdempotency(keyID: UUID, key: String) async throws {
        try await query("delete from idempotency_keys where tenant_id = \(tenant.uuid) and key_id = \(keyID) and idem_key = \(key) and status is null")
    }
}
