import Foundation
import HTTPTypes
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import Testing

/// GET /v1/dashboard and its HTML page: who may see what, the page's form, and no person in it.
@Suite struct APIDashboardTests {
    @Test func hrSeesTheCityAKepalaTheirOPDOthersNothing() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("api-dash", employees: 300)
        let (other, _) = try await TestDatabase.city("api-dash-other")
        let c = TestDatabase.chain(pop)
        let opd = try #require(pop.units.first { $0.id == c.kepala.unit && $0.parent == nil }).code
        let profile = try NationalAdapter().effectiveProfile()
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .monthly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 5, day: 1), actor: "t")
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
        }
        try await db.withTenant(other.id) { _ = try await $0.openYear(2026, cadence: .monthly, actor: "t") }
        func key(_ role: Role, _ nip: String? = nil, _ t: Tenant? = nil) async throws -> String {
            try await db.createAPIKey(tenants: [(t ?? city).id], role: role, label: "t", employeeNIP: nip, actor: "t").token
        }
        let hr = try await key(.hrAdmin), kepala = try await key(.atasan, c.kepala.nip), kasi = try await key(.atasan, c.kasi.nip)
        let staff = try await key(.pegawai, c.staff.nip), integrator = try await key(.integrator), otherHR = try await key(.hrAdmin, nil, other)

        try await withAPI { client in
            let all = try await client.get("/v1/dashboard?year=2026", token: hr)
            #expect(all.status == .ok, "\(all.body)")
            let totals = all.json["totals"] as? [String: Any]
            #expect(totals?["employees"] as? Int == 300)
            #expect((all.json["opds"] as? [[String: Any]])?.count ?? 0 > 1)
            #expect((all.json["trend"] as? [[String: Any]])?.count == 12)

            let one = try await client.get("/v1/dashboard?year=2026&orgUnit=\(opd)", token: hr)
            #expect((one.json["opds"] as? [[String: Any]])?.map { $0["code"] as? String } == [opd])

            // The kepala of an OPD: their own, asked for or not; another OPD refused.
            let mine = try await client.get("/v1/dashboard?year=2026", token: kepala)
            #expect(mine.status == .ok && (mine.json["opds"] as? [[String: Any]])?.map { $0["code"] as? String } == [opd], "\(mine.body)")
            let otherOPD = try #require(pop.units.first { $0.parent == nil && $0.code != opd }).code
            #expect(try await client.get("/v1/dashboard?year=2026&orgUnit=\(otherOPD)", token: kepala).status == .forbidden)
            // An atasan who heads no OPD, an employee, an integrator: refused.
            for token in [kasi, staff, integrator] {
                let r = try await client.get("/v1/dashboard?year=2026", token: token)
                #expect(r.status == .forbidden && r.code == "forbidden", "\(r.body)")
            }
            // Another city's HR sees their own city only (empty here), and never this one's OPDs.
            let theirs = try await client.get("/v1/dashboard?year=2026", token: otherHR)
            #expect(theirs.status == .ok && (theirs.json["totals"] as? [String: Any])?["employees"] as? Int == 150)
            #expect(!theirs.body.contains(pop.people[0].nip))
            let bad = try await client.get("/v1/dashboard?year=2026&period=M13", token: hr)
            #expect(bad.status == .badRequest && bad.body.contains("M13"))
            let closed = try await client.get("/v1/dashboard?year=2030", token: hr)
            #expect(closed.status == .notFound, "\(closed.body)")

            // The page: Indonesian, headings, captioned tables, inline SVG, no script, no external asset, no person.
            let page = try await client.get("/v1/dashboard/page?year=2026", token: hr)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8", "\(page.headers[.contentType] ?? "none")")
            let html = page.body
            #expect(html.contains("<html lang=\"id\">") && html.contains("<h1>") && html.contains("<caption>") && html.contains("<svg"))
            #expect(html.contains("Kelengkapan pelaporan") && html.contains(opd))
            #expect(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"))
            for p in pop.people { #expect(!html.contains(p.nip) && !html.contains(p.name), "\(p.nip) \(p.name) is on the page") }
            let english = try await client.get("/v1/dashboard/page?year=2026&lang=en", token: hr)
            #expect(english.body.contains("<html lang=\"en\">") && english.body.contains("Reporting completeness"))
        }
    }
}
