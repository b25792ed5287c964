public import Foundation

/// Everything that differs between cities, as data. Loaded from YAML; a city's file states only what
/// differs from the national default (``NationalProfile``), and the two are merged key by key.
public struct TenantProfile: Codable, Sendable, Equatable {
    /// Human name of the profile, e.g. "Kota Makassar".
    public var name: String
    /// The regulation the profile follows, e.g. "PermenPANRB 6/2022".
    public var regulation: String
    /// The city's local time, an IANA name of one of Indonesia's zones (``indonesianTimeZones``): its dates
    /// ("today", for deadlines and the latest period begun) and the times on its documents. Optional for profiles
    /// stored before it existed, which were WITA; ``timeZoneOrDefault`` then gives that.
    public var timeZone: String?

    /// Indonesia's zones by IANA name, with the abbreviation documents print.
    public static let indonesianTimeZones: [String: String] = [
        "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT",
    ]

    public var timeZoneOrDefault: TimeZone { Self.timeZone(timeZone) }

    /// The zone of a profile stored without one: WITA, the time every city was read in before the key existed.
    public static let timeZoneWhenNoneStored = "Asia/Makassar"

    /// The zone named `name`; ``timeZoneWhenNoneStored`` for none (or a name this system does not know).
    public static func timeZone(_ name: String?) -> TimeZone {
        name.flatMap { TimeZone(identifier: $0) } ?? TimeZone(identifier: timeZoneWhenNoneStored) ?? TimeZone(secondsFromGMT: 8 * 3600)!
    }
    public var periods: Periods
    public var rating: RatingRegime
    public var behaviour360: Behaviour360
    public var distributionCurve: [PredikatOrganisasi.RawValue: [CurveRule]]
    public var indicators: [IndicatorTemplate]
    public var followUps: FollowUps
    public var tpp: TPP
    public var reports: Reports
    /// Names of the code hooks the city's adapter provides (for example `complaintResponsiveness`).
    public var hooks: [String]
    /// Planning settings. Optional so that profiles stored before it existed still read.
    public var skp: SKPSettings?
    /// How the system proposes the two ratings (2022 regime) before the atasan confirms them. Optional for
    /// profiles stored before it existed; ``ratingProposalOrDefault`` then gives the national default.
    public var ratingProposal: RatingProposal?

    public var ratingProposalOrDefault: RatingProposal { ratingProposal ?? .national }

    /// How long an offboarded city's data stay before they may be purged. Optional for profiles stored
    /// before it existed; ``retentionOrDefault`` then gives the national default.
    public var retention: Retention?

    public var retentionOrDefault: Retention { retention ?? .national }

    /// Deadlines of public complaints. Optional for profiles stored before it existed;
    /// ``complaintRulesOrDefault`` then gives the national rule.
    public var complaints: ComplaintRules?

    /// The city's holidays, `YYYY-MM-DD`: the national ones (the national profile lists the year's) and its own.
    /// No working day for the complaints' deadlines, the discipline scan or the TPP. Optional for profiles
    /// stored before it, which listed holidays under `complaints.holidayDates` only (still read: ``holidays``).
    public var holidayDates: [String]?

    /// Every holiday the profile lists: `holidayDates` and `complaints.holidayDates`.
    public var holidays: [CivilDate] { ((holidayDates ?? []) + (complaints?.holidayDates ?? [])).compactMap { CivilDate(iso: $0) } }

    /// The complaint rules, with every holiday the profile lists.
    public var complaintRulesOrDefault: ComplaintRules {
        var rules = complaints ?? .national
        rules.holidayDates = ((holidayDates ?? []) + rules.holidayDates)
        return rules
    }

    /// SP4N-LAPOR!: routed within 3 working days, followed up within 5, closed 10 days after the follow-up
    /// with no reply; working days are Monday to Friday less the profile's holidays.
    public struct ComplaintRules: Codable, Sendable, Equatable {
        public var routingWorkingDays: Int
        public var followUpWorkingDays: Int
        public var closeAfterDays: Int
        /// Holidays, `YYYY-MM-DD`, as profiles listed them before the profile's own `holidayDates` (read with
        /// them; a new profile lists them there).
        public var holidayDates: [String]
        /// The `indicators` id whose realisasi the complaint hook computes for each responsible officer (the
        /// share followed up on time); nil: complaints are reported on, not turned into realisasi.
        public var indicator: String?

        public init(routingWorkingDays: Int, followUpWorkingDays: Int, closeAfterDays: Int, holidayDates: [String],
                    indicator: String? = nil) {
            (self.routingWorkingDays, self.followUpWorkingDays, self.closeAfterDays, self.holidayDates, self.indicator) =
                (routingWorkingDays, followUpWorkingDays, closeAfterDays, holidayDates, indicator)
        }

        public var holidays: [CivilDate] { holidayDates.compactMap { CivilDate(iso: $0) } }

        public static let national = ComplaintRules(routingWorkingDays: 3, followUpWorkingDays: 5, closeAfterDays: 10, holidayDates: [])
    }

    public struct Retention: Codable, Sendable, Equatable {
        /// Days between `tenant offboard` and the first day `tenant purge` may run.
        public var offboardedDays: Int

