import KinerjaAdapters
import KinerjaCore
import Testing

/// Each city's catalogue offers its own indicators to the jobs DOMAIN.md names, and proposals are on only
/// where indicators are formulated with the employees (Pematangsiantar).
@Suite struct IndicatorCatalogueTests {
    func profile(_ name: String) throws -> TenantProfile { try #require(AdapterRegistry.named(name)).effectiveProfile() }

    func offered(_ city: String, jabatan: String, kind: String, level: String? = nil, units: [String]) throws -> [String] {
        let position = IndicatorCatalogue.Position(jabatanName: jabatan, jabatanKind: kind, jabatanLevel: level, units: units)
        return IndicatorCatalogue.templates(try profile(city).indicators, for: position).map(\.id)
    }

    @Test func makassarTeachersAreJudgedOnResultsAndOnTheClassroom() throws {
        let ids = try offered("makassar", jabatan: "Guru Ahli Muda", kind: "fungsional", units: ["SD Negeri 3", "Dinas Pendidikan"])
        #expect(ids == ["guru-hasil-ujian", "guru-pengelolaan-kelas"])
        // "Guru" names the first word of a jabatan, not any word in it.
        #expect(try offered("makassar", jabatan: "Pengawas Guru", kind: "fungsional", units: []).isEmpty)
    }

    @Test func banjarbaruEducationOfficersGetTheParticipationRate() throws {
        let ids = try offered("banjarbaru", jabatan: "Analis Kebijakan", kind: "fungsional",
                              units: ["Bidang Pembinaan SD", "DISDIK.B1", "Dinas Pendidikan", "DISDIK"])
        #expect(ids == ["angka-partisipasi-sekolah"])
        #expect(try offered("banjarbaru", jabatan: "Analis Kebijakan", kind: "fungsional", units: ["Dinas Kesehatan"]).isEmpty)
    }

    @Test func templatesBecomeIndicators() throws {
        let t = try #require(try profile("banjarbaru").indicators.first { $0.id == "angka-partisipasi-sekolah" })
        let iki = IndicatorCatalogue.iki(from: t)
        #expect(iki.templateID == t.id && iki.targetValue == 98 && iki.targetUnit == "persen" && iki.dimension == .kuantitas)
    }

    @Test func proposalsAreOnInPematangsiantarOnly() throws {
        #expect(try profile("pematangsiantar").indicatorProposals)
        for city in ["nasional", "makassar", "banjarbaru", "palu"] { #expect(try !profile(city).indicatorProposals, "\(city)") }
    }
}
