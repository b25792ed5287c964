import Crypto
import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// One city at a time: export, import (as itself elsewhere, or as a copy here), offboard, purge.
@Suite struct TenantArchiveTests {
    /// A city with every kind of row the guards care about: approved SKPs with their content, realisasi in a
    /// period that is now closed, ratings with their raters' means, confirmed evaluations, an API key.
    static func fullCity(_ label: String) async throws -> (Tenant, DemoPopulation, token: String) {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city(label, employees: 120)
        let profile = try NationalAdapter().effectiveProfile()
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 7, day: 1), actor: "t")
            _ = try await tx.seedBehaviour(year: 2026, period: .year, profile: profile, actor: "t")
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
            _ = try await tx.confirmProposed(unitCode: nil, year: 2026, period: .year, actor: "t")
            try await tx.setPeriod(try EvaluationPeriod.period(year: 2026, kind: .quarterly, sequence: 1), open: false, reason: nil, actor: "t")
        }
        let (token, _) = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t")
        // Its audit chain sealed, as a running server keeps it (an export seals it too).
        try await db.sealAudit(city.id)
        return (city, pop, token)
    }

    /// Every row of a city, table by table, as the owner reads them (tenant_id left out, in key order).
    static func rows(of tenant: TenantID, in database: KinerjaDatabase? = nil,
                     skipping: (String, String) -> Bool = { _, _ in false }) async throws -> [String: [String]] {
        let owner = if let database { database } else { try await TestDatabase.owner() }
        var out: [String: [String]] = [:]
        for table in TenantSchema.tables {
            var lines: [String] = []
            let rows = try await owner.client.query(PostgresQuery(unsafeSQL: """
                select (to_jsonb(t) - 'tenant_id')::text from "\(table)" t where t.tenant_id = $1 order by 1
                """, binds: { var b = PostgresBindings(); b.append(tenant.uuid); return b }()), logger: TestDatabase.logger)
            for try await line in rows.decode(String.self) where !skipping(table, line) { lines.append(line) }
            out[table] = lines
        }
        return out
    }

    static func archiveURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-archive-\(UUID().uuidString).jsonl")
    }

    @Test func aCityExportedAndImportedAsACopyHasTheSameRowsAndOthersAreUntouched() async throws {
        let owner = try await TestDatabase.owner()
        let admin = try await TestDatabase.admin()
        let (a, pop, token) = try await Self.fullCity("arch-a")
        let (b, _) = try await TestDatabase.city("arch-b")
        // Sealed first: a server running against the test database (another suite) seals every city's new entries.
        try await admin.sealAudit(b.id)
        // The key's answer kept for an Idempotency-Key, which the copy keeps under its own key.
        let keyID = try #require(try await admin.withTenant(a.id) { try await $0.apiKeys() }.first?.id)
        try await owner.client.query("""
            insert into idempotency_keys (tenant_id, key_id, idem_key, request_hash, method, path, status)
            values (\(a.id.uuid), \(keyID), 'archive-k1', '\\x00'::bytea, 'POST', '/v1/realisasi', 200)
            """, logger: TestDatabase.logger)
        let beforeA = try await Self.rows(of: a.id)
        let beforeB = try await Self.rows(of: b.id)
        #expect(beforeA["behaviour_ratings"]!.count > 0 && beforeA["evaluations"]!.count == pop.people.count)

        let url = Self.archiveURL()
        defer { try? FileManager.default.removeItem(at: url) }
        let exported = try await TenantArchiver(owner: owner).export(code: a.code, to: url, actor: "tests")
        #expect(exported.tables.map(\.table) == TenantSchema.tables)
        #expect(exported.tables.first { $0.table == "employees" }?.rows == pop.people.count)

        let copy = "t-arch-c-\(UUID().uuidString.prefix(6).lowercased())"
        let imported = try await TenantArchiver(owner: owner).importArchive(from: url, as: copy, actor: "tests")
        #expect(imported.tenant.code == copy && imported.tenant.id != a.id && imported.tenant.status == .active)
        #expect(imported.sha256 == exported.sha256 && imported.tables == exported.tables)

        // The copy holds the same rows; only the city row (its code), the audit entries of the move itself
        // and the copied API key (revoked: its token opens the original) differ.
        let isMove = { (table: String, line: String) in
            table == "audit_log" && (line.contains("\"tenant.export\"") || line.contains("\"tenant.import\""))
        }
        let afterA = try await Self.rows(of: a.id, skipping: isMove)
        let c = try await Self.rows(of: imported.tenant.id, skipping: isMove)
        // The chain's head moves when the move's own entries are sealed (by the import, or by a server running
        // against the test database at any moment): the import checked the chain; here the head is not compared.
        for table in TenantSchema.tables where !["tenants", "api_keys", "audit_heads", "idempotency_keys"].contains(table) {
            #expect(c[table] == beforeA[table], "\(table) differs in the copy")
            #expect(afterA[table] == beforeA[table], "\(table) of the source changed")
        }
        #expect(try await Self.rows(of: b.id) == beforeB, "another city changed")
        #expect(imported.revokedKeys == 1)

        // The source's key still opens the source, and only it; the copy's key is revoked.
        let grants = try await admin.platform.lookUpKey(hash: APIToken.hash(token))
        #expect(grants.filter { !$0.revoked }.map(\.tenantCode) == [a.code])
        #expect(grants.filter(\.revoked).map(\.tenantCode) == [copy])

        // The copy's key has an id of its own, and its kept answer follows it: revoking the copy's key (city HR of
        // the copy, by the prefix its key list shows) ends nothing in the source. With the source's id, it revoked
        // the source's live key and wrote in the source's audit log.
        let copied = try #require(try await admin.withTenant(imported.tenant.id) { try await $0.apiKeys() }.first)
        #expect(copied.id != keyID && copied.revokedAt != nil)
        #expect(afterA["idempotency_keys"] == beforeA["idempotency_keys"])
        #expect(try await Self.rows(of: imported.tenant.id)["idempotency_keys"]
                == beforeA["idempotency_keys"]!.map { $0.replacingOccurrences(of: keyID.uuidString.lowercased(), with: copied.id.uuidString.lowercased()) })
        await #expect(throws: StoreError.self) {
            try await admin.withTenant(imported.tenant.id) { try await $0.revokeAPIKey(copied.prefix, actor: "tests") }
        }
        let still = try await admin.platform.lookUpKey(hash: APIToken.hash(token))
        #expect(still.filter { !$0.revoked }.map(\.tenantCode) == [a.code])
        #expect(try await Self.rows(of: a.id)["audit_log"]!.filter { $0.contains("apikey.revoke") }.isEmpty)

        // The copy is a working city: its identity columns go on past the ids it brought.
        try await admin.withTenant(imported.tenant.id) { tx in
            try await tx.audit(actor: "t", action: "test.after-import", subject: "")
            let n = try await tx.query("select count(*)::int from evaluations where tenant_id = \(imported.tenant.id.uuid)")
            for try await count in n.decode(Int.self) { #expect(count == pop.people.count) }
        }
        let actions = try await Self.rows(of: imported.tenant.id)["audit_log"]!.filter { $0.contains("tenant.import") }
        #expect(actions.count == 1)
    }

    @Test func aCityMovesToAnotherDeploymentUnderItsOwnCodeAndKey() async throws {
        let owner = try await TestDatabase.owner()
        let (a, _, token) = try await Self.fullCity("arch-move")
        // A regional key over this city and another, which moves too: one key of both cities there as here.
        let admin = try await TestDatabase.admin()
        let (b, _) = try await TestDatabase.city("arch-move-b")
        let (c, _) = try await TestDatabase.city("arch-move-c")
        let regional = try await admin.createAPIKey(tenants: [a.id, b.id, c.id], role: .bknAdmin, label: "kanreg", employeeNIP: nil, actor: "t")
        for city in [a, b, c] { try await admin.sealAudit(city.id) }
        let before = try await Self.rows(of: a.id)
        let url = Self.archiveURL(), urlB = Self.archiveURL(), urlC = Self.archiveURL()
        defer { for u in [url, urlB, urlC] { try? FileManager.default.removeItem(at: u) } }
        _ = try await TenantArchiver(owner: owner).export(code: a.code, to: url, actor: "tests")
        _ = try await TenantArchiver(owner: owner).export(code: b.code, to: urlB, actor: "tests")
        _ = try await TenantArchiver(owner: owner).export(code: c.code, to: urlC, actor: "tests")

        let scratch = try await TestDatabase.emptyDatabase()
        do {
            let moved: [String: [String]] = try await TestDatabase.with(scratch.owner) { there in
                try await Migrator.migrate(client: there.client, logger: TestDatabase.logger)
                // A city already living there, which the move must leave as it was, row for row.
                let resident = try await there.platform.onboard(code: "t-arch-resident", name: "Kota Penghuni", adapter: "nasional",
                                                                profile: try NationalAdapter().effectiveProfile(), actor: "tests")
                try await there.withTenant(resident.id) { try await $0.seed(DemoPopulation(city: resident.code, employees: DemoPopulation.minimumEmployees, seed: 11), actor: "tests") }
                _ = try await there.sealAudit(resident.id)
                let residentBefore = try await Self.rows(of: resident.id, in: there)
                #expect(residentBefore["employees"]!.count == DemoPopulation.minimumEmployees)

                let result = try await TenantArchiver(owner: there).importArchive(from: url, as: nil, actor: "tests")
                #expect(result.tenant.code == a.code && result.tenant.id == a.id && result.revokedKeys == 0)
                let residentAfter = try await Self.rows(of: resident.id, in: there)
                for table in TenantSchema.tables {
                    #expect(residentAfter[table] == residentBefore[table], "the resident city's \(table) changed with the move")
                }
                let out = try await Self.rows(of: a.id, in: there) { _, line in line.contains("\"tenant.import\"") }
                // After reading: the look-up stamps the key's last use.
                let grants = try await there.platform.lookUpKey(hash: APIToken.hash(token))
                #expect(grants.map(\.tenantCode) == [a.code] && grants.allSatisfy { !$0.revoked })
                // The second city of the regional key moves after it: the key keeps its id in both (a copy's keys
                // get ids of their own; a moved city's do not).
                _ = try await TenantArchiver(owner: there).importArchive(from: urlB, as: nil, actor: "tests")
                let both = try await there.platform.lookUpKey(hash: APIToken.hash(regional.token))
                #expect(Set(both.map(\.tenantCode)) == [a.code, b.code] && both.allSatisfy { $0.keyID == regional.id && !$0.revoked },
                        "\(both)")
                // Revoked there, the key does not come back with its third city.
                _ = try await there.withTenant(a.id) { try await $0.revokeAPIKey(APIToken.prefix(regional.token), actor: "tests") }
                _ = try await TenantArchiver(owner: there).importArchive(from: urlC, as: nil, actor: "tests")
                let all = try await there.platform.lookUpKey(hash: APIToken.hash(regional.token))
                #expect(all.count == 3 && all.allSatisfy(\.revoked), "\(all)")
                return out
            }
            for table in TenantSchema.tables where table != "tenants" {
                #expect(moved[table] == before[table], "\(table) differs after the move")
            }
        } catch {
            try await TestDatabase.drop(scratch.name)
            throw error
        }
        try await TestDatabase.drop(scratch.name)
    }

    @Test func aChangedOrCutArchiveImportsNothing() async throws {
        let owner = try await TestDatabase.owner()
        let (a, pop) = try await TestDatabase.city("arch-bad")
        let url = Self.archiveURL()
        defer { try? FileManager.default.removeItem(at: url) }
        _ = try await TenantArchiver(owner: owner).export(code: a.code, to: url, actor: "tests")
        let original = try String(contentsOf: url, encoding: .utf8)

        let person = pop.people[3]
        let cases: [(String, String)] = [
            ("a changed name", original.replacingOccurrences(of: "\"\(person.name)\"", with: "\"Nama Lain\"")),
            ("a row removed", original.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("{\"nip\": \"\(person.nip)\", \"name\": ") }
                .joined(separator: "\n")),
            ("cut short", String(original.prefix(original.utf8.count / 2))),
            ("not an archive", "nama,nip\n"),
        ]
        for (what, text) in cases {
            #expect(text != original, "\(what): the case changes nothing")
            let bad = Self.archiveURL()
            defer { try? FileManager.default.removeItem(at: bad) }
            try text.write(to: bad, atomically: true, encoding: .utf8)
            let code = "t-arch-x-\(UUID().uuidString.prefix(6).lowercased())"
            await #expect(throws: StoreError.self, "\(what)") {
                try await TenantArchiver(owner: owner).importArchive(from: bad, as: code, actor: "tests")
            }
            #expect(try await owner.platform.tenant(code: code) == nil, "\(what): a city was left behind")
        }
        // An audit entry changed, the file's digests made to fit: the audit chain gives it away.
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let entry = try #require(lines.firstIndex { $0.contains("\"action\": \"demo.seed\"") })
        var forged = lines
        forged[entry] = forged[entry].replacingOccurrences(of: "\"actor\": \"tests\"", with: "\"actor\": \"someone else\"")
        #expect(forged[entry] != lines[entry])
        let bad = Self.archiveURL()
        defer { try? FileManager.default.removeItem(at: bad) }
        try Self.redigest(forged).write(to: bad, atomically: true, encoding: .utf8)
        let code = "t-arch-y-\(UUID().uuidString.prefix(6).lowercased())"
        let error = await #expect(throws: StoreError.self) { try await TenantArchiver(owner: owner).importArchive(from: bad, as: code, actor: "tests") }
        #expect("\(error!)".contains("audit chain") && "\(error!)".contains("was changed"), "\(error!)")
        #expect(try await owner.platform.tenant(code: code) == nil)

        // Into a code in use: refused, and that city is unchanged.
        let before = try await Self.rows(of: a.id)
        await #expect(throws: StoreError.self) { try await TenantArchiver(owner: owner).importArchive(from: url, as: nil, actor: "tests") }
        #expect(try await Self.rows(of: a.id) == before)
    }

    /// The archive's per-table and whole-file digests recomputed for changed rows, as a forger would.
    static func redigest(_ lines: [String]) -> String {
        var out: [String] = []
        var table = SHA256()
        for line in lines {
            if line.hasPrefix("@{\"end\":") {
                let digest = table.finalize().map { String(format: "%02x", $0) }.joined()
                out.append(line.replacingOccurrences(of: #""sha256":"[0-9a-f]+""#, with: "\"sha256\":\"\(digest)\"", options: .regularExpression))
                table = SHA256()
            } else if line.hasPrefix("@{\"sha256\":") {
                var whole = SHA256()
                whole.update(data: Data(out.map { $0 + "\n" }.joined().utf8))
                out.append("@{\"sha256\":\"\(whole.finalize().map { String(format: "%02x", $0) }.joined())\"}")
            } else {
                if line.hasPrefix("{") { table.update(data: Data((line + "\n").utf8)) }
                if line.hasPrefix("@") { table = SHA256() }
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }

    @Test func anOffboardedCityIsReadOnlyUntilItsRetentionThenPurgedAlone() async throws {
        let admin = try await TestDatabase.admin()
        let app = try await TestDatabase.app()
        let owner = try await TestDatabase.owner()
        let profile = try ProfileLoader.load(overlay: "name: Kota Singkat\nretention: { offboardedDays: 0 }", source: "t")
        let (city, pop) = try await TestDatabase.city("arch-off", profile: profile)
        let (other, _) = try await TestDatabase.city("arch-keep")
        try await admin.sealAudit(other.id)
        let otherBefore = try await Self.rows(of: other.id)
        let (keep, _) = try await TestDatabase.city("arch-long")

        // Retention from the profile: 0 days here, the national 365 for the other.
        let until = try await admin.platform.offboard(code: city.code, actor: "tests")
        #expect(abs(until.timeIntervalSinceNow) < 120)
        let longUntil = try await admin.platform.offboard(code: keep.code, actor: "tests")
        #expect(abs(longUntil.timeIntervalSinceNow - 365 * 86_400) < 120)
        await #expect(throws: StoreError.self) { try await admin.platform.offboard(code: city.code, actor: "tests") }

        // Reads go on; every write is refused by the database, whichever role asks.
        let nip = pop.people[0].nip
        for db in [app, admin] {
            let names = try await db.withTenant(city.id) { tx in
                var n = 0
                for try await _ in try await tx.query("select name from employees where tenant_id = \(city.id.uuid)").decode(String.self) { n += 1 }
                return n
            }
            #expect(names == pop.people.count)
            for sql: PostgresQuery in [
                "update employees set name = 'X' where tenant_id = \(city.id.uuid) and nip = \(nip)",
                "delete from employees where tenant_id = \(city.id.uuid) and nip = \(nip)",
                "insert into audit_log (tenant_id, actor, action) values (\(city.id.uuid), 't', 'x')",
            ] {
                let error = await #expect(throws: (any Error).self) { try await db.withTenant(city.id) { try await $0.query(sql) } }
                #expect(StoreError.sqlState(error!) == "25006", "\(sql.sql)")
            }
        }

        // The long retention is not over: refused.
        await #expect(throws: StoreError.self) { try await TenantArchiver(owner: owner).purge(code: keep.code, actor: "tests") }
        // An active city is never purged.
        await #expect(throws: StoreError.self) { try await TenantArchiver(owner: owner).purge(code: other.code, actor: "tests") }

        let removed = try await TenantArchiver(owner: owner).purge(code: city.code, actor: "tests")
        #expect(removed.first { $0.table == "employees" }?.rows == pop.people.count)
        let after = try await Self.rows(of: city.id)
        for table in TenantSchema.tables {
            switch table {
            case "tenants": #expect(after[table]!.count == 1 && after[table]![0].contains("\"purged\""))
            case "audit_log": #expect(after[table]!.count == 1 && after[table]![0].contains("tenant.purge"))
            // That one entry may have been sealed since (a server running against the test database seals
            // every city's new entries): then the head holds it alone.
            case "audit_heads": #expect(after[table]!.isEmpty || (after[table]!.count == 1 && after[table]![0].contains("\"chain_seq\": 1")))
            default: #expect(after[table]!.isEmpty, "\(table) kept rows of the purged city")
            }
        }
        #expect(try await Self.rows(of: other.id) == otherBefore)
        #expect(try await admin.platform.tenant(code: city.code)?.status == .purged)
        await #expect(throws: StoreError.self) { try await admin.platform.setStatus(code: city.code, to: .active, actor: "t") }
        // The code is not given again.
        await #expect(throws: StoreError.self) {
            try await admin.platform.onboard(code: city.code, name: "Baru", adapter: "nasional", profile: profile, actor: "t")
        }
        // Resuming an offboarded city before its purge makes it writable again.
        #expect(try await admin.platform.setStatus(code: keep.code, to: .active, actor: "tests") == .offboarded)
        try await admin.withTenant(keep.id) { try await $0.audit(actor: "t", action: "test.after-resume", subject: "") }
    }
}
