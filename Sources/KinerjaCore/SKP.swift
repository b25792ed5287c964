public import Foundation

/// Sasaran Kinerja Pegawai: one employee's plan for one year (DOMAIN.md "SKP structure"). These are the
/// pure rules: the content and its checks, who may move an SKP through its workflow, and capaian.
public enum SKP {
    /// The largest target or realisasi figure taken (a quadrillion: rupiah of a city's budget fit, a typing
    /// slip of 1e307 does not, which would make capaian infinite and every read of the SKP fail).
    public static let largestFigure = 1e15
    public static let largestFigureText = "1,000,000,000,000,000"
    /// The smallest target above 0 (a smaller one turns an ordinary realisasi into an unreadable capaian).
    public static let smallestTarget = 0.000001

    public enum Status: String, Codable, Sendable, CaseIterable {
        case draft, submitted, approved, returned
        /// An approved revision that a later approved revision replaced. Kept, never changed.
        case superseded
    }

    public enum Approach: String, Codable, Sendable, CaseIterable { case kuantitatif, kualitatif }

    public enum RHKKind: String, Codable, Sendable, CaseIterable { case utama, tambahan }

    /// What an indicator measures: one of the four aspects, or for a JPT SKP one of the four perspektif.
    public enum Dimension: String, Codable, Sendable, CaseIterable {
        case kuantitas, kualitas, waktu, biaya
        case penerimaLayanan = "penerima_layanan"
        case prosesBisnis = "proses_bisnis"
        case penguatanInternal = "penguatan_internal"
        case anggaran

        public var isPerspektif: Bool {
            switch self {
            case .penerimaLayanan, .prosesBisnis, .penguatanInternal, .anggaran: true
            default: false
            }
        }
        public static let aspects: [Dimension] = [.kuantitas, .kualitas, .waktu, .biaya]
        public static let perspektif: [Dimension] = [.penerimaLayanan, .prosesBisnis, .penguatanInternal, .anggaran]
    }

    /// How the year's realisasi of an indicator is made from its periods' realisasi.
    public enum Accumulation: String, Codable, Sendable, CaseIterable {
        /// Counts add up over the year (documents processed, visits made).
        case sum
        /// A level: the latest period's figure is the year's (a percentage, an average score).
        case last
        /// The mean of the periods reported.
        case average

        /// The default: counts (kuantitas) add up; rates, scores and times are levels.
        public static func `default`(for dimension: Dimension) -> Accumulation {
            dimension == .kuantitas ? .sum : .last
        }
    }

    /// One indicator (IKI) with its target: a number and unit (kuantitatif) or a narrative (kualitatif).
    public struct IKI: Codable, Sendable, Equatable {
        /// Stable across revisions: realisasi and proposals refer to it.
        public var key: UUID
        public var text: String
        public var dimension: Dimension
        public var targetValue: Double?
        public var targetUnit: String?
        public var targetNarrative: String?
        public var lowerIsBetter: Bool
        public var accumulation: Accumulation
        /// The catalogue template it came from, if any.
        public var templateID: String?

        public init(key: UUID = UUID(), text: String, dimension: Dimension, targetValue: Double? = nil, targetUnit: String? = nil,
                    targetNarrative: String? = nil, lowerIsBetter: Bool = false, accumulation: Accumulation? = nil,
                    templateID: String? = nil) {
            self.key = key
            self.text = text
            self.dimension = dimension
            self.targetValue = targetValue
            self.targetUnit = targetUnit
            self.targetNarrative = targetNarrative
            self.lowerIsBetter = lowerIsBetter
            self.accumulation = accumulation ?? .default(for: dimension)
            self.templateID = templateID
        }

        enum CodingKeys: String, CodingKey {
            case key, text, dimension, targetValue, targetUnit, targetNarrative, lowerIsBetter, accumulation
            case templateID = "templateId"
        }

