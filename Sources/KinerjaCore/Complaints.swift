public import Foundation

/// Public complaints (SP4N-LAPOR!, DOMAIN.md): routed to an agency within 3 working days of receipt, followed
/// up by the agency within 5 working days of routing, closed 10 days after the follow-up when the reporter
/// does not reply. The deadlines and the city's holidays are profile data.
public enum Complaints {
    /// One complaint with its tracking id and the days of its steps (nil: not yet).
    public struct Complaint: Sendable, Equatable, Codable {
        public var trackingID: String
        public var received: CivilDate
        public var opd: String?
        public var officerNIP: String?
        public var routed: CivilDate?
        public var followedUp: CivilDate?
        public var closed: CivilDate?
        public var subject: String

        public init(trackingID: String, received: CivilDate, opd: String?, officerNIP: String?, routed: CivilDate?,
                    followedUp: CivilDate?, closed: CivilDate?, subject: String) {
            (self.trackingID, self.received, self.opd, self.officerNIP, self.routed, self.followedUp, self.closed, self.subject) =
                (trackingID, received, opd, officerNIP, routed, followedUp, closed, subject)
        }
    }

    /// How one complaint stands against its deadlines on `asOf`.
    public struct Check: Sendable, Equatable {
        /// Working days from receipt to routing, and from routing to follow-up (nil: not done yet).
        public var routingDays: Int?
        public var followUpDays: Int?
        public var routedOnTime: Bool?
        public var followedUpOnTime: Bool?
        /// The last working day for routing (receipt + the working days allowed).
        public var routingDue: CivilDate
        /// The last day the follow-up was due (routing + the working days allowed), when routed.
        public var followUpDue: CivilDate?
        /// Its next step (routing, or the follow-up once routed) not done and more working days gone than that
        /// step allows: on `asOf`, or on the day it was closed for a complaint closed without a follow-up.
        public var overdue: Bool
        /// The day it closes with no reply, once followed up (the follow-up + `closeAfterDays`).
        public var closesOn: CivilDate?
        /// Closed, or to be closed: followed up more than `closeAfterDays` ago with no reply.
        public var closed: Bool
    }

    /// Deadlines count working days, as the rules say ("within 3 working days"): a step is on time, or not yet
    /// overdue, while no more working days have gone than it allows, so a weekend or holiday after the due day
    /// makes nothing late. A complaint closed without a follow-up is judged on the day it closed: overdue only
    /// when its deadline had passed by then.
    public static func check(_ c: Complaint, rules: TenantProfile.ComplaintRules, asOf: CivilDate) -> Check {
        let calendar = WorkingCalendar(holidays: rules.holidays)
        let routingDays = c.routed.map { calendar.workingDays(after: c.received, through: $0) }
        let due = c.routed.map { calendar.adding(workingDays: rules.followUpWorkingDays, to: $0) }
        let followUpDays = c.routed.flatMap { r in c.followedUp.map { calendar.workingDays(after: r, through: $0) } }
        let judgedOn = c.followedUp == nil ? min(asOf, c.closed ?? asOf) : asOf
        let overdue = c.followedUp == nil && (c.routed.map { calendar.workingDays(after: $0, through: judgedOn) > rules.followUpWorkingDays }
            ?? (calendar.workingDays(after: c.received, through: judgedOn) > rules.routingWorkingDays))
        let closesOn = c.followedUp.map { CivilDate(dayNumber: $0.dayNumber + rules.closeAfterDays) }
        return Check(routingDays: routingDays, followUpDays: followUpDays, routedOnTime: routingDays.map { $0 <= rules.routingWorkingDays },
                     followedUpOnTime: followUpDays.map { $0 <= rules.followUpWorkingDays },
                     routingDue: calendar.adding(workingDays: rules.routingWorkingDays, to: c.received), followUpDue: due,
                     overdue: overdue, closesOn: closesOn, closed: c.closed != nil || closesOn.map { $0 <= asOf } == true)
    }

