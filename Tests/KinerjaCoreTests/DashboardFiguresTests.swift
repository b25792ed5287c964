import KinerjaCore
import Testing

/// The city's figures add up its OPDs': the mean capaian weighs each OPD's mean by the results it averaged.
@Suite struct DashboardFiguresTests {
    static func opd(evaluated: Int, measured: Int?, mean: Double?) -> Dashboard.Figures {
        var f = Dashboard.Figures(employees: evaluated, skpApproved: evaluated, ikiTotal: 0, ikiReported: 0, evaluated: evaluated,
                                  meanCapaian: mean, capaian: [:], predikat: [:])
        f.measured = measured
        return f
    }

    @Test(arguments: [
        // 10 evaluated without realisasi (no capaian) and 10 with a mean of 100: the city's mean is 100, not 50.
        ([(10, 0 as Int?, nil as Double?), (10, 10, 100)], 100.0 as Double?, 10),
        // 4 of 10 measured at 80, 6 of 6 at 100: (4 x 80 + 6 x 100) / 10 = 92.
        ([(10, 4, 80), (6, 6, 100)], 92, 10),
        // Nothing measured anywhere: no mean.
        ([(5, 0, nil), (3, 0, nil)], nil, 0),
        // A snapshot from before `measured`: each mean weighs by its evaluated, as it did.
        ([(2, nil, 50), (2, nil, 100)], 75, 4),
    ] as [([(Int, Int?, Double?)], Double?, Int)])
    func theCitysMeanWeighsEachOPDByWhatItMeasured(_ opds: [(Int, Int?, Double?)], _ mean: Double?, _ measured: Int) {
        var city = Dashboard.Figures.zero
        for (e, m, c) in opds { city.add(Self.opd(evaluated: e, measured: m, mean: c)) }
        #expect(city.meanCapaian == mean)
        #expect(city.measured == measured && city.evaluated == opds.map(\.0).reduce(0, +))
    }
}
