import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct SKPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skp", abstract: "SKP plans: list, show, the cascade, revisions, and HR's workflow actions.",
        subcommands: [List.self, Show.self, Tree.self, Revisions.self, Save.self, Submit.self, Approve.self, Return.self,
                      Proposals.self, Plan.self])

    /// The employee and year most subcommands act on.
    struct Which: ParsableArguments {
        @Option(help: "City code.") var tenant: String
        @Option(help: "The employee's NIP (18 digits, spaces allowed).") var nip: String
        @Option(help: "The year, e.g. 2026.") var year: Int

        func digits() throws -> String {
            do { return try NIP(nip, type: .pppk).digits } catch { throw CLIError(error.description) }
        }
    }

    static func percent(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "" }
    static func number(_ v: Double?) -> String {
        guard let v else { return "" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every active employee's SKP for a year: status, revision in force, capaian.",
            discussion: "Employees without an SKP are listed with an empty status, so nobody is missed (--status hides them).")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The year.") var year: Int
        @Option(name: .customLong("org-unit"), help: "Only this unit and the units below it (unit code).") var orgUnit: String?
        @Option(help: "Only SKPs whose latest revision has this status: draft, submitted, approved, returned.") var status: String?
        @Option(help: "table, csv or json") var format: Table.Format = .text

        func run() async throws {
            var statusFilter: SKP.Status? = nil
            if let status {
                guard let s = SKP.Status(rawValue: status), s != .superseded else {
                    throw CLIError("--status '\(status)' is not one of: draft, submitted, approved, returned")
                }
                statusFilter = s
            }
            let (code, filter) = (tenant, SKPFilter(year: year, unitCode: orgUnit, status: statusFilter, includeMissing: statusFilter == nil))
            let items = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.skpSummaries(filter) }
            }
            let rows = items.map { s in
                [s.nip, s.name, s.unitCode, s.jabatanName, s.status?.rawValue ?? "", s.revision.map(String.init) ?? "",
                 s.revisionInForce.map(String.init) ?? "", SKPCommand.percent(s.capaian)]
            }
            print(Table(columns: ["nip", "name", "unit", "jabatan", "status", "revision", "in_force", "capaian"], rows: rows)
                .render(format), terminator: "")
            let counts = Dictionary(grouping: items, by: { $0.status?.rawValue ?? "none" }).mapValues(\.count)
            printError("\(items.count) employee(s): " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One SKP: its RHK and IKI with targets, realisasi per period, capaian and feedback.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        @Option(help: "table, csv or json") var format: Table.Format = .text

        func run() async throws {
            let (code, nip, year) = (which.tenant, try which.digits(), which.year)
            let view = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.skpView(nip: nip, year: year) }
            }
            guard let view else { throw CLIError("employee \(nip) has no SKP for \(year) in \(code)") }
            let r = view.revision
            printError("SKP \(nip) \(year): revision \(r.revision), \(r.status.rawValue), \(r.content.approach.rawValue)"
                       + (r.jpt ? ", JPT (perspektif)" : "") + (r.atasanNIP.map { ", atasan \($0)" } ?? "")
                       + ", capaian \(SKPCommand.percent(view.capaian.skp).isEmpty ? "-" : SKPCommand.percent(view.capaian.skp) + "%")")
            if let p = view.pending { printError("revision \(p.revision) is \(p.status.rawValue)" + (p.returnNote.map { ": \($0)" } ?? "")) }
            if let note = r.returnNote, r.status == .returned { printError("returned: \(note)") }
            var byIKI: [UUID: [Realisasi]] = [:]
            for x in view.realisasi { byIKI[x.ikiKey, default: []].append(x) }
            var rows: [[String]] = []
            for (i, rhk) in r.content.rhk.enumerated() {
                for k in rhk.iki {
                    let reported = (byIKI[k.key] ?? []).sorted { $0.period < $1.period }
                        .map { "\($0.period)=\(SKPCommand.number($0.value))\($0.evidence.isEmpty ? "" : "*")" }.joined(separator: " ")
                    let target = k.targetValue.map { "\(SKPCommand.number($0)) \(k.targetUnit ?? "")" } ?? (k.targetNarrative ?? "")
                    rows.append([String(i + 1), rhk.kind.rawValue, rhk.text, k.text, k.dimension.rawValue,
                                 target + (k.lowerIsBetter ? " (lower is better)" : ""), reported,
                                 SKPCommand.percent(view.capaian.byIKI[k.key]), rhk.key.uuidString.lowercased(), k.key.uuidString.lowercased(),
                                 rhk.parentKey?.uuidString.lowercased() ?? ""])
                }
            }
            print(Table(columns: ["no", "kind", "rhk", "iki", "aspect", "target", "realisasi", "capaian", "rhk_key", "iki_key", "parent_rhk"],
                        rows: rows).render(format), terminator: "")
            for f in view.feedback {
                printError("feedback \(f.period) on RHK \(f.rhkKey.uuidString.lowercased().prefix(8)) by \(f.authorNIP ?? f.author): \(f.text)")
            }
        }
    }

    struct Tree: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The cascade around an SKP: from the kepala OPD down through the employee's RHK to their staff's.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        @Option(help: "table, csv or json") var format: Table.Format = .text

        func run() async throws {
            let (code, nip, year) = (which.tenant, try which.digits(), which.year)
            let roots = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.skpTree(nip: nip, year: year) }
            }
            var rows: [[String]] = []
            func walk(_ n: CascadeNode, depth: Int) {
                let marker = n.nip == nip ? " <" : ""
                rows.append([String(repeating: "  ", count: depth) + n.rhk.text + marker, n.nip, n.name, n.jabatanName,
                             n.rhk.kind.rawValue, n.status.rawValue, String(depth)])
                for c in n.children { walk(c, depth: depth + 1) }
            }
            roots.forEach { walk($0, depth: 0) }
            if rows.isEmpty { printError("no RHK yet around \(nip) for \(year)") }
            print(Table(columns: ["rhk", "nip", "name", "jabatan", "kind", "status", "level"], rows: rows).render(format), terminator: "")
        }
    }

    struct Revisions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every revision of an SKP, oldest first; none is ever edited once approved.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        @Option(help: "table, csv or json") var format: Table.Format = .text

        func run() async throws {
            let (code, nip, year) = (which.tenant, try which.digits(), which.year)
            let revisions = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.skpRevisions(nip: nip, year: year) }
            }
            let rows = revisions.map { r in
                [String(r.revision), r.status.rawValue, String(r.content.rhk.count), String(r.content.allIKI.count), "\(r.createdAt)",
                 r.createdBy, r.decidedAt.map { "\($0)" } ?? "", r.decidedBy ?? "", r.returnNote ?? ""]
            }
            print(Table(columns: ["revision", "status", "rhk", "iki", "created_at", "created_by", "decided_at", "decided_by", "note"],
                        rows: rows).render(format), terminator: "")
        }
    }

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save an SKP's content from a JSON file (the API's SKPContent), as city HR.",
            discussion: "A draft or returned SKP changes in place; an approved one gets a new revision. See the README for the format.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        @Option(help: "JSON file with {approach, rhk: [...]}; - for standard input.") var file: String

        func run() async throws {
            let data: Data
            do {
                data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            } catch { throw CLIError("cannot read \(file): \(error.localizedDescription)") }
            let content: SKP.Content
            do { content = try JSONDecoder().decode(SKP.Content.self, from: data) } catch {
                throw CLIError("\(file) is not an SKP's content: \(error)")
            }
            // Indicators made from a template and given no accumulation add up as the template says (as over the API).
            let fromTemplates = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["rhk"] as? [[String: Any]] ?? [])
                .enumerated().flatMap { i, r in
                    ((r["iki"] as? [[String: Any]]) ?? []).enumerated().compactMap { j, k -> (Int, Int, String)? in
                        k["accumulation"] == nil ? (k["templateId"] as? String).map { (i, j, $0) } : nil
                    }
                }
            let (code, nip, year) = (which.tenant, try which.digits(), which.year)
            let saved = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { tx in
                    try await tx.saveSKP(nip: nip, year: year, content: try await tx.withTemplateAccumulation(content, at: fromTemplates),
                                         actor: .hr(cliActor))
                }
            }
            printError("\(code): SKP \(nip) \(year) revision \(saved.revision) saved (\(saved.status.rawValue), \(saved.content.rhk.count) RHK, \(saved.content.allIKI.count) IKI)")
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit a draft SKP to the atasan, as city HR.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        func run() async throws { try await SKPCommand.act(connection, which, "submitted") { try await $0.submitSKP(nip: $1, year: $2, actor: .hr(cliActor)) } }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a submitted SKP, as city HR; it replaces the revision in force.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        func run() async throws {
            try await SKPCommand.act(connection, which, "approved") { try await $0.decideSKP(nip: $1, year: $2, approve: true, note: nil, actor: .hr(cliActor)) }
        }
    }

    struct Return: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return a submitted SKP for revision with a note, as city HR.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var which: Which
        @Option(help: "What to change (required).") var note: String
        func run() async throws {
            let note = note
            try await SKPCommand.act(connection, which, "returned") { try await $0.decideSKP(nip: $1, year: $2, approve: false, note: note, actor: .hr(cliActor)) }
        }
    }

    static func act(_ connection: ConnectionOptions, _ which: Which, _ verb: String,
                    _ body: @escaping @Sendable (TenantTransaction, String, Int) async throws -> SKPRevision) async throws {
        let (code, nip, year) = (which.tenant, try which.digits(), which.year)
        let r = try await connection.withDatabase { db in
            let t = try await db.platform.requireTenant(code: code)
            return try await db.withTenant(t.id) { try await body($0, nip, year) }
        }
        printError("\(code): SKP \(nip) \(year) revision \(r.revision) \(verb)")
    }

    struct Proposals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Indicator proposals of a year and their decisions (all employees, or one).")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The year.") var year: Int
        @Option(help: "Only this employee's.") var nip: String?
        @Option(help: "table, csv or json") var format: Table.Format = .text

        func run() async throws {
            let digits: String?
            do { digits = try nip.map { try NIP($0, type: .pppk).digits } } catch { throw CLIError("\(error)") }
            let (code, year) = (tenant, year)
            let items = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.proposals(nip: digits, year: year) }
            }
            let rows = items.map { p in
                [p.id.uuidString.lowercased(), p.nip, p.iki.text, p.iki.targetValue.map { "\(SKPCommand.number($0)) \(p.iki.targetUnit ?? "")" } ?? (p.iki.targetNarrative ?? ""),
                 p.status.rawValue, p.reason ?? "", p.proposedBy, p.decidedBy ?? ""]
            }
            print(Table(columns: ["id", "nip", "iki", "target", "status", "reason", "proposed_by", "decided_by"], rows: rows).render(format),
                  terminator: "")
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo-plan",
            abstract: "Demo data: an approved, cascaded SKP for every active employee, and realisasi for the periods already ended.",
            discussion: "For trying the product. Indicators come from the city's catalogue where one fits. Refuses a year that has SKPs.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "The year (opened first if it is not).") var year: Int
        @Flag(help: "Leave out realisasi.") var noRealisasi = false

        func run() async throws {
            let (code, year, realisasi) = (tenant, year, !noRealisasi)
            let started = ContinuousClock.now
            let (skp, reported) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let profile = try await db.platform.profile(of: t.id)
                return try await db.withTenant(t.id) { tx in
                    if try await tx.periods(year: year).isEmpty {
                        try await tx.openYear(year, cadence: profile.periods.cadence, actor: cliActor)
                    }
                    return try await tx.seedSKPs(year: year, profile: profile, realisasiUntil: realisasi ? CivilDate.today(in: profile.timeZoneOrDefault) : nil,
                                                 actor: cliActor)
                }
            }
            let elapsed = ContinuousClock.now - started
            printError("\(code): \(skp) approved SKPs for \(year), \(reported) realisasi, in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
        }
    }
}
