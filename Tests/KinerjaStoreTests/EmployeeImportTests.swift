import Foundation
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

@Suite struct EmployeeImportTests {
    static let header = "NAMA;NIP;JENIS KELAMIN;TANGGAL LAHIR;JENIS PEGAWAI;GOL AKHIR;JENIS JABATAN;NAMA JABATAN;ESELON;NAMA UNOR;UNOR INDUK;AGAMA"
    static let rows = [
        "Andi Saputra;198001012005011001;L;01-01-1980;PNS;IV/b;Struktural;Kepala Dinas Pendidikan;II.b;Dinas Pendidikan;Dinas Pendidikan;Islam",
        "Siti Rahma;198502022010012001;P;1985-02-02;PNS;III/d;Struktural;Kepala SD Negeri 1;IV.a;SD Negeri 1;Dinas Pendidikan;Islam",
        "\"Budi, S.Pd.\";199003032015031001;L;03-03-1990;PNS;III/b;Fungsional Tertentu;Guru Ahli Muda;;SD Negeri 1;Dinas Pendidikan;Kristen",
        "Rina Lestari;199504042023212001;P;04-04-1995;PPPK;IX;Fungsional Tertentu;Guru Ahli Pertama;;SD Negeri 1;Dinas Pendidikan;Islam",
    ]
    static func file(_ rows: [String] = rows, header: String = header) -> String {
        "\u{FEFF}" + ([header] + rows).joined(separator: "\r\n") + "\r\n"
    }

    func run(_ db: KinerjaDatabase, _ tenant: TenantID, _ text: String, chunk: Int = 64 * 1024,
             _ options: ImportOptions = .init()) async throws -> ImportSummary {
        let bytes = Array(text.utf8)
        let feed = Feed(bytes: bytes, chunk: chunk)
        try await db.refreshImportStatistics()
        return try await db.withTenant(tenant) { tx in
            try await tx.importEmployees(options: options, actor: "hr", next: { await feed.next() })
        }
    }

    actor Feed {
        let bytes: [UInt8]
        let chunk: Int
        var at = 0
        init(bytes: [UInt8], chunk: Int) { self.bytes = bytes; self.chunk = chunk }
        func next() -> [UInt8]? {
            guard at < bytes.count else { return nil }
            defer { at += chunk }
            return Array(bytes[at..<min(at + chunk, bytes.count)])
        }
    }

    func snapshot(_ db: KinerjaDatabase, _ tenant: TenantID) async throws -> [String] {
        try await db.withTenant(tenant) { tx in
            var out: [String] = []
            for try await row in try await tx.query("""
                select e::text from employees e where tenant_id = \(tenant.uuid)
                union all select o::text from org_units o where tenant_id = \(tenant.uuid) order by 1
                """).decode(String.self) { out.append(row) }
            return out
        }
    }

    func empty(_ label: String) async throws -> (KinerjaDatabase, Tenant) {
        let db = try await TestDatabase.admin()
        let t = try await db.platform.onboard(code: "t-imp-\(label)-\(UUID().uuidString.prefix(6).lowercased())", name: "Kota Impor",
                                              adapter: "nasional", profile: try NationalAdapter().effectiveProfile(), actor: "t")
        return (db, t)
    }

    @Test func importsThenReimportChangesNothingAndAtasanIsDerived() async throws {
        let (db, t) = try await empty("ok")
        let first = try await run(db, t.id, Self.file(), chunk: 7)
        #expect((first.rows, first.new, first.changed, first.unchanged, first.unitsNew) == (4, 4, 0, 0, 2))
        #expect(!first.atasanFromFile && first.atasanNotDerivedCount == 0)
        let people = try await db.withTenant(t.id) { try await $0.employees(EmployeeFilter(limit: 10)).employees }
        let byNIP = Dictionary(uniqueKeysWithValues: people.map { ($0.nip, $0) })
        #expect(byNIP["198001012005011001"]?.atasanNIP == nil, "the kepala dinas heads the OPD")
        #expect(byNIP["198502022010012001"]?.atasanNIP == "198001012005011001", "the school head reports to the kepala dinas")
        #expect(byNIP["199003032015031001"]?.atasanNIP == "198502022010012001", "a teacher reports to the school head")
        #expect(byNIP["199003032015031001"]?.name == "Budi, S.Pd.")
        #expect(byNIP["199504042023212001"]?.employeeType == "PPPK" && byNIP["199504042023212001"]?.golongan == "IX")
        #expect(byNIP["198502022010012001"]?.unitCode == "SD-NEGERI-1")

        let before = try await snapshot(db, t.id)
        let again = try await run(db, t.id, Self.file())
        #expect((again.new, again.changed, again.unchanged, again.unitsNew, again.unitsChanged) == (0, 0, 4, 0, 0))
        #expect(try await snapshot(db, t.id) == before, "re-import of the same file changes nothing")

        // A changed golongan is one change; a teacher absent from the file stays, unless asked.
        var edited = Self.rows
        edited[2] = edited[2].replacingOccurrences(of: "III/b", with: "III/c")
        let changed = try await run(db, t.id, Self.file(Array(edited.prefix(3))))
        #expect((changed.changed, changed.unchanged, changed.missing, changed.deactivated) == (1, 2, 1, 0))
        let dry = try await run(db, t.id, Self.file(Array(edited.prefix(3))), .init(dryRun: true, deactivateMissing: true))
        #expect(dry.deactivated == 1 && dry.dryRun)
        let gone = try await run(db, t.id, Self.file(Array(edited.prefix(3))), .init(deactivateMissing: true))
        #expect(gone.deactivated == 1)
        let rina = try await db.withTenant(t.id) { try await $0.employee(nip: "199504042023212001") }
        #expect(rina?.status == "inactive", "never deleted: history stays")
    }

