import KinerjaCore
import Testing

/// Periods from DOMAIN.md: evaluasi periodik monthly or quarterly (a city's cadence), evaluasi tahunan.
@Suite struct EvaluationPeriodTests {
    @Test func quarterlyYear() throws {
        let plan = try EvaluationPeriod.plan(year: 2026, cadence: .quarterly)
        #expect(plan.map(\.description) == ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"])
        #expect(plan[0].startsOn == CivilDate(year: 2026, month: 1, day: 1) && plan[0].endsOn == CivilDate(year: 2026, month: 12, day: 31))
        #expect(plan[1].endsOn == CivilDate(year: 2026, month: 3, day: 31))
        #expect(plan[2].startsOn == CivilDate(year: 2026, month: 4, day: 1) && plan[2].endsOn == CivilDate(year: 2026, month: 6, day: 30))
        #expect(plan[4].endsOn == CivilDate(year: 2026, month: 12, day: 31))
    }

    @Test func monthlyYearKnowsFebruary() throws {
        let leap = try EvaluationPeriod.plan(year: 2028, cadence: .monthly)
        #expect(leap.count == 13)
        #expect(leap[2].description == "2028-02" && leap[2].endsOn.day == 29)
        #expect(try EvaluationPeriod.plan(year: 2026, cadence: .monthly)[2].endsOn.day == 28)
        #expect(try EvaluationPeriod.plan(year: 2100, cadence: .monthly)[2].endsOn.day == 28, "2100 is no leap year")
        #expect(leap[12].startsOn == CivilDate(year: 2028, month: 12, day: 1))
    }

    @Test(arguments: [
        (1999, EvaluationPeriod.Kind.annual, 0, EvaluationPeriod.Problem.year(1999)),
        (2026, .quarterly, 5, .sequence(kind: .quarterly, 5)),
        (2026, .monthly, 0, .sequence(kind: .monthly, 0)),
        (2026, .monthly, 13, .sequence(kind: .monthly, 13)),
        (2026, .annual, 1, .sequence(kind: .annual, 1)),
    ])
    func refused(_ year: Int, _ kind: EvaluationPeriod.Kind, _ n: Int, _ problem: EvaluationPeriod.Problem) {
        #expect(throws: problem) { try EvaluationPeriod.period(year: year, kind: kind, sequence: n) }
    }

    @Test func messagesNameTheValue() {
        #expect(EvaluationPeriod.Problem.sequence(kind: .monthly, 13).description.contains("month 13"))
        #expect(EvaluationPeriod.Problem.year(1999).description.contains("1999"))
    }
}
