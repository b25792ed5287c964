import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import KinerjaAPI
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import Testing

/// Cursor pagination on the lists computed whole: every item once, in order, across pages; a bad cursor or
/// limit named; a team's "not reported" is the whole team's on every page.
@Suite struct PaginationTests {
    func walk(_ client: any TestClientProtocol, _ path: String, token: String, limit: Int) async throws -> (pages: Int, items: [[String: Any]]) {
        var items: [[String: Any]] = []
        var cursor: String?
        var pages = 0
        repeat {
            let sep = path.contains("?") ? "&" : "?"
            let r = try await client.get(path + sep + "limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
            #expect(r.status == .ok, "\(path): \(r.body)")
            items += r.items
            cursor = r.json["nextCursor"] as? String
            pages += 1
        } while cursor != nil && pages < 100
        return (pages, items)
    }

    @Test func everyItemOnceAcrossPages() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("pages", employees: 300)
        let profile = try NationalAdapter().effectiveProfile()
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t")
        }
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let line = TestDatabase.chain(pop)
        try await withAPI { client in
            let reports = try await client.get("/v1/reports", token: hr)
            let all = reports.items.compactMap { $0["name"] as? String }
            #expect(all.count >= 2 && reports.json["nextCursor"] == nil, "one page by default: \(reports.body)")
            let paged = try await walk(client, "/v1/reports", token: hr, limit: 1)
            #expect(paged.items.compactMap { $0["name"] as? String } == all && paged.pages == all.count)

            let team = try await client.get("/v1/team/skp?year=2026&atasan=\(line.kabid.nip)", token: hr)
            let members = team.items.compactMap { $0["nip"] as? String }
            #expect(members.count >= 2, "\(team.body)")
            let teamPages = try await walk(client, "/v1/team/skp?year=2026&atasan=\(line.kabid.nip)", token: hr, limit: 1)
            #expect(teamPages.items.compactMap { $0["nip"] as? String } == members && teamPages.pages == members.count)
            let first = try await client.get("/v1/team/skp?year=2026&atasan=\(line.kabid.nip)&limit=1", token: hr)
            #expect((first.json["notReported"] as? [String]) == (team.json["notReported"] as? [String]), "the whole team's, on every page")

            // The city's periods: 2026 quarterly, then 2027 monthly, each year first, every one once and in order.
            try await db.withTenant(city.id) { _ = try await $0.openYear(2027, cadence: .monthly, actor: "t") }
            let periods = try await walk(client, "/v1/periods", token: hr, limit: 2)
            let names = periods.items.map { "\($0["year"] as? Int ?? 0) \($0["period"] as? String ?? "")" }
            let expected = ["2026 Y"] + (1...4).map { "2026 Q\($0)" } + ["2027 Y"] + (1...12).map { "2027 M\($0)" }
            #expect(names == expected && periods.pages == 9, "\(names)")

            // A cursor continues after its item: a year opened before it between pages neither repeats items nor
            // hides the rest (with positions, the page after "2026 Q1" was 2025's); replayed on another year's
            // list, it is refused, its item named.
            let firstPage = try await client.get("/v1/periods?limit=2", token: hr)
            let after = try #require(firstPage.json["nextCursor"] as? String)
            try await db.withTenant(city.id) { _ = try await $0.openYear(2025, cadence: .quarterly, actor: "t") }
            let next = try await client.get("/v1/periods?limit=2&cursor=\(after)", token: hr)
            #expect(next.items.map { "\($0["year"] as? Int ?? 0) \($0["period"] as? String ?? "")" } == ["2026 Q2", "2026 Q3"], "\(next.body)")
            let otherYear = try await client.get("/v1/periods?year=2027&cursor=\(after)", token: hr)
            #expect(otherYear.status == .badRequest && otherYear.body.contains("2026 Q1"), "\(otherYear.body)")

            for bad in ["cursor=zz", "cursor=p999", "cursor=kZZZ", "limit=0", "limit=1001"] {
                let r = try await client.get("/v1/reports?\(bad)", token: hr)
                #expect(r.status == .badRequest && r.code == "invalid_parameter" && r.body.contains(bad.split(separator: "=")[1]), "\(bad): \(r.body)")
            }
        }
    }

    /// Keys that repeat in a list still page every item once (the cursor tells the occurrences apart).
    @Test(arguments: [1, 2, 3]) func repeatedKeysPageEveryItemOnce(limit: Int) throws {
        let all = ["a", "b", "b", "b", "c"].enumerated().map { (position: $0.offset, key: $0.element) }
        var seen: [Int] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try Pagination.page(all, key: \.key, cursor: cursor, limit: limit)
            seen += page.items.map(\.position)
            cursor = page.next
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen == [0, 1, 2, 3, 4])
        #expect(Pagination.decode(Pagination.encode("2026 M2/ü")) == "2026 M2/ü")
    }
}