        public init(offboardedDays: Int) { self.offboardedDays = offboardedDays }

        public static let national = Retention(offboardedDays: 365)
    }

    /// Thresholds for proposing ratings *(unconfirmed defaults, data)*: capaian of the SKP in percent for
    /// rating hasil kerja, and the weighted 360 score on the behaviour scale for rating perilaku kerja.
    public struct RatingProposal: Codable, Sendable, Equatable {
        public var hasilKerja: Bands
        public var perilaku: Bands
        /// The scale behaviour is rated on (for example 1-5).
        public var scaleMin: Double
        public var scaleMax: Double

        public init(hasilKerja: Bands, perilaku: Bands, scaleMin: Double, scaleMax: Double) {
            self.hasilKerja = hasilKerja
            self.perilaku = perilaku
            self.scaleMin = scaleMin
            self.scaleMax = scaleMax
        }

        /// At or above `diAtas`: Di Atas Ekspektasi; at or above `sesuai`: Sesuai; below: Di Bawah.
        public struct Bands: Codable, Sendable, Equatable {
            public var diAtas: Double
            public var sesuai: Double

            public init(diAtas: Double, sesuai: Double) {
                self.diAtas = diAtas
                self.sesuai = sesuai
            }
        }

        public static let national = RatingProposal(hasilKerja: Bands(diAtas: 110, sesuai: 80),
                                                    perilaku: Bands(diAtas: 4.5, sesuai: 3), scaleMin: 1, scaleMax: 5)
    }

    /// Pematangsiantar formulates indicators with the employees: an employee proposes an IKI, the atasan
    /// accepts or rejects it. Off unless the city's profile turns it on.
    public var indicatorProposals: Bool { skp?.indicatorProposals ?? false }

    public struct SKPSettings: Codable, Sendable, Equatable {
        public var indicatorProposals: Bool
    }

    /// How often realisasi is reported and periodic evaluation runs.
    public struct Periods: Codable, Sendable, Equatable {
        public enum Cadence: String, Codable, Sendable, CaseIterable { case monthly, quarterly }
        /// Which periods are evaluated: every period of the cadence and the year (`periodic`, the national
        /// default), or the year alone (`annual`: realisasi is still reported and monitored by the cadence).
        public enum Evaluation: String, Codable, Sendable, CaseIterable { case periodic, annual }
        public var cadence: Cadence
        public var evaluation: Evaluation?
        public init(cadence: Cadence, evaluation: Evaluation? = nil) {
            self.cadence = cadence
            self.evaluation = evaluation
        }
        /// The periods evaluated, in the API's names: `Y` alone for an annual-only city.
        public var evaluatedPeriods: String {
            evaluation == .annual ? "Y only" : (cadence == .monthly ? "M1-M12 and Y" : "Q1-Q4 and Y")
        }
        /// Whether a period (`annual` for the year itself) is one this city evaluates.
        public func evaluates(_ kind: EvaluationPeriod.Kind) -> Bool { kind == .annual || evaluation != .annual }
        /// Why `period` (its API name, of `kind`) is not evaluated in this city; nil when it is.
        public func refusal(of period: String, kind: EvaluationPeriod.Kind) -> String? {
            evaluates(kind) ? nil
                : "period \(period) is not evaluated in this city: it evaluates \(evaluatedPeriods) (profile periods.evaluation: annual)"
        }
    }

    public struct RatingRegime: Codable, Sendable, Equatable {
        public enum Regime: String, Codable, Sendable, CaseIterable {
            /// The 2022 matrix of ratings to predikat.
            case permenpanrb2022 = "permenpanrb-6-2022"
            /// PP 30/2019 / PermenPANRB 8/2021: numeric, 70/30 or 60/40.
            case pp30of2019 = "pp-30-2019"
            /// PP 46/2011: numeric, 60/40.
            case pp46of2011 = "pp-46-2011"
        }
        public var regime: Regime
        /// Weights of SKP and perilaku for the numeric regimes, in percent; ignored by the 2022 matrix.
        /// PP 30/2019 uses 60/40 instead when peers and bawahan both counted; PP 46/2011 is 60/40 by rule.
        public var skpWeight: Int
        public var behaviourWeight: Int
        /// PP 30/2019: the nilai capaian at exactly 100% (DOMAIN.md's example figure 109, unconfirmed).
        public var nilaiAt100: Double?
    }

    /// Weights of each source of 360 behaviour feedback, in percent.
    public struct Behaviour360: Codable, Sendable, Equatable {
        public var atasan: Int
        public var peer: Int
        public var subordinate: Int
        /// Peer weight used when the employee has no subordinates (atasan + this = 100).
        public var peerWithoutSubordinates: Int
        /// Fewest peer ratings before peers count in a score.
        public var minimumPeers: Int
        public var selfAssessment: Bool
    }

    /// One line of the organisation's distribution table: a share of employees in the listed predikat.
    public struct CurveRule: Codable, Sendable, Equatable {
        public var predikat: [Predikat]
        public var minPercent: Double?
        public var maxPercent: Double?
        /// "Must include some": at least this many employees.
        public var minCount: Int?
    }

