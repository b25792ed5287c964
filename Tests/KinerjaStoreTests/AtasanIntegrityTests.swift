import Foundation
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// The atasan of an employee is an employee of the same city, and the unit a unit of it, whatever writes the
/// row: checked by the database once per statement (migration 0007), for inserts, updates and deletes.
@Suite struct AtasanIntegrityTests {
    @Test func anAtasanMustBeAnEmployeeOfTheSameCity() async throws {
        let db = try await TestDatabase.app()
        let (a, popA) = try await TestDatabase.city("atasan-a")
        let (_, popB) = try await TestDatabase.city("atasan-b", seed: 9)
        let staff = try #require(popA.people.first { $0.atasan != nil })
        let head = try #require(staff.atasan)
        let outsider = try #require(popB.people.first { !popA.people.map(\.nip).contains($0.nip) })

        // Pointing at another city's employee, or at nobody, is refused; the row keeps its atasan.
        for nip in [outsider.nip, "199001012020121999"] {
            await #expect(throws: (any Error).self, "atasan \(nip)") {
                try await db.withTenant(a.id) { tx in
                    try await tx.query("update employees set atasan_nip = \(nip) where nip = \(staff.nip)")
                }
            }
        }
        // Removing someone who is an atasan, or changing their NIP, is refused.
        await #expect(throws: (any Error).self) {
            try await db.withTenant(a.id) { tx in try await tx.query("update employees set nip = '199001012020121888' where nip = \(head)") }
        }
        await #expect(throws: (any Error).self) {
            try await db.withTenant(a.id) { tx in try await tx.query("delete from employees where nip = \(head)") }
        }
        // Within one statement, rows may name each other (a whole file at once).
        let unit = try #require(popA.units.first).id
        try await db.withTenant(a.id) { tx in
            try await tx.query("""
                insert into employees (tenant_id, nip, name, employee_type, jabatan_kind, jabatan_name, unit_id, atasan_nip,
                                       birth_date, gender)
                values (\(a.id.uuid), '199001012020121001', 'Satu', 'PNS', 'pelaksana', 'Staf', \(unit), '199001012020122002', '1990-01-01', 'L'),
                       (\(a.id.uuid), '199001012020122002', 'Dua', 'PNS', 'struktural', 'Kepala', \(unit), \(head), '1990-01-01', 'P')
                """)
        }
        let kept = try await db.withTenant(a.id) { try await $0.employee(nip: staff.nip)?.atasanNIP }
        #expect(kept == head)
    }

    @Test func theUnitMustBeAUnitOfTheSameCity() async throws {
        let db = try await TestDatabase.app()
        let (a, popA) = try await TestDatabase.city("unit-a")
        let (_, popB) = try await TestDatabase.city("unit-b", seed: 9)
        let someone = try #require(popA.people.first)
        let (bUnit, aUnit) = (try #require(popB.units.first).id, someone.unit)
        for unit in [bUnit, UUID()] {
            await #expect(throws: (any Error).self, "unit \(unit)") {
                try await db.withTenant(a.id) { tx in
                    try await tx.query("update employees set unit_id = \(unit) where nip = \(someone.nip)")
                }
            }
        }
        await #expect(throws: (any Error).self) {
            try await db.withTenant(a.id) { tx in try await tx.query("delete from org_units where unit_id = \(aUnit)") }
        }
        // A unit nobody sits in may go.
        try await db.withTenant(a.id) { tx in
            try await tx.query("""
                insert into org_units (tenant_id, unit_id, code, name, kind) values (\(a.id.uuid), \(UUID()), 'EMPTY', 'Kosong', 'bidang')
                """)
            try await tx.query("delete from org_units where code = 'EMPTY'")
        }
    }
}
