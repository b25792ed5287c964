import Foundation
public import KinerjaCore
import PostgresNIO

/// One employee as city HR or a SIASN sync job sends it, field by field: the JSON form of one row of the
/// employee import (`PUT /v1/employees/{nip}`).
public struct EmployeeRecord: Sendable, Equatable {
    public var nip: String
    public var name: String
    public var gelarDepan: String?
    public var gelarBelakang: String?
    /// `PNS` or `PPPK`.
    public var employeeType: String
    /// `struktural`, `fungsional` or `pelaksana`.
    public var jabatanKind: String
    /// `JPT`, `Administrator` or `Pengawas`, for struktural posts.
    public var jabatanLevel: String?
    public var jabatanName: String
    public var golongan: String?
    /// A unit the city has; it keeps its name and its place in the tree.
    public var unitCode: String
    /// Nil: derived from the unit tree, as an import without `NIP ATASAN` derives it.
    public var atasanNIP: String?
    public var active: Bool
    public var email: String?
    /// `yyyy-mm-dd`; nil: the one in the NIP.
    public var birthDate: String?
    /// `L` or `P`; nil: the one in the NIP.
    public var gender: String?

    public init(nip: String, name: String, gelarDepan: String? = nil, gelarBelakang: String? = nil, employeeType: String,
                jabatanKind: String, jabatanLevel: String? = nil, jabatanName: String, golongan: String? = nil,
                unitCode: String, atasanNIP: String? = nil, active: Bool = true, email: String? = nil,
                birthDate: String? = nil, gender: String? = nil) {
        self.nip = nip
        self.name = name
        self.gelarDepan = gelarDepan
        self.gelarBelakang = gelarBelakang
        self.employeeType = employeeType
        self.jabatanKind = jabatanKind
        self.jabatanLevel = jabatanLevel
        self.jabatanName = jabatanName
        self.golongan = golongan
        self.unitCode = unitCode
        self.atasanNIP = atasanNIP
        self.active = active
        self.email = email
        self.birthDate = birthDate
        self.gender = gender
    }

    /// The record as the import would read it, or the first problem, named by its field: values trimmed; an
    /// optional value that is blank or only dashes (SIASN's "no value") left out, a required one refused; text
    /// within its limit and without NUL (PostgreSQL text cannot hold it).
    public func normalized() throws(StoreError) -> EmployeeRecord {
        func clean(_ v: String?) -> String? {
            guard let t = v?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty, !t.allSatisfy({ $0 == "-" }) else { return nil }
            return t
        }
        func required(_ v: String, _ field: String) throws(StoreError) -> String {
            guard let t = clean(v) else { throw StoreError.invalid("\(field) '\(v)' is empty; it is required") }
            return t
        }
        var r = self
        r.name = try required(name, "name")
        r.jabatanName = try required(jabatanName, "jabatanName")
        r.unitCode = try required(unitCode, "unitCode")
        (r.gelarDepan, r.gelarBelakang, r.golongan, r.atasanNIP, r.email, r.birthDate, r.gender, r.jabatanLevel)
            = (clean(gelarDepan), clean(gelarBelakang), clean(golongan), clean(atasanNIP), clean(email), clean(birthDate),
               clean(gender), clean(jabatanLevel))
        for (column, field, value) in r.siasnColumns(unitParent: nil) {
            guard let value else { continue }
            if value.utf8.contains(0) { throw StoreError.invalid("\(field) contains a NUL character") }
            if let limit = SIASNColumns.maximumLengths[column], value.unicodeScalars.count > limit {
                throw StoreError.invalid("\(field) has \(value.unicodeScalars.count) characters; at most \(limit)")
            }
        }
        return r
    }