    /// One file of new, changed and unchanged rows: the new inserted (their atasan derived), the changed
    /// updated, the unchanged not written at all (the merge writes each kind by its own statement).
    @Test func aFileOfNewChangedAndUnchangedRows() async throws {
        let (db, t) = try await empty("mixed")
        _ = try await run(db, t.id, Self.file(Array(Self.rows.prefix(3))))
        func written() async throws -> [String: String] {
            try await db.withTenant(t.id) { tx in
                var out: [String: String] = [:]
                for try await (nip, at) in try await tx.query("select nip, updated_at::text from employees where tenant_id = \(t.id.uuid)")
                    .decode((String, String).self) { out[nip] = at }
                return out
            }
        }
        let before = try await written()
        var edited = Self.rows
        edited[2] = edited[2].replacingOccurrences(of: "III/b", with: "III/c")
        let mixed = try await run(db, t.id, Self.file(edited))
        #expect((mixed.new, mixed.changed, mixed.unchanged) == (1, 1, 2))
        let people = try await db.withTenant(t.id) { try await $0.employees(EmployeeFilter(limit: 10)).employees }
        let byNIP = Dictionary(uniqueKeysWithValues: people.map { ($0.nip, $0) })
        #expect(byNIP["199003032015031001"]?.golongan == "III/c")
        #expect(byNIP["199504042023212001"]?.atasanNIP == "198502022010012001" && byNIP["199504042023212001"]?.status == "active")
        let after = try await written()
        #expect(after.count == 4 && after["199003032015031001"] != before["199003032015031001"])
        #expect(["198001012005011001", "198502022010012001"].allSatisfy { after[$0] == before[$0] }, "the unchanged rows are not written")
    }

    /// A city whose employees came from SIASN is real: the demo commands that decide on everyone's behalf (plans,
    /// 360 answers, a closed round) refuse it and write nothing; a demo city takes them.
    @Test func anImportedCityTakesNoDemoData() async throws {
        let (db, t) = try await empty("demo")
        _ = try await run(db, t.id, Self.file())
        let profile = try NationalAdapter().effectiveProfile()
        try await db.withTenant(t.id) { tx in
            #expect(try await !tx.isDemoCity())
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
        }
        func refused(_ body: @escaping @Sendable (TenantTransaction) async throws -> Void) async throws {
            do {
                try await db.withTenant(t.id) { try await body($0) }
                Issue.record("a demo write into an imported city was accepted")
            } catch let StoreError.state(message) {
                #expect(message.contains("left alone"), "\(message)")
            }
        }
        try await refused { _ = try await $0.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t") }
        try await refused { _ = try await $0.seedBehaviour(year: 2026, period: .year, profile: profile, actor: "t") }
        try await refused { _ = try await $0.finalizeDemoRound(year: 2026, period: .year, profile: profile, actor: "t") }
        try await db.withTenant(t.id) { tx in
            for try await n in try await tx.query("select (select count(*) from skp) + (select count(*) from behaviour_raters)").decode(Int.self) {
                #expect(n == 0)
            }
        }
        let (demo, _) = try await TestDatabase.city("demo-marker")
        #expect(try await db.withTenant(demo.id) { try await $0.isDemoCity() })
        // Marked as demo data (`demo mark`: a demo file imported, as the fuzz and benchmark cities are), it takes them.
        try await db.withTenant(t.id) { tx in
            let (first, second) = (try await tx.markDemoCity(actor: "t"), try await tx.markDemoCity(actor: "t"))
            #expect(first && !second)
            #expect(try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t").skp > 0)
        }
    }

    @Test func withDeactivateMissingEveryAtasanMustBeInTheFile() async throws {
        let (db, t) = try await empty("deact")
        _ = try await run(db, t.id, Self.file())
        let header = Self.header + ";NIP ATASAN"
        let teacher = Self.rows[2] + ";198502022010012001"
        await #expect(throws: ImportRejected.self) {
            try await run(db, t.id, Self.file([teacher], header: header), .init(deactivateMissing: true))
        }
        let kept = try await run(db, t.id, Self.file([teacher], header: header))
        #expect(kept.missing == 3 && kept.deactivated == 0)
    }

