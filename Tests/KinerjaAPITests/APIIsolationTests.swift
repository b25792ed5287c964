import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAPI
import KinerjaStore
import KinerjaTestSupport
import NIOCore
import Testing

/// Every endpoint, called with city A's key, fails to show or reach city B's rows.
@Suite struct APIIsolationTests {
    @Test func cityAKeyNeverSeesCityB() async throws {
        let db = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("api-a", seed: 11)
        let (b, popB) = try await TestDatabase.city("api-b", seed: 12)
        let keyA = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        // Demo NIPs are random, so the two cities may share one by chance (legal: NIPs are unique per city):
        // check only B's NIPs that A does not also have.
        let aNIPs = Set(popA.people.map(\.nip))
        let bNIPs = Set(popB.people.map(\.nip)).subtracting(aNIPs)
        let bNIP = try #require(popB.people.first { !aNIPs.contains($0.nip) }).nip

        try await withAPI { client in
            let me = try await client.get("/v1/me", token: keyA)
            #expect(me.status == .ok && me.json["tenant"] as? String == a.code)

            let tenant = try await client.get("/v1/tenant", token: keyA)
            #expect(tenant.json["code"] as? String == a.code)

            // The city comes from the key: a header naming B is ignored for an hr_admin key.
            let forged = try await client.get("/v1/tenant", token: keyA, headers: [HTTPField.Name("Kinerja-Tenant")!: b.code])
            #expect(forged.json["code"] as? String == a.code)

            let units = try await client.get("/v1/org-units", token: keyA)
            #expect((units.json["units"] as? [Any])?.count == popA.units.count)

            var cursor: String? = nil
            var seen: [String] = []
            repeat {
                let page = try await client.get("/v1/employees?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""), token: keyA)
                #expect(page.status == .ok)
                seen += page.nips
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil
            #expect(Set(seen) == Set(popA.people.map(\.nip)), "pagination returns exactly A's employees")
            #expect(bNIPs.isDisjoint(with: seen))

            let search = try await client.get("/v1/employees?q=\(bNIP)", token: keyA)
            #expect(search.nips.isEmpty)

            // B's NIP answers exactly like a NIP nobody has.
            let other = try await client.get("/v1/employees/\(bNIP)", token: keyA)
            let nobody = try await client.get("/v1/employees/199912312022121999", token: keyA)
            #expect(other.status == .notFound && nobody.status == .notFound)
            #expect(other.code == "not_found" && nobody.code == "not_found")
            #expect(other.body.replacingOccurrences(of: bNIP, with: "N") == nobody.body.replacingOccurrences(of: "199912312022121999", with: "N"))

            let own = try await client.get("/v1/employees/\(popA.people[3].nip)", token: keyA)
            #expect(own.status == .ok && own.json["nip"] as? String == popA.people[3].nip)
        }
    }

    @Test func credentialsAreCheckedOnEveryV1Route() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("api-auth")
        let key = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "", employeeNIP: nil, actor: "t").token

        try await withAPI { client in
            for path in ["/v1/me", "/v1/tenant", "/v1/org-units", "/v1/employees", "/v1/employees/198503152010011001"] {
                let none = try await client.get(path, token: nil)
                #expect(none.status == .unauthorized && none.code == "unauthenticated", "\(path)")
                #expect(none.headers[.contentType] == "application/problem+json")
                let wrong = try await client.get(path, token: "kin_not_a_real_key")
                #expect(wrong.status == .unauthorized && wrong.code == "unauthenticated", "\(path)")
            }
            #expect(try await client.get("/v1/me", token: key).status == .ok)

            // Suspended: refused with its own code; resumed: back, data untouched.
            try await db.platform.setStatus(code: a.code, to: .suspended, actor: "t")
            let suspended = try await client.get("/v1/employees", token: key)
            #expect(suspended.status == .forbidden && suspended.code == "tenant_suspended")
            try await db.platform.setStatus(code: a.code, to: .active, actor: "t")
            let back = try await client.get("/v1/employees?limit=500", token: key)
            #expect(back.status == .ok && back.items.count == 150)

            // Offboarded: reads go on, writes answer 409 tenant_read_only and change nothing.
            _ = try await db.platform.offboard(code: a.code, actor: "t")
            #expect(try await client.get("/v1/employees?limit=500", token: key).items.count == 150)
            let tenant = try await client.get("/v1/tenant", token: key)
            #expect(tenant.status == .ok && tenant.json["status"] as? String == "offboarded", "an offboarded city said it was suspended: \(tenant.body)")
            let write = try await client.execute(uri: "/v1/imports/employees", method: .post,
                                                 headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"],
                                                 body: ByteBuffer(string: "Nama,NIP\r\n")) { r in
                Reply(status: r.status, headers: r.headers, body: String(buffer: r.body))
            }
            #expect(write.status == .conflict && write.code == "tenant_read_only", "\(write.body)")
            try await db.platform.setStatus(code: a.code, to: .active, actor: "t")

            // Revoked: refused.
            try await db.withTenant(a.id) { _ = try await $0.revokeAPIKey(APIToken.prefix(key), actor: "t") }
            let revoked = try await client.get("/v1/me", token: key)
            #expect(revoked.status == .unauthorized && revoked.code == "key_revoked")
        }
    }

