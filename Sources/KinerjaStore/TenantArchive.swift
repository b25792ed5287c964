import Crypto
public import Foundation
import Logging
public import PostgresNIO

/// One city's complete data as a file, to restore it or move it to another deployment.
///
/// The file is JSON lines. Control lines start with `@`, rows with `{`:
///
///     @{"format":"kinerja-tenant-archive","version":1,"schemaVersion":19,...}     manifest
///     @{"table":"org_units","columns":[...]}                                      each table, in TenantSchema order
///     {"code":"DINKES",...}                                                       its rows, without tenant_id, by key
///     @{"end":"org_units","rows":312,"sha256":"..."}                              count and digest of the row lines
///     @{"sha256":"..."}                                                           digest of every byte before it
///
/// Rows are PostgreSQL's own `to_jsonb` of each row, ordered by primary key, so the same data always give
/// the same bytes: an import reads its rows back the same way and compares digests table by table.
public enum TenantArchive {
    public static let format = "kinerja-tenant-archive"
    public static let version = 1

    public struct Manifest: Codable, Sendable {
        public var format: String
        public var version: Int
        /// The migration the source database was at; an import needs the same.
        public var schemaVersion: Int
        public var exportedAt: Date
        public var tenantID: UUID
        public var code: String
        public var name: String
        public var tables: [String]
    }

    public struct TableSummary: Codable, Sendable, Equatable {
        public var table: String
        public var rows: Int
        public var sha256: String
    }

    public struct ExportResult: Sendable {
        public var tables: [TableSummary]
        public var sha256: String
        public var bytes: Int
    }

    public struct ImportResult: Sendable {
        public var tenant: Tenant
        public var tables: [TableSummary]
        public var sha256: String
        /// Keys whose token already opens another city here: imported revoked.
        public var revokedKeys: Int
    }

    struct TableHeader: Codable { var table: String; var columns: [String] }
    struct TableEnd: Codable { var end: String; var rows: Int; var sha256: String }
    struct Trailer: Codable { var sha256: String }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }

    static func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
}

/// Export, import and purge: owner-role work (it reads and writes every table of one city, past the
/// triggers that guard day-to-day changes), each in one transaction.
public struct TenantArchiver: Sendable {
    let database: KinerjaDatabase
    var logger: Logger { database.logger }

    /// `database` must be connected as the owner role.
    public init(owner database: KinerjaDatabase) { self.database = database }