    /// A sync job sends only the rows that changed: their atasan are derived from the city's unit tree as it
    /// stands, with its heads who are not in the file. The file alone would leave them without one.
    @Test func aFileOfSomeRowsKeepsTheirAtasan() async throws {
        let (db, t) = try await empty("some")
        _ = try await run(db, t.id, Self.file())
        let teacher = Self.rows[2].replacingOccurrences(of: "III/b", with: "III/c")
        let head = Self.rows[1].replacingOccurrences(of: "III/d", with: "IV/a")
        for (rows, what) in [([teacher], "a teacher alone"), ([head], "a school head alone")] {
            let dry = try await run(db, t.id, Self.file(rows), .init(dryRun: true))
            #expect(dry.atasanNotDerivedCount == 0 && dry.changed == 1, "\(what): \(dry.atasanNotDerived)")
            let done = try await run(db, t.id, Self.file(rows))
            #expect(done.atasanNotDerivedCount == 0 && done.changed == 1 && done.missing == 3, "\(what)")
            #expect(done.atasanRederivedCount == 0, "\(what): the file changes no one's leader")
        }
        let people = try await db.withTenant(t.id) { try await $0.employees(EmployeeFilter(limit: 10)).employees }
        let byNIP = Dictionary(uniqueKeysWithValues: people.map { ($0.nip, $0) })
        #expect(byNIP["199003032015031001"]?.golongan == "III/c")
        #expect(byNIP["199003032015031001"]?.atasanNIP == "198502022010012001", "the teacher still reports to the school head")
        #expect(byNIP["198502022010012001"]?.atasanNIP == "198001012005011001", "the school head still reports to the kepala dinas")
        #expect(byNIP["199504042023212001"]?.atasanNIP == "198502022010012001", "a row not in the files is left as it was")

        // Sent again unchanged: the derived atasan is the stored one, so nothing changes.
        let same = try await run(db, t.id, Self.file([teacher]))
        #expect((same.changed, same.unchanged, same.atasanNotDerivedCount) == (0, 1, 0))

        // With deactivate-missing the file is the whole city: only its own rows lead.
        let alone = try await run(db, t.id, Self.file([teacher]), .init(dryRun: true, deactivateMissing: true))
        #expect(alone.atasanNotDerived == ["199003032015031001"])

        // A new head of the school sent without the old one: the file says who leads the unit.
        let newHead = "Dewi Anggraini;198706062012012001;P;06-06-1987;PNS;III/d;Struktural;Kepala SD Negeri 1;IV.a;SD Negeri 1;Dinas Pendidikan;Islam"
        let handover = try await run(db, t.id, Self.file([newHead, teacher]))
        #expect((handover.new, handover.changed, handover.atasanNotDerivedCount) == (1, 1, 0), "\(handover)")
        let after = try await db.withTenant(t.id) { try await $0.employees(EmployeeFilter(limit: 10)).employees }
        let now = Dictionary(uniqueKeysWithValues: after.map { ($0.nip, $0) })
        #expect(now["199003032015031001"]?.atasanNIP == "198706062012012001", "the teacher reports to the new head")
        #expect(now["198706062012012001"]?.atasanNIP == "198001012005011001", "who reports to the kepala dinas")
        // The new head leads the school, so those the file leaves out there report to her too: the other teacher,
        // and the old head, whose stored post of the same rank gives way to the file's.
        #expect(handover.atasanRederived == ["198502022010012001", "199504042023212001"], "\(handover)")
        #expect(now["199504042023212001"]?.atasanNIP == "198706062012012001", "the teacher left out reports to the new head")
        #expect(now["198502022010012001"]?.atasanNIP == "198706062012012001")

        // The handover lasts: the old head gave way (his atasan holds his rank in his unit). The same file again
        // changes nothing; a file of the teacher alone, or of the old head alone, leaves them with the new head.
        let resent = try await run(db, t.id, Self.file([newHead, teacher]))
        #expect((resent.changed, resent.unchanged, resent.atasanRederivedCount) == (0, 2, 0), "\(resent)")
        let teacherAgain = teacher.replacingOccurrences(of: "III/c", with: "III/d")
        let oldHead = Self.rows[1].replacingOccurrences(of: "III/d", with: "IV/a")
        for (rows, what) in [([teacherAgain], "the teacher alone"), ([oldHead], "the old head alone")] {
            let s = try await run(db, t.id, Self.file(rows))
            #expect(s.atasanRederivedCount == 0, "\(what): \(s)")
            let people = try await db.withTenant(t.id) { try await $0.employees(EmployeeFilter(limit: 10)).employees }
            let lead = Dictionary(uniqueKeysWithValues: people.map { ($0.nip, $0.atasanNIP) })
            #expect(lead["199003032015031001"] == .some("198706062012012001"), "\(what)")
            #expect(lead["198502022010012001"] == .some("198706062012012001"), "\(what)")
            #expect(lead["199504042023212001"] == .some("198706062012012001"), "\(what)")
        }
    }