    @Test func regionalKeyActsOnlyWithinItsGrant() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("api-reg-a")
        let (b, _) = try await TestDatabase.city("api-reg-b")
        let (c, _) = try await TestDatabase.city("api-reg-c")
        let key = try await db.createAPIKey(tenants: [a.id, b.id], role: .bknAdmin, label: "Kanreg", employeeNIP: nil, actor: "t").token
        let header = HTTPField.Name("Kinerja-Tenant")!

        try await withAPI { client in
            let me = try await client.get("/v1/me", token: key)
            #expect(me.status == .ok && Set(me.json["grants"] as? [String] ?? []) == [a.code, b.code])
            #expect(me.json["tenant"] == nil, "no city chosen")
            #expect(try await client.get("/v1/me", token: key, headers: [header: a.code]).json["tenant"] as? String == a.code)
            #expect(try await client.get("/v1/tenant", token: key, headers: [header: b.code]).json["code"] as? String == b.code)
            #expect(try await client.get("/v1/tenant", token: key, headers: [header: a.code]).json["code"] as? String == a.code)
            let denied = try await client.get("/v1/tenant", token: key, headers: [header: c.code])
            #expect(denied.status == .forbidden && denied.code == "tenant_not_granted")
            let unchosen = try await client.get("/v1/tenant", token: key)
            #expect(unchosen.status == .badRequest && unchosen.code == "tenant_required")
            #expect((unchosen.json["detail"] as? String)?.contains(b.code) == true)
            #expect(try await client.get("/v1/org-units", token: key).code == "tenant_required")
            // Summaries only: no person, in a city of its grant or without one.
            for path in ["/v1/employees", "/v1/employees/198503152010011001", "/v1/followups?year=2026", "/v1/changes"] {
                for headers: HTTPFields in [[:], [header: a.code]] {
                    let r = try await client.get(path, token: key, headers: headers)
                    #expect(r.status == .forbidden && (r.json["detail"] as? String)?.contains("summaries") == true, "\(path)")
                }
            }

            // Revoked from the second of its cities, the key is refused in both.
            let revoked = try await db.withTenant(b.id) { try await $0.revokeAPIKey(APIToken.prefix(key), actor: "t") }
            #expect(Set(revoked.cities) == [a.code, b.code])
            for city in [a.code, b.code] {
                let r = try await client.get("/v1/tenant", token: key, headers: [header: city])
                #expect(r.status == .unauthorized && r.code == "key_revoked", "\(city)")
            }
        }
    }

    @Test func pegawaiSeesOnlyThemselvesAndAtasanTheirChain() async throws {
        let db = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city("api-roles")
        let disdik = pop.units.first { $0.code == "DISDIK" }!.id
        let head = pop.people.first { $0.unit == disdik && $0.atasan == nil }!
        let school = pop.people.first { $0.atasan == head.nip && $0.jabatanName.hasPrefix("Kepala SD") }!
        let teacher = pop.people.first { $0.atasan == school.nip }!
        let outsider = pop.people.first { $0.atasan == nil && $0.nip != head.nip }!
        let atasanKey = try await db.createAPIKey(tenants: [a.id], role: .atasan, label: "", employeeNIP: school.nip, actor: "t").token
        let pegawaiKey = try await db.createAPIKey(tenants: [a.id], role: .pegawai, label: "", employeeNIP: teacher.nip, actor: "t").token

        try await withAPI { client in
            let own = try await client.get("/v1/employees?limit=500", token: pegawaiKey)
            #expect(own.nips == [teacher.nip])
            #expect(try await client.get("/v1/employees/\(teacher.nip)", token: pegawaiKey).status == .ok)
            #expect(try await client.get("/v1/employees/\(school.nip)", token: pegawaiKey).status == .notFound)

            let team = try await client.get("/v1/employees?limit=500", token: atasanKey)
            let expected = Set(pop.people.filter { $0.atasan == school.nip }.map(\.nip))
            #expect(Set(team.nips) == expected && !expected.isEmpty)
            #expect(try await client.get("/v1/employees/\(teacher.nip)", token: atasanKey).status == .ok)
            #expect(try await client.get("/v1/employees/\(head.nip)", token: atasanKey).status == .notFound)
            #expect(try await client.get("/v1/employees/\(outsider.nip)", token: atasanKey).status == .notFound)
        }
    }
}
