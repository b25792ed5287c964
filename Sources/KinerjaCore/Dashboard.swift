public import Foundation

/// Where an OPD's distribution of predikat stands, as `evaluate curve`, the dashboard and the OPD recap say it;
/// the raw values are the API's codes.
public enum CurveStatus: String, Codable, Sendable, CaseIterable {
    /// The OPD's results are final (the curve passed, or the city's regime has none).
    case final = "final"
    /// Final although the curve is broken, with a reason recorded.
    case finalOverride = "final (override)"
    /// A numeric regime (PP 30/2019, PP 46/2011): no distribution applies.
    case noCurve = "no curve (numeric regime)"
    /// Evaluated, but the organisation's predikat, which sets the curve, is not yet set.
    case noOrgPredikat = "no org predikat"
    case passes = "passes"
    case broken = "BROKEN"
    /// No evaluation in the period yet.
    case notEvaluated = "not evaluated"
}

/// A city's (or one OPD's) performance at a glance, for a year and one of its periods: per OPD the reporting
/// completeness, the capaian and predikat distribution and the curve status; the trend over the year's
/// periods; the indicators that go best and worst. Computed set-based and kept as a snapshot
/// (`dashboard_snapshots`), so that reading it costs one row.
public struct Dashboard: Codable, Sendable, Equatable {
    public var year: Int
    /// `Y`, `Q1`-`Q4` or `M1`-`M12`.
    public var period: String
    public var computedAt: Date
    /// The whole city, or the one OPD of a kepala OPD's view.
    public var totals: Figures
    public var opds: [OPD]
    /// One point per period of the year's cadence (months or quarters), in order.
    public var trend: [TrendPoint]
    /// Indicator templates with the highest and lowest mean capaian (at least `Indicator.minimumCount` IKI).
    public var topIndicators: [Indicator]
    public var bottomIndicators: [Indicator]

    public init(year: Int, period: String, computedAt: Date, totals: Figures, opds: [OPD], trend: [TrendPoint],
                topIndicators: [Indicator], bottomIndicators: [Indicator]) {
        self.year = year
        self.period = period
        self.computedAt = computedAt
        self.totals = totals
        self.opds = opds
        self.trend = trend
        self.topIndicators = topIndicators
        self.bottomIndicators = bottomIndicators
    }

    /// Capaian bands of the SKP (percent), lower bound included: below 60, 60-79, 80-99, 100-109, 110 and more.
    public static let capaianBands: [(label: String, from: Double)] = [("<60", -.infinity), ("60-79", 60), ("80-99", 80), ("100-109", 100), ("110+", 110)]

    public struct Figures: Codable, Sendable, Equatable {
        /// Active employees.
        public var employees: Int
        /// Employees with an approved SKP for the year.
        public var skpApproved: Int
        /// Indicators of the approved SKPs, and those with realisasi in the period (in the year, for `Y`).
        public var ikiTotal: Int
        public var ikiReported: Int
        /// Employees with a result of the period's `evaluate run`, and their mean SKP capaian.
        public var evaluated: Int
        public var meanCapaian: Double?
        /// Of the evaluated, those with a capaian (what `meanCapaian` averages); nil in a snapshot from before.
        public var measured: Int?
        /// Employees per capaian band (``Dashboard/capaianBands``) and per predikat (2022 names; evaluated ones).
        public var capaian: [String: Int]
        public var predikat: [String: Int]

        /// Share of indicators reported, in percent; nil without indicators.
        public var completeness: Double? { ikiTotal == 0 ? nil : Double(ikiReported) / Double(ikiTotal) * 100 }

        public static let zero = Figures(employees: 0, skpApproved: 0, ikiTotal: 0, ikiReported: 0, evaluated: 0, meanCapaian: nil,
                                  capaian: [:], predikat: [:])

