import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// With city A's tenant set, nothing of city B can be read, listed, counted or changed, through every
/// store function and through raw SQL as the application role.
@Suite struct IsolationTests {
    @Test func storeFunctionsSeeOnlyTheirCity() async throws {
        let db = try await TestDatabase.app()
        let (a, popA) = try await TestDatabase.city("iso-a", seed: 1)
        let (b, popB) = try await TestDatabase.city("iso-b", seed: 2)
        // Demo NIPs are random, so two cities may share one by chance (legal: NIPs are unique per city).
        let aNIPs = Set(popA.people.map(\.nip))
        let bOnly = try #require(popB.people.first { !aNIPs.contains($0.nip) })
        let bNIP = bOnly.nip
        let bUnit = popB.units[0].code
        _ = try await db.createAPIKey(tenants: [b.id], role: .hrAdmin, label: "b's key", employeeNIP: nil, actor: "tests")

        try await db.withTenant(a.id) { tx in
            #expect(try await tx.employeeCount() == popA.people.count)
            #expect(try await tx.employee(nip: bNIP) == nil)
            let all = try await tx.employees(EmployeeFilter(limit: 500))
            #expect(Set(all.employees.map(\.nip)) == aNIPs)
            #expect(try await tx.employees(EmployeeFilter(text: String(bNIP.prefix(14)), limit: 500)).employees.allSatisfy { $0.nip != bNIP })
            // B's unit codes are unknown in A (the demo codes repeat across cities, so look by id).
            let aUnits = try await tx.orgUnits()
            #expect(Set(aUnits.map(\.id)).isDisjoint(with: popB.units.map(\.id)))
            #expect(try await tx.apiKeys().allSatisfy { $0.label != "b's key" })
            #expect(try await tx.isSubordinate(bNIP, of: popB.people.first { $0.atasan == nil }!.nip) == false)
            _ = bUnit
        }

        // Raw SQL as the application role, tenant A set: B's rows are invisible and untouchable.
        try await db.withTenant(a.id) { tx in
            let counted = try await tx.query("select count(*) from employees where tenant_id = \(b.id.uuid)")
            for try await n in counted.decode(Int.self) { #expect(n == 0) }
            let any = try await tx.query("select count(*) from employees")
            for try await n in any.decode(Int.self) { #expect(n == popA.people.count, "no where clause still shows A only") }
            let updated = try await tx.query("update employees set name = 'X' where nip = \(bNIP) returning nip")
            var touched = 0
            for try await _ in updated.decode(String.self) { touched += 1 }
            #expect(touched == 0)
            let deleted = try await tx.query("delete from org_units where tenant_id = \(b.id.uuid) returning code")
            for try await _ in deleted.decode(String.self) { Issue.record("deleted one of B's units") }
            let audit = try await tx.query("select count(*) from audit_log where tenant_id = \(b.id.uuid)")
            for try await n in audit.decode(Int.self) { #expect(n == 0) }
            let tenants = try await tx.query("select count(*) from tenants")
            for try await n in tenants.decode(Int.self) { #expect(n == 1, "a city sees only its own tenant row") }
        }

        // Writing a row that claims to be B's, from A: refused by the policy's WITH CHECK.
        await #expect(throws: (any Error).self) {
            try await db.withTenant(a.id) { tx in
                try await tx.query("""
                    insert into audit_log (tenant_id, actor, action) values (\(b.id.uuid), 'attacker', 'forge')
                    """)
            }
        }
        await #expect(throws: (any Error).self) {
            try await db.withTenant(a.id) { tx in
                try await tx.query("update employees set tenant_id = \(b.id.uuid) where nip = \(popA.people[0].nip)")
            }
        }
        // B is unchanged.
        let (name, count) = try await db.withTenant(b.id) { tx in
            (try await tx.employee(nip: bNIP)?.name, try await tx.employeeCount())
        }
        #expect(name == bOnly.name)
        #expect(count == popB.people.count)
    }

    /// City B plans, reports and proposes; with A's tenant set, no SKP function reads, lists, links to or
    /// writes any of it, and raw SQL sees none of B's rows in the SKP tables.
    @Test func skpRowsStayInTheirCity() async throws {
        let db = try await TestDatabase.app()
        let profile = try #require(AdapterRegistry.named("pematangsiantar")).effectiveProfile()
        let (a, popA) = try await TestDatabase.city("iso-skp-a", employees: 300, seed: 3, profile: profile)
        let (b, popB) = try await TestDatabase.city("iso-skp-b", employees: 300, seed: 4, profile: profile)
        let bPlanned = try await SKPStoreTests.plannedChain(db, b, popB)
        _ = try await SKPStoreTests.plannedChain(db, a, popA)
        let cb = TestDatabase.chain(popB), ca = TestDatabase.chain(popA)
        let bStaff = bPlanned[3]
        let q1 = SubPeriod(kind: .quarterly, sequence: 1)
        let bProposal = try await db.withTenant(b.id) { tx in
            _ = try await tx.reportRealisasi(nip: cb.staff.nip, year: 2026, ikiKey: bStaff.content.rhk[0].iki[0].key, period: q1, value: 3,
                                             narrative: nil, evidence: [], actor: .hr("b"))
            _ = try await tx.addFeedback(nip: cb.staff.nip, year: 2026, rhkKey: bStaff.content.rhk[0].key, period: q1, text: "B only", actor: .hr("b"))
            return try await tx.proposeIKI(nip: cb.staff.nip, year: 2026, rhkKey: bStaff.content.rhk[0].key,
                                           iki: SKP.IKI(text: "B", dimension: .kuantitas, targetValue: 1, targetUnit: "x"), actor: .hr("b"))
        }
        let hr = SKPActor.hr("a")
        func refused(_ body: (TenantTransaction) async throws -> Void) async {
            await #expect(throws: (any Error).self) { try await db.withTenant(a.id) { try await body($0) } }
        }
        try await db.withTenant(a.id) { tx in
            let revisions = try await tx.skpRevisions(nip: cb.staff.nip, year: 2026)
            #expect(revisions.isEmpty)
            let view = try await tx.skpView(nip: cb.staff.nip, year: 2026)
            #expect(view == nil)
            let inForce = try await tx.skpInForce(nip: cb.staff.nip, year: 2026)
            #expect(inForce == nil)
            let proposals = try await tx.proposals(nip: nil, year: 2026)
            #expect(!proposals.contains { $0.id == bProposal.id })
            let summaries = try await tx.skpSummaries(SKPFilter(year: 2026))
            #expect(Set(summaries.map(\.nip)) == Set(popA.people.map(\.nip)), "exactly A's employees (a NIP may exist in both cities)")
            for table in ["skp", "skp_rhk", "skp_iki", "realisasi", "skp_feedback", "iki_proposals", "behaviour_raters", "behaviour_ratings"] {
                let rows = try await tx.query(PostgresQuery(unsafeSQL: "select count(*) from \(table) where tenant_id = '\(b.id)'"))
                for try await n in rows.decode(Int.self) { #expect(n == 0, "\(table)") }
            }
        }
        await refused { _ = try await $0.skpTree(nip: cb.staff.nip, year: 2026) }
        await refused { _ = try await $0.saveSKP(nip: cb.staff.nip, year: 2026, content: SKPStoreTests.content(jpt: false), actor: hr) }
        await refused { _ = try await $0.submitSKP(nip: cb.staff.nip, year: 2026, actor: hr) }
        await refused { _ = try await $0.decideSKP(nip: cb.staff.nip, year: 2026, approve: true, note: nil, actor: hr) }
        await refused {
            _ = try await $0.reportRealisasi(nip: cb.staff.nip, year: 2026, ikiKey: bStaff.content.rhk[0].iki[0].key, period: q1, value: 1,
                                             narrative: nil, evidence: [], actor: hr)
        }
        await refused { _ = try await $0.addFeedback(nip: cb.staff.nip, year: 2026, rhkKey: bStaff.content.rhk[0].key, period: q1, text: "x", actor: hr) }
        await refused { _ = try await $0.decideProposal(id: bProposal.id, accept: true, reason: nil, actor: hr) }
        // A's employee cannot cascade from B's RHK, even naming it exactly.
        await refused {
            _ = try await $0.saveSKP(nip: ca.peer.nip, year: 2026, content: SKPStoreTests.content(jpt: false, parents: [bPlanned[2].content.rhk[0].key, nil]),
                                     actor: hr)
        }
        // Raw writes claiming B's tenant are refused by the policies.
        await refused { tx in
            try await tx.query("""
                insert into skp_feedback (tenant_id, nip, year, rhk_key, period_kind, period_seq, author, text)
                values (\(b.id.uuid), \(cb.staff.nip), 2026, \(UUID()), 'quarterly', 1, 'x', 'forged')
                """)
        }
        // B is as it was.
        let bView = try await db.withTenant(b.id) { try await $0.skpView(nip: cb.staff.nip, year: 2026) }
        let bFeedback = bView?.feedback.map { $0.text }
        #expect(bView?.realisasi.count == 1 && bFeedback == ["B only"] && bView?.revision.revision == 1)
    }

    @Test func noTenantSetIsAnErrorNotAnEmptyResult() async throws {
        let db = try await TestDatabase.app()
        _ = try await TestDatabase.city("iso-none")
        for table in ["employees", "org_units", "api_keys", "audit_log", "tenants", "periods", "skp", "skp_rhk", "skp_iki",
                      "realisasi", "skp_feedback", "iki_proposals", "behaviour_raters", "behaviour_ratings", "evaluations"] {
            // The policy's tenant is read when the first row is checked: a sequential scan of a table that is
            // still empty (early in a clean run) checks no row and answers 0 with no error, the right count for
            // every city. An index scan reads the tenant before it starts, so the check holds whatever rows the
            // run has made so far.
            try await db.client.withConnection { conn in
                do {
                    try await conn.query("begin", logger: TestDatabase.logger)
                    try await conn.query("set local enable_seqscan = off", logger: TestDatabase.logger)
                    let error = await #expect(throws: (any Error).self, "\(table) without a tenant") {
                        // Errors of a select arrive with its rows: read them.
                        let rows = try await conn.query(PostgresQuery(unsafeSQL: "select count(*) from \(table)"), logger: TestDatabase.logger)
                        for try await n in rows.decode(Int.self) { Issue.record("\(table) answered \(n) rows with no tenant set") }
                    }
                    // The setting is unknown to the session (42704), or empty after an earlier transaction's (22P02,
                    // not a uuid).
                    if let error { #expect(["42704", "22P02"].contains(StoreError.sqlState(error) ?? ""), "\(table): \(String(reflecting: error))") }
                    try await conn.query("rollback", logger: TestDatabase.logger)
                } catch {
                    // The connection goes back to the pool shared by the other tests: never inside a transaction.
                    _ = try? await conn.query("rollback", logger: TestDatabase.logger)
                    throw error
                }
            }
        }
        // A connection that once had a tenant (transaction-local) carries nothing to the next use.
        try await db.client.withConnection { conn in
            try await conn.query("begin", logger: TestDatabase.logger)
            try await conn.query("select set_config('kinerja.tenant_id', \(UUID().uuidString), true)", logger: TestDatabase.logger)
            try await conn.query("commit", logger: TestDatabase.logger)
            await #expect(throws: (any Error).self) {
                let rows = try await conn.query("select count(*) from employees", logger: TestDatabase.logger)
                for try await n in rows.decode(Int.self) { Issue.record("answered \(n) with no tenant set") }
            }
        }
    }

    @Test(arguments: [
        "alter table employees disable row level security",
        "alter table employees no force row level security",
        "alter table employees add column leak text",
        "drop policy tenant_isolation on employees",
        "set role kinerja_owner",
        "create policy open_door on employees using (true)",
        "alter table employees owner to kinerja_app",
        "alter role kinerja_app bypassrls",
        "create table sneaky (x int)",
        "delete from audit_log",
        "update audit_log set actor = 'x'",
        "set row_security = off; select count(*) from employees",
    ])
    func applicationRolesCannotWeakenIsolation(_ sql: String) async throws {
        let (a, _) = try await TestDatabase.city("iso-role")
        for db in [try await TestDatabase.app(), try await TestDatabase.admin()] {
            await #expect(throws: (any Error).self, "\(db.settings.username): \(sql)") {
                try await db.withTenant(a.id) { tx in
                    for statement in sql.split(separator: ";") {
                        for try await _ in try await tx.query(PostgresQuery(unsafeSQL: String(statement))) {}
                    }
                }
            }
        }
    }

    @Test func theServersRoleCannotDoPlatformWork() async throws {
        let db = try await TestDatabase.app()
        let (a, _) = try await TestDatabase.city("iso-platform")
        let profile = try NationalAdapter().effectiveProfile()
        await #expect(throws: (any Error).self) { try await db.platform.tenants() }
        await #expect(throws: (any Error).self) { try await db.platform.setStatus(code: a.code, to: .suspended, actor: "x") }
        await #expect(throws: (any Error).self) {
            try await db.platform.onboard(code: "t-srv-\(UUID().uuidString.prefix(6).lowercased())", name: "x", adapter: "x", profile: profile, actor: "x")
        }
        #expect(try await TestDatabase.admin().platform.tenant(code: a.code)?.status == .active)
    }

    @Test(arguments: ["app", "admin"])
    func applicationRolesAreNoSuperuserAndCannotBypass(_ which: String) async throws {
        let db = try await which == "app" ? TestDatabase.app() : TestDatabase.admin()
        let rows = try await db.client.query("""
            select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user
            """, logger: TestDatabase.logger)
        for try await (superuser, bypass, createRole, createDB) in rows.decode((Bool, Bool, Bool, Bool).self) {
            #expect(!superuser && !bypass && !createRole && !createDB)
        }
        let owned = try await db.client.query("""
            select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and pg_get_userbyid(c.relowner) = current_user
            """, logger: TestDatabase.logger)
        for try await n in owned.decode(Int.self) { #expect(n == 0, "the application role owns nothing") }
    }
}
