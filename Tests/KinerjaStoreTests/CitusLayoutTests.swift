import Foundation
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// What a Citus coordinator needs of the schema, checked on the catalog and the store's SQL: the script
/// distributes every tenant table and nothing else, every unique key and foreign key holds the distribution
/// column, and every join of two tenant tables matches their cities.
@Suite struct CitusLayoutTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theCommittedScriptIsTheGeneratedOne() throws {
        let committed = try String(contentsOf: Self.root.appendingPathComponent("deploy/citus/distribute.sql"), encoding: .utf8)
        #expect(committed == TenantSchema.citusScript(),
                "deploy/citus/distribute.sql is stale: run 'kinerja-admin db citus-script > deploy/citus/distribute.sql'")
    }

    @Test func theScriptDistributesEveryTenantTableAndNothingElse() async throws {
        let script = TenantSchema.citusScript()
        let distributed = Self.matches(#"create_distributed_table\('(\w+)', 'tenant_id'"#, in: script)
        let reference = Self.matches(#"create_reference_table\('(\w+)'\)"#, in: script)
        #expect(distributed == TenantSchema.distributedTables)
        #expect(reference == TenantSchema.referenceTables)

        let db = try await TestDatabase.owner()
        var catalog: [String] = []
        for try await t in try await db.client.query("""
            select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1
            """, logger: TestDatabase.logger).decode(String.self) { catalog.append(t) }
        #expect(Set(distributed + reference + TenantSchema.platformTables) == Set(catalog))
        #expect(Set(distributed).isDisjoint(with: reference))
    }

    /// Citus enforces a unique key on a distributed table only when it holds the distribution column, and
    /// a foreign key between distributed tables only when both sides hold it at the same place.
    @Test func everyUniqueAndForeignKeyHoldsTheCity() async throws {
        let db = try await TestDatabase.owner()
        let rows = try await db.client.query("""
            select c.relname::text, i.indexrelid::regclass::text,
                   exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id'
                           and a.attnum = any (i.indkey))
            from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and i.indisunique
            """, logger: TestDatabase.logger)
        var uniques = 0
        for try await (table, index, holds) in rows.decode((String, String, Bool).self)
        where TenantSchema.distributedTables.contains(table) {
            #expect(holds, "\(index) on \(table) is unique without tenant_id")
            uniques += 1
        }
        #expect(uniques >= TenantSchema.distributedTables.count)

        let fks = try await db.client.query("""
            select k.conname::text, k.conrelid::regclass::text, k.confrelid::regclass::text,
                   (select array_position(k.conkey, a.attnum) from pg_attribute a where a.attrelid = k.conrelid and a.attname = 'tenant_id'),
                   (select array_position(k.confkey, a.attnum) from pg_attribute a where a.attrelid = k.confrelid and a.attname = 'tenant_id')
            from pg_constraint k where k.contype = 'f' and k.connamespace = 'public'::regnamespace
            """, logger: TestDatabase.logger)
        for try await (name, from, to, here, there) in fks.decode((String, String, String, Int?, Int?).self) {
            if TenantSchema.referenceTables.contains(to) { continue }  // to a reference table: any key will do
            if TenantSchema.platformTables.contains(from) { continue }  // the coordinator's own tables are not distributed
            #expect(here != nil && here == there, "\(name): \(from) -> \(to) does not pair tenant_id with tenant_id")
        }
    }

    /// Every `JOIN` of a tenant table in the store's SQL (Swift sources and migrations) names tenant_id in
    /// its condition: a join across cities is what a distributed plan cannot route to one node.
    @Test func theStoresJoinsStayWithinOneCity() throws {
        let store = Self.root.appendingPathComponent("Sources/KinerjaStore")
        let files = try FileManager.default.contentsOfDirectory(at: store, includingPropertiesForKeys: nil).filter { $0.pathExtension == "swift" }
            + (try FileManager.default.contentsOfDirectory(at: store.appendingPathComponent("Migrations"), includingPropertiesForKeys: nil))
        let join = try NSRegularExpression(
            pattern: #"\bjoin\s+(\w+)(?:\s+(?!on\b|using\b)(\w+))?\s+(on|using)\b(.*?)(?=\b(?:left\s+join|join|where|group\s+by|order\s+by|limit|returning|union|cross|lateral)\b|;|"""|\$\$|\z)"#,
            options: [.caseInsensitive, .dotMatchesLineSeparators])
        var joins = 0
        var bad: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let ns = text as NSString
            for m in join.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                let table = ns.substring(with: m.range(at: 1)).lowercased()
                guard TenantSchema.tables.contains(table) else { continue }
                joins += 1
                if !ns.substring(with: m.range(at: 4)).lowercased().contains("tenant_id") {
                    let line = ns.substring(to: m.range.location).components(separatedBy: "\n").count
                    bad.append("\(file.lastPathComponent):\(line) join \(table)")
                }
            }
        }
        #expect(joins > 50)
        #expect(bad.isEmpty, "joins without tenant_id: \(bad)")
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
    }
}
