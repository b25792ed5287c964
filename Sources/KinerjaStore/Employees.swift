public import Foundation
import PostgresNIO
import Synchronization

/// An ASN as the city's records hold them. Personal fields the product does not need are never stored.
public struct Employee: Sendable, Equatable, Codable {
    public var nip: String
    public var name: String
    public var gelarDepan: String?
    public var gelarBelakang: String?
    public var employeeType: String
    public var jabatanKind: String
    public var jabatanLevel: String?
    public var jabatanName: String
    public var golongan: String?
    public var unitCode: String
    public var unitName: String
    public var atasanNIP: String?
    public var status: String
    public var email: String?
    public var birthDate: String
    public var gender: String
}

/// Which employees to list: all filters optional; `after` is the cursor (the last NIP of the previous page).
public struct EmployeeFilter: Sendable, Equatable {
    public var unitCode: String?
    /// Include the units below `unitCode`.
    public var includeSubunits: Bool
    public var status: String?
    /// Matches name or NIP, case-insensitive.
    public var text: String?
    public var after: String?
    public var limit: Int
    /// Only this atasan's chain of subordinates (direct and below).
    public var subordinatesOf: String?
    /// Only this one employee.
    public var onlyNIP: String?

    public init(unitCode: String? = nil, includeSubunits: Bool = true, status: String? = nil, text: String? = nil,
                after: String? = nil, limit: Int = 50) {
        self.unitCode = unitCode
        self.includeSubunits = includeSubunits
        self.status = status
        self.text = text
        self.after = after
        self.limit = limit
    }
}

extension TenantTransaction {
    static let employeeColumns = """
        e.nip::text, e.name, e.gelar_depan, e.gelar_belakang, e.employee_type, e.jabatan_kind, e.jabatan_level,
        e.jabatan_name, e.golongan, u.code, u.name, e.atasan_nip::text, e.status, e.email, e.birth_date::text, e.gender::text
        """

    typealias EmployeeRow = (String, String, String?, String?, String, String, String?, String, String?, String, String,
                             String?, String, String?, String, String)

    static func employee(_ r: EmployeeRow) -> Employee {
        Employee(nip: r.0, name: r.1, gelarDepan: r.2, gelarBelakang: r.3, employeeType: r.4, jabatanKind: r.5,
                 jabatanLevel: r.6, jabatanName: r.7, golongan: r.8, unitCode: r.9, unitName: r.10, atasanNIP: r.11,
                 status: r.12, email: r.13, birthDate: r.14, gender: r.15)
    }

    /// One page of employees ordered by NIP, and whether more follow.
    public func employees(_ f: EmployeeFilter) async throws -> (employees: [Employee], hasMore: Bool) {
        guard (1...500).contains(f.limit) else { throw StoreError.invalid("limit \(f.limit) is out of range: use 1-500") }
        if let s = f.status, !["active", "inactive"].contains(s) {
            throw StoreError.invalid("status '\(s)' is not one of: active, inactive")
        }
        var unitIDs: [UUID]? = nil
        if let code = f.unitCode { unitIDs = try await unitSubtree(code: code, includeSubunits: f.includeSubunits) }
        let pattern = f.text.map { "%" + $0.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%" }
        let rows = try await query("""
            select \(unescaped: Self.employeeColumns)
            from employees e join org_units u on u.tenant_id = e.tenant_id and u.unit_id = e.unit_id
            where e.tenant_id = \(tenant.uuid)
              and (\(unitIDs)::uuid[] is null or e.unit_id = any(\(unitIDs)::uuid[]))
              and (\(f.status)::text is null or e.status = \(f.status))
              and (\(pattern)::text is null or lower(e.name) like \(pattern) or e.nip like \(pattern))
              and (\(f.after)::text is null or e.nip > \(f.after))
              and (\(f.onlyNIP)::text is null or e.nip = \(f.onlyNIP))
              and (\(f.subordinatesOf)::text is null or e.nip in (
                    with recursive chain as (
                        select nip from employees where tenant_id = \(tenant.uuid) and atasan_nip = \(f.subordinatesOf)
                        union
                        select c.nip from employees c join chain on c.atasan_nip = chain.nip where c.tenant_id = \(tenant.uuid)
                    ) select nip from chain))
            order by e.nip
            limit \(f.limit + 1)
            """)
        var out: [Employee] = []
        for try await r in rows.decode(EmployeeRow.self) { out.append(Self.employee(r)) }
        let more = out.count > f.limit
        return (Array(out.prefix(f.limit)), more)
    }

    /// One employee; `locking`: their row is held until the transaction ends (for a change that checks it first).
    public func employee(nip: String, locking: Bool = false) async throws -> Employee? {
        let rows = try await query("""
            select \(unescaped: Self.employeeColumns)
            from employees e join org_units u on u.tenant_id = e.tenant_id and u.unit_id = e.unit_id
            where e.tenant_id = \(tenant.uuid) and e.nip = \(nip)
            \(unescaped: locking ? "for no key update of e" : "")
            """)
        for try await r in rows.decode(EmployeeRow.self) { return Self.employee(r) }
        return nil
    }

    /// Whether `nip` stands anywhere below `atasan` in the atasan chain.
    public func isSubordinate(_ nip: String, of atasan: String) async throws -> Bool {
        let rows = try await query("""
            with recursive up as (
                select atasan_nip from employees where tenant_id = \(tenant.uuid) and nip = \(nip)
                union
                select e.atasan_nip from employees e join up on e.nip = up.atasan_nip where e.tenant_id = \(tenant.uuid)
            )
            select exists (select 1 from up where atasan_nip = \(atasan))
            """)
        for try await found in rows.decode(Bool.self) { return found }
        return false
    }

    public func employeeCount() async throws -> Int {
        let rows = try await query("select count(*) from employees where tenant_id = \(tenant.uuid)")
        for try await n in rows.decode(Int.self) { return n }
        return 0
    }

    /// The ids of a unit and (when asked) every unit below it; not found when the code is unknown.
    func unitSubtree(code: String, includeSubunits: Bool = true) async throws -> [UUID] {
        let rows = try await query("""
            with recursive below as (
                select unit_id from org_units where tenant_id = \(tenant.uuid) and code = \(code)
                union
                select u.unit_id from org_units u join below b on u.parent_id = b.unit_id
                where u.tenant_id = \(tenant.uuid) and \(includeSubunits)
            )
            select unit_id from below
            """)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        guard !ids.isEmpty else { throw StoreError.notFound(what: "org unit", key: code) }
        return ids
    }
}

extension KinerjaDatabase {
    /// One employee of a city, read by the database function `employee_read_many` in one statement (it sets the
    /// city itself): one round trip, shared with the other reads of the city that arrive while one is running
    /// (``employeeReads``). With `within`, only that employee or one below them in the atasan chain.
    public func employee(tenant: TenantID, nip: String, within: String?) async throws -> Employee? {
        try await employeeReads.submit(tenant, [EmployeeReadItem(nip: nip, within: within)]) { tenant, items in
            try await self.employees(tenant: tenant, items)
        }[0]
    }

