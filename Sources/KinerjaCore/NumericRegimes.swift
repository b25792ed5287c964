import Foundation

/// One step of a calculation, for explanations that a person can check by hand.
public struct Step: Sendable, Equatable, Codable, CustomStringConvertible {
    public var name: String
    public var rule: String
    public var value: Double

    public init(_ name: String, _ rule: String, _ value: Double) {
        self.name = name
        self.rule = rule
        self.value = value
    }

    public var description: String { "\(name) = \(rule) = \(Step.format(value))" }

    /// `v` to two places, as an explanation gives its figures; a whole number without them.
    public static func format(_ v: Double) -> String { format(v, decimals: 2) }

    /// `v` to at most `decimals` places, without trailing zeros past the second.
    public static func format(_ v: Double, decimals: Int) -> String {
        guard v.isFinite, abs(v) < 1e15 else { return "\(v)" }
        let scale = pow(10, Double(decimals))
        let rounded = (v * scale).rounded() / scale
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.\(decimals)f", rounded)
        if decimals > 2 { while text.hasSuffix("0") { text.removeLast() } }
        return text
    }
}

/// PP 30/2019 and PermenPANRB 8/2021 (DOMAIN.md "Numeric regimes"): nilai capaian from capaian, nilai kinerja
/// from SKP and perilaku, and its predikat.
public enum PP30 {
    public enum Predikat: String, Sendable, Codable, CaseIterable {
        case sangatBaik = "Sangat Baik", baik = "Baik", cukup = "Cukup", kurang = "Kurang", sangatKurang = "Sangat Kurang"
    }

    /// Nilai capaian of one capaian C (percent). 0-59: C / 59 x 49; 60-79: 50 + (C - 60); 80-99: 70 + (C - 80);
    /// 100: `at100` (109 is DOMAIN.md's example, unconfirmed); above 110: 120. Between 100 and 110 DOMAIN.md
    /// gives no figure: the value runs in a straight line from `at100` to 120 (the project's assumption, to be
    /// confirmed). Below 0 counts as 0.
    public static func nilaiCapaian(_ c: Double, at100: Double = 109) -> (value: Double, rule: String) {
        let c = max(0, c)
        switch c {
        case ..<60: return (c / 59 * 49, "C / 59 x 49 (capaian below 60%)")
        case ..<80: return (50 + (c - 60), "50 + (C - 60) (capaian 60-79%)")
        case ..<100: return (70 + (c - 80), "70 + (C - 80) (capaian 80-99%)")
        case 100: return (at100, "\(Step.format(at100)) at exactly 100% (example figure, unconfirmed)")
        case ...110: return (at100 + (120 - at100) * (c - 100) / 10,
                             "\(Step.format(at100)) + (120 - \(Step.format(at100))) x (C - 100) / 10 (100-110%, assumed: straight line)")
        default: return (120, "120 (capaian above 110%)")
        }
    }

    /// The SKP weight: 70/30, or 60/40 when peers and subordinates rated the behaviour.
    public static func weights(withPeersAndSubordinates: Bool) -> (skp: Double, perilaku: Double) {
        withPeersAndSubordinates ? (60, 40) : (70, 30)
    }

    /// Sangat Baik 110-120 with an innovation, Baik 90-120, Cukup 70-<90, Kurang 50-<70, Sangat Kurang <50.
    public static func predikat(_ nilai: Double, innovation: Bool) -> Predikat {
        switch nilai {
        case 110... where innovation: .sangatBaik
        case 90...: .baik
        case 70...: .cukup
        case 50...: .kurang
        default: .sangatKurang
        }
    }

    public struct Result: Sendable, Equatable, Codable {
        public var steps: [Step]
        public var nilaiKinerja: Double?
        public var predikat: Predikat?
    }

    /// One indicator's capaian and nilai capaian; with a perilaku score, the nilai kinerja and its predikat
    /// (the indicator standing for the SKP).
    public static func calculate(target: Double, realisasi: Double, lowerIsBetter: Bool, perilaku: Double?,
                                 withPeersAndSubordinates: Bool, innovation: Bool, at100: Double = 109) -> Result? {
        guard let c = Capaian.iki(realisasi: realisasi, target: target, lowerIsBetter: lowerIsBetter) else { return nil }
        let r = Step.format(realisasi), t = Step.format(target)
        var steps = [Step("capaian", lowerIsBetter ? "(1 + (1 - \(r) / \(t))) x 100" : "\(r) / \(t) x 100", c)]
        let n = nilaiCapaian(c, at100: at100)
        steps.append(Step("nilai capaian", n.rule, n.value))
        guard let perilaku else { return Result(steps: steps) }
        let w = weights(withPeersAndSubordinates: withPeersAndSubordinates)
        let nilai = n.value * w.skp / 100 + perilaku * w.perilaku / 100
        steps.append(Step("nilai kinerja", "\(Int(w.skp))% x \(Step.format(n.value)) + \(Int(w.perilaku))% x \(Step.format(perilaku))", nilai))
        return Result(steps: steps, nilaiKinerja: nilai, predikat: predikat(nilai, innovation: innovation))
    }
}

