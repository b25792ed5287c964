import Foundation
import HTTPTypes
import KinerjaStore
import KinerjaTestSupport
import Testing

/// A city imported as a copy holds its keys revoked, under ids of their own. The original's keys keep working
/// whatever the copy's code: the key look-up gives every row of a token in city-code order, and a copy whose code
/// sorted first was taken for the key (its revoked row answered 401 key_revoked to the original's live key).
@Suite struct CopiedCityKeyTests {
    @Test func theOriginalsKeyWorksWhenTheCopySortsFirst() async throws {
        let owner = try await TestDatabase.owner()
        let admin = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("copy-src")
        let hr = try await admin.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-copy-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        _ = try await TenantArchiver(owner: owner).export(code: city.code, to: url, actor: "tests")
        // "a-…" sorts before the source's "t-…".
        let copy = try await TenantArchiver(owner: owner).importArchive(from: url, as: "a-copy-\(UUID().uuidString.prefix(8).lowercased())",
                                                                      actor: "tests").tenant
        #expect(copy.code < city.code)
        let rows = try await admin.platform.lookUpKey(hash: APIToken.hash(hr.token))
        #expect(rows.map(\.tenantCode) == [copy.code, city.code] && rows.first?.revoked == true, "\(rows)")

        try await withAPI { client in
            let me = try await client.get("/v1/me", token: hr.token)
            #expect(me.status == .ok && me.body.contains(city.code), "\(me.status) \(me.body)")
            let employee = try await client.get("/v1/employees/\(pop.people[0].nip)", token: hr.token)
            #expect(employee.status == .ok, "\(employee.status) \(employee.body)")
        }
    }
}
