import Foundation
import KinerjaCore
import Testing

/// SP4N-LAPOR! deadlines (DOMAIN.md "Public complaints"): routed within 3 working days, followed up within 5,
/// closed 10 days after the follow-up with no reply; weekends and the city's holidays are not working days.
@Suite struct ComplaintTests {
    static func d(_ s: String) -> CivilDate { CivilDate(iso: s)! }
    // 2026-03-02 is a Monday; 2026-03-19 (Nyepi) is a holiday in this test's city.
    static let rules = TenantProfile.ComplaintRules(routingWorkingDays: 3, followUpWorkingDays: 5, closeAfterDays: 10, holidayDates: ["2026-03-19"])

    @Test(arguments: [
        ("2026-03-02", "2026-03-05", 3),   // Mon -> Thu: 3 working days
        ("2026-03-05", "2026-03-09", 2),   // Thu -> Mon: Friday, Monday (the weekend does not count)
        ("2026-03-18", "2026-03-20", 1),   // Wed -> Fri: Thursday is the holiday
        ("2026-03-02", "2026-03-02", 0),
    ])
    func workingDays(from: String, to: String, expected: Int) {
        #expect(WorkingCalendar(holidays: Self.rules.holidays).workingDays(after: Self.d(from), through: Self.d(to)) == expected)
    }

    /// "Today" is the city's: at 16:30 UTC on 30 November 2026 it is still the 30th in Pematangsiantar (WIB,
    /// 23:30) and already 1 December in Makassar (WITA, 00:30), which puts the two in different months.
    @Test func todayIsTheCitysOwnDate() {
        let now = Date(timeIntervalSince1970: 1_796_056_200)
        #expect(CivilDate.today(in: TimeZone(identifier: "Asia/Jakarta")!, now: now) == CivilDate(year: 2026, month: 11, day: 30))
        #expect(CivilDate.today(in: TimeZone(identifier: "Asia/Makassar")!, now: now) == CivilDate(year: 2026, month: 12, day: 1))
        #expect(CivilDate.today(in: TenantProfile.timeZone(nil), now: now) == CivilDate(year: 2026, month: 12, day: 1), "no zone stored: WITA")
    }

    /// Dates as files and requests write them; year 0 does not exist (PostgreSQL refuses it).
    @Test(arguments: [("2026-03-02", true), ("2024-02-29", true), ("2026-02-29", false), ("0000-01-01", false), ("0001-01-01", true),
                      ("2026-3-2", false), ("2026-13-01", false)])
    func isoDates(text: String, valid: Bool) {
        #expect((CivilDate(iso: text) != nil) == valid)
    }

