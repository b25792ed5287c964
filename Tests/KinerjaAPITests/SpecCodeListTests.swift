import Foundation
import KinerjaAPI
import KinerjaCore
import Testing

/// The spec's lists of codes are exactly the server's: an integrator can switch on them, and the server, which
/// maps its values onto the spec's, never meets one the spec lacks. The change feed's action table too.
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

    /// The change feed's table of actions (listChanges' description) names every action the code writes to the
    /// audit log, and no action it does not. The actions are read from the sources themselves, Swift and SQL:
    /// every quoted `prefix.name` whose prefix is one of the table's (`skp.`, `user.`, …).
    @Test func theActionTableIsTheActionsWritten() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sources = root.appendingPathComponent("Sources")
        let spec = try String(contentsOf: sources.appendingPathComponent("KinerjaAPI/openapi.yaml"), encoding: .utf8)
        // A row of the table: `| `a.b`, `a.c` | made by | entity | detail | who sees it |`; its first cell names the actions.
        var table = Set<String>()
        for line in spec.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) where line.hasPrefix("| `") {
            let first = line.split(separator: "|", omittingEmptySubsequences: true).first ?? ""
            for m in first.matches(of: try Regex("`([a-z_]+\\.[a-z_.\\-]+)`")) { table.insert(String(m.output[1].substring ?? "")) }
        }
        let prefixes = Set(table.map { String($0.split(separator: ".")[0]) })
        #expect(table.count > 40 && prefixes.contains("skp") && prefixes.contains("tenant"), "\(table)")

        // Quoted strings of that form that are not actions: a configuration key and a profile field's path.
        let notActions: Set<String> = ["report.dir", "complaints.indicator"]
        // Actions the code builds from parts ("tenant.\(status)"), so never quoted whole.
        let built: Set<String> = ["tenant.suspend", "tenant.resume"]
        var written: [String: String] = [:]
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        let quoted = try Regex(#"["']([a-z_]+)\.([a-z_\-]+(?:\.[a-z_\-]+)*)["']"#)
        for case let file as URL in files where ["swift", "sql"].contains(file.pathExtension) {
            let text = try String(contentsOf: file, encoding: .utf8)
            for m in text.matches(of: quoted) {
                let (prefix, name) = (String(m.output[1].substring ?? ""), String(m.output[2].substring ?? ""))
                let action = "\(prefix).\(name)"
                if prefixes.contains(prefix) && !notActions.contains(action) { written[action] = file.lastPathComponent }
            }
        }
        let unlisted = written.filter { !table.contains($0.key) }
        #expect(unlisted.isEmpty, "written to the audit log but not in the spec's action table: \(unlisted)")
        let unwritten = table.subtracting(written.keys).subtracting(built)
        #expect(unwritten.isEmpty, "in the spec's action table but written nowhere: \(unwritten.sorted())")
    }
}
