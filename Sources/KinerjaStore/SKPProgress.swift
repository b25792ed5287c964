public import Foundation
public import KinerjaCore
import PostgresNIO

/// Bukti dukung: a link and/or a short note.
public struct Evidence: Codable, Sendable, Equatable {
    public var url: String?
    public var note: String?
    public init(url: String?, note: String?) {
        self.url = url
        self.note = note
    }
}

/// A month or quarter of a year, as realisasi and feedback name it.
public struct SubPeriod: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: EvaluationPeriod.Kind
    public var sequence: Int
    public init(kind: EvaluationPeriod.Kind, sequence: Int) {
        self.kind = kind
        self.sequence = sequence
    }
    /// The name in the API: `M3`, `Q1`, or `Y` for the year itself.
    public var description: String { kind == .annual ? "Y" : (kind == .monthly ? "M" : "Q") + String(sequence) }

    /// The year itself (evaluasi tahunan).
    public static let year = SubPeriod(kind: .annual, sequence: 0)

    /// The share of the year from its start to the end of this period (Q2: 0.5, M3: 0.25, the year: 1): what a
    /// summed indicator's yearly target is measured against up to it.
    public var shareOfYear: Double {
        switch kind {
        case .annual: 1
        case .quarterly: Double(sequence) / 4
        case .monthly: Double(sequence) / 12
        }
    }

    /// Reads `M1`-`M12`, `Q1`-`Q4` or `Y` (case does not matter).
    public init?(_ text: String) {
        let t = text.uppercased()
        if t == "Y" { self = .year; return }
        guard let first = t.first, let n = Int(t.dropFirst()) else { return nil }
        switch first {
        case "M" where (1...12).contains(n): self.init(kind: .monthly, sequence: n)
        case "Q" where (1...4).contains(n): self.init(kind: .quarterly, sequence: n)
        default: return nil
        }
    }
    public static func < (a: SubPeriod, b: SubPeriod) -> Bool { (a.kind.rawValue, a.sequence) < (b.kind.rawValue, b.sequence) }
}

extension EvaluationPeriod {
    /// The period as realisasi, feedback and the API name it (`M3`, `Q1`, `Y`), without its year.
    public var subPeriod: SubPeriod { SubPeriod(kind: kind, sequence: sequence) }
    /// The period in a message, as the API names it and with its year: `M3 of 2026`, `the year 2026`.
    public var named: String { kind == .annual ? "the year \(year)" : "\(subPeriod) of \(year)" }
}

/// One reported realisasi.
public struct Realisasi: Sendable, Equatable {
    public var ikiKey: UUID
    public var period: SubPeriod
    public var value: Double?
    public var narrative: String?
    public var evidence: [Evidence]
    public var reportedAt: Date
    public var reportedBy: String
}

/// One piece of the atasan's feedback (umpan balik).
public struct Feedback: Sendable, Equatable {
    public var id: UUID
    public var rhkKey: UUID
    public var period: SubPeriod
    public var author: String
    public var authorNIP: String?
    public var text: String
    public var createdAt: Date
}

/// An SKP as the employee and the atasan see it during the year: the revision in force (or, before the first
/// approval, the latest), what was reported against it, the feedback, and capaian computed now.
public struct SKPView: Sendable {
    public var revision: SKPRevision
    /// The revision being worked on, when it differs from the one shown (a revision after approval).
    public var pending: SKPRevision?
    public var realisasi: [Realisasi]
    public var feedback: [Feedback]
    public var capaian: Capaian.Summary
}

extension TenantTransaction {
    /// The SKP as the year's work sees it; nil when the employee has none for the year.
    public func skpView(nip: String, year: Int) async throws -> SKPView? {
        let revisions = try await skpRevisions(nip: nip, year: year)
        guard let latest = revisions.last else { return nil }
        let shown = revisions.last { $0.status == .approved } ?? latest
        let realisasi = try await realisasi(nip: nip, year: year)
        let feedback = try await feedback(nip: nip, year: year)
        return SKPView(revision: shown, pending: shown.revision == latest.revision ? nil : latest,
                       realisasi: realisasi, feedback: feedback,
                       capaian: Self.capaian(shown.content, realisasi))
    }

    static func capaian(_ content: SKP.Content, _ realisasi: [Realisasi]) -> Capaian.Summary {
        var byIKI: [UUID: [Double]] = [:]
        for r in realisasi.sorted(by: { $0.period < $1.period }) {
            if let v = r.value { byIKI[r.ikiKey, default: []].append(v) }
        }
        return Capaian.summary(content, realisasi: byIKI)
    }

    func realisasi(nip: String, year: Int) async throws -> [Realisasi] {
        let rows = try await query("""
            select iki_key, period_kind, period_seq, value::float8, narrative, evidence::text, reported_at, reported_by
            from realisasi where tenant_id = \(tenant.uuid) and nip = \(nip) and year = \(year)
            order by period_kind, period_seq, iki_key
            """)
        var out: [Realisasi] = []
        for try await r in rows.decode((UUID, String, Int, Double?, String?, String, Date, String).self) {
            let evidence = (try? JSONDecoder().decode([Evidence].self, from: Data(r.5.utf8))) ?? []
            out.append(Realisasi(ikiKey: r.0, period: SubPeriod(kind: EvaluationPeriod.Kind(rawValue: r.1) ?? .monthly, sequence: r.2),
                                 value: r.3, narrative: r.4, evidence: evidence, reportedAt: r.6, reportedBy: r.7))
        }
        return out
    }

