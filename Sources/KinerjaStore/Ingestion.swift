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

/// One attendance event as the city holds it: who sent it last, and when (UTC, microseconds).
public struct AttendanceEvent: Sendable, Equatable {
    public var nip: String
    public var day: CivilDate
    public var kind: Attendance.Kind
    public var minutes: Int?
    public var excused: Bool
    public var recordedBy: String
    public var recordedAt: String
}

/// Where a page of attendance events ends: the last event's day, NIP and kind (the order they are listed in),
/// written `DAY.NIP.KIND` for the API (none of the three holds a dot).
public struct AttendanceCursor: Sendable, Equatable {
    public var day: CivilDate
    public var nip: String
    public var kind: Attendance.Kind
    public init(day: CivilDate, nip: String, kind: Attendance.Kind) { (self.day, self.nip, self.kind) = (day, nip, kind) }

    /// Reads what ``text`` writes; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let day = CivilDate(iso: parts[0]), parts[1].count == 18,
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let kind = Attendance.Kind(rawValue: String(parts[2])) else { return nil }
        self.init(day: day, nip: String(parts[1]), kind: kind)
    }

    public var text: String { "\(day).\(nip).\(kind.rawValue)" }
}

extension TenantTransaction {
    /// The largest batch each ingestion takes at once (the API documents them).
    public static let batchLimit = 5_000

    /// This city's attendance events of the days `from` through `until` (of one NIP, if given), ordered by day,
    /// NIP and kind, after `after`; `limit` of them, and whether more follow.
    public func attendanceEvents(from: CivilDate, until: CivilDate, nip: String?, after: AttendanceCursor?,
                                 limit: Int) async throws -> (events: [AttendanceEvent], more: Bool) {
        var out: [AttendanceEvent] = []
        // The page's order is that of the index (tenant_id, day, nip, kind) (0041), and the cursor a condition on
        // it, so a page reads its own rows only: ordered by the column (not by the text of the day, which the
        // select also calls `day`), and the first page starts after (from, '', '') rather than testing for no
        // cursor (a parameter cast to a date is not folded, so `... is null or` kept the index from the cursor).
        let start = after.map { ($0.day, $0.nip, $0.kind.rawValue) } ?? (from, "", "")
        let rows = try await query("""
            select a.nip, a.day::text, a.kind, a.minutes, a.excused, a.imported_by,
                   to_char(a.imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            from attendance_events a
            where a.tenant_id = \(tenant.uuid) and a.day between \(from.description)::date and \(until.description)::date
              and (\(nip)::text is null or a.nip = \(nip))
              and (a.day, a.nip, a.kind) > (\(start.0.description)::date, \(start.1), \(start.2))
            order by a.day, a.nip, a.kind
            limit \(limit + 1)
            """)
        for try await r in rows.decode((String, String, String, Int?, Bool, String, String).self) {
            // The table's check allows the four kinds only.
            out.append(AttendanceEvent(nip: r.0, day: CivilDate(iso: r.1)!, kind: Attendance.Kind(rawValue: r.2)!, minutes: r.3, excused: r.4,
                                       recordedBy: r.5, recordedAt: r.6))
        }
        return (Array(out.prefix(limit)), out.count > limit)
    }

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
    /// import checks a row, its OPD and officer this city's; the valid ones added or updated. With them, what the
    /// city's complaint hook then wrote (``applyComplaintHook(days:profile:asOf:actor:)``; none without the hook).
    public func ingestComplaints(_ rows: [[String: String]], allOrNothing: Bool,
                                 actor: String) async throws -> (results: [ItemResult], hook: [ComplaintHookResult]) {
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
        // Each ticket as it would stand with the steps stored before (a follow-up sent alone for one routed before).
        let merged = try await mergedComplaintErrors(valid.map(\.1), actor: actor)
        for e in merged {
            let item = valid[e.index].0
            results[item] = .init(index: item, accepted: false, reason: Self.reason(RowErrors([e.error])))
        }
        let refused = Set(merged.map { valid[$0.index].0 })
        valid.removeAll { refused.contains($0.0) }
        if allOrNothing, results.contains(where: { !$0.accepted }) { throw BatchRejected(results: results) }
        var hook: [ComplaintHookResult] = []
        if !valid.isEmpty {
            let upserted = try await upsertComplaints(valid.map(\.1), actor: actor)
            let profile = try await profile()
            hook = try await applyComplaintHook(days: valid.map(\.1.received) + upserted.movedFrom, profile: profile,
                                                asOf: .today(in: profile.timeZoneOrDefault), actor: actor)
            try await audit(actor: actor, action: "complaints.ingest", subject: "", detail: ["accepted": String(valid.count),
                                                                                           "rejected": String(rows.count - valid.count)])
        }
        return (results, hook)
    }