        public mutating func add(_ o: Figures) {
            // Each mean weighs by the results it averaged: those with a capaian (a result without realisasi has
            // none, and counted as 0 it pulled the city's mean down). A snapshot from before `measured`: evaluated.
            let mine = meanCapaian == nil ? 0 : measured ?? evaluated
            let theirs = o.meanCapaian == nil ? 0 : o.measured ?? o.evaluated
            let weighted = (meanCapaian ?? 0) * Double(mine) + (o.meanCapaian ?? 0) * Double(theirs)
            employees += o.employees; skpApproved += o.skpApproved; ikiTotal += o.ikiTotal; ikiReported += o.ikiReported
            evaluated += o.evaluated
            measured = mine + theirs
            meanCapaian = mine + theirs == 0 ? nil : weighted / Double(mine + theirs)
            capaian.merge(o.capaian, uniquingKeysWith: +); predikat.merge(o.predikat, uniquingKeysWith: +)
        }

        public init(employees: Int, skpApproved: Int, ikiTotal: Int, ikiReported: Int, evaluated: Int, meanCapaian: Double?, capaian: [String: Int], predikat: [String: Int]) {
            self.employees = employees
            self.skpApproved = skpApproved
            self.ikiTotal = ikiTotal
            self.ikiReported = ikiReported
            self.evaluated = evaluated
            self.meanCapaian = meanCapaian
            self.capaian = capaian
            self.predikat = predikat
        }
    }

    public struct OPD: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        public var figures: Figures
        public var predikatOrganisasi: PredikatOrganisasi?
        public var curveStatus: CurveStatus
        /// The rules the distribution breaks, with the shares.
        public var curveBreaches: [String]
        /// The OPD's own trend and indicators (what a kepala OPD sees).
        public var trend: [TrendPoint]
        public var topIndicators: [Indicator]
        public var bottomIndicators: [Indicator]

        public init(code: String, name: String, figures: Figures, predikatOrganisasi: PredikatOrganisasi?, curveStatus: CurveStatus, curveBreaches: [String], trend: [TrendPoint], topIndicators: [Indicator], bottomIndicators: [Indicator]) {
            self.code = code
            self.name = name
            self.figures = figures
            self.predikatOrganisasi = predikatOrganisasi
            self.curveStatus = curveStatus
            self.curveBreaches = curveBreaches
            self.trend = trend
            self.topIndicators = topIndicators
            self.bottomIndicators = bottomIndicators
        }
    }

    public struct TrendPoint: Codable, Sendable, Equatable {
        public var period: String
        public var ikiReported: Int
        public var ikiTotal: Int
        /// The period's own `evaluate run`, when it had one: employees and mean capaian.
        public var evaluated: Int
        public var meanCapaian: Double?
        /// Of the evaluated, those with a capaian (what `meanCapaian` averages); nil in a snapshot from before.
        public var measured: Int?
        public var completeness: Double? { ikiTotal == 0 ? nil : Double(ikiReported) / Double(ikiTotal) * 100 }

        public init(period: String, ikiReported: Int, ikiTotal: Int, evaluated: Int, meanCapaian: Double?) {
            self.period = period
            self.ikiReported = ikiReported
            self.ikiTotal = ikiTotal
            self.evaluated = evaluated
            self.meanCapaian = meanCapaian
        }
    }

    public struct Indicator: Codable, Sendable, Equatable {
        public static let minimumCount = 5
        public var templateID: String
        public var text: String
        /// Indicators of this template with realisasi, and their mean capaian to date.
        public var count: Int
        public var meanCapaian: Double

        public init(templateID: String, text: String, count: Int, meanCapaian: Double) {
            self.templateID = templateID
            self.text = text
            self.count = count
            self.meanCapaian = meanCapaian
        }
    }
}

extension Dashboard {
    /// The view of one OPD: its figures as the totals, and only its line.
    public func only(opd code: String) -> Dashboard {
        var d = self
        d.opds = opds.filter { $0.code == code }
        d.totals = d.opds.first?.figures ?? .zero
        d.trend = d.opds.first?.trend ?? []
        d.topIndicators = d.opds.first?.topIndicators ?? []
        d.bottomIndicators = d.opds.first?.bottomIndicators ?? []
        return d
    }
}