    /// A file that moves, demotes or deactivates someone changes who leads the employees it leaves out: theirs is
    /// derived again by the same rule, and listed; nothing else of theirs changes. A loop that this closes with
    /// atasan stored from an earlier NIP ATASAN file refuses the file.
    /// Both ways of finding them: by key (a file of a few rows) and in one pass (a large file); the same for the
    /// joins of every statement and the walks that look for a loop.
    @Test(arguments: [10_000, 0]) func aFileThatChangesWhoLeadsDerivesTheOthersAgain(byKeyUpTo: Int) async throws {
        let (db, t) = try await empty("lead")
        func run(_ db: KinerjaDatabase, _ tenant: TenantID, _ text: String, _ options: ImportOptions = .init()) async throws -> ImportSummary {
            var options = options
            options.findLeftOutByKeyUpTo = byKeyUpTo
            options.joinByKeyUpTo = byKeyUpTo
            return try await self.run(db, tenant, text, options)
        }
        _ = try await run(db, t.id, Self.file())
        let teachers = ["199003032015031001", "199504042023212001"]
        func atasan(_ nip: String) async throws -> String? {
            try await db.withTenant(t.id) { try await $0.employee(nip: nip)?.atasanNIP }
        }

        // The school head moves to head another school: the teachers left behind report to the unit above's head.
        let moved = "Siti Rahma;198502022010012001;P;1985-02-02;PNS;III/d;Struktural;Kepala SD Negeri 2;IV.a;SD Negeri 2;Dinas Pendidikan;Islam"
        let before = try await snapshot(db, t.id)
        let dry = try await run(db, t.id, Self.file([moved]), .init(dryRun: true))
        #expect((dry.changed, dry.atasanRederived, dry.atasanRederivedCount, dry.atasanNotDerivedCount) == (1, teachers, 2, 0), "\(dry)")
        #expect(try await snapshot(db, t.id) == before, "a dry run writes nothing")
        let done = try await run(db, t.id, Self.file([moved]))
        #expect((done.changed, done.atasanRederived, done.missing) == (1, teachers, 3), "\(done)")
        for nip in teachers { #expect(try await atasan(nip) == "198001012005011001", "\(nip) reports to the kepala dinas") }
        #expect(try await atasan("198502022010012001") == "198001012005011001")
        let teacher = try await db.withTenant(t.id) { try await $0.employee(nip: teachers[0]) }
        #expect(teacher?.unitCode == "SD-NEGERI-1" && teacher?.golongan == "III/b", "nothing else of theirs changes")
        let again = try await run(db, t.id, Self.file([moved]))
        #expect((again.unchanged, again.atasanRederivedCount) == (1, 0), "sent again, nothing is derived again")

        // The kepala dinas becomes a teacher under the head he led: accepted, and the head, who reported to him, now
        // has no one above (the Dinas has no head): listed, as anyone whose atasan cannot be derived.
        let (db2, t2) = try await empty("demote")
        _ = try await run(db2, t2.id, Self.file())
        let demoted = "Andi Saputra;198001012005011001;L;01-01-1980;PNS;IV/b;Fungsional Tertentu;Guru Ahli Madya;;SD Negeri 1;Dinas Pendidikan;Islam"
        let demotion = try await run(db2, t2.id, Self.file([demoted]))
        #expect(demotion.atasanRederived == ["198502022010012001"] && demotion.atasanNotDerived == ["198502022010012001"], "\(demotion)")
        let people = try await db2.withTenant(t2.id) { try await $0.employees(EmployeeFilter(limit: 10)).employees }
        let byNIP = Dictionary(uniqueKeysWithValues: people.map { ($0.nip, $0.atasanNIP) })
        #expect(byNIP["198001012005011001"] == .some("198502022010012001") && byNIP["198502022010012001"] == .some(nil), "\(byNIP)")

        // A new kepala dinas sent without the old one leads the Dinas (the file wins a tie of rank): the school head
        // below, whom the file leaves out, reports to him, and so does the old one. A sekretaris sent alone is outranked
        // by the stored kepala dinas: she reports to him, and no one else changes.
        let (db4, t4) = try await empty("newkadis")
        _ = try await run(db4, t4.id, Self.file())
        let kadis = "Made Wirawan;197801012003011001;L;01-01-1978;PNS;IV/c;Struktural;Kepala Dinas Pendidikan;II.b;Dinas Pendidikan;Dinas Pendidikan;Hindu"
        let arrival = try await run(db4, t4.id, Self.file([kadis]))
        #expect(arrival.atasanRederived == ["198001012005011001", "198502022010012001"], "\(arrival)")
        let led = try await db4.withTenant(t4.id) { try await $0.employees(EmployeeFilter(limit: 10)).employees }
        let ledBy = Dictionary(uniqueKeysWithValues: led.map { ($0.nip, $0.atasanNIP) })
        #expect(ledBy["198502022010012001"] == .some("197801012003011001") && ledBy["198001012005011001"] == .some("197801012003011001"))
        #expect(ledBy["199003032015031001"] == .some("198502022010012001"), "the teachers still report to their school's head")
        let (db5, t5) = try await empty("sekdis")
        _ = try await run(db5, t5.id, Self.file())
        let sekretaris = "Nur Aini;198203032006042001;P;03-03-1982;PNS;IV/a;Struktural;Sekretaris Dinas Pendidikan;III.a;Dinas Pendidikan;Dinas Pendidikan;Islam"
        let second = try await run(db5, t5.id, Self.file([sekretaris]))
        #expect((second.new, second.atasanRederivedCount) == (1, 0), "\(second)")
        #expect(try await db5.withTenant(t5.id) { try await $0.employee(nip: "198203032006042001")?.atasanNIP } == "198001012005011001")

        // The school head becomes inactive: the teachers are derived again (to the head above), not left with her.
        let (db6, t6) = try await empty("inactive")
        _ = try await run(db6, t6.id, Self.file())
        let gone = try await run(db6, t6.id, Self.file([Self.rows[1] + ";PENSIUN"], header: Self.header + ";KEDUDUKAN HUKUM"))
        #expect(gone.atasanRederived == teachers, "\(gone)")
        for nip in teachers {
            #expect(try await db6.withTenant(t6.id) { try await $0.employee(nip: nip)?.atasanNIP } == "198001012005011001")
        }

        // An atasan stored from a NIP ATASAN file (the second teacher reports to the kepala dinas) stays while the
        // rule's answer for her does not change: the school head's row sent alone rewrites no one.
        let (db7, t7) = try await empty("byhand")
        _ = try await run(db7, t7.id, Self.file([Self.rows[0] + ";", Self.rows[1] + ";198001012005011001",
                                                  Self.rows[2] + ";198502022010012001", Self.rows[3] + ";198001012005011001"],
                                                 header: Self.header + ";NIP ATASAN"))
        let headAlone = try await run(db7, t7.id, Self.file([Self.rows[1].replacingOccurrences(of: "III/d", with: "IV/a")]))
        #expect((headAlone.changed, headAlone.atasanRederivedCount) == (1, 0), "\(headAlone)")
        #expect(try await db7.withTenant(t7.id) { try await $0.employee(nip: "199504042023212001")?.atasanNIP } == "198001012005011001")

        // The file places the school under a new Dinas, which has no head: its head, left out, has no one above her
        // now (listed); the teacher sent reports to her, and the other teacher is untouched.
        let (db8, t8) = try await empty("moved-unit")
        _ = try await run(db8, t8.id, Self.file())
        let elsewhere = Self.rows[2].replacingOccurrences(of: ";SD Negeri 1;Dinas Pendidikan;", with: ";SD Negeri 1;Dinas Kebudayaan;")
        let reparented = try await run(db8, t8.id, Self.file([elsewhere]))
        #expect(reparented.atasanRederived == ["198502022010012001"] && reparented.atasanNotDerived == ["198502022010012001"], "\(reparented)")
        let after8 = try await db8.withTenant(t8.id) { try await $0.employees(EmployeeFilter(limit: 10)).employees }
        let by8 = Dictionary(uniqueKeysWithValues: after8.map { ($0.nip, $0.atasanNIP) })
        #expect(by8["199003032015031001"] == .some("198502022010012001") && by8["199504042023212001"] == .some("198502022010012001"))
        #expect(by8["198502022010012001"] == .some(nil), "\(by8)")

        // Stored with NIP ATASAN: the head reports to a teacher, who reports to another, who reports to the kepala
        // dinas. The second teacher's row sent again without NIP ATASAN derives her atasan from the tree (the head),
        // and the head still reports to the first teacher, who reports to her: a loop, refused and named, nothing
        // written.
        let (db3, t3) = try await empty("loop")
        let header = Self.header + ";NIP ATASAN"
        _ = try await run(db3, t3.id, Self.file([Self.rows[0] + ";", Self.rows[1] + ";199504042023212001",
                                                  Self.rows[3] + ";199003032015031001", Self.rows[2] + ";198001012005011001"],
                                                 header: header))
        let stored = try await snapshot(db3, t3.id)
        do {
            _ = try await run(db3, t3.id, Self.file([Self.rows[2]]))
            Issue.record("a loop of atasan was accepted")
        } catch let e as ImportRejected {
            #expect(e.errors.map(\.line) == [2] && e.errors.map(\.value) == ["199003032015031001"], "\(e)")
            #expect(e.errors.first?.reason.contains("199003032015031001 -> 198502022010012001 -> 199504042023212001 -> 199003032015031001") == true, "\(e)")
        }
        #expect(try await snapshot(db3, t3.id) == stored)
    }

    @Test func unitsNamedOnlyByCodeKeepTheirNames() async throws {
        let (db, t) = try await empty("codes")
        let header = "NAMA;NIP;JENIS JABATAN;NAMA JABATAN;ESELON;KODE UNOR;NAMA UNOR;KODE UNOR INDUK;UNOR INDUK"
        let named = "Andi;198001012005011001;Struktural;Kepala Dinas;II.b;DINSOS;Dinas Sosial;DINSOS;Dinas Sosial"
        let first = try await run(db, t.id, Self.file([named], header: header))
        #expect(first.unitsNew == 1)
        let bare = "Andi;198001012005011001;Struktural;Kepala Dinas;II.b;DINSOS;;DINSOS;"
        let again = try await run(db, t.id, Self.file([bare], header: header))
        #expect(again.unitsChanged == 0 && again.unchanged == 1)
        let units = try await db.withTenant(t.id) { try await $0.orgUnits() }
        #expect(units.map(\.name) == ["Dinas Sosial"], "the name given once is kept")
        let fresh = "Budi;198502022010011001;Pelaksana;Staf;;DINKES-UPT9;;DINSOS;"
        _ = try await run(db, t.id, Self.file([bare, fresh], header: header))
        #expect(try await db.withTenant(t.id) { try await $0.orgUnits() }.contains { $0.code == "DINKES-UPT9" && $0.name == "DINKES-UPT9" })
    }

    @Test func dryRunWritesNothing() async throws {
        let (db, t) = try await empty("dry")
        let s = try await run(db, t.id, Self.file(), .init(dryRun: true))
        #expect(s.new == 4 && s.unitsNew == 2 && s.dryRun)
        #expect(try await snapshot(db, t.id).isEmpty)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var rows: [String]
        var header: String = EmployeeImportTests.header
        var line: Int
        var column: String
        var reason: String
        var testDescription: String { "\(column): \(reason)" }
    }

    static let bad: [Bad] = [
        .init(rows: rows + [rows[2].replacingOccurrences(of: "Budi", with: "Budi Lain")], line: 6, column: "NIP", reason: "more than once"),
        .init(rows: [rows[0], rows[1].replacingOccurrences(of: "198502022010012001", with: "198502022010132001")], line: 3, column: "NIP", reason: "digits 13-14"),
        .init(rows: [rows[0], rows[1].replacingOccurrences(of: ";Dinas Pendidikan;Islam", with: ";Dinas Kesehatan;Islam"), rows[2]],
              line: 4, column: "UNOR INDUK", reason: "placed under"),
        .init(rows: ["A;198001012005011001;L;01-01-1980;PNS;IV/b;Struktural;Kepala;II.b;Dinas X;Dinas X;-;198502022010012001",
                     "B;198502022010012001;P;02-02-1985;PNS;III/d;Struktural;Kepala;IV.a;Dinas X;Dinas X;-;198001012005011001"],
              header: header + ";NIP ATASAN", line: 2, column: "NIP ATASAN", reason: "cycle"),
        .init(rows: ["A;198001012005011001;L;01-01-1980;PNS;IV/b;Struktural;Kepala;II.b;Dinas X;Dinas X;-;199912312022121999"],
              header: header + ";NIP ATASAN", line: 2, column: "NIP ATASAN", reason: "neither in the file"),
        .init(rows: [], line: 2, column: "", reason: "no rows"),
        .init(rows: rows, header: "NAMA;NIP;JENIS JABATAN", line: 1, column: "NAMA JABATAN, NAMA UNOR", reason: "missing"),
    ]

    /// Each bad file with every statement joining by key (a few rows) and by hash joins alone (a large file).
    @Test(arguments: bad, [100, 0])
    func oneBadRowRejectsTheFileAndChangesNothing(_ b: Bad, joinByKeyUpTo: Int) async throws {
        let (db, t) = try await empty("bad")
        _ = try await run(db, t.id, Self.file([Self.rows[0]]))
        let before = try await snapshot(db, t.id)
        do {
            _ = try await run(db, t.id, Self.file(b.rows, header: b.header), ImportOptions(joinByKeyUpTo: joinByKeyUpTo))
            Issue.record("accepted")
        } catch let rejected as ImportRejected {
            let hit = rejected.errors.first { $0.line == b.line && $0.column == b.column }
            #expect(hit != nil, "\(rejected.errors)")
            #expect(hit?.reason.contains(b.reason) == true, "\(rejected.errors)")
        }
        #expect(try await snapshot(db, t.id) == before)
    }

    @Test func everyBadRowIsReported() async throws {
        let (db, t) = try await empty("many")
        let rows = Self.rows.map { $0.replacingOccurrences(of: ";PNS;", with: ";HONORER;") }
        await #expect(throws: ImportRejected.self) { try await run(db, t.id, Self.file(rows)) }
        do { _ = try await run(db, t.id, Self.file(rows)) } catch let r as ImportRejected {
            #expect(r.total == 3 && Set(r.errors.map(\.line)) == [2, 3, 4])
        }
    }

    /// Of more problems than are shown, the first in line order, whichever check found them: the rows' own
    /// problems (lines 4 to 1,103) come before the checks across rows (the NIP of line 2 again on line 3).
    @Test func theProblemsShownAreTheFirstLines() async throws {
        let (db, t) = try await empty("first")
        let rows = [Self.rows[0], Self.rows[0]] + (0..<1_100).map { _ in Self.rows[2].replacingOccurrences(of: ";PNS;", with: ";HONORER;") }
        do {
            _ = try await run(db, t.id, Self.file(rows))
            Issue.record("accepted")
        } catch let r as ImportRejected {
            #expect(r.total == 1_101)
            #expect(r.errors.count == ImportRejected.limit)
            #expect(r.errors.first?.line == 3 && r.errors.first?.reason.contains("more than once") == true, "\(r.errors.prefix(2))")
            #expect(r.errors.last?.line == 1_002)
            #expect(r.every == nil)
        }
        // Asked to keep them all (`import employees --errors-file`), it still shows the first 1,000 and keeps every
        // one, in line order: the later rows' own problems were dropped as the count passed 2,000 before.
        let many = [Self.rows[0], Self.rows[0]] + (0..<2_500).map { _ in Self.rows[2].replacingOccurrences(of: ";PNS;", with: ";HONORER;") }
        do {
            _ = try await run(db, t.id, Self.file(many), ImportOptions(keepEveryProblem: true))
            Issue.record("accepted")
        } catch let r as ImportRejected {
            #expect(r.total == 2_501 && r.errors.count == ImportRejected.limit && r.errors.last?.line == 1_002)
            let every = try #require(r.every)
            #expect(every.count == 2_501 && every.map(\.line) == [3] + Array(4...2_503), "\(every.prefix(3)) … \(every.suffix(2))")
            #expect(every.prefix(ImportRejected.limit).elementsEqual(r.errors))
        }
        #expect(try await snapshot(db, t.id).isEmpty)
    }

    /// With NIP ATASAN, an active employee's atasan is active after the file: an inactive one could approve no SKP.
    /// (Without it, the rule finds those employees another atasan.)
    @Test func withNIPAtasanAnActiveEmployeesAtasanStaysActive() async throws {
        let (db, t) = try await empty("inactive-atasan")
        let header = Self.header + ";NIP ATASAN;KEDUDUKAN HUKUM"
        let (andi, siti) = ("198001012005011001", "198502022010012001")
        func row(_ i: Int, atasan: String, _ status: String = "Aktif") -> String { Self.rows[i] + ";\(atasan);\(status)" }
        func refused(_ rows: [String], line: Int, column: String, reason: String) async throws {
            let before = try await snapshot(db, t.id)
            do {
                _ = try await run(db, t.id, Self.file(rows, header: header))
                Issue.record("accepted \(rows)")
            } catch let rejected as ImportRejected {
                let hit = rejected.errors.first { $0.line == line && $0.column == column }
                #expect(hit?.reason.contains(reason) == true, "\(rejected.errors)")
            }
            #expect(try await snapshot(db, t.id) == before)
        }
        _ = try await run(db, t.id, Self.file([row(0, atasan: ""), row(1, atasan: andi), row(2, atasan: siti), row(3, atasan: siti)],
                                              header: header))
        // Siti retires while the two teachers the file leaves out still report to her.
        try await refused([row(1, atasan: andi, "Pensiun")], line: 2, column: "KEDUDUKAN HUKUM",
                          reason: "makes inactive the atasan of 2 active employee(s) the file leaves out (199003032015031001)")
        // An active teacher given an atasan this file retires.
        try await refused([row(1, atasan: andi, "Pensiun"), row(2, atasan: siti), row(3, atasan: andi)], line: 3, column: "NIP ATASAN",
                          reason: "is made inactive by this file (line 2)")
        // With both teachers moved to Andi in the same file, Siti retires.
        let done = try await run(db, t.id, Self.file([row(1, atasan: andi, "Pensiun"), row(2, atasan: andi), row(3, atasan: andi)],
                                                     header: header))
        #expect(done.changed == 3)
        // A later file cannot give a teacher the retired Siti again.
        try await refused([row(2, atasan: siti)], line: 2, column: "NIP ATASAN", reason: "is an inactive employee of the city")
        // Both inactive: no one is left with an inactive atasan.
        let both = try await run(db, t.id, Self.file([row(3, atasan: siti, "Pensiun")], header: header))
        #expect(both.changed == 1)
        // A link to an inactive atasan stored before these checks (set here by the owner role) is not the file's
        // doing: sending either side again as it is passes, and so does a sync of the whole city unchanged.
        try await TestDatabase.owner().client.query("""
            update employees set atasan_nip = \(siti) where tenant_id = \(t.id.uuid) and nip = '199003032015031001'
            """, logger: TestDatabase.logger)
        let teacher = try await run(db, t.id, Self.file([row(2, atasan: siti)], header: header))
        let head = try await run(db, t.id, Self.file([row(1, atasan: andi, "Pensiun")], header: header))
        let city = try await run(db, t.id, Self.file([row(0, atasan: ""), row(1, atasan: andi, "Pensiun"), row(2, atasan: siti),
                                                      row(3, atasan: siti, "Pensiun")], header: header))
        #expect(teacher.unchanged == 1 && head.unchanged == 1 && city.unchanged == 4, "\(teacher) \(head) \(city)")
    }

    @Test func anotherCitysEmployeeIsNoAtasanHere() async throws {
        let (a, popA) = try await TestDatabase.city("imp-iso-a")
        let (db, b) = try await empty("iso-b")
        let foreign = popA.people[0].nip
        let row = "A;198001012005011001;L;01-01-1980;PNS;IV/b;Struktural;Kepala;II.b;Dinas X;Dinas X;-;\(foreign)"
        await #expect(throws: ImportRejected.self) {
            try await run(db, b.id, Self.file([row], header: Self.header + ";NIP ATASAN"))
        }
        // Importing into B leaves A as it was, even for a NIP that A also has.
        let clash = popA.people[1]
        let mine = "Orang Lain;\(clash.nip);\(clash.gender.rawValue);;\(clash.type.rawValue);;Pelaksana;Staf;;Dinas X;Dinas X;-"
        _ = try await run(db, b.id, Self.file([mine]))
        let stillA = try await db.withTenant(a.id) { try await $0.employee(nip: clash.nip) }
        #expect(stillA?.name == clash.name)
    }