    /// Realisasi of many employees at once, each checked and written as a single report is (approved SKP, the
    /// IKI in it, an open period), each on its own so that one refused does not undo the others.
    public func ingestRealisasi(_ items: [RealisasiItem], allOrNothing: Bool, actor: SKPActor) async throws -> [ItemResult] {
        try await RealisasiCall.batch(items: items, allOrNothing: allOrNothing, actor: actor) { sent, undo in
            try await RealisasiCall.run(self.query, tenant: tenant, items: sent, each: true, allOrNothing: allOrNothing, undo: undo,
                                        actor: actor.name)
        }
    }

    static func reason(_ e: RowErrors) -> String {
        e.errors.map { "\($0.column) '\($0.value)': \($0.reason)" }.joined(separator: "; ")
    }
}

extension RealisasiItem {
    /// The checks that need no database: a month or quarter, a value of 0 or more and/or a narrative, at most
    /// 20 pieces of evidence, each an http(s) link and/or a short note. Returns the item with its narrative
    /// trimmed, as it is stored.
    public func checked() throws -> RealisasiItem {
        if period.kind == .annual {
            throw StoreError.invalid("period Y (the year) takes no realisasi or feedback: name a month M1-M12 or a quarter Q1-Q4")
        }
        var item = self
        item.narrative = narrative?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let v = value, !v.isFinite || v < 0 || v > SKP.largestFigure {
            throw StoreError.invalid("value \(v) is not a realisasi: use a number from 0 to \(SKP.largestFigureText)")
        }
        if value == nil && (item.narrative ?? "").isEmpty { throw StoreError.invalid("give a value, a narrative, or both") }
        if evidence.count > 20 { throw StoreError.invalid("\(evidence.count) pieces of evidence: at most 20 per realisasi") }
        for (i, e) in evidence.enumerated() {
            let url = e.url?.trimmingCharacters(in: .whitespaces) ?? ""
            let note = e.note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if url.isEmpty && note.isEmpty { throw StoreError.invalid("evidence[\(i)] has neither a url nor a note") }
            if !url.isEmpty {
                guard url.count <= 2000, let u = URL(string: url), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host != nil else {
                    throw StoreError.invalid("evidence[\(i)].url '\(url.prefix(100))' is not an http(s) link")
                }
            }
            if note.count > 1000 { throw StoreError.invalid("evidence[\(i)].note is \(note.count) characters: at most 1000") }
        }
        return item
    }
}

/// One call of the database function `realisasi_report` (migration 0029): the checks that need the database
/// and the writes, for any number of items, in one statement and so one round trip.
enum RealisasiCall {
    enum Outcome: Sendable {
        case written(at: Date)
        case refused(StoreError)
    }

    struct Item: Encodable {
        var nip: String, year: Int, iki: String, kind: String, seq: Int, label: String
        var value: Double?, value_text: String?, narrative: String?, evidence: [Evidence]
    }

    /// The items are written in the order of the rows they write (arrival order within one row), so that two
    /// calls running at once lock rows in the same order and never deadlock on each other; the outcomes come
    /// back in the caller's order.
    static func run(_ query: (PostgresQuery) async throws -> PostgresRowSequence, tenant: TenantID, items: [RealisasiItem],
                    each: Bool, allOrNothing: Bool, undo: Bool, actor: String) async throws -> [Outcome] {
        let order = items.indices.sorted { (rowKey(items[$0]), $0) < (rowKey(items[$1]), $1) }
        let sorted = order.map { items[$0] }
        let json = String(decoding: try JSONEncoder().encode(sorted.map { i in
            Item(nip: i.nip, year: i.year, iki: i.ikiKey.uuidString.lowercased(), kind: i.period.kind.rawValue, seq: i.period.sequence,
                 label: i.period.description, value: i.value, value_text: i.value.map { String($0) }, narrative: i.narrative,
                 evidence: i.evidence)
        }), as: UTF8.self)
        let rows = try await query("""
            select outcome, what, detail, reported_at
            from realisasi_report(\(tenant.uuid), \(actor), \(each), \(allOrNothing), \(undo), \(json)::jsonb)
            """)
        var out: [Outcome] = []
        for try await (outcome, what, detail, at) in rows.decode((String, String?, String?, Date?).self) {
            switch outcome {
            case "ok": out.append(.written(at: at ?? Date()))
            case "not_found": out.append(.refused(.notFound(what: what ?? "row", key: detail ?? "")))
            case "state": out.append(.refused(.state(detail ?? outcome)))
            case "invalid": out.append(.refused(.invalid(detail ?? outcome)))
            default: out.append(.refused(.database(detail ?? outcome)))
            }
        }
        guard out.count == items.count else {
            throw StoreError.database("realisasi_report answered \(out.count) rows for \(items.count) items")
        }
        var inOrder = out
        for (position, index) in order.enumerated() { inOrder[index] = out[position] }
        return inOrder
    }

