import KinerjaAdapters
import KinerjaCore
import Testing

/// TPP and the discipline ladder, worked by hand from DOMAIN.md ("TPP", "Discipline (PP 94/2021)").
@Suite struct TPPTests {
    static let nip = "198503152010011001"
    static func event(_ kind: Attendance.Kind, _ minutes: Int? = nil, excused: Bool = false, day: Int = 2) -> Attendance.Event {
        Attendance.Event(nip: nip, day: CivilDate(year: 2026, month: 3, day: day), kind: kind, minutes: minutes, excused: excused)
    }

    @Test(arguments: [
        (Attendance.Kind.terlambat, 1 as Int?, false, 0.5 as Double?), (.terlambat, 30, false, 0.5), (.terlambat, 31, false, 1),
        (.pulangCepat, 60, false, 1), (.terlambat, 61, false, 1.25), (.pulangCepat, 90, false, 1.25), (.terlambat, 91, false, 1.5),
        (.terlambat, nil, false, 1.5), (.pulangCepat, nil, false, 1.5), (.tidakUpacara, nil, false, 2), (.tidakHadir, nil, false, 3),
        (.tidakHadir, nil, true, nil),
    ])
    func everyDeductionKindFromTheNationalTable(_ kind: Attendance.Kind, _ minutes: Int?, _ excused: Bool, _ percent: Double?) throws {
        let rules = try NationalAdapter().effectiveProfile().tpp
        let r = TPPCalculation.compute(pagu: 1_000_000, capaian: 100, events: [Self.event(kind, minutes, excused: excused)], rules: rules)
        #expect(r.deductions.first?.percent == percent)
        #expect(r.disiplinDeductionPercent == (percent ?? 0))
        // 60% kinerja in full + 40% disiplin less the deduction.
        #expect(abs(r.totalPercent - (60 + 40 * (100 - (percent ?? 0)) / 100)) < 1e-9)
    }

    /// The periods whose realisasi a month's kinerja share reads: the months up to it, or the calendar quarters up
    /// to its own in a city reporting by quarter (January-March Q1, April-June Q2, July-September Q3, the rest Q4).
    @Test(arguments: [
        (4, TenantProfile.Periods.Cadence.quarterly, EvaluationPeriod.Kind.quarterly, 2), (3, .quarterly, .quarterly, 1),
        (1, .quarterly, .quarterly, 1), (11, .quarterly, .quarterly, 4), (7, .quarterly, .quarterly, 3),
        (2, .monthly, .monthly, 2), (12, .monthly, .monthly, 12),
    ])
    func aMonthReadsTheRealisasiOf(month: Int, cadence: TenantProfile.Periods.Cadence, kind: EvaluationPeriod.Kind, last: Int) {
        let read = TPPCalculation.realisasiPeriodsRead(month: month, cadence: cadence)
        #expect(read.kind == kind && read.sequences == 1...last)
    }

    @Test func nationalSplitWorkedByHand() throws {
        let rules = try NationalAdapter().effectiveProfile().tpp
        // Capaian 90; two late arrivals of 15 minutes (0.5% each) and a missed ceremony (2%): 3% of the disiplin part.
        // 60 x 0.9 + 40 x 0.97 = 54 + 38.8 = 92.8% of 10,000,000 = 9,280,000.
        let r = TPPCalculation.compute(pagu: 10_000_000, capaian: 90,
                                       events: [Self.event(.terlambat, 15), Self.event(.terlambat, 15, day: 3), Self.event(.tidakUpacara, day: 9)],
                                       rules: rules)
        #expect(r.deductions.map(\.event) == ["terlambat-1-30", "tidak-ikut-upacara"] && r.deductions[0].count == 2)
        #expect(abs(r.totalPercent - 92.8) < 1e-9 && r.amount == 9_280_000)
        #expect(r.steps.contains { $0.name == "amount" })
        // Above 100% the kinerja part is paid in full, no more; without realisasi, none of it.
        #expect(TPPCalculation.compute(pagu: nil, capaian: 120, events: [], rules: rules).totalPercent == 100)
        #expect(TPPCalculation.compute(pagu: nil, capaian: nil, events: [], rules: rules).totalPercent == 40)
        // Deductions stop at the whole disiplin part: 40 unexcused absences x 3% = 120%, capped at 100.
        let absent = (1...40).map { Self.event(.tidakHadir, day: $0 % 28 + 1) }
        let capped = TPPCalculation.compute(pagu: 1_000_000, capaian: 100, events: absent, rules: rules)
        #expect(capped.disiplinDeductionPercent == 100 && capped.totalPercent == 60 && capped.amount == 600_000)
        // A disciplinary 25% cut takes a quarter of the whole.
        #expect(TPPCalculation.compute(pagu: 1_000_000, capaian: 100, events: [], disciplinaryCut: 25, rules: rules).amount == 750_000)
        // Rounded down to the rupiah: 92.8% of 1,234,567 = 1,145,678.176.
        let events = [Self.event(.terlambat, 15), Self.event(.terlambat, 15, day: 3), Self.event(.tidakUpacara, day: 9)]
        #expect(TPPCalculation.compute(pagu: 1_234_567, capaian: 90, events: events, rules: rules).amount == 1_145_678)
    }

