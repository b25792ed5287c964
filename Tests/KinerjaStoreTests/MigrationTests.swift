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
