import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import KinerjaAPI
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import NIOCore
import Testing

/// ETag on reads and If-None-Match (304); If-Match on a plan and on a rating: a change made from a version
/// someone changed since answers 412 and changes nothing.
@Suite struct EntityTagTests {
    /// A tag is the first 16 bytes of the body's SHA-256, in lowercase hex (known digests).
    @Test func aTagIsTheHashOfTheBody() {
        #expect(EntityTag.tag(Data()) == #"W/"e3b0c44298fc1c149afbf4c8996fb924""#)
        #expect(EntityTag.tag(Data("abc".utf8)) == #"W/"ba7816bf8f01cfea414140de5dae2223""#)
    }

    func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String, body: String? = nil,
              headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        headers[.authorization] = "Bearer \(token)"
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { r in
            Reply(status: r.status, headers: r.headers, body: String(buffer: r.body))
        }
    }

    @Test func readsAreTaggedAndStaleWritesRefused() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("etag", employees: 300)
        let profile = try NationalAdapter().effectiveProfile()
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 7, day: 1), actor: "t")
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
        }
        let c = TestDatabase.chain(pop)
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        try await withAPI { client in
            // Any read: tagged; unchanged, 304 without a body.
            let list = try await send(client, .get, "/v1/employees?limit=5", token: hr)
            let tag = try #require(list.headers[.eTag])
            #expect(tag.hasPrefix("W/\""))
            let again = try await send(client, .get, "/v1/employees?limit=5", token: hr, headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified && again.body.isEmpty)
            #expect(try await send(client, .get, "/v1/employees?limit=6", token: hr, headers: [.ifNoneMatch: tag]).status == .ok)

            // The plan: saved with its current tag, then a save with the old tag is refused.
            let skpURI = "/v1/employees/\(c.staff.nip)/skp/2026"
            let skp = try await send(client, .get, skpURI, token: hr)
            let skpTag = try #require(skp.headers[.eTag])
            #expect(try await send(client, .get, skpURI, token: hr, headers: [.ifNoneMatch: skpTag]).status == .notModified)
            let revision = try #require(skp.json["skp"] as? [String: Any])
            let content: [String: Any] = ["approach": revision["approach"] ?? "kuantitatif", "rhk": revision["rhk"] ?? []]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: content), as: UTF8.self)
            let saved = try await send(client, .put, skpURI, token: hr, body: body, headers: [.ifMatch: skpTag])
            #expect(saved.status == .ok, "\(saved.body.prefix(300))")
            let newTag = try #require(try await send(client, .get, skpURI, token: hr).headers[.eTag])
            #expect(newTag != skpTag)
            // The save's answer carries the new version's tag: the next change needs no read first.
            #expect(saved.headers[.eTag] == newTag)
            let stale = try await send(client, .put, skpURI, token: hr, body: body, headers: [.ifMatch: skpTag])
            #expect(stale.status == .preconditionFailed && stale.code == "precondition_failed", "\(stale.body.prefix(300))")
            #expect(try await send(client, .get, skpURI, token: hr).headers[.eTag] == newTag, "the refused save changed nothing")
            // Without If-Match, a save of the SKP that exists: 428, and it stays as it was.
            let bareSave = try await send(client, .put, skpURI, token: hr, body: body)
            #expect(bareSave.status == .preconditionRequired && bareSave.code == "precondition_required", "\(bareSave.status) \(bareSave.body.prefix(300))")
            #expect(try await send(client, .get, skpURI, token: hr).headers[.eTag] == newTag, "the refused save changed nothing")

            // A rating: confirmed against its version; a second confirmation from the old version is refused.
            let evURI = "/v1/employees/\(c.staff.nip)/evaluations/2026/Y"
            let ev = try await send(client, .get, evURI, token: hr)
            let evTag = try #require(ev.headers[.eTag])
            let rating = #"{"hasilKerja": "Sesuai Ekspektasi", "perilaku": "Sesuai Ekspektasi", "reason": "dinilai atasan"}"#
            let ok = try await send(client, .post, "\(evURI)/confirm", token: hr, body: rating, headers: [.ifMatch: evTag])
            #expect(ok.status == .ok, "\(ok.body.prefix(300))")
            let confirmedTag = try #require(ok.headers[.eTag], "the confirmation's answer carries its version")
            #expect(try await send(client, .get, evURI, token: hr).headers[.eTag] == confirmedTag)
            let higher = rating.replacingOccurrences(of: "Sesuai Ekspektasi\", \"reason", with: "Di Atas Ekspektasi\", \"reason")
            let key = HTTPField.Name("Idempotency-Key")!, replayed = HTTPField.Name("Idempotency-Replayed")!
            let late = try await send(client, .post, "\(evURI)/confirm", token: hr, body: higher, headers: [.ifMatch: evTag, key: "conf-1"])
            #expect(late.status == .preconditionFailed)
            let now = try await send(client, .get, evURI, token: hr)
            #expect((now.json["ratingHasilKerja"] as? String) == "Sesuai Ekspektasi", "\(now.body.prefix(300))")
            // Read again and sent with the same Idempotency-Key: the 412 was not kept, so this is a new attempt.
            // Its answer is kept with its ETag, which the replay carries too.
            let retried = try await send(client, .post, "\(evURI)/confirm", token: hr, body: higher, headers: [.ifMatch: confirmedTag, key: "conf-1"])
            #expect(retried.status == .ok && retried.headers[replayed] == nil, "\(retried.status) \(retried.body.prefix(300))")
            let retriedTag = try #require(retried.headers[.eTag])
            let replay = try await send(client, .post, "\(evURI)/confirm", token: hr, body: higher, headers: [.ifMatch: confirmedTag, key: "conf-1"])
            #expect(replay.status == .ok && replay.headers[replayed] == "true" && replay.body == retried.body)
            #expect(replay.headers[.eTag] == retriedTag, "the replay carries the first answer's ETag")
            #expect(try await send(client, .get, evURI, token: hr).headers[.eTag] == retriedTag)
            // Without If-Match: 428, and the rating stays.
            let bare = try await send(client, .post, "\(evURI)/confirm", token: hr, body: rating)
            #expect(bare.status == .preconditionRequired && bare.code == "precondition_required", "\(bare.status) \(bare.body.prefix(300))")
            #expect(try await send(client, .get, evURI, token: hr).headers[.eTag] == retriedTag, "the refused confirmation changed nothing")
            // `*`: whatever version exists.
            #expect(try await send(client, .post, "\(evURI)/confirm", token: hr, body: rating, headers: [.ifMatch: "*"]).status == .ok)
            // Made final: the employee confirming their own (with an atasan key of theirs) is told 403, who they are,
            // with If-Match as without it (before, the lock's "final" came first with it: 409).
            _ = try await db.withTenant(city.id) { try await $0.finalizeDemoRound(year: 2026, period: .year, profile: profile, actor: "t") }
            let own = try await db.createAPIKey(tenants: [city.id], role: .atasan, label: "", employeeNIP: c.staff.nip, actor: "t").token
            for tag in ["*", nil] as [String?] {
                let r = try await send(client, .post, "\(evURI)/confirm", token: own, body: rating, headers: tag.map { [.ifMatch: $0] } ?? [:])
                #expect(r.status == .forbidden, "\(String(describing: tag)): \(r.status) \(r.body.prefix(300))")
            }
            let final = try await send(client, .post, "\(evURI)/confirm", token: hr, body: rating, headers: [.ifMatch: "*"])
            #expect(final.status == .conflict && final.body.contains("final"), "\(final.status) \(final.body.prefix(300))")
        }
    }

    /// A city of 300 with the year open and every SKP approved (realisasi to July): its chain of people and an
    /// hr_admin key.
    static func cityWithPlans(_ label: String) async throws -> (KinerjaDatabase, Tenant, (kepala: DemoPopulation.Person, kabid: DemoPopulation.Person,
                                                                                      kasi: DemoPopulation.Person, staff: DemoPopulation.Person,
                                                                                      peer: DemoPopulation.Person), String) {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("\(label)", employees: 300)
        let profile = try NationalAdapter().effectiveProfile()
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 7, day: 1), actor: "t")
        }
        let c = TestDatabase.chain(pop)
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        return (db, city, c, hr)
    }

    /// An atasan decides on the version they read: approving or returning with the `ETag` of a screen the SKP
    /// changed since (returned, saved and submitted again) answers 412 and decides nothing.
    @Test func aDecisionOnAStaleScreenIsRefused() async throws {
        let (db, city, c, hr) = try await Self.cityWithPlans("etag-decide")
        try await withAPI { client in
            let uri = "/v1/employees/\(c.staff.nip)/skp/2026"
            let revision = try #require(try await send(client, .get, uri, token: hr).json["skp"] as? [String: Any])
            let content: [String: Any] = ["approach": revision["approach"] ?? "kuantitatif", "rhk": revision["rhk"] ?? []]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: content), as: UTF8.self)
            func resubmit() async throws -> String {
                let current = try #require(try await send(client, .get, uri, token: hr).headers[.eTag])
                let saved = try await send(client, .put, uri, token: hr, body: body, headers: [.ifMatch: current])
                #expect(saved.status == .ok, "\(saved.body.prefix(300))")
                let submitted = try await send(client, .post, "\(uri)/submit", token: hr)
                #expect(submitted.status == .ok, "\(submitted.body.prefix(300))")
                return try #require(try await send(client, .get, uri, token: hr).headers[.eTag])
            }
            let first = try await resubmit()
            let note = #"{"note": "target dokumen terlalu rendah"}"#
            let returned = try await send(client, .post, "\(uri)/return", token: hr, body: note, headers: [.ifMatch: first])
            #expect(returned.status == .ok, "\(returned.body.prefix(300))")
            let afterReturn = try #require(returned.headers[.eTag])
            #expect(try await send(client, .get, uri, token: hr).headers[.eTag] == afterReturn, "the answer carries the new version's tag")

            // Saved and submitted again: the screen read before the return is stale for either decision.
            let second = try await resubmit()
            for (path, payload) in [("approve", nil), ("return", note)] as [(String, String?)] {
                for stale in [first, afterReturn] {
                    let r = try await send(client, .post, "\(uri)/\(path)", token: hr, body: payload, headers: [.ifMatch: stale])
                    #expect(r.status == .preconditionFailed && r.code == "precondition_failed", "\(path): \(r.status) \(r.body.prefix(300))")
                }
            }
            // The employee may decide nothing of their own SKP: told so (403), whatever tag they send, stale or
            // none; a precondition is judged only on a request that would otherwise be made.
            let own = try await db.createAPIKey(tenants: [city.id], role: .pegawai, label: "", employeeNIP: c.staff.nip, actor: "t").token
            for tag in [first, nil] as [String?] {
                let r = try await send(client, .post, "\(uri)/approve", token: own, headers: tag.map { [.ifMatch: $0] } ?? [:])
                #expect(r.status == .forbidden, "\(String(describing: tag)): \(r.status) \(r.body.prefix(300))")
            }
            // Without If-Match, either decision would be made on a version nobody said they read: 428, and nothing
            // changes; the 428 is not kept under its Idempotency-Key, so the same key sent again with the tag is a
            // new attempt.
            let idempotencyKey = HTTPField.Name("Idempotency-Key")!
            for (path, payload) in [("/approve", nil), ("/return", note)] as [(String, String?)] {
                let r = try await send(client, .post, uri + path, token: hr, body: payload, headers: [idempotencyKey: "bare-\(path)"])
                #expect(r.status == .preconditionRequired && r.code == "precondition_required" && r.body.contains("If-Match: *"),
                        "\(path): \(r.status) \(r.body.prefix(300))")
            }
            let still = try await send(client, .get, uri, token: hr)
            #expect(still.headers[.eTag] == second, "the refused decisions changed nothing")
            #expect(((still.json["pending"] as? [String: Any])?["status"] as? String) == "submitted", "\(still.body.prefix(300))")

            let approved = try await send(client, .post, "\(uri)/approve", token: hr, headers: [.ifMatch: second, idempotencyKey: "bare-/approve"])
            #expect(approved.status == .ok && (approved.json["status"] as? String) == "approved", "\(approved.body.prefix(300))")
            let current = try await send(client, .get, uri, token: hr).headers[.eTag]
            #expect(approved.headers[.eTag] != nil && approved.headers[.eTag] == current, "the answer carries the new version's tag")
        }
    }

    /// A submission with `If-Match` sends the draft the submitter read: a draft saved by someone else since answers
    /// 412 and stays a draft; with the current tag it is submitted, and the answer carries the new version's tag.
    @Test func aSubmissionOfAStaleDraftIsRefused() async throws {
        let (db, city, c, hr) = try await Self.cityWithPlans("etag-submit")
        let own = try await db.createAPIKey(tenants: [city.id], role: .pegawai, label: "", employeeNIP: c.staff.nip, actor: "t").token
        try await withAPI { client in
            let uri = "/v1/employees/\(c.staff.nip)/skp/2026"
            let read = try await send(client, .get, uri, token: own)
            let revision = try #require(read.json["skp"] as? [String: Any])
            let content: [String: Any] = ["approach": revision["approach"] ?? "kuantitatif", "rhk": revision["rhk"] ?? []]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: content), as: UTF8.self)
            // The employee saves a draft and reads it; HR saves it again meanwhile.
            let draft = try await send(client, .put, uri, token: own, body: body, headers: [.ifMatch: try #require(read.headers[.eTag])])
            #expect(draft.status == .ok, "\(draft.body.prefix(300))")
            let seen = try #require(draft.headers[.eTag])
            var edited = try #require(content["rhk"] as? [[String: Any]])
            edited[0]["text"] = "\(edited[0]["text"] ?? "") (disunting BKPSDM)"
            let editedBody = String(decoding: try JSONSerialization.data(withJSONObject: ["approach": content["approach"]!, "rhk": edited]),
                                    as: UTF8.self)
            let byHR = try await send(client, .put, uri, token: hr, body: editedBody, headers: [.ifMatch: seen])
            #expect(byHR.status == .ok, "\(byHR.body.prefix(300))")
            let current = try #require(byHR.headers[.eTag])
            #expect(current != seen)

            let stale = try await send(client, .post, "\(uri)/submit", token: own, headers: [.ifMatch: seen])
            #expect(stale.status == .preconditionFailed && stale.code == "precondition_failed", "\(stale.status) \(stale.body.prefix(300))")
            let after = try await send(client, .get, uri, token: own)
            #expect(after.headers[.eTag] == current, "the refused submission changed nothing")
            #expect(((after.json["pending"] as? [String: Any])?["status"] as? String) == "draft", "\(after.body.prefix(300))")

            let submitted = try await send(client, .post, "\(uri)/submit", token: own, headers: [.ifMatch: current])
            #expect(submitted.status == .ok && (submitted.json["status"] as? String) == "submitted", "\(submitted.body.prefix(300))")
            let now = try await send(client, .get, uri, token: own)
            #expect(submitted.headers[.eTag] != nil && submitted.headers[.eTag] == now.headers[.eTag], "the answer carries the new version's tag")
            #expect(((now.json["pending"] as? [String: Any])?["status"] as? String) == "submitted", "\(now.body.prefix(300))")
        }
    }
}

/// The rate limiter keeps a bucket per key; each login is a new key. Past its limit of keys, the buckets full
/// again (idle long enough) are dropped, so memory does not grow with every login the server has seen.
@Suite struct RateLimiterTests {
    @Test func fullBucketsAreDroppedPastTheLimit() {
        let limiter = RateLimiter(rate: 10, burst: 20)
        let start = ContinuousClock.now
        for _ in 0..<RateLimiter.pruneAbove { _ = limiter.take(UUID(), now: start) }
        #expect(limiter.keys == RateLimiter.pruneAbove)
        // A second later, one more key: the others are not full yet (2 s to fill), all are kept.
        let busy = UUID()
        _ = limiter.take(busy, now: start + .seconds(1))
        #expect(limiter.keys == RateLimiter.pruneAbove + 1)
        // Three seconds after the first ones: they are full again and go; the one a second later is not yet.
        let later = limiter.take(UUID(), now: start + .seconds(2.5))
        #expect(limiter.keys == 2 && later.wait == nil)
        #expect(limiter.take(busy, now: start + .seconds(2.5)).remaining == 19, "its bucket kept, refilled to 20 at most, less this one")
    }
}

