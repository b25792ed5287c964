/// A performance period: the year (evaluasi tahunan) or one of its months or quarters (evaluasi periodik).
public struct EvaluationPeriod: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case annual, quarterly, monthly
    }

    public var year: Int
    public var kind: Kind
    /// 0 for the year, 1-4 for a quarter, 1-12 for a month.
    public var sequence: Int
    public var startsOn: CivilDate
    public var endsOn: CivilDate

    public init(year: Int, kind: Kind, sequence: Int, startsOn: CivilDate, endsOn: CivilDate) {
        self.year = year
        self.kind = kind
        self.sequence = sequence
        self.startsOn = startsOn
        self.endsOn = endsOn
    }

    /// The years a period may be opened for.
    public static let years = 2000...2100

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case year(Int)
        case sequence(kind: Kind, Int)
        public var description: String {
            switch self {
            case .year(let y): "year \(y) is out of range: use \(EvaluationPeriod.years.lowerBound)-\(EvaluationPeriod.years.upperBound)"
            case .sequence(let kind, let n):
                switch kind {
                case .annual: "the annual period has no number (got \(n))"
                case .quarterly: "quarter \(n) does not exist: use 1-4"
                case .monthly: "month \(n) does not exist: use 1-12"
                }
            }
        }
    }

    /// The annual period and its sub-periods for the city's cadence, in calendar order.
    public static func plan(year: Int, cadence: TenantProfile.Periods.Cadence) throws(Problem) -> [EvaluationPeriod] {
        let annual = try period(year: year, kind: .annual, sequence: 0)
        let kind: Kind = cadence == .monthly ? .monthly : .quarterly
        let count = kind == .monthly ? 12 : 4
        var out = [annual]
        for n in 1...count { out.append(try period(year: year, kind: kind, sequence: n)) }
        return out
    }

    /// One period with its first and last day.
    public static func period(year: Int, kind: Kind, sequence: Int) throws(Problem) -> EvaluationPeriod {
        guard years.contains(year) else { throw .year(year) }
        let (first, last): (Int, Int)
        switch kind {
        case .annual:
            guard sequence == 0 else { throw .sequence(kind: kind, sequence) }
            (first, last) = (1, 12)
        case .quarterly:
            guard (1...4).contains(sequence) else { throw .sequence(kind: kind, sequence) }
            (first, last) = (sequence * 3 - 2, sequence * 3)
        case .monthly:
            guard (1...12).contains(sequence) else { throw .sequence(kind: kind, sequence) }
            (first, last) = (sequence, sequence)
        }
        return EvaluationPeriod(year: year, kind: kind, sequence: sequence,
                                startsOn: CivilDate(year: year, month: first, day: 1),
                                endsOn: CivilDate(year: year, month: last, day: CivilDate.daysIn(year: year, month: last)))
    }

    /// `2026`, `2026-Q2`, `2026-03`.
    public var description: String {
        switch kind {
        case .annual: "\(year)"
        case .quarterly: "\(year)-Q\(sequence)"
        case .monthly: "\(year)-" + (sequence < 10 ? "0" : "") + "\(sequence)"
        }
    }
}