    /// The record's fields as the import's columns, and the field each column came from (to name it in errors).
    /// The unit is named by code alone, under the parent it has: an import row then leaves the unit as it is.
    func siasnColumns(unitParent: String?) -> [(column: String, field: String, value: String?)] {
        // The import reads an eselon into a level; one eselon of each level says the level back.
        let eselon = ["JPT": "II.a", "Administrator": "III.a", "Pengawas": "IV.a"]
        var out: [(column: String, field: String, value: String?)] = [
            ("NIP", "nip", nip), ("NAMA", "name", name), ("GELAR DEPAN", "gelarDepan", gelarDepan),
            ("GELAR BELAKANG", "gelarBelakang", gelarBelakang), ("JENIS PEGAWAI", "employeeType", employeeType),
            ("JENIS JABATAN", "jabatanKind", jabatanKind), ("ESELON", "jabatanLevel", jabatanLevel.map { eselon[$0] ?? $0 }),
            ("NAMA JABATAN", "jabatanName", jabatanName), ("GOL AKHIR", "golongan", golongan),
            ("KODE UNOR", "unitCode", unitCode), ("NAMA UNOR", "unitCode", nil), ("KODE UNOR INDUK", "unitCode", unitParent),
            ("UNOR INDUK", "unitCode", nil), ("KEDUDUKAN HUKUM", "status", active ? "Aktif" : "Tidak Aktif"),
            ("EMAIL", "email", email), ("TANGGAL LAHIR", "birthDate", birthDate), ("JENIS KELAMIN", "gender", gender),
        ]
        if let atasanNIP { out.append(("NIP ATASAN", "atasanNip", atasanNIP)) }
        return out
    }
}

extension TenantTransaction {
    /// Puts one employee (new or changed) through the employee import, as a file of one row: every rule of the
    /// import holds (each value checked, the atasan derived from the unit tree unless given, those whose leader
    /// the change moves derived again, no atasan loop). `check` sees the employee as stored, its row locked
    /// (nil when new), before anything changes (for `If-Match`). Problems are named by the record's fields.
    public func putEmployee(_ sent: EmployeeRecord, actor: String,
                            check: (Employee?) throws -> Void = { _ in }) async throws -> (employee: Employee, created: Bool) {
        let record = try sent.normalized()
        try await lockEmployeeWrites()
        let current = try await employee(nip: record.nip, locking: true)
        try check(current)
        var parent: String??
        for try await p in try await query("""
            select p.code from org_units u left join org_units p on p.tenant_id = u.tenant_id and p.unit_id = u.parent_id
            where u.tenant_id = \(tenant.uuid) and u.code = \(record.unitCode)
            for share of u
            """).decode(String?.self) { parent = .some(p) }
        guard let parent else {
            throw StoreError.invalid("unitCode '\(record.unitCode)' is not one of the city's units (GET /v1/org-units lists them; "
                                     + "new units come with the employee import)")
        }
        // With atasanNip the record sets this employee's atasan and no other's (as a file with NIP ATASAN): made
        // inactive, they would stay the atasan of those who report to them. Without it, the rule finds those a new one.
        if record.atasanNIP != nil && !record.active && current?.status == "active" {
            for try await (count, first) in try await query("""
                select count(*)::int, min(nip) from employees
                where tenant_id = \(tenant.uuid) and atasan_nip = \(record.nip) and status = 'active'
                """).decode((Int, String?).self) where count > 0 {
                throw StoreError.state("\(record.nip) is the atasan of \(count) active employee(s) (\(first ?? "")): leave atasanNip "
                                       + "out, so that the rule finds them another, or give them another atasan first")
            }
        }
        let columns = record.siasnColumns(unitParent: parent)
        func csv(_ fields: [String]) -> String {
            fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\n"
        }
        var file: [UInt8]? = Array((csv(columns.map(\.column)) + csv(columns.map { $0.value ?? "" })).utf8)
        let summary: ImportSummary
        do {
            summary = try await importEmployees(
                options: ImportOptions(auditAction: "employee.put", auditSubject: record.nip, auditUnchanged: false, countMissing: false),
                actor: actor) {
                    defer { file = nil }
                    return file
                }
        } catch let rejected as ImportRejected {
            let field = Dictionary(columns.map { ($0.column, $0.field) }, uniquingKeysWith: { a, _ in a })
            throw StoreError.invalid(rejected.errors.map { e in
                let reason = e.reason.hasPrefix("is neither in the file nor among the city's employees")
                    ? "is not one of the city's employees" : e.reason
                // The level went in as an eselon: name it as it was sent.
                let value = e.column == "ESELON" ? record.jabatanLevel ?? e.value : e.value
                return e.column.isEmpty ? reason : "\(field[e.column] ?? e.column) '\(value)': \(reason)"
            }.joined(separator: "; "))
        }
        guard let stored = try await employee(nip: record.nip) else {
            throw StoreError.state("employee \(record.nip) was not stored")
        }
        return (stored, summary.new == 1)
    }
}
