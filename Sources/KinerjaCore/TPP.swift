/// Attendance events and the monthly TPP (DOMAIN.md "TPP"), and the discipline ladder for unexcused absence
/// (DOMAIN.md "Discipline (PP 94/2021)"). Pure: the store reads and writes, this decides.
public enum Attendance {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Late arrival, with the minutes (none: no record of arrival).
        case terlambat
        /// Early departure, with the minutes (none: no record of departure).
        case pulangCepat = "pulang_cepat"
        /// Absent for the day; excused (with leave, sick note, duty) or not.
        case tidakHadir = "tidak_hadir"
        /// Missed the ceremony (upacara).
        case tidakUpacara = "tidak_upacara"
    }

    public struct Event: Sendable, Equatable, Codable {
        public var nip: String
        public var day: CivilDate
        public var kind: Kind
        public var minutes: Int?
        public var excused: Bool
        public init(nip: String, day: CivilDate, kind: Kind, minutes: Int? = nil, excused: Bool = false) {
            self.nip = nip
            self.day = day
            self.kind = kind
            self.minutes = minutes
            self.excused = excused
        }
    }

    /// The columns of an attendance file, found by name (case and spaces do not matter).
    public static let columns = ["NIP", "TANGGAL", "JENIS", "MENIT", "IZIN"]

    /// Reads the header line: NIP, TANGGAL and JENIS are required; MENIT and IZIN optional.
    public static func header(_ fields: [String]) throws(RowError) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, raw) in fields.enumerated() {
            let name = raw.trimmingSpaces.uppercased()
            if index[name] == nil { index[name] = i }
        }
        // Machine exports name the minutes "MENIT TERLAMBAT", "JUMLAH MENIT" and the like: one such column is it.
        if index["MENIT"] == nil {
            let named = index.filter { $0.key.contains("MENIT") }
            if named.count == 1 { index["MENIT"] = named.first!.value }
        }
        let missing = ["NIP", "TANGGAL", "JENIS"].filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw RowError(line: 1, column: missing.joined(separator: ", "), value: fields.joined(separator: ","),
                           reason: "missing column(s); the header needs NIP, TANGGAL, JENIS (and MENIT, IZIN where used)")
        }
        return index
    }

    /// One row of an attendance file, or every problem in it.
    public static func row(_ fields: [String], line: Int, index: [String: Int]) -> Result<Event, RowErrors> {
        func field(_ name: String) -> String {
            guard let i = index[name], i < fields.count else { return "" }
            return fields[i].trimmingSpaces
        }
        var errors: [RowError] = []
        let nipText = field("NIP")
        var nip: String?
        do { nip = try NIP(nipText, type: .pppk).digits } catch { errors.append(RowError(line: line, column: "NIP", value: nipText, reason: "\(error)")) }
        let dayText = field("TANGGAL")
        let day = CivilDate(iso: dayText)
        if day == nil { errors.append(RowError(line: line, column: "TANGGAL", value: dayText, reason: "not a date: use YYYY-MM-DD")) }
        let kindText = String(field("JENIS").lowercased().map { $0 == " " ? "_" : $0 })
        let kind = Kind(rawValue: kindText)
        if kind == nil {
            errors.append(RowError(line: line, column: "JENIS", value: field("JENIS"),
                                   reason: "one of: " + Kind.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        let minutesText = field("MENIT")
        var minutes: Int?
        // Without the column every late arrival would read as "no record", the heaviest deduction, unseen.
        if index["MENIT"] == nil, let kind, kind == .terlambat || kind == .pulangCepat {
            errors.append(RowError(line: line, column: "MENIT", value: "",
                                   reason: "the file has no MENIT column: a \(kind.rawValue) row needs its minutes (an empty cell means no record)"))
        }
        if !minutesText.isEmpty {
            if let m = Int(minutesText), (1...1440).contains(m) { minutes = m } else {
                errors.append(RowError(line: line, column: "MENIT", value: minutesText, reason: "whole minutes 1-1440, or empty (no record)"))
            }
            if let kind, kind == .tidakHadir || kind == .tidakUpacara {
                errors.append(RowError(line: line, column: "MENIT", value: minutesText, reason: "only terlambat and pulang_cepat take minutes"))
            }
        }
        let izinText = field("IZIN").lowercased()
        var excused = false
        switch izinText {
        case "", "tidak", "t", "n", "no", "0": excused = false
        case "ya", "y", "yes", "1": excused = true
        default: errors.append(RowError(line: line, column: "IZIN", value: field("IZIN"), reason: "ya or tidak (empty: tidak)"))
        }
        if excused, let kind, kind != .tidakHadir {
            errors.append(RowError(line: line, column: "IZIN", value: field("IZIN"), reason: "only tidak_hadir is excused; leave the other kinds out of the file"))
        }
        guard errors.isEmpty, let nip, let day, let kind else { return .failure(RowErrors(errors)) }
        return .success(Event(nip: nip, day: day, kind: kind, minutes: minutes, excused: excused))
    }

    /// The deduction an event counts as, by the names of the profile's `tpp.deductions`: late arrival and early
    /// departure by minutes (1-30, 31-60, 61-90, over 90 or no record), a missed ceremony, an unexcused absence.
    /// An excused absence deducts nothing.
    public static func deduction(_ e: Event) -> String? {
        switch e.kind {
        case .terlambat, .pulangCepat:
            switch e.minutes {
            case .some(1...30): "terlambat-1-30"
            case .some(31...60): "terlambat-31-60"
            case .some(61...90): "terlambat-61-90"
            default: "terlambat-lebih-90-atau-tanpa-rekam"
            }
        case .tidakUpacara: "tidak-ikut-upacara"
        case .tidakHadir: e.excused ? nil : "tidak-hadir"
        }
    }
}

extension CivilDate {
    /// Reads `YYYY-MM-DD`.
    public init?(iso text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), CivilDate.isValid(year: y, month: m, day: d) else { return nil }
        self.init(year: y, month: m, day: d)
    }
}

/// The file of each employee's monthly TPP pagu: NIP and PAGU (whole rupiah).
public enum TPPPagu {
    public struct Row: Sendable, Equatable {
        public var nip: String
        public var amount: Double
    }

    public static func header(_ fields: [String]) throws(RowError) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, f) in fields.enumerated() where index[f.trimmingSpaces.uppercased()] == nil { index[f.trimmingSpaces.uppercased()] = i }
        guard index["NIP"] != nil, index["PAGU"] != nil else {
            throw RowError(line: 1, column: "NIP, PAGU", value: fields.joined(separator: ","), reason: "the header needs NIP and PAGU")
        }
        return index
    }

    /// Whole rupiah: digits, or digits grouped in thousands by dots as Indonesian documents write them
    /// (4500000 or 4.500.000); a decimal part is refused rather than misread.
    public static func amount(_ text: String) -> Double? {
        let groups = text.split(separator: ".", omittingEmptySubsequences: false)
        let grouped = groups.count == 1 || ((1...3).contains(groups[0].count) && groups.dropFirst().allSatisfy { $0.count == 3 })
        let digits = groups.joined()
        guard grouped, !digits.isEmpty, digits.count <= 15, digits.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Double(digits)
    }

    public static func row(_ fields: [String], line: Int, index: [String: Int]) -> Result<Row, RowErrors> {
        func field(_ name: String) -> String { index[name].flatMap { $0 < fields.count ? fields[$0].trimmingSpaces : nil } ?? "" }
        var errors: [RowError] = []
        let nipText = field("NIP"), paguText = field("PAGU")
        var nip: String?
        do { nip = try NIP(nipText, type: .pppk).digits } catch { errors.append(RowError(line: line, column: "NIP", value: nipText, reason: "\(error)")) }
        let amount = amount(paguText)
        if amount == nil { errors.append(RowError(line: line, column: "PAGU", value: paguText, reason: "whole rupiah, 0 or more (for example 4500000 or 4.500.000)")) }
        guard let nip, let amount, errors.isEmpty else { return .failure(RowErrors(errors)) }
        return .success(Row(nip: nip, amount: amount))
    }
}

