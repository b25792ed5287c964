import Foundation
import Synchronization
import HTTPTypes
import KinerjaStore
import KinerjaTestSupport
import Testing

/// GET /v1/changes: the city's changes in chain order from a cursor, nothing from another city, nothing
/// before it is sealed, resumable.
@Suite struct ChangeFeedTests {
    @Test func aFeedInOrderFromACursor() async throws {
        let db = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city("feed-a")
        let (b, _) = try await TestDatabase.city("feed-b")
        let integrator = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "", employeeNIP: nil, actor: "t").token
        let pegawai = try await db.createAPIKey(tenants: [a.id], role: .pegawai, label: "", employeeNIP: pop.people[3].nip, actor: "t").token
        let bKey = try await db.createAPIKey(tenants: [b.id], role: .integrator, label: "", employeeNIP: nil, actor: "t").token
        try await db.withTenant(b.id) { try await $0.audit(actor: "t", action: "test.b-only", subject: "B") }
        try await db.sealAudit(a.id)
        try await db.sealAudit(b.id)
        try await withAPI { client in
            var all: [[String: Any]] = []
            var cursor: String? = nil
            repeat {
                let page = try await client.get("/v1/changes?limit=2" + (cursor.map { "&after=\($0)" } ?? ""), token: integrator)
                #expect(page.status == .ok, "\(page.body)")
                let items = page.items
                all += items
                cursor = items.isEmpty ? nil : page.json["nextCursor"] as? String
            } while cursor != nil
            let positions = all.compactMap { ($0["cursor"] as? String)?.split(separator: ".").first.flatMap { Int($0) } }
            #expect(positions == Array(1...positions.count), "in chain order, no gap: \(positions)")
            #expect(all.contains { $0["action"] as? String == "tenant.onboard" })
            #expect(!all.contains { $0["action"] as? String == "test.b-only" }, "another city's change")

            // Caught up: nothing new, the same cursor back. A new change shows once sealed, after the cursor.
            let last = try #require(all.last?["cursor"] as? String)
            let idle = try await client.get("/v1/changes?after=\(last)", token: integrator)
            #expect(idle.items.isEmpty && idle.json["nextCursor"] as? String == last)
            try await db.withTenant(a.id) { try await $0.audit(actor: "t", action: "test.new", subject: pop.people[3].nip, detail: ["x": "1"]) }
            try await db.sealAudit(a.id)
            let next = try await client.get("/v1/changes?after=\(last)", token: integrator)
            #expect(next.items.count == 1 && next.items[0]["action"] as? String == "test.new" && next.items[0]["entity"] as? String == pop.people[3].nip)
            #expect((next.items[0]["detail"] as? [String: Any])?["x"] as? String == "1")

            // B's feed is B's own; an employee's key has none.
            let theirs = try await client.get("/v1/changes", token: bKey)
            #expect(theirs.items.contains { $0["action"] as? String == "test.b-only" } && !theirs.items.contains { $0["action"] as? String == "test.new" })
            #expect(try await client.get("/v1/changes", token: pegawai).status == .forbidden)
            #expect(try await client.get("/v1/changes?after=x", token: integrator).status == .badRequest)

            // A cursor is its city's: B's feed refuses A's (positions are per city, so it would skip or wait).
            let foreign = try await client.get("/v1/changes?after=\(last)", token: bKey)
            #expect(foreign.status == .badRequest && foreign.body.contains("another city"), "\(foreign.body)")
            // A bare position (the form before the city's mark) is still read.
            let bare = try await client.get("/v1/changes?after=\(positions.last!)", token: integrator)
            #expect(bare.status == .ok && bare.items.count == 1, "\(bare.body)")
            // A position past the feed's last (a log restored from an archive, a number made up) is refused with the
            // last one: answered, the reader would skip every entry up to it unseen.
            let head = positions.last! + 1
            for ahead in ["\(head + 5)", "\(head + 5).\(last.split(separator: ".").last!)"] {
                let past = try await client.get("/v1/changes?after=\(ahead)", token: integrator)
                #expect(past.status == .badRequest && past.body.contains("(\(head))") && past.body.contains("past the last position"), "\(past.body)")
            }
            #expect(try await client.get("/v1/changes?after=\(head)", token: integrator).status == .ok, "the last position itself")
            // Isolation: B's longer log neither widens A's range nor is named to A.
            try await db.withTenant(b.id) { tx in
                for _ in 0..<Int(head + 10) { try await tx.audit(actor: "t", action: "test.b-more", subject: "B") }
            }
            try await db.sealAudit(b.id)
            let bHead = Int(try await db.withTenant(b.id) { try await $0.feedHead() })
            #expect(bHead > head + 5)
            let between = try await client.get("/v1/changes?after=\(head + 5)", token: integrator)
            // B's head as a number of its own: the digits may well occur inside a cursor's mark (5.e32193b0 for 21).
            let named = between.body.range(of: "\\b\(bHead)\\b", options: .regularExpression) != nil
            #expect(between.status == .badRequest && between.body.contains("(\(head))") && !named, "\(between.body)")
        }
    }

    /// Entries about one person's rating, discipline, feedback or login reach hr_admin and the SIASN sync key
    /// (granted `siasn` by name), not an attendance machine's key; that key's cursor goes on past them.
    @Test func personalChangesOnlyReachThoseWhoMayReadThem() async throws {
        let db = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city("feed-personal")
        let machine = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "absensi", employeeNIP: nil,
                                                scopes: ["attendance"], actor: "t").token
        let siasn = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "siasn", employeeNIP: nil, scopes: ["siasn"], actor: "t").token
        let hr = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let feed = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "e-kinerja", employeeNIP: nil,
                                             scopes: ["realisasi"], actor: "t").token
        let nip = pop.people[3].nip
        try await db.withTenant(a.id) { tx in
            try await tx.audit(actor: "t", action: "evaluate.confirm", subject: "\(nip)/2026/Y", detail: ["predikat": "Kurang"])
            try await tx.audit(actor: "t", action: "discipline.impose", subject: nip, detail: ["note": "x"])
            try await tx.audit(actor: "t", action: "user.login_failed", subject: nip)
            try await tx.audit(actor: "t", action: "skp.feedback", subject: "\(nip)/2026")
            try await tx.audit(actor: "t", action: "skp.return", subject: "\(nip)/2026", detail: ["note": "x"])
            try await tx.audit(actor: "t", action: "realisasi.report", subject: "\(nip)/2026")
            try await tx.audit(actor: "t", action: "region.grant", subject: "198001012005011001", detail: ["name": "Staf Kanreg"])
        }
        try await db.sealAudit(a.id)
        try await withAPI { client in
            func actions(_ token: String) async throws -> (Set<String>, String) {
                let page = try await client.get("/v1/changes?limit=1000", token: token)
                #expect(page.status == .ok, "\(page.body)")
                return (Set(page.items.compactMap { $0["action"] as? String }), page.json["nextCursor"] as? String ?? "")
            }
            let personal: Set = ["evaluate.confirm", "discipline.impose", "user.login_failed", "skp.feedback", "skp.return", "realisasi.report",
                                 "region.grant"]
            let (seen, cursor) = try await actions(machine)
            #expect(seen.isDisjoint(with: personal) && seen.contains("tenant.onboard"), "\(seen)")
            // A key that writes realisasi reads them, not the ratings.
            let theirs = try await actions(feed).0
            #expect(theirs.contains("realisasi.report") && theirs.isDisjoint(with: personal.subtracting(["realisasi.report"])), "\(theirs)")
            #expect(try await actions(siasn).0.isSuperset(of: personal))
            let (all, last) = try await actions(hr)
            #expect(all.isSuperset(of: personal))
            // The machine's cursor is past the entries it does not see: the same position as HR's.
            #expect(cursor == last, "\(cursor) \(last)")
            // The resources behind those entries alike: ratings and follow-ups for the siasn key, not the machine.
            for uri in ["/v1/followups?year=2026", "/v1/employees/\(nip)/followups/2026", "/v1/employees/\(nip)/evaluations/2026/Y"] {
                let refused = try await client.get(uri, token: machine)
                #expect(refused.status == .forbidden && refused.body.contains("scope siasn"), "\(uri): \(refused.status) \(refused.body.prefix(200))")
                let read = try await client.get(uri, token: siasn)
                #expect(read.status == .ok || (read.status == .notFound && read.body.contains("no evaluation")), "\(uri): \(read.status) \(read.body.prefix(200))")
            }
            try await db.withTenant(a.id) { try await $0.audit(actor: "t", action: "attendance.ingest", subject: "") }
            try await db.sealAudit(a.id)
            let next = try await client.get("/v1/changes?after=\(cursor)", token: machine)
            #expect(next.items.map { $0["action"] as? String } == ["attendance.ingest"], "\(next.body)")
        }
    }

    /// A payroll job's key made without `siasn` is granted it with `apikey scope`, the token unchanged: the
    /// follow-ups it was refused answer. A key listing no scopes keeps the four ingestion ones. What cannot be
    /// is refused with nothing changed, and each change is audited.
    @Test func aKeyGrantedSiasnLaterReadsWithTheSameToken() async throws {
        let db = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city("feed-scope")
        let (b, _) = try await TestDatabase.city("feed-scope-b")
        let payroll = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "payroll", employeeNIP: nil, actor: "t")
        let prefix = APIToken.prefix(payroll.token)
        let uri = "/v1/employees/\(pop.people[3].nip)/followups/2026"
        try await withAPI { client in
            // The refusal says how to grant it to this very key.
            let refused = try await client.get(uri, token: payroll.token)
            #expect(refused.status == .forbidden && refused.body.contains("apikey scope --tenant \(a.code) \(prefix) --add siasn"),
                    "\(refused.body.prefix(300))")
            let changed = try await db.withTenant(a.id) { try await $0.changeAPIKeyScopes(prefix, add: ["siasn"], remove: [], actor: "t") }
            #expect(changed.before == APIKey.ingestionScopes)
            #expect(changed.after == ["attendance", "complaints", "realisasi", "employees", "siasn"])
            let read = try await client.get(uri, token: payroll.token)
            #expect(read.status == .ok, "\(read.status) \(read.body.prefix(200))")
            // Still an ingestion key: it writes attendance as before.
            let events = try await client.send("/v1/attendance/events", method: .post, json: #"{"events": []}"#, token: payroll.token)
            #expect(events.status != .forbidden, "\(events.status) \(events.body.prefix(200))")
            // Taken away again: refused again.
            _ = try await db.withTenant(a.id) { try await $0.changeAPIKeyScopes(prefix, add: [], remove: ["siasn"], actor: "t") }
            #expect(try await client.get(uri, token: payroll.token).status == .forbidden)
        }
        let listed = try await db.withTenant(a.id) { try await $0.apiKeys() }.first { $0.prefix == prefix }
        #expect(listed?.grantedScopes == APIKey.ingestionScopes)

        // Two changes at once: the second waits for the first and builds on it (it read the key before, and
        // wrote over the first's siasn).
        let first = Mutex(false)
        let holding = Task {
            try await db.withTenant(a.id) { tx in
                _ = try await tx.changeAPIKeyScopes(prefix, add: ["siasn"], remove: [], actor: "t")
                first.withLock { $0 = true }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        while !first.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let second = try await db.withTenant(a.id) { try await $0.changeAPIKeyScopes(prefix, add: [], remove: ["employees"], actor: "t") }
        try await holding.value
        #expect(second.after == ["attendance", "complaints", "realisasi", "siasn"], "\(second.after)")
        _ = try await db.withTenant(a.id) { try await $0.changeAPIKeyScopes(prefix, add: ["employees"], remove: ["siasn"], actor: "t") }
        let entries = try await db.withTenant(a.id) { try await $0.auditEntries(AuditChain.Filter(subject: prefix)) }
        #expect(entries.filter { $0.action == "apikey.scope" }.count == 5, "\(entries.map(\.action))")

        // Refused, each naming what is wrong, the key unchanged.
        let hr = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t")
        let refusals: [(String, [String], [String], String)] = [
            (prefix, ["payroll"], [], "scope 'payroll' is not one of"),
            (prefix, ["siasn"], ["siasn"], "both added and taken away"),
            (prefix, [], APIKey.ingestionScopes, "no scope: revoke it instead"),
            (APIToken.prefix(hr.token), ["siasn"], [], "scopes are for integrator keys"),
        ]
        for (key, add, remove, message) in refusals {
            await #expect {
                try await db.withTenant(a.id) { _ = try await $0.changeAPIKeyScopes(key, add: add, remove: remove, actor: "t") }
            } throws: { "\($0)".contains(message) }
        }
        // Another city neither finds nor changes it.
        await #expect(throws: StoreError.notFound(what: "API key", key: prefix)) {
            try await db.withTenant(b.id) { _ = try await $0.changeAPIKeyScopes(prefix, add: ["siasn"], remove: [], actor: "t") }
        }
        try await db.withTenant(a.id) { _ = try await $0.revokeAPIKey(prefix, actor: "t") }
        await #expect {
            try await db.withTenant(a.id) { _ = try await $0.changeAPIKeyScopes(prefix, add: ["siasn"], remove: [], actor: "t") }
        } throws: { "\($0)".contains("is revoked") }
        let after = try await db.withTenant(a.id) { try await $0.apiKeys() }.first { $0.prefix == prefix }
        #expect(after?.grantedScopes == APIKey.ingestionScopes)
    }
}
