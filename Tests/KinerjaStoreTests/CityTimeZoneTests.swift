import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import Testing

/// A city's dates are its own (profile `timeZone`): at 16:30 UTC on 31 March it is still March in
/// Pematangsiantar (WIB, 23:30) and already April in Makassar (WITA, 00:30), so the latest month begun that the
/// regional summary reports differs; and a profile stored before the key existed is read as WITA.
@Suite struct CityTimeZoneTests {
    static let lateOn31March = Date(timeIntervalSince1970: 1_774_974_600)

    @Test(arguments: [("pematangsiantar", "M3"), ("makassar", "M4")])
    func theLatestPeriodBegunIsTheCitys(adapter: String, expected: String) async throws {
        let profile = try #require(AdapterRegistry.named(adapter)).effectiveProfile()
        let (city, _) = try await TestDatabase.city("tz-\(adapter.prefix(5))", profile: profile)
        let summary = try await TestDatabase.admin().withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .monthly, actor: "t")
            return try await tx.citySummary(year: 2026, today: Self.lateOn31March)
        }
        #expect(summary.period == expected, "\(adapter): \(summary.period ?? "none")")
    }

    @Test func aProfileStoredWithoutAZoneIsReadAsWITA() async throws {
        var profile = try #require(AdapterRegistry.named("pematangsiantar")).effectiveProfile()
        profile.timeZone = nil
        let (city, _) = try await TestDatabase.city("tz-none", profile: profile)
        let summary = try await TestDatabase.admin().withTenant(city.id) { tx in
            #expect(try await tx.profile().timeZoneOrDefault.identifier == "Asia/Makassar")
            _ = try await tx.openYear(2026, cadence: .monthly, actor: "t")
            return try await tx.citySummary(year: 2026, today: Self.lateOn31March)
        }
        #expect(summary.period == "M4")
    }
}