    /// Writes the city `code` to `url` from one consistent snapshot. The file appears only when complete
    /// (written beside it, then renamed). `progress` hears each table as it is written.
    public func export(code: String, to url: URL, actor: String,
                       progress: @Sendable (TenantArchive.TableSummary) -> Void = { _ in }) async throws -> TenantArchive.ExportResult {
        guard let tenant = try await database.platform.tenant(code: code) else { throw StoreError.notFound(what: "city", key: code) }
        guard tenant.status != .purged else { throw StoreError.state("city '\(code)' was purged: there is nothing to export") }
        // The archive carries the audit chain sealed up to now; an import checks it.
        try await database.sealAudit(tenant.id)
        let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: partial) else {
            throw StoreError.invalid("cannot write '\(url.path)': check that its folder exists and is writable")
        }
        var writer = ArchiveWriter(handle: handle)
        let result: TenantArchive.ExportResult
        do {
            result = try await database.transaction { conn in
                try await conn.checkedQuery("set transaction isolation level repeatable read, read only", logger: logger)
                let schema = try await currentSchemaVersion(conn)
                let manifest = TenantArchive.Manifest(
                    format: TenantArchive.format, version: TenantArchive.version, schemaVersion: schema, exportedAt: Date(),
                    tenantID: tenant.id.uuid, code: tenant.code, name: tenant.name, tables: TenantSchema.tables)
                try writer.control(manifest)
                var summaries: [TenantArchive.TableSummary] = []
                for table in TenantSchema.tables {
                    let columns = try await self.columns(of: table, conn)
                    try writer.control(TenantArchive.TableHeader(table: table, columns: columns.filter { $0 != "tenant_id" }))
                    var digest = SHA256()
                    var count = 0
                    let rows = try await conn.checkedQuery(PostgresQuery(unsafeSQL: try await rowsSQL(table, conn), binds: binds(tenant.id.uuid)),
                                                    logger: logger)
                    for try await line in rows.decode(String.self) {
                        digest.update(data: Data(line.utf8))
                        digest.update(data: Data([0x0A]))
                        try writer.line(line)
                        count += 1
                    }
                    let summary = TenantArchive.TableSummary(table: table, rows: count, sha256: TenantArchive.hex(digest.finalize()))
                    try writer.control(TenantArchive.TableEnd(end: table, rows: count, sha256: summary.sha256))
                    summaries.append(summary)
                    progress(summary)
                }
                let whole = TenantArchive.hex(writer.digest.finalize())
                try writer.control(TenantArchive.Trailer(sha256: whole))
                try writer.flush()
                return TenantArchive.ExportResult(tables: summaries, sha256: whole, bytes: writer.bytes)
            }
            try handle.close()
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: partial, to: url)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        try await auditExport(tenant, result, actor: actor)
        return result
    }

    private func auditExport(_ tenant: Tenant, _ result: TenantArchive.ExportResult, actor: String) async throws {
        let detail = String(data: try TenantArchive.encoder().encode(
            ["sha256": result.sha256, "rows": String(result.tables.reduce(0) { $0 + $1.rows })]), encoding: .utf8)!
        try await database.transaction { conn in
            try await conn.checkedQuery("""
                insert into audit_log (tenant_id, actor, action, subject, detail)
                values (\(tenant.id.uuid), \(actor), 'tenant.export', \(tenant.code), \(detail)::jsonb)
                """, logger: logger)
        }
    }

    /// Restores an archive as the city `code` (the archive's own code when nil), which must not exist here.
    /// Everything is checked before the transaction commits: the file's digests, each table's rows read back
    /// from the database against the archive's, and the audit chain recomputed entry by entry. Any mismatch
    /// or error leaves the database unchanged.
    public func importArchive(from url: URL, as code: String?, actor: String,
                              progress: @Sendable (TenantArchive.TableSummary) -> Void = { _ in }) async throws -> TenantArchive.ImportResult {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw StoreError.invalid("cannot read '\(url.path)': no such file or not readable")
        }
        defer { try? handle.close() }
        var reader = ArchiveReader(handle: handle)
        guard let first = try reader.next(), first.control,
              let manifest = try? TenantArchive.decoder().decode(TenantArchive.Manifest.self, from: first.body),
              manifest.format == TenantArchive.format else {
            throw StoreError.invalid("'\(url.path)' is not a Kinerja city archive (no manifest on its first line)")
        }
        guard manifest.version == TenantArchive.version else {
            throw StoreError.invalid("'\(url.path)' is archive version \(manifest.version); this version of kinerja-admin reads version \(TenantArchive.version)")
        }
        let code = code ?? manifest.code
        try TenantCode.check(code)
        if let existing = try await database.platform.tenant(code: code) {
            throw StoreError.state("city '\(existing.code)' already exists here (\(existing.status.rawValue)): import into a code not in use with --as CODE")
        }
        let occupied = try await tenantIDInUse(manifest.tenantID)
        let id = occupied ? UUID() : manifest.tenantID

        return try await database.transaction { conn in
            let schema = try await currentSchemaVersion(conn)
            guard schema == manifest.schemaVersion else {
                throw StoreError.invalid("the archive was written at schema version \(manifest.schemaVersion) and this database is at \(schema): import it into a deployment at \(manifest.schemaVersion), then migrate")
            }
            guard manifest.tables == TenantSchema.tables else {
                throw StoreError.invalid("the archive's tables (\(manifest.tables.joined(separator: ", "))) are not this version's")
            }
            do {
                try await conn.checkedQuery("set local session_replication_role = replica", logger: logger)
            } catch where StoreError.sqlState(error) == "42501" {
                throw StoreError.configuration("the owner role may not set session_replication_role, which a city's import needs: as a superuser run GRANT SET ON PARAMETER session_replication_role TO \(database.settings.username) (deploy/postgres/bootstrap.sql does)")
            }
            var summaries: [TenantArchive.TableSummary] = []
            for table in manifest.tables {
                guard let line = try reader.next(), line.control,
                      let header = try? TenantArchive.decoder().decode(TenantArchive.TableHeader.self, from: line.body),
                      header.table == table else {
                    throw StoreError.invalid("archive line \(reader.lineNumber): expected the start of table \(table)")
                }
                let columns = try await self.columns(of: table, conn)
                guard header.columns == columns.filter({ $0 != "tenant_id" }) else {
                    throw StoreError.invalid("archive table \(table) has columns \(header.columns.joined(separator: ", ")); this database has \(columns.joined(separator: ", "))")
                }
                // The city row takes its code here: the archive's may belong to another city of this deployment.
                let insert = try await insertSQL(table, columns: columns, overrides: table == "tenants" ? ["code": "$3::text"] : [:], conn)
                var digest = SHA256()
                var count = 0
                var batch = [UInt8]()
                batch.reserveCapacity(1 << 22)
                func flush() async throws {
                    guard !batch.isEmpty else { return }
                    batch.append(UInt8(ascii: "]"))
                    var b = PostgresBindings()
                    b.append(String(decoding: batch, as: UTF8.self))
                    b.append(id)
                    if table == "tenants" { b.append(code) }
                    try await conn.checkedQuery(PostgresQuery(unsafeSQL: insert, binds: b), logger: logger)
                    batch.removeAll(keepingCapacity: true)
                }
                var end: TenantArchive.TableEnd?
                while let line = try reader.next() {
                    if line.control {
                        end = try? TenantArchive.decoder().decode(TenantArchive.TableEnd.self, from: line.body)
                        break
                    }
                    digest.update(data: line.body)
                    digest.update(data: Data([0x0A]))
                    batch.append(batch.isEmpty ? UInt8(ascii: "[") : UInt8(ascii: ","))
                    batch.append(contentsOf: line.body)
                    count += 1
                    if batch.count > 4 << 20 { try await flush() }
                }
                try await flush()
                guard let end, end.end == table else {
                    throw StoreError.invalid("archive line \(reader.lineNumber): table \(table) does not end where it should; the file is cut short or damaged")
                }
                let sha = TenantArchive.hex(digest.finalize())
                guard end.rows == count, end.sha256 == sha else {
                    throw StoreError.invalid("archive table \(table): \(count) rows with digest \(sha.prefix(12)), but the file says \(end.rows) rows with \(end.sha256.prefix(12)); the file was changed or damaged")
                }
                summaries.append(.init(table: table, rows: count, sha256: sha))
            }
            guard let last = try reader.next(), last.control,
                  let trailer = try? TenantArchive.decoder().decode(TenantArchive.Trailer.self, from: last.body) else {
                throw StoreError.invalid("the archive has no closing digest: it is cut short")
            }
            let computed = TenantArchive.hex(reader.digestBeforeLine)
            guard trailer.sha256 == computed else {
                throw StoreError.invalid("the archive's closing digest \(trailer.sha256.prefix(12)) does not match its content (\(computed.prefix(12))): the file was changed")
            }
            guard try reader.next() == nil else { throw StoreError.invalid("the archive has content after its closing digest") }

            // The city row: writable unless it was suspended when exported.
            try await conn.checkedQuery("""
                update tenants set status = case when status = 'suspended' then 'suspended' else 'active' end,
                       offboarded_at = null, retain_until = null, updated_at = now()
                where tenant_id = \(id)
                """, logger: logger)

            // Read every table back as the export reads it: the same bytes or nothing is kept.
            for summary in summaries where summary.table != "tenants" {
                var digest = SHA256()
                var count = 0
                let rows = try await conn.checkedQuery(PostgresQuery(unsafeSQL: try await rowsSQL(summary.table, conn), binds: binds(id)),
                                                logger: logger)
                for try await line in rows.decode(String.self) {
                    digest.update(data: Data(line.utf8))
                    digest.update(data: Data([0x0A]))
                    count += 1
                }
                let sha = TenantArchive.hex(digest.finalize())
                guard count == summary.rows, sha == summary.sha256 else {
                    throw StoreError.database("table \(summary.table) read back \(count) rows (digest \(sha.prefix(12))) after importing \(summary.rows) (\(summary.sha256.prefix(12))); nothing was imported")
                }
                progress(summary)
            }
            // The audit chain as it came: every entry's hash recomputed, no gap, the head at its end.
            let chain = try await AuditChain.verify(tenant: id, on: conn, logger: logger)
            if let problem = chain.problem {
                throw StoreError.invalid("the archive's audit chain does not hold: \(problem); nothing was imported")
            }
            try await advanceIdentitySequences(for: id, conn)

            // A key that already opens another city here must not open this copy as well. A moved city's key that
            // opens another city here is the same key (a regional key over cities moved one by one): kept, unless
            // it was revoked here since.
            var revoked = 0
            let rows = try await conn.checkedQuery("""
                with r as (
                    update api_keys k set revoked_at = now()
                    where k.tenant_id = \(id) and k.revoked_at is null
                      and exists (select 1 from api_keys o where o.key_hash = k.key_hash and o.tenant_id <> k.tenant_id
                                    and (\(occupied) or o.key_id <> k.key_id
                                         -- moved, but the key was revoked here since: it stays revoked
                                         or not exists (select 1 from api_keys l where l.key_id = k.key_id
                                                        and l.tenant_id <> k.tenant_id and l.revoked_at is null)))
                    returning 1)
                select count(*)::int from r
                """, logger: logger)
            for try await n in rows.decode(Int.self) { revoked = n }
            // A key's cities are the rows that share its id: revoking it in one revokes it in all (0002). A copy's
            // keys get ids of their own, so that revoking one in the copy cannot end the original's live key;
            // the copy's idempotency records and report jobs follow them. A city moved under its own id keeps its
            // keys' ids: a regional key over several cities moved one by one stays one key.
            if occupied { try await conn.checkedQuery("""
                with renumbered as materialized (
                    select k.key_id as old, gen_random_uuid() as new from api_keys k
                    where k.tenant_id = \(id)
                      and exists (select 1 from api_keys o where o.key_id = k.key_id and o.tenant_id <> k.tenant_id)
                ), keys as (
                    update api_keys k set key_id = r.new from renumbered r where k.tenant_id = \(id) and k.key_id = r.old
                ), jobs as (
                    update report_jobs j set key_id = r.new from renumbered r where j.tenant_id = \(id) and j.key_id = r.old
                )
                update idempotency_keys i set key_id = r.new from renumbered r where i.tenant_id = \(id) and i.key_id = r.old
                """, logger: logger) }

            let detail = String(data: try TenantArchive.encoder().encode([
                "from_code": manifest.code, "from_tenant_id": manifest.tenantID.uuidString.lowercased(),
                "exported_at": ISO8601DateFormatter().string(from: manifest.exportedAt), "sha256": computed,
                "rows": String(summaries.reduce(0) { $0 + $1.rows }), "revoked_keys": String(revoked),
            ]), encoding: .utf8)!
            try await conn.checkedQuery("set local session_replication_role = origin", logger: logger)
            try await conn.checkedQuery("""
                insert into audit_log (tenant_id, actor, action, subject, detail)
                values (\(id), \(actor), 'tenant.import', \(code), \(detail)::jsonb)
                """, logger: logger)
            var tenant: Tenant?
            for try await (name, adapter, status, version, created) in try await conn.checkedQuery("""
                select name, adapter, status, profile_version, created_at from tenants where tenant_id = \(id)
                """, logger: logger).decode((String, String, String, Int, Date).self) {
                tenant = Tenant(id: TenantID(id), code: code, name: name, adapter: adapter, status: Tenant.Status(rawValue: status) ?? .active,
                                profileVersion: version, createdAt: created,
                                employeeCount: summaries.first { $0.table == "employees" }?.rows ?? 0, retainUntil: nil)
            }
            guard let tenant else { throw StoreError.invalid("the archive holds no city row") }
            return TenantArchive.ImportResult(tenant: tenant, tables: summaries, sha256: computed, revokedKeys: revoked)
        }
    }

    /// Removes an offboarded city's data once its retention has passed. The city row stays (status purged,
    /// its code never reused) with one audit entry: who purged it and how many rows went.
    public func purge(code: String, actor: String) async throws -> [TenantArchive.TableSummary] {
        guard let tenant = try await database.platform.tenant(code: code) else { throw StoreError.notFound(what: "city", key: code) }
        return try await database.transaction { conn in
            var status = ""
            var until: Date?
            for try await (s, u) in try await conn.checkedQuery(
                "select status, retain_until from tenants where tenant_id = \(tenant.id.uuid) for update", logger: logger
            ).decode((String, Date?).self) { (status, until) = (s, u) }
            guard status == "offboarded", let until else {
                throw StoreError.state("city '\(code)' is \(status): only an offboarded city can be purged ('kinerja-admin tenant offboard \(code)' first)")
            }
            guard until <= Date() else {
                throw StoreError.state("city '\(code)' is kept until \(ISO8601DateFormatter().string(from: until)) (its profile's retention); it cannot be purged before")
            }
            do {
                try await conn.checkedQuery("set local session_replication_role = replica", logger: logger)
            } catch where StoreError.sqlState(error) == "42501" {
                throw StoreError.configuration("the owner role may not set session_replication_role, which purging needs: as a superuser run GRANT SET ON PARAMETER session_replication_role TO \(database.settings.username) (deploy/postgres/bootstrap.sql does)")
            }
            var removed: [TenantArchive.TableSummary] = []
            for table in TenantSchema.tables.reversed() where table != "tenants" {
                let rows = try await conn.checkedQuery(PostgresQuery(unsafeSQL: """
                    with gone as (delete from \(table) where tenant_id = $1 returning 1) select count(*)::int from gone
                    """, binds: binds(tenant.id.uuid)), logger: logger)
                for try await n in rows.decode(Int.self) { removed.append(.init(table: table, rows: n, sha256: "")) }
            }
            try await conn.checkedQuery("set local session_replication_role = origin", logger: logger)
            try await conn.checkedQuery("update tenants set status = 'purged', updated_at = now() where tenant_id = \(tenant.id.uuid)", logger: logger)
            var detail: [String: Int] = [:]
            for r in removed { detail[r.table] = r.rows }
            let json = String(data: try TenantArchive.encoder().encode(detail), encoding: .utf8)!
            try await conn.checkedQuery("""
                insert into audit_log (tenant_id, actor, action, subject, detail)
                values (\(tenant.id.uuid), \(actor), 'tenant.purge', \(code), jsonb_build_object('deleted', \(json)::jsonb))
                """, logger: logger)
            return removed.reversed()
        }
    }

    // MARK: - Catalog

    private func binds(_ id: UUID) -> PostgresBindings {
        var b = PostgresBindings()
        b.append(id)
        return b
    }

    private func currentSchemaVersion(_ conn: PostgresConnection) async throws -> Int {
        for try await v in try await conn.checkedQuery("select coalesce(max(version), 0)::int from schema_migrations", logger: logger).decode(Int.self) {
            return v
        }
        return 0
    }

    private func tenantIDInUse(_ id: UUID) async throws -> Bool {
        try await database.platform.tenants().contains { $0.id.uuid == id }
    }

    /// Stored columns in table order (generated columns are computed again, so they are not carried).
    private func columns(of table: String, _ conn: PostgresConnection) async throws -> [String] {
        var out: [String] = []
        for try await name in try await conn.checkedQuery("""
            select attname::text from pg_attribute
            where attrelid = ('public.' || quote_ident(\(table)))::regclass and attnum > 0 and not attisdropped and attgenerated = ''
            order by attnum
            """, logger: logger).decode(String.self) { out.append(name) }
        guard out.contains("tenant_id") else { throw StoreError.database("table \(table) has no tenant_id") }
        return out
    }

    private func primaryKey(of table: String, _ conn: PostgresConnection) async throws -> [String] {
        var out: [String] = []
        for try await name in try await conn.checkedQuery("""
            select a.attname::text from pg_index i
            join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
            where i.indrelid = ('public.' || quote_ident(\(table)))::regclass and i.indisprimary
            order by array_position(i.indkey::int2[], a.attnum)
            """, logger: logger).decode(String.self) { out.append(name) }
        return out
    }

    /// One city's rows of `table` as text, without tenant_id, in key order: the export and the read-back.
    private func rowsSQL(_ table: String, _ conn: PostgresConnection) async throws -> String {
        let key = try await primaryKey(of: table, conn).map(quote).joined(separator: ", ")
        return "select (to_jsonb(t) - 'tenant_id')::text from \(quote(table)) t where t.tenant_id = $1 order by \(key)"
    }

    private func insertSQL(_ table: String, columns: [String], overrides: [String: String], _ conn: PostgresConnection) async throws -> String {
        let list = columns.map(quote).joined(separator: ", ")
        let values = columns.map { $0 == "tenant_id" ? "$2::uuid" : overrides[$0] ?? "r.\(quote($0))" }.joined(separator: ", ")
        return "insert into \(quote(table)) (\(list)) overriding system value select \(values) from jsonb_populate_recordset(null::\(quote(table)), $1::jsonb) r"
    }

    /// Identity columns draw from one sequence for every city: move each past the ids this city brought.
    private func advanceIdentitySequences(for id: UUID, _ conn: PostgresConnection) async throws {
        var identities: [(String, String)] = []
        for try await (table, column) in try await conn.checkedQuery("""
            select c.relname::text, a.attname::text from pg_attribute a join pg_class c on c.oid = a.attrelid
            join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and a.attidentity <> '' and not a.attisdropped
            """, logger: logger).decode((String, String).self) { identities.append((table, column)) }
        for (table, column) in identities {
            try await conn.checkedQuery(PostgresQuery(unsafeSQL: """
                select case when m > nextval(s::regclass) then setval(s::regclass, m) end
                from (select pg_get_serial_sequence('public.\(quote(table))', '\(column)') as s,
                             (select max(\(quote(column))) from \(quote(table)) where tenant_id = $1) as m) x
                where m is not null
                """, binds: binds(id)), logger: logger)
        }
    }

    private func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

