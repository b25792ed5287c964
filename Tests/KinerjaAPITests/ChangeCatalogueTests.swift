import Foundation
@testable import KinerjaAPI
import Testing

/// The change feed's table of actions in openapi.yaml (`listChanges`) names every action the project writes to a
/// city's audit log, and only those; and each row says who sees it as the feed decides it. An integrator builds
/// its sync on that table, so an action missing from it is one the integrator cannot handle.
@Suite struct ChangeCatalogueTests {
    struct Row { var actions: [String]; var seenBy: String }

    /// The rows of the table: the actions of the first column, the last column.
    static func catalogue() throws -> [Row] {
        let text = try RouteCoverageTests.specText()
        return text.split(separator: "\n").compactMap { line -> Row? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("| `") else { return nil }
            let cells = trimmed.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 7 else { return nil }
            let actions = cells[1].matches(of: /`([a-z_.-]+)`/).map { String($0.1) }
            return Row(actions: actions, seenBy: cells[5])
        }
    }

    /// Every action literal of the sources: Swift on a line that speaks of an action, SQL's quoted dotted names
    /// (schema-qualified names and settings left out), and the one composed in SQL (`'tenant.' || CASE … THEN
    /// 'suspend' ELSE 'resume' END`).
    static func writtenActions() throws -> Set<String> {
        let sources = RouteCoverageTests.root.appendingPathComponent("Sources")
        var out: Set<String> = []
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") || file.hasSuffix(".sql") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("--") || trimmed.hasPrefix("//") { continue }
                if file.hasSuffix(".swift"), line.contains("action") || line.contains("Action") {
                    for m in line.matches(of: /"([a-z]+(?:\.[a-z_-]+)+)"/) { out.insert(String(m.1)) }
                }
                for m in line.matches(of: /'([a-z]+(?:\.[a-z_-]+)+)'/) where !["kinerja", "public", "pg_catalog"].contains(String(m.1.prefix { $0 != "." })) {
                    out.insert(String(m.1))
                }
                for m in line.matches(of: /'([a-z]+)\.' \|\| CASE [^']*'[^']*' THEN '([a-z_]+)' ELSE '([a-z_]+)' END/) {
                    out.insert("\(m.1).\(m.2)")
                    out.insert("\(m.1).\(m.3)")
                }
            }
        }
        return out
    }

    @Test func theTableNamesEveryActionWrittenAndNoOther() throws {
        let listed = Set(try Self.catalogue().flatMap(\.actions))
        let written = try Self.writtenActions()
        #expect(listed.count >= 50 && written.count >= 50, "listed \(listed.count), written \(written.count)")
        #expect(written.subtracting(listed).sorted() == [], "written to the audit log, but not in listChanges' table")
        #expect(listed.subtracting(written).sorted() == [], "in listChanges' table, but never written")
    }

    /// `seen by` is what the feed does: `personal` for the patterns hidden from keys that read no assessments,
    /// `realisasi` for those also shown to keys that write realisasi, `all` for the rest.
    @Test func eachRowSaysWhoSeesItAsTheFeedDecides() throws {
        func matches(_ action: String, _ patterns: [String]) -> Bool {
            patterns.contains { $0.hasSuffix("%") ? action.hasPrefix($0.dropLast()) : action == $0 }
        }
        let rows = try Self.catalogue()
        #expect(rows.count >= 30)
        for row in rows {
            for action in row.actions {
                let expected = matches(action, KinerjaService.personalChanges) ? "personal"
                    : matches(action, KinerjaService.realisasiChanges) ? "realisasi" : "all"
                #expect(row.seenBy == expected, "\(action): the table says \(row.seenBy), the feed makes it \(expected)")
            }
        }
    }
}
