import Foundation
import KinerjaAdapters
import KinerjaCore
@testable import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

@Suite struct MigrationTests {
    @Test func applyOnEmptyDatabaseThenNoOpThenChecksumMismatch() async throws {
        let empty = try await TestDatabase.emptyDatabase()
        do {
            try await TestDatabase.with(empty.owner) { owner in
                let before = try await Migrator.report(client: owner.client, logger: TestDatabase.logger)
                let all = try Migration.bundled().map(\.version)
                #expect(all.first == 1 && all == all.sorted() && Set(all).count == all.count)
                #expect(before.pending == all)
                #expect(!before.isCurrent)

                let applied = try await Migrator.migrate(client: owner.client, logger: TestDatabase.logger)
                #expect(applied.map(\.version) == all)
                let again = try await Migrator.migrate(client: owner.client, logger: TestDatabase.logger)
                #expect(again.isEmpty, "a second run applies nothing")
                #expect(try await Migrator.report(client: owner.client, logger: TestDatabase.logger).isCurrent)

                // Someone edits a landed migration: status reports it and migrate refuses.
                try await owner.client.query("update schema_migrations set checksum = 'edited' where version = 1", logger: TestDatabase.logger)
                let report = try await Migrator.report(client: owner.client, logger: TestDatabase.logger)
                #expect(report.mismatched.map(\.version) == [1])
                await #expect(throws: StoreError.checksumMismatch(version: 1, name: "foundation")) {
                    try await Migrator.migrate(client: owner.client, logger: TestDatabase.logger)
                }
            }
            // The application role sees the same state (the server's /ready uses it).
            let seen = try await TestDatabase.with(empty.app) { app in try await app.migrationState() }
            #expect(seen.mismatched.count == 1)
        } catch {
            try await TestDatabase.drop(empty.name)
            throw error
        }
        try await TestDatabase.drop(empty.name)
    }

    @Test func aFailingMigrationChangesNothing() async throws {
        let empty = try await TestDatabase.emptyDatabase()
        let good = try Migration.bundled()
        let bad = Migration(version: 999, name: "broken", sql: "create table half_done (x int); select no_such_function();")
        try await TestDatabase.with(empty.owner) { owner in
            await #expect(throws: StoreError.self) {
                try await Migrator.migrate(client: owner.client, migrations: good + [bad], logger: TestDatabase.logger)
            }
            let report = try await Migrator.report(client: owner.client, migrations: good + [bad], logger: TestDatabase.logger)
            #expect(report.pending == [999], "the good ones stay applied, the broken one is not recorded")
            let rows = try await owner.client.query("select to_regclass('public.half_done') is null", logger: TestDatabase.logger)
            for try await gone in rows.decode(Bool.self) { #expect(gone, "the broken migration's table was rolled back") }
        }
        try await TestDatabase.drop(empty.name)
    }

    /// Migration 0050 gives the national holidays to a city whose stored profile lists none (as Palu's,
    /// Banjarbaru's and Pematangsiantar's were stored), as its next profile version, audited; a city listing
    /// holidays where profiles kept them before (Makassar, under complaints) keeps its list and its version.
    @Test func citiesStoredWithoutHolidaysGetTheNationalOnes() async throws {
        var bare = try NationalAdapter().effectiveProfile()
        bare.holidayDates = nil
        var listed = bare
        listed.complaints?.holidayDates = ["2026-08-17"]
        let (without, _) = try await TestDatabase.city("mig-holidays", profile: bare)
        let (with, _) = try await TestDatabase.city("mig-holidays-kept", profile: listed)
        let migration = try #require(try Migration.bundled().first { $0.version == 50 })
        let owner = try await TestDatabase.owner()
        try await owner.client.query(PostgresQuery(unsafeSQL: migration.sql), logger: TestDatabase.logger)
        let given = try await owner.platform.profile(of: without.id)
        #expect(given.holidays.contains(CivilDate(year: 2026, month: 8, day: 17)) && given.holidays.count == 16, "\(given.holidays)")
        let kept = try await owner.platform.profile(of: with.id)
        #expect(kept.holidayDates == nil && kept.holidays == [CivilDate(year: 2026, month: 8, day: 17)])
        let versions = try await owner.withTenant(without.id) { tx in
            (try await tx.int("select profile_version from tenants where tenant_id = \(without.id.uuid)"),
             try await tx.int("select count(*)::int from audit_log where tenant_id = \(without.id.uuid) and actor = 'migration:0050'"))
        }
        #expect(versions == (2, 1))
        let keptVersion = try await owner.withTenant(with.id) { try await $0.int("select profile_version from tenants where tenant_id = \(with.id.uuid)") }
        #expect(keptVersion == 1)
    }

    /// Migration 0056 gives the keys of a city copied before the import did so ids of their own: with the original's
    /// id, revoking the copy's key in the copy revoked the original city's live key.
    @Test func aCityCopiedBeforeGetsKeysOfItsOwn() async throws {
        let owner = try await TestDatabase.owner()
        let admin = try await TestDatabase.admin()
        let (a, _, token) = try await TenantArchiveTests.fullCity("mig-keys")
        let source = try #require(try await admin.withTenant(a.id) { try await $0.apiKeys() }.first)
        let url = TenantArchiveTests.archiveURL()
        defer { try? FileManager.default.removeItem(at: url) }
        _ = try await TenantArchiver(owner: owner).export(code: a.code, to: url, actor: "tests")
        let copy = try await TenantArchiver(owner: owner).importArchive(
            from: url, as: "t-mig-keys-c-\(UUID().uuidString.prefix(6).lowercased())", actor: "tests").tenant
        // As a copy made before the import renumbered them: the source's key id.
        try await owner.client.query("update api_keys set key_id = \(source.id) where tenant_id = \(copy.id.uuid)", logger: TestDatabase.logger)
        // A key made since over both cities is one key of two cities, and stays so.
        let both = try await admin.createAPIKey(tenants: [a.id, copy.id], role: .bknAdmin, label: "both", employeeNIP: nil, actor: "t").id
        let migration = try #require(try Migration.bundled().first { $0.version == 56 })
        try await owner.client.query(PostgresQuery(unsafeSQL: migration.sql), logger: TestDatabase.logger)

        let copied = try #require(try await admin.withTenant(copy.id) { try await $0.apiKeys() }.first { $0.label == "hr" })
        #expect(copied.id != source.id && copied.prefix == source.prefix && copied.revokedAt != nil)
        #expect(try await admin.withTenant(a.id) { try await $0.apiKeys() }.contains { $0.id == source.id }, "the source's key keeps its id")
        await #expect(throws: StoreError.self) {
            try await admin.withTenant(copy.id) { try await $0.revokeAPIKey(copied.prefix, actor: "tests") }
        }
        #expect(try await admin.platform.lookUpKey(hash: APIToken.hash(token)).filter { !$0.revoked }.map(\.tenantCode) == [a.code])
        for city in [a.id, copy.id] {
            #expect(try await admin.withTenant(city) { try await $0.apiKeys() }.contains { $0.id == both })
        }
        // Run again, it changes nothing more.
        try await owner.client.query(PostgresQuery(unsafeSQL: migration.sql), logger: TestDatabase.logger)
        #expect(try await admin.withTenant(copy.id) { try await $0.apiKeys() }.contains { $0.id == copied.id })
    }

    @Test func scriptSplitterKeepsBodiesWhole() {
        let sql = """
            -- a comment; with a semicolon
            create table a (x text default 'a;b');
            create function f() returns int language plpgsql as $$ begin return 1; end $$;
            /* block; comment */ do $body$ begin perform 1; end $body$;
            select "odd;name" from a
            """
        let statements = SQLScript.statements(sql)
        #expect(statements.count == 4)
        #expect(statements[1].hasSuffix("end $$"))
        #expect(statements[2].contains("perform 1; end $body$"))
    }
}
