import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// `kinerja-admin`, the real binary, given what city HR type: a NIP in its display form is read, and a value the
/// command cannot use is refused with the value named (exit status other than 0), never read as something else.
@Suite struct AdminInputTests {
    /// `tpp compute` for a month whose realisasi may still be reported (a period it reads still open: in a
    /// quarterly city, the quarters up to the month's) says that its kinerja share counts what is reported so far,
    /// naming them; once they are closed it says nothing.
    @Test func aMonthsTPPBeforeItsRealisasiAreInSaysSo() async throws {
        let (city, _) = try await TestDatabase.city("admin-tpp", employees: 150)
        let periods = try await TestDatabase.admin().withTenant(city.id) { try await $0.openYear(2026, cadence: .quarterly, actor: "t") }
        let may = try await ReportCommandTests.admin(["tpp", "compute", "--tenant", city.code, "--month", "2026-05"])
        #expect(may.status == 0 && may.err.contains("warning: the kinerja share reads the realisasi of Q1-Q2 of 2026; Q1, Q2 are still open"),
                "\(may.status) \(may.err.prefix(400))")
        _ = try await TestDatabase.admin().withTenant(city.id) { tx in
            for p in periods where p.kind == .quarterly && p.sequence <= 2 { _ = try await tx.setPeriod(p, open: false, reason: nil, actor: "t") }
        }
        let closed = try await ReportCommandTests.admin(["tpp", "compute", "--tenant", city.code, "--month", "2026-05"])
        #expect(closed.status == 0 && !closed.err.contains("warning"), "\(closed.status) \(closed.err.prefix(400))")
        let later = try await ReportCommandTests.admin(["tpp", "compute", "--tenant", city.code, "--month", "2026-07"])
        #expect(later.err.contains("Q3 is still open"), "\(later.err.prefix(400))")
    }

    /// A chain whose head was removed cannot be sealed further (the next position is taken), and the server's
    /// log sends city HR to `audit verify`: the command names what happened instead of failing on the seal.
    @Test func verifyNamesARemovedHeadThatStopsTheSeal() async throws {
        let (city, _) = try await TestDatabase.city("admin-audit-head")
        let admin = try await TestDatabase.admin()
        try await admin.sealAudit(city.id)
        let owner = try await TestDatabase.owner()
        try await owner.client.withTransaction(logger: TestDatabase.logger) { conn in
            try await conn.query("set local session_replication_role = replica", logger: TestDatabase.logger)
            try await conn.query("delete from audit_heads where tenant_id = \(city.id.uuid)", logger: TestDatabase.logger)
        }
        try await admin.withTenant(city.id) { try await $0.audit(actor: "t", action: "test.after", subject: "") }
        let verify = try await ReportCommandTests.admin(["audit", "verify", "--tenant", city.code])
        #expect(verify.status == 1 && verify.err.contains("the head was removed"), "\(verify.err)")
        #expect(verify.err.contains("sealing the newest entries failed"), "\(verify.err)")
        let log = try await ReportCommandTests.admin(["audit", "log", "--tenant", city.code, "--action", "test.after"])
        #expect(log.status == 0 && log.out.contains("test.after") && log.out.contains("unsealed"), "\(log.err)")
    }

    /// Found in review: --period counted UTC days, so HR in Makassar asking for 2 March missed what was done
    /// before 08:00 that day and got the evening of 1 March. Days are the city's, and times are shown in its zone.
    @Test func auditLogReadsDaysInTheCitysTime() async throws {
        let profile = try #require(AdapterRegistry.named("makassar")).effectiveProfile()
        let (city, _) = try await TestDatabase.city("admin-zone", profile: profile)
        // 20:30 UTC on 1 March is 04:30 on 2 March in Makassar (WITA, UTC+8).
        try await TestDatabase.owner().withTenant(city.id) { tx in
            try await tx.query("""
                insert into audit_log (tenant_id, actor, action, subject, detail, at)
                values (\(city.id.uuid), 't', 'test.zone', '', '{}', '2026-03-01 20:30:00+00')
                """)
        }
        let march2 = try await ReportCommandTests.admin(["audit", "log", "--tenant", city.code, "--action", "test.zone", "--period", "2026-03-02"])
        #expect(march2.status == 0 && march2.out.contains("2026-03-02T04:30:00.000000+08:00"), "\(march2.out) \(march2.err)")
        let march1 = try await ReportCommandTests.admin(["audit", "log", "--tenant", city.code, "--action", "test.zone", "--period", "2026-03-01"])
        #expect(march1.status == 0 && !march1.out.contains("test.zone"), "\(march1.out)")
        let span = try await ReportCommandTests.admin(["audit", "log", "--tenant", city.code, "--action", "test.zone",
                                                       "--period", "2026-02-01..2026-03-01"])
        #expect(span.status == 0 && !span.out.contains("test.zone"), "\(span.out)")
    }

    /// The CLI's JSON writes `/` as it is, as the API's does: a predikat came out as `Kurang\/Misconduct`.
    @Test func theCLIsJSONWritesSlashesAsTheyAre() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ReportCommandTests.binary), "build it first: swift build --product kinerja-admin")
        let r = try await runProgram(ReportCommandTests.binary, ["adapter", "show", "makassar", "--format", "json"])
        #expect(r.status == 0 && r.out.contains("Kurang/Misconduct") && !r.out.contains(#"\/"#), "\(r.out.prefix(300)) \(r.err)")
    }

    @Test func cityHRsInputIsReadOrRefusedByName() async throws {
        let (city, pop) = try await TestDatabase.city("admin-input", employees: 300)
        let nip = try #require(pop.people.first).nip
        let display = try NIP(nip, type: .pppk).displayForm

        // The NIP as printed on a decree, with its spaces, names the same person as its 18 digits.
        let shown = try await ReportCommandTests.admin(["user", "show", "--tenant", city.code, "--nip", display])
        #expect(shown.status == 0 && shown.out.contains(nip), "\(shown.err)")

        // The head verify prints, given back, is found as noted.
        let first = try await ReportCommandTests.admin(["audit", "verify", "--tenant", city.code])
        let head = try #require(first.out.split(separator: "\n").first { $0.hasPrefix("head: position ") }, "\(first.out)")
        let words = head.split(separator: " ")  // head: position N, sha256 HASH
        let noted = "\(words[2].dropLast()):\(words[4])"
        let again = try await ReportCommandTests.admin(["audit", "verify", "--tenant", city.code, "--expect", noted])
        #expect(again.status == 0 && again.out.contains("as noted"), "\(again.err)")

        for (arguments, named) in [
            // 30 February is not 2 March.
            (["audit", "log", "--tenant", city.code, "--period", "2026-02-30"], "2026-02-30"),
            // A two-digit year is not a month of this decade.
            (["discipline", "decide", "--tenant", city.code, "--id", "1", "--impose", "--note", "SK 1", "--cut-from", "26-04"], "26-04"),
            // The dashboard is no single table: CSV is refused, not answered with text.
            (["dashboard", "show", "--tenant", city.code, "--year", "2026", "--format", "csv"], "csv"),
            // A noted head is a position and the 64 hex digits verify printed.
            (["audit", "verify", "--tenant", city.code, "--expect", "12:abc"], "12:abc"),
        ] {
            let r = try await ReportCommandTests.admin(arguments)
            #expect(r.status != 0 && r.err.contains(named), "\(arguments): \(r.status) \(r.err.prefix(300))")
            #expect(r.out.isEmpty, "\(arguments): \(r.out.prefix(200))")
        }
    }

    /// `import ... --errors-file`: a rejected file's problems, every one, go to a CSV file in line order and the
    /// terminal shows the first 10; a file that passes leaves the header alone; a path that cannot be written is
    /// refused before the import reads or writes anything.
    @Test func anImportWritesEveryProblemToTheErrorsFile() async throws {
        let (city, pop) = try await TestDatabase.city("admin-errors")
        let db = try await TestDatabase.admin()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ lines: [String]) throws -> String {
            let url = folder.appendingPathComponent(name)
            try (lines.joined(separator: "\r\n") + "\r\n").write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        func csvLines(_ path: String) throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        }
        let header = "NAMA,NIP,JENIS JABATAN,NAMA JABATAN,NAMA UNOR,UNOR INDUK"
        let good = "Andi,198001012005011001,Pelaksana,Pengadministrasi Umum,Dinas Sosial,Dinas Sosial"
        // Lines 3 to 32 each give a NIP of 5 digits.
        let bad = try write("bad.csv", [header, good] + (0..<30).map { "Orang \($0),\(10_000 + $0),Pelaksana,Staf,Dinas Sosial,Dinas Sosial" })
        let problems = folder.appendingPathComponent("problems.csv").path

        let rejected = try await ReportCommandTests.admin(["import", "employees", bad, "--tenant", city.code, "--errors-file", problems])
        #expect(rejected.status == 1, "\(rejected.err.prefix(400))")
        let written = try csvLines(problems)
        #expect(written.first == "line,column,value,problem")
        let lines = written.dropFirst().compactMap { Int($0.prefix { $0 != "," }) }
        #expect(lines.count == written.count - 1 && lines == lines.sorted() && Set(lines) == Set(3...32), "\(written.prefix(4))")
        #expect(written.contains { $0.hasPrefix("3,NIP,10000,") }, "\(written.prefix(3))")
        #expect(rejected.err.contains("the import changed nothing: \(written.count - 1) problem(s), every one written to '\(problems)'; the first 10:"),
                "\(rejected.err.prefix(400))")
        #expect(rejected.err.components(separatedBy: "\n").filter { $0.hasPrefix("  line ") }.count == 10, "\(rejected.err)")
        #expect(try await db.withTenant(city.id) { try await $0.employee(nip: "198001012005011001") } == nil)
        // No partial copy is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["bad.csv", "problems.csv"])

        // A file that passes (a dry run) leaves the header alone, not the last run's problems.
        let fine = try write("fine.csv", [header, good])
        let dry = try await ReportCommandTests.admin(["import", "employees", fine, "--tenant", city.code, "--dry-run", "--errors-file", problems])
        #expect(dry.status == 0 && dry.out.contains("new:         1"), "\(dry.err)")
        #expect(try csvLines(problems) == ["line,column,value,problem"])

        // A folder that does not exist: refused before the import, which would otherwise have stored Andi.
        let nowhere = folder.appendingPathComponent("missing/problems.csv").path
        let refused = try await ReportCommandTests.admin(["import", "employees", fine, "--tenant", city.code, "--errors-file", nowhere])
        #expect(refused.status != 0 && refused.err.contains(nowhere), "\(refused.err)")
        #expect(try await db.withTenant(city.id) { try await $0.employee(nip: "198001012005011001") } == nil)

        // A folder is no file to write.
        let folderRefused = try await ReportCommandTests.admin(["import", "employees", fine, "--tenant", city.code, "--errors-file", folder.path])
        #expect(folderRefused.status != 0 && folderRefused.err.contains("is a folder"), "\(folderRefused.err)")
        #expect(try await db.withTenant(city.id) { try await $0.employee(nip: "198001012005011001") } == nil)

        // The attendance import keeps them all as well: a NIP the city does not have, on each of 12 lines.
        let stranger = "199001012015011999"
        #expect(!pop.people.contains { $0.nip == stranger })
        let attendance = try write("absen.csv", ["NIP,TANGGAL,JENIS"] + (1...12).map { "\(stranger),2026-03-\(10 + $0),tidak_hadir" })
        let absent = try await ReportCommandTests.admin(["import", "attendance", attendance, "--tenant", city.code, "--errors-file", problems])
        #expect(absent.status == 1 && absent.err.contains("12 problem(s), every one written"), "\(absent.err.prefix(300))")
        #expect(try csvLines(problems).dropFirst() == ArraySlice((2...13).map { "\($0),NIP,\(stranger),no employee with this NIP in this city" }))
    }

    /// `skp save` from a file: an indicator with its templateId and no accumulation adds up as the template says,
    /// as over the API (Banjarbaru's participation rate: the latest figure, not the sum).
    @Test func aSavedFileTakesTheTemplatesAccumulation() async throws {
        let db = try await TestDatabase.admin()
        let profile = try #require(AdapterRegistry.named("banjarbaru")).effectiveProfile()
        let (city, pop) = try await TestDatabase.city("admin-template", employees: 300, profile: profile)
        let nip = TestDatabase.chain(pop).staff.nip
        let parent = try await db.withTenant(city.id) { tx -> String in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t")
            return try #require(try await tx.skpInForce(nip: nip, year: 2026)?.content.rhk.first?.parentKey).uuidString.lowercased()
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("skp-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            {"approach": "kuantitatif", "rhk": [{"kind": "utama", "text": "Meningkatnya akses pendidikan dasar", "parentKey": "\(parent)",
              "iki": [{"text": "Angka partisipasi sekolah usia 7-15 tahun", "dimension": "kuantitas", "targetValue": 98,
                       "targetUnit": "persen", "templateId": "angka-partisipasi-sekolah"}]}]}
            """.write(to: file, atomically: true, encoding: .utf8)
        let saved = try await ReportCommandTests.admin(["skp", "save", "--tenant", city.code, "--nip", nip, "--year", "2026", "--file", file.path])
        #expect(saved.status == 0, "\(saved.err)")
        let iki = try await db.withTenant(city.id) { try await $0.skpRevisions(nip: nip, year: 2026).last?.content.rhk.first?.iki.first }
        #expect(iki?.templateID == "angka-partisipasi-sekolah" && iki?.accumulation == .last, "\(String(describing: iki))")
    }
}
