import Foundation
import KinerjaAdapters
import KinerjaCore
@testable import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// Complaints in: all or nothing, officers and OPDs of the city only, a ticket again updated; out: the
/// responsiveness per OPD and officer for a period.
@Suite struct ComplaintStoreTests {
    static func csv(_ lines: [String]) -> () async throws -> [UInt8]? {
        var sent = false
        let text = (["NOMOR TIKET;TANGGAL DITERIMA;OPD;NIP PETUGAS;TANGGAL DITERUSKAN;TANGGAL TINDAK LANJUT;TANGGAL SELESAI;JUDUL"] + lines)
            .joined(separator: "\r\n") + "\r\n"
        return { defer { sent = true }; return sent ? nil : Array(text.utf8) }
    }

    @Test func importIsAllOrNothingAndTheReportCountsOnTime() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("complaints")
        let (other, otherPop) = try await TestDatabase.city("complaints-other")
        let mine = Set(pop.people.map(\.nip))
        let officer = pop.people[5], stranger = try #require(otherPop.people.first { !mine.contains($0.nip) })
        let opd = try #require(pop.units.first { $0.id == officer.unit && $0.parent == nil } ?? pop.units.first { $0.parent == nil }).code
        let profile = try NationalAdapter().effectiveProfile()
        _ = try await db.withTenant(city.id) { try await $0.openYear(2026, cadence: .monthly, actor: "t") }

        // An officer of another city, an OPD that is not one: the file is refused whole.
        let bad = try await db.withTenant(city.id) { tx -> ImportRejected? in
            do {
                _ = try await tx.importComplaints(actor: "t", next: Self.csv([
                    "LAPOR-1;2026-03-02;\(opd);\(officer.nip);2026-03-05;2026-03-12;;Jalan rusak",
                    "LAPOR-2;2026-03-02;\(opd);\(stranger.nip);2026-03-05;;;Lampu mati",
                    "LAPOR-3;2026-03-02;TIDAK-ADA;;2026-03-03;;;Sampah",
                ]))
                return nil
            } catch let e as ImportRejected { return e }
        }
        #expect(Set(bad?.errors.map(\.line) ?? []) == [3, 4], "\(bad?.errors ?? [])")
        #expect(try await db.withTenant(city.id) { try await $0.complaints(from: CivilDate(iso: "2026-01-01")!, until: CivilDate(iso: "2026-12-31")!) }.isEmpty)

        let first = try await db.withTenant(city.id) { tx in
            try await tx.importComplaints(actor: "t", next: Self.csv([
                "LAPOR-1;2026-03-02;\(opd);\(officer.nip);2026-03-05;2026-03-12;;Jalan rusak",   // on time
                "LAPOR-2;2026-03-02;\(opd);\(officer.nip);2026-03-05;;;Lampu mati",              // not yet
            ]))
        }
        #expect(first.new == 2)
        // The second ticket again, now followed up late (7 working days): updated, not added.
        let again = try await db.withTenant(city.id) { tx in
            try await tx.importComplaints(actor: "t", next: Self.csv(["LAPOR-2;2026-03-02;\(opd);\(officer.nip);2026-03-05;2026-03-16;;Lampu mati"]))
        }
        #expect(again.new == 0 && again.changed == 1)

        let rows = try await db.withTenant(city.id) { tx in
            try await tx.complaintRows(ReportScope(year: 2026, period: "M3"), profile: profile, asOf: CivilDate(iso: "2026-12-01")!)
        }
        let byOPD = try #require(rows.first { $0["petugas"] == ReportValue.none })
        let byOfficer = try #require(rows.first { $0["petugas"] == .text(officer.nip) })
        for r in [byOPD, byOfficer] {
            #expect(r["pengaduan"] == .integer(2) && r["ditindaklanjutiTepatWaktu"] == .integer(1) && r["persenTepatWaktu"] == .number(50))
        }
        #expect(byOfficer["nama"] == .text(officer.name))

