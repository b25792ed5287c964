import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct TPPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tpp", abstract: "The monthly TPP (Tambahan Penghasilan Pegawai) for payroll.",
        subcommands: [Compute.self])

    struct Compute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute a month's TPP for every active employee and write the payroll file, every deduction explained.",
            discussion: "From the month's capaian (realisasi up to the month against the approved SKP; a quarterly city counts "
                + "the month's quarter; summed targets pro-rated), the attendance events ('import attendance'), the pagu "
                + "('import tpp-pagu'), imposed disciplinary cuts, and the profile's tpp split, deduction table and cut. "
                + "Replaces the month's earlier figures; the same inputs give the same figures.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The month, YYYY-MM.") var month: String
        @Option(help: "csv, json or text") var format: Table.Format = .csv
        @Option(help: "Write the file here instead of standard output.") var out: String?

        func run() async throws {
            let parts = month.split(separator: "-")
            guard parts.count == 2, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m) else {
                throw CLIError("--month '\(month)' is not a month: use YYYY-MM, for example 2026-03")
            }
            let code = tenant
            let started = ContinuousClock.now
            let (rows, read, open) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let (profile, version) = try await db.platform.profileInForce(of: t.id)
                let read = TPPCalculation.realisasiPeriodsRead(month: m, cadence: profile.periods.cadence)
                printError("\(code): computing the TPP of \(y)-\(m < 10 ? "0" : "")\(m) for \(t.employeeCount) employees…")
                return try await db.withTenant(t.id) { tx in
                    let rows = try await tx.computeTPP(year: y, month: m, profile: profile, profileVersion: version, actor: cliActor)
                    let open = try await tx.periods(year: y).filter {
                        $0.isOpen && $0.period.kind == read.kind && read.sequences.contains($0.period.sequence)
                    }
                    return (rows, read, open.map(\.period.sequence).sorted())
                }
            }
            // Realisasi may still be reported in a period the kinerja share reads while it is open: the share
            // counts what is reported so far, and says so.
            if !open.isEmpty {
                let letter = read.kind == .monthly ? "M" : "Q"
                printError("\(code): warning: the kinerja share reads the realisasi of \(letter)1-\(letter)\(read.sequences.upperBound) of \(y); "
                           + open.map { "\(letter)\($0)" }.joined(separator: ", ") + (open.count == 1 ? " is" : " are")
                           + " still open for reporting: computed now, it counts only what is reported so far. Once reporting is "
                           + "done, close \(open.count == 1 ? "it" : "them") ('period close') and run this again (a run replaces the month's rows)")
            }
            func f(_ x: Double?) -> String { x.map(Step.format) ?? "" }
            // Percentages to four places: the rules' own steps are exact there (1.25% steps, a 25% cut: 68.475%), but
            // a capaian has more places, and `jumlah` comes from the unrounded figures (each row's stored
            // explanation has every step): `pagu` x `total_persen` may differ from it by a rupiah or a few.
            func pct(_ x: Double?) -> String { x.map { Step.format($0, decimals: 4) } ?? "" }
            let table = Table(columns: ["nip", "nama", "opd", "pagu", "capaian", "kinerja_dibayar_persen", "potongan_disiplin_persen",
                                        "rincian_potongan", "potongan_tpp_persen", "rincian_potongan_tpp", "total_persen", "jumlah"],
                              rows: rows.map { r in
                                  let x = r.result
                                  return [r.nip, r.name, r.opd, f(x.pagu), pct(x.capaian), pct(x.kinerjaPaidPercent), pct(x.disiplinDeductionPercent),
                                          x.deductions.map { "\($0.event) \($0.count) x \(Step.format($0.percent))% = \(Step.format($0.total))%" }
                                              .joined(separator: "; "),
                                          pct(x.cutPercent), x.cuts.map { "\($0.name) \(Step.format($0.value))% (\($0.rule))" }.joined(separator: "; "),
                                          pct(x.totalPercent), f(x.amount)]
                              },
                              numeric: ["pagu", "capaian", "kinerja_dibayar_persen", "potongan_disiplin_persen", "potongan_tpp_persen",
                                        "total_persen", "jumlah"])
            let text = table.render(format)
            if let out {
                do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch { throw CLIError("cannot write '\(out)': \(error.localizedDescription)") }
            } else {
                print(text, terminator: "")
            }
            let total = rows.compactMap(\.result.amount).reduce(0, +)
            let missing = rows.filter { $0.result.pagu == nil }.count
            let elapsed = ContinuousClock.now - started
            printError("\(code): \(rows.count) employee(s), total Rp \(Step.format(total))"
                       + (missing > 0 ? "; \(missing) without a pagu (percentages only: 'import tpp-pagu')" : "")
                       + " in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
        }
    }
}