    public struct IndicatorTemplate: Codable, Sendable, Equatable {
        public enum Aspect: String, Codable, Sendable, CaseIterable { case kuantitas, kualitas, waktu, biaya }
        public var id: String
        /// Jabatan names (or unit kinds) the template is offered for.
        public var appliesTo: [String]
        public var rhk: String
        public var iki: String
        public var aspect: Aspect
        public var unit: String
        public var target: Double?
        public var lowerIsBetter: Bool?
        /// How the periods' realisasi make the year's: left out, counts (kuantitas) add up and the other aspects
        /// take the latest figure. A rate counted as kuantitas (a participation rate, in percent) is `last`:
        /// four quarters of 98% are 98%, not 392%.
        public var accumulation: SKP.Accumulation?
        /// Pematangsiantar: formulated with the employees, so it needs their agreement before use.
        public var agreedWithEmployee: Bool?
    }

    public struct FollowUps: Codable, Sendable, Equatable {
        public var rewards: [Rule]
        public var coaching: [Rule]
        public var sanctions: [Rule]
        public var training: [Rule]
        /// Months to improve after poor performance before reassignment.
        public var improvementMonths: Int
        /// Makassar: the annual ASN Berprestasi ranking per category. Off when `top` is 0 (national default).
        public var ranking: Ranking?
        /// Makassar: new staff mentored by seniors rated well in the same OPD. Off when `newWithinMonths` is 0.
        public var mentoring: Mentoring?
        /// Pematangsiantar: a certificate for reaching the target. Off when `name` is empty.
        public var certificate: Certificate?
        /// Banjarbaru: a training offer on each employee's weakest BerAKHLAK value.
        public var trainingFromWeakestValue: Bool?

        public struct Ranking: Codable, Sendable, Equatable {
            /// How many per category receive the award.
            public var top: Int
            /// Who may be ranked.
            public var predikat: [Predikat]
            public var incentive: String
            /// In order: an employee is in the first category that matches.
            public var categories: [Category]

            public struct Category: Codable, Sendable, Equatable {
                public var name: String
                /// Jabatan names starting with one of these (for example "Guru").
                public var jabatanPrefix: [String]?
                /// struktural, fungsional or pelaksana.
                public var jabatanKind: [String]?
                /// The kind of the employee's unit or OPD (for example puskesmas).
                public var unitKind: [String]?
                /// An OPD code (for example DINKES).
                public var opd: [String]?
            }
        }

        public struct Mentoring: Codable, Sendable, Equatable {
            /// Staff whose TMT CPNS is at most this many months before the period's end.
            public var newWithinMonths: Int
            public var mentorPredikat: [Predikat]
            public var maxMenteesPerMentor: Int
        }

        public struct Certificate: Codable, Sendable, Equatable {
            public var name: String
            /// Capaian of the SKP (percent) at or above which the certificate is given.
            public var minCapaian: Double
        }

        public struct Rule: Codable, Sendable, Equatable {
            public var name: String
            public var when: [Predikat]
            public var note: String?
            /// Only where the SKP's capaian is at least this (percent): Pematangsiantar's incentive for reaching
            /// the target.
            public var minCapaian: Double?
        }
    }

    /// Tambahan Penghasilan Pegawai.
    public struct TPP: Codable, Sendable, Equatable {
        public var kinerjaPercent: Int
        public var disiplinPercent: Int
        /// Cut the whole TPP by `cutPercent` when monthly kinerja is below `belowPercent`.
        public var kinerjaCut: Cut?
        public var deductions: [Deduction]

        public struct Cut: Codable, Sendable, Equatable {
            public var belowPercent: Double
            public var cutPercent: Double
        }
        public struct Deduction: Codable, Sendable, Equatable {
            public var event: String
            public var percent: Double
        }
    }

    public struct Reports: Codable, Sendable, Equatable {
        /// The reports the city has (``ReportDefinition/resolve(_:separator:)`` fills in the defaults).
        public var formats: [Format]
        /// Palu: an annual ASN performance report published for the public (any city may switch it on).
        public var publicAnnualReport: Bool
        /// Between CSV fields; `;` when absent (spreadsheets set up for Indonesia read `;`).
        public var csvSeparator: String?

        public struct Format: Codable, Sendable, Equatable {
            /// csv, json, html (printable, A4) or pdf (the HTML through headless Chromium): the default when
            /// none is asked for; every report can be had in each.
            public enum Kind: String, Codable, Sendable, CaseIterable { case csv, json, html, pdf }
            public var id: String
            public var title: String
            public var titleEN: String?
            public var kind: Kind
            /// The data shown; absent in profiles written before sources were named, where the id says it.
            public var source: ReportSource?
            /// The fields shown, in order, optionally relabelled; absent: all of the source's.
            public var columns: [Column]?
            /// The Mustache template of the HTML: the city adapter's own or the core's; absent: the source's.
            public var template: String?
            public var csvSeparator: String?

            public struct Column: Codable, Sendable, Equatable {
                public var field: String
                public var label: String?
                public var labelEN: String?
            }
        }
    }
}
