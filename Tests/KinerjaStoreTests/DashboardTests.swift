import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// The dashboard's figures against the same facts counted another way (straight from the tables), the curve
/// status from the round, a kepala OPD's view, and one city's dashboard never holding another's rows.
@Suite struct DashboardTests {
    let profile = try! NationalAdapter().effectiveProfile()

    func city(_ label: String) async throws -> (Tenant, DemoPopulation, kepala: DemoPopulation.Person, opd: String) {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city(label, employees: 300)
        let c = TestDatabase.chain(pop)
        let opd = try #require(pop.units.first { $0.id == c.kepala.unit && $0.parent == nil }).code
        try await db.withTenant(city.id) { [profile] tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 7, day: 1), actor: "t")
            _ = try await tx.seedBehaviour(year: 2026, period: .year, profile: profile, actor: "t")
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
            _ = try await tx.setOrgPredikat(unitCode: opd, year: 2026, period: .year, predikat: .sangatKurang, decidedBy: "Wali Kota", actor: "t")
        }
        return (city, pop, c.kepala, opd)
    }

    func count(_ tx: TenantTransaction, _ sql: PostgresQuery) async throws -> Int {
        for try await n in try await tx.query(sql).decode(Int.self) { return n }
        return 0
    }

    @Test func theFiguresAreTheTablesCountedAnotherWay() async throws {
        let db = try await TestDatabase.app()
        let (city, pop, _, opd) = try await city("dash-figures")
        try await db.withTenant(city.id) { [profile] tx in
            let d = try await tx.refreshDashboard(year: 2026, period: .year, profile: profile)
            let t = city.id.uuid
            #expect(d.totals.employees == pop.people.count)
            #expect(d.totals.employees == d.opds.reduce(0) { $0 + $1.figures.employees })
            #expect(d.totals.skpApproved == (try await count(tx, "select count(*)::int from skp where tenant_id = \(t) and year = 2026 and status = 'approved'")))
            #expect(d.totals.ikiTotal == (try await count(tx, """
                select count(*)::int from skp_iki i join skp s on s.tenant_id = i.tenant_id and s.nip = i.nip and s.year = i.year
                and s.revision = i.revision where i.tenant_id = \(t) and s.status = 'approved' and s.year = 2026
                """)))
            #expect(d.totals.ikiReported == (try await count(tx, """
                select count(distinct (nip, iki_key))::int from realisasi where tenant_id = \(t) and year = 2026
                """)))
            // Realisasi up to July: Q1 and Q2 reported, Q3 and Q4 not.
            #expect(d.trend.map(\.period) == ["Q1", "Q2", "Q3", "Q4"])
            #expect(d.trend[0].ikiReported == (try await count(tx, "select count(*)::int from realisasi where tenant_id = \(t) and period_kind = 'quarterly' and period_seq = 1")))
            #expect(d.trend[0].ikiReported > 0 && d.trend[2].ikiReported == 0 && d.trend[3].ikiReported == 0)
            // Predikat and capaian from the period's results.
            #expect(d.totals.evaluated == (try await count(tx, "select count(*)::int from evaluations where tenant_id = \(t) and year = 2026 and period_kind = 'annual'")))
            for p in ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"] {
                #expect(d.totals.predikat[p] ?? 0 == (try await count(tx, """
                    select count(*)::int from evaluations where tenant_id = \(t) and year = 2026 and period_kind = 'annual' and predikat = \(p)
                    """)), "\(p)")
            }
            #expect(d.totals.capaian.values.reduce(0, +) == (try await count(tx, """
                select count(*)::int from evaluations where tenant_id = \(t) and year = 2026 and period_kind = 'annual' and capaian is not null
                """)))
            // The OPD with an organisation predikat is checked against its curve, the others wait for one.
            let line = try #require(d.opds.first { $0.code == opd })
            #expect(line.predikatOrganisasi?.rawValue == "Sangat Kurang")
            #expect(line.curveStatus.rawValue == "BROKEN" && line.curveBreaches.contains { $0.contains("Sangat Kurang at least 60%") },
                    "\(line.curveStatus) \(line.curveBreaches) \(line.figures.predikat)")
            #expect(d.opds.filter { $0.code != opd }.allSatisfy { $0.curveStatus.rawValue == "no org predikat" })
            // Best and weakest: templates with enough IKI, never the same one in both.
            #expect(Set(d.topIndicators.map(\.templateID)).isDisjoint(with: d.bottomIndicators.map(\.templateID)))
            #expect((d.topIndicators + d.bottomIndicators).allSatisfy { $0.count >= Dashboard.Indicator.minimumCount })
            if let best = d.topIndicators.first, let worst = d.bottomIndicators.first { #expect(best.meanCapaian >= worst.meanCapaian) }

            // Kept: the snapshot reads back as computed.
            #expect(try await tx.dashboardSnapshot(year: 2026, period: .year) == d)
        }

        // A snapshot this version cannot read (another version's, with a curve status this one does not know)
        // counts as none: the caller computes the dashboard anew, which replaces it. (It failed the read before.)
        try await TestDatabase.owner().withTenant(city.id) { tx in
            try await tx.query("""
                update dashboard_snapshots set body = jsonb_set(body, '{opds,0,curveStatus}', '"a later status"')
                where tenant_id = \(city.id.uuid) and year = 2026 and period_kind = \(SubPeriod.year.kind.rawValue)
                """)
        }
        try await db.withTenant(city.id) { [profile] tx in
            #expect(try await tx.dashboardSnapshot(year: 2026, period: .year) == nil)
            let again = try await tx.refreshDashboard(year: 2026, period: .year, profile: profile)
            #expect(try await tx.dashboardSnapshot(year: 2026, period: .year) == again)
        }
    }

    @Test func aKepalaOPDSeesTheirOPDAndCitiesSeeOnlyTheirOwn() async throws {
        let db = try await TestDatabase.app()
        let (a, popA, kepala, opd) = try await city("dash-a")
        let (b, _, _, _) = try await city("dash-b")
        let c = TestDatabase.chain(popA)
        try await db.withTenant(a.id) { [profile] tx in
            #expect(try await tx.opdLedBy(nip: kepala.nip) == opd)
            #expect(try await tx.opdLedBy(nip: c.kabid.nip) == nil)
            #expect(try await tx.opdLedBy(nip: c.staff.nip) == nil)
            let d = try await tx.refreshDashboard(year: 2026, period: .year, profile: profile)
            let mine = d.only(opd: opd)
            #expect(mine.opds.map(\.code) == [opd])
            #expect(mine.totals == d.opds.first { $0.code == opd }!.figures)
            #expect(mine.trend.allSatisfy { $0.ikiTotal == mine.totals.ikiTotal })
        }
        let bDash = try await db.withTenant(b.id) { [profile] tx in try await tx.refreshDashboard(year: 2026, period: .year, profile: profile) }
        let aDash = try await db.withTenant(a.id) { tx in try #require(try await tx.dashboardSnapshot(year: 2026, period: .year)) }
        // Each counts its own 300: nothing of the other city is in either.
        #expect(aDash.totals.employees == 300 && bDash.totals.employees == 300)
        // A's transaction cannot read B's snapshot, nor write one for B.
        try await db.withTenant(a.id) { tx in
            let seen = try await count(tx, "select count(*)::int from dashboard_snapshots where tenant_id = \(b.id.uuid)")
            #expect(seen == 0)
            let e = await #expect(throws: (any Error).self) {
                try await tx.query("""
                    insert into dashboard_snapshots (tenant_id, year, period_kind, period_seq, computed_at, body)
                    values (\(b.id.uuid), 2026, 'annual', 0, now(), '{}'::jsonb)
                    """)
            }
            #expect(StoreError.sqlState(e!) == "42501")
        }
        // A period that is not open: named.
        await #expect(throws: StoreError.notFound(what: "period", key: "2027 Y")) {
            try await db.withTenant(a.id) { [profile] tx in _ = try await tx.refreshDashboard(year: 2027, period: .year, profile: profile) }
        }
    }
}