    func feedback(nip: String, year: Int) async throws -> [Feedback] {
        let rows = try await query("""
            select feedback_id, rhk_key, period_kind, period_seq, author, author_nip::text, text, created_at
            from skp_feedback where tenant_id = \(tenant.uuid) and nip = \(nip) and year = \(year) order by created_at, feedback_id
            """)
        var out: [Feedback] = []
        for try await r in rows.decode((UUID, UUID, String, Int, String, String?, String, Date).self) {
            out.append(Feedback(id: r.0, rhkKey: r.1, period: SubPeriod(kind: EvaluationPeriod.Kind(rawValue: r.2) ?? .monthly, sequence: r.3),
                                author: r.4, authorNIP: r.5, text: r.6, createdAt: r.7))
        }
        return out
    }

    /// Checks that `period` is one of the year's months or quarters in this city, and locks it against closing
    /// while the caller writes; returns whether it is open.
    func lockPeriod(year: Int, _ period: SubPeriod, annualAllowed: Bool = false) async throws -> Bool {
        if period.kind == .annual && !annualAllowed {
            throw StoreError.invalid("period Y (the year) takes no realisasi or feedback: name a month M1-M12 or a quarter Q1-Q4")
        }
        let rows = try await query("""
            select status from periods
            where tenant_id = \(tenant.uuid) and year = \(year) and kind = \(period.kind.rawValue) and sequence = \(period.sequence)
            for share
            """)
        for try await status in rows.decode(String.self) { return status == "open" }
        let kinds = try await periods(year: year).filter { $0.period.kind != .annual }.map(\.period.kind)
        let cadence = kinds.first.map { $0 == .monthly ? "M1-M12" : "Q1-Q4" } ?? "none: the year is not open"
        throw StoreError.invalid("period \(period) is not a period of \(year) in this city (its periods: \(cadence))")
    }

    /// Records (or corrects) the realisasi of one indicator of the SKP in force, for one open month or quarter.
    public func reportRealisasi(nip: String, year: Int, ikiKey: UUID, period: SubPeriod, value: Double?, narrative: String?,
                                evidence: [Evidence], actor: SKPActor) async throws -> Realisasi {
        if !actor.isHR && actor.nip != nip {
            _ = try await requireEmployee(nip)
            throw StoreError.forbidden("only the employee or city HR may report realisasi for \(nip)")
        }
        let item = try RealisasiItem(nip: nip, year: year, ikiKey: ikiKey, period: period, value: value, narrative: narrative,
                                     evidence: evidence).checked()
        let outcome = try await RealisasiCall.run(self.query, tenant: tenant, items: [item], each: false, allOrNothing: false,
                                                  undo: false, actor: actor.name)
        switch outcome.first {
        case .written(let at)?:
            return Realisasi(ikiKey: ikiKey, period: period, value: value, narrative: item.narrative, evidence: evidence,
                             reportedAt: at, reportedBy: actor.name)
        case .refused(let error)?: throw error
        case nil: throw StoreError.database("realisasi_report answered no row for the item")
        }
    }

    /// The atasan's feedback on one RHK of the SKP in force, for one month or quarter.
    public func addFeedback(nip: String, year: Int, rhkKey: UUID, period: SubPeriod, text: String, actor: SKPActor) async throws -> Feedback {
        let owner = try await requireEmployee(nip)
        let rel = relation(of: actor, to: owner)
        guard rel == .atasan || rel == .hr else {
            throw StoreError.forbidden("only the atasan of \(nip) or city HR may give feedback on this SKP")
        }
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw StoreError.invalid("feedback text is empty") }
        guard text.count <= 4000 else { throw StoreError.invalid("feedback is \(text.count) characters: at most 4000") }
        guard let skp = try await skpInForce(nip: nip, year: year) else {
            throw StoreError.state("employee \(nip) has no approved SKP for \(year)")
        }
        guard skp.content.rhk.contains(where: { $0.key == rhkKey }) else {
            throw StoreError.notFound(what: "RHK", key: "\(rhkKey.uuidString.lowercased()) in the approved SKP of \(nip) for \(year)")
        }
        guard try await lockPeriod(year: year, period) else {
            throw StoreError.state("period \(period) of \(year) is closed: it takes no more feedback")
        }
        let rows = try await query("""
            insert into skp_feedback (tenant_id, nip, year, rhk_key, period_kind, period_seq, author, author_nip, text)
            values (\(tenant.uuid), \(nip), \(year), \(rhkKey), \(period.kind.rawValue), \(period.sequence), \(actor.name), \(actor.nip), \(text))
            returning feedback_id, created_at
            """)
        var id = UUID(), at = Date()
        for try await (i, t) in rows.decode((UUID, Date).self) { id = i; at = t }
        try await audit(actor: actor.name, action: "skp.feedback", subject: "\(nip)/\(year)",
                        detail: ["rhk": rhkKey.uuidString.lowercased(), "period": period.description])
        return Feedback(id: id, rhkKey: rhkKey, period: period, author: actor.name, authorNIP: actor.nip, text: text, createdAt: at)
    }
}
