public import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "A city's audit log: list it, and check that no entry was changed or removed.",
        discussion: """
            Every change to plans, ratings, results and the city itself is an entry, written with the change. Each \
            city's entries are chained: an entry holds the hash of the one before, and the server seals new entries \
            within seconds (these commands seal first, too).
            """,
        subcommands: [Log.self, Verify.self])

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a city's audit entries, in chain order (oldest first; entries not sealed yet last).",
            discussion: """
                Filters combine. --entity and --action take a trailing * for a prefix: --entity '199001012015031001*' \
                lists everything about one employee, --action 'skp.*' every SKP step. --period is a year (2026), a \
                month (2026-11), a day (2026-11-24) or FROM..UNTIL days (2026-11-01..2026-11-15, both included), as \
                days in the city's time (the zone of its profile: WITA for Makassar, WIB for Pematangsiantar); each \
                entry's time is shown in that zone, with its offset.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "What the entry is about (its subject): a NIP, NIP/YEAR, a code; * at the end for a prefix.") var entity: String?
        @Option(help: "Who did it (as written in the log, e.g. api:kin_AbCd or kinerja-admin:hr).") var actor: String?
        @Option(help: "The action, e.g. skp.approve; * at the end for a prefix.") var action: String?
        @Option(help: "When: YYYY, YYYY-MM, YYYY-MM-DD, or FROM..UNTIL days.") var period: String?
        @Option(help: "At most this many entries.") var limit: Int = 1000
        @Option(help: "Entries after this position in the chain (the 'chain' column of the last entry of a page), to page on.") var after: Int64?
        @Option(help: "table, csv or json") var format: Table.Format = .text

        func validate() throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit \(limit) is out of range: use 1-100000") }
            do {
                if let period { _ = try AuditCommand.range(period, in: .gmt) }
            } catch let error as CLIError { throw ValidationError(error.description) }
        }

        func run() async throws {
            let (code, period) = (tenant, period)
            let filter = AuditChain.Filter(subject: entity, actor: actor, action: action, after: after, limit: limit)
            let entries = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                try await AuditCommand.seal(db, t, code: code)
                return try await db.withTenant(t.id) { tx in
                    // The days the city lives by: 24 November in Makassar begins at 16:00 UTC the day before.
                    let zone = try await tx.profile().timeZoneOrDefault
                    var f = filter
                    (f.from, f.until) = try period.map { try AuditCommand.range($0, in: zone) } ?? (nil, nil)
                    return try await tx.auditEntries(f, timeZone: zone)
                }
            }
            let rows = entries.map { e in
                [String(e.entryID), e.at, e.actor, e.action, e.subject, e.detail, e.chainSeq.map(String.init) ?? "unsealed"]
            }
            print(Table(columns: ["entry", "at", "actor", "action", "entity", "detail", "chain"], rows: rows).render(format), terminator: "")
            // The next page goes on after the last sealed entry; unsealed ones (the seal failed, or they came after
            // it) are listed after every sealed one, on each page that reaches them.
            var more = ""
            if entries.count == limit {
                more = (entries.last(where: { $0.chainSeq != nil })?.chainSeq ?? after).map { "; more may follow: --after \($0)" }
                    ?? "; more may follow, all of them unsealed: 'audit verify' says why the seal did not take them"
            }
            printError("\(entries.count) entr\(entries.count == 1 ? "y" : "ies")" + more)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a city's audit chain; exit 1 naming the first entry that was changed or removed.",
            discussion: """
                Seals what is unsealed, then recomputes every entry's hash here, in order, from the entries as \
                stored: an edited entry, a removed one (a gap) and removed newest entries (the head disagrees) are \
                each named. Prints the head (position and hash): note it elsewhere, and a later run that reports a \
                lower position or another hash at that position shows that history was rewritten: give it back with \
                --expect POSITION:SHA256 and the check says so, exit 1.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Flag(help: "Check without sealing first (entries of the last seconds then count as unsealed).") var noSeal = false
        @Option(help: ArgumentHelp("A head noted from an earlier run: that position must still have that hash.", valueName: "position:sha256"))
        var expect: String?

        func validate() throws { _ = try expected() }

        func expected() throws -> (seq: Int64, hash: String)? {
            guard let expect else { return nil }
            let parts = expect.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let seq = Int64(parts[0]), seq >= 1, parts[1].count == 64,
                  parts[1].allSatisfy({ $0.isHexDigit }) else {
                throw ValidationError("--expect '\(expect)' is not POSITION:SHA256 (a position from 1 and 64 hex digits, as verify prints the head)")
            }
            return (seq, parts[1].lowercased())
        }

        func run() async throws {
            let (code, seal, noted) = (tenant, !noSeal, try expected())
            let started = ContinuousClock.now
            let v = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                if seal { try await AuditCommand.seal(db, t, code: code) }
                return try await db.withTenant(t.id) { try await $0.verifyAuditChain(expect: noted) }
            }
            let head = v.head.map { "head: position \($0.seq), sha256 \($0.hash)" } ?? "head: none (no sealed entry yet)"
            if let problem = v.problem {
                printError("\(code): audit chain BROKEN after \(v.checked) good entr\(v.checked == 1 ? "y" : "ies"): \(problem)")
                printError(head)
                throw ExitCode(1)
            }
            print("\(code): audit chain intact: \(v.checked) entr\(v.checked == 1 ? "y" : "ies") checked"
                  + (v.unsealed > 0 ? ", \(v.unsealed) not sealed yet" : "")
                  + (noted.map { ", position \($0.seq) as noted" } ?? "") + ", \(elapsed(since: started))")
            print(head)
        }
    }

    /// Seals the city's new entries before a listing or a check. A seal that fails is said, and the entries
    /// sealed before are listed or checked all the same: it fails when the chain's head was removed or moved back
    /// (the next position is then taken), which is when the check must name what happened.
    static func seal(_ db: KinerjaDatabase, _ t: Tenant, code: String) async throws {
        do {
            try await db.sealAudit(t.id)
        } catch {
            printError("\(code): sealing the newest entries failed (\(StoreError.describe(error))); going on with the entries sealed before")
        }
    }

    /// `2026`, `2026-11`, `2026-11-24` or `2026-11-01..2026-11-15` as [from, until), days in `zone`.
    static func range(_ text: String, in zone: TimeZone) throws -> (Date?, Date?) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func parse(_ s: String) throws -> (Date, Calendar.Component) {
            let parts = s.split(separator: "-").map { Int($0) }
            guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil }),
                  let date = calendar.date(from: DateComponents(year: parts[0], month: parts.count > 1 ? parts[1] : 1,
                                                                day: parts.count > 2 ? parts[2] : 1)),
                  (parts.count < 2 || (1...12).contains(parts[1]!)), (parts.count < 3 || (1...31).contains(parts[2]!)),
                  // 2026-02-30 would roll over to 2 March: a day the month does not have is refused.
                  parts.count < 3 || calendar.component(.day, from: date) == parts[2]!
            else { throw CLIError("--period '\(text)': '\(s)' is not YYYY, YYYY-MM or YYYY-MM-DD") }
            return (date, [.year, .month, .day][parts.count - 1])
        }
        if let dots = text.range(of: "..") {
            let (from, _) = try parse(String(text[..<dots.lowerBound]))
            let (last, unit) = try parse(String(text[dots.upperBound...]))
            let until = calendar.date(byAdding: unit, value: 1, to: last)!
            guard from < until else { throw CLIError("--period '\(text)': the range ends before it starts") }
            return (from, until)
        }
        let (from, unit) = try parse(text)
        return (from, calendar.date(byAdding: unit, value: 1, to: from)!)
    }
}
