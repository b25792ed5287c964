public import Foundation

/// Capaian (achievement) of an indicator and of an SKP, in percent (DOMAIN.md "Numeric regimes"):
/// realisasi / target x 100, and for a lower-is-better indicator (1 + (1 - realisasi / target)) x 100.
public enum Capaian {
    /// Capaian of one indicator, or nil when there is nothing to compare (no realisasi, no numeric target).
    /// Below 0 is shown as 0 (a lower-is-better result more than twice the target). A lower-is-better target of
    /// 0 (for example "no audit findings") is met, 100, only by a realisasi of 0, and otherwise scores 0.
    public static func iki(realisasi: Double?, target: Double?, lowerIsBetter: Bool) -> Double? {
        guard let r = realisasi, let t = target, r.isFinite, t.isFinite, t >= 0 else { return nil }
        if t == 0 {
            guard lowerIsBetter else { return nil }
            return r <= 0 ? 100 : 0
        }
        let ratio = r / t
        let c = max(0, (lowerIsBetter ? 1 + (1 - ratio) : ratio) * 100)
        return c.isFinite ? settled(c) : nil
    }

    /// A percentage settled to the millionth, as the evaluation settles it: 13.2 of a target of 12 is 110, not the
    /// 109.99999999999999 of floating point, which would fall below a band starting at 110.
    public static func settled(_ percent: Double) -> Double {
        let s = (percent * 1_000_000).rounded() / 1_000_000
        return s.isFinite ? s : percent
    }

    /// The year's realisasi from the periods' figures, in period order (nil when none was reported).
    public static func accumulate(_ values: [Double], _ mode: SKP.Accumulation) -> Double? {
        guard let last = values.last else { return nil }
        switch mode {
        case .sum: return values.reduce(0, +)
        case .last: return last
        case .average: return values.reduce(0, +) / Double(values.count)
        }
    }

    /// Capaian of an SKP: each RHK's is the mean of its indicators' capaian, and the SKP's the mean of its
    /// RHK utama (RHK tambahan are shown but do not pull the SKP down). Nil where nothing is measurable yet.
    public struct Summary: Sendable, Equatable {
        public var byIKI: [UUID: Double]
        public var byRHK: [UUID: Double]
        public var skp: Double?
    }

    /// `realisasi` holds each indicator's period figures in period order.
    public static func summary(_ content: SKP.Content, realisasi: [UUID: [Double]]) -> Summary {
        var byIKI: [UUID: Double] = [:]
        var byRHK: [UUID: Double] = [:]
        var utama: [Double] = []
        for r in content.rhk {
            var values: [Double] = []
            for k in r.iki {
                let year = accumulate(realisasi[k.key] ?? [], k.accumulation)
                if let c = iki(realisasi: year, target: k.targetValue, lowerIsBetter: k.lowerIsBetter) {
                    byIKI[k.key] = c
                    values.append(c)
                }
            }
            if !values.isEmpty {
                let mean = settled(values.reduce(0, +) / Double(values.count))
                byRHK[r.key] = mean
                if r.kind == .utama { utama.append(mean) }
            }
        }
        return Summary(byIKI: byIKI, byRHK: byRHK, skp: utama.isEmpty ? nil : settled(utama.reduce(0, +) / Double(utama.count)))
    }
}