/// The monthly TPP of one employee.
public enum TPPCalculation {
    public struct Deduction: Sendable, Equatable, Codable {
        public var event: String
        public var count: Int
        public var percent: Double
        public var total: Double
    }

    public struct Result: Sendable, Equatable, Codable {
        /// Capaian of the month (percent); nil without realisasi.
        public var capaian: Double?
        /// Share of the kinerja part paid, percent.
        public var kinerjaPaidPercent: Double
        public var deductions: [Deduction]
        /// Of the disiplin part, capped at 100.
        public var disiplinDeductionPercent: Double
        /// The whole TPP cut (kinerja below the profile's threshold, or a disciplinary 25% cut).
        public var cutPercent: Double
        /// Of the pagu.
        public var totalPercent: Double
        public var pagu: Double?
        /// Whole rupiah, rounded down; nil without a pagu.
        public var amount: Double?
        public var steps: [Step]

        /// The cuts of the whole TPP that `cutPercent` adds up, each with its reason (for payroll's file).
        public var cuts: [Step] { steps.filter { Self.cutNames.contains($0.name) } }
        static let disciplinaryCut = "disciplinary cut", kinerjaCut = "kinerja cut"
        static let cutNames: Set = [disciplinaryCut, kinerjaCut]
    }

    /// Kinerja part: `kinerjaPercent` of the pagu, paid in proportion to the month's capaian (capped at 100%;
    /// none without realisasi). Disiplin part: `disiplinPercent`, less the sum of the attendance deductions
    /// (capped at the whole part). Then the profile's cut when capaian is below its threshold, and a
    /// disciplinary cut (PP 94/2021: 25%) in its months; the cuts add up. Amount in whole rupiah, rounded down.
    public static func compute(pagu: Double?, capaian: Double?, events: [Attendance.Event], disciplinaryCut: Double = 0,
                               rules: TenantProfile.TPP) -> Result {
        var steps: [Step] = []
        let k = Double(rules.kinerjaPercent), d = Double(rules.disiplinPercent)
        let paidShare = min(100, max(0, capaian ?? 0))
        steps.append(Step("kinerja paid", capaian.map { "min(100, capaian \(Step.format($0)))" } ?? "0 (no realisasi for the month)", paidShare))
        var counts: [String: Int] = [:]
        for e in events { if let name = Attendance.deduction(e) { counts[name, default: 0] += 1 } }
        let table = Dictionary(rules.deductions.map { ($0.event, $0.percent) }, uniquingKeysWith: { a, _ in a })
        let deductions = counts.keys.sorted().map { name in
            Deduction(event: name, count: counts[name]!, percent: table[name] ?? 0, total: Double(counts[name]!) * (table[name] ?? 0))
        }
        let deducted = min(100, deductions.reduce(0) { $0 + $1.total })
        for x in deductions {
            steps.append(Step("deduction \(x.event)", "\(x.count) x \(Step.format(x.percent))%" + (table[x.event] == nil ? " (not in the profile's table)" : ""), x.total))
        }
        steps.append(Step("disiplin deducted", "min(100, sum of deductions)", deducted))
        var cut = disciplinaryCut
        if disciplinaryCut > 0 { steps.append(Step(Result.disciplinaryCut, "PP 94/2021 sanction in force this month", disciplinaryCut)) }
        if let c = rules.kinerjaCut, (capaian ?? 0) < c.belowPercent {
            cut += c.cutPercent
            steps.append(Step(Result.kinerjaCut, "capaian \(capaian.map(Step.format) ?? "none") below \(Step.format(c.belowPercent))%", c.cutPercent))
        }
        cut = min(100, cut)
        let before = k * paidShare / 100 + d * (100 - deducted) / 100
        let total = before * (100 - cut) / 100
        steps.append(Step("TPP", "(\(Step.format(k))% x \(Step.format(paidShare))% + \(Step.format(d))% x (100 - \(Step.format(deducted)))%) x (100 - \(Step.format(cut)))%", total))
        // Rounded down to the rupiah from the amount to the millionth of a rupiah: in binary floating point, 99.6% of
        // 5,250,000 comes out as 5,228,999.999999999, which rounded down straight would pay a rupiah short.
        let amount = pagu.map { (($0 * total / 100) * 1e6).rounded() / 1e6 }.map { $0.rounded(.down) }
        if let pagu, let amount { steps.append(Step("amount", "\(Step.format(pagu)) x \(Step.format(total))%, rounded down to the rupiah", amount)) }
        return Result(capaian: capaian, kinerjaPaidPercent: paidShare, deductions: deductions, disiplinDeductionPercent: deducted,
                      cutPercent: cut, totalPercent: total, pagu: pagu, amount: amount, steps: steps)
    }
}

