public import Foundation

/// The annual ASN performance report a city publishes for everyone (Palu's, and any city whose profile sets
/// `reports.publicAnnualReport`): aggregates per OPD only, never a name or a NIP, and no figure about fewer
/// than ``minimumGroup`` people.
public struct PublicReport: Codable, Sendable, Equatable {
    /// Groups smaller than this are not shown (*(unconfirmed)* figure, the usual statistical threshold).
    public static let minimumGroup = 5
    public static let predikat = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"]

    /// A count as published: the number, or hidden because it is about fewer than five people (or because
    /// it would give a hidden one away, through the row's total).
    public enum Cell: Codable, Sendable, Equatable {
        case count(Int)
        case suppressed

        public var value: Int? { if case .count(let n) = self { n } else { nil } }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .count(let n): try c.encode(n)
            case .suppressed: try c.encodeNil()
            }
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            self = c.decodeNil() ? .suppressed : .count(try c.decode(Int.self))
        }
    }

    public struct OPD: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        /// Employees evaluated; nil (the whole line hidden) when fewer than five.
        public var evaluated: Int?
        /// Per predikat: the count, or suppressed.
        public var predikat: [String: Cell]
        /// Mean capaian of the RHK that contribute to the OPD's goals through the cascade, when at least five
        /// employees contribute.
        public var goalCapaian: Double?
        /// Sangat Baik + Baik as a share of those evaluated, and its change since the previous year's report
        /// (in percentage points); nil where either year is hidden or absent.
        public var shareGood: Double?
        public var changeGood: Double?

        public init(code: String, name: String, evaluated: Int?, predikat: [String: Cell], goalCapaian: Double?, shareGood: Double?,
                    changeGood: Double?) {
            (self.code, self.name, self.evaluated, self.predikat, self.goalCapaian, self.shareGood, self.changeGood) =
                (code, name, evaluated, predikat, goalCapaian, shareGood, changeGood)
        }
    }

    public var city: String
    public var year: Int
    public var publishedAt: Date
    public var evaluated: Int
    /// The whole city per predikat (the city is never a small group: shown as counted).
    public var predikat: [String: Int]
    public var opds: [OPD]
    /// OPDs not shown because fewer than five of their employees were evaluated.
    public var hiddenOPDs: Int
    public var previousYear: Int?

    public init(city: String, year: Int, publishedAt: Date, evaluated: Int, predikat: [String: Int], opds: [OPD], hiddenOPDs: Int,
                previousYear: Int?) {
        (self.city, self.year, self.publishedAt, self.evaluated, self.predikat, self.opds, self.hiddenOPDs, self.previousYear) =
            (city, year, publishedAt, evaluated, predikat, opds, hiddenOPDs, previousYear)
    }

    /// The cells of a row of counts (in `order`) that a publication hides: each count of one to four people, and,
    /// when that hides exactly one, the next smallest count above zero too (else the row's total would tell it).
    public static func hiddenCells(_ counts: [String: Int], order: [String]) -> Set<String> {
        var hidden = Set(order.filter { (1..<minimumGroup).contains(counts[$0] ?? 0) })
        if hidden.count == 1,
           let next = order.filter({ !hidden.contains($0) && (counts[$0] ?? 0) > 0 }).min(by: { counts[$0]! < counts[$1]! }) {
            hidden.insert(next)
        }
        return hidden
    }

    /// The cells each row of a table of counts hides, when the table's column totals are published too (the
    /// city's counts per predikat): each count of one to four people, and then more until no
    /// hidden count can be worked out by subtraction. A row hiding one cell would be told by the row's total,
    /// and a column with one unknown by the column's total: the rows hidden whole (`restHidden`: groups under
    /// five, left out) count as one unknown in every column. The next cell hidden is the smallest above zero,
    /// else the first; ties go to the row that sorts first by `code`, so the same table hides the same cells
    /// wherever it is shown (the public report, an integrator's OPD recap).
    public static func hiddenCells(_ rows: [(code: String, counts: [String: Int])], order: [String], restHidden: Bool) -> [String: Set<String>] {
        let rows = rows.sorted { $0.code < $1.code }
        // The counts of one to four; the loop adds what each row and column needs besides.
        var hidden = rows.map { r in Set(order.filter { (1..<minimumGroup).contains(r.counts[$0] ?? 0) }) }
        func count(_ row: Int, _ column: String) -> Int { rows[row].counts[column] ?? 0 }
        var changed = true
        while changed {
            changed = false
            for i in rows.indices where hidden[i].count == 1 {
                let left = order.filter { !hidden[i].contains($0) }
                if let next = left.filter({ count(i, $0) > 0 }).min(by: { count(i, $0) < count(i, $1) }) ?? left.first {
                    hidden[i].insert(next)
                    changed = true
                }
            }
            for column in order where rows.indices.filter({ hidden[$0].contains(column) }).count + (restHidden ? 1 : 0) == 1 {
                let left = rows.indices.filter { !hidden[$0].contains(column) }
                if let next = left.filter({ count($0, column) > 0 }).min(by: { count($0, column) < count($1, column) }) ?? left.first {
                    hidden[next].insert(column)
                    changed = true
                }
            }
        }
        return Dictionary(uniqueKeysWithValues: zip(rows.map(\.code), hidden))
    }

    /// The published line of an OPD from its counts: hidden whole under five people; each predikat count of
    /// 1-4 hidden, and when a row hides exactly one, the next smallest too (else the total would tell it).
    /// `hidden`, from ``hiddenCells(_:order:restHidden:)``, says which when the city's counts are published too.
    public static func line(code: String, name: String, counts: [String: Int], goalCapaian: Double?, contributors: Int,
                            previousShareGood: Double?, hidden: Set<String>? = nil) -> OPD? {
        let total = counts.values.reduce(0, +)
        guard total >= minimumGroup else { return nil }
        let hidden = hidden ?? hiddenCells(counts, order: predikat)
        var cells: [String: Cell] = [:]
        for p in predikat { cells[p] = hidden.contains(p) ? .suppressed : .count(counts[p] ?? 0) }
        // The share of good results only where both counts are shown: with the total it would give a hidden one away.
        let shown = cells["Sangat Baik"] != .suppressed && cells["Baik"] != .suppressed
        let good = shown ? Double((counts["Sangat Baik"] ?? 0) + (counts["Baik"] ?? 0)) / Double(total) * 100 : nil
        return OPD(code: code, name: name, evaluated: total, predikat: cells,
                   goalCapaian: contributors >= minimumGroup ? goalCapaian : nil, shareGood: good,
                   changeGood: good.flatMap { g in previousShareGood.map { g - $0 } })
    }
}