    /// Amounts that come to a whole rupiah are paid in full (binary floating point gave a rupiah less for the
    /// first two), worked by hand with the national 60/40 split and its deductions.
    @Test(arguments: [
        // 60 + 40 x (100 - 1)% = 99.6% of 5,250,000 = 5,229,000 (one late arrival of 45 minutes: 1%).
        (5_250_000.0, 100.0, 45, 0.0, 5_229_000.0),
        // 60 x 80% + 40 x 99% = 48 + 39.6 = 87.6% of 3,000,000 = 2,628,000.
        (3_000_000, 80, 45, 0, 2_628_000),
        // 60 x 90% + 40 x 99.5% = 93.8%, less a 25% disciplinary cut = 70.35% of 4,000,000 = 2,814,000.
        (4_000_000, 90, 15, 25, 2_814_000),
        // 60 x 95% + 40 x 98.75% = 96.5% of 2,750,000 = 2,653,750 (75 minutes late: 1.25%).
        (2_750_000, 95, 75, 0, 2_653_750),
        // 92.8% of 1,234,567 = 1,145,678.176: rounded down.
        (1_234_567, 90, nil, 0, 1_145_678),
    ] as [(Double, Double, Int?, Double, Double)])
    func wholeRupiahAmountsArePaidInFull(_ pagu: Double, _ capaian: Double, _ late: Int?, _ cut: Double, _ amount: Double) throws {
        let rules = try NationalAdapter().effectiveProfile().tpp
        // The last case: two late arrivals of 15 minutes and a missed ceremony (3%), as in the case above.
        let events = late.map { [Self.event(.terlambat, $0)] }
            ?? [Self.event(.terlambat, 15), Self.event(.terlambat, 15, day: 3), Self.event(.tidakUpacara, day: 9)]
        let r = TPPCalculation.compute(pagu: pagu, capaian: capaian, events: events, disciplinaryCut: cut, rules: rules)
        #expect(r.amount == amount)
    }

    /// The TPP file's percentages to four places: 60 x 90% + 40 x 99.5% = 93.8%, less 25% = 70.35%; 91.3% less
    /// 25% = 68.475%, which two places would print as 68.48 (payroll could not find the amount from it).
    @Test func theFilesPercentagesAreExact() {
        #expect(Step.format(70.35, decimals: 4) == "70.35")
        #expect(Step.format(68.475, decimals: 4) == "68.475")
        #expect(Step.format(99.6, decimals: 4) == "99.6" && Step.format(100, decimals: 4) == "100")
        #expect(Step.format(66.666666, decimals: 4) == "66.6667")
        #expect(Step.format(68.475) == "68.48" || Step.format(68.475) == "68.47", "an explanation keeps two places")
    }

    @Test(arguments: [(79.99, true), (80.0, false), (95.0, false)])
    func pematangsiantarCutsTwentyPercentBelowEightyPercentKinerja(_ capaian: Double, _ cut: Bool) throws {
        let rules = try #require(AdapterRegistry.named("pematangsiantar")).effectiveProfile().tpp
        let r = TPPCalculation.compute(pagu: nil, capaian: capaian, events: [], rules: rules)
        // 80% kinerja x capaian + 20% disiplin, then 20% off below 80.
        let before = 80 * capaian / 100 + 20
        #expect(abs(r.totalPercent - (cut ? before * 0.8 : before)) < 1e-9)
        #expect(r.cutPercent == (cut ? 20 : 0))
        // Payroll's file names each cut with its reason.
        #expect(r.cuts.map(\.name) == (cut ? ["kinerja cut"] : []))
        // Both cuts in one month add up, and each keeps its own reason.
        let both = TPPCalculation.compute(pagu: nil, capaian: capaian, events: [], disciplinaryCut: 25, rules: rules)
        #expect(both.cutPercent == (cut ? 45 : 25))
        #expect(both.cuts.map(\.name) == ["disciplinary cut"] + (cut ? ["kinerja cut"] : []))
        #expect(both.cuts.first?.rule.contains("PP 94/2021") == true)
    }

    @Test(arguments: [
        (2, nil), (3, Discipline.Step.teguranLisan), (4, .teguranTertulis), (6, .teguranTertulis), (7, .pernyataanTidakPuas),
        (10, .pernyataanTidakPuas), (11, .potongan6), (13, .potongan6), (14, .potongan9), (16, .potongan9), (17, .potongan12),
        (20, .potongan12), (21, .penurunanJabatan), (24, .penurunanJabatan), (25, .pembebasanJabatan), (27, .pembebasanJabatan),
        (28, .pemberhentian), (40, .pemberhentian),
    ] as [(Int, Discipline.Step?)])
    func theLadderOfUnexcusedAbsence(_ days: Int, _ step: Discipline.Step?) {
        #expect(Discipline.step(absenceDays: days) == step)
    }