/// PP 94/2021: the sanction an unexcused absence count reaches, on the ladder of three levels.
public enum Discipline {
    public enum Step: Int, Sendable, Codable, CaseIterable, Comparable {
        case teguranLisan = 1, teguranTertulis, pernyataanTidakPuas, potongan6, potongan9, potongan12, penurunanJabatan, pembebasanJabatan, pemberhentian

        public static func < (a: Step, b: Step) -> Bool { a.rawValue < b.rawValue }

        public var name: String {
            switch self {
            case .teguranLisan: "teguran lisan"
            case .teguranTertulis: "teguran tertulis"
            case .pernyataanTidakPuas: "pernyataan tidak puas secara tertulis"
            case .potongan6: "pemotongan tunjangan kinerja 25% selama 6 bulan"
            case .potongan9: "pemotongan tunjangan kinerja 25% selama 9 bulan"
            case .potongan12: "pemotongan tunjangan kinerja 25% selama 12 bulan"
            case .penurunanJabatan: "penurunan jabatan setingkat lebih rendah selama 12 bulan"
            case .pembebasanJabatan: "pembebasan dari jabatan menjadi jabatan pelaksana selama 12 bulan"
            case .pemberhentian: "pemberhentian dengan hormat tidak atas permintaan sendiri"
            }
        }