    /// Per responsible officer (or per OPD, `byOPD`): complaints routed to them, followed up on time, and the
    /// share on time of those whose follow-up is done or due: the realisasi of an indicator such as Makassar's
    /// "Persentase pengaduan yang ditindaklanjuti dalam 5 hari kerja".
    public struct Responsiveness: Sendable, Equatable {
        public var key: String
        public var complaints: Int
        public var routedOnTime: Int
        public var followedUpOnTime: Int
        /// Followed up (on time or late) or past the due day: the ones that count.
        public var counted: Int
        public var overdue: Int
        public var meanFollowUpDays: Double?
        public var percentOnTime: Double? { counted == 0 ? nil : Double(followedUpOnTime) / Double(counted) * 100 }
        /// Of those that count, not followed up in time: late, or not yet and past the due day.
        public var late: Int { counted - followedUpOnTime }
    }

    /// The officer a complaint's follow-up deadline runs for: the one it was routed to, once the day of routing
    /// is known (an officer named without it was never given the 5 working days; the routing deadline is not theirs).
    @Sendable public static func responsibleOfficer(_ c: Complaint) -> String? { c.routed == nil ? nil : c.officerNIP }

    public static func responsiveness(_ complaints: [Complaint], rules: TenantProfile.ComplaintRules, asOf: CivilDate,
                                      by key: (Complaint) -> String?) -> [Responsiveness] {
        var out: [String: Responsiveness] = [:]
        var days: [String: [Int]] = [:]
        for c in complaints {
            guard let k = key(c) else { continue }
            let ch = check(c, rules: rules, asOf: asOf)
            var r = out[k] ?? Responsiveness(key: k, complaints: 0, routedOnTime: 0, followedUpOnTime: 0, counted: 0, overdue: 0, meanFollowUpDays: nil)
            r.complaints += 1
            if ch.routedOnTime == true { r.routedOnTime += 1 }
            if ch.followedUpOnTime == true { r.followedUpOnTime += 1 }
            if ch.followUpDays != nil || ch.overdue { r.counted += 1 }
            if ch.overdue { r.overdue += 1 }
            if let d = ch.followUpDays { days[k, default: []].append(d) }
            out[k] = r
        }
        for (k, d) in days where !d.isEmpty { out[k]?.meanFollowUpDays = Double(d.reduce(0, +)) / Double(d.count) }
        return out.values.sorted { $0.key < $1.key }
    }

    /// The columns of a complaints file (the SP4N-LAPOR! export), found by name; the first two required.
    public static let columns = ["NOMOR TIKET", "TANGGAL DITERIMA", "OPD", "NIP PETUGAS", "TANGGAL DITERUSKAN", "TANGGAL TINDAK LANJUT",
                                 "TANGGAL SELESAI", "JUDUL"]

