import Foundation
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

@Suite struct PeriodTests {
    @Test func openCloseReopenWithAudit() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("per-a")
        let opened = try await db.withTenant(a.id) { try await $0.openYear(2026, cadence: .quarterly, actor: "hr") }
        #expect(opened.map(\.description) == ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"])

        await #expect(throws: StoreError.conflict(what: "year", key: "2026")) {
            try await db.withTenant(a.id) { try await $0.openYear(2026, cadence: .monthly, actor: "hr") }
        }
        let q2 = try EvaluationPeriod.period(year: 2026, kind: .quarterly, sequence: 2)
        let year = try EvaluationPeriod.period(year: 2026, kind: .annual, sequence: 0)
        let first = try await db.withTenant(a.id) { try await $0.setPeriod(q2, open: false, reason: nil, actor: "hr") }
        #expect(first == [q2])
        await #expect(throws: StoreError.state("Q2 of 2026 is already closed")) {
            try await db.withTenant(a.id) { try await $0.setPeriod(q2, open: false, reason: nil, actor: "hr") }
        }
        await #expect(throws: StoreError.invalid("reopening Q2 of 2026 needs a reason, for the audit log")) {
            try await db.withTenant(a.id) { try await $0.setPeriod(q2, open: true, reason: "  ", actor: "hr") }
        }
        try await db.withTenant(a.id) { _ = try await $0.setPeriod(q2, open: true, reason: "late evidence from UPT", actor: "hr") }

        // Closing the year closes everything still open in it; a quarter cannot reopen inside a closed year.
        let closed = try await db.withTenant(a.id) { try await $0.setPeriod(year, open: false, reason: nil, actor: "hr") }
        #expect(Set(closed.map(\.description)) == ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"])
        await #expect(throws: StoreError.state("the year 2026 is closed: reopen the year before Q2")) {
            try await db.withTenant(a.id) { try await $0.setPeriod(q2, open: true, reason: "x", actor: "hr") }
        }
        let state = try await db.withTenant(a.id) { try await $0.periods(year: 2026) }
        #expect(state.allSatisfy { !$0.isOpen && $0.closedAt != nil })

        let audit = try await db.withTenant(a.id) { tx in
            var out: [String] = []
            for try await (action, detail) in try await tx.query("""
                select action, detail::text from audit_log where tenant_id = \(a.id.uuid) and action like 'period.%' order by entry_id
                """).decode((String, String).self) { out.append(action + " " + detail) }
            return out
        }
        #expect(audit.count == 4)
        #expect(audit[2].hasPrefix("period.reopen") && audit[2].contains("late evidence from UPT"))
    }

    @Test func monthlyCitiesGetTwelveMonths() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("per-m")
        try await db.withTenant(a.id) { _ = try await $0.openYear(2028, cadence: .monthly, actor: "hr") }
        let periods = try await db.withTenant(a.id) { try await $0.periods() }
        #expect(periods.count == 13)
        #expect(periods.first { $0.period.description == "2028-02" }?.period.endsOn.day == 29)
    }

    @Test func badInputChangesNothing() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("per-bad")
        await #expect(throws: StoreError.self) { try await db.withTenant(a.id) { try await $0.openYear(1999, cadence: .quarterly, actor: "hr") } }
        await #expect(throws: StoreError.notFound(what: "period", key: "2030")) {
            try await db.withTenant(a.id) { try await $0.setPeriod(try EvaluationPeriod.period(year: 2030, kind: .annual, sequence: 0), open: false, reason: nil, actor: "hr") }
        }
        #expect(try await db.withTenant(a.id) { try await $0.periods() }.isEmpty)
    }

    @Test func anotherCityCannotSeeOrCloseThem() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("per-iso-a")
        let (b, _) = try await TestDatabase.city("per-iso-b")
        try await db.withTenant(a.id) { _ = try await $0.openYear(2026, cadence: .quarterly, actor: "hr") }
        #expect(try await db.withTenant(b.id) { try await $0.periods() }.isEmpty)
        let q1 = try EvaluationPeriod.period(year: 2026, kind: .quarterly, sequence: 1)
        await #expect(throws: StoreError.notFound(what: "period", key: "2026-Q1")) {
            try await db.withTenant(b.id) { try await $0.setPeriod(q1, open: false, reason: nil, actor: "b") }
        }
        let touched = try await db.withTenant(b.id) { tx in
            var n = 0
            for try await _ in try await tx.query("update periods set status = 'closed', closed_at = now() where tenant_id = \(a.id.uuid) returning year").decode(Int.self) { n += 1 }
            return n
        }
        #expect(touched == 0)
        // B opening the same year is its own business.
        try await db.withTenant(b.id) { _ = try await $0.openYear(2026, cadence: .monthly, actor: "b") }
        #expect(try await db.withTenant(a.id) { try await $0.periods() }.allSatisfy { $0.isOpen && $0.period.kind != .monthly })
    }
}
