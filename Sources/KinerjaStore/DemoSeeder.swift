import Foundation
public import KinerjaCore
import PostgresNIO

extension TenantTransaction {
    /// Writes a demo population into this (empty) city: units, then employees, each with one COPY into a
    /// staging table and one set-based insert. Refuses a city that already has employees: counted under the lock
    /// every write to a city's employees takes, so an import into the same empty city, uncommitted when the demo
    /// began, is waited for and then counted (the demo would otherwise mix with the city's real staff).
    public func seed(_ population: DemoPopulation, actor: String) async throws {
        try await lockEmployeeWrites()
        let existing = try await employeeCount()
        if existing > 0 {
            throw StoreError.invalid("this city already has \(existing) employees; demo data go only into an empty city")
        }
        try await query("""
            create temporary table seed_units (unit_id uuid, parent_id uuid, code text, name text, kind text) on commit drop
            """)
        try await copyIntoStaging(
            table: "seed_units", columns: ["unit_id", "parent_id", "code", "name", "kind"],
            rows: population.units.map { [$0.id.uuidString, $0.parent?.uuidString, $0.code, $0.name, $0.kind] })
        try await query("""
            insert into org_units (tenant_id, unit_id, parent_id, code, name, kind)
            select \(tenant.uuid), unit_id, parent_id, code, name, kind from seed_units
            """)

        try await query("""
            create temporary table seed_employees (
                nip text, name text, gelar_depan text, gelar_belakang text, employee_type text, jabatan_kind text,
                jabatan_level text, jabatan_name text, golongan text, unit_id uuid, atasan_nip text, email text,
                birth_date date, gender text) on commit drop
            """)
        try await copyIntoStaging(
            table: "seed_employees",
            columns: ["nip", "name", "gelar_depan", "gelar_belakang", "employee_type", "jabatan_kind", "jabatan_level",
                      "jabatan_name", "golongan", "unit_id", "atasan_nip", "email", "birth_date", "gender"],
            rows: population.people.map { p in
                [p.nip, p.name, p.gelarDepan, p.gelarBelakang, p.type.rawValue, p.jabatanKind, p.jabatanLevel,
                 p.jabatanName, p.golongan, p.unit.uuidString, p.atasan, p.email, p.birthDate.description, p.gender.rawValue]
            })
        try await query("""
            insert into employees (tenant_id, nip, name, gelar_depan, gelar_belakang, employee_type, jabatan_kind,
                                   jabatan_level, jabatan_name, golongan, unit_id, atasan_nip, email, birth_date, gender)
            select \(tenant.uuid), nip, name, gelar_depan, gelar_belakang, employee_type, jabatan_kind, jabatan_level,
                   jabatan_name, golongan, unit_id, atasan_nip, email, birth_date, gender
            from seed_employees
            """)
        try await audit(actor: actor, action: "demo.seed", subject: "",
                        detail: ["units": String(population.units.count), "employees": String(population.people.count)])
    }

    /// Whether the demo generator wrote this city's employees (its `demo.seed` entry), or the city was marked
    /// as demo data (`demo.city`, `markDemoCity`): migration 0046.
    public func isDemoCity() async throws -> Bool {
        var found = false
        for try await _ in try await query("""
            select 1 from audit_log where tenant_id = \(tenant.uuid) and action in ('demo.seed', 'demo.city') limit 1
            """) { found = true }
        return found
    }

    /// Marks this city as demo data: a demo SIASN file imported through the real import (the fuzz and benchmark
    /// cities). Returns false when it was one already.
    public func markDemoCity(actor: String) async throws -> Bool {
        guard try await !isDemoCity() else { return false }
        try await audit(actor: actor, action: "demo.city", subject: "")
        return true
    }

    /// Refused unless this is a demo city: `what` writes made-up plans, ratings or decisions for everyone.
    func requireDemoCity(_ what: String) async throws {
        guard try await isDemoCity() else {
            throw StoreError.state("\(what) would write demo data on everyone's behalf; this city's employees were imported or "
                                   + "entered, not made by 'kinerja-admin demo seed', so it is left alone (a demo file imported: "
                                   + "'kinerja-admin demo mark --tenant CODE' first)")
        }
    }
}
