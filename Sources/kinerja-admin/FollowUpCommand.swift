public import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct FollowUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "followup",
        abstract: "Follow-ups of final results: rewards, coaching, proposed sanctions, training, improvement plans, angka kredit, ranking, mentoring, certificates.",
        discussion: "The national rules (a 6-month improvement plan after Butuh Perbaikan, Kurang or Sangat Kurang; JF angka kredit "
            + "from predikat) and the city's profile (followUps: rewards, coaching, sanctions, training, ranking, mentoring, "
            + "certificate, trainingFromWeakestValue). Sanctions are proposals: an authorised official decides.",
        subcommands: [Generate.self, List.self, Close.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the follow-ups the rules require for the period's final results (again after more OPDs are final).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let (added, waiting) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { try await $0.generateFollowUps(year: year, period: period, profile: profile, actor: cliActor) }
            }
            let total = added.values.reduce(0, +)
            printError("\(code): \(total) follow-up(s) added for \(year) \(period)" + (total == 0 ? " (all were recorded already)" : ": "
                       + FollowUp.Kind.allCases.compactMap { k in added[k].map { "\($0) \(k.rawValue)" } }.joined(separator: ", ")))
            for w in waiting { printError("\(code): waiting: \(w); run 'followup generate' again once they are final") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List follow-ups by OPD, kind and NIP.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The year.") var year: Int
        @Option(help: "Only this period: Y, Q1-Q4 or M1-M12.") var period: String?
        @Option(help: "Only this kind: \(FollowUp.Kind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: FollowUp.Kind?
        @Option(help: "Only this employee.") var nip: String?
        @Option(name: .customLong("org-unit"), help: "Only this OPD.") var orgUnit: String?
        @Option(help: "text, csv or json") var format: Table.Format = .text

        func run() async throws {
            let sub = try period.map { p in
                guard let s = SubPeriod(p) else { throw CLIError("--period '\(p)' is not Y, Q1-Q4 or M1-M12") }
                return s
            }
            let digits = try nip.map(EvaluateCommand.nipDigits)
            let (code, year, kind, opd) = (tenant, year, kind, orgUnit)
            let items = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.followUps(year: year, period: sub, kind: kind, nip: digits, opd: opd) }
            }
            let rows = items.map { f in
                [String(f.id), f.opd, f.nip, f.name, String(describing: f.period), f.kind.rawValue, f.rule,
                 f.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "),
                 f.due ?? "", f.status, f.outcome ?? ""]
            }
            print(Table(columns: ["id", "opd", "nip", "name", "period", "kind", "rule", "detail", "due", "status", "outcome"], rows: rows)
                .render(format), terminator: "")
            printError("\(items.count) follow-up(s)")
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a follow-up with its outcome; an improvement plan says whether performance improved.",
            discussion: "Not improved records the next step (reassignment to another or a lower post; for PPPK, the contract not "
                + "extended) as a new follow-up.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The follow-up's id (from 'followup list').") var id: Int64
        @Option(help: "What happened (required).") var outcome: String
        @Flag(help: "An improvement plan: performance improved.") var improved = false
        @Flag(name: .customLong("not-improved"), help: "An improvement plan: it did not.") var notImproved = false
        @Flag(help: "Close it as cancelled rather than done.") var cancel = false

        func validate() throws {
            if improved && notImproved { throw ValidationError("--improved and --not-improved exclude each other") }
        }

        func run() async throws {
            let (code, id, outcome, cancel) = (tenant, id, outcome, cancel)
            let verdict: Bool? = improved ? true : (notImproved ? false : nil)
            let (closed, next) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.closeFollowUp(id: id, outcome: outcome, improved: verdict, cancelled: cancel, actor: cliActor) }
            }
            printError("\(code): follow-up \(closed.id) (\(closed.kind.rawValue), \(closed.nip)) \(closed.status): \(closed.outcome ?? "")")
            if let next { printError("\(code): next step recorded as follow-up \(next.id): \(next.detail["step"] ?? next.rule)") }
        }
    }
}

extension FollowUp.Kind: ExpressibleByArgument {}