/// PP 46/2011 (DOMAIN.md "Numeric regimes"): aspect scores of an activity, nilai prestasi and its predikat.
public enum PP46 {
    public enum Aspect: String, Sendable, Codable, CaseIterable { case kuantitas, kualitas, waktu, biaya }
    public enum Predikat: String, Sendable, Codable, CaseIterable {
        case sangatBaik = "Sangat Baik", baik = "Baik", cukup = "Cukup", kurang = "Kurang", buruk = "Buruk"
    }

    /// The score of one aspect. Kuantitas and kualitas: R / T x 100. Waktu and biaya (lower is better):
    /// efficiency E = 100 - R / T x 100; if E <= 24: ((1.76 T - R) / T) x 100, else
    /// 76 - ((((1.76 T - R) / T) x 100) - 100). A realisasi of 0 scores 0; biaya with no budget (target 0) is
    /// skipped (nil).
    public static func aspect(_ a: Aspect, target: Double, realisasi: Double) -> [Step]? {
        let r = Step.format(realisasi), t = Step.format(target)
        if a == .biaya && target <= 0 { return nil }
        guard target > 0 else { return nil }
        if realisasi == 0 { return [Step(a.rawValue, "0 (an activity with realisasi 0 scores 0)", 0)] }
        switch a {
        case .kuantitas, .kualitas:
            return [Step(a.rawValue, "\(r) / \(t) x 100", realisasi / target * 100)]
        case .waktu, .biaya:
            let e = 100 - realisasi / target * 100
            let base = (1.76 * target - realisasi) / target * 100
            let efficiency = Step("efisiensi E", "100 - \(r) / \(t) x 100", e)
            if e <= 24 {
                return [efficiency, Step(a.rawValue, "((1.76 x \(t) - \(r)) / \(t)) x 100 (E <= 24%)", base)]
            }
            return [efficiency, Step(a.rawValue, "76 - ((((1.76 x \(t) - \(r)) / \(t)) x 100) - 100) (E > 24%)", 76 - (base - 100))]
        }
    }

    /// Capaian of an activity: the sum of its scored aspects over their number.
    public static func activity(_ scores: [Double]) -> Double? {
        scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count)
    }

    /// Nilai prestasi = 60% SKP + 40% perilaku.
    public static func nilaiPrestasi(skp: Double, perilaku: Double) -> Double { skp * 0.6 + perilaku * 0.4 }

    /// >= 91 Sangat Baik, 76-90 Baik, 61-75 Cukup, 51-60 Kurang, <= 50 Buruk. A value between two bands
    /// (for example 90.5) takes the lower band's predikat: a band is reached only at its first whole number.
    public static func predikat(_ nilai: Double) -> Predikat {
        switch nilai {
        case 91...: .sangatBaik
        case 76...: .baik
        case 61...: .cukup
        case 51...: .kurang
        default: .buruk
        }
    }
}

/// The organisation's distribution check (DOMAIN.md "predikat kinerja organisasi"): which rules of the
/// profile's curve table a distribution of employee predikat breaks.
public enum Curve {
    public struct Breach: Sendable, Equatable, Codable, CustomStringConvertible {
        public var rule: String
        public var actual: String
        public var description: String { "\(rule): \(actual)" }
    }

    public struct Check: Sendable, Equatable, Codable {
        public var organisasi: PredikatOrganisasi
        public var total: Int
        public var rules: [String]
        public var breaches: [Breach]
        public var passes: Bool { breaches.isEmpty }
    }

    /// Checks `counts` (employees per predikat) against the rules for `organisasi` in `table`.
    public static func check(_ counts: [Predikat: Int], organisasi: PredikatOrganisasi,
                             table: [PredikatOrganisasi.RawValue: [TenantProfile.CurveRule]]) -> Check {
        let total = counts.values.reduce(0, +)
        var rules: [String] = []
        var breaches: [Breach] = []
        for rule in table[organisasi.rawValue] ?? [] {
            let names = rule.predikat.map(\.rawValue).joined(separator: " + ")
            let n = rule.predikat.reduce(0) { $0 + (counts[$1] ?? 0) }
            let share = total == 0 ? 0 : Double(n) / Double(total) * 100
            let actual = "\(n) of \(total) (\(Step.format(share))%)"
            if let max = rule.maxPercent {
                rules.append("\(names) at most \(Step.format(max))%")
                if share > max + 1e-9 { breaches.append(Breach(rule: rules.last!, actual: actual)) }
            }
            if let min = rule.minPercent {
                rules.append("\(names) at least \(Step.format(min))%")
                if share + 1e-9 < min { breaches.append(Breach(rule: rules.last!, actual: actual)) }
            }
            if let min = rule.minCount {
                rules.append("\(names) at least \(min) employee(s)")
                if n < min { breaches.append(Breach(rule: rules.last!, actual: actual)) }
            }
        }
        return Check(organisasi: organisasi, total: total, rules: rules, breaches: breaches)
    }
}