        /// Reads what a person writes: `key`, `lowerIsBetter` and `accumulation` may be left out.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let dimension = try c.decode(Dimension.self, forKey: .dimension)
            self.init(key: try c.decodeIfPresent(UUID.self, forKey: .key) ?? UUID(), text: try c.decode(String.self, forKey: .text),
                      dimension: dimension, targetValue: try c.decodeIfPresent(Double.self, forKey: .targetValue),
                      targetUnit: try c.decodeIfPresent(String.self, forKey: .targetUnit),
                      targetNarrative: try c.decodeIfPresent(String.self, forKey: .targetNarrative),
                      lowerIsBetter: try c.decodeIfPresent(Bool.self, forKey: .lowerIsBetter) ?? false,
                      accumulation: try c.decodeIfPresent(Accumulation.self, forKey: .accumulation),
                      templateID: try c.decodeIfPresent(String.self, forKey: .templateID))
        }
    }

    /// One planned result (RHK) and its indicators. `parentKey` is the atasan's RHK it intervenes in.
    public struct RHK: Codable, Sendable, Equatable {
        public var key: UUID
        public var kind: RHKKind
        public var text: String
        public var parentKey: UUID?
        public var iki: [IKI]

        public init(key: UUID = UUID(), kind: RHKKind, text: String, parentKey: UUID? = nil, iki: [IKI]) {
            self.key = key
            self.kind = kind
            self.text = text
            self.parentKey = parentKey
            self.iki = iki
        }

        /// `key` may be left out (a new RHK).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(key: try c.decodeIfPresent(UUID.self, forKey: .key) ?? UUID(), kind: try c.decode(RHKKind.self, forKey: .kind),
                      text: try c.decode(String.self, forKey: .text), parentKey: try c.decodeIfPresent(UUID.self, forKey: .parentKey),
                      iki: try c.decode([IKI].self, forKey: .iki))
        }
    }

    /// What a draft holds: the approach and the RHK.
    public struct Content: Codable, Sendable, Equatable {
        public var approach: Approach
        public var rhk: [RHK]

        public init(approach: Approach, rhk: [RHK]) {
            self.approach = approach
            self.rhk = rhk
        }

        public var allIKI: [IKI] { rhk.flatMap(\.iki) }
    }

    /// A problem in an SKP's content, at a path such as `rhk[1].iki[0].targetValue`.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var message: String
        public init(_ path: String, _ message: String) {
            self.path = path
            self.message = message
        }
        public var description: String { "\(path): \(message)" }
    }

    /// Every problem of a draft's content (empty when it is well formed). `jpt` chooses perspektif over
    /// aspects; `requireParents` asks every RHK to name the atasan's RHK (checked on submission).
    public static func problems(_ c: Content, jpt: Bool, requireParents: Bool) -> [Problem] {
        var out: [Problem] = []
        if !c.rhk.contains(where: { $0.kind == .utama }) {
            out.append(Problem("rhk", "an SKP needs at least one RHK utama"))
        }
        var keys = Set<UUID>()
        for (i, r) in c.rhk.enumerated() {
            let at = "rhk[\(i)]"
            if r.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out.append(Problem("\(at).text", "is empty")) }
            if !keys.insert(r.key).inserted { out.append(Problem("\(at).key", "'\(r.key.uuidString.lowercased())' is used twice")) }
            if requireParents && r.parentKey == nil {
                out.append(Problem("\(at).parentKey", "names no RHK of the atasan: every RHK of a non-JPT SKP cascades from one (RHK pimpinan yang diintervensi)"))
            }
            if r.iki.isEmpty { out.append(Problem("\(at).iki", "an RHK needs at least one IKI")) }
            for (j, k) in r.iki.enumerated() {
                let p = "\(at).iki[\(j)]"
                if !keys.insert(k.key).inserted { out.append(Problem("\(p).key", "'\(k.key.uuidString.lowercased())' is used twice")) }
                if k.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { out.append(Problem("\(p).text", "is empty")) }
                if jpt && !k.dimension.isPerspektif {
                    out.append(Problem("\(p).dimension", "'\(k.dimension.rawValue)' is an aspect; a JPT SKP uses a perspektif: \(Dimension.perspektif.map(\.rawValue).joined(separator: ", "))"))
                }
                if !jpt && k.dimension.isPerspektif {
                    out.append(Problem("\(p).dimension", "'\(k.dimension.rawValue)' is a JPT perspektif; use an aspect: \(Dimension.aspects.map(\.rawValue).joined(separator: ", "))"))
                }
                switch c.approach {
                case .kuantitatif:
                    if let v = k.targetValue {
                        if !v.isFinite || v < 0 || v > SKP.largestFigure {
                            out.append(Problem("\(p).targetValue", "\(v) is not a target: use a number from 0 to \(SKP.largestFigureText)"))
                        } else if v > 0 && v < SKP.smallestTarget {
                            out.append(Problem("\(p).targetValue", "\(v) is too small a target: use at least \(SKP.smallestTarget), or 0 for a lower-is-better indicator"))
                        }
                        if v == 0 && !k.lowerIsBetter { out.append(Problem("\(p).targetValue", "0 is a target only for a lower-is-better indicator")) }
                    } else {
                        out.append(Problem("\(p).targetValue", "a kuantitatif SKP needs a numeric target"))
                    }
                    if (k.targetUnit ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                        out.append(Problem("\(p).targetUnit", "a numeric target needs its unit (e.g. persen, dokumen)"))
                    }
                case .kualitatif:
                    if (k.targetNarrative ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && k.targetValue == nil {
                        out.append(Problem("\(p).targetNarrative", "a kualitatif SKP states the expected result in words (or a numeric target)"))
                    }
                }
            }
        }
        return out
    }
}

