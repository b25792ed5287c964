public import Foundation
import PostgresNIO

/// What a regional BKN office sees of one city it supervises: how far it is, never who (no name, no NIP).
public struct CitySummary: Sendable, Equatable {
    public var name: String
    public var status: String
    public var employees: Int
    public var activeEmployees: Int
    public var approvedSKPs: Int
    /// The latest period of the year that has begun (M1-M12 or Q1-Q4), and how many with an approved SKP
    /// reported realisasi for it.
    public var period: String?
    public var reported: Int
    public var evaluated: Int
    public var confirmed: Int
    public var final: Int
}

extension TenantTransaction {
    /// Counts for the regional summary: onboarding (employees), planning (approved SKPs), reporting for the
    /// latest begun period, and the year's evaluation (proposed, confirmed, final). A few set-based counts.
    public func citySummary(year: Int, today: Date = Date()) async throws -> CitySummary {
        let rows = try await query("""
            with latest as (
                select kind, sequence from periods
                where tenant_id = \(tenant.uuid) and year = \(year) and kind <> 'annual' and starts_on <= (\(today)::timestamptz at time zone \(unescaped: Self.cityTimeZoneSQL(tenant)))::date
                order by starts_on desc limit 1
            )
            select (select name from tenants where tenant_id = \(tenant.uuid)), (select status from tenants where tenant_id = \(tenant.uuid)),
                   (select count(*) from employees where tenant_id = \(tenant.uuid))::int,
                   (select count(*) from employees where tenant_id = \(tenant.uuid) and status = 'active')::int,
                   (select count(*) from skp where tenant_id = \(tenant.uuid) and year = \(year) and status = 'approved')::int,
                   (select case kind when 'monthly' then 'M' else 'Q' end || sequence from latest),
                   (select count(distinct x.nip) from realisasi x join latest l on l.kind = x.period_kind and l.sequence = x.period_seq
                    join skp s on s.tenant_id = x.tenant_id and s.nip = x.nip and s.year = x.year and s.status = 'approved'
                    where x.tenant_id = \(tenant.uuid) and x.year = \(year))::int,
                   (select count(*) from evaluations where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = 'annual')::int,
                   (select count(*) from evaluations where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = 'annual'
                      and status = 'confirmed')::int,
                   (select count(*) from evaluations where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = 'annual'
                      and status = 'final')::int
            """)
        for try await (name, status, r0, r1, r2, r3, r4, r5, r6, r7) in rows.decode(
            (String, String, Int, Int, Int, String?, Int, Int, Int, Int).self) {
            return CitySummary(name: name, status: status, employees: r0, activeEmployees: r1, approvedSKPs: r2, period: r3, reported: r4,
                               evaluated: r5, confirmed: r6, final: r7)
        }
        throw StoreError.database("the city summary came back empty")
    }
}
