/// Whose report: the year and period (`Y`, `Q1`-`Q4`, `M1`-`M12`), and optionally one OPD or one employee.
public struct ReportScope: Sendable, Equatable, Codable {
    public var year: Int
    public var period: String
    public var opd: String?
    public var nip: String?
    /// The tables leave out figures about fewer than ``PublicReport/minimumGroup`` people, as the public report
    /// does (for a key that reads no one's assessment: they would be one or two people's).
    public var hidesSmallGroups = false
    public init(year: Int, period: String, opd: String? = nil, nip: String? = nil, hidesSmallGroups: Bool = false) {
        (self.year, self.period, self.opd, self.nip, self.hidesSmallGroups) = (year, period, opd, nip, hidesSmallGroups)
    }
}

/// Where a report's data come from (the store, for one city): the generator asks, and renders.
public protocol ReportDataSource: Sendable {
    /// The NIPs with a result in the scope, in OPD then NIP order; with `withFollowUp`, only those with a
    /// follow-up of that kind.
    func employees(_ scope: ReportScope, withFollowUp kind: String?) async throws -> [String]
    /// The documents of `nips`, in that order.
    func documents(_ nips: [String], scope: ReportScope, withSanctions: Bool) async throws -> [EvaluationDocument]
    /// The rows of a tabular source.
    func rows(_ source: ReportSource, scope: ReportScope) async throws -> [ReportRow]
    /// The published public report of `year`, if any.
    func publicReport(year: Int) async throws -> PublicReport?
}