/// Who may move an SKP, and where it goes. `Relation` is how the actor stands to the SKP's owner.
public enum SKPWorkflow {
    public enum Action: String, Sendable, CaseIterable {
        /// Change the content of a draft (or of a returned SKP).
        case edit
        case submit
        case approve
        /// Send back for revision, with a note.
        case `return`
        /// Start a new revision of an approved SKP.
        case revise
    }

    public enum Relation: String, Sendable, CaseIterable {
        case owner
        /// The owner's atasan (pejabat penilai).
        case atasan
        /// City HR (BKPSDM): hr_admin keys and the admin CLI.
        case hr
        case other
    }

    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The actor may never do this.
        case notAllowed(action: Action, relation: Relation)
        /// Not from this status.
        case wrongStatus(action: Action, status: SKP.Status)

        public var description: String {
            switch self {
            case .notAllowed(let a, let r):
                let who: String = switch a {
                case .edit, .submit, .revise: "the employee or city HR"
                case .approve, .return: "the employee's atasan or city HR"
                }
                return "only \(who) may \(a.rawValue) this SKP (you are \(r == .other ? "neither" : "the \(r.rawValue)"))"
            case .wrongStatus(let a, let s):
                let hint: String = switch (a, s) {
                case (.edit, .submitted), (.submit, .submitted): "it is waiting for the atasan; ask them to return it to change it"
                case (.edit, .approved), (.submit, .approved): "it is approved; saving a change starts a new revision"
                case (.approve, _), (.return, _): "only a submitted SKP is approved or returned"
                case (.revise, _): "only an approved SKP is revised; edit the draft instead"
                default: "it is \(s.rawValue)"
                }
                return "cannot \(a.rawValue) an SKP that is \(s.rawValue): \(hint)"
            }
        }
    }

    /// The status after `action`, or why it is refused. For `revise`, the status of the new revision.
    public static func next(_ action: Action, from status: SKP.Status, by relation: Relation) throws(Refusal) -> SKP.Status {
        let allowed: Set<Relation> = switch action {
        case .edit, .submit, .revise: [.owner, .hr]
        case .approve, .return: [.atasan, .hr]
        }
        guard allowed.contains(relation) else { throw .notAllowed(action: action, relation: relation) }
        switch (action, status) {
        case (.edit, .draft): return .draft
        case (.edit, .returned): return .returned
        case (.submit, .draft), (.submit, .returned): return .submitted
        case (.approve, .submitted): return .approved
        case (.return, .submitted): return .returned
        case (.revise, .approved): return .draft
        default: throw .wrongStatus(action: action, status: status)
        }
    }
}
