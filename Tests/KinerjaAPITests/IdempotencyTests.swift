import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import NIOCore
import PostgresNIO
import Testing

/// Idempotency-Key on POST: the same request again replays the first answer and changes nothing; the same key
/// with another request is refused; keys belong to one credential; a rejection is kept, a server error or a
/// conflict not.
@Suite struct IdempotencyTests {
    static let file = "NAMA,NIP,JENIS JABATAN,NAMA JABATAN,NAMA UNOR,UNOR INDUK\r\nAndi,198001012005011001,Struktural,Kepala Dinas,Dinas Sosial,Dinas Sosial\r\n"

    func post(_ client: some TestClientProtocol, _ body: String, token: String, key: String?) async throws -> Reply {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "text/csv"]
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        return try await client.execute(uri: "/v1/imports/employees", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
            Reply(status: r.status, headers: r.headers, body: String(buffer: r.body))
        }
    }

    func imports(_ city: Tenant) async throws -> Int {
        try await TestDatabase.admin().withTenant(city.id) { tx in
            for try await n in try await tx.query("select count(*)::int from audit_log where tenant_id = \(city.id.uuid) and action = 'employees.import'")
                .decode(Int.self) { return n }
            return 0
        }
    }

    @Test func theSameRequestReplaysAnotherIsRefused() async throws {
        let db = try await TestDatabase.admin()
        let (city, _) = try await TestDatabase.city("idem")
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let other = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let before = try await imports(city)
        try await withAPI { client in
            let first = try await post(client, Self.file, token: hr, key: "imp-1")
            #expect(first.status == .ok && first.json["new"] as? Int == 1, "\(first.body)")
            #expect(first.headers[HTTPField.Name("Idempotency-Replayed")!] == nil)
            let again = try await post(client, Self.file, token: hr, key: "imp-1")
            #expect(again.status == .ok && again.body == first.body && again.headers[HTTPField.Name("Idempotency-Replayed")!] == "true")
            #expect(try await imports(city) == before + 1, "the replay imported nothing")

            // The key with another body: refused, nothing changed.
            let changed = try await post(client, Self.file.replacingOccurrences(of: "Andi", with: "Budi"), token: hr, key: "imp-1")
            #expect(changed.status == .unprocessableContent && changed.code == "idempotency_key_reused", "\(changed.body)")
            #expect(try await db.withTenant(city.id) { try await $0.employee(nip: "198001012005011001") }?.name == "Andi")

            // Another credential's keys are its own: the same key is a new request there.
            let theirs = try await post(client, Self.file.replacingOccurrences(of: "Andi", with: "Budi"), token: other, key: "imp-1")
            #expect(theirs.status == .ok && theirs.json["changed"] as? Int == 1 && theirs.headers[HTTPField.Name("Idempotency-Replayed")!] == nil)

            // A rejection is an answer too: kept and replayed.
            let bad = "NAMA,NIP\r\nX,123\r\n"
            let r1 = try await post(client, bad, token: hr, key: "imp-bad")
            let r2 = try await post(client, bad, token: hr, key: "imp-bad")
            #expect(r1.status == .unprocessableContent && r2.status == r1.status && r2.body == r1.body)
            #expect(r2.headers[HTTPField.Name("Idempotency-Replayed")!] == "true")

            // A conflict is not kept: nothing was done, and the same request may succeed later (a concurrent change
            // gone, the state changed). The same key is answered again, not replayed.
            let opened = #"{"year": 2033}"#
            var periods: HTTPFields = [.authorization: "Bearer \(hr)", .contentType: "application/json"]
            periods[HTTPField.Name("Idempotency-Key")!] = "year-2033"
            _ = try await db.withTenant(city.id) { try await $0.openYear(2033, cadence: .quarterly, actor: "t") }
            for _ in 1...2 {
                let r = try await client.execute(uri: "/v1/periods", method: .post, headers: periods, body: ByteBuffer(string: opened)) {
                    Reply(status: $0.status, headers: $0.headers, body: String(buffer: $0.body))
                }
                #expect(r.status == .conflict && r.headers[HTTPField.Name("Idempotency-Replayed")!] == nil, "\(r.status) \(r.body)")
            }
            let kept = try await db.withTenant(city.id) { tx in
                for try await n in try await tx.query("select count(*)::int from idempotency_keys where idem_key = 'year-2033'").decode(Int.self) {
                    return n
                }
                return -1
            }
            #expect(kept == 0, "the conflict's key was released")

            // Expired keys go whoever claims next: an ended session's key id never claims again.
            let ended = UUID()
            try await db.withTenant(city.id) { tx in
                try await tx.query("""
                    insert into idempotency_keys (tenant_id, key_id, idem_key, request_hash, method, path, status, created_at)
                    values (\(city.id.uuid), \(ended), 'old', '\\x00', 'POST', '/v1/periods', 200, now() - interval '2 days')
                    """)
            }
            _ = try await post(client, Self.file, token: hr, key: "imp-after-expiry")
            let expired = try await db.withTenant(city.id) { tx in
                for try await n in try await tx.query("select count(*)::int from idempotency_keys where key_id = \(ended)").decode(Int.self) {
                    return n
                }
                return -1
            }
            #expect(expired == 0, "another credential's expired key was removed")

            // A key first sent to a path no operation serves is not used up: the same key then reaches the right
            // path. A key reused on another path names that path.
            var typo: HTTPFields = [.authorization: "Bearer \(hr)", .contentType: "text/csv"]
            typo[HTTPField.Name("Idempotency-Key")!] = "imp-typo"
            let lost = try await client.execute(uri: "/v1/employees/import", method: .post, headers: typo,
                                                body: ByteBuffer(string: Self.file)) { $0.status }
            #expect(lost == .notFound)
            let found = try await post(client, Self.file, token: hr, key: "imp-typo")
            #expect(found.status == .ok && found.headers[HTTPField.Name("Idempotency-Replayed")!] == nil, "\(found.body)")
            var json = typo
            json[.contentType] = "application/json"
            let elsewhere = try await client.execute(uri: "/v1/attendance/events", method: .post, headers: json,
                                                     body: ByteBuffer(string: #"{"events":[]}"#)) { String(buffer: $0.body) }
            #expect(elsewhere.contains("idempotency_key_reused") && elsewhere.contains("POST /v1/imports/employees")
                    && !elsewhere.contains("another query or body"), "\(elsewhere)")

            // A refusal for what the key may do is not kept: once city HR grants the scope, the same key goes through.
            let (integrator, integratorID) = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "", employeeNIP: nil,
                                                                       scopes: ["attendance"], actor: "t")
            let refused = try await post(client, Self.file, token: integrator, key: "imp-scope")
            #expect(refused.status == .forbidden, "\(refused.body)")
            _ = try await db.withTenant(city.id) { try await $0.changeAPIKeyScopes(integratorID.uuidString, add: ["employees"], remove: [], actor: "t") }
            let granted = try await post(client, Self.file, token: integrator, key: "imp-scope")
            #expect(granted.status == .ok && granted.headers[HTTPField.Name("Idempotency-Replayed")!] == nil, "\(granted.status) \(granted.body)")

            // A malformed key is named.
            let odd = try await post(client, Self.file, token: hr, key: "has space")
            #expect(odd.status == .badRequest && odd.body.contains("Idempotency-Key"))
            // Without a key, nothing changes: each request is its own.
            #expect(try await post(client, Self.file, token: hr, key: nil).status == .ok)
        }
    }

    /// A request still being answered keeps its claim, however long it takes: a retry meanwhile is told 409
    /// `idempotency_in_progress` and runs nothing, past the time after which a claim not kept fresh is taken over.
    /// Here the first import waits for the city's employee-write lock, held by another transaction.
    @Test func aRetryWhileTheFirstIsStillAnsweredRunsNothing() async throws {
        let db = try await TestDatabase.admin()
        let (city, _) = try await TestDatabase.city("idem-long")
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let before = try await imports(city)
        // Ten seconds: the keeper refreshes the claim every third of it, with room for a loaded machine's waits.
        var settings = ServerSettings(keyCacheTTL: .zero)
        settings.idempotencyAbandoned = .seconds(10)
        let (release, go) = AsyncStream<Void>.makeStream()
        let (held, hold) = AsyncStream<Void>.makeStream()
        try await withAPI(settings: settings) { client in
            let holder = Task {
                defer { hold.finish() }
                try await db.withTenant(city.id) { tx in
                    try await tx.query("select pg_advisory_xact_lock(hashtextextended('kinerja:employees:write:' || \(city.id.description), 0))")
                    hold.yield()
                    for await _ in release {}
                }
            }
            // The lock held, then the first request's claim made (it then waits for the lock).
            for await _ in held { break }
            func until(_ sql: PostgresQuery) async throws {
                for _ in 0..<600 where try await db.withTenant(city.id, { try await $0.int(sql) }) == 0 {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            async let first = post(client, Self.file, token: hr, key: "imp-long")
            try await until("select count(*)::int from idempotency_keys where tenant_id = \(city.id.uuid) and idem_key = 'imp-long'")
            try await Task.sleep(for: .seconds(12))
            let retry = try await post(client, Self.file, token: hr, key: "imp-long")
            go.finish()
            try await holder.value
            #expect(retry.status == .conflict && retry.code == "idempotency_in_progress", "\(retry.status) \(retry.body)")
            let answered = try await first
            #expect(answered.status == .ok && answered.json["new"] as? Int == 1, "\(answered.body)")
            let replayed = try await post(client, Self.file, token: hr, key: "imp-long")
            #expect(replayed.status == .ok && replayed.body == answered.body
                    && replayed.headers[HTTPField.Name("Idempotency-Replayed")!] == "true", "\(replayed.body)")
        }
        #expect(try await imports(city) == before + 1, "imported once")
    }

    /// A claim is one attempt's. Taken over once it was not kept fresh (its server stopped), the late first attempt
    /// neither keeps its answer nor frees the claim, nor keeps it fresh; the attempt that took it over does.
    @Test func aClaimTakenOverIsNoLongerTheFirstAttempts() async throws {
        let db = try await TestDatabase.admin()
        let (city, _) = try await TestDatabase.city("idem-attempt")
        let keyID = UUID()
        let (first, second) = (UUID(), UUID())
        func claim(_ attempt: UUID) async throws -> IdempotencyClaim {
            try await db.withTenant(city.id) {
                try await $0.claimIdempotency(keyID: keyID, key: "k", hash: Data([1]), method: "POST", path: "/v1/x", attempt: attempt)
            }
        }
        func age() async throws {
            try await db.withTenant(city.id) { tx in
                try await tx.query("update idempotency_keys set created_at = now() - interval '61 seconds' where key_id = \(keyID)")
            }
        }
        #expect(try await claim(first) == .proceed)
        try await age()
        #expect(try await db.withTenant(city.id) { try await $0.keepIdempotencyClaim(keyID: keyID, key: "k", attempt: first) })
        #expect(try await claim(second) == .inProgress, "kept fresh: not taken over")
        try await age()
        #expect(try await claim(second) == .proceed, "not kept fresh for a minute: taken over")
        try await db.withTenant(city.id) { tx in
            #expect(try await !tx.keepIdempotencyClaim(keyID: keyID, key: "k", attempt: first))
            #expect(try await !tx.completeIdempotency(keyID: keyID, key: "k", attempt: first, status: 200, contentType: nil, body: Data("late".utf8)))
            try await tx.releaseIdempotency(keyID: keyID, key: "k", attempt: first)
        }
        #expect(try await claim(UUID()) == .inProgress, "the second attempt's claim stands")
        #expect(try await db.withTenant(city.id) {
            try await $0.completeIdempotency(keyID: keyID, key: "k", attempt: second, status: 201, contentType: "text/plain", body: Data("ok".utf8))
        })
        #expect(try await claim(UUID()) == .replay(status: 201, contentType: "text/plain", headers: [], body: Data("ok".utf8)))
    }

    /// Isolation: an Idempotency-Key is its city's. One credential id in two cities (a regional key's id is the
    /// same in every city it reaches) with the same key and body: B's first request is B's own, never A's answer
    /// replayed; B cannot keep, complete or release A's claim; A's expired rows leave B's standing. Through the
    /// application role, where row-level security stands behind each statement's city.
    @Test func aKeysClaimsAreEachCitys() async throws {
        let db = try await TestDatabase.app()
        let (a, _) = try await TestDatabase.city("idem-iso-a")
        let (b, _) = try await TestDatabase.city("idem-iso-b")
        let keyID = UUID(), first = UUID()
        // A claim is never taken over as abandoned here: under the suite's load through PgBouncer this test ran
        // past the 60 s after which a claim not kept fresh is, and A's claim no longer stood.
        func claim(_ city: Tenant, _ attempt: UUID, key: String = "k") async throws -> IdempotencyClaim {
            try await db.withTenant(city.id) {
                try await $0.claimIdempotency(keyID: keyID, key: key, hash: Data([7]), method: "POST", path: "/v1/periods", attempt: attempt,
                                              abandonedAfter: .seconds(86_400))
            }
        }
        #expect(try await claim(a, first) == .proceed)
        // While A's claim is still being answered, B can neither keep, complete nor release it.
        try await db.withTenant(b.id) { tx in
            #expect(try await !tx.keepIdempotencyClaim(keyID: keyID, key: "k", attempt: first))
            #expect(try await !tx.completeIdempotency(keyID: keyID, key: "k", attempt: first, status: 200, contentType: nil, body: Data("B".utf8)))
            try await tx.releaseIdempotency(keyID: keyID, key: "k", attempt: first)
        }
        #expect(try await claim(a, UUID()) == .inProgress, "A's claim stands")
        #expect(try await db.withTenant(a.id) {
            try await $0.completeIdempotency(keyID: keyID, key: "k", attempt: first, status: 201, contentType: "text/plain", body: Data("A".utf8))
        })
        #expect(try await claim(b, UUID()) == .proceed, "B's first use of the key is B's own, not A's answer")
        #expect(try await claim(a, UUID()) == .replay(status: 201, contentType: "text/plain", headers: [], body: Data("A".utf8)))
        #expect(try await claim(b, UUID()) == .inProgress, "B's own claim, still being answered")
        // A claim in A prunes A's expired rows only.
        try await TestDatabase.owner().withTenant(b.id) { tx in
            try await tx.query("update idempotency_keys set created_at = now() - interval '2 days' where tenant_id = \(b.id.uuid) and key_id = \(keyID)")
        }
        #expect(try await claim(a, UUID(), key: "k2") == .proceed)
        let left = try await TestDatabase.owner().withTenant(b.id) { tx in
            try await tx.int("select count(*)::int from idempotency_keys where tenant_id = \(b.id.uuid) and key_id = \(keyID)")
        }
        #expect(left == 1, "B's expired row is B's to remove")
    }
}
