public import Foundation
import KinerjaCore

/// The language of a document and how it writes numbers and dates: Indonesian as official documents do
/// (`1.234,5`; `1 Desember 2026`), or English (`1,234.5`; `1 December 2026`).
public enum DocumentLanguage: String, Sendable, CaseIterable {
    case id, en

    static let monthsID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
                           "November", "Desember"]
    static let monthsEN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                           "November", "December"]

    /// A number with `digits` decimals and grouped thousands.
    public func number(_ v: Double, digits: Int = 1) -> String {
        // Half away from zero, as people round by hand (0,125 to 0,13), not to the nearest even.
        let scale = pow(10, Double(digits))
        let units = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        // The common case in whole integers, digit by digit: a document set writes millions of figures, and
        // String(format:) was a twentieth of its time. The same text as the general way below.
        if (0...6).contains(digits), units.isFinite, units < 1e15 {
            return integerUnits(UInt64(units), digits: digits, negative: v < 0)
        }
        return formatted(units / scale, digits: digits, negative: v < 0)
    }

    /// `units` is the value times 10^digits, rounded.
    func integerUnits(_ units: UInt64, digits: Int, negative: Bool) -> String {
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        var whole = units / scale, fraction = units % scale
        var out: [UInt8] = []
        out.reserveCapacity(24)
        // Written backwards, then reversed: the decimals, the separator, the whole part in groups of three.
        for _ in 0..<digits {
            out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
            fraction /= 10
        }
        if digits > 0 { out.append(self == .id ? UInt8(ascii: ",") : UInt8(ascii: ".")) }
        var count = 0
        repeat {
            if count > 0, count % 3 == 0 { out.append(self == .id ? UInt8(ascii: ".") : UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "0") + UInt8(whole % 10))
            whole /= 10
            count += 1
        } while whole > 0
        if negative, units > 0 { out.append(UInt8(ascii: "-")) }
        out.reverse()
        return String(decoding: out, as: UTF8.self)
    }

    func formatted(_ rounded: Double, digits: Int, negative: Bool) -> String {
        let text = String(format: "%.\(digits)f", rounded)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = (self == .id ? "." : ",") + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        grouped = whole + grouped
        let decimals = parts.count > 1 ? (self == .id ? "," : ".") + parts[1] : ""
        return (negative && text.contains(where: { $0 != "0" && $0 != "." }) ? "-" : "") + grouped + decimals
    }

    public func integer(_ v: Int) -> String { number(Double(v), digits: 0) }

    /// `92,3%` / `92.3%`; a dash for no value.
    public func percent(_ v: Double?) -> String { v.map { number($0) + "%" } ?? "–" }

    /// `1 Desember 2026, 14.05 WITA`-style: the day in words in the city's `timeZone`, with the time when asked.
    public func date(_ d: Date, timeZone: TimeZone, withTime: Bool = false) -> String {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        let p = c.dateComponents([.year, .month, .day, .hour, .minute], from: d)
        let month = (self == .id ? Self.monthsID : Self.monthsEN)[(p.month ?? 1) - 1]
        var out = "\(p.day ?? 1) \(month) \(p.year ?? 0)"
        if withTime {
            // Indonesia's zones by their Indonesian names; others as the system abbreviates them.
            let zone = TenantProfile.indonesianTimeZones[timeZone.identifier]
                ?? timeZone.abbreviation(for: d) ?? timeZone.identifier
            out += String(format: self == .id ? ", %02d.%02d " : ", %02d:%02d ", p.hour ?? 0, p.minute ?? 0) + zone
        }
        return out
    }
}
