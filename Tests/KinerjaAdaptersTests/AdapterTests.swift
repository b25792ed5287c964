import KinerjaAdapters
import KinerjaCore
import Testing

/// Every built-in profile loads through the same validation as a city's file, and each states what
/// DOMAIN.md says its city stresses.
@Suite struct AdapterTests {
    @Test(arguments: AdapterRegistry.names)
    func everyBuiltInProfileLoads(_ name: String) throws {
        let adapter = try #require(AdapterRegistry.named(name))
        let profile = try adapter.effectiveProfile()
        #expect(!profile.name.isEmpty)
    }

    @Test func namesAreUniqueAndTheFourCitiesAreThere() {
        #expect(Set(AdapterRegistry.names).count == AdapterRegistry.names.count)
        #expect(AdapterRegistry.demoCities.map(\.name) == ["makassar", "pematangsiantar", "banjarbaru", "palu"])
        #expect(AdapterRegistry.named("MAKASSAR")?.name == "makassar")
        #expect(AdapterRegistry.named("jakarta") == nil)
    }

    @Test func makassarRealTime360AndComplaints() throws {
        let p = try #require(AdapterRegistry.named("makassar")).effectiveProfile()
        #expect(p.periods.cadence == .monthly)
        #expect(p.behaviour360.selfAssessment)
        #expect(p.behaviour360.subordinate == 0 && p.behaviour360.atasan + p.behaviour360.peer == 100)
        #expect(p.hooks.contains("complaintResponsiveness"))
        #expect(p.indicators.contains { $0.id == "guru-hasil-ujian" } && p.indicators.contains { $0.id == "guru-pengelolaan-kelas" })
        #expect(p.followUps.rewards.contains { $0.name.contains("ASN Berprestasi") })
    }

    @Test func pematangsiantarIndicatorsAgreedWithEmployees() throws {
        let p = try #require(AdapterRegistry.named("pematangsiantar")).effectiveProfile()
        #expect(!p.indicators.isEmpty && p.indicators.allSatisfy { $0.agreedWithEmployee == true })
        #expect(p.followUps.certificate?.name.contains("Sertifikat") == true)
        #expect((p.tpp.kinerjaPercent, p.tpp.disiplinPercent) == (80, 20))
        #expect(p.tpp.kinerjaCut?.belowPercent == 80 && p.tpp.kinerjaCut?.cutPercent == 20)
    }

    @Test func banjarbaruParticipationRateAndSanctions() throws {
        let p = try #require(AdapterRegistry.named("banjarbaru")).effectiveProfile()
        #expect(p.indicators.contains { $0.id == "angka-partisipasi-sekolah" })
        #expect(p.followUps.training.map(\.name).contains("Seminar"))
        // Demotion is for indiscipline (the PP 94/2021 ladder), never proposed from a predikat.
        #expect(p.followUps.sanctions.map(\.name) == ["Teguran", "Usulan pemeriksaan disiplin"])
        #expect(!p.followUps.sanctions.contains { $0.name.lowercased().contains("penurunan jabatan") })
    }

    @Test func paluPublishesAnAnnualReport() throws {
        let p = try #require(AdapterRegistry.named("palu")).effectiveProfile()
        #expect(p.reports.publicAnnualReport)
        #expect(p.reports.formats.contains { $0.id == "laporan-tahunan-publik" && $0.kind == .html })
    }

    @Test func onlyPaluPublishes() throws {
        for adapter in AdapterRegistry.all where adapter.name != "palu" {
            #expect(try adapter.effectiveProfile().reports.publicAnnualReport == false, "\(adapter.name)")
        }
    }
}
