import Foundation
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
            let positions = all.compactMap { Int($0["cursor"] as? String ?? "") }
            #expect(positions == Array(1...positions.count), "in chain order, no gap: \(positions)")
            #expect(all.contains { $0["action"] as? String == "tenant.onboard" })
            #expect(!all.contains { $0["action"] as? String == "test.b-only" }, "another city's change")

            // Caught up: nothing new, the same cursor back. A new change shows once sealed, after the cursor.
            let last = String(positions.last!)
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
        }
    }
}
