import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaStore

struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "The evaluation round: propose, confirm, the organisation predikat, the curve and calibration, finalize.",
        discussion: "In order: 'run' proposes; the atasan confirm over the API (or HR with 'confirm'); 'org-predikat' records each "
            + "OPD's result; 'curve' checks the distribution; 'calibrate' adjusts with a reason; 'finalize' locks an OPD; "
            + "'reopen' unlocks it with a reason. 'what-if' compares another profile without writing anything.",
        subcommands: [Run.self, Show.self, Confirm.self, OrgPredikat.self, CurveCheck.self, Calibrate.self, Finalize.self,
                      Reopen.self, WhatIfCommand.self, Contribution.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Propose ratings and predikat for every active employee with an approved SKP (set-based).",
            discussion: "Capaian from the approved SKP and its realisasi up to the period, the weighted 360 score of the period, the "
                + "profile's bands and the matrix. Confirmed or final results are left as they are; run it again after new realisasi.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let started = ContinuousClock.now
            let (proposed, missing) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let (profile, version) = try await db.platform.profileInForce(of: t.id)
                // Refused before the first line of progress; the store refuses it too, whoever asks.
                if let why = profile.periods.refusal(of: period.description, kind: period.kind) { throw CLIError("\(code): \(why)") }
                printError("\(code): evaluating \(t.employeeCount) employees for \(year) \(period)…")
                return try await db.withTenant(t.id) {
                    try await $0.runEvaluation(year: year, period: period, profile: profile, profileVersion: version, actor: cliActor) { step in
                        printError("\(code): [\(Self.seconds(ContinuousClock.now - started))] \(step)…")
                    }
                }
            }
            printError("\(code): \(proposed) proposed in \(Self.seconds(ContinuousClock.now - started))"
                       + (missing > 0 ? "; \(missing) active employee(s) have no approved SKP for \(year) ('skp list --status draft')" : ""))
        }

        static func seconds(_ d: Duration) -> String {
            d.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One employee's evaluation with the explanation it was computed from.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(help: "The employee's NIP.") var nip: String

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let digits = try EvaluateCommand.nipDigits(nip)
            let (e, adjustments) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) {
                    (try await $0.evaluation(nip: digits, year: year, period: period), try await $0.adjustments(nip: digits, year: year, period: period))
                }
            }
            guard let e else { throw CLIError("no evaluation of \(digits) for \(year) \(period): run 'kinerja-admin evaluate run' first") }
            func f(_ x: Double?) -> String { x.map(Step.format) ?? "-" }
            print("""
                \(digits) \(year) \(period): \(e.status), profile version \(e.profileVersion), SKP revision \(e.skpRevision.map(String.init) ?? "-")
                  capaian SKP        \(f(e.capaian))%  -> proposed hasil kerja \(e.proposedHasil?.rawValue ?? "- (no realisasi yet)")
                  360 score          \(f(e.behaviourScore))  -> proposed perilaku \(e.proposedPerilaku?.rawValue ?? "- (no atasan's rating yet)")
                  rating hasil kerja \(e.ratingHasil?.rawValue ?? "-")
                  rating perilaku    \(e.ratingPerilaku?.rawValue ?? "-")
                  predikat           \(e.predikatText ?? "-")\(e.nilai.map { " (nilai \(Step.format($0)), \(e.regime))" } ?? "")\(e.changeReason.map { "\n  changed because    \($0)" } ?? "")\(e.confirmedBy.map { "\n  confirmed by       \($0)" } ?? "")
                  explanation        \(e.explanation)
                """)
            if e.isHead { print("  heads the OPD: rating hasil kerja is the organisation's predikat ('evaluate org-predikat')") }
            for a in adjustments { print("  calibrated         \(a.from ?? "-") -> \(a.to) by \(a.author): \(a.reason)") }
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm an employee's proposed ratings as city HR, or set others with a reason; or confirm every proposal (--all).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(help: "The employee's NIP.") var nip: String?
        @Option(help: "Rating hasil kerja instead of the proposed one: atas, sesuai or bawah.") var hasil: String?
        @Option(help: "Rating perilaku kerja instead of the proposed one: atas, sesuai or bawah.") var perilaku: String?
        @Option(help: "Why a rating differs from the proposal (required then).") var reason: String?
        @Flag(help: "Confirm every proposal that has both ratings, as proposed (of one OPD with --org-unit).") var all = false
        @Option(name: .customLong("org-unit"), help: "With --all: only this OPD.") var orgUnit: String?

        func validate() throws {
            if all && (nip != nil || hasil != nil || perilaku != nil || reason != nil) {
                throw ValidationError("--all confirms proposals as they are: give no --nip, --hasil, --perilaku or --reason with it")
            }
            if !all && nip == nil { throw ValidationError("give --nip NIP, or --all") }
            if !all && orgUnit != nil { throw ValidationError("--org-unit goes with --all") }
        }

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            if all {
                let unit = orgUnit
                let (n, left) = try await connection.withDatabase { db in
                    let t = try await db.platform.requireTenant(code: code)
                    return try await db.withTenant(t.id) { try await $0.confirmProposed(unitCode: unit, year: year, period: period, actor: cliActor) }
                }
                printError("\(code): \(n) proposal(s) confirmed for \(year) \(period)"
                           + (left > 0 ? "; \(left) still without a rating (no realisasi, no atasan's behaviour rating, or a head without the organisation predikat)" : ""))
                return
            }
            let digits = try EvaluateCommand.nipDigits(nip!)
            let h = try hasil.map { try CalcCommand.rating($0, "--hasil") }, p = try perilaku.map { try CalcCommand.rating($0, "--perilaku") }
            let reason = reason
            let e = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) {
                    try await $0.confirmEvaluation(nip: digits, year: year, period: period, hasil: h, perilaku: p, reason: reason, actor: .hr(cliActor))
                }
            }
            printError("\(code): \(digits) \(year) \(period) confirmed: \(e.ratingHasil?.rawValue ?? "-") / \(e.ratingPerilaku?.rawValue ?? "-") -> \(e.predikat?.rawValue ?? "-")")
        }
    }
}
