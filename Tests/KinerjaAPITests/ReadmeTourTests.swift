import Foundation
import KinerjaTestSupport
import Testing

/// The README's tour, read as the commands a new user copies: each `kinerja-admin` command it shows is one the CLI
/// has, with the flags it shows, and no command names a year of its own (the demo plans the current one, so a tour
/// written for 2026 failed from its first line on 1 January).
@Suite struct ReadmeTourTests {
    /// The shell lines of the tour's code blocks, comments and trailing comments left out.
    static func tourCommands() throws -> [String] {
        let readme = try String(contentsOf: DeploymentFilesTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "## A five-minute tour"))
        let end = try #require(readme.range(of: "A broken profile names every problem", range: start.upperBound..<readme.endIndex))
        var lines: [String] = []
        var inBlock = false
        for line in readme[start.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inBlock = line.hasPrefix("```sh"); continue }
            let code = line.components(separatedBy: "  #")[0].trimmingCharacters(in: .whitespaces)
            if inBlock && !code.isEmpty && !code.hasPrefix("#") { lines.append(code) }
        }
        return lines
    }

    @Test func theTourNamesNoYearOfItsOwn() throws {
        let lines = try Self.tourCommands()
        #expect(lines.count > 100)
        let dated = lines.filter { $0.firstMatch(of: /\b20[0-9]{2}\b/) != nil }
        #expect(dated.isEmpty, "\(dated)")
    }

    /// `kinerja-admin A B ... --help` answers for each command the tour shows, and lists every flag it uses.
    @Test func everyCommandAndFlagTheTourShowsExists() async throws {
        var checked = 0
        for line in try Self.tourCommands() {
            for occurrence in line.components(separatedBy: "kinerja-admin ").dropFirst() {
                // The command ends where the shell takes over: a pipe, a redirect, the end of $( ... ).
                let command = occurrence.prefix { !"|>)".contains($0) }
                let words = command.split(separator: " ").map(String.init)
                let path = words.prefix { !$0.hasPrefix("-") && !$0.contains("$") && !$0.contains("\"") && !$0.contains("/") && !$0.contains(".") }
                let flags = Set(words.filter { $0.hasPrefix("--") }.map { $0.split(separator: "=")[0] }.map(String.init))
                let help = try await runProgram(ReportCommandTests.binary, Array(path) + ["--help"])
                #expect(help.status == 0, "kinerja-admin \(path.joined(separator: " ")): \(help.err.prefix(300))")
                // A word that is no subcommand is taken for the group's help, which asks for one.
                let usage = help.out.split(separator: "\n").first { $0.hasPrefix("USAGE: ") } ?? ""
                #expect(!usage.isEmpty && !usage.contains("<subcommand>"), "kinerja-admin \(path.joined(separator: " ")) is no command: \(usage)")
                // The flag as a whole word of the help (`--org` is not `--org-unit`).
                for flag in flags {
                    let listed = help.out.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" }).contains { $0 == flag }
                    #expect(listed, "kinerja-admin \(path.joined(separator: " ")) has no \(flag): \(line)")
                }
                checked += 1
            }
        }
        #expect(checked > 80)
    }
}