    static func rowKey(_ i: RealisasiItem) -> String {
        "\(i.nip)/\(i.year)/\(i.ikiKey.uuidString)/\(i.period.kind.rawValue)/\(i.period.sequence)"
    }

    /// A batch: the items refused before the database are not sent; with `allOrNothing`, any refusal writes
    /// nothing (``BatchRejected``).
    /// Whether a server error of a batch of one is that item's refusal (bad data, a rule, a read-only city)
    /// rather than a fault to pass on: a connection ended, resources, a cancelled or timed-out statement, a
    /// system or internal error, or a FATAL (classes 08, 53, 57, 58, XX) go up as they would from a larger batch.
    static func refusesTheItem(_ e: PSQLError) -> Bool {
        guard let state = e.serverInfo?[.sqlState] else { return false }
        if let severity = e.serverInfo?[.severity], ["FATAL", "PANIC"].contains(severity) { return false }
        return !["08", "53", "57", "58", "XX"].contains(String(state.prefix(2)))
    }

    /// `send` makes the call for the items that passed the checks without the database (`undo`: an
    /// all-or-nothing batch already refused, so nothing may be written).
    static func batch(items: [RealisasiItem], allOrNothing: Bool, actor: SKPActor,
                      send: ([RealisasiItem], _ undo: Bool) async throws -> [Outcome]) async throws -> [ItemResult] {
        var results: [ItemResult?] = Array(repeating: nil, count: items.count)
        var sent: [(index: Int, item: RealisasiItem)] = []
        for (i, item) in items.enumerated() {
            if !actor.isHR && actor.nip != item.nip {
                results[i] = .init(index: i, accepted: false, reason: "only the employee or city HR may report realisasi for \(item.nip)")
                continue
            }
            do { sent.append((i, try item.checked())) } catch {
                results[i] = .init(index: i, accepted: false, reason: StoreError.describe(error))
            }
        }
        let refusedBefore = results.contains { $0 != nil }
        if !sent.isEmpty {
            let outcomes = try await send(sent.map(\.item), allOrNothing && refusedBefore)
            for ((i, _), outcome) in zip(sent, outcomes) {
                switch outcome {
                case .written: results[i] = .init(index: i, accepted: true)
                case .refused(let e): results[i] = .init(index: i, accepted: false, reason: e.description)
                }
            }
        }
        let all = results.compactMap { $0 }
        if allOrNothing, all.contains(where: { !$0.accepted }) { throw BatchRejected(results: all) }
        return all
    }
}

extension KinerjaDatabase {
    /// Realisasi of many employees at once (``TenantTransaction/ingestRealisasi(_:allOrNothing:actor:)``) as
    /// one statement outside any transaction of the caller's: one round trip for the whole batch. A small batch
    /// that is not all-or-nothing may share its statement with others of the same city and actor
    /// (``KinerjaDatabase/realisasiGroups``).
    public func ingestRealisasi(tenant: TenantID, _ items: [RealisasiItem], allOrNothing: Bool,
                                actor: SKPActor) async throws -> [ItemResult] {
        try await RealisasiCall.batch(items: items, allOrNothing: allOrNothing, actor: actor) { sent, undo in
            if !allOrNothing, sent.count <= realisasiGroups.maximumItems {
                return try await realisasiGroups.submit(RealisasiLine(tenant: tenant, actor: actor.name), sent) { line, items in
                    try await self.reportRealisasiAlone(tenant: line.tenant, items: items, allOrNothing: false, undo: false,
                                                        actor: line.actor)
                }
            }
            return try await reportRealisasiAlone(tenant: tenant, items: sent, allOrNothing: allOrNothing, undo: undo, actor: actor.name)
        }
    }

    /// How many calls of `realisasi_report` the small batches took, and how many batches they were.
    public func realisasiGroupCounts() async -> (calls: Int, batches: Int) {
        let c = await realisasiGroups.counts
        return (c.calls, c.requests)
    }

    /// One call of `realisasi_report` as a statement of its own. A single item needs no subtransaction: its
    /// error ends the statement and becomes the item's reason, unless it is a fault (``RealisasiCall/refusesTheItem(_:)``).
    func reportRealisasiAlone(tenant: TenantID, items: [RealisasiItem], allOrNothing: Bool, undo: Bool,
                              actor: String) async throws -> [RealisasiCall.Outcome] {
        let alone = items.count == 1
        return try await connection { conn in
            do {
                return try await RealisasiCall.run({ try await conn.checkedQuery($0, logger: self.logger) }, tenant: tenant, items: items,
                                                   each: !alone, allOrNothing: allOrNothing, undo: undo, actor: actor)
            } catch let e as PSQLError where alone && RealisasiCall.refusesTheItem(e) {
                return [.refused(.database(StoreError.describe(e)))]
            }
        }
    }
}