    public static func header(_ fields: [String]) throws(RowError) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, raw) in fields.enumerated() {
            let name = raw.trimmingSpaces.uppercased()
            if index[name] == nil { index[name] = i }
        }
        let missing = ["NOMOR TIKET", "TANGGAL DITERIMA"].filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw RowError(line: 1, column: missing.joined(separator: ", "), value: fields.joined(separator: ","),
                           reason: "missing column(s); the header needs " + columns.joined(separator: ", ") + " (the last six where known)")
        }
        return index
    }

    /// One row, or every problem in it: dates as YYYY-MM-DD or DD-MM-YYYY, in order (received, routed, followed
    /// up, closed), a follow-up only after routing, a routed complaint naming its OPD.
    public static func row(_ fields: [String], line: Int, index: [String: Int]) -> Result<Complaint, RowErrors> {
        func field(_ name: String) -> String {
            guard let i = index[name], i < fields.count else { return "" }
            return fields[i].trimmingSpaces
        }
        var errors: [RowError] = []
        func date(_ name: String, required: Bool = false) -> CivilDate? {
            let text = field(name)
            if text.isEmpty {
                if required { errors.append(RowError(line: line, column: name, value: "", reason: "required")) }
                return nil
            }
            if let d = CivilDate(iso: text) ?? CivilDate(dayFirst: text) { return d }
            errors.append(RowError(line: line, column: name, value: text, reason: "not a date: use YYYY-MM-DD or DD-MM-YYYY"))
            return nil
        }
        let ticket = field("NOMOR TIKET")
        if ticket.isEmpty || ticket.count > 64 { errors.append(RowError(line: line, column: "NOMOR TIKET", value: ticket, reason: "1-64 characters")) }
        let received = date("TANGGAL DITERIMA", required: true)
        let routed = date("TANGGAL DITERUSKAN"), followed = date("TANGGAL TINDAK LANJUT"), closed = date("TANGGAL SELESAI")
        let opd = field("OPD"), officer = field("NIP PETUGAS")
        var nip: String?
        if !officer.isEmpty {
            do { nip = try NIP(officer, type: .pppk).digits } catch { errors.append(RowError(line: line, column: "NIP PETUGAS", value: officer, reason: "\(error)")) }
        }
        if routed != nil, opd.isEmpty { errors.append(RowError(line: line, column: "OPD", value: "", reason: "a routed complaint names the OPD it went to")) }
        // A follow-up without its routing is judged with the ticket as stored (a routing sent before).
        let steps: [(String, CivilDate?)] = [("TANGGAL DITERIMA", received), ("TANGGAL DITERUSKAN", routed), ("TANGGAL TINDAK LANJUT", followed), ("TANGGAL SELESAI", closed)]
        var last: (String, CivilDate)?
        for (name, d) in steps {
            guard let d else { continue }
            if let l = last, d < l.1 { errors.append(RowError(line: line, column: name, value: d.description, reason: "before \(l.0) (\(l.1))")) }
            last = (name, d)
        }
        guard errors.isEmpty, let received else { return .failure(RowErrors(errors)) }
        return .success(Complaint(trackingID: ticket, received: received, opd: opd.isEmpty ? nil : opd, officerNIP: nip, routed: routed,
                                  followedUp: followed, closed: closed, subject: field("JUDUL")))
    }
}

/// Working days: Monday to Friday, less the city's holidays (profile data).
public struct WorkingCalendar: Sendable, Equatable {
    public var holidays: Set<CivilDate>

    public init(holidays: [CivilDate]) { self.holidays = Set(holidays) }

    public func isWorkingDay(_ d: CivilDate) -> Bool { Discipline.isWorkingDay(d) && !holidays.contains(d) }

    /// Working days after `a` up to and including `b` (0 when `b` is not after `a`).
    public func workingDays(after a: CivilDate, through b: CivilDate) -> Int {
        guard b > a else { return 0 }
        return (a.dayNumber + 1...b.dayNumber).filter { isWorkingDay(CivilDate(dayNumber: $0)) }.count
    }

    /// The day `n` working days after `d`.
    public func adding(workingDays n: Int, to d: CivilDate) -> CivilDate {
        var day = d.dayNumber, left = n
        while left > 0 {
            day += 1
            if isWorkingDay(CivilDate(dayNumber: day)) { left -= 1 }
        }
        return CivilDate(dayNumber: day)
    }
}

extension CivilDate {
    /// Today's date in a city's local time (``TenantProfile/timeZoneOrDefault``).
    public static func today(in zone: TimeZone, now: Date = Date()) -> CivilDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        return CivilDate(year: c.year ?? 2000, month: c.month ?? 1, day: c.day ?? 1)
    }

    /// The date of day number `n` (days since 1970-01-01).
    public init(dayNumber n: Int) {
        // Howard Hinnant's civil_from_days.
        let z = n + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// `DD-MM-YYYY` (or with `/`), as Indonesian spreadsheets write dates.
    public init?(dayFirst text: String) {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" }).map { Int($0) }
        guard parts.count == 3, let d = parts[0], let m = parts[1], let y = parts[2], y > 999, CivilDate.isValid(year: y, month: m, day: d) else { return nil }
        self.init(year: y, month: m, day: d)
    }
}
