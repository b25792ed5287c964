import Foundation
import KinerjaAdapters
import KinerjaCore
@testable import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// The demo goes only into an empty city, and an import into that city at the same moment is seen: the seed
/// takes the lock every write to a city's employees takes, then counts.
@Suite struct DemoSeedTests {
    @Test func aSeedWaitsForAnImportIntoTheSameEmptyCityAndThenRefuses() async throws {
        let admin = try await TestDatabase.admin()
        let code = "t-seed-race-\(UUID().uuidString.prefix(8).lowercased())"
        let city = try await admin.platform.onboard(code: code, name: "Kota Seed", adapter: "nasional",
                                                    profile: try NationalAdapter().effectiveProfile(), actor: "tests")
        let population = DemoPopulation(city: code, employees: DemoPopulation.minimumEmployees, seed: 7)
        // The import's first unit and employee, none of the demo's (so neither write waits on the other's rows).
        let seeded = Set(population.people.map(\.nip))
        let person = try #require(DemoPopulation(city: code, employees: DemoPopulation.minimumEmployees, seed: 8).people.first { !seeded.contains($0.nip) })
        let unit = (id: UUID(), code: "IMPOR-1", name: "Unit impor", kind: population.units[0].kind)
        // An import in flight: its lock taken and its first employee written, not yet committed. The seed runs on
        // a connection of its own: from the suite's shared pool, under load, it could wait for a connection
        // rather than on the lock.
        let outcome = try await TestDatabase.with(try TestDatabase.settings().admin) { own in
            let seeding = try await admin.withTenant(city.id) { tx in
                try await tx.lockEmployeeWrites()
                try await tx.query("""
                    insert into org_units (tenant_id, unit_id, code, name, kind) values (\(city.id.uuid), \(unit.id), \(unit.code), \(unit.name), \(unit.kind))
                    """)
                try await tx.query("""
                    insert into employees (tenant_id, nip, name, employee_type, jabatan_kind, jabatan_name, unit_id, birth_date, gender)
                    values (\(city.id.uuid), \(person.nip), \(person.name), 'PNS', 'struktural', \(person.jabatanName), \(unit.id),
                            \(person.birthDate.description)::date, \(person.gender.rawValue))
                    """)
                let holder = try await tx.int("select pg_backend_pid()")
                let seeding = Task { try await own.withTenant(city.id) { try await $0.seed(population, actor: "tests") } }
                try await TestDatabase.untilBlocked(by: holder)
                return seeding
            }
            return await seeding.result
        }
        #expect(throws: StoreError.invalid("this city already has 1 employees; demo data go only into an empty city")) {
            try outcome.get()
        }
        #expect(try await admin.withTenant(city.id) { try await $0.employeeCount() } == 1)
    }
}
