import ArgumentParser
import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Demo data.", subcommands: [Seed.self, SIASNFile.self, Mark.self, Rate.self, Finalize.self])

    struct Mark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a city as demo data, so that the demo commands (skp demo-plan, demo rate, demo finalize) write into it.",
            discussion: "For a city onboarded to try the product or to measure it, whose employees came from 'demo siasn-csv' "
                + "through 'import employees'. Those commands refuse any other city whose employees were imported or entered: "
                + "they decide on everyone's behalf. 'demo seed' cities are demo data already.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String

        func run() async throws {
            let code = tenant
            let marked = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.markDemoCity(actor: cliActor) }
            }
            printError(marked ? "\(code): marked as demo data" : "\(code): demo data already")
        }
    }

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
            discussion: "A city that already has employees keeps them; one whose employees the demo did not make (imported or "
                + "entered) is left entirely alone. The same --seed gives the same people. "
                + "Employees are written with COPY and one set-based insert per city. Then the year is opened (this year "
                + "unless --year) and every employee gets an approved, cascaded SKP with realisasi for the periods already "
                + "ended, unless the year has SKPs already or --no-plans is given; and the year's 360 feedback (see 'demo rate').")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Employees per city (at least \(DemoPopulation.minimumEmployees)).") var employees: Int = 300
        @Option(help: "Only this city (makassar, pematangsiantar, banjarbaru, palu).") var city: String?
        @Option(help: "Seed of the generator; the same seed gives the same data.") var seed: UInt64 = 2022
        @Option(help: "The year to plan (default: this year).") var year: Int?
        @Flag(help: "Only employees: no year, no SKPs.") var noPlans = false

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
            let (employees, seed, plans, asked) = (employees, seed, !noPlans, year)
            try await connection.withDatabase { db in
                for adapter in cities {
                    let started = ContinuousClock.now
                    let tenant: Tenant
                    var onboardedNow = false
                    if let existing = try await db.platform.tenant(code: adapter.name) {
                        tenant = existing
                    } else {
                        onboardedNow = true
                        tenant = try await db.platform.onboard(code: adapter.name, name: adapter.displayName, adapter: adapter.name,
                                                               profile: try adapter.effectiveProfile(), actor: cliActor)
                        printError("\(adapter.name): onboarded")
                    }
                    let demo = try await db.withTenant(tenant.id) { try await $0.isDemoCity() }
                    if !onboardedNow && tenant.employeeCount == 0 && !demo {
                        // Onboarded for real and waiting for its SIASN import: no demo employees in it.
                        printError("\(adapter.name): onboarded without the demo and waiting for its employees: left as it is "
                                   + "('kinerja-admin demo mark --tenant \(adapter.name)' first to fill it with demo data)")
                        continue
                    }
                    if tenant.employeeCount > 0 {
                        // A city whose employees were imported or entered is real: no demo year, plans or ratings.
                        guard demo else {
                            printError("\(adapter.name): has \(tenant.employeeCount) employees the demo did not make (imported or entered): left as it is")
                            continue
                        }
                        printError("\(adapter.name): already has \(tenant.employeeCount) employees, left as they are")
                    } else {
                        printError("\(adapter.name): generating \(employees) employees…")
                        let population = DemoPopulation(city: adapter.name, employees: employees, seed: seed)
                        printError("\(adapter.name): writing \(population.units.count) units and \(population.people.count) employees…")
                        try await db.withTenant(tenant.id) { tx in try await tx.seed(population, actor: cliActor) }
                    }
                    if plans {
                        let profile = try await db.platform.profile(of: tenant.id)
                        // The city's today (WIB, WITA or WIT), not the machine's: around midnight they differ.
                        let today = CivilDate.today(in: profile.timeZoneOrDefault)
                        let year = asked ?? today.year
                        let planned = try await db.withTenant(tenant.id) { tx -> (Int, Int)? in
                            if try await tx.periods(year: year).isEmpty {
                                try await tx.openYear(year, cadence: profile.periods.cadence, actor: cliActor)
                            }
                            guard try await tx.skpSummaries(SKPFilter(year: year, includeMissing: false)).isEmpty else { return nil }
                            return try await tx.seedSKPs(year: year, profile: profile, realisasiUntil: today, seed: seed, actor: cliActor)
                        }
                        if let (skp, reported) = planned {
                            printError("\(adapter.name): \(year) opened; \(skp) approved SKPs, \(reported) realisasi")
                            let (asked, rated) = try await db.withTenant(tenant.id) {
                                try await $0.seedBehaviour(year: year, period: .year, profile: profile, seed: seed, actor: cliActor)
                            }
                            printError("\(adapter.name): \(asked) 360 feedback requests for \(year), \(rated) answered")
                        } else {
                            printError("\(adapter.name): \(year) already has SKPs, left as they are")
                        }
                    }
                    let elapsed = ContinuousClock.now - started
                    printError("\(adapter.name): done in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
                }
            }
        }
    }

    struct Rate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Demo 360 feedback: ask for it, name peers among colleagues, and answer every request with demo scores.",
            discussion: "For demo and benchmark cities only: it answers on behalf of every rater. Requests already answered are "
                + "left as they are. Scores vary by employee (a few well above expectation, most as expected, some below).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(help: "Seed of the generator; the same seed gives the same scores.") var seed: UInt64 = 2022

        func run() async throws {
            let (code, year, period, seed) = (which.tenant, which.year, try which.subPeriod(), seed)
            let (asked, rated) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { try await $0.seedBehaviour(year: year, period: period, profile: profile, seed: seed, actor: cliActor) }
            }
            printError("\(code): \(asked) feedback request(s) added, \(rated) answered for \(year) \(period)")
        }
    }

    struct Finalize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Demo: close a period's round as HR would (organisation predikat Baik, every result confirmed, every OPD final).",
            discussion: "For demo and test cities only: it decides on everyone's behalf. An employee nobody rated gets Sesuai "
                + "Ekspektasi with the reason 'demo'; a broken curve is overridden with the reason 'demo data'. Then the "
                + "follow-ups the rules require are recorded, so that every report has data.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let (opds, followUps) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { try await $0.finalizeDemoRound(year: year, period: period, profile: profile, actor: cliActor) }
            }
            printError("\(code): \(year) \(period) final in \(opds) OPD(s); \(followUps) follow-up(s) recorded")
        }
    }
}
