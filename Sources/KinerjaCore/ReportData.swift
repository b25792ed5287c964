public import Foundation

/// A cell of a report: text, a number shown with its decimals, a whole number, or nothing. Formatting (the
/// decimal comma, thousands) belongs to the document's language, so values stay values until rendered.
public enum ReportValue: Sendable, Equatable, Codable {
    case text(String)
    case number(Double)
    case integer(Int)
    case none

    public init(_ v: String?) { self = v.map(ReportValue.text) ?? .none }
    public init(_ v: Double?) { self = v.map(ReportValue.number) ?? .none }
    public init(_ v: Int?) { self = v.map(ReportValue.integer) ?? .none }

    /// The value as JSON has it: a string, a number or null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let s): try c.encode(s)
        case .number(let d): try c.encode((d * 100).rounded() / 100)
        case .integer(let i): try c.encode(i)
        case .none: try c.encodeNil()
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .none } else if let i = try? c.decode(Int.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .text(try c.decode(String.self)) }
    }
}

/// One row of a tabular report: field key to value (the source's fields, ``ReportSource/fields``).
public typealias ReportRow = [String: ReportValue]

/// What a report shows for one employee: the Dokumen Evaluasi Kinerja Pegawai laid out as the national form
/// does (identity, pejabat penilai and their atasan, the SKP with realisasi and feedback, both ratings with
/// the 360 aggregate, predikat, follow-ups), with what the annual assessment and a certificate add.
public struct EvaluationDocument: Sendable, Equatable, Codable {
    public struct Person: Sendable, Equatable, Codable {
        public var nip: String
        public var name: String
        public var jabatan: String
        public var golongan: String?
        public var unit: String
        public init(nip: String, name: String, jabatan: String, golongan: String?, unit: String) {
            (self.nip, self.name, self.jabatan, self.golongan, self.unit) = (nip, name, jabatan, golongan, unit)
        }
    }
    public struct Indicator: Sendable, Equatable, Codable {
        public var text: String
        public var target: String
        public var realisasi: Double?
        public var unit: String?
        public var capaian: Double?
        public init(text: String, target: String, realisasi: Double?, unit: String?, capaian: Double?) {
            (self.text, self.target, self.realisasi, self.unit, self.capaian) = (text, target, realisasi, unit, capaian)
        }
    }
    public struct Plan: Sendable, Equatable, Codable {
        public var kind: String
        public var text: String
        public var capaian: Double?
        public var indicators: [Indicator]
        public init(kind: String, text: String, capaian: Double?, indicators: [Indicator]) {
            (self.kind, self.text, self.capaian, self.indicators) = (kind, text, capaian, indicators)
        }
    }
    public struct Feedback: Sendable, Equatable, Codable {
        public var period: String
        public var plan: String
        public var author: String
        public var text: String
        public init(period: String, plan: String, author: String, text: String) {
            (self.period, self.plan, self.author, self.text) = (period, plan, author, text)
        }
    }
    public struct Behaviour: Sendable, Equatable, Codable {
        /// The weighted 360 score and each source's mean; peers and bawahan only when enough answered.
        public var score: Double?
        public var atasan: Double?
        public var peer: Double?
        public var peers: Int?
        public var bawahan: Double?
        public var bawahans: Int?
        public init(score: Double?, atasan: Double?, peer: Double?, peers: Int?, bawahan: Double?, bawahans: Int?) {
            (self.score, self.atasan, self.peer, self.peers, self.bawahan, self.bawahans) = (score, atasan, peer, peers, bawahan, bawahans)
        }
    }
    public struct FollowUpLine: Sendable, Equatable, Codable {
        public var kind: String
        public var rule: String
        public var due: String?
        public var status: String
        /// The follow-up's own number (a certificate's number is made from it).
        public var id: Int64
        public var detail: [String: String]
        public init(kind: String, rule: String, due: String?, status: String, id: Int64, detail: [String: String]) {
            (self.kind, self.rule, self.due, self.status, self.id, self.detail) = (kind, rule, due, status, id, detail)
        }
    }
    public struct Sanction: Sendable, Equatable, Codable {
        public var step: String
        public var status: String
        public var note: String?
        public init(step: String, status: String, note: String?) { (self.step, self.status, self.note) = (step, status, note) }
    }

    public var year: Int
    public var period: String
    public var employee: Person
    public var opd: String
    public var opdName: String
    public var pejabatPenilai: Person?
    public var atasanPejabatPenilai: Person?
    public var plans: [Plan]
    public var feedback: [Feedback]
    public var capaian: Double?
    public var ratingHasil: String?
    public var ratingPerilaku: String?
    public var behaviour: Behaviour
    public var predikat: String?
    /// proposed, confirmed or final.
    public var status: String
    public var followUps: [FollowUpLine]
    public var sanctions: [Sanction]

    public init(year: Int, period: String, employee: Person, opd: String, opdName: String, pejabatPenilai: Person?,
                atasanPejabatPenilai: Person?, plans: [Plan], feedback: [Feedback], capaian: Double?, ratingHasil: String?,
                ratingPerilaku: String?, behaviour: Behaviour, predikat: String?, status: String, followUps: [FollowUpLine],
                sanctions: [Sanction]) {
        self.year = year; self.period = period; self.employee = employee; self.opd = opd; self.opdName = opdName
        self.pejabatPenilai = pejabatPenilai; self.atasanPejabatPenilai = atasanPejabatPenilai; self.plans = plans
        self.feedback = feedback; self.capaian = capaian; self.ratingHasil = ratingHasil; self.ratingPerilaku = ratingPerilaku
        self.behaviour = behaviour; self.predikat = predikat; self.status = status; self.followUps = followUps; self.sanctions = sanctions
    }

    /// The document as a row of its source's fields.
    public func row(for source: ReportSource) -> ReportRow {
        let training = followUps.filter { $0.kind == "training" }.map(\.rule).joined(separator: "; ")
        let certificate = followUps.first { $0.kind == "certificate" }
        var row: ReportRow = [
            "nip": .text(employee.nip), "nama": .text(employee.name), "jabatan": .text(employee.jabatan), "unit": .text(employee.unit),
            "opd": .text(opd), "pejabatPenilai": ReportValue(pejabatPenilai.map { "\($0.name) (\($0.nip))" }),
            "capaian": ReportValue(capaian), "ratingHasil": ReportValue(ratingHasil), "skor360": ReportValue(behaviour.score),
            "ratingPerilaku": ReportValue(ratingPerilaku), "predikat": ReportValue(predikat), "status": .text(status),
            "umpanBalik": .text(feedback.map { "\($0.period): \($0.text)" }.joined(separator: " | ")),
            "pelatihan": .text(training), "sanksi": .text(sanctions.map { "\($0.step) (\($0.status))" }.joined(separator: "; ")),
        ]
        if source == .certificate, let certificate {
            row["nomor"] = .text(Self.certificateNumber(year: year, id: certificate.id))
            row["penghargaan"] = .text(certificate.rule)
        }
        return row
    }

    /// The number printed on a certificate: its year and follow-up number.
    public static func certificateNumber(year: Int, id: Int64) -> String { "SKT/\(year)/\(String(format: "%06d", id))" }
}
