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

    /// DOMAIN.md: Makassar judges teachers on exam results *and* on classroom management. Both are RHK utama of a
    /// teacher's SKP, and the SKP's capaian is the mean of its RHK utama (PermenPANRB 6/2022 weighs none above
    /// another): an average exam score of 60 against 75 (80%) and a full classroom score (100%) give 90%.
    @Test func aMakassarTeachersSKPCountsResultsAndTheClassroomAlike() throws {
        let templates = try profile("makassar").indicators.filter { $0.id.hasPrefix("guru-") }
        #expect(templates.map(\.id) == ["guru-hasil-ujian", "guru-pengelolaan-kelas"])
        let rhk = templates.map { SKP.RHK(kind: .utama, text: $0.rhk, iki: [IndicatorCatalogue.iki(from: $0)]) }
        let (exam, classroom) = (rhk[0].iki[0], rhk[1].iki[0])
        #expect(exam.targetValue == 75 && classroom.targetValue == 80)
        let summary = Capaian.summary(SKP.Content(approach: .kuantitatif, rhk: rhk), realisasi: [exam.key: [60], classroom.key: [80]])
        #expect(summary.byRHK[rhk[0].key] == 80 && summary.byRHK[rhk[1].key] == 100)
        #expect(summary.skp == 90)
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

    /// Banjarbaru's participation rate is a rate: reported 97, 97, 98 and 98 by quarter, the year's is 98, the
    /// target met (100%). Added up it was 390 of 98, 398%, and every education officer Di Atas Ekspektasi.
    @Test func aRateIsTheLatestFigureNotTheSumOfTheQuarters() throws {
        let t = try #require(try profile("banjarbaru").indicators.first { $0.id == "angka-partisipasi-sekolah" })
        let iki = IndicatorCatalogue.iki(from: t)
        #expect(iki.accumulation == .last)
        let rhk = SKP.RHK(kind: .utama, text: t.rhk, iki: [iki])
        let summary = Capaian.summary(SKP.Content(approach: .kuantitatif, rhk: [rhk]), realisasi: [iki.key: [97, 97, 98, 98]])
        #expect(summary.skp == 100)
    }

    /// Pematangsiantar's monthly report on time counts reports: one a month adds up to the year's 12 (100%),
    /// eleven make 91.67%. Taken as the latest figure, the year was 1 of 12, 8.3%.
    @Test func reportsOnTimeAddUpOverTheYear() throws {
        let t = try #require(try profile("pematangsiantar").indicators.first { $0.id == "ketepatan-laporan" })
        let iki = IndicatorCatalogue.iki(from: t)
        #expect(iki.accumulation == .sum && iki.dimension == .waktu && iki.targetValue == 12)
        let rhk = SKP.RHK(kind: .utama, text: t.rhk, iki: [iki])
        func capaian(_ months: [Double]) -> Double? {
            Capaian.summary(SKP.Content(approach: .kuantitatif, rhk: [rhk]), realisasi: [iki.key: months]).skp
        }
        #expect(capaian(Array(repeating: 1, count: 12)) == 100)
        #expect(capaian(Array(repeating: 1, count: 11) + [0]).map { abs($0 - 91.666667) < 1e-6 } == true)
    }

    /// No city's indicator measured in percent adds its periods up.
    @Test(arguments: ["nasional", "makassar", "pematangsiantar", "banjarbaru", "palu"])
    func noPercentageAddsUp(city: String) throws {
        for t in try profile(city).indicators where ["persen", "%"].contains(t.unit.lowercased()) {
            #expect(IndicatorCatalogue.iki(from: t).accumulation != .sum, "\(city): \(t.id)")
        }
    }

    @Test func proposalsAreOnInPematangsiantarOnly() throws {
        #expect(try profile("pematangsiantar").indicatorProposals)
        for city in ["nasional", "makassar", "banjarbaru", "palu"] { #expect(try !profile(city).indicatorProposals, "\(city)") }
    }
}