/// Buffered writing of archive lines, keeping the running digest of every byte written.
struct ArchiveWriter {
    let handle: FileHandle
    var buffer = Data()
    var digest = SHA256()
    var bytes = 0

    mutating func line(_ text: String) throws {
        var data = Data(text.utf8)
        data.append(0x0A)
        digest.update(data: data)
        bytes += data.count
        buffer.append(data)
        if buffer.count > 1 << 20 { try flush() }
    }

    mutating func control(_ value: some Encodable) throws {
        try line("@" + String(data: try TenantArchive.encoder().encode(value), encoding: .utf8)!)
    }

    mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads archive lines in chunks; keeps the digest of every byte before the line last returned.
struct ArchiveReader {
    let handle: FileHandle
    var pending: [UInt8] = []
    var position = 0
    var eof = false
    var digest = SHA256()
    var digestBeforeLine = SHA256().finalize()
    var lineNumber = 0

    struct Line: Equatable {
        var control: Bool
        var body: Data
    }

    mutating func next() throws -> Line? {
        while true {
            if let nl = pending[position...].firstIndex(of: 0x0A) {
                digestBeforeLine = digest.finalize()
                let (from, to) = (position, nl)
                pending.withUnsafeBytes { digest.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[from...to])) }
                let control = pending[position] == UInt8(ascii: "@")
                let body = Data(pending[(control ? position + 1 : position)..<nl])
                position = nl + 1
                lineNumber += 1
                return Line(control: control, body: body)
            }
            if eof {
                guard position == pending.count else { throw StoreError.invalid("the archive's last line is cut short") }
                return nil
            }
            pending.removeFirst(position)
            position = 0
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { eof = true } else { pending.append(contentsOf: chunk) }
        }
    }
}
