public import Foundation
public import KinerjaCore
import PostgresNIO

/// What became of one item of a batch: accepted (written), or rejected with the reason; in an
/// all-or-nothing batch with any rejection, nothing is written and the accepted ones say so.
public struct ItemResult: Sendable, Equatable {
    public var index: Int
    public var accepted: Bool
    public var reason: String?
    public init(index: Int, accepted: Bool, reason: String? = nil) { (self.index, self.accepted, self.reason) = (index, accepted, reason) }
}

/// An all-or-nothing batch that had a rejected item: nothing was written.
public struct BatchRejected: Error, Sendable, Equatable {
    public var results: [ItemResult]
}

/// One realisasi of a bulk report.
public struct RealisasiItem: Sendable, Equatable {
    public var nip: String
    public var year: Int
    public var ikiKey: UUID
    public var period: SubPeriod
    public var value: Double?
    public var narrative: String?
    public var evidence: [Evidence]
    public init(nip: String, year: Int, ikiKey: UUID, period: SubPeriod, value: Double?, narrative: String?, evidence: [Evidence]) {
        (self.nip, self.year, self.ikiKey, self.period, self.value, self.narrative, self.evidence) = (nip, year, ikiKey, period, value, narrative, evidence)
    }
}

extension TenantTransaction {
    /// The largest batch each ingestion takes at once (the API documents them).
    public static let batchLimit = 5_000

    /// Attendance events of a batch: each checked as the file import checks a row (plus its NIP is this
    /// city's); the valid ones written set-based. `rows` are each item's fields by the file's column names.
    public func ingestAttendance(_ rows: [[String: String]], allOrNothing: Bool, actor: String) async throws -> [ItemResult] {
        let index = Dictionary(uniqueKeysWithValues: Attendance.columns.enumerated().map { ($1, $0) })
        var results: [ItemResult] = []
        var valid: [(Int, Attendance.Event)] = []
        var seen: [String: Int] = [:]
        for (i, row) in rows.enumerated() {
            switch Attendance.row(Attendance.columns.map { row[$0] ?? "" }, line: i, index: index) {
            case .failure(let e): results.append(.init(index: i, accepted: false, reason: Self.reason(e)))
            case .success(let event):
                let key = "\(event.nip) \(event.day) \(event.kind.rawValue)"
                if let earlier = seen[key] {
                    results.append(.init(index: i, accepted: false, reason: "the same event as item \(earlier)"))
                } else {
                    seen[key] = i
                    valid.append((i, event))
                    results.append(.init(index: i, accepted: true))
                }
            }
        }
        for e in try await unknownNIPs(valid.map { ($0.0, $0.1.nip) }) {
            results[e.line] = .init(index: e.line, accepted: false, reason: "NIP \(e.value): \(e.reason)")
            valid.removeAll { $0.0 == e.line }
        }
        if allOrNothing, results.contains(where: { !$0.accepted }) { throw BatchRejected(results: results) }
        let events = valid.map(\.1)
        if !events.isEmpty {
            try await query("""
                insert into attendance_events (tenant_id, nip, day, kind, minutes, excused, imported_by)
                select \(tenant.uuid), n, d::date, k, nullif(m, 0), x, \(actor)
                from unnest(\(events.map(\.nip))::text[], \(events.map(\.day.description))::text[], \(events.map(\.kind.rawValue))::text[],
                            \(events.map { $0.minutes ?? 0 })::int[], \(events.map(\.excused))::bool[]) as a(n, d, k, m, x)
                on conflict (tenant_id, nip, day, kind) do update
                set minutes = excluded.minutes, excused = excluded.excused, imported_by = excluded.imported_by, imported_at = now()
                """)
            try await audit(actor: actor, action: "attendance.ingest", subject: "", detail: ["accepted": String(events.count),
                                                                                           "rejected": String(rows.count - events.count)])
        }
        return results
    }

    /// Complaints of a batch (the SP4N-LAPOR! fields by the file's column names): each checked as the file
    /// import checks a row, its OPD and officer this city's; the valid ones added or updated.
    public func ingestComplaints(_ rows: [[String: String]], allOrNothing: Bool, actor: String) async throws -> [ItemResult] {
        let index = Dictionary(uniqueKeysWithValues: Complaints.columns.enumerated().map { ($1, $0) })
        var results: [ItemResult] = []
        var valid: [(Int, Complaints.Complaint)] = []
        var seen: [String: Int] = [:]
        let opds = Set(try await orgUnits().filter { $0.parentID == nil }.map(\.code))
        for (i, row) in rows.enumerated() {
            switch Complaints.row(Complaints.columns.map { row[$0] ?? "" }, line: i, index: index) {
            case .failure(let e): results.append(.init(index: i, accepted: false, reason: Self.reason(e)))
            case .success(let c):
                if let earlier = seen[c.trackingID] {
                    results.append(.init(index: i, accepted: false, reason: "tracking id \(c.trackingID) is item \(earlier) too"))
                } else if let o = c.opd, !opds.contains(o) {
                    results.append(.init(index: i, accepted: false, reason: "OPD \(o) is not an OPD of this city"))
                } else {
                    seen[c.trackingID] = i
                    valid.append((i, c))
                    results.append(.init(index: i, accepted: true))
                }
            }
        }
        for e in try await unknownNIPs(valid.compactMap { v in v.1.officerNIP.map { (v.0, $0) } }) {
            results[e.line] = .init(index: e.line, accepted: false, reason: "officer NIP \(e.value): \(e.reason)")
            valid.removeAll { $0.0 == e.line }
        }
        if allOrNothing, results.contains(where: { !$0.accepted }) { throw BatchRejected(results: results) }
        if !valid.isEmpty {
            try await upsertComplaints(valid.map(\.1), actor: actor)
            try await audit(actor: actor, action: "complaints.ingest", subject: "", detail: ["accepted": String(valid.count),
                                                                                           "rejected": String(rows.count - valid.count)])
        }
        return results
    }

    /// Realisasi of many employees at once, each checked and written as a single report is (approved SKP, the
    /// IKI in it, an open period), each in its own savepoint so that one refused does not undo the others.
    public func ingestRealisasi(_ items: [RealisasiItem], allOrNothing: Bool, actor: SKPActor) async throws -> [ItemResult] {
        var results: [ItemResult] = []
        for (i, item) in items.enumerated() {
            try await query("savepoint kinerja_item")
            do {
                _ = try await reportRealisasi(nip: item.nip, year: item.year, ikiKey: item.ikiKey, period: item.period, value: item.value,
                                              narrative: item.narrative, evidence: item.evidence, actor: actor)
                try await query("release savepoint kinerja_item")
                results.append(.init(index: i, accepted: true))
            } catch {
                try await query("rollback to savepoint kinerja_item")
                results.append(.init(index: i, accepted: false, reason: StoreError.describe(error)))
            }
        }
        if allOrNothing, results.contains(where: { !$0.accepted }) { throw BatchRejected(results: results) }
        return results
    }

    static func reason(_ e: RowErrors) -> String {
        e.errors.map { "\($0.column) '\($0.value)': \($0.reason)" }.joined(separator: "; ")
    }
}