struct DisciplineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discipline",
        abstract: "PP 94/2021 for unexcused absence: propose the ladder step reached, record the official's decision.",
        discussion: "The system proposes and records; the authorised official decides after an examination. A step reached past "
            + "lower ones never proposed names them ('skipped'), so no step is passed over silently. An imposed 25% cut "
            + "feeds the TPP of its months.",
        subcommands: [Scan.self, List.self, Decide.self])

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count each employee's unexcused absence in the year and propose new steps.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The calendar year.") var year: Int

        func run() async throws {
            let (code, year) = (tenant, year)
            let added = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                // The city's holidays (its profile's list) are not working days: not absences, not breaks in a run.
                let calendar = WorkingCalendar(holidays: try await db.platform.profile(of: t.id).holidays)
                return try await db.withTenant(t.id) { try await $0.scanDiscipline(year: year, calendar: calendar, actor: cliActor) }
            }
            print(DisciplineCommand.table(added).render(.text), terminator: "")
            printError("\(code): \(added.count) step(s) proposed for \(year)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discipline cases of a year.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The calendar year.") var year: Int
        @Option(help: "proposed, imposed or dismissed") var status: String?
        @Option(help: "text, csv or json") var format: Table.Format = .text

        func run() async throws {
            let (code, year, status) = (tenant, year, status)
            if let status, !["proposed", "imposed", "dismissed"].contains(status) {
                throw CLIError("--status '\(status)' is not proposed, imposed or dismissed")
            }
            let cases = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.disciplineCases(year: year, status: status) }
            }
            print(DisciplineCommand.table(cases).render(format), terminator: "")
        }
    }

    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the authorised official's decision on a proposed case.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The case id (from 'discipline list').") var id: Int64
        @Flag(help: "The sanction was imposed.") var impose = false
        @Flag(help: "The case was dismissed.") var dismiss = false
        @Option(help: "The decision: decree number, examination (required).") var note: String
        @Option(name: .customLong("cut-from"), help: "For a 25% TPP cut: its first month, YYYY-MM.") var cutFrom: String?

        func validate() throws {
            guard impose != dismiss else { throw ValidationError("give --impose or --dismiss") }
        }

        func run() async throws {
            let from = try cutFrom.map { text -> (year: Int, month: Int) in
                let p = text.split(separator: "-", omittingEmptySubsequences: false)
                guard p.count == 2, p[0].count == 4, p[1].count == 2, let y = Int(p[0]), let m = Int(p[1]), (1...12).contains(m) else {
                    throw CLIError("--cut-from '\(text)' is not a month: use YYYY-MM")
                }
                return (y, m)
            }
            let (code, id, impose, note) = (tenant, id, impose, note)
            let c = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.decideDiscipline(id: id, impose: impose, note: note, cutFrom: from, actor: cliActor) }
            }
            printError("\(code): case \(c.id) (\(c.nip), \(c.step.name)) \(c.status)" + (c.cutFrom.map { ", TPP cut 25% from \($0) for \(c.cutMonths ?? 0) months" } ?? ""))
        }
    }

    static func table(_ cases: [DisciplineCase]) -> Table {
        Table(columns: ["id", "nip", "name", "days", "longest_run", "level", "step", "skipped", "status", "decision", "cut_from", "cut_months"],
              rows: cases.map { c in
                  [String(c.id), c.nip, c.name, String(c.absenceDays), String(c.longestRun), c.step.level, c.step.name,
                   c.skipped.map(\.name).joined(separator: "; "), c.status, c.decisionNote ?? "", c.cutFrom ?? "", c.cutMonths.map(String.init) ?? ""]
              })
    }
}
