import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct PeriodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "period", abstract: "Performance periods: the year and its months or quarters.",
        subcommands: [Open.self, List.self, Close.self, Reopen.self])

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a year: the annual period and its months or quarters, from the city's cadence.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The year, e.g. 2026.") var year: Int

        func run() async throws {
            let (code, year) = (tenant, year)
            let (plan, cadence) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let cadence = try await db.platform.profile(of: t.id).periods.cadence
                let plan = try await db.withTenant(t.id) { try await $0.openYear(year, cadence: cadence, actor: cliActor) }
                return (plan, cadence)
            }
            printError("\(code): opened \(year) with \(plan.count - 1) \(cadence == .monthly ? "months" : "quarters"): "
                       + plan.map(\.description).joined(separator: " "))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A city's periods and whether they are open.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "Only this year.") var year: Int?
        @Option(help: "text, csv or json") var format: Table.Format = .text

        func run() async throws {
            let (code, year) = (tenant, year)
            let periods = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.periods(year: year) }
            }
            let rows = periods.map { p in
                [p.period.description, p.period.kind.rawValue, p.period.startsOn.description, p.period.endsOn.description,
                 p.isOpen ? "open" : "closed", p.closedAt.map { "\($0)" } ?? ""]
            }
            print(Table(columns: ["period", "kind", "starts", "ends", "status", "closed_at"], rows: rows).render(format), terminator: "")
        }
    }

    /// Which period: the year, or one month or quarter of it.
    struct Which: ParsableArguments {
        @Option(help: "City code.") var tenant: String
        @Option(help: "The year.") var year: Int
        @Option(help: "A month of the year (1-12), for monthly cities.") var month: Int?
        @Option(help: "A quarter of the year (1-4), for quarterly cities.") var quarter: Int?

        func validate() throws {
            if month != nil && quarter != nil { throw ValidationError("give --month or --quarter, not both") }
        }

        func period() throws -> EvaluationPeriod {
            do {
                if let month { return try EvaluationPeriod.period(year: year, kind: .monthly, sequence: month) }
                if let quarter { return try EvaluationPeriod.period(year: year, kind: .quarterly, sequence: quarter) }
                return try EvaluationPeriod.period(year: year, kind: .annual, sequence: 0)
            } catch {
                throw CLIError(error.description)
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a period: it takes no more realisasi. Closing the year closes its months or quarters.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        @Option(help: "Why it is closed (optional); kept in the audit log.") var reason: String?

        func run() async throws { try await PeriodCommand.set(connection, which, open: false, reason: reason) }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reopen a closed period; the reason goes to the audit log.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        @Option(help: "Why it is reopened (required).") var reason: String

        func run() async throws { try await PeriodCommand.set(connection, which, open: true, reason: reason) }
    }

    static func set(_ connection: ConnectionOptions, _ which: Which, open: Bool, reason: String?) async throws {
        let period = try which.period()
        let code = which.tenant
        let changed = try await connection.withDatabase { db in
            let t = try await db.platform.requireTenant(code: code)
            return try await db.withTenant(t.id) { try await $0.setPeriod(period, open: open, reason: reason, actor: cliActor) }
        }
        printError("\(code): \(open ? "reopened" : "closed") " + changed.map(\.description).joined(separator: " "))
    }
}