    @Test func tenConsecutiveWorkingDaysEndIt() {
        // Monday 2 March 2026 to Friday 13 March: ten working days across a weekend.
        let run = (2...13).map { CivilDate(year: 2026, month: 3, day: $0) }.filter { ![7, 8].contains($0.day) }
        #expect(Discipline.longestRun(run) == 10)
        #expect(Discipline.step(absenceDays: 10, longestRun: Discipline.longestRun(run)) == .pemberhentian)
        // A day at work in between breaks the run.
        #expect(Discipline.longestRun(run.filter { $0.day != 9 }) == 5)
        // A record on the Saturday between two weeks is not a working day and does not break the run.
        #expect(Discipline.longestRun(run + [CivilDate(year: 2026, month: 3, day: 7)]) == 10)
        #expect(!Discipline.isWorkingDay(CivilDate(year: 2026, month: 3, day: 8)) && Discipline.isWorkingDay(CivilDate(year: 2026, month: 3, day: 9)))
        // A holiday of the city (Friday 6 March, say) is no working day: absent the days around it is one run of 9
        // working days, and ten with the Monday after; a record on the holiday itself is not an absence.
        let holiday = CivilDate(year: 2026, month: 3, day: 6)
        let calendar = WorkingCalendar(holidays: [holiday])
        let around = run.filter { $0 != holiday }
        #expect(Discipline.longestRun(around, calendar: calendar) == 9)
        #expect(Discipline.longestRun(around) == 5, "without the calendar the holiday broke the run")
        #expect(Discipline.longestRun(around + [CivilDate(year: 2026, month: 3, day: 16)], calendar: calendar) == 10)
        #expect(Discipline.longestRun(run, calendar: calendar) == 9, "the record on the holiday is not a working day missed")
        #expect([Discipline.Step.potongan6, .potongan9, .potongan12].map(\.cutMonths) == [6, 9, 12])
        #expect(Discipline.Step.teguranLisan.cutMonths == nil && Discipline.Step.pembebasanJabatan.level == "berat")
    }

    @Test func attendanceRowsNameEveryBadValue() throws {
        let index = try Attendance.header(["nip", "Tanggal", "JENIS", "menit", "izin"])
        let ok = Attendance.row(["198503152010011001", "2026-03-02", "terlambat", "15", ""], line: 2, index: index)
        #expect(try ok.get() == Attendance.Event(nip: Self.nip, day: CivilDate(year: 2026, month: 3, day: 2), kind: .terlambat, minutes: 15))
        guard case .failure(let bad) = Attendance.row(["19850315", "2026-02-30", "bolos", "x", "mungkin"], line: 3, index: index) else {
            Issue.record("accepted a bad row")
            return
        }
        #expect(bad.errors.map(\.column) == ["NIP", "TANGGAL", "JENIS", "MENIT", "IZIN"])
        guard case .failure(let minutes) = Attendance.row([Self.nip, "2026-03-02", "tidak_upacara", "5", "ya"], line: 4, index: index) else {
            Issue.record("accepted minutes on a ceremony")
            return
        }
        #expect(minutes.errors.map(\.column) == ["MENIT", "IZIN"])
        #expect(throws: RowError.self) { try Attendance.header(["NIP", "JENIS"]) }
    }

    /// A machine export names the minutes its own way: "MENIT TERLAMBAT" is read as MENIT. A file with no minutes
    /// column at all refuses its late arrivals by name: each would have read as "no record", the heaviest
    /// deduction (1.5%), where the machine had the minutes (DOMAIN.md's 0.5% for 1-30).
    @Test func lateArrivalsNeedTheirMinutes() throws {
        let named = try Attendance.header(["NIP", "TANGGAL", "JENIS", "MENIT TERLAMBAT"])
        let late = try Attendance.row([Self.nip, "2026-03-02", "terlambat", "12"], line: 2, index: named).get()
        #expect(late.minutes == 12 && Attendance.deduction(late) == "terlambat-1-30")
        let bare = try Attendance.header(["NIP", "TANGGAL", "JENIS"])
        guard case .failure(let e) = Attendance.row([Self.nip, "2026-03-02", "pulang cepat"], line: 3, index: bare) else {
            Issue.record("a late row without a minutes column was accepted")
            return
        }
        #expect(e.errors.map(\.column) == ["MENIT"] && e.errors[0].reason.contains("no MENIT column"))
        #expect((try? Attendance.row([Self.nip, "2026-03-02", "tidak_hadir"], line: 4, index: bare).get()) != nil, "an absence has no minutes")
    }
}
