import ArgumentParser
import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Demo data.", subcommands: [Seed.self, SIASNFile.self])

    struct SIASNFile: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "siasn-csv",
            abstract: "Write a demo city as a SIASN-style CSV on stdout (for trying 'import employees').")
        @Option(help: "Employees (at least \(DemoPopulation.minimumEmployees)).") var employees: Int = 300
        @Option(help: "City the people belong to (names, e-mail domain).") var city: String = "parepare"
        @Option(help: "Seed of the generator.") var seed: UInt64 = 2022

        func validate() throws {
            guard employees >= DemoPopulation.minimumEmployees else {
                throw ValidationError("--employees \(employees) is too few: at least \(DemoPopulation.minimumEmployees)")
            }
        }

        func run() throws {
            for line in DemoPopulation(city: city, employees: employees, seed: seed).siasnLines() { print(line) }
        }
    }

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Onboard the demo cities (Makassar, Pematangsiantar, Banjarbaru, Palu) and fill them with employees.",
            discussion: "A city that already has employees is left as it is. The same --seed gives the same people. "
                + "Employees are written with COPY and one set-based insert per city.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Employees per city (at least \(DemoPopulation.minimumEmployees)).") var employees: Int = 300
        @Option(help: "Only this city (makassar, pematangsiantar, banjarbaru, palu).") var city: String?
        @Option(help: "Seed of the generator; the same seed gives the same data.") var seed: UInt64 = 2022

        func validate() throws {
            guard employees >= DemoPopulation.minimumEmployees, employees <= 2_000_000 else {
                throw ValidationError("--employees \(employees) is out of range: use \(DemoPopulation.minimumEmployees)-2000000 (one head per unit of the demo tree, plus staff)")
            }
            if let city, !AdapterRegistry.demoCities.contains(where: { $0.name == city }) {
                throw ValidationError("--city '\(city)' is not a demo city; use one of: \(AdapterRegistry.demoCities.map(\.name).joined(separator: ", "))")
            }
        }

        func run() async throws {
            let cities = AdapterRegistry.demoCities.filter { city == nil || $0.name == city }
            let (employees, seed) = (employees, seed)
            try await connection.withDatabase { db in
                for adapter in cities {
                    let started = ContinuousClock.now
                    let tenant: Tenant
                    if let existing = try await db.platform.tenant(code: adapter.name) {
                        tenant = existing
                    } else {
                        tenant = try await db.platform.onboard(code: adapter.name, name: adapter.displayName, adapter: adapter.name,
                                                               profile: try adapter.effectiveProfile(), actor: cliActor)
                        printError("\(adapter.name): onboarded")
                    }
                    if tenant.employeeCount > 0 {
                        printError("\(adapter.name): already has \(tenant.employeeCount) employees, left as it is")
                        continue
                    }
                    printError("\(adapter.name): generating \(employees) employees…")
                    let population = DemoPopulation(city: adapter.name, employees: employees, seed: seed)
                    printError("\(adapter.name): writing \(population.units.count) units and \(population.people.count) employees…")
                    try await db.withTenant(tenant.id) { tx in try await tx.seed(population, actor: cliActor) }
                    let elapsed = ContinuousClock.now - started
                    printError("\(adapter.name): done in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
                }
            }
        }
    }
}
