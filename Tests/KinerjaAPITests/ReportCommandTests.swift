import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import Testing

/// `kinerja-admin report`, the real binary, as city HR runs it: the list, a table and the whole city's
/// documents to files (progress and a summary on stderr), the public report published, and bad input refused
/// with the bad value named and no file left behind.
@Suite struct ReportCommandTests {
    static var binary: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/kinerja-admin").path
    }

    /// Runs the CLI as the admin role of the test database; its exit status, stdout and stderr.
    static func admin(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build it first: swift build --product kinerja-admin")
        let s = try TestDatabase.settings().admin
        return try await runProgram(binary, arguments + ["--database-url", "postgres://\(s.username):\(s.password ?? "")@\(s.host):\(s.port)/\(s.database)"])
    }

    @Test func cityHRListsGeneratesAndPublishes() async throws {
        let (city, pop) = try await APIReportTests.finalCity("palu", employees: 150)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let profile = try #require(AdapterRegistry.named("palu")).effectiveProfile()

        let list = try await Self.admin(["report", "list", "--tenant", city.code, "--format", "csv"])
        #expect(list.status == 0, "\(list.err)")
        for d in profile.reportDefinitions { #expect(list.out.contains(d.id), "\(d.id) not listed") }

        // A table, as CSV: the header is the definition's, one line per OPD.
        let recap = try #require(profile.reportDefinitions.first { $0.source == .opdRecap })
        let csv = folder.appendingPathComponent("rekap.csv")
        let table = try await Self.admin(["report", "generate", recap.id, "--tenant", city.code, "--year", "2026", "--format", "csv", "--out", csv.path])
        #expect(table.status == 0, "\(table.err)")
        let lines = try String(contentsOf: csv, encoding: .utf8).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == recap.fields.map(\.id).joined(separator: recap.csvSeparator))
        #expect(lines.count == 1 + Set(pop.units.filter { $0.parent == nil }.map(\.code)).count, "\(lines.prefix(3))")

        // The whole city's evaluation documents: one article per employee, the count on stderr.
        let html = folder.appendingPathComponent("dokumen.html")
        let docs = try await Self.admin(["report", "generate", "dokumen-evaluasi", "--tenant", city.code, "--year", "2026", "--format", "html", "--out", html.path])
        #expect(docs.status == 0, "\(docs.err)")
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.components(separatedBy: "<article class=\"dokumen\"").count == pop.people.count + 1)
        #expect(page.hasPrefix("<!doctype html>") || page.hasPrefix("<!DOCTYPE html>"), "\(page.prefix(40))")
        #expect(docs.err.contains("\(pop.people.count) item(s)"), "\(docs.err)")

        // Palu publishes its year: the public address on stdout.
        let published = try await Self.admin(["report", "publish", "--tenant", city.code, "--year", "2026"])
        #expect(published.status == 0 && published.out.contains("/public/\(city.code)/laporan-kinerja/2026"), "\(published.err)")

        // Bad input: refused, the value named, no file written.
        let missing = folder.appendingPathComponent("tidak-ada.csv")
        for (arguments, named) in [
            (["report", "generate", "tidak-ada", "--tenant", city.code, "--year", "2026", "--out", missing.path], "tidak-ada"),
            (["report", "generate", recap.id, "--tenant", city.code, "--year", "2026", "--format", "docx", "--out", missing.path], "docx"),
            (["report", "generate", recap.id, "--tenant", city.code, "--year", "2026", "--lang", "jv", "--out", missing.path], "jv"),
            (["report", "generate", recap.id, "--tenant", "kota-tidak-ada", "--year", "2026", "--out", missing.path], "kota-tidak-ada"),
        ] {
            let r = try await Self.admin(arguments)
            #expect(r.status != 0 && r.err.contains(named), "\(arguments): \(r.err)")
            #expect(!FileManager.default.fileExists(atPath: missing.path), "\(arguments) left a file")
        }
    }
}
