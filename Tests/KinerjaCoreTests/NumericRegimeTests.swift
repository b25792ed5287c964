import KinerjaCore
import Testing

/// The numeric regimes and the curve, with expected values worked by hand from DOMAIN.md.
@Suite struct NumericRegimeTests {
    func near(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 0.005 } ?? false }

    /// PP 30/2019 nilai capaian: 0-59 -> C/59 x 49; 60-79 -> 50 + (C - 60); 80-99 -> 70 + (C - 80); 100 -> 109
    /// (example); above 110 -> 120.
    @Test(arguments: [
        (0.0, 0.0), (59.0, 49.0), (30.0, 24.915),   // 30 / 59 x 49 = 24.9152...
        (60.0, 50.0), (75.0, 65.0), (79.0, 69.0),
        (80.0, 70.0), (95.0, 85.0), (99.0, 89.0),
        (100.0, 109.0), (111.0, 120.0), (150.0, 120.0),
        (-20.0, 0.0),
    ])
    func pp30NilaiCapaian(c: Double, expected: Double) {
        #expect(near(PP30.nilaiCapaian(c).value, expected), "C = \(c): \(PP30.nilaiCapaian(c).value)")
    }

    /// 70/30, or 60/40 with peers and subordinates; predikat bands, Sangat Baik only with an innovation.
    @Test func pp30NilaiKinerjaAndPredikat() throws {
        // Target 50, realisasi 45: capaian 90, nilai capaian 70 + 10 = 80; with perilaku 90: 0.7 x 80 + 0.3 x 90 = 83 -> Cukup.
        let a = try #require(PP30.calculate(target: 50, realisasi: 45, lowerIsBetter: false, perilaku: 90,
                                             withPeersAndSubordinates: false, innovation: false))
        #expect(near(a.steps[0].value, 90) && near(a.steps[1].value, 80) && near(a.nilaiKinerja, 83) && a.predikat == .cukup)
        // 60/40: 0.6 x 80 + 0.4 x 90 = 84.
        let b = try #require(PP30.calculate(target: 50, realisasi: 45, lowerIsBetter: false, perilaku: 90,
                                             withPeersAndSubordinates: true, innovation: false))
        #expect(near(b.nilaiKinerja, 84))
        // Lower is better: 4 days against 5: capaian 120, nilai capaian 120; 0.7 x 120 + 0.3 x 110 = 117.
        let c = try #require(PP30.calculate(target: 5, realisasi: 4, lowerIsBetter: true, perilaku: 110,
                                             withPeersAndSubordinates: false, innovation: true))
        #expect(near(c.steps[0].value, 120) && near(c.nilaiKinerja, 117) && c.predikat == .sangatBaik)
        #expect(PP30.predikat(117, innovation: false) == .baik)
        #expect(PP30.predikat(90, innovation: false) == .baik && PP30.predikat(89.99, innovation: false) == .cukup)
        #expect(PP30.predikat(70, innovation: false) == .cukup && PP30.predikat(69.9, innovation: false) == .kurang)
        #expect(PP30.predikat(50, innovation: false) == .kurang && PP30.predikat(49.9, innovation: false) == .sangatKurang)
    }

    /// PP 46/2011 waktu: E = 100 - R/T x 100; E <= 24: ((1.76T - R)/T) x 100; else 76 - (that - 100).
    @Test(arguments: [
        // aspect, target, realisasi, expected score
        (PP46.Aspect.kuantitas, 10.0, 8.0, 80.0),
        (.kualitas, 100.0, 90.0, 90.0),
        (.waktu, 12.0, 12.0, 76.0),     // E = 0: (21.12 - 12) / 12 x 100 = 76
        (.waktu, 12.0, 10.0, 92.67),    // E = 16.67: (21.12 - 10) / 12 x 100 = 92.666...
        (.waktu, 10.0, 8.0, 96.0),      // E = 20: (17.6 - 8) / 10 x 100 = 96
        (.waktu, 20.0, 15.0, 75.0),     // E = 25: 76 - ((35.2 - 15) / 20 x 100 - 100) = 76 - 1 = 75
        (.waktu, 12.0, 8.0, 66.67),     // E = 33.3: 76 - (109.33 - 100) = 66.666...
        (.biaya, 1_000_000.0, 700_000.0, 70.0),  // E = 30: 76 - (106 - 100) = 70
        (.waktu, 12.0, 0.0, 0.0),       // realisasi 0 scores 0
    ])
    func pp46Aspect(aspect: PP46.Aspect, target: Double, realisasi: Double, expected: Double) throws {
        let steps = try #require(PP46.aspect(aspect, target: target, realisasi: realisasi))
        #expect(near(steps.last?.value, expected), "\(aspect) T=\(target) R=\(realisasi): \(steps)")
    }

    @Test func pp46SkipsBiayaWithoutBudgetAndBands() {
        #expect(PP46.aspect(.biaya, target: 0, realisasi: 0) == nil)
        #expect(PP46.activity([80, 90, 76]) == 82)
        #expect(near(PP46.nilaiPrestasi(skp: 85, perilaku: 80), 83))   // 0.6 x 85 + 0.4 x 80
        #expect(PP46.predikat(91) == .sangatBaik && PP46.predikat(90) == .baik && PP46.predikat(76) == .baik)
        #expect(PP46.predikat(75) == .cukup && PP46.predikat(61) == .cukup && PP46.predikat(60) == .kurang)
        #expect(PP46.predikat(51) == .kurang && PP46.predikat(50) == .buruk)
    }

    /// The national curve table (DOMAIN.md): each organisation predikat, one distribution that fits and one that breaks.
    @Test func curveRowsPassAndFail() throws {
        let table = try NationalAdapterProfile.table()
        func check(_ org: PredikatOrganisasi, _ counts: [Predikat: Int]) -> Curve.Check { Curve.check(counts, organisasi: org, table: table) }
        // Istimewa: at most 70% Sangat Baik.
        #expect(check(.istimewa, [.sangatBaik: 7, .baik: 3]).passes)
        #expect(!check(.istimewa, [.sangatBaik: 8, .baik: 2]).passes)
        // Baik: at most 70% Baik, and some Butuh Perbaikan or Kurang.
        #expect(check(.baik, [.baik: 7, .sangatBaik: 2, .butuhPerbaikan: 1]).passes)
        let noneBelow = check(.baik, [.baik: 7, .sangatBaik: 3])
        #expect(noneBelow.breaches.map(\.rule) == ["Butuh Perbaikan + Kurang/Misconduct at least 1 employee(s)"])
        #expect(!check(.baik, [.baik: 8, .butuhPerbaikan: 2]).passes)
        // Butuh Perbaikan: at least 60% Butuh Perbaikan, at most 10% Sangat Baik.
        #expect(check(.butuhPerbaikan, [.butuhPerbaikan: 6, .baik: 3, .sangatBaik: 1]).passes)
        #expect(!check(.butuhPerbaikan, [.butuhPerbaikan: 6, .baik: 2, .sangatBaik: 2]).passes)
        // Kurang: at least 60% Kurang, at least 10% Butuh Perbaikan, at most 10% Sangat Baik.
        #expect(check(.kurang, [.kurang: 6, .butuhPerbaikan: 1, .baik: 3]).passes)
        #expect(!check(.kurang, [.kurang: 6, .baik: 4]).passes)
        // Sangat Kurang: at least 60% Sangat Kurang, at least 10% Kurang and/or Butuh Perbaikan, no Sangat Baik.
        #expect(check(.sangatKurang, [.sangatKurang: 6, .kurang: 1, .baik: 3]).passes)
        #expect(!check(.sangatKurang, [.sangatKurang: 6, .kurang: 1, .baik: 2, .sangatBaik: 1]).passes)
    }
}

/// The national profile's curve table, read through the same loader as every city's.
enum NationalAdapterProfile {
    static func table() throws -> [PredikatOrganisasi.RawValue: [TenantProfile.CurveRule]] {
        try ProfileLoader.load(overlay: "{}", source: "test").distributionCurve
    }
}
