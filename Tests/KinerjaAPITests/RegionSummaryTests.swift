import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import Testing

/// The regional BKN view: exactly the cities of the key's grant, counts only, and nothing for other keys.
@Suite struct RegionSummaryTests {
    @Test func exactlyTheGrantedCitiesAndNoPerson() async throws {
        let db = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("region-a", employees: 300)
        let (b, popB) = try await TestDatabase.city("region-b")
        let (c, _) = try await TestDatabase.city("region-c")
        let profile = try NationalAdapter().effectiveProfile()
        let approved = try await db.withTenant(a.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            return try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t")
        }
        let region = try await db.createAPIKey(tenants: [a.id, b.id], role: .bknAdmin, label: "kanreg", employeeNIP: nil, actor: "t").token
        let hr = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let pegawai = try await db.createAPIKey(tenants: [a.id], role: .pegawai, label: "", employeeNIP: popA.people[3].nip, actor: "t").token
        try await withAPI { client in
            for headers: HTTPFields in [[:], [.init("Kinerja-Tenant")!: a.code]] {
                let r = try await client.get("/v1/region/summary?year=2026", token: region, headers: headers)
                #expect(r.status == .ok, "\(r.body)")
                #expect(r.items.compactMap { $0["city"] as? String } == [a.code, b.code].sorted())
                let lineA = try #require(r.items.first { $0["city"] as? String == a.code })
                #expect(lineA["employees"] as? Int == popA.people.count && lineA["approvedSKPs"] as? Int == approved.skp)
                #expect(lineA["evaluated"] as? Int == 0 && lineA["period"] as? String != nil)
                let lineB = try #require(r.items.first { $0["city"] as? String == b.code })
                #expect(lineB["employees"] as? Int == popB.people.count && lineB["approvedSKPs"] as? Int == 0)
                #expect([lineA, lineB].allSatisfy { $0["status"] as? String == "active" }, "\(r.body)")
                #expect(!r.body.contains(c.code), "a city outside the grant")
                #expect(!(popA.people + popB.people).contains { r.body.contains($0.nip) || r.body.contains($0.name) }, "no person")
            }
            // A page at a time, by city code: the same lines, each once.
            let first = try await client.get("/v1/region/summary?year=2026&limit=1", token: region)
            let cursor = try #require(first.json["nextCursor"] as? String, "\(first.body)")
            let second = try await client.get("/v1/region/summary?year=2026&limit=1&cursor=\(cursor)", token: region)
            #expect((first.items + second.items).compactMap { $0["city"] as? String } == [a.code, b.code].sorted())
            #expect(second.json["nextCursor"] == nil, "\(second.body)")
            let other = try await client.get("/v1/region/summary?year=2026", token: region, headers: [.init("Kinerja-Tenant")!: c.code])
            #expect(other.status == .forbidden && other.code == "tenant_not_granted")
            for key in [hr, pegawai] {
                let r = try await client.get("/v1/region/summary?year=2026", token: key)
                #expect(r.status == .forbidden, "\(r.body)")
            }
        }
    }
}
