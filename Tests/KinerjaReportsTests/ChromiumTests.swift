import Foundation
import KinerjaReports
import KinerjaTestSupport
import Testing

/// The server's systemd unit denies memory that is both writable and executable (`MemoryDenyWriteExecute`), and
/// the server prints PDFs through headless Chromium, which it starts as a child that inherits the rule. Linux's
/// own switch for the same rule (`prctl(PR_SET_MDWE)`, since 6.3, kept across `exec`) is set here before
/// Chromium starts, with the options the server gives it: a PDF must still come out. Without `--jitless` V8
/// cannot reserve its code space there, and Chromium hangs without writing anything.
/// One Chromium at a time: each starts a dozen processes, and the stuck page's spins a core for its 5 s.
@Suite(.serialized) struct ChromiumTests {
    /// Sets PR_SET_MDWE (65) with PR_MDWE_REFUSE_EXEC_GAIN (1), then runs the rest of the command line.
    static let denyWriteExecute = """
        import ctypes, os, sys
        if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) != 0: sys.exit(77)
        if len(sys.argv) > 1: os.execv(sys.argv[1], sys.argv[1:])
        """

    static func run(_ arguments: [String]) async throws -> Int32 {
        try await runProgram("/usr/bin/env", arguments).status
    }

    /// This kernel has the switch, and Chromium is installed (`make report-tools`).
    static func canTry() async -> Bool {
        guard Chromium.path != nil else { return false }
        return (try? await run(["python3", "-c", denyWriteExecute])) == 0
    }

    @Test(.enabled("needs Chromium and a kernel with PR_SET_MDWE (Linux 6.3 or later)") { await canTry() })
    func aPDFPrintsWhereWritableExecutableMemoryIsDenied() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-mdwe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("dokumen.html"), pdf = folder.appendingPathComponent("dokumen.pdf")
        try #"<!doctype html><html lang="id"><body><h1>Dokumen Evaluasi</h1><p>NIP 198001012005011001</p></body></html>"#
            .write(to: html, atomically: true, encoding: .utf8)
        // A bounded wait: the failure this guards against is a Chromium that never finishes.
        let status = try await Self.run(["timeout", "120", "python3", "-c", Self.denyWriteExecute, try #require(Chromium.path)]
            + Chromium.options
            + ["--user-data-dir=\(folder.appendingPathComponent("profile").path)", "--no-pdf-header-footer",
               "--print-to-pdf=\(pdf.path)", html.absoluteString])
        #expect(status == 0, "chromium under PR_SET_MDWE exited \(status) (124: it hung)")
        let text = try await Self.pdfText(pdf)
        #expect(text.contains("NIP 198001012005011001"), "\(text)")
    }

    /// A PDF leaves nothing in its scratch folder: Chromium's profile (some 2 MB a run) and its log go with the
    /// run, and no Chromium process of that profile is left.
    @Test(.enabled("needs Chromium") { Chromium.path != nil })
    func aPDFLeavesNothingBehind() async throws {
        let (folder, scratch) = try Self.folders()
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("dokumen.html"), pdf = folder.appendingPathComponent("dokumen.pdf")
        try #"<!doctype html><html lang="id"><body><h1>Dokumen Evaluasi</h1><p>NIP 198001012005011001</p></body></html>"#
            .write(to: html, atomically: true, encoding: .utf8)
        try await Chromium.pdf(html: html, to: pdf, scratch: scratch)
        #expect(try await Self.pdfText(pdf).contains("NIP 198001012005011001"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [])
        #expect(try await Self.running(under: scratch) == "", "no Chromium of this run is left")
    }

    /// A run that passes its limit is stopped, with every Chromium process it started, and says so; its scratch
    /// is removed as well. The page never finishes loading (its script never ends), as a Chromium stuck on a page.
    @Test(.enabled("needs Chromium") { Chromium.path != nil })
    func aStuckRunIsStoppedAndSaysSo() async throws {
        let (folder, scratch) = try Self.folders()
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = folder.appendingPathComponent("dokumen.html")
        try "<!doctype html><html lang=\"id\"><body><p>Dokumen</p><script>for (;;) {}</script></body></html>"
            .write(to: html, atomically: true, encoding: .utf8)
        do {
            try await Chromium.pdf(html: html, to: folder.appendingPathComponent("dokumen.pdf"), scratch: scratch, limit: .seconds(5))
            Issue.record("Chromium printed a page that never loads")
        } catch {
            #expect(error.description.contains("chromium did not finish within 5"), "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [])
        #expect(try await Self.running(under: scratch) == "", "no Chromium of this run is left")
    }

    /// A folder of the test's own, and a scratch folder inside it for Chromium's runs.
    static func folders() throws -> (URL, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-pdf-\(UUID().uuidString)")
        let scratch = folder.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        return (folder, scratch)
    }

    /// The processes whose command line names `folder`, once those killed have had up to 5 s to go.
    static func running(under folder: URL) async throws -> String {
        var left = ""
        for _ in 0..<50 {
            let r = try await runProgram("/usr/bin/pgrep", ["-af", folder.path])
            left = r.out.split(separator: "\n").filter { !$0.contains("pgrep") }.joined(separator: "\n")
            if left.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return left
    }

    static func pdfText(_ pdf: URL) async throws -> String {
        let out = pdf.deletingPathExtension().appendingPathExtension("txt")
        guard try await run(["pdftotext", pdf.path, out.path]) == 0 else { return "" }
        return try String(contentsOf: out, encoding: .utf8)
    }
}
