import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// Reads the catalog: every table but the platform's own (TenantSchema.platformTables) is a tenant table, and
/// every tenant table has tenant_id first in its primary key and in every foreign key, and RLS enabled and
/// forced with a policy.
@Suite struct SchemaGuardTests {
    @Test func everyTenantTableIsKeyedAndGuarded() async throws {
        let db = try await TestDatabase.owner()
        let rows = try await db.client.query("""
            select c.relname,
                   exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped),
                   coalesce((select a.attname = 'tenant_id' from pg_constraint k
                             join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
                             where k.conrelid = c.oid and k.contype = 'p'), false),
                   c.relrowsecurity, c.relforcerowsecurity,
                   (select count(*) from pg_policy p where p.polrelid = c.oid),
                   coalesce((select bool_and(a.attname = 'tenant_id' and fa.attname = 'tenant_id')
                             from pg_constraint k
                             join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
                             join pg_attribute fa on fa.attrelid = k.confrelid and fa.attnum = k.confkey[1]
                             where k.conrelid = c.oid and k.contype = 'f'), true)
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> all(\(TenantSchema.platformTables))
            order by c.relname
            """, logger: TestDatabase.logger)
        var seen: [String] = []
        for try await (table, hasTenant, pkFirst, rls, forced, policies, fkFirst) in rows.decode(
            (String, Bool, Bool, Bool, Bool, Int, Bool).self)
        {
            seen.append(table)
            #expect(hasTenant, "\(table) has no tenant_id")
            #expect(pkFirst, "\(table): tenant_id is not first in the primary key")
            #expect(fkFirst, "\(table): a foreign key does not start with tenant_id")
            #expect(rls && forced, "\(table): row-level security must be enabled and forced")
            #expect(policies >= 1, "\(table) has no policy")
        }
        // The one list that export, import, purge and the Citus script use names exactly these tables.
        #expect(Set(seen) == Set(TenantSchema.tables), "catalog and TenantSchema.tables differ")
    }

    /// Every table comes after the tables its foreign keys point to, so a city can be restored in list order
    /// and purged in reverse.
    @Test func theTableListFollowsTheForeignKeys() async throws {
        let db = try await TestDatabase.owner()
        let rows = try await db.client.query("""
            select conrelid::regclass::text, confrelid::regclass::text from pg_constraint
            where contype = 'f' and connamespace = 'public'::regnamespace
            """, logger: TestDatabase.logger)
        let position = Dictionary(uniqueKeysWithValues: TenantSchema.tables.enumerated().map { ($1, $0) })
        var checked = 0
        for try await (from, to) in rows.decode((String, String).self) where !TenantSchema.platformTables.contains(from) {
            let (f, t) = (try #require(position[from], "\(from)"), try #require(position[to], "\(to)"))
            #expect(t <= f, "\(from) refers to \(to), which comes after it in TenantSchema.tables")
            checked += 1
        }
        #expect(checked > 10)
    }

    /// Offboarded cities are read-only by the database's own check on every tenant table.
    @Test func everyTenantTableRefusesWritesToAnOffboardedCity() async throws {
        let db = try await TestDatabase.owner()
        let rows = try await db.client.query("""
            select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind = 'r' and c.relname <> all(\(TenantSchema.platformTables))
              and not exists (select 1 from pg_trigger g join pg_proc p on p.oid = g.tgfoid
                              where g.tgrelid = c.oid and p.proname = 'tenant_is_writable' and g.tgtype & 28 = 28)
            """, logger: TestDatabase.logger)
        var missing: [String] = []
        for try await t in rows.decode(String.self) { missing.append(t) }
        #expect(missing.isEmpty, "no read-only check for insert, update and delete on \(missing)")
    }

    /// The platform's own tables (regional BKN staff and their cities) are out of the server's reach: it gets
    /// at them only through the login functions.
    @Test func theServersRoleHasNoPrivilegeOnThePlatformTables() async throws {
        let db = try await TestDatabase.owner()
        var checked = 0
        for table in TenantSchema.platformTables where table != "schema_migrations" {
            for privilege in ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"] {
                for try await has in try await db.client.query(
                    "select has_table_privilege('kinerja_app', \(table), \(privilege))", logger: TestDatabase.logger).decode(Bool.self) {
                    #expect(!has, "kinerja_app may \(privilege) \(table)")
                    checked += 1
                }
            }
        }
        #expect(checked == 10)
    }

    @Test func policiesReadTheTransactionLocalSetting() async throws {
        let db = try await TestDatabase.owner()
        let rows = try await db.client.query("""
            select c.relname, pg_get_expr(p.polqual, p.polrelid) from pg_policy p join pg_class c on c.oid = p.polrelid
            """, logger: TestDatabase.logger)
        for try await (table, qual) in rows.decode((String, String).self) {
            #expect(qual.contains("current_setting('kinerja.tenant_id'"), "\(table): \(qual)")
            #expect(!qual.contains("true)"), "\(table): missing_ok would turn a missing tenant into an empty result")
        }
    }
}
