import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore

/// The round after the proposals: the organisation predikat, the curve, calibration, finalizing and reopening,
/// and what another profile would change.
extension EvaluateCommand {
    static func predikatOrganisasi(_ raw: String) throws -> PredikatOrganisasi {
        let key = raw.lowercased().replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "_", with: " ")
        guard let p = PredikatOrganisasi.allCases.first(where: { $0.rawValue.lowercased() == key }) else {
            throw CLIError("--predikat '\(raw)' is not a predikat kinerja organisasi: use "
                           + PredikatOrganisasi.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))
        }
        return p
    }

    static func nipDigits(_ raw: String) throws -> String {
        do { return try NIP(raw, type: .pppk).digits } catch { throw CLIError("\(error)") }
    }

    struct OrgPredikat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "org-predikat",
            abstract: "Record an OPD's predikat kinerja organisasi, as the leader above set it.",
            discussion: "It bounds the OPD's curve, and the head of the OPD takes it as rating hasil kerja (Istimewa: Di Atas "
                + "Ekspektasi; Baik: Sesuai; lower: Di Bawah). A head's proposal not yet confirmed follows at once.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(name: .customLong("org-unit"), help: "The OPD's unit code.") var orgUnit: String
        @Option(help: "Istimewa, Baik, 'Butuh Perbaikan', Kurang or 'Sangat Kurang'.") var predikat: String
        @Option(name: .customLong("decided-by"), help: "Who set it (for example 'Wali Kota', 'Sekretaris Daerah').") var decidedBy: String?

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let p = try EvaluateCommand.predikatOrganisasi(predikat)
            let (unit, decidedBy) = (orgUnit, decidedBy)
            let heads = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) {
                    try await $0.setOrgPredikat(unitCode: unit, year: year, period: period, predikat: p, decidedBy: decidedBy, actor: cliActor)
                }
            }
            printError("\(code): \(unit) \(year) \(period) predikat kinerja organisasi \(p.rawValue)"
                       + (heads > 0 ? "; the head's proposal now has rating hasil kerja \(p.headRatingHasil.rawValue)" : ""))
        }
    }

    struct CurveCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "curve",
            abstract: "Check each OPD's predikat distribution against the profile's curve for its organisation predikat.",
            discussion: "Lists every rule an OPD breaks with the actual share. Exits 1 when any OPD checked breaks its curve.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(name: .customLong("org-unit"), help: "Only this OPD.") var orgUnit: String?
        @Option(help: "text, csv or json") var format: Table.Format = .text

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let unit = orgUnit
            let opds = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { try await $0.curve(year: year, period: period, profile: profile, unitCode: unit) }
            }
            if opds.isEmpty { throw CLIError("no evaluation for \(year) \(period) in \(code)\(unit.map { " (\($0))" } ?? ""): run 'evaluate run' first") }
            let rows = opds.map { o -> [String] in
                let status = o.status
                return [o.unitCode, o.predikatOrganisasi?.rawValue ?? "-",
                        String(o.counts.values.reduce(0, +) + o.unrated)]
                    + Predikat.allCases.map { String(o.counts[$0] ?? 0) }
                    + [String(o.unrated), String(o.proposed), status.rawValue,
                       o.check?.breaches.map(\.description).joined(separator: "; ") ?? ""]
            }
            print(Table(columns: ["opd", "organisasi", "evaluated"] + Predikat.allCases.map(\.rawValue)
                        + ["unrated", "unconfirmed", "curve", "breaks"], rows: rows).render(format), terminator: "")
            let broken = opds.filter { !$0.finalized && $0.check?.passes == false }
            if !broken.isEmpty {
                printError("\(broken.count) OPD(s) break their curve: calibrate with 'evaluate calibrate' (a reason per change)")
                throw ExitCode(1)
            }
        }
    }

    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Adjust an employee's ratings during calibration, with a reason (recorded with its author).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(help: "The employee's NIP.") var nip: String
        @Option(help: "New rating hasil kerja: atas, sesuai or bawah.") var hasil: String?
        @Option(help: "New rating perilaku kerja: atas, sesuai or bawah.") var perilaku: String?
        @Option(help: "Why (required).") var reason: String

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let digits = try EvaluateCommand.nipDigits(nip)
            let h = try hasil.map { try CalcCommand.rating($0, "--hasil") }, p = try perilaku.map { try CalcCommand.rating($0, "--perilaku") }
            let reason = reason
            let e = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) {
                    try await $0.calibrate(nip: digits, year: year, period: period, hasil: h, perilaku: p, reason: reason, actor: .hr(cliActor))
                }
            }
            printError("\(code): \(digits) \(year) \(period) calibrated: \(e.ratingHasil?.rawValue ?? "-") / \(e.ratingPerilaku?.rawValue ?? "-") -> \(e.predikat?.rawValue ?? "-")")
        }
    }

    struct Finalize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an OPD's confirmed results final and lock them.",
            discussion: "Refused without the organisation predikat, while any result is unconfirmed, or while the curve is broken "
                + "(unless --override-reason is given: city HR takes responsibility, recorded and audited).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(name: .customLong("org-unit"), help: "The OPD's unit code.") var orgUnit: String
        @Option(name: .customLong("override-reason"), help: "Finalize despite a broken curve, for this reason.") var overrideReason: String?

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let (unit, reason) = (orgUnit, overrideReason)
            let f = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) {
                    try await $0.finalize(unitCode: unit, year: year, period: period, profile: profile, overrideReason: reason, actor: .hr(cliActor))
                }
            }
            printError("\(code): \(unit) \(year) \(period): \(f.finalized) result(s) final"
                       + (f.check == nil ? "; no curve under this regime"
                          : f.overrideReason.map { "; curve broken (\(f.check!.breaches.map(\.description).joined(separator: "; "))), overridden: \($0)" }
                          ?? "; curve passes"))
        }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unlock a final OPD (its results go back to confirmed), with a reason.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(name: .customLong("org-unit"), help: "The OPD's unit code.") var orgUnit: String
        @Option(help: "Why (required, audited).") var reason: String

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let (unit, reason) = (orgUnit, reason)
            let n = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) {
                    try await $0.reopen(unitCode: unit, year: year, period: period, reason: reason, actor: .hr(cliActor))
                }
            }
            printError("\(code): \(unit) \(year) \(period) reopened: \(n) result(s) confirmed again, no longer final")
        }
    }

    struct WhatIfCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "what-if",
            abstract: "Re-score the period under another profile and print the difference. Writes nothing.",
            discussion: "The profile file is YAML stating what differs from the national default (as an adapter's profile). "
                + "Compares the results as they stand now with what the other profile would propose: predikat counts, the "
                + "employees who change, and each OPD's curve fit before and after.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(help: "The other profile (YAML).") var profile: String
        @Option(help: "How many changed employees to list (all with 0).") var limit: Int = 50
        @Option(help: "text, csv or json (the list of changed employees)") var format: Table.Format = .text

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            let other = try loadProfile(profile)
            let w = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let current = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { try await $0.whatIf(year: year, period: period, current: current, other: other) }
            }
            let known = Predikat.allCases.map(\.rawValue)
            let others = Set(w.before.keys.compactMap { $0 } + w.after.keys.compactMap { $0 }).subtracting(known).sorted()
            let names: [String?] = known + others + [nil]
            let counts = names.map { n in [n ?? "(none)", String(w.before[n] ?? 0), String(w.after[n] ?? 0),
                                           String((w.after[n] ?? 0) - (w.before[n] ?? 0))] }
            printError("\(code) \(year) \(period) under \(other.name) (\(other.rating.regime.rawValue)): \(w.evaluated) evaluated, "
                       + "\(w.changes.count) change predikat")
            printError(Table(columns: ["predikat", "now", "other profile", "difference"], rows: counts).render(.text))
            // A numeric regime has no curve: its side says so.
            let fit = w.opds.filter { $0.predikatOrganisasi != nil }.map { o in
                [o.unitCode, o.predikatOrganisasi!.rawValue, o.before.map { $0.passes ? "passes" : "broken" } ?? "no curve",
                 o.after.map { $0.passes ? "passes" : "broken" } ?? "no curve", o.after?.breaches.map(\.description).joined(separator: "; ") ?? ""]
            }
            if !fit.isEmpty {
                printError(Table(columns: ["opd", "organisasi", "curve now", "curve other", "breaks under other"], rows: fit).render(.text))
            }
            let shown = limit > 0 ? Array(w.changes.prefix(limit)) : w.changes
            print(Table(columns: ["nip", "name", "opd", "now", "other profile"],
                        rows: shown.map { [$0.nip, $0.name, $0.unitCode, $0.before ?? "-", $0.after ?? "-"] }).render(format), terminator: "")
            if shown.count < w.changes.count { printError("… \(w.changes.count - shown.count) more (--limit 0 lists all)") }
        }
    }
    struct Contribution: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each employee's contribution to the agency's goals through the cascade, with the period's capaian.",
            discussion: "Without --nip: every agency goal (an RHK with none above it, usually the kepala OPD's) with how many "
                + "employees below intervene in it, through how many RHK, and their mean capaian. With --nip: that employee's "
                + "RHK, each with its capaian and the chain of RHK above it up to the goal. Capaian are those of the period's "
                + "'evaluate run' (run it again for figures up to date); 'cascade stops' marks a chain that ends below the top "
                + "because the SKP above is not approved.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: FeedbackCommand.Which
        @Option(help: "One employee's RHK and their path to the goal.") var nip: String?
        @Option(name: .customLong("org-unit"), help: "Only the goals of this OPD.") var orgUnit: String?
        @Option(help: "text, csv or json") var format: Table.Format = .text

        func run() async throws {
            let (code, year, period) = (which.tenant, which.year, try which.subPeriod())
            if nip != nil && orgUnit != nil { throw CLIError("--nip and --org-unit do not go together: choose one") }
            let nip = try nip.map(EvaluateCommand.nipDigits), unit = orgUnit
            func f(_ x: Double?) -> String { x.map { Step.format(($0 * 100).rounded() / 100) } ?? "-" }
            let (goals, own) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { tx in
                    if let nip { return ([GoalContribution](), try await tx.employeeContribution(nip: nip, year: year, period: period)) }
                    return (try await tx.goalContributions(year: year, period: period, unitCode: unit), [RHKContribution]())
                }
            }
            if let nip {
                if own.isEmpty { throw CLIError("\(nip) has no approved SKP for \(year) in \(code)") }
                print(Table(columns: ["kind", "rhk", "capaian", "goal", "goal owner", "path to the goal"],
                            rows: own.map { r in
                                // A tugas tambahan links to nothing above: it is outside the cascade.
                                r.outsideTheCascade
                                    ? [r.kind, r.text, f(r.capaian), "-", "-", "(tugas tambahan, outside the cascade)"]
                                    : [r.kind, r.text, f(r.capaian), r.path.last ?? r.text, "\(r.goalOwnerName) (\(r.goalOwnerNIP))",
                                       r.path.joined(separator: " > ") + (r.goalIsTop ? "" : " (cascade stops: the SKP above is not approved)")]
                            }).render(format), terminator: "")
                return
            }
            if goals.isEmpty { throw CLIError("no approved SKP for \(year) in \(code)\(unit.map { " (\($0))" } ?? "")") }
            print(Table(columns: ["opd", "goal", "owner", "own capaian", "contributors", "rhk", "mean capaian", "top"],
                        rows: goals.map { g in
                            [g.opdCode, g.text, "\(g.ownerName) (\(g.ownerNIP))", f(g.ownCapaian), String(g.contributors),
                             String(g.rhkCount), f(g.meanCapaian), g.isTop ? "yes" : "cascade stops"]
                        }).render(format), terminator: "")
        }
    }
}
