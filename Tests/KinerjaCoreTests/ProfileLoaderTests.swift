@testable import KinerjaCore
import Testing

@Suite struct ProfileLoaderTests {
    @Test func nationalDefaultMatchesTheDomainReference() throws {
        let p = try ProfileLoader.load(overlay: "", source: "empty")
        #expect(p.rating.regime == .permenpanrb2022)
        // 360 weights seen in practice: atasan 50 / peer 30 / subordinate 20, peer 50 without subordinates.
        #expect((p.behaviour360.atasan, p.behaviour360.peer, p.behaviour360.subordinate) == (50, 30, 20))
        #expect(p.behaviour360.peerWithoutSubordinates == 50)
        // Curve: Istimewa allows at most 70% Sangat Baik; Sangat Kurang allows none.
        #expect(p.distributionCurve["Istimewa"]?.first?.maxPercent == 70)
        #expect(p.distributionCurve["Sangat Kurang"]?.last == .init(predikat: [.sangatBaik], minPercent: nil, maxPercent: 0, minCount: nil))
        #expect(p.distributionCurve.count == PredikatOrganisasi.allCases.count)
        // TPP: 60% kinerja, 40% disiplin; a missed ceremony costs 2%.
        #expect((p.tpp.kinerjaPercent, p.tpp.disiplinPercent) == (60, 40))
        #expect(p.tpp.deductions.first { $0.event == "tidak-ikut-upacara" }?.percent == 2)
        #expect(p.followUps.improvementMonths == 6)
    }

    @Test func overlayChangesOnlyWhatItNames() throws {
        let p = try ProfileLoader.load(overlay: "name: Kota Uji\nperiods: {cadence: monthly}\nbehaviour360: {atasan: 60, peer: 40, subordinate: 0, peerWithoutSubordinates: 40}\n", source: "t")
        #expect(p.name == "Kota Uji")
        #expect(p.periods.cadence == .monthly)
        #expect(p.behaviour360.atasan == 60)
        #expect(p.behaviour360.minimumPeers == 3, "keys the overlay leaves out keep the national value")
        #expect(p.tpp.kinerjaPercent == 60)
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        var yaml: String
        var path: String
        var mentions: String
        var testDescription: String { "\(path): \(mentions)" }
    }

    static let broken: [Broken] = [
        .init(yaml: "periods: {cadence: weekly}", path: "periods.cadence", mentions: "monthly, quarterly"),
        .init(yaml: "rating: {regime: pp-99}", path: "rating.regime", mentions: "permenpanrb-6-2022"),
        .init(yaml: "behaviour360: {atasan: lima}", path: "behaviour360.atasan", mentions: "whole number"),
        .init(yaml: "behaviour360: {atasan: 70}", path: "behaviour360.subordinate", mentions: "must be 100"),
        .init(yaml: "tpp: {kinerjaPercent: 80}", path: "tpp.disiplinPercent", mentions: "must be 100"),
        .init(yaml: "behaviour360: {atasn: 50}", path: "behaviour360.atasn", mentions: "unknown key"),
        .init(yaml: "colour: blue", path: "colour", mentions: "unknown key"),
        .init(yaml: "distributionCurve: {Luar Biasa: []}", path: "distributionCurve.Luar Biasa", mentions: "Istimewa"),
        .init(yaml: "distributionCurve: {Baik: [{predikat: [Hebat], maxPercent: 70}]}", path: "distributionCurve.Baik[0].predikat[0]", mentions: "Sangat Baik"),
        .init(yaml: "distributionCurve: {Baik: [{predikat: [Baik], maxPercent: 170}]}", path: "distributionCurve.Baik[0].maxPercent", mentions: "0-100"),
        .init(yaml: "followUps: {improvementMonths: 0}", path: "followUps.improvementMonths", mentions: "1-24"),
        .init(yaml: "indicators: [{id: a, appliesTo: [x], rhk: r, iki: i, aspect: kecepatan, unit: u}]", path: "indicators[0].aspect", mentions: "kuantitas"),
        .init(yaml: "indicators: [{id: a, appliesTo: [x], rhk: r, iki: i, aspect: waktu}]", path: "indicators[0].unit", mentions: "required"),
        .init(yaml: "- a list", path: "", mentions: "mapping"),
    ]

    @Test(arguments: broken)
    func errorsNameTheKeyPath(_ b: Broken) {
        #expect(throws: ProfileError.self) { try ProfileLoader.load(overlay: b.yaml, source: "broken.yaml") }
        do {
            _ = try ProfileLoader.load(overlay: b.yaml, source: "broken.yaml")
        } catch {
            let hit = error.issues.first { $0.path == b.path }
            #expect(hit != nil, "no issue at \(b.path): \(error.issues)")
            #expect(hit.map { "\($0)".contains(b.mentions) } == true, "\(String(describing: hit))")
            #expect(error.description.contains("broken.yaml"))
        }
    }

    @Test func notYAMLAtAll() {
        #expect(throws: ProfileError.self) { try ProfileLoader.load(overlay: "name: [unclosed", source: "x") }
    }

    /// A city's holidays add to the national ones (each once); other lists replace the national list.
    @Test func aCitysHolidaysAddToTheNationalOnes() throws {
        let national = try ProfileLoader.load(overlay: "", source: "n").holidays
        #expect(national.contains(CivilDate(year: 2026, month: 8, day: 17)) && national.count == 16)
        let city = try ProfileLoader.load(overlay: "holidayDates: [2026-08-17, 2026-09-09]", source: "city")
        #expect(city.holidays.count == 17 && city.holidays.contains(CivilDate(year: 2026, month: 9, day: 9)), "\(city.holidays)")
        #expect(throws: ProfileError.self) { try ProfileLoader.load(overlay: "holidayDates: [2026-02-30]", source: "bad") }
    }

    @Test func roundTripThroughYAML() throws {
        let p = try ProfileLoader.load(overlay: "", source: "n")
        let again = try ProfileLoader.load(overlay: ProfileLoader.yaml(p), source: "round trip")
        #expect(again == p)
    }
}
