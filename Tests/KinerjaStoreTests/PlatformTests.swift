import Foundation
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

@Suite struct PlatformTests {
    @Test func onboardSuspendResumeAreAudited() async throws {
        let db = try await TestDatabase.admin()
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
        let db = try await TestDatabase.admin()
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

    @Test func concurrentOnboardingOfOneCodeLetsExactlyOneWin() async throws {
        let db = try await TestDatabase.admin()
        let code = "t-race-\(UUID().uuidString.prefix(6).lowercased())"
        let profile = try NationalAdapter().effectiveProfile()
        let outcomes = await withTaskGroup(of: Result<String, any Error>.self) { group in
            for name in ["Kota Satu", "Kota Dua", "Kota Tiga", "Kota Empat"] {
                group.addTask {
                    do { return .success(try await db.platform.onboard(code: code, name: name, adapter: "nasional", profile: profile, actor: "t").name) }
                    catch { return .failure(error) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.compactMap { try? $0.get() }
        #expect(winners.count == 1)
        for case .failure(let error) in outcomes {
            #expect(error as? StoreError == .conflict(what: "city", key: code), "\(StoreError.describe(error))")
        }
        #expect(try await db.platform.tenant(code: code)?.name == winners.first)
    }

    @Test func apiKeysAreHashedGrantedAndRevocable() async throws {
        let db = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("keys-a")
        let (b, popB) = try await TestDatabase.city("keys-b")

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
        // B cannot revoke (or even find) A's key, by prefix or by id.
        let other = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "A's", employeeNIP: nil, actor: "t")
        await #expect(throws: StoreError.notFound(what: "API key", key: APIToken.prefix(other.token))) {
            try await db.withTenant(b.id) { _ = try await $0.revokeAPIKey(APIToken.prefix(other.token), actor: "t") }
        }
        await #expect(throws: StoreError.self) {
            try await db.withTenant(b.id) { _ = try await $0.revokeAPIKey(other.id.uuidString, actor: "t") }
        }
        #expect(try await db.platform.lookUpKey(hash: APIToken.hash(other.token)).first?.revoked == false)

        let regional = try await db.createAPIKey(tenants: [a.id, b.id], role: .bknAdmin, label: "Kanreg", employeeNIP: nil, actor: "t")
        #expect(Set(try await db.platform.lookUpKey(hash: APIToken.hash(regional.token)).map(\.tenantCode)) == [a.code, b.code])

        await #expect(throws: StoreError.self) {
            try await db.createAPIKey(tenants: [a.id, b.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t")
        }
        await #expect(throws: StoreError.self) {
            try await db.createAPIKey(tenants: [a.id], role: .pegawai, label: "", employeeNIP: nil, actor: "t")
        }
        // An atasan key for an employee of another city is refused, and nothing is written.
        let stranger = TestDatabase.stranger(in: popA, to: popB)
        await #expect(throws: StoreError.notFound(what: "employee", key: stranger)) {
            try await db.createAPIKey(tenants: [b.id], role: .atasan, label: "", employeeNIP: stranger, actor: "t")
        }
        #expect(try await db.withTenant(b.id) { try await $0.apiKeys() }.count == 1, "only the bkn_admin grant")
    }
}
