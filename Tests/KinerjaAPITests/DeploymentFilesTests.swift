import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KinerjaStore
import KinerjaTestSupport
import Testing

/// The production files under deploy/: the systemd units pass `systemd-analyze verify` with no diagnostic at
/// all (an unknown or misspelt setting is only a warning there, and a warning fails here), the server's unit
/// keeps its hardening (systemd's own exposure score), and the environment template explains every setting
/// the programs read.
@Suite struct DeploymentFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let systemd = root.appendingPathComponent("deploy/systemd")
    static let tools = root.appendingPathComponent(".tools/bin")

    /// Within half an hour: the backup check (a dump, a fresh cluster, a restore) took 480-500 s here with the
    /// whole suite running, near the ten minutes `runProgram` allows by default.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let r = try await runProgram("/usr/bin/env", arguments, merged: true, limit: .seconds(1800))
        return (r.status, r.out)
    }

    /// The units as installed, with the release folder moved to a scratch folder holding stand-ins for the two
    /// programs (verify checks that ExecStart is executable; it does not run it).
    static func unitsInScratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-units-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for program in ["kinerja-server", "kinerja-admin"] {
            let path = dir.appendingPathComponent(program).path
            try "#!/bin/sh\n".write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        for unit in ["kinerja-server.service", "kinerja-migrate.service"] {
            let text = try String(contentsOf: systemd.appendingPathComponent(unit), encoding: .utf8)
            #expect(text.contains("/opt/kinerja/current/"), "\(unit) runs the release that /opt/kinerja/current points at")
            try text.replacingOccurrences(of: "/opt/kinerja/current/", with: dir.path + "/")
                .write(to: dir.appendingPathComponent(unit), atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func theUnitsVerifyWithoutAnyDiagnostic() async throws {
        // make test installs Debian's systemd when systemd-analyze is missing.
        let dir = try Self.unitsInScratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let units = ["kinerja-server.service", "kinerja-migrate.service"].map { dir.appendingPathComponent($0).path }
        let verify = try await Self.run(["systemd-analyze", "verify"] + units)
        #expect(verify.status == 0 && verify.output.isEmpty, "systemd-analyze verify: \(verify.output)")

        // A misspelt setting is what verify reports as a warning only: the check above must catch it.
        let bad = dir.appendingPathComponent("kinerja-bad.service")
        let text = try String(contentsOfFile: units[0], encoding: .utf8).replacingOccurrences(of: "NoNewPrivileges=", with: "NoNewPrivilege=")
        try text.write(to: bad, atomically: true, encoding: .utf8)
        let caught = try await Self.run(["systemd-analyze", "verify", bad.path])
        #expect(caught.output.contains("NoNewPrivilege"), "a misspelt setting is reported: \(caught.output)")
    }

    @Test func theServerRunsUnprivilegedAndHardened() async throws {
        let dir = try Self.unitsInScratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = try String(contentsOf: Self.systemd.appendingPathComponent("kinerja-server.service"), encoding: .utf8)
        for line in ["User=kinerja", "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "Requires=kinerja-migrate.service",
                     "After=network-online.target postgresql.service kinerja-migrate.service"] {
            #expect(unit.split(separator: "\n").contains(Substring(line)), "kinerja-server.service has \(line)")
        }
        // systemd's exposure score, 0 (locked down) to 10 (unprotected): at most 2 ("OK").
        let score = try await Self.run(["systemd-analyze", "security", "--offline=yes", "--threshold=20",
                                  dir.appendingPathComponent("kinerja-server.service").path])
        #expect(score.status == 0, "exposure above 2.0:\n\(score.output.suffix(600))")
    }

    /// Every KINERJA_* (and DATABASE_URL) the server and the CLI read is explained in the templates; the
    /// private cluster's own file (.data/local.env, KINERJA_DB_*) is not a deployment setting.
    @Test func theTemplatesExplainEverySettingTheProgramsRead() throws {
        var read = Set<String>()
        for folder in ["Sources/kinerja-server", "Sources/kinerja-admin"] {
            let dir = Self.root.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".swift") {
                let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                let names = try Regex("KINERJA_[A-Z_]+")
                for m in text.matches(of: names) where !text[m.range].hasPrefix("KINERJA_DB_") { read.insert(String(text[m.range])) }
            }
        }
        #expect(read.contains("KINERJA_HTTP_PORT") && read.contains("KINERJA_OWNER_DATABASE_URL"), "\(read.sorted())")
        let templates = try ["kinerja.env", "migrate.env"].map { try String(contentsOf: Self.systemd.appendingPathComponent($0), encoding: .utf8) }
            .joined(separator: "\n")
        for name in read.sorted() {
            // Set (or shown commented out) on a line of its own, with an explanation in the comment above it.
            let lines = templates.split(separator: "\n", omittingEmptySubsequences: false)
            let at = lines.firstIndex { $0.hasPrefix("\(name)=") || $0.hasPrefix("#\(name)=") }
            #expect(at != nil, "\(name) is not in deploy/systemd/kinerja.env or migrate.env")
            guard var above = at.map({ $0 - 1 }) else { continue }
            while above >= 0, lines[above].hasPrefix("KINERJA_") || lines[above].hasPrefix("#KINERJA_") { above -= 1 }
            #expect(above >= 0 && lines[above].hasPrefix("# "), "\(name) has no explanation above it")
        }
    }

    /// The README's backup procedure end to end (deploy/postgres/restore-check.sh): a `pg_dump -Fc` of the test
    /// database, taken while the suite writes to it, restored into a fresh cluster whose roles come from
    /// bootstrap.sql; the same row count in every table, the migrations current, the cities visible to the
    /// CLI's role.
    @Test func aBackupRestoresIntoAFreshCluster() async throws {
        // The test database migrated first (on a fresh clone this may be the suite's first use of it).
        let database = try await TestDatabase.app().settings.database
        let script = Self.root.appendingPathComponent("deploy/postgres/restore-check.sh").path
        let r = try await Self.run([script, database])
        #expect(r.status == 0, "\(r.output.suffix(1500))")
        #expect(r.output.contains("restore check passed: \(database)"), "\(r.output.suffix(600))")
    }

    /// The image's build stage copies every folder the manifest names a target in: a folder left out stops
    /// `swift build` there (the load benchmark's ceiling server was).
    @Test func theImageCopiesEveryTargetFolder() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let file = try String(contentsOf: Self.root.appendingPathComponent("deploy/container/Containerfile"), encoding: .utf8)
        let copied = file.split(separator: "\n").filter { $0.hasPrefix("COPY ") && !$0.contains("--from") }
            .compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
        // Targets without a path sit in Sources/ or Tests/; the others name theirs.
        var folders = ["Sources", "Tests"]
        for part in manifest.components(separatedBy: "path: \"").dropFirst() {
            // An interpolated path ("adapters/\\(city)") is checked up to its first interpolation.
            if let end = part.firstIndex(of: "\"") {
                let path = String(part[..<end]).components(separatedBy: "\\(")[0]
                folders.append(path.hasSuffix("/") ? String(path.dropLast()) : path)
            }
        }
        #expect(folders.count > 3, "the manifest's target folders: \(folders)")
        for folder in folders {
            #expect(copied.contains { folder == $0 || folder.hasPrefix($0 + "/") }, "Containerfile copies \(folder) (it copies \(copied))")
        }
    }

    /// deploy/container: the Containerfile passes hadolint with no finding (one rule waived in the file, with
    /// its reason), the compose file passes yamllint and wires the three services in order: the database
    /// healthy, then the migration step, then the server, which runs read-only without capabilities.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: Self.tools.appendingPathComponent("hadolint").path),
                   "hadolint and yamllint come from PyPI (make test-tools); without PyPI this test is skipped"))
    func theContainerFilesLint() async throws {
        let tools = Self.tools
        let container = Self.root.appendingPathComponent("deploy/container")
        let hadolint = try await Self.run([tools.appendingPathComponent("hadolint").path, "--no-color",
                                     container.appendingPathComponent("Containerfile").path])
        #expect(hadolint.status == 0 && hadolint.output.isEmpty, "hadolint (make test-tools installs it): \(hadolint.output)")
        let yamllint = try await Self.run([tools.appendingPathComponent("yamllint").path, "-s", "-d",
                                     "{extends: default, rules: {line-length: {max: 120}, document-start: disable}}",
                                     container.appendingPathComponent("compose.yaml").path])
        #expect(yamllint.status == 0 && yamllint.output.isEmpty, "yamllint: \(yamllint.output)")
        let compose = try String(contentsOf: container.appendingPathComponent("compose.yaml"), encoding: .utf8)
        for piece in ["condition: service_healthy", "condition: service_completed_successfully", "read_only: true", "cap_drop: [ALL]",
                      "dockerfile: deploy/container/Containerfile", "../postgres/bootstrap.sql",
                      // A read-only server still writes its report jobs (a volume) and Chromium's scratch (tmpfs).
                      "KINERJA_REPORT_DIR: /var/lib/kinerja/reports", "reports:/var/lib/kinerja/reports", "tmpfs:"] {
            #expect(compose.contains(piece), "compose.yaml has \(piece)")
        }
        let file = try String(contentsOf: container.appendingPathComponent("Containerfile"), encoding: .utf8)
        #expect(file.contains("--static-swift-stdlib") && file.contains("USER 10001:10001")
                && file.contains("kinerja_KinerjaStore.resources") && file.contains("kinerja_KinerjaAPI.resources")
                && file.contains("kinerja_KinerjaReports.resources"))
    }

    /// The replica pair's ports: a port held as the local end of a connection (nothing listens on it, so trying
    /// to connect to it says "free") is taken. The pair's ports were picked that way from Linux's range for
    /// connections' ends, and in a fresh clone's `make test` PostgreSQL could not bind the one it got.
    @Test func aPortHeldByAConnectionsEndIsTakenForTheReplicaPair() async throws {
        let listener = try #require(LoopbackSocket.listening())
        defer { listener.close() }
        let client = try #require(LoopbackSocket.connected(to: listener.port))
        defer { client.close() }
        let end = client.port
        let script = Self.root.appendingPathComponent("deploy/local/replica.sh").path
        // Nothing listens there: a connection to it is refused, which the old check took for free.
        let probe = try await Self.run(["bash", "-c", "(exec 3<>/dev/tcp/127.0.0.1/\(end)) 2>/dev/null"])
        #expect(probe.status != 0, "nothing listens on \(end)")
        #expect(try await Self.run([script, "port-taken", "\(end)"]).status == 0, "port \(end), a connection's end")
        #expect(try await Self.run([script, "port-taken", "\(listener.port)"]).status == 0, "a listener's port")
        let bad = try await Self.run([script, "port-taken", "x"])
        #expect(bad.status != 0 && bad.output.contains("port-taken needs a port number"))
    }
}