        public var level: String {
            switch self {
            case .teguranLisan, .teguranTertulis, .pernyataanTidakPuas: "ringan"
            case .potongan6, .potongan9, .potongan12: "sedang"
            case .penurunanJabatan, .pembebasanJabatan, .pemberhentian: "berat"
            }
        }

        /// Months of the 25% TPP cut, for the three medium sanctions.
        public var cutMonths: Int? {
            switch self {
            case .potongan6: 6
            case .potongan9: 9
            case .potongan12: 12
            default: nil
            }
        }
    }

    /// Unexcused absence in working days per calendar year: 3 teguran lisan; 4-6 teguran tertulis; 7-10
    /// pernyataan tidak puas; 11-13, 14-16, 17-20 the 25% cut for 6, 9, 12 months; 21-24 penurunan jabatan;
    /// 25-27 pembebasan; 28 or more, or 10 consecutive working days, pemberhentian. Below 3: none.
    public static func step(absenceDays days: Int, longestRun: Int = 0) -> Step? {
        if days >= 28 || longestRun >= 10 { return .pemberhentian }
        switch days {
        case 25...: return .pembebasanJabatan
        case 21...: return .penurunanJabatan
        case 17...: return .potongan12
        case 14...: return .potongan9
        case 11...: return .potongan6
        case 7...: return .pernyataanTidakPuas
        case 4...: return .teguranTertulis
        case 3...: return .teguranLisan
        default: return nil
        }
    }

    /// The longest run of consecutive working days in `days` by the city's `calendar` (Monday to Friday less
    /// its holidays): a weekend or a holiday between two absences does not break a run, and a record on a
    /// weekend day or a holiday is not a working day missed.
    public static func longestRun(_ days: [CivilDate], calendar: WorkingCalendar = WorkingCalendar(holidays: [])) -> Int {
        let sorted = Set(days.filter(calendar.isWorkingDay)).map { $0.dayNumber }.sorted()
        var best = 0, run = 0, previous: Int?
        for n in sorted {
            if let p = previous, calendar.workingDays(after: CivilDate(dayNumber: p), through: CivilDate(dayNumber: n)) == 1 {
                run += 1
            } else {
                run = 1
            }
            best = max(best, run)
            previous = n
        }
        return best
    }

    /// Monday to Friday (a city's holidays are in its ``WorkingCalendar``).
    public static func isWorkingDay(_ d: CivilDate) -> Bool { CivilDate.weekday(dayNumber: d.dayNumber) < 5 }
}

extension CivilDate {
    /// Days since 1970-01-01.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// 0 Monday … 6 Sunday.
    static func weekday(dayNumber n: Int) -> Int { ((n % 7) + 7 + 3) % 7 }
}

extension TPPCalculation {
    /// The periods whose realisasi a month's kinerja share reads: the year's months up to it, or in a city
    /// reporting by quarter the quarters up to the month's (April, May and June read Q1 and Q2). While one is open,
    /// realisasi may still be reported there, and the month's capaian counts only those made so far.
    public static func realisasiPeriodsRead(month: Int, cadence: TenantProfile.Periods.Cadence) -> (kind: EvaluationPeriod.Kind, sequences: ClosedRange<Int>) {
        cadence == .monthly ? (.monthly, 1...month) : (.quarterly, 1...((month + 2) / 3))
    }
}
