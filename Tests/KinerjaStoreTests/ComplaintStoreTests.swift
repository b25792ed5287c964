import Foundation
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
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
        // Another city's transaction sees none of it.
        let seen = try await db.withTenant(other.id) { tx in
            try await tx.complaints(from: CivilDate(iso: "2026-01-01")!, until: CivilDate(iso: "2026-12-31")!)
        }
        #expect(seen.isEmpty)
    }
}
