import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import NIOCore
import PostgresNIO
import Testing

/// Every operation of openapi.yaml, called as every role: in the key's own city, and (where the call names
/// something) with another city's employee, proposal, report job or OPD. Each cell states the answer:
/// allowed (2xx), refused for the role (403), not a call for this kind of key (400), not found (404), or a
/// state conflict (409). Another city's things are never found, never written and never shown.
@Suite(.serialized) struct RoleMatrixTests {
    /// The roles, in the order of each row's expected codes.
    enum Who: String, CaseIterable { case hr, bkn, atasan, pegawai, integrator }

    struct Call: Sendable {
        var method: HTTPRequest.Method
        var uri: String
        var json: String?
        var csv: String?
        var ifMatch: String?
        init(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, csv: String? = nil, ifMatch: String? = nil) {
            (self.method, self.uri, self.json, self.csv, self.ifMatch) = (method, uri, json, csv, ifMatch)
        }
    }

    struct Row: Sendable {
        /// The operation as RouteCoverageTests writes it ("GET /v1/employees/{}").
        var op: String
        var own: @Sendable (Who) -> Call
        /// The answers in the own city: hr, bkn, atasan, pegawai, integrator.
        var ownCodes: [Int]
        var other: (@Sendable (Who) -> Call)?
        var otherCodes: [Int] = []
    }

    static func codes(_ text: String) -> [Int] { text.split(separator: " ").compactMap { Int($0) } }

