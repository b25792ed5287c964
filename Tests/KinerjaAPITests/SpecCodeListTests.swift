import KinerjaAPI
import KinerjaCore
import Testing

/// The spec's lists of codes are exactly the server's: an integrator can switch on them, and the server, which
/// maps its values onto the spec's, never meets one the spec lacks.
@Suite struct SpecCodeListTests {
    static func same(_ server: [String], _ spec: [String]) -> Bool { Set(server) == Set(spec) && server.count == Set(server).count }

    @Test func curveStatuses() {
        #expect(Self.same(CurveStatus.allCases.map(\.rawValue), Components.Schemas.DashboardOPD.CurveStatusPayload.allCases.map(\.rawValue)))
    }

    /// An evaluation's predikat is named as its regime names it: the 2022 matrix's five, and the numeric regimes'
    /// own (Cukup, Kurang, Buruk).
    @Test func predikatOfEveryRegime() {
        let server = Set(Predikat.allCases.map(\.rawValue) + PP30.Predikat.allCases.map(\.rawValue) + PP46.Predikat.allCases.map(\.rawValue))
        #expect(Self.same(Array(server), Components.Schemas.Evaluation.PredikatPayload.allCases.map(\.rawValue)))
    }

    @Test func predikatOrganisasi() {
        #expect(Self.same(PredikatOrganisasi.allCases.map(\.rawValue), Components.Schemas.DashboardOPD.PredikatOrganisasiPayload.allCases.map(\.rawValue)))
    }

    @Test func indicatorAspects() {
        #expect(Self.same(TenantProfile.IndicatorTemplate.Aspect.allCases.map(\.rawValue),
                          Components.Schemas.IndicatorTemplate.DimensionPayload.allCases.map(\.rawValue)))
    }

    @Test func reportSources() {
        #expect(Self.same(ReportSource.allCases.map(\.rawValue), Components.Schemas.ReportInfo.SourcePayload.allCases.map(\.rawValue)))
    }
}