        // Sent again with only what it adds (closed on the 20th): the routing, the follow-up and the subject stay.
        let closing = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(["LAPOR-2;2026-03-02;;;;;2026-03-20;"])) }
        #expect(closing.changed == 1)
        let closed = try await db.withTenant(city.id) { try await $0.complaint(trackingID: "LAPOR-2") }
        #expect(closed == Complaints.Complaint(trackingID: "LAPOR-2", received: CivilDate(iso: "2026-03-02")!, opd: opd, officerNIP: officer.nip,
                                               routed: CivilDate(iso: "2026-03-05"), followedUp: CivilDate(iso: "2026-03-16"),
                                               closed: CivilDate(iso: "2026-03-20"), subject: "Lampu mati"), "\(String(describing: closed))")
        // Routed elsewhere, later than its follow-up: the new routing whole, and the follow-up (the earlier
        // officer's) goes; the subject stays.
        let elsewhere = pop.people[6].nip
        _ = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(["LAPOR-1;2026-03-02;\(opd);\(elsewhere);2026-03-13;;;"])) }
        let moved = try await db.withTenant(city.id) { try await $0.complaint(trackingID: "LAPOR-1") }
        #expect(moved == Complaints.Complaint(trackingID: "LAPOR-1", received: CivilDate(iso: "2026-03-02")!, opd: opd, officerNIP: elsewhere,
                                              routed: CivilDate(iso: "2026-03-13"), followedUp: nil, closed: nil, subject: "Jalan rusak"),
                "\(String(describing: moved))")
        // The same OPD again without a day of routing (an older message), or with the same day and no officer (a
        // retry): not a new routing, all of it stays.
        for line in ["LAPOR-1;2026-03-02;\(opd);;;;;", "LAPOR-1;2026-03-02;\(opd);;2026-03-13;;;"] {
            _ = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv([line])) }
            #expect(try await db.withTenant(city.id) { try await $0.complaint(trackingID: "LAPOR-1") } == moved, "\(line)")
        }
        // The day of receipt corrected to a later one: steps kept from before that now fall before it go (the
        // routing, and the follow-up with it), the close after it stays; nothing is stored out of order.
        let later = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(["LAPOR-2;2026-03-10;;;;;;"])) }
        #expect(later.changed == 1)
        let redated = try await db.withTenant(city.id) { try await $0.complaint(trackingID: "LAPOR-2") }
        #expect(redated == Complaints.Complaint(trackingID: "LAPOR-2", received: CivilDate(iso: "2026-03-10")!, opd: opd, officerNIP: officer.nip,
                                                routed: nil, followedUp: nil, closed: CivilDate(iso: "2026-03-20"), subject: "Lampu mati"),
                "\(String(describing: redated))")
        // Another city's transaction sees none of it.
        let seen = try await db.withTenant(other.id) { tx in
            try await tx.complaints(from: CivilDate(iso: "2026-01-01")!, until: CivilDate(iso: "2026-12-31")!)
        }
        #expect(seen.isEmpty)
    }

    /// A ticket is judged as it will stand with the steps stored before: a follow-up sent alone for a ticket routed
    /// before is recorded (the spec: a tracking id sent again records its later steps and keeps those it leaves
    /// out); one for a ticket never routed is refused, and so is a close before the routing stored. Through the
    /// API's batch each is an item's answer, through the file the file is refused naming the line.
    @Test func aLaterStepAloneIsJudgedWithTheStoredTicket() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("complaints-steps")
        let officer = pop.people[5]
        let opd = try #require(pop.units.first { $0.id == officer.unit && $0.parent == nil } ?? pop.units.first { $0.parent == nil }).code
        _ = try await db.withTenant(city.id) { tx in
            try await tx.importComplaints(actor: "t", next: Self.csv([
                "STEP-1;2026-03-02;\(opd);\(officer.nip);2026-03-03;;;Routed, not followed up",
                "STEP-2;2026-03-02;;;;;;Received only",
                "STEP-3;2026-03-02;\(opd);\(officer.nip);2026-03-09;;;Routed on the 9th",
                "STEP-5;2026-03-02;\(opd);\(officer.nip);2026-03-02;;2026-03-05;Closed, then sent on again",
            ]))
        }
        func item(_ fields: [String: String]) -> [String: String] { fields.merging(["TANGGAL DITERIMA": "2026-03-02"]) { a, _ in a } }
        let (results, _) = try await db.withTenant(city.id) { tx in
            try await tx.ingestComplaints([
                item(["NOMOR TIKET": "STEP-1", "TANGGAL TINDAK LANJUT": "2026-03-06"]),
                item(["NOMOR TIKET": "STEP-2", "TANGGAL TINDAK LANJUT": "2026-03-06"]),
                item(["NOMOR TIKET": "STEP-3", "TANGGAL SELESAI": "2026-03-05"]),
                item(["NOMOR TIKET": "STEP-4", "TANGGAL TINDAK LANJUT": "2026-03-06"]),
                item(["NOMOR TIKET": "STEP-5", "OPD": opd, "TANGGAL DITERUSKAN": "2026-03-10"]),
            ], allOrNothing: false, actor: "t")
        }
        #expect(results.map(\.accepted) == [true, false, false, false, true], "\(results)")
        #expect(results[1].reason?.contains("followed up but never routed") == true, "\(results[1])")
        #expect(results[2].reason?.contains("TANGGAL SELESAI") == true && results[2].reason?.contains("TANGGAL DITERUSKAN (2026-03-09)") == true,
                "\(results[2])")
        #expect(results[3].reason?.contains("followed up but never routed") == true, "a new ticket: \(results[3])")
        let stored = try await db.withTenant(city.id) { tx in
            try await tx.complaints(from: CivilDate(iso: "2026-03-01")!, until: CivilDate(iso: "2026-03-31")!)
        }
        let one = try #require(stored.first { $0.trackingID == "STEP-1" })
        #expect(one.routed == CivilDate(iso: "2026-03-03") && one.followedUp == CivilDate(iso: "2026-03-06") && one.officerNIP == officer.nip,
                "the follow-up recorded, the routing kept: \(one)")
        #expect(stored.first { $0.trackingID == "STEP-2" }?.followedUp == nil)
        #expect(stored.first { $0.trackingID == "STEP-3" }?.closed == nil)
        #expect(!stored.contains { $0.trackingID == "STEP-4" })
        let five = try #require(stored.first { $0.trackingID == "STEP-5" })
        #expect(five.routed == CivilDate(iso: "2026-03-10") && five.closed == nil, "routed again after its close: open again, \(five)")

        // The file: refused whole, the line named.
        let refused = try await db.withTenant(city.id) { tx -> ImportRejected? in
            do {
                _ = try await tx.importComplaints(actor: "t", next: Self.csv([
                    "STEP-1;2026-03-02;;;;;2026-03-10;",
                    "STEP-2;2026-03-02;;;;2026-03-06;;",
                ]))
                return nil
            } catch let e as ImportRejected { return e }
        }
        #expect(refused?.errors.map(\.line) == [3] && refused?.errors.first?.column == "TANGGAL TINDAK LANJUT", "\(refused?.errors ?? [])")
    }

    /// An officer whose approved SKP holds Makassar's complaint indicator (and that IKI's key), one whose SKP does
    /// not, and the city's top unit.
    static func officers(_ db: KinerjaDatabase, _ city: Tenant) async throws -> (officer: String, iki: UUID, other: String, topOPD: String) {
        let (officer, iki, other) = try await db.withTenant(city.id) { tx -> (String, UUID, String) in
            var found: (String, UUID)?
            for try await r in try await tx.query("""
                select i.nip, i.iki_key from skp_iki i
                where i.tenant_id = \(city.id.uuid) and i.template_id = 'respons-pengaduan' order by i.nip limit 1
                """).decode((String, UUID).self) { found = r }
            var without = ""
            for try await n in try await tx.query("""
                select e.nip from employees e where e.tenant_id = \(city.id.uuid) and not exists (
                    select 1 from skp_iki i where i.tenant_id = e.tenant_id and i.nip = e.nip and i.template_id = 'respons-pengaduan')
                order by e.nip limit 1
                """).decode(String.self) { without = n }
            let f = try #require(found)
            return (f.0, f.1, without)
        }
        let topOPD = try await db.withTenant(city.id) { tx in
            try await tx.orgUnits().first { $0.parentID == nil }!.code
        }
        return (officer, iki, other, topOPD)
    }

    /// The month's TPP reads the hook's figure as of today, as the evaluation does: a complaint not followed up
    /// becomes overdue as days pass, and no import comes to say so. Here the figure stored is one the hook wrote
    /// before the ticket was due; the TPP of the month brings it up to date before it reads it.
    @Test func theMonthsTPPReadsTheHooksFigureAsOfToday() async throws {
        let db = try await TestDatabase.admin()
        let profile = try #require(AdapterRegistry.named("makassar")).effectiveProfile()
        let (city, _) = try await TestDatabase.city("complaint-hook-tpp", employees: 300, profile: profile)
        _ = try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .monthly, actor: "t")
            return try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t")
        }
        let (officer, iki, _, topOPD) = try await Self.officers(db, city)
        // Routed Thursday 26 March, never followed up: due 2 April, so late today.
        _ = try await db.withTenant(city.id) { tx in
            try await tx.importComplaints(actor: "t", next: Self.csv(["MKS-4;2026-03-25;\(topOPD);\(officer);2026-03-26;;;Drainase tersumbat"]))
        }
        func march() async throws -> (Double?, String) {
            try await db.withTenant(city.id) { tx in
                var out: (Double?, String) = (nil, "")
                for try await r in try await tx.query("""
                    select value::float8, reported_by from realisasi where tenant_id = \(city.id.uuid) and nip = \(officer)
                      and iki_key = \(iki) and period_kind = 'monthly' and period_seq = 3
                    """).decode((Double?, String).self) { out = r }
                return out
            }
        }
        #expect(try await march().0 == 0, "0 of 1 on time")
        // As the hook left it on 31 March, when the ticket was not due yet: nothing late, the figure 100.
        try await db.withTenant(city.id) { tx in
            try await tx.query("update realisasi set value = 100 where tenant_id = \(city.id.uuid) and nip = \(officer) and iki_key = \(iki) and period_kind = 'monthly' and period_seq = 3")
        }
        _ = try await db.withTenant(city.id) { try await $0.computeTPP(year: 2026, month: 3, profile: profile, profileVersion: 1, actor: "hr") }
        let after = try await march()
        #expect(after.0 == 0, "the TPP of March brought the figure up to date: \(after)")
        #expect(after.1 == "hook:complaintResponsiveness (hr)")
    }

    /// Makassar's hook: each responsible officer's realisasi of the profile's complaint indicator, from the
    /// complaints of the month (DOMAIN.md: followed up within 5 working days of routing; the city's holidays are
    /// not working days).
    @Test func makassarsHookTurnsAnOfficersComplaintsIntoRealisasi() async throws {
        let db = try await TestDatabase.admin()
        let profile = try #require(AdapterRegistry.named("makassar")).effectiveProfile()
        #expect(profile.complaints?.indicator == "respons-pengaduan")
        let (city, _) = try await TestDatabase.city("complaint-hook", employees: 300, profile: profile)
        _ = try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .monthly, actor: "t")
            return try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t")
        }
        let (officer, iki, other, topOPD) = try await Self.officers(db, city)
        let lines = [
            // Routed on Tuesday 3 March, followed up on Monday the 9th: 4 working days, on time.
            "MKS-1;2026-03-02;\(topOPD);\(officer);2026-03-03;2026-03-09;;Jalan berlubang",
            // Followed up on Thursday the 12th: 7 working days, late.
            "MKS-2;2026-03-02;\(topOPD);\(officer);2026-03-03;2026-03-12;;Lampu jalan mati",
            // Routed Monday the 16th, followed up Wednesday the 25th: 5 working days, as Nyepi (the 19th) and Idul
            // Fitri (20-21) are holidays in the profile; 7 without them.
            "MKS-3;2026-03-13;\(topOPD);\(officer);2026-03-16;2026-03-25;;Sampah menumpuk",
            // Routed the 26th and never followed up: due 2 April, after the month; past by now, so late. It counts
            // as one followed up late would (judged today, not on the month's last day, when it was not yet due).
            "MKS-4;2026-03-25;\(topOPD);\(officer);2026-03-26;;;Drainase tersumbat",
            // Someone with complaints but no such IKI: measured, nothing to write.
            "MKS-5;2026-03-02;\(topOPD);\(other);2026-03-03;2026-03-04;;Pohon tumbang",
            // Routed to an officer, but the day of routing not sent: their 5 days never started (not counted for them).
            "MKS-6;2026-03-02;\(topOPD);\(officer);;;;Jembatan retak",
        ]
        /// The file imported, or nil (recorded as an issue, with the rows' problems) when it was refused.
        func imported(_ file: [String]) async throws -> SmallImportSummary? {
            do {
                return try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(file)) }
            } catch let e as ImportRejected {
                Issue.record("the file was refused: \(e.errors)")
                return nil
            }
        }
        // Another city holds a ticket of the same number, received in January: this city's import neither
        // reads its date nor looks at January.
        let (neighbour, _) = try await TestDatabase.city("complaint-hook-other")
        _ = try await db.withTenant(neighbour.id) { tx in
            try await tx.importComplaints(actor: "t", next: Self.csv(["MKS-1;2026-01-05;;;;;;Kota lain"]))
        }
        guard let first = try await imported(lines) else { return }
        #expect(first.new == 6)
        #expect(first.notes == ["complaint hook, respons-pengaduan for M3 2026: 1 officer(s) measured, 1 realisasi written, 0 unchanged, "
                                + "1 officer(s) without the IKI in an approved SKP"], "\(first.notes)")
        func realisasi() async throws -> [(Double?, String?, String)] {
            try await db.withTenant(city.id) { tx in
                var out: [(Double?, String?, String)] = []
                for try await r in try await tx.query("""
                    select value::float8, narrative, reported_by from realisasi where tenant_id = \(city.id.uuid) and nip = \(officer)
                      and iki_key = \(iki) and period_kind = 'monthly' and period_seq = 3
                    """).decode((Double?, String?, String).self) { out.append(r) }
                return out
            }
        }
        let written = try await realisasi()
        #expect(written.count == 1)
        #expect(written.first?.0 == 50, "2 of the 4 that count, on time")
        // Late: MKS-2 followed up late, MKS-4 not followed up by its due day.
        #expect(written.first?.1 == "Dihitung dari pengaduan SP4N-LAPOR!: 2 dari 4 pengaduan ditindaklanjuti dalam 5 hari kerja (terlambat 2)")
        #expect(written.first?.2 == "hook:complaintResponsiveness (t)")

        // The same file again: nothing new to write.
        let again = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(lines)) }
        #expect(again.notes.first?.contains("0 realisasi written, 1 unchanged") == true, "\(again.notes)")
        // The late one followed up sooner after all (a corrected ticket): the realisasi follows.
        let corrected = try await db.withTenant(city.id) { tx in
            try await tx.importComplaints(actor: "t", next: Self.csv(["MKS-2;2026-03-02;\(topOPD);\(officer);2026-03-03;2026-03-10;;Lampu jalan mati"]))
        }
        #expect(corrected.notes.first?.contains("1 realisasi written") == true)
        #expect(try await realisasi().first?.0 == 75)

        // Every ticket that counted for the officer routed to someone else (who has no such IKI): the figure the
        // hook wrote is withdrawn, not left standing, and said so once.
        let rerouted = lines.prefix(4).map { $0.replacingOccurrences(of: ";\(officer);", with: ";\(other);") }
        let moved = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(rerouted)) }
        #expect(moved.notes == ["complaint hook, respons-pengaduan for M3 2026: 0 officer(s) measured, 0 realisasi written, 0 unchanged, "
                                + "1 officer(s) without the IKI in an approved SKP, 1 figure(s) withdrawn (no complaint counts for the officer any more)"],
                "\(moved.notes)")
        let withdrawn = try await realisasi()
        #expect(withdrawn.count == 1 && withdrawn.first?.0 == nil, "\(withdrawn)")
        #expect(withdrawn.first?.1 == TenantTransaction.withdrawnNarrative)
        #expect(withdrawn.first?.2 == "hook:complaintResponsiveness (t)")
        // The audit log says it was a withdrawal, and why, next to the realisasi's own correction.
        let entries = try await db.withTenant(city.id) { tx in
            var out: [(String, String, String?, String?, String?)] = []
            for try await r in try await tx.query("""
                select action, actor, detail->>'reason', detail->>'period', detail->>'indicator' from audit_log
                where tenant_id = \(city.id.uuid) and subject = \(officer + "/2026")
                  and action in ('realisasi.correct', \(TenantTransaction.withdrawalAction)) order by entry_id desc limit 2
                """).decode((String, String, String?, String?, String?).self) { out.append(r) }
            return out
        }
        #expect(entries.map(\.0) == [TenantTransaction.withdrawalAction, "realisasi.correct"], "\(entries)")
        #expect(entries.first?.1 == "hook:complaintResponsiveness (t)")
        #expect(entries.first?.2 == "no complaint counts for the officer in the period any more")
        #expect(entries.first?.3 == "M3" && entries.first?.4 == "respons-pengaduan", "\(entries)")
        let movedAgain = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(rerouted)) }
        #expect(movedAgain.notes.first?.contains("withdrawn") == false, "withdrawn once: \(movedAgain.notes)")
        // Routed back: the figure returns.
        let back = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(lines)) }
        #expect(back.notes.first?.contains("1 realisasi written") == true, "\(back.notes)")
        #expect(try await realisasi().first?.0 == 50)

        // The officer's tickets received in February after all (corrected dates): March's figure is withdrawn,
        // since no complaint counts for the officer there any more, and corrected back it returns.
        let february = lines.prefix(4).map { line in
            var fields = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            fields[1] = "2026-02-27"
            return fields.joined(separator: ";")
        }
        guard let redated = try await imported(february) else { return }
        #expect(redated.changed == 4)
        #expect(redated.notes.count == 2 && redated.notes.first?.contains("for M2 2026") == true, "\(redated.notes)")
        #expect(redated.notes.last == "complaint hook, respons-pengaduan for M3 2026: 0 officer(s) measured, 0 realisasi written, 0 unchanged, "
                + "1 officer(s) without the IKI in an approved SKP, 1 figure(s) withdrawn (no complaint counts for the officer any more)",
                "\(redated.notes)")
        #expect(try await realisasi().first?.0 == nil)
        let redatedBack = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(lines)) }
        #expect(redatedBack.notes.count == 2 && redatedBack.notes.first?.contains("for M2 2026") == true
                && redatedBack.notes.first?.contains("1 figure(s) withdrawn") == true, "February's figure withdrawn: \(redatedBack.notes)")
        #expect(redatedBack.notes.last?.contains("1 realisasi written") == true, "\(redatedBack.notes)")
        #expect(try await realisasi().first?.0 == 50)

        // A figure someone else wrote since is theirs: the hook does not withdraw it.
        try await db.withTenant(city.id) { tx in
            try await tx.query("update realisasi set reported_by = 'hr:siti' where tenant_id = \(city.id.uuid) and nip = \(officer) and iki_key = \(iki) and period_kind = 'monthly' and period_seq = 3")
        }
        let movedOnceMore = try await db.withTenant(city.id) { try await $0.importComplaints(actor: "t", next: Self.csv(rerouted)) }
        #expect(movedOnceMore.notes.first?.contains("withdrawn") == false, "\(movedOnceMore.notes)")
        #expect(try await realisasi().first?.0 == 50)

        // A ticket followed up in January 2027, which the profile's holiday list does not reach yet: said so
        // (New Year's Day would otherwise count as a working day unseen).
        let january = try await db.withTenant(city.id) { tx in
            try await tx.importComplaints(actor: "t", next: Self.csv(["MKS-9;2026-12-28;\(topOPD);\(officer);2026-12-28;2027-01-05;;Banjir"]))
        }
        #expect(january.notes.count == 1 && january.notes[0].contains("for M12 2026")
                && january.notes[0].hasSuffix("; the profile lists no holiday in 2027 (holidayDates): every weekday there counted as a working day"),
                "\(january.notes)")
        #expect(!(redatedBack.notes.last ?? "").contains("no holiday"), "March is within the list")

        // Judged after the year's end, March's tickets never followed up were settled on their due days in 2026:
        // no word of 2027's holidays for them.
        let afterTheYear = try await db.withTenant(city.id) { tx in
            try await tx.applyComplaintHook(days: [CivilDate(iso: "2026-03-25")!], profile: profile, asOf: CivilDate(iso: "2027-01-15")!, actor: "t")
        }
        #expect(afterTheYear.count == 1 && !afterTheYear[0].summary.contains("no holiday"), "\(afterTheYear.map(\.summary))")

        // A city without the hook: complaints are reported on, no realisasi from them.
        let national = try NationalAdapter().effectiveProfile()
        #expect(!national.hooks.contains(TenantTransaction.complaintHook))
    }

    /// Isolation: a tracking id is its city's. A follow-up alone for a ticket that only another city routed is
    /// judged as a ticket never routed, through the batch and the file, and the other city's ticket is unchanged.
    @Test func anotherCitysTicketIsNeverMergedWith() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("complaints-iso-a")
        let (b, popB) = try await TestDatabase.city("complaints-iso-b")
        let officer = popB.people[5]
        let opd = try #require(popB.units.first { $0.parent == nil }).code
        _ = try await db.withTenant(b.id) { tx in
            try await tx.importComplaints(actor: "t", next: Self.csv(["ISO-1;2026-03-02;\(opd);\(officer.nip);2026-03-03;;;Routed in B"]))
        }
        let before = try await db.withTenant(b.id) { try await $0.complaints(from: CivilDate(iso: "2026-03-01")!, until: CivilDate(iso: "2026-03-31")!) }
        let (results, _) = try await db.withTenant(a.id) { tx in
            try await tx.ingestComplaints([["NOMOR TIKET": "ISO-1", "TANGGAL DITERIMA": "2026-03-02", "TANGGAL TINDAK LANJUT": "2026-03-06"]],
                                          allOrNothing: false, actor: "t")
        }
        #expect(results.map(\.accepted) == [false] && results[0].reason?.contains("followed up but never routed") == true, "\(results)")
        let refused = try await db.withTenant(a.id) { tx -> ImportRejected? in
            do {
                _ = try await tx.importComplaints(actor: "t", next: Self.csv(["ISO-1;2026-03-02;;;;2026-03-06;;"]))
                return nil
            } catch let e as ImportRejected { return e }
        }
        #expect(refused?.errors.first?.reason.contains("never routed") == true, "\(refused?.errors ?? [])")
        let after = try await db.withTenant(b.id) { try await $0.complaints(from: CivilDate(iso: "2026-03-01")!, until: CivilDate(iso: "2026-03-31")!) }
        #expect(after == before, "B's ticket unchanged")
        #expect(try await db.withTenant(a.id) { try await $0.complaints(from: CivilDate(iso: "2026-03-01")!, until: CivilDate(iso: "2026-03-31")!) }.isEmpty)
    }
}

/// The hook's line, as the CLI prints it, names each refused write and whether it was a withdrawal (the API
/// answer carries the same as fields). A refusal needs a period closed between the hook's read and its write.
@Suite struct ComplaintHookLineTests {
    @Test func refusedWritesAreNamed() {
        let closed = "period 2026-03 is closed"
        let result = ComplaintHookResult(year: 2026, period: SubPeriod(kind: .monthly, sequence: 3), indicator: "respons-pengaduan",
                                         measured: 2, written: 1, unchanged: 0, withoutIndicator: 1, withdrawn: 1,
                                         refused: [.init(nip: "198501012010011001", withdrawal: false, reason: closed),
                                                   .init(nip: "198601012010011001", withdrawal: true, reason: closed)])
        #expect(result.summary == "complaint hook, respons-pengaduan for M3 2026: 2 officer(s) measured, 1 realisasi written, "
                + "0 unchanged, 1 officer(s) without the IKI in an approved SKP, 1 figure(s) withdrawn (no complaint counts for "
                + "the officer any more); refused: 198501012010011001 (period 2026-03 is closed), "
                + "198601012010011001 (withdrawal) (period 2026-03 is closed)")
    }
}