    @Test func addingWorkingDaysSkipsWeekendsAndHolidays() {
        let c = WorkingCalendar(holidays: Self.rules.holidays)
        #expect(c.adding(workingDays: 5, to: Self.d("2026-03-02")) == Self.d("2026-03-09"))   // Mon + 5 = next Mon
        #expect(c.adding(workingDays: 5, to: Self.d("2026-03-16")) == Self.d("2026-03-24"))   // over the holiday on the 19th
        for n in [0, 1, 20_000, 20_454] { #expect(CivilDate(dayNumber: n).dayNumber == n) }
        #expect(CivilDate(dayNumber: 0) == Self.d("1970-01-01"))
    }

    @Test(arguments: [
        // received, routed, followed up, as of -> routed on time, followed up on time, overdue, closed
        ("2026-03-02", "2026-03-05", "2026-03-12", "2026-03-31", true, true, false, true),     // 3 and 5 working days: on time; closed after 10 days
        ("2026-03-02", "2026-03-06", "2026-03-16", "2026-03-20", false, false, false, false),  // 4 days to route, 6 to follow up; 4 days since: open
        ("2026-03-02", "2026-03-05", nil, "2026-03-13", true, nil, true, false),               // due on the 12th, not done on the 13th
        ("2026-03-02", "2026-03-05", nil, "2026-03-12", true, nil, false, false),              // due today: not overdue yet
        ("2026-03-02", nil, nil, "2026-03-06", nil, nil, true, false),                          // not routed after 4 working days
        ("2026-03-04", "2026-03-06", nil, "2026-03-14", true, nil, false, false),              // due Friday the 13th: Saturday is no working day past it
        ("2026-03-04", "2026-03-06", nil, "2026-03-16", true, nil, true, false),               // Monday is
        ("2026-03-04", "2026-03-06", "2026-03-14", "2026-03-16", true, true, false, false),    // followed up that Saturday: 5 working days, on time
        ("2026-03-10", "2026-03-11", nil, "2026-03-19", true, nil, false, false),              // due the 18th; the 19th is the holiday: late from the 20th
        ("2026-03-10", "2026-03-11", nil, "2026-03-20", true, nil, true, false),
    ] as [(String, String?, String?, String, Bool?, Bool?, Bool, Bool)])
    func deadlines(received: String, routed: String?, followed: String?, asOf: String, routedOnTime: Bool?, onTime: Bool?,
                   overdue: Bool, closed: Bool) {
        let c = Complaints.Complaint(trackingID: "T1", received: Self.d(received), opd: "DINKES", officerNIP: nil,
                                     routed: routed.map(Self.d), followedUp: followed.map(Self.d), closed: nil, subject: "")
        let ch = Complaints.check(c, rules: Self.rules, asOf: Self.d(asOf))
        #expect(ch.routedOnTime == routedOnTime)
        #expect(ch.followedUpOnTime == onTime)
        #expect(ch.overdue == overdue)
        #expect(ch.closed == closed)
    }

    /// A complaint closed without a follow-up is judged on the day it closed, not on every day after: closed
    /// before its follow-up was due, it was never late and does not count; closed after, it was.
    @Test(arguments: [
        ("2026-03-11", false, false),   // routed on the 5th, due the 12th: closed in time
        ("2026-03-13", true, true),     // closed a working day past it
    ])
    func aComplaintClosedWithoutAFollowUpIsJudgedOnItsClosingDay(closed: String, overdue: Bool, counts: Bool) {
        let c = Complaints.Complaint(trackingID: "T1", received: Self.d("2026-03-02"), opd: "DINKES", officerNIP: "A",
                                     routed: Self.d("2026-03-05"), followedUp: nil, closed: Self.d(closed), subject: "")
        let ch = Complaints.check(c, rules: Self.rules, asOf: Self.d("2026-03-31"))
        #expect(ch.overdue == overdue && ch.closed)
        #expect(ch.routingDue == Self.d("2026-03-05") && ch.followUpDue == Self.d("2026-03-12"))
        let r = Complaints.responsiveness([c], rules: Self.rules, asOf: Self.d("2026-03-31"), by: { $0.officerNIP })
        #expect(r.first?.counted == (counts ? 1 : 0) && r.first?.overdue == (overdue ? 1 : 0))
    }

    @Test func responsivenessIsTheShareOnTimeOfWhatCounts() {
        let rows = [("A", "2026-03-12"), ("A", "2026-03-16"), ("A", nil), ("B", "2026-03-09")].enumerated().map { i, r in
            Complaints.Complaint(trackingID: "T\(i)", received: Self.d("2026-03-02"), opd: "DINKES", officerNIP: r.0,
                                 routed: Self.d("2026-03-05"), followedUp: r.1.map(Self.d), closed: nil, subject: "")
        }
        let r = Complaints.responsiveness(rows, rules: Self.rules, asOf: Self.d("2026-03-31"), by: { $0.officerNIP })
        let a = r.first { $0.key == "A" }!
        // A: one on time (5 days), one late (7), one overdue: 1 of 3.
        #expect(a.complaints == 3 && a.followedUpOnTime == 1 && a.counted == 3 && a.overdue == 1)
        #expect(abs(a.percentOnTime! - 100.0 / 3) < 1e-9 && a.meanFollowUpDays == 6)
        #expect(r.first { $0.key == "B" }!.percentOnTime == 100)
    }

    @Test func aRowNamesEveryProblem() {
        let index = try! Complaints.header(Complaints.columns)
        func row(_ cells: [String]) -> Result<Complaints.Complaint, RowErrors> { Complaints.row(cells, line: 2, index: index) }
        guard case .failure(let e) = row(["", "2026-13-01", "", "123", "2026-03-01", "", "", ""]) else { Issue.record("accepted"); return }
        let columns = Set(e.errors.map(\.column))
        #expect(columns == ["NOMOR TIKET", "TANGGAL DITERIMA", "NIP PETUGAS", "OPD"], "\(e.errors)")
        guard case .failure(let order) = row(["T9", "05-03-2026", "DINKES", "", "2026-03-04", "", "", ""]) else { Issue.record("accepted"); return }
        #expect(order.errors.map(\.column) == ["TANGGAL DITERUSKAN"])
        guard case .success(let ok) = row(["T9", "02-03-2026", "DINKES", "", "2026-03-04", "2026-03-06", "", "Jalan rusak"]) else { Issue.record("refused"); return }
        #expect(ok.received == Self.d("2026-03-02") && ok.followedUp == Self.d("2026-03-06") && ok.subject == "Jalan rusak")
    }
}