    /// How many calls of `employee_read_many` the reads of one employee took, and how many reads they were.
    public func employeeReadCounts() async -> (calls: Int, reads: Int) {
        let c = await employeeReads.counts
        return (c.calls, c.requests)
    }

    /// The employees `items` ask for, in their order (nil: not found, or not visible within the item's limit).
    func employees(tenant: TenantID, _ items: [EmployeeReadItem]) async throws -> [Employee?] {
        // No limit is the employee's own NIP as the limit (migration 0039).
        let read = EmployeeReadMany(tenant: tenant.uuid, nips: items.map(\.nip), within: items.map { $0.within ?? $0.nip })
        return try await connection { conn -> [Employee?] in
            var found = [Employee?](repeating: nil, count: items.count)
            func place(_ r: EmployeeReadMany.Row) throws {
                guard found.indices.contains(Int(r.0)) else {
                    throw StoreError.database("employee_read_many answered item \(r.0) of \(items.count)")
                }
                // The columns after the item's index are those of every employee read (`employeeColumns`).
                found[Int(r.0)] = TenantTransaction.employee((r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12,
                                                              r.13, r.14, r.15, r.16))
            }
            if settings.preparedStatements, !preparedStatementsRefused.load(ordering: .relaxed) {
                do {
                    try conn.requireOpen()
                    for try await r in try await conn.execute(read, logger: logger) { try place(r) }
                    return found
                } catch let e as PSQLError where ["26000", "42P05"].contains(e.serverInfo?[.sqlState] ?? "") {
                    // A pooler that hands statements to other server connections (PgBouncer's transaction
                    // mode before 1.21): this process stops preparing and says how to configure it.
                    if !preparedStatementsRefused.exchange(true, ordering: .relaxed) {
                        let why = e.serverInfo?[.message] ?? "SQLSTATE \(e.serverInfo?[.sqlState] ?? "")"
                        logger.warning("""
                            the database refuses prepared statements (\(why)), as a pooler in transaction mode does: they are \
                            off until the server restarts; add ?prepared_statements=off to the database URL
                            """)
                    }
                }
            }
            let rows = try await conn.checkedQuery("select * from employee_read_many(\(read.tenant), \(read.nips), \(read.within))",
                                            logger: logger)
            for try await r in rows.decode(EmployeeReadMany.Row.self) { try place(r) }
            return found
        }
    }
}

/// One employee asked for: `within`, as in ``KinerjaDatabase/employee(tenant:nip:within:)``.
struct EmployeeReadItem: Sendable {
    let nip: String
    let within: String?
}

/// `employee_read_many` as a statement prepared once per connection: parsing and planning the call again for
/// every read cost PostgreSQL about a third of its time on a read. `within` holds an item's own NIP for no limit.
struct EmployeeReadMany: PostgresPreparedStatement {
    static let name = "kinerja_employee_read_many_v1"
    static let sql = "select * from employee_read_many($1, $2, $3)"
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .textArray, .textArray]
    typealias Row = (Int32, String, String, String?, String?, String, String, String?, String, String?, String, String,
                     String?, String, String?, String, String)
    let tenant: UUID
    let nips: [String]
    let within: [String]

    func makeBindings() throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 3)
        b.append(tenant)
        b.append(nips)
        b.append(within)
        return b
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
