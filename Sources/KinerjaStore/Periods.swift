public import Foundation
public import KinerjaCore
import PostgresNIO

/// A period as stored, with its state.
public struct StoredPeriod: Sendable, Equatable {
    public var period: EvaluationPeriod
    public var isOpen: Bool
    public var closedAt: Date?
}

extension TenantTransaction {
    /// Opens a year: the annual period and its sub-periods, from the city's cadence. A year opens once.
    @discardableResult
    public func openYear(_ year: Int, cadence: TenantProfile.Periods.Cadence, actor: String) async throws -> [EvaluationPeriod] {
        let plan: [EvaluationPeriod]
        do { plan = try EvaluationPeriod.plan(year: year, cadence: cadence) } catch { throw StoreError.invalid(error.description) }
        if try await !periods(year: year).isEmpty {
            throw StoreError.conflict(what: "year", key: String(year))
        }
        let rows = try await query("""
            insert into periods (tenant_id, year, kind, sequence, starts_on, ends_on)
            select \(tenant.uuid), \(year), k, s, b::date, e::date
            from unnest(\(plan.map(\.kind.rawValue))::text[], \(plan.map(\.sequence))::int[],
                        \(plan.map(\.startsOn.description))::text[], \(plan.map(\.endsOn.description))::text[]) as t(k, s, b, e)
            on conflict do nothing
            returning sequence
            """)
        var inserted = 0
        for try await _ in rows.decode(Int.self) { inserted += 1 }
        // A concurrent opening of the same year inserted first: say so rather than half-succeed.
        guard inserted == plan.count else { throw StoreError.conflict(what: "year", key: String(year)) }
        try await audit(actor: actor, action: "period.open", subject: String(year),
                        detail: ["cadence": cadence.rawValue, "periods": String(plan.count)])
        return plan
    }

    /// Periods of one year (or all years), in calendar order within each year. `locking`: locked until the
    /// transaction ends, so that changes to the same periods run one after another.
    public func periods(year: Int? = nil, locking: Bool = false) async throws -> [StoredPeriod] {
        let rows = try await query("""
            select year, kind, sequence, starts_on::text, ends_on::text, status, closed_at
            from periods
            where tenant_id = \(tenant.uuid) and (\(year)::int is null or year = \(year))
            order by year, starts_on, case kind when 'annual' then 0 else 1 end
            \(unescaped: locking ? "for update" : "")
            """)
        var out: [StoredPeriod] = []
        for try await (y, kind, seq, starts, ends, status, closed) in rows.decode((Int, String, Int, String, String, String, Date?).self) {
            out.append(StoredPeriod(
                period: EvaluationPeriod(year: y, kind: EvaluationPeriod.Kind(rawValue: kind) ?? .annual, sequence: seq,
                                         startsOn: Self.civil(starts), endsOn: Self.civil(ends)),
                isOpen: status == "open", closedAt: closed))
        }
        return out
    }

    static func civil(_ text: String) -> CivilDate {
        let p = text.split(separator: "-").compactMap { Int($0) }
        return CivilDate(year: p[0], month: p[1], day: p[2])
    }

    /// The longest reason a period change keeps (in Unicode scalars, as JSON Schema's `maxLength` counts).
    public static let maximumPeriodReason = 500

    /// Closes a period, or reopens it with a reason (required to reopen; a reason to close is kept too), and
    /// says which periods changed. Closing the year closes its sub-periods too. The year's periods are locked
    /// first, so that two changes of one year run one after another and never leave a month or quarter open
    /// in a closed year. A period that already has the status asked for is an error when `unchangedIsAnError`;
    /// otherwise nothing changes, nothing is audited and the answer is empty.
    @discardableResult
    public func setPeriod(_ period: EvaluationPeriod, open: Bool, reason: String?, actor: String,
                          unchangedIsAnError: Bool = true) async throws -> [EvaluationPeriod] {
        if let length = reason?.unicodeScalars.count, length > Self.maximumPeriodReason {
            throw StoreError.invalid("the reason has \(length) characters; at most \(Self.maximumPeriodReason)")
        }
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if open && reason.isEmpty { throw StoreError.invalid("reopening \(period.named) needs a reason, for the audit log") }
        let existing = try await periods(year: period.year, locking: true)
        guard let current = existing.first(where: { $0.period.kind == period.kind && $0.period.sequence == period.sequence }) else {
            throw StoreError.notFound(what: "period", key: period.description)
        }
        if current.isOpen == open {
            guard unchangedIsAnError else { return [] }
            throw StoreError.state("\(period.named) is already \(open ? "open" : "closed")")
        }
        if open, period.kind != .annual, existing.contains(where: { $0.period.kind == .annual && !$0.isOpen }) {
            throw StoreError.state("the year \(period.year) is closed: reopen the year before \(period.subPeriod)")
        }
        // Closing the year closes what is still open below it; reopening touches only the one named.
        let wholeYear = period.kind == .annual && !open
        let rows = try await query("""
            update periods set status = \(open ? "open" : "closed"), closed_at = \(open ? nil : Date())
            where tenant_id = \(tenant.uuid) and year = \(period.year)
              and status = \(open ? "closed" : "open")
              and (\(wholeYear) or (kind = \(period.kind.rawValue) and sequence = \(period.sequence)))
            returning kind, sequence
            """)
        var changed: [EvaluationPeriod] = []
        for try await (kind, seq) in rows.decode((String, Int).self) {
            changed.append(try EvaluationPeriod.period(year: period.year, kind: EvaluationPeriod.Kind(rawValue: kind) ?? .annual, sequence: seq))
        }
        var detail = ["periods": changed.map(\.description).sorted().joined(separator: " ")]
        if !reason.isEmpty { detail["reason"] = reason }
        try await audit(actor: actor, action: open ? "period.reopen" : "period.close", subject: period.description, detail: detail)
        return changed
    }
}