    @Test func everyOperationAsEveryRoleInItsCityAndAnother() async throws {
        let admin = try await TestDatabase.admin()
        let (a, popA) = try await APIReportTests.finalCity("pematangsiantar")
        let (b, popB) = try await APIReportTests.finalCity("pematangsiantar")
        let c = TestDatabase.chain(popA), cb = TestDatabase.chain(popB)
        let t = c.kabid.nip
        let bNIP = try #require(popB.people.map(\.nip).first { n in !popA.people.contains { $0.nip == n } && n != cb.kabid.nip })
        // An OPD only the other city has (the demo cities share their unit codes).
        let bUnit = "OPD-B-ONLY"
        try await admin.withTenant(b.id) { tx in
            try await tx.query("""
                insert into org_units (tenant_id, unit_id, code, name, kind) values (\(b.id.uuid), \(UUID()), \(bUnit), 'Dinas Kota B', 'opd')
                """)
        }
        // A complaint in each city.
        for (city, ticket) in [(a, "LAPOR-A-1"), (b, "LAPOR-B-1")] {
            let stored = try await admin.withTenant(city.id) { tx in
                try await tx.ingestComplaints([["NOMOR TIKET": ticket, "TANGGAL DITERIMA": "2026-11-02"]], allOrNothing: true, actor: "t")
            }
            #expect(stored.results.allSatisfy { $0.accepted })
        }
        let late = try await admin.withTenant(b.id) { tx in
            try await tx.ingestAttendance([["NIP": bNIP, "TANGGAL": "2026-11-03", "JENIS": "terlambat", "MENIT": "7"]], allOrNothing: true, actor: "t")
        }
        #expect(late.allSatisfy { $0.accepted })
        // A year only the other city has opened.
        try await admin.withTenant(b.id) { _ = try await $0.openYear(2031, cadence: .monthly, actor: "t") }

        var keys: [Who: (token: String, id: UUID)] = [:]
        for who in Who.allCases {
            let (role, nip): (Role, String?) = switch who {
            case .hr: (.hrAdmin, nil)
            case .bkn: (.bknAdmin, nil)
            case .atasan: (.atasan, c.kepala.nip)
            case .pegawai: (.pegawai, t)
            case .integrator: (.integrator, nil)
            }
            keys[who] = try await admin.createAPIKey(tenants: [a.id], role: role, label: "matrix \(who)", employeeNIP: nip, actor: "t")
        }
        let bHR = try await admin.createAPIKey(tenants: [b.id], role: .hrAdmin, label: "matrix b", employeeNIP: nil, actor: "t")

        // What the calls name: T's SKP keys, a proposal and a report job in each city, someone T may rate.
        func proposal(_ city: Tenant, _ nip: String) async throws -> (rhk: String, iki: String, proposal: String) {
            try await admin.withTenant(city.id) { tx in
                let view = try #require(try await tx.skpView(nip: nip, year: 2026))
                let rhk = try #require(view.revision.content.rhk.first)
                let iki = try #require(rhk.iki.first)
                let p = try await tx.proposeIKI(nip: nip, year: 2026, rhkKey: rhk.key,
                                                iki: SKP.IKI(text: "Usulan", dimension: .kuantitas, targetValue: 1, targetUnit: "berkas"),
                                                actor: .employee(nip, name: "t"))
                return (rhk.key.uuidString.lowercased(), iki.key.uuidString.lowercased(), p.id.uuidString.lowercased())
            }
        }
        let (rhkKey, ikiKey, proposalA) = try await proposal(a, t)
        let proposalB = try await proposal(b, cb.kabid.nip).proposal
        var jobs: [Who: String] = [:]
        for who in Who.allCases {
            let id = UUID()
            try await admin.withTenant(a.id) {
                try await $0.createReportJob(id: id, report: "rekap-opd", format: "json", request: "{}", total: 1, server: UUID(), keyID: keys[who]!.id,
                                             scope: ReportScope(year: 2026, period: "Y"))
            }
            jobs[who] = id.uuidString.lowercased()
        }
        let ownJobs = jobs
        let jobB = UUID()
        try await admin.withTenant(b.id) {
            try await $0.createReportJob(id: jobB, report: "rekap-opd", format: "json", request: "{}", total: 1, server: UUID(), keyID: bHR.id,
                                         scope: ReportScope(year: 2026, period: "Y"))
        }
        let peer = try #require(popA.people.first { p in
            p.atasan != nil && ![t, c.kepala.nip, c.kasi.nip, c.staff.nip, c.peer.nip].contains(p.nip) && p.atasan != t
        }).nip
        // Whom each rater is asked to rate (the atasan rates T; T rates their bawahan).
        let ratee: [Who: String] = [.atasan: t, .pegawai: c.kasi.nip, .hr: t, .bkn: t, .integrator: t]

        let fours = #"{"scores":{"berorientasi_pelayanan":4,"akuntabel":4,"kompeten":4,"harmonis":4,"loyal":4,"adaptif":4,"kolaboratif":4}}"#
        let skp = "/v1/employees/\(t)/skp/2026", skpB = "/v1/employees/\(bNIP)/skp/2026"
        final class Text: @unchecked Sendable { var value = "" }
        let saved = Text(), savedEmployee = Text()
        let hrToken = keys[.hr]!.token
        try await withAPI { client in
            let view = try await client.get(skp, token: hrToken).json
            let revision = try #require(view["skp"] as? [String: Any])
            saved.value = String(decoding: try JSONSerialization.data(withJSONObject: ["approach": revision["approach"]!, "rhk": revision["rhk"]!]), as: UTF8.self)
            savedEmployee.value = try APIEmployeePutTests.input(try await client.get("/v1/employees/\(t)", token: hrToken).json)
        }
        let content = saved.value
        // T as stored (putting it changes nothing); the other city's employee placed in a unit only that city has.
        let employeeT = savedEmployee.value
        let employeeB = employeeT.replacingOccurrences(of: #""unitCode":"[^"]*""#, with: #""unitCode":"\#(bUnit)""#, options: .regularExpression)
        let tokens = keys.mapValues(\.token)
        // The city's own SIASN file, as a dry run: checked, nothing written.
        let siasn = popA.siasnLines().joined(separator: "\r\n") + "\r\n"
        let own = { (c: Call) -> @Sendable (Who) -> Call in { _ in c } }

        let rows: [Row] = [
            Row(op: "GET /health", own: own(Call(.get, "/health")), ownCodes: Self.codes("200 200 200 200 200")),
            Row(op: "GET /ready", own: own(Call(.get, "/ready")), ownCodes: Self.codes("200 200 200 200 200")),
            Row(op: "GET /metrics", own: own(Call(.get, "/metrics")), ownCodes: Self.codes("200 200 200 200 200")),
            Row(op: "GET /openapi.yaml", own: own(Call(.get, "/openapi.yaml")), ownCodes: Self.codes("200 200 200 200 200")),
            Row(op: "GET /v1/me", own: own(Call(.get, "/v1/me")), ownCodes: Self.codes("200 200 200 200 200")),
            Row(op: "POST /v1/sessions", own: own(Call(.post, "/v1/sessions", json: #"{"city":"\#(a.code)","nip":"199001012020011999","password":"x"}"#)),
                ownCodes: Self.codes("401 401 401 401 401"),
                other: own(Call(.post, "/v1/sessions", json: #"{"city":"\#(b.code)","nip":"\#(bNIP)","password":"x"}"#)),
                otherCodes: Self.codes("401 401 401 401 401")),
            Row(op: "DELETE /v1/sessions/current", own: own(Call(.delete, "/v1/sessions/current")), ownCodes: Self.codes("400 400 400 400 400")),
            Row(op: "GET /v1/region/summary", own: own(Call(.get, "/v1/region/summary?year=2026")), ownCodes: Self.codes("403 200 403 403 403")),
            Row(op: "GET /v1/tenant", own: own(Call(.get, "/v1/tenant")), ownCodes: Self.codes("200 200 200 200 200")),
            Row(op: "GET /v1/org-units", own: own(Call(.get, "/v1/org-units")), ownCodes: Self.codes("200 200 200 200 200")),
            // The other city's year 2031 lists nothing here.
            Row(op: "GET /v1/periods", own: own(Call(.get, "/v1/periods?year=2026")), ownCodes: Self.codes("200 403 200 200 200"),
                other: own(Call(.get, "/v1/periods?year=2031")), otherCodes: Self.codes("200 403 200 200 200")),
            // City HR opens a year the city has not (2032), then closes it; the other city's 2031 is not found here.
            Row(op: "POST /v1/periods", own: own(Call(.post, "/v1/periods", json: #"{"year":2032}"#)), ownCodes: Self.codes("201 403 403 403 403")),
            Row(op: "PUT /v1/periods/{}/{}/status", own: own(Call(.put, "/v1/periods/2032/Y/status", json: #"{"status":"closed"}"#)),
                ownCodes: Self.codes("200 403 403 403 403"),
                other: own(Call(.put, "/v1/periods/2031/Y/status", json: #"{"status":"closed"}"#)), otherCodes: Self.codes("404 403 403 403 403")),
            Row(op: "GET /v1/employees", own: own(Call(.get, "/v1/employees")), ownCodes: Self.codes("200 403 200 200 200"),
                other: own(Call(.get, "/v1/employees?unit=\(bUnit)")), otherCodes: Self.codes("404 403 404 404 404")),
            Row(op: "GET /v1/employees/{}", own: own(Call(.get, "/v1/employees/\(t)")), ownCodes: Self.codes("200 403 200 200 200"),
                other: own(Call(.get, "/v1/employees/\(bNIP)")), otherCodes: Self.codes("404 403 404 404 404")),
            Row(op: "PUT /v1/employees/{}", own: own(Call(.put, "/v1/employees/\(t)", json: employeeT)), ownCodes: Self.codes("200 403 403 403 200"),
                other: own(Call(.put, "/v1/employees/\(bNIP)", json: employeeB)), otherCodes: Self.codes("400 403 403 403 400")),
            Row(op: "POST /v1/imports/employees", own: own(Call(.post, "/v1/imports/employees?dryRun=true", csv: siasn)),
                ownCodes: Self.codes("200 403 403 403 200")),
            Row(op: "GET /v1/me/skp", own: own(Call(.get, "/v1/me/skp?year=2026")), ownCodes: Self.codes("400 403 200 200 400")),
            Row(op: "GET /v1/team/skp", own: own(Call(.get, "/v1/team/skp?year=2026")), ownCodes: Self.codes("400 403 200 403 403"),
                other: own(Call(.get, "/v1/team/skp?year=2026&atasan=\(bNIP)")), otherCodes: Self.codes("404 403 403 403 403")),
            Row(op: "GET /v1/employees/{}/skp/{}", own: own(Call(.get, skp)), ownCodes: Self.codes("200 403 200 200 200"),
                other: own(Call(.get, skpB)), otherCodes: Self.codes("404 403 404 404 404")),
            // A change to a plan or a rating says which version it was made from (`*`: any); without, 428 (EntityTagTests).
            Row(op: "PUT /v1/employees/{}/skp/{}", own: own(Call(.put, skp, json: content, ifMatch: "*")), ownCodes: Self.codes("200 403 403 200 403"),
                other: own(Call(.put, skpB, json: content, ifMatch: "*")), otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "GET /v1/employees/{}/skp/{}/revisions", own: own(Call(.get, "\(skp)/revisions")), ownCodes: Self.codes("200 403 200 200 200"),
                other: own(Call(.get, "\(skpB)/revisions")), otherCodes: Self.codes("404 403 404 404 404")),
            // The draft saved above: HR submits it, then it is no longer a draft; HR approves it; an approved SKP is not returned.
            Row(op: "POST /v1/employees/{}/skp/{}/submit", own: own(Call(.post, "\(skp)/submit")), ownCodes: Self.codes("200 403 403 409 403"),
                other: own(Call(.post, "\(skpB)/submit")), otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "POST /v1/employees/{}/skp/{}/approve", own: own(Call(.post, "\(skp)/approve", ifMatch: "*")), ownCodes: Self.codes("200 403 409 403 403"),
                other: own(Call(.post, "\(skpB)/approve", ifMatch: "*")), otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "POST /v1/employees/{}/skp/{}/return", own: own(Call(.post, "\(skp)/return", json: #"{"note":"x"}"#, ifMatch: "*")),
                ownCodes: Self.codes("409 403 409 403 403"),
                other: own(Call(.post, "\(skpB)/return", json: #"{"note":"x"}"#, ifMatch: "*")), otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "GET /v1/employees/{}/skp/{}/tree", own: own(Call(.get, "\(skp)/tree")), ownCodes: Self.codes("200 403 200 200 200"),
                other: own(Call(.get, "\(skpB)/tree")), otherCodes: Self.codes("404 403 404 404 404")),
            Row(op: "PUT /v1/employees/{}/skp/{}/realisasi",
                own: own(Call(.put, "\(skp)/realisasi", json: #"{"ikiKey":"\#(ikiKey)","period":"M11","value":1}"#)),
                ownCodes: Self.codes("200 403 403 200 403"),
                other: own(Call(.put, "\(skpB)/realisasi", json: #"{"ikiKey":"\#(ikiKey)","period":"M11","value":1}"#)),
                otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "POST /v1/employees/{}/skp/{}/feedback",
                own: own(Call(.post, "\(skp)/feedback", json: #"{"rhkKey":"\#(rhkKey)","period":"M11","text":"Baik"}"#)),
                ownCodes: Self.codes("201 403 201 403 403"),
                other: own(Call(.post, "\(skpB)/feedback", json: #"{"rhkKey":"\#(rhkKey)","period":"M11","text":"Baik"}"#)),
                otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "GET /v1/employees/{}/indicator-templates", own: own(Call(.get, "/v1/employees/\(t)/indicator-templates")),
                ownCodes: Self.codes("200 403 200 200 200"),
                other: own(Call(.get, "/v1/employees/\(bNIP)/indicator-templates")), otherCodes: Self.codes("404 403 404 404 404")),
            Row(op: "GET /v1/employees/{}/skp/{}/proposals", own: own(Call(.get, "\(skp)/proposals")), ownCodes: Self.codes("200 403 200 200 200"),
                other: own(Call(.get, "\(skpB)/proposals")), otherCodes: Self.codes("404 403 404 404 404")),
            Row(op: "POST /v1/employees/{}/skp/{}/proposals",
                own: own(Call(.post, "\(skp)/proposals", json: #"{"rhkKey":"\#(rhkKey)","iki":{"text":"Usulan","dimension":"kuantitas","targetValue":1,"targetUnit":"berkas"}}"#)),
                ownCodes: Self.codes("201 403 403 201 403"),
                other: own(Call(.post, "\(skpB)/proposals", json: #"{"rhkKey":"\#(rhkKey)","iki":{"text":"Usulan","dimension":"kuantitas","targetValue":1,"targetUnit":"berkas"}}"#)),
                otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "POST /v1/iki-proposals/{}/decision",
                own: own(Call(.post, "/v1/iki-proposals/\(proposalA)/decision", json: #"{"accept":false,"reason":"x"}"#)),
                ownCodes: Self.codes("200 403 409 403 403"),
                other: own(Call(.post, "/v1/iki-proposals/\(proposalB)/decision", json: #"{"accept":false,"reason":"x"}"#)),
                otherCodes: Self.codes("404 403 404 403 403")),
            Row(op: "GET /v1/me/feedback-requests", own: own(Call(.get, "/v1/me/feedback-requests?year=2026")),
                ownCodes: Self.codes("400 403 200 200 400")),
            Row(op: "PUT /v1/me/feedback/{}/{}/{}", own: { Call(.put, "/v1/me/feedback/2026/Y/\(ratee[$0]!)", json: fours) },
                ownCodes: Self.codes("403 403 204 204 403"),
                other: own(Call(.put, "/v1/me/feedback/2026/Y/\(bNIP)", json: fours)), otherCodes: Self.codes("403 403 404 404 403")),
            Row(op: "GET /v1/me/behaviour", own: own(Call(.get, "/v1/me/behaviour?year=2026&period=Y")), ownCodes: Self.codes("400 403 200 200 400")),
            Row(op: "GET /v1/employees/{}/behaviour", own: own(Call(.get, "/v1/employees/\(t)/behaviour?year=2026&period=Y")),
                ownCodes: Self.codes("200 403 200 200 403"),
                other: own(Call(.get, "/v1/employees/\(bNIP)/behaviour?year=2026&period=Y")), otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "POST /v1/employees/{}/peers", own: own(Call(.post, "/v1/employees/\(t)/peers", json: #"{"rater":"\#(peer)","year":2026,"period":"Y"}"#)),
                ownCodes: Self.codes("409 403 409 403 403"),
                other: own(Call(.post, "/v1/employees/\(bNIP)/peers", json: #"{"rater":"\#(peer)","year":2026,"period":"Y"}"#)),
                otherCodes: Self.codes("404 403 404 404 403")),
            // Ratings and follow-ups: an integrator key needs the scope siasn (this one is granted the ingestion paths).
            Row(op: "GET /v1/employees/{}/evaluations/{}/{}", own: own(Call(.get, "/v1/employees/\(t)/evaluations/2026/Y")),
                ownCodes: Self.codes("200 403 200 200 403"),
                other: own(Call(.get, "/v1/employees/\(bNIP)/evaluations/2026/Y")), otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "POST /v1/employees/{}/evaluations/{}/{}/confirm", own: own(Call(.post, "/v1/employees/\(t)/evaluations/2026/Y/confirm", json: "{}", ifMatch: "*")),
                ownCodes: Self.codes("409 403 409 403 403"),
                other: own(Call(.post, "/v1/employees/\(bNIP)/evaluations/2026/Y/confirm", json: "{}", ifMatch: "*")), otherCodes: Self.codes("404 403 404 403 403")),
            Row(op: "GET /v1/employees/{}/followups/{}", own: own(Call(.get, "/v1/employees/\(t)/followups/2026")),
                ownCodes: Self.codes("200 403 200 200 403"),
                other: own(Call(.get, "/v1/employees/\(bNIP)/followups/2026")), otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "GET /v1/employees/{}/contribution/{}", own: own(Call(.get, "/v1/employees/\(t)/contribution/2026")),
                ownCodes: Self.codes("200 403 200 200 200"),
                other: own(Call(.get, "/v1/employees/\(bNIP)/contribution/2026")), otherCodes: Self.codes("404 403 404 404 404")),
            Row(op: "GET /v1/changes", own: own(Call(.get, "/v1/changes")), ownCodes: Self.codes("200 403 403 403 200")),
            // Ingestion answers per item: another city's employee is a rejected item, never a write.
            // The other city's NIP has an event there (below); through this city's keys it lists nothing.
            Row(op: "GET /v1/attendance/events", own: own(Call(.get, "/v1/attendance/events?from=2026-11-01&until=2026-11-30")),
                ownCodes: Self.codes("200 403 403 403 200"),
                other: own(Call(.get, "/v1/attendance/events?from=2026-11-01&until=2026-11-30&nip=\(bNIP)")),
                otherCodes: Self.codes("200 403 403 403 200")),
            Row(op: "POST /v1/attendance/events",
                own: own(Call(.post, "/v1/attendance/events", json: #"{"events":[{"nip":"\#(t)","day":"2026-11-02","kind":"terlambat","minutes":5}]}"#)),
                ownCodes: Self.codes("200 403 403 403 200"),
                other: own(Call(.post, "/v1/attendance/events", json: #"{"allOrNothing":true,"events":[{"nip":"\#(bNIP)","day":"2026-11-02","kind":"terlambat","minutes":5}]}"#)),
                otherCodes: Self.codes("422 403 403 403 422")),
            Row(op: "POST /v1/complaints",
                own: own(Call(.post, "/v1/complaints", json: #"{"complaints":[{"trackingId":"LAPOR-M-1","received":"2026-11-02"}]}"#)),
                ownCodes: Self.codes("200 403 403 403 200"),
                other: own(Call(.post, "/v1/complaints", json: #"{"allOrNothing":true,"complaints":[{"trackingId":"LAPOR-M-2","received":"2026-11-02","routedTo":{"opd":"\#(bUnit)","on":"2026-11-02"}}]}"#)),
                otherCodes: Self.codes("422 403 403 403 422")),
            // The other city's own ticket is not found.
            Row(op: "GET /v1/complaints/{}", own: own(Call(.get, "/v1/complaints/LAPOR-A-1")), ownCodes: Self.codes("200 403 403 403 200"),
                other: own(Call(.get, "/v1/complaints/LAPOR-B-1")), otherCodes: Self.codes("404 403 403 403 404")),
            Row(op: "POST /v1/realisasi",
                own: own(Call(.post, "/v1/realisasi", json: #"{"items":[{"nip":"\#(t)","year":2026,"ikiKey":"\#(ikiKey)","period":"M11","value":2}]}"#)),
                ownCodes: Self.codes("200 403 403 403 200"),
                other: own(Call(.post, "/v1/realisasi", json: #"{"allOrNothing":true,"items":[{"nip":"\#(bNIP)","year":2026,"ikiKey":"\#(ikiKey)","period":"M11","value":2}]}"#)),
                otherCodes: Self.codes("422 403 403 403 422")),
            Row(op: "GET /v1/followups", own: own(Call(.get, "/v1/followups?year=2026")), ownCodes: Self.codes("200 403 403 403 403")),
            Row(op: "GET /v1/dashboard", own: own(Call(.get, "/v1/dashboard?year=2026")), ownCodes: Self.codes("200 200 200 403 403"),
                other: own(Call(.get, "/v1/dashboard?year=2026&orgUnit=\(bUnit)")), otherCodes: Self.codes("404 404 403 403 403")),
            Row(op: "GET /v1/dashboard/page", own: own(Call(.get, "/v1/dashboard/page?year=2026")), ownCodes: Self.codes("200 200 200 403 403"),
                other: own(Call(.get, "/v1/dashboard/page?year=2026&orgUnit=\(bUnit)")), otherCodes: Self.codes("404 404 403 403 403")),
            Row(op: "GET /v1/reports", own: own(Call(.get, "/v1/reports")), ownCodes: Self.codes("200 200 200 200 200")),
            Row(op: "POST /v1/reports/{}", own: own(Call(.post, "/v1/reports/dokumen-evaluasi", json: #"{"year":2026,"nip":"\#(t)","format":"json"}"#)),
                ownCodes: Self.codes("200 403 200 200 403"),
                other: own(Call(.post, "/v1/reports/dokumen-evaluasi", json: #"{"year":2026,"nip":"\#(bNIP)","format":"json"}"#)),
                otherCodes: Self.codes("404 403 404 404 403")),
            Row(op: "GET /v1/report-jobs/{}", own: { Call(.get, "/v1/report-jobs/\(ownJobs[$0]!)") }, ownCodes: Self.codes("200 200 200 200 200"),
                other: own(Call(.get, "/v1/report-jobs/\(jobB.uuidString.lowercased())")), otherCodes: Self.codes("404 404 404 404 404")),
            Row(op: "GET /v1/report-jobs/{}/file", own: { Call(.get, "/v1/report-jobs/\(ownJobs[$0]!)/file") }, ownCodes: Self.codes("409 409 409 409 409"),
                other: own(Call(.get, "/v1/report-jobs/\(jobB.uuidString.lowercased())/file")), otherCodes: Self.codes("404 404 404 404 404")),
            Row(op: "GET /public/{}/laporan-kinerja/{}", own: own(Call(.get, "/public/\(a.code)/laporan-kinerja/2026")),
                ownCodes: Self.codes("404 404 404 404 404")),
        ]
        // A table report: the tables that name no person are the integrator's and the regional admin's too.
        let tables = Row(op: "POST /v1/reports/{}", own: own(Call(.post, "/v1/reports/rekap-opd", json: #"{"year":2026,"format":"json"}"#)),
                         ownCodes: Self.codes("200 200 200 403 200"),
                         other: own(Call(.post, "/v1/reports/rekap-opd", json: #"{"year":2026,"format":"json","orgUnit":"\#(bUnit)"}"#)),
                         otherCodes: Self.codes("200 200 403 403 200"))

        #expect(Set(rows.map(\.op)) == (try RouteCoverageTests.specOperations()), "a row for every operation of openapi.yaml")
        // Every answer is one the contract lists for its operation (a client generated from it knows them all).
        let documented = try RouteCoverageTests.specResponses()
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        let before = try await Self.snapshot(b.id)
        try await APIReportTests.withReportsAPI { client in
            for row in rows + [tables] {
                for (variant, build, expected) in [("own", row.own, row.ownCodes), ("other", row.other, row.otherCodes)] {
                    guard let build else { continue }
                    for (who, code) in zip(Who.allCases, expected) {
                        let call = build(who)
                        var headers: HTTPFields = [.authorization: "Bearer \(tokens[who]!)"]
                        if call.json != nil { headers[.contentType] = "application/json" }
                        if call.csv != nil { headers[.contentType] = "text/csv" }
                        if let tag = call.ifMatch { headers[.ifMatch] = tag }
                        let body = call.json ?? call.csv
                        let (status, text) = try await client.execute(uri: call.uri, method: call.method, headers: headers,
                                                                      body: body.map { ByteBuffer(string: $0) }) { r in
                            (r.status.code, String(buffer: r.body))
                        }
                        if status != code {
                            lines.all.append("\(row.op) [\(variant)] as \(who): \(status), expected \(code): \(text.prefix(160))")
                        }
                        if documented[row.op]?.contains(Int(status)) != true {
                            lines.all.append("\(row.op) [\(variant)] as \(who): \(status), which openapi.yaml does not list for it")
                        }
                        if variant == "other", status < 300, text.contains(bNIP) {
                            lines.all.append("\(row.op) [\(variant)] as \(who) shows another city's employee")
                        }
                        if variant == "other", status < 300, call.uri.contains("periods"), text.contains("2031") {
                            lines.all.append("\(row.op) [\(variant)] as \(who) shows another city's period")
                        }
                    }
                }
            }
        }
        #expect(lines.all.isEmpty, "\(lines.all.count) cells:\n\(lines.all.joined(separator: "\n"))")
        #expect(try await Self.snapshot(b.id) == before, "the other city's rows did not change")
        // The own city's complaint row was a write, not a rejected item.
        let written = try await admin.withTenant(a.id) { tx in
            for try await n in try await tx.query("select count(*)::int from complaints where tenant_id = \(a.id.uuid) and tracking_id = 'LAPOR-M-1'").decode(Int.self) { return n }
            return 0
        }
        #expect(written == 1)
    }

    /// A digest of every row the other city holds in the tables a call could write.
    static func snapshot(_ city: TenantID) async throws -> [String: String] {
        let db = try await TestDatabase.admin()
        var out: [String: String] = [:]
        for table in ["employees", "skp", "skp_rhk", "skp_iki", "realisasi", "skp_feedback", "iki_proposals", "behaviour_raters",
                      "evaluations", "attendance_events", "complaints", "periods"] {
            out[table] = try await db.withTenant(city) { tx in
                var digest = ""
                for try await d in try await tx.query("select coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from \(unescaped: table) t where tenant_id = \(city.uuid)").decode(String.self) {
                    digest = d
                }
                return digest
            }
        }
        return out
    }
}
