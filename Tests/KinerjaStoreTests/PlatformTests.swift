import Foundation
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

@Suite struct PlatformTests {
    @Test func onboardSuspendResumeAreAudited() async throws {
        let db = try await TestDatabase.app()
        let code = "t-plat-\(UUID().uuidString.prefix(6).lowercased())"
        let t = try await db.platform.onboard(code: code, name: "Kota Parepare", adapter: "profile",
                                              profile: try ProfileLoader.load(overlay: "name: Kota Parepare", source: "t"), actor: "tests")
        #expect(t.status == .active && t.profileVersion == 1 && t.employeeCount == 0)
        #expect(try await db.platform.profile(of: t.id).name == "Kota Parepare")

        #expect(try await db.platform.setStatus(code: code, to: .suspended, actor: "tests") == .active)
        #expect(try await db.platform.tenant(code: code)?.status == .suspended)
        #expect(try await db.platform.setStatus(code: code, to: .active, actor: "tests") == .suspended)

        let actions = try await db.withTenant(t.id) { tx in
            var out: [String] = []
            for try await a in try await tx.query("select action from audit_log where tenant_id = \(t.id.uuid) order by entry_id").decode(String.self) {
                out.append(a)
            }
            return out
        }
        #expect(actions == ["tenant.onboard", "tenant.suspend", "tenant.resume"])
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        let db = try await TestDatabase.app()
        let profile = try NationalAdapter().effectiveProfile()
        await #expect(throws: StoreError.self) { try await db.platform.onboard(code: "Pare Pare", name: "x", adapter: "a", profile: profile, actor: "t") }
        await #expect(throws: StoreError.self) { try await db.platform.onboard(code: "x", name: "x", adapter: "a", profile: profile, actor: "t") }
        await #expect(throws: StoreError.self) { try await db.platform.onboard(code: "t-empty-name", name: "  ", adapter: "a", profile: profile, actor: "t") }
        let (existing, _) = try await TestDatabase.city("dup")
        await #expect(throws: StoreError.conflict(what: "city", key: existing.code)) {
            try await db.platform.onboard(code: existing.code, name: "again", adapter: "a", profile: profile, actor: "t")
        }
        await #expect(throws: StoreError.notFound(what: "city", key: "t-missing")) {
            try await db.platform.setStatus(code: "t-missing", to: .suspended, actor: "t")
        }
        let codes = Set(try await db.platform.tenants().map(\.code))
        #expect(codes.isDisjoint(with: ["Pare Pare", "x", "t-empty-name", "t-missing"]), "nothing bad was added")
    }

    @Test func apiKeysAreHashedGrantedAndRevocable() async throws {
        let db = try await TestDatabase.app()
        let (a, popA) = try await TestDatabase.city("keys-a")
        let (b, _) = try await TestDatabase.city("keys-b")

        let made = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "BKPSDM", employeeNIP: nil, actor: "t")
        #expect(made.token.hasPrefix("kin_") && made.token.count == 44)
        let grants = try await db.platform.lookUpKey(hash: APIToken.hash(made.token))
        #expect(grants.map(\.tenantCode) == [a.code] && grants.first?.role == .hrAdmin && grants.first?.revoked == false)
        #expect(try await db.platform.lookUpKey(hash: APIToken.hash(made.token + "x")).isEmpty)

        // Only the hash is stored.
        let stored = try await db.withTenant(a.id) { tx in
            var hashes: [String] = []
            for try await h in try await tx.query("select encode(key_hash, 'hex') from api_keys where tenant_id = \(a.id.uuid)").decode(String.self) {
                hashes.append(h)
            }
            return hashes
        }
        #expect(!stored.contains(made.token) && stored.count == 1)

        let listed = try await db.withTenant(a.id) { try await $0.apiKeys() }
        #expect(listed.map(\.prefix) == [APIToken.prefix(made.token)] && listed[0].lastUsedAt != nil)

        try await db.withTenant(a.id) { _ = try await $0.revokeAPIKey(APIToken.prefix(made.token), actor: "t") }
        #expect(try await db.platform.lookUpKey(hash: APIToken.hash(made.token)).first?.revoked == true)
        await #expect(throws: StoreError.self) { try await db.withTenant(a.id) { _ = try await $0.revokeAPIKey(APIToken.prefix(made.token), actor: "t") } }
        // B cannot revoke A's key: it does not exist there.
        await #expect(throws: StoreError.notFound(what: "API key", key: "kin_whatever")) {
            try await db.withTenant(b.id) { _ = try await $0.revokeAPIKey("kin_whatever", actor: "t") }
        }

        let regional = try await db.createAPIKey(tenants: [a.id, b.id], role: .bknAdmin, label: "Kanreg", employeeNIP: nil, actor: "t")
        #expect(Set(try await db.platform.lookUpKey(hash: APIToken.hash(regional.token)).map(\.tenantCode)) == [a.code, b.code])

        await #expect(throws: StoreError.self) {
            try await db.createAPIKey(tenants: [a.id, b.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t")
        }
        await #expect(throws: StoreError.self) {
            try await db.createAPIKey(tenants: [a.id], role: .pegawai, label: "", employeeNIP: nil, actor: "t")
        }
        // An atasan key for an employee of another city is refused, and nothing is written.
        await #expect(throws: StoreError.notFound(what: "employee", key: popA.people[0].nip)) {
            try await db.createAPIKey(tenants: [b.id], role: .atasan, label: "", employeeNIP: popA.people[0].nip, actor: "t")
        }
        #expect(try await db.withTenant(b.id) { try await $0.apiKeys() }.count == 1, "only the bkn_admin grant")
    }
}
