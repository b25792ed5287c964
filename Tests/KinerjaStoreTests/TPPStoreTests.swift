import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// Attendance and pagu imports (all or nothing), the monthly TPP against the core's rules, and the
/// discipline ladder feeding the TPP, on the real database.
@Suite struct TPPStoreTests {
    static func chunks(_ text: String) -> @Sendable () async throws -> [UInt8]? {
        let box = Box(Array(text.utf8))
        return { box.take() }
    }
    final class Box: @unchecked Sendable {
        var bytes: [UInt8]?
        let lock = NSLock()
        init(_ b: [UInt8]) { bytes = b }
        func take() -> [UInt8]? { lock.withLock { defer { bytes = nil }; return bytes } }
    }

    @Test func importsAreAllOrNothingAndNameEveryProblem() async throws {
        let db = try await TestDatabase.app()
        let (a, pop) = try await TestDatabase.city("tpp-import")
        let (_, other) = try await TestDatabase.city("tpp-import-b", seed: 99)
        let (x, y) = (pop.people[0].nip, pop.people[1].nip)
        let stranger = try #require(other.people.first { p in !pop.people.contains { $0.nip == p.nip } }).nip
        let bad = """
            NIP;TANGGAL;JENIS;MENIT;IZIN
            \(x);2026-03-02;terlambat;15;
            \(x);2026-03-02;terlambat;20;
            \(stranger);2026-03-02;tidak_hadir;;
            \(y);2026-03-32;terlambat;;
            \(y);2026-03-03;tidak_upacara;;ya
            """
        do {
            _ = try await db.withTenant(a.id) { try await $0.importAttendance(actor: "t", next: Self.chunks(bad)) }
            Issue.record("a bad file was imported")
        } catch let rejected as ImportRejected {
            #expect(rejected.errors.map(\.line) == [3, 4, 5, 6])
            #expect(rejected.errors.map(\.column) == ["NIP, TANGGAL, JENIS", "NIP", "TANGGAL", "IZIN"])
            #expect(rejected.errors[1].reason.contains("no employee"), "another city's employee is unknown here")
        }
        let count = try await db.withTenant(a.id) { tx in
            var n = 0
            for try await c in try await tx.query("select count(*)::int from attendance_events").decode(Int.self) { n = c }
            return n
        }
        #expect(count == 0, "nothing half-applied")
        let good = "NIP,TANGGAL,JENIS,MENIT\n\(x),2026-03-02,terlambat,15\n\(y),2026-03-03,tidak_upacara,\n"
        let first = try await db.withTenant(a.id) { try await $0.importAttendance(actor: "t", next: Self.chunks(good)) }
        #expect(first == SmallImportSummary(rows: 2, new: 2, changed: 0))
        let again = try await db.withTenant(a.id) { try await $0.importAttendance(actor: "t", next: Self.chunks(good)) }
        #expect(again == SmallImportSummary(rows: 2, new: 0, changed: 0))
        let corrected = try await db.withTenant(a.id) {
            try await $0.importAttendance(actor: "t", next: Self.chunks("NIP,TANGGAL,JENIS,MENIT\n\(x),2026-03-02,terlambat,40\n"))
        }
        #expect(corrected == SmallImportSummary(rows: 1, new: 0, changed: 1))
        await #expect(throws: ImportRejected.self) {
            try await db.withTenant(a.id) { try await $0.importPagu(actor: "t", next: Self.chunks("NIP,PAGU\n\(x),4500000.50\n")) }
        }
        let pagu = try await db.withTenant(a.id) { try await $0.importPagu(actor: "t", next: Self.chunks("NIP;PAGU\n\(x);4.500.000\n\(y);3500000\n")) }
        #expect(pagu == SmallImportSummary(rows: 2, new: 2, changed: 0))
    }

    /// A file of more problems than are shown counts them all, and shows the first in line order: here a duplicate
    /// found after every row was read (line 3) and 1,200 bad dates (lines 4 to 1,203).
    @Test func aFileOfManyProblemsCountsThemAllAndShowsTheFirst() async throws {
        let db = try await TestDatabase.app()
        let (a, pop) = try await TestDatabase.city("tpp-many")
        let x = pop.people[0].nip
        let lines = ["NIP;TANGGAL;JENIS;MENIT", "\(x);2026-03-02;terlambat;15", "\(x);2026-03-02;terlambat;20"]
            + (0..<1_200).map { _ in "\(x);2026-03-32;terlambat;5" }
        do {
            _ = try await db.withTenant(a.id) { try await $0.importAttendance(actor: "t", next: Self.chunks(lines.joined(separator: "\n"))) }
            Issue.record("a bad file was imported")
        } catch let rejected as ImportRejected {
            #expect(rejected.total == 1_201)
            #expect(rejected.errors.count == ImportRejected.limit)
            #expect(rejected.errors.first?.line == 3 && rejected.errors.first?.column == "NIP, TANGGAL, JENIS")
            #expect(rejected.errors.last?.line == 1_002)
            #expect(rejected.description.hasSuffix("… and 201 more"))
        }
    }

    /// Nobody is due at work on a weekend or a holiday of the city: an absence recorded then deducts nothing (the
    /// national 3% a day otherwise), and a missed ceremony on 17 August, a holiday, still does.
    /// The holidays as a profile stored before the profile's own list kept them, under `complaints`: still read.
    @Test func anAbsenceOnADayOffDeductsNothing() async throws {
        var profile = try NationalAdapter().effectiveProfile()
        profile.holidayDates = nil
        profile.complaints = .init(routingWorkingDays: 3, followUpWorkingDays: 5, closeAfterDays: 10, holidayDates: ["2026-08-17", "2026-08-25"])
        try await Self.absencesOnDaysOff(profile, "tpp-dayoff")
    }

    /// Every city has the national holidays (the national profile lists them; no adapter needs to): an absence
    /// recorded on 17 August or on Maulid Nabi (25 August 2026) deducts nothing, in Palu as in Makassar.
    @Test(arguments: ["makassar", "pematangsiantar", "banjarbaru", "palu"])
    func everyCityHasTheNationalHolidays(adapter: String) async throws {
        let profile = try #require(AdapterRegistry.named(adapter)).effectiveProfile()
        for day in [(1, 1), (2, 17), (3, 20), (8, 17), (8, 25), (12, 25)] {
            #expect(profile.holidays.contains(CivilDate(year: 2026, month: day.0, day: day.1)), "\(adapter): 2026-\(day.0)-\(day.1)")
        }
        #expect(profile.complaintRulesOrDefault.holidays.contains(CivilDate(year: 2026, month: 8, day: 17)), "\(adapter): the complaints' deadlines")
        try await Self.absencesOnDaysOff(profile, "tpp-dayoff-\(adapter.prefix(6))")
    }

    static func absencesOnDaysOff(_ profile: TenantProfile, _ label: String) async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city(label, employees: 300, profile: profile)
        let nip = TestDatabase.chain(pop).staff.nip
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.importAttendance(actor: "t", next: Self.chunks("""
                NIP,TANGGAL,JENIS,MENIT,IZIN
                \(nip),2026-08-17,tidak_upacara,,
                \(nip),2026-08-22,tidak_hadir,,
                \(nip),2026-08-25,tidak_hadir,,
                \(nip),2026-08-26,tidak_hadir,,
                """))
        }
        let rows = try await db.withTenant(city.id) { try await $0.computeTPP(year: 2026, month: 8, profile: profile, profileVersion: 1, actor: "t") }
        let staff = try #require(rows.first { $0.nip == nip })
        // Saturday 22nd and the holiday on the 25th deduct nothing; the 26th's absence and the ceremony do.
        let expected = TPPCalculation.compute(pagu: nil, capaian: nil, events: [
            Attendance.Event(nip: nip, day: CivilDate(year: 2026, month: 8, day: 17), kind: .tidakUpacara, minutes: nil),
            Attendance.Event(nip: nip, day: CivilDate(year: 2026, month: 8, day: 26), kind: .tidakHadir, minutes: nil),
        ], disciplinaryCut: 0, rules: profile.tpp)
        #expect(staff.result.disiplinDeductionPercent == expected.disiplinDeductionPercent && expected.deductions.count == 2, "\(staff.result) vs \(expected)")
    }

    @Test func theMonthsTPPFollowsTheCoreAndRunsTheSameTwice() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("tpp-month", employees: 300)
        let c = TestDatabase.chain(pop)
        let profile = try NationalAdapter().effectiveProfile()
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 10, day: 1), actor: "t")
            _ = try await tx.importPagu(actor: "t", next: Self.chunks("NIP,PAGU\n\(c.staff.nip),5000000\n"))
            _ = try await tx.importAttendance(actor: "t", next: Self.chunks("""
                NIP,TANGGAL,JENIS,MENIT,IZIN
                \(c.staff.nip),2026-12-01,terlambat,10,
                \(c.staff.nip),2026-12-02,pulang_cepat,75,
                \(c.staff.nip),2026-12-03,tidak_upacara,,
                \(c.staff.nip),2026-12-04,tidak_hadir,,ya
                \(c.staff.nip),2026-12-07,tidak_hadir,,
                \(c.staff.nip),2026-11-30,terlambat,200,
                """))
        }
        func run() async throws -> [TPPRow] {
            try await db.withTenant(city.id) { try await $0.computeTPP(year: 2026, month: 12, profile: profile, profileVersion: 1, actor: "t") }
        }
        let rows = try await run()
        #expect(rows.count == pop.people.count)
        // December covers the whole year: the month's capaian is the SKP's capaian.
        try await db.withTenant(city.id) { tx in
            for r in rows.prefix(60) {
                let skp = try await tx.skpView(nip: r.nip, year: 2026)?.capaian.skp
                #expect(abs((r.result.capaian ?? -1) - (skp ?? -2)) < 1e-6, "\(r.nip)")
            }
        }
        // The staff member's month, as the core computes it from the same inputs (November's event is not December's).
        let staff = try #require(rows.first { $0.nip == c.staff.nip })
        let events = [Attendance.Event(nip: c.staff.nip, day: CivilDate(year: 2026, month: 12, day: 1), kind: .terlambat, minutes: 10),
                      Attendance.Event(nip: c.staff.nip, day: CivilDate(year: 2026, month: 12, day: 2), kind: .pulangCepat, minutes: 75),
                      Attendance.Event(nip: c.staff.nip, day: CivilDate(year: 2026, month: 12, day: 3), kind: .tidakUpacara),
                      Attendance.Event(nip: c.staff.nip, day: CivilDate(year: 2026, month: 12, day: 4), kind: .tidakHadir, excused: true),
                      Attendance.Event(nip: c.staff.nip, day: CivilDate(year: 2026, month: 12, day: 7), kind: .tidakHadir)]
        #expect(staff.result == TPPCalculation.compute(pagu: 5_000_000, capaian: staff.result.capaian, events: events, rules: profile.tpp))
        // 0.5 + 1.25 + 2 + 3: every deduction kind, and the excused absence costs nothing.
        #expect(staff.result.disiplinDeductionPercent == 6.75 && staff.result.amount != nil)
        #expect(rows.filter { $0.nip != c.staff.nip }.allSatisfy { $0.result.amount == nil && $0.result.pagu == nil })
        // The same inputs give the same figures, stored the same.
        func stored() async throws -> [String] {
            try await db.withTenant(city.id) { tx in
                var out: [String] = []
                let q = try await tx.query("""
                    select nip || ' ' || coalesce(amount::text, '-') || ' ' || total_percent::text || ' ' || explanation::text
                    from tpp_results where year = 2026 and month = 12 order by nip
                    """)
                for try await s in q.decode(String.self) { out.append(s) }
                return out
            }
        }
        let before = try await stored()
        #expect(try await run() == rows)
        #expect(try await stored() == before && before.count == rows.count)

        // December run again after two have left: the one with figures for it keeps them, as does the one
        // with attendance in it; someone who left with neither is not paid for it.
        let gone = rows.first { $0.nip != c.staff.nip }!.nip
        let idle = try #require(pop.people.first { p in p.nip != c.staff.nip && p.nip != gone })
        try await db.withTenant(city.id) { tx in
            try await tx.query("delete from tpp_results where year = 2026 and month = 12 and nip = \(idle.nip)")
            try await tx.query("update employees set status = 'inactive' where nip in (\(c.staff.nip), \(gone), \(idle.nip))")
        }
        let again = try await run()
        #expect(again.count == rows.count - 1 && !again.contains { $0.nip == idle.nip })
        #expect(again.first { $0.nip == c.staff.nip } == staff && again.contains { $0.nip == gone })
        try await db.withTenant(city.id) { tx in
            try await tx.query("delete from tpp_results where year = 2026 and month = 12 and nip in (\(c.staff.nip), \(gone))")
        }
        let afresh = try await run()
        #expect(afresh.first { $0.nip == c.staff.nip } == staff, "December's attendance keeps the staff member in it")
        #expect(!afresh.contains { $0.nip == gone }, "neither figures nor attendance nor realisasi in December")
        // Someone who left with a clean record (no attendance lapse) but realisasi for the month's quarter is in it.
        let left = try #require(pop.people.first { p in ![c.staff.nip, gone, idle.nip].contains(p.nip) }).nip
        try await db.withTenant(city.id) { tx in
            let key = try #require(try await tx.skpInForce(nip: left, year: 2026)?.content.rhk.first?.iki.first?.key)
            _ = try await tx.reportRealisasi(nip: left, year: 2026, ikiKey: key, period: SubPeriod(kind: .quarterly, sequence: 4), value: 1,
                                             narrative: nil, evidence: [], actor: .hr("t"))
            try await tx.query("delete from tpp_results where year = 2026 and month = 12 and nip = \(left)")
            try await tx.query("update employees set status = 'inactive' where nip = \(left)")
        }
        #expect(try await run().contains { $0.nip == left }, "realisasi for Q4 keeps them in December")
    }

    /// Absence counts in the city's working days: three records, one of them on a holiday of its profile, are two
    /// absences, below the ladder's first step (DOMAIN.md: 3, teguran lisan). Without the holidays it was proposed.
    @Test func anAbsenceOnAHolidayIsNoAbsence() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("tpp-holiday", employees: 300)
        let nip = TestDatabase.chain(pop).peer.nip
        let file = "NIP,TANGGAL,JENIS\n" + ["2026-02-16", "2026-02-17", "2026-02-18"].map { "\(nip),\($0),tidak_hadir" }.joined(separator: "\n")
        let calendar = WorkingCalendar(holidays: [CivilDate(year: 2026, month: 2, day: 17)])  // Tahun Baru Imlek
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.importAttendance(actor: "t", next: Self.chunks(file))
            #expect(try await tx.scanDiscipline(year: 2026, calendar: calendar, actor: "t").isEmpty)
            let without = try await tx.scanDiscipline(year: 2026, actor: "t")
            #expect(without.map(\.step) == [.teguranLisan] && without[0].absenceDays == 3, "a calendar without the holiday counts it")
        }
    }

    /// The official may dismiss a proposed case after the examination: it is then closed with its note, has no
    /// cut (one asked for is refused), cannot be decided again, and the TPP of the months after it is whole.
    @Test func aDismissedCaseCutsNothing() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("tpp-dismiss", employees: 300)
        let c = TestDatabase.chain(pop)
        let profile = try NationalAdapter().effectiveProfile()
        // Eleven scattered working days: the 6-month cut.
        let days = ["2026-02-02", "2026-02-04", "2026-02-06", "2026-03-02", "2026-03-04", "2026-03-06", "2026-03-10", "2026-03-12",
                    "2026-03-16", "2026-03-18", "2026-03-20"]
        let file = "NIP,TANGGAL,JENIS\n" + days.map { "\(c.staff.nip),\($0),tidak_hadir" }.joined(separator: "\n")
        let proposed = try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.importAttendance(actor: "t", next: Self.chunks(file))
            return try await tx.scanDiscipline(year: 2026, actor: "t")
        }
        let cut = try #require(proposed.first)
        #expect(proposed.count == 1 && cut.step == .potongan6 && cut.absenceDays == 11, "\(proposed.map { ($0.step, $0.absenceDays) })")
        try await db.withTenant(city.id) { tx in
            await #expect(throws: StoreError.invalid("a dismissed case has no TPP cut: leave out the first month")) {
                _ = try await tx.decideDiscipline(id: cut.id, impose: false, note: "surat keterangan sakit", cutFrom: (2026, 4), actor: "t")
            }
            await #expect(throws: StoreError.self) { _ = try await tx.decideDiscipline(id: cut.id, impose: false, note: "  ", cutFrom: nil, actor: "t") }
        }
        let dismissed = try await db.withTenant(city.id) { tx in
            try await tx.decideDiscipline(id: cut.id, impose: false, note: "Hasil pemeriksaan: sakit, surat dokter menyusul", cutFrom: nil, actor: "bkpsdm")
        }
        #expect(dismissed.status == "dismissed" && dismissed.cutFrom == nil && dismissed.cutMonths == nil)
        try await db.withTenant(city.id) { tx in
            await #expect(throws: StoreError.state("discipline case \(cut.id) is already dismissed")) {
                _ = try await tx.decideDiscipline(id: cut.id, impose: true, note: "SK", cutFrom: (2026, 4), actor: "t")
            }
            let entries = try await tx.auditEntries(.init(subject: "\(c.staff.nip)*", action: "discipline.*", limit: 10))
            #expect(entries.map(\.action) == ["discipline.dismiss"] && entries.allSatisfy { $0.subject == "\(c.staff.nip)/2026" && $0.actor == "bkpsdm" })
            #expect(entries.first?.detail.contains("surat dokter") == true && entries.first?.detail.contains("cut_from") == false)
        }
        for month in [4, 6, 9] {
            let rows = try await db.withTenant(city.id) { try await $0.computeTPP(year: 2026, month: month, profile: profile, profileVersion: 1, actor: "t") }
            let staff = try #require(rows.first { $0.nip == c.staff.nip })
            #expect(staff.result.cutPercent == 0, "month \(month)")
        }
    }

    @Test func disciplineIsProposedStepByStepAndAnImposedCutReachesTheTPP() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("tpp-discipline", employees: 300)
        let (other, _) = try await TestDatabase.city("tpp-discipline-b")
        let c = TestDatabase.chain(pop)
        let profile = try NationalAdapter().effectiveProfile()
        // Three scattered absences (teguran lisan), then eight more: 11, the 6-month cut, past two steps never proposed.
        let days = ["2026-02-02", "2026-02-04", "2026-02-06"], more = ["2026-03-02", "2026-03-04", "2026-03-06", "2026-03-10", "2026-03-12",
                                                                         "2026-03-16", "2026-03-18", "2026-03-20"]
        func absent(_ d: [String]) -> String { "NIP,TANGGAL,JENIS\n" + d.map { "\(c.staff.nip),\($0),tidak_hadir" }.joined(separator: "\n") }
        let (lisan, cut) = try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.importAttendance(actor: "t", next: Self.chunks(absent(days)))
            let lisan = try await tx.scanDiscipline(year: 2026, actor: "t")
            _ = try await tx.importAttendance(actor: "t", next: Self.chunks(absent(more)))
            let cut = try await tx.scanDiscipline(year: 2026, actor: "t")
            #expect(try await tx.scanDiscipline(year: 2026, actor: "t").isEmpty, "a scan again proposes nothing new")
            return (lisan, cut)
        }
        #expect(lisan.map(\.step) == [.teguranLisan] && lisan[0].skipped.isEmpty && lisan[0].absenceDays == 3)
        #expect(cut.map(\.step) == [.potongan6] && cut[0].skipped == [.teguranTertulis, .pernyataanTidakPuas] && cut[0].absenceDays == 11)
        // Another city neither sees nor decides the case.
        try await db.withTenant(other.id) { tx in
            let seen = try await tx.disciplineCases(year: 2026)
            #expect(seen.isEmpty)
            await #expect(throws: StoreError.notFound(what: "discipline case", key: String(cut[0].id))) {
                _ = try await tx.decideDiscipline(id: cut[0].id, impose: true, note: "x", cutFrom: (2026, 4), actor: "t")
            }
        }
        try await db.withTenant(city.id) { tx in
            await #expect(throws: StoreError.self) { _ = try await tx.decideDiscipline(id: cut[0].id, impose: true, note: "SK 1", cutFrom: nil, actor: "t") }
            await #expect(throws: StoreError.self) { _ = try await tx.decideDiscipline(id: cut[0].id, impose: true, note: " ", cutFrom: (2026, 4), actor: "t") }
            await #expect(throws: StoreError.self) { _ = try await tx.decideDiscipline(id: lisan[0].id, impose: true, note: "SK 0", cutFrom: (2026, 4), actor: "t") }
            // A cut of 2026's absences starting in year 26 (a two-digit year) or before 2026 never reaches a payroll run.
            for wrong in [(26, 4), (2019, 1), (2029, 1)] {
                await #expect(throws: StoreError.invalid("the cut cannot start in \(String(format: "%04d", wrong.0))-0\(wrong.1): case \(cut[0].id) is about absences of 2026, so its cut starts between 2026-01 and 2028-12")) {
                    _ = try await tx.decideDiscipline(id: cut[0].id, impose: true, note: "SK 1", cutFrom: wrong, actor: "t")
                }
            }
            _ = try await tx.decideDiscipline(id: lisan[0].id, impose: true, note: "teguran lisan oleh atasan", cutFrom: nil, actor: "t")
            let imposed = try await tx.decideDiscipline(id: cut[0].id, impose: true, note: "SK Wali Kota 800/1/2026", cutFrom: (2026, 4), actor: "t")
            #expect(imposed.status == "imposed" && imposed.cutFrom == "2026-04-01" && imposed.cutMonths == 6)
            await #expect(throws: StoreError.self) { _ = try await tx.decideDiscipline(id: cut[0].id, impose: false, note: "x", cutFrom: nil, actor: "t") }
        }
        // Three more absences (and one on a Sunday, which does not count): 14 days, the 9-month cut, imposed from
        // June, overlapping the first. The cut stays 25%, never 50%.
        try await db.withTenant(city.id) { tx in
            _ = try await tx.importAttendance(actor: "t", next: Self.chunks(absent(["2026-05-04", "2026-05-06", "2026-05-08", "2026-05-10"])))
            let nine = try await tx.scanDiscipline(year: 2026, actor: "t")
            #expect(nine.map(\.step) == [.potongan9] && nine[0].absenceDays == 14)
            _ = try await tx.decideDiscipline(id: nine[0].id, impose: true, note: "SK Wali Kota 800/2/2026", cutFrom: (2026, 6), actor: "t")
            // The decisions are found by the person, as HR look them up (audit log --entity NIP*), with the case.
            let theirs = try await tx.auditEntries(.init(subject: "\(c.staff.nip)*", limit: 100)).filter { $0.action.hasPrefix("discipline.") }
            #expect(theirs.count == 3 && theirs.allSatisfy { $0.subject == "\(c.staff.nip)/2026" }, "\(theirs.map(\.subject))")
            #expect(theirs.contains { $0.detail.contains("\"case\": \"\(nine[0].id)\"") || $0.detail.contains("\"case\":\"\(nine[0].id)\"") })
        }
        // April to September carry the 25% cut (June to September under both decisions); March does not; the
        // second cut runs until February.
        for (month, expected) in [(3, 0.0), (4, 25.0), (6, 25.0), (9, 25.0), (10, 25.0)] {
            let rows = try await db.withTenant(city.id) { try await $0.computeTPP(year: 2026, month: month, profile: profile, profileVersion: 1, actor: "t") }
            let staff = try #require(rows.first { $0.nip == c.staff.nip })
            #expect(staff.result.cutPercent == expected, "month \(month)")
        }
    }
}
