import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback", abstract: "360 behaviour feedback: ask for it, name peers, follow progress.",
        subcommands: [Assign.self, Peer.self, Status.self])

    struct Which: ParsableArguments {
        @Option(help: "City code.") var tenant: String
        @Option(help: "The year.") var year: Int
        @Option(help: "Y (the year), Q1-Q4 or M1-M12.") var period: String = "Y"

        func subPeriod() throws -> SubPeriod {
            guard let p = SubPeriod(period) else { throw CLIError("--period '\(period)' is not Y, Q1-Q4 or M1-M12") }
            return p
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask every active employee's own, atasan's and bawahan's ratings for a period (adds what is missing).",
            discussion: "Self-assessment follows the profile (behaviour360.selfAssessment). Peers are named with 'feedback peer'.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let added = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { try await $0.assignRaters(year: year, period: period, profile: profile, actor: cliActor) }
            }
            printError("\(code): \(added) feedback request(s) added for \(year) \(period)")
        }
    }

    struct Peer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Name a peer (rekan kerja) to rate an employee, as city HR.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        @Option(help: "NIP of the employee to be rated.") var nip: String
        @Option(help: "NIP of the peer who rates.") var rater: String

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let ratee: String, peer: String
            do { (ratee, peer) = (try NIP(nip, type: .pppk).digits, try NIP(rater, type: .pppk).digits) } catch { throw CLIError("\(error)") }
            try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                try await db.withTenant(t.id) { try await $0.assignPeer(ratee: ratee, rater: peer, year: year, period: period, actor: .hr(cliActor)) }
            }
            printError("\(code): \(peer) rates \(ratee) as a peer in \(year) \(period)")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How far a period's feedback has come, per OPD (no names).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        @Option(help: "table, csv or json") var format: Table.Format = .text

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let rows = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.feedbackProgress(year: year, period: period) }
            }
            let table = rows.map { r in
                [r.unitCode, r.unitName, String(r.assigned), String(r.done),
                 r.assigned == 0 ? "" : String(format: "%.0f", Double(r.done) / Double(r.assigned) * 100)]
            }
            print(Table(columns: ["opd", "name", "requests", "done", "percent"], rows: table).render(format), terminator: "")
        }
    }
}