    @Test func aDemoCityRoundTripsThroughTheSIASNFile() async throws {
        let (db, t) = try await empty("demo")
        let population = DemoPopulation(city: "parepare", employees: 400, seed: 3)
        let text = population.siasnLines().joined(separator: "\n") + "\n"
        let s = try await run(db, t.id, text, chunk: 4096)
        #expect(s.rows == 400 && s.new == 400)
        let again = try await run(db, t.id, text)
        #expect(again.unchanged == 400)
    }
    /// Found at 1,000,000 employees across ten cities: after importing a new city of 100,000 the statistics still
    /// said it had none (the refresh waited for 10% of the whole table to change), and its next set-based
    /// statement ran for more than 15 minutes. After an import the planner knows the city's rows.
    @Test func afterAnImportThePlannerKnowsTheCitysRows() async throws {
        let (db, t) = try await empty("stats")
        func analyses() async throws -> Int {
            try await db.withTenant(t.id) { try await $0.int("select analyze_count from pg_stat_user_tables where relid = 'employees'::regclass") }
        }
        let text = DemoPopulation(city: "stats", employees: 1_500, seed: 5).siasnLines().joined(separator: "\n") + "\n"
        let feed = Feed(bytes: Array(text.utf8), chunk: 64 * 1024)
        // What the imports before this one changed is analysed first, as the CLI and the API do (`run` too).
        try await db.refreshImportStatistics()
        let analysesBefore = try await analyses()
        let summary = try await db.withTenant(t.id) { tx in try await tx.importEmployees(options: .init(), actor: "hr", next: { await feed.next() }) }
        #expect(summary.new == 1_500)
        // The import analysed the table itself, in its own transaction (another test's import may have too).
        let analysesAfter = try await analyses()
        #expect(analysesAfter > analysesBefore, "no analysis of employees since the import began")
        let estimate = try await db.withTenant(t.id) { tx in
            var rows = 0.0
            for try await plan in try await tx.query("explain (format json) select * from employees where tenant_id = \(t.id.uuid)").decode(String.self) {
                let json = try JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [[String: Any]]
                rows = ((json?.first?["Plan"] as? [String: Any])?["Plan Rows"] as? Double) ?? 0
            }
            return rows
        }
        // The statistics come from a sample of 30,000 rows. Where the city is 1% of the table or more (a clean
        // run's database), some 300 of its rows are in the sample and the planner counts it among the table's
        // most common cities. In a database of two million employees across ten thousand test cities, the city is
        // 22 rows of the sample and is estimated as an average city (225 seen there; 976 in one of a million),
        // with or without the fault.
        let tableRows = try await db.withTenant(t.id) { try await $0.int("select reltuples::bigint from pg_class where oid = 'employees'::regclass") }
        if tableRows <= 150_000 {
            #expect(estimate >= 500, "the planner estimates \(estimate) rows for a city of 1,500 in a table of \(tableRows)")
        }
    }
}
