import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KinerjaAdapters
import KinerjaAPI
import KinerjaCore
import KinerjaReports
import KinerjaStore
import KinerjaTestSupport
import NIOCore
import PostgresNIO
import Testing

/// Reports over the API: every city's reports from its adapter's definitions, the roles, a job for a large
/// batch, a PDF with the NIP on page one, and the public report (no person in it, small groups hidden,
/// unpublished years 404, laid out by Chromium).
@Suite(.serialized) struct APIReportTests {
    static let settings = ReportSettings(templates: { AdapterRegistry.named($0)?.templates ?? [:] }, inlineLimit: 50)

    /// A city of `adapter` with a final 2026 round (demo-closed) and its follow-ups.
    static func finalCity(_ adapter: String, employees: Int = 300) async throws -> (Tenant, DemoPopulation) {
        let db = try await TestDatabase.admin()
        let a = try #require(AdapterRegistry.named(adapter))
        let profile = try a.effectiveProfile()
        let code = "t-rep-\(adapter.prefix(6))-\(UUID().uuidString.prefix(6).lowercased())"
        let city = try await db.platform.onboard(code: code, name: a.displayName, adapter: adapter, profile: profile, actor: "tests")
        let pop = DemoPopulation(city: code, employees: employees, seed: 7)
        try await db.withTenant(city.id) { tx in
            try await tx.seed(pop, actor: "tests")
            _ = try await tx.openYear(2026, cadence: profile.periods.cadence == .monthly ? .monthly : .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 10, day: 1), actor: "t")
            _ = try await tx.seedBehaviour(year: 2026, period: .year, profile: profile, actor: "t")
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
            _ = try await tx.finalizeDemoRound(year: 2026, period: .year, profile: profile, actor: "t")
        }
        return (city, pop)
    }

    static func withReportsAPI(_ reports: ReportSettings = settings, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = try buildRouter(database: try await TestDatabase.app(), settings: ServerSettings(keyCacheTTL: .zero), metrics: nil,
                                     reports: reports)
        try await Application(router: router).test(.router, body)
    }

    static func post(_ client: any TestClientProtocol, _ name: String, _ body: String, token: String) async throws -> Reply {
        try await client.execute(uri: "/v1/reports/\(name)", method: .post,
                                 headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                 body: ByteBuffer(string: body)) { r in
            Reply(status: r.status, headers: r.headers, body: String(buffer: r.body))
        }
    }

    @Test func everyCitysReportsComeFromItsOwnDefinitions() async throws {
        let db = try await TestDatabase.admin()
        for adapter in ["makassar", "pematangsiantar", "banjarbaru", "palu"] {
            let (city, pop) = try await Self.finalCity(adapter)
            let profile = try AdapterRegistry.named(adapter)!.effectiveProfile()
            let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t").token
            let nip = try #require(pop.people.first { $0.atasan != nil }).nip
            if profile.reports.publicAnnualReport {
                _ = try await db.withTenant(city.id) { try await $0.publishPublicReport(year: 2026, cityName: city.name, profile: profile, actor: "t") }
            }
            try await Self.withReportsAPI { client in
                let list = try await client.get("/v1/reports", token: hr)
                #expect(list.status == .ok)
                #expect(list.items.compactMap { $0["name"] as? String } == profile.reportDefinitions.map(\.id), "\(adapter)")
                for d in profile.reportDefinitions {
                    var replies: [String: Reply] = [:]
                    for format in ["csv", "json", "html"] {
                        let one = [.evaluationDocument, .annualAssessment, .ownResults, .certificate].contains(d.source) ? ", \"nip\": \"\(nip)\"" : ""
                        let r = try await Self.post(client, d.id, "{\"year\": 2026, \"format\": \"\(format)\"\(one)}", token: hr)
                        if d.source == .certificate, r.status == .notFound { continue }  // this employee earned none
                        #expect(r.status == .ok, "\(adapter) \(d.id) \(format): \(r.body.prefix(300))")
                        replies[format] = r
                        // Text in UTF-8, and said so (a spreadsheet guesses otherwise).
                        let type = ["csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"][format] ?? "text/html; charset=utf-8"
                        #expect(r.headers[.contentType] == type, "\(adapter) \(d.id) \(format)")
                        switch format {
                        case "csv":
                            let header = r.body.components(separatedBy: "\r\n")[0]
                            // Each label as a CSV field (one holding a comma is quoted, whatever the separator).
                            #expect(header == d.fields.map { Table.csvField($0.id, separator: d.csvSeparator) }.joined(separator: d.csvSeparator),
                                    "\(adapter) \(d.id)")
                        case "json":
                            #expect((r.json["fields"] as? [[String: Any]])?.compactMap { $0["key"] as? String } == d.fields.map(\.key)
                                    || r.json["opds"] != nil, "\(adapter) \(d.id)")
                        default:
                            #expect(r.body.contains("<html lang=\"id\">") && r.body.contains("<h1"), "\(adapter) \(d.id)")
                        }
                    }
                    if let csv = replies["csv"], let json = replies["json"], d.source != .publicAnnual {
                        Self.expectSameValues(csv: csv.body, json: json.json, definition: d, "\(adapter) \(d.id)")
                    }
                }
                // The city's own template: its wording is in the page.
                switch adapter {
                case "pematangsiantar":
                    let certified = try await db.withTenant(city.id) {
                        try await $0.reportEmployees(ReportScope(year: 2026, period: "Y"), withFollowUp: "certificate")
                    }
                    // The demo round gives certificates (Sangat Baik and Baik reached the target): one at least.
                    let first = try #require(certified.first, "no certificate in Pematangsiantar's demo round")
                    let c = try await Self.post(client, "sertifikat", "{\"year\": 2026, \"nip\": \"\(first)\", \"format\": \"html\"}", token: hr)
                    #expect(c.body.contains("PEMERINTAH KOTA PEMATANGSIANTAR") && c.body.contains(NIP(unchecked: first).displayForm))
                case "banjarbaru":
                    let a = try await Self.post(client, "penilaian-tahunan", "{\"year\": 2026, \"nip\": \"\(nip)\", \"format\": \"html\"}", token: hr)
                    #expect(a.body.contains("Pemerintah Kota Banjarbaru") && a.body.contains("Hukuman disiplin"))
                case "makassar":
                    let r = try await Self.post(client, "peringkat-asn-berprestasi", "{\"year\": 2026, \"format\": \"html\"}", token: hr)
                    #expect(r.body.contains("ASN Berprestasi dipilih per kategori"))
                default: break
                }
            }
        }
    }

    /// The CSV a city gets parses back to the JSON of the same report: the same rows in the same order, texts
    /// equal, figures equal once read as the document writes them (`1.234,56` in Indonesian).
    static func expectSameValues(csv: String, json: [String: Any], definition d: ReportDefinition, _ what: String) {
        var parser = CSVParser(separator: d.csvSeparator.utf8.first)
        guard let records = try? parser.feed(Array(csv.utf8)) + parser.finish() else {
            Issue.record("\(what): the CSV does not parse")
            return
        }
        let rows = json["rows"] as? [[String: Any]] ?? []
        #expect(records.count == rows.count + 1, "\(what): \(records.count - 1) CSV rows, \(rows.count) JSON rows")
        for (record, row) in zip(records.dropFirst(), rows) {
            for (i, field) in d.fields.enumerated() {
                let cell = i < record.fields.count ? record.fields[i] : "<missing>"
                switch row[field.key] {
                case let text as String: #expect(cell == text, "\(what) \(field.key)")
                case let number as NSNumber:
                    let read = Double(cell.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: ",", with: "."))
                    #expect(read.map { abs($0 - number.doubleValue) < 0.0051 } == true, "\(what) \(field.key): \(cell) for \(number)")
                default: #expect(cell == "", "\(what) \(field.key): \(cell) for no value")
                }
            }
        }
    }

    /// Polls a report job until it is done or failed (up to two minutes: the suite runs many tests at once on
    /// two cores); its last state, and its file.
    static func finishedJob(_ client: any TestClientProtocol, _ location: String, token: String) async throws -> ([String: Any], Reply) {
        var state: [String: Any] = [:]
        for _ in 0..<1200 {
            state = try await client.get(location, token: token).json
            if ["done", "failed"].contains(state["status"] as? String ?? "") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return (state, try await client.get("\(location)/file", token: token))
    }

    /// An integrator key without siasn reads the OPD recap as the public report shows figures: an OPD with one to
    /// four people evaluated without its evaluation figures and curve status, and elsewhere no count of one to
    /// four (nor one that the row's total would tell); what it shows is city HR's figure. Found in review: the
    /// recap showed them to every integrator key.
    @Test func anIntegratorsRecapLeavesOutTheFiguresOfAnOPDOfFewerThanFive() async throws {
        let db = try await TestDatabase.admin()
        let (city, _) = try await Self.finalCity("makassar")
        // One OPD with three people evaluated: the others' evaluations there removed (by the owner role).
        try await TestDatabase.owner().withTenant(city.id) { tx in
            try await tx.query("""
                with gone as (
                    select e.nip from evaluations e join org_units o on o.tenant_id = e.tenant_id and o.unit_id = e.opd_id
                    where e.tenant_id = \(city.id.uuid) and o.code = 'KEC1'
                    order by e.nip offset 3),
                f as (delete from followups where tenant_id = \(city.id.uuid) and nip in (select nip from gone))
                delete from evaluations where tenant_id = \(city.id.uuid) and nip in (select nip from gone)
                """)
        }
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "t", employeeNIP: nil, actor: "t").token
        let integrator = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "t", employeeNIP: nil, actor: "t").token
        let sync = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "t", employeeNIP: nil, scopes: ["siasn"], actor: "t").token
        try await Self.withReportsAPI { client in
            let recap = try await Self.post(client, "rekap-opd", "{\"year\": 2026, \"format\": \"json\"}", token: integrator)
            #expect(recap.status == .ok)
            let hrRows = try await Self.post(client, "rekap-opd", "{\"year\": 2026, \"format\": \"json\"}", token: hr).json["rows"] as? [[String: Any]] ?? []
            let integratorRows = recap.json["rows"] as? [[String: Any]] ?? []
            let syncRows = try await Self.post(client, "rekap-opd", "{\"year\": 2026, \"format\": \"json\"}", token: sync).json["rows"] as? [[String: Any]] ?? []
            #expect(syncRows.count == hrRows.count && zip(syncRows, hrRows).allSatisfy { NSDictionary(dictionary: $0).isEqual(to: $1) },
                    "the SIASN sync job reads the assessments anyway")
            let bands = ["capaianBawah60", "capaian60_79", "capaian80_99", "capaian100_109", "capaian110"]
            let predikat = ["sangatBaik", "baik", "butuhPerbaikan", "kurang", "sangatKurang"]
            func few(_ n: Int) -> Bool { (1..<PublicReport.minimumGroup).contains(n) }
            func text(_ v: Any?) -> String { "\(v ?? "absent")" }
            var (small, cells) = (0, 0)
            #expect(hrRows.count == integratorRows.count && !hrRows.isEmpty)
            for h in hrRows {
                let code = h["opd"] as? String ?? "", i = integratorRows.first { $0["opd"] as? String == code } ?? [:]
                let count = { (columns: [String]) in columns.reduce(0) { $0 + (h[$1] as? Int ?? 0) } }
                #expect(text(i["dinilai"]) == text(h["dinilai"]) && text(i["pegawai"]) == text(h["pegawai"]), "\(code)")
                if few(h["dinilai"] as? Int ?? 0) || few(count(bands)) || few(count(predikat)) {
                    // A small group: none of its evaluation figures, nor the curve status drawn from them.
                    small += 1
                    for f in ["capaianRataRata", "kurva"] + bands + predikat {
                        #expect(i[f] is NSNull && !(h[f] is NSNull), "\(code) \(f): \(text(i[f])) against \(text(h[f]))")
                    }
                    continue
                }
                #expect(text(i["capaianRataRata"]) == text(h["capaianRataRata"]) && text(i["kurva"]) == text(h["kurva"]), "\(code)")
                for columns in [bands, predikat] {
                    // A count of one to four is hidden, never alone in its row; what is shown is HR's figure.
                    let hidden = columns.filter { i[$0] is NSNull }
                    cells += hidden.count
                    #expect(hidden.count != 1, "\(code): one hidden count in \(columns) would be told by the row's total")
                    for f in columns {
                        if few(h[f] as? Int ?? 0) { #expect(i[f] is NSNull, "\(code) \(f): \(text(i[f])) of \(text(h[f])) shown") }
                        if !(i[f] is NSNull) { #expect(text(i[f]) == text(h[f]), "\(code) \(f): \(text(i[f])) against \(text(h[f]))") }
                    }
                }
            }
            // Nor is one the only unknown in its column, with the OPDs hidden whole as one more (the public report
            // gives the city's counts per predikat: subtraction would tell it).
            let larger = integratorRows.filter { !($0["kurva"] is NSNull) }
            for columns in [bands, predikat] {
                let rest = hrRows.contains { h in integratorRows.contains { $0["opd"] as? String == h["opd"] as? String && $0["kurva"] is NSNull }
                    && columns.contains { (h[$0] as? Int ?? 0) > 0 } }
                for f in columns {
                    let unknowns = larger.filter { $0[f] is NSNull }.count + (rest ? 1 : 0)
                    #expect(unknowns != 1, "\(f): the only count hidden in its column")
                }
            }
            #expect(cells > 0, "a count of one to four in a larger OPD")
            #expect(small > 0, "an OPD of one to four evaluated: \(hrRows.map { "\($0["opd"] ?? ""): \($0["dinilai"] ?? "")" })")
        }
    }

    /// A job's file goes to the key that asked for it only while the key's grants still give it what the file
    /// holds: a kepala who no longer leads the OPD reads none of its documents through a job made before; city
    /// HR still does. Found in review: the grants were checked when the job was made only.
    @Test func aJobsFileFollowsTheGrantsTheKeyHasNow() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await Self.finalCity("makassar")
        let c = TestDatabase.chain(pop)
        let kepala = try await db.createAPIKey(tenants: [city.id], role: .atasan, label: "t", employeeNIP: c.kepala.nip, actor: "t").token
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "t", employeeNIP: nil, actor: "t").token
        // Every batch a job here.
        try await Self.withReportsAPI(ReportSettings(templates: Self.settings.templates, inlineLimit: 1)) { client in
            let job = try await Self.post(client, "dokumen-evaluasi", "{\"year\": 2026, \"format\": \"json\"}", token: kepala)
            let location = try #require(job.headers[.location], "\(job.status) \(job.body.prefix(300))")
            let (state, file) = try await Self.finishedJob(client, location, token: kepala)
            #expect(state["status"] as? String == "done" && file.status == .ok && file.body.contains(c.staff.nip), "\(state) \(file.status)")
            // Moved to a functional post: no longer the kepala of an OPD.
            try await TestDatabase.owner().withTenant(city.id) { tx in
                try await tx.query("update employees set jabatan_kind = 'fungsional' where tenant_id = \(city.id.uuid) and nip = \(c.kepala.nip)")
            }
            let after = try await client.get("\(location)/file", token: kepala)
            #expect(after.status == .forbidden && after.body.contains("no longer has (reports are for city HR") && !after.body.contains(c.staff.nip),
                    "\(after.status) \(after.body.prefix(300))")
            let byHR = try await client.get("\(location)/file", token: hr)
            #expect(byHR.status == .ok && byHR.body.contains(c.staff.nip), "\(byHR.status)")
            // A job kept without its scope (made before the server kept it) goes to city HR only, and says so; one
            // whose kept scope does not read is still listed, not a server error.
            let id = try #require(location.split(separator: "/").last.map(String.init))
            _ = try await TestDatabase.owner().withTenant(city.id) { tx in
                try await tx.query("update report_jobs set scope = null where tenant_id = \(city.id.uuid) and job_id = \(UUID(uuidString: id))")
            }
            let old = try await client.get("\(location)/file", token: kepala)
            #expect(old.status == .forbidden && old.body.contains("before the server kept"), "\(old.status) \(old.body.prefix(300))")
            #expect(try await client.get("\(location)/file", token: hr).status == .ok)
            _ = try await TestDatabase.owner().withTenant(city.id) { tx in
                try await tx.query("update report_jobs set scope = '{\"opd\": 7}' where tenant_id = \(city.id.uuid) and job_id = \(UUID(uuidString: id))")
            }
            let unreadable = try await client.get(location, token: hr)
            #expect(unreadable.status == .ok && unreadable.json["status"] as? String == "done", "\(unreadable.status) \(unreadable.body.prefix(300))")
        }
    }

    @Test func rolesJobsAndAPDFWithTheNIPOnPageOne() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await Self.finalCity("makassar")
        let (other, otherPop) = try await Self.finalCity("palu", employees: 150)
        let c = TestDatabase.chain(pop)
        func key(_ role: Role, _ nip: String? = nil, _ t: Tenant? = nil) async throws -> String {
            try await db.createAPIKey(tenants: [(t ?? city).id], role: role, label: "t", employeeNIP: nip, actor: "t").token
        }
        let hr = try await key(.hrAdmin), me = try await key(.pegawai, c.staff.nip), kepala = try await key(.atasan, c.kepala.nip)
        let integrator = try await key(.integrator), otherHR = try await key(.hrAdmin, nil, other)
        let opd = try #require(pop.units.first { $0.id == c.kepala.unit && $0.parent == nil }).code

        try await Self.withReportsAPI { client in
            // An employee: their own document; another's is not found; a city table is refused.
            let mine = try await Self.post(client, "dokumen-evaluasi", "{\"year\": 2026, \"format\": \"html\"}", token: me)
            #expect(mine.status == .ok && mine.body.contains(NIP(unchecked: c.staff.nip).displayForm) && mine.body.components(separatedBy: "<article").count == 2)
            #expect(try await Self.post(client, "dokumen-evaluasi", "{\"year\": 2026, \"nip\": \"\(c.peer.nip)\"}", token: me).status == .notFound)
            #expect(try await Self.post(client, "rekap-opd", "{\"year\": 2026}", token: me).status == .forbidden)
            // An integrator: the OPD recap, not documents.
            let recap = try await Self.post(client, "rekap-opd", "{\"year\": 2026, \"format\": \"json\"}", token: integrator)
            #expect(recap.status == .ok && (recap.json["rows"] as? [[String: Any]])?.isEmpty == false)
            // The curve status in the report's language: Indonesian by default, the codes in English.
            let kurva = (recap.json["rows"] as? [[String: Any]])?.compactMap { $0["kurva"] as? String } ?? []
            let indonesian: Set = ["final", "final (dengan pengecualian)", "sesuai kurva", "MELANGGAR KURVA",
                                   "predikat organisasi belum ditetapkan", "tanpa kurva (rezim angka)", "belum dinilai"]
            #expect(!kurva.isEmpty && kurva.allSatisfy(indonesian.contains), "\(kurva)")
            let english = try await Self.post(client, "rekap-opd", "{\"year\": 2026, \"format\": \"json\", \"lang\": \"en\"}", token: integrator)
            let codes: Set = ["final", "final (override)", "passes", "BROKEN", "no org predikat", "no curve (numeric regime)", "not evaluated"]
            let kurvaEN = (english.json["rows"] as? [[String: Any]])?.compactMap { $0["kurva"] as? String } ?? []
            #expect(!kurvaEN.isEmpty && kurvaEN.allSatisfy(codes.contains), "\(kurvaEN)")
            #expect(try await Self.post(client, "dokumen-evaluasi", "{\"year\": 2026, \"nip\": \"\(c.staff.nip)\"}", token: integrator).status == .forbidden)
            // The SIASN sync job (an integrator granted siasn by name) takes the final results for SIASN; another
            // integrator key and an employee do not.
            let sync = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "siasn", employeeNIP: nil,
                                                 scopes: ["siasn"], actor: "t").token
            #expect(try await Self.post(client, "hasil-siasn", "{\"year\": 2026}", token: integrator).status == .forbidden)
            let siasn = try await Self.post(client, "hasil-siasn", "{\"year\": 2026, \"format\": \"json\"}", token: sync)
            let siasnRows = siasn.json["rows"] as? [[String: Any]] ?? []
            #expect(siasn.status == .ok && !siasnRows.isEmpty && siasnRows.allSatisfy { $0["predikat"] != nil && $0["nipPenilai"] != nil },
                    "\(siasn.body.prefix(300))")
            #expect(try await Self.post(client, "hasil-siasn", "{\"year\": 2026}", token: me).status == .forbidden)
            // A kepala OPD: their OPD's only.
            let theirs = try await Self.post(client, "rekap-opd", "{\"year\": 2026, \"format\": \"json\"}", token: kepala)
            #expect((theirs.json["rows"] as? [[String: Any]])?.compactMap { $0["opd"] as? String } == [opd], "\(theirs.body.prefix(300))")
            // Another city's HR: this city's NIP is not theirs, and their own reports hold none of this city's rows.
            #expect(try await Self.post(client, "dokumen-evaluasi", "{\"year\": 2026, \"nip\": \"\(c.staff.nip)\"}", token: otherHR).status == .notFound)
            let otherRecap = try await Self.post(client, "rekap-opd", "{\"year\": 2026, \"format\": \"csv\"}", token: otherHR)
            // Their whole city is more than the inline limit: a job, whose file is read when done.
            let otherJob = try await Self.post(client, "dokumen-evaluasi", "{\"year\": 2026, \"format\": \"json\"}", token: otherHR)
            #expect(otherJob.status == .accepted, "\(otherJob.body.prefix(200))")
            let (otherState, otherDocs) = try await Self.finishedJob(client, try #require(otherJob.headers[.location]), token: otherHR)
            #expect(otherState["status"] as? String == "done" && otherDocs.body.count > 1000, "\(otherState)")
            let otherList = try await client.get("/v1/reports", token: otherHR)
            #expect(otherRecap.status == .ok && otherDocs.status == .ok && otherList.status == .ok,
                    "\(otherRecap.status) \(otherDocs.status) \(otherList.status): \(otherRecap.body.prefix(200))")
            #expect(!otherList.items.contains { $0["name"] as? String == "peringkat-asn-berprestasi" }, "Makassar's own report listed to another city")
            // Two generated cities can hold the same NIP (1 run in 100 here: a NIP is a birth date, an appointment
            // date, a gender and a serial): such a number is the other city's own and says nothing.
            let otherNIPs = Set(otherPop.people.map(\.nip))
            for person in pop.people where !otherNIPs.contains(person.nip) {
                #expect(!otherRecap.body.contains(person.nip) && !otherDocs.body.contains(person.nip), "\(person.nip) in another city's report")
            }
            #expect(try await Self.post(client, "peringkat-asn-berprestasi", "{\"year\": 2026}", token: otherHR).status == .notFound)

            // A PDF of one document, the NIP on its first page.
            let pdf = try await client.execute(uri: "/v1/reports/dokumen-evaluasi", method: .post,
                                               headers: [.authorization: "Bearer \(hr)", .contentType: "application/json"],
                                               body: ByteBuffer(string: "{\"year\": 2026, \"nip\": \"\(c.staff.nip)\", \"format\": \"pdf\"}")) { r in
                (r.status, r.headers[.contentType], Data(r.body.readableBytesView))
            }
            #expect(pdf.0 == .ok && pdf.1 == "application/pdf" && pdf.2.starts(with: Data("%PDF".utf8)))
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-\(UUID().uuidString).pdf")
            defer { try? FileManager.default.removeItem(at: file) }
            try pdf.2.write(to: file)
            let text = try await Self.run("/usr/bin/pdftotext", ["-f", "1", "-l", "1", file.path, "-"])
            #expect(text.replacingOccurrences(of: " ", with: "").contains(c.staff.nip), "page one: \(text.prefix(400))")

            // A batch: one OPD's documents in one PDF (inline or as a job, by its size), each from a new page.
            let batchHTML = try await Self.post(client, "dokumen-evaluasi", "{\"year\": 2026, \"orgUnit\": \"\(opd)\", \"format\": \"html\"}", token: hr)
            let nips = batchHTML.body.components(separatedBy: "<article class=\"dokumen\" aria-labelledby=\"dok-").dropFirst().map { String($0.prefix(18)) }
            #expect(batchHTML.status == .ok && nips.count > 1, "\(batchHTML.status) \(nips.count) documents")
            func bytes(_ uri: String, method: HTTPRequest.Method, body: String?) async throws -> (HTTPResponse.Status, HTTPFields, Data) {
                try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer \(hr)", .contentType: "application/json"],
                                         body: body.map { ByteBuffer(string: $0) }) { r in (r.status, r.headers, Data(r.body.readableBytesView)) }
            }
            var batch = try await bytes("/v1/reports/dokumen-evaluasi", method: .post,
                                        body: "{\"year\": 2026, \"orgUnit\": \"\(opd)\", \"format\": \"pdf\"}")
            if batch.0 == .accepted, let location = batch.1[.location] {
                let (state, _) = try await Self.finishedJob(client, location, token: hr)
                #expect(state["status"] as? String == "done", "\(state)")
                batch = try await bytes("\(location)/file", method: .get, body: nil)
            }
            #expect(batch.0 == .ok && batch.2.starts(with: Data("%PDF".utf8)), "\(batch.0)")
            let batchFile = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-\(UUID().uuidString).pdf")
            defer { try? FileManager.default.removeItem(at: batchFile) }
            try batch.2.write(to: batchFile)
            let pages = try await Self.run("/usr/bin/pdfinfo", [batchFile.path]).split(separator: "\n")
                .first { $0.hasPrefix("Pages:") }.flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) } ?? 0
            #expect(pages >= nips.count, "\(pages) pages for \(nips.count) documents")
            let all = try await Self.run("/usr/bin/pdftotext", [batchFile.path, "-"]).replacingOccurrences(of: " ", with: "")
            for nip in nips { #expect(all.contains(nip), "\(nip) is not in the OPD's PDF") }

            // The whole city's documents: more than the inline limit, so a job.
            let job = try await Self.post(client, "dokumen-evaluasi", "{\"year\": 2026, \"format\": \"html\"}", token: hr)
            #expect(job.status == .accepted, "\(job.body.prefix(200))")
            let location = try #require(job.headers[.location])
            let (state, html) = try await Self.finishedJob(client, location, token: hr)
            #expect(state["status"] as? String == "done" && state["done"] as? Int == pop.people.count, "\(state) \(location)")
            #expect(html.status == .ok && html.body.components(separatedBy: "<article").count == pop.people.count + 1)
            // Somebody else's job is not found, in this city (a pegawai) or another.
            #expect(try await client.get(location, token: me).status == .notFound)
            #expect(try await client.get(location, token: otherHR).status == .notFound)
        }
    }

    @Test func thePublicReportShowsNoPersonHidesSmallGroupsAndOnlyPublishedYears() async throws {
        let db = try await TestDatabase.admin()
        let (palu, pop) = try await Self.finalCity("palu")
        let (quiet, _) = try await Self.finalCity("makassar", employees: 150)
        let profile = try AdapterRegistry.named("palu")!.effectiveProfile()
        // Not final: refused. Final: published.
        let report = try await db.withTenant(palu.id) { try await $0.publishPublicReport(year: 2026, cityName: palu.name, profile: profile, actor: "t") }
        await #expect(throws: StoreError.self) {
            try await db.withTenant(quiet.id) { [profile = try AdapterRegistry.named("makassar")!.effectiveProfile()] tx in
                _ = try await tx.publishPublicReport(year: 2026, cityName: "x", profile: profile, actor: "t")
            }
        }
        // Small groups: no OPD line about fewer than five people, no count of 1-4 shown.
        for o in report.opds {
            #expect((o.evaluated ?? 0) >= PublicReport.minimumGroup)
            for cell in o.predikat.values { if let n = cell.value { #expect(n == 0 || n >= PublicReport.minimumGroup) } }
        }
        // No hidden count is the only unknown of its row or its column (the OPDs hidden whole one more in each):
        // the row's total and the city's counts would tell it.
        for o in report.opds { #expect(o.predikat.values.filter { $0 == .suppressed }.count != 1, "\(o.code)") }
        for p in PublicReport.predikat {
            let unknowns = report.opds.filter { $0.predikat[p] == .suppressed }.count + (report.hiddenOPDs > 0 ? 1 : 0)
            #expect(unknowns != 1, "\(p): \(report.opds.map { "\($0.code) \($0.predikat[p] ?? .suppressed)" })")
        }
        try await Self.withReportsAPI { client in
            let page = try await client.get("/public/\(palu.code)/laporan-kinerja/2026", token: nil)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8", "\(page.status) \(page.body.prefix(300))")
            let json = try await client.get("/public/\(palu.code)/laporan-kinerja/2026.json", token: nil)
            #expect(json.status == .ok && json.json["year"] as? Int == 2026)
            // A client that asks for JSON by its Accept header gets the same JSON (it got a 400 before); one that
            // accepts HTML too, as a browser does, gets the page.
            let asked = try await client.get("/public/\(palu.code)/laporan-kinerja/2026", token: nil, headers: [.accept: "application/json"])
            #expect(asked.status == .ok && asked.headers[.contentType] == "application/json; charset=utf-8" && asked.body == json.body,
                    "\(asked.status) \(asked.body.prefix(300))")
            let browser = try await client.get("/public/\(palu.code)/laporan-kinerja/2026", token: nil,
                                               headers: [.accept: "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8"])
            #expect(browser.status == .ok && browser.headers[.contentType] == "text/html; charset=utf-8", "\(browser.status)")
            for body in [page.body, json.body] {
                for p in pop.people {
                    #expect(!body.contains(p.nip) && !body.contains(NIP(unchecked: p.nip).displayForm), "NIP \(p.nip) is public")
                    #expect(!body.contains(p.name), "name \(p.name) is public")
                }
            }
            #expect(page.body.contains("<html lang=\"id\">") && page.body.contains("<caption>") && page.body.contains("<svg"))
            #expect(!page.body.contains("<script") && !page.body.contains("src=") && !page.body.contains("href=\"http"))
            // Unpublished year, a city that does not publish, a city that does not exist: the same 404.
            for path in ["/public/\(palu.code)/laporan-kinerja/2025", "/public/\(quiet.code)/laporan-kinerja/2026",
                         "/public/tidak-ada/laporan-kinerja/2026", "/public/\(palu.code)/laporan-kinerja/2026.xml"] {
                let r = try await client.get(path, token: nil)
                #expect(r.status == .notFound || r.status == .badRequest, "\(path): \(r.status)")
            }

            // Laid out by Chromium: a screenshot is taken, and the text a reader sees is there.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-public-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let html = dir.appendingPathComponent("laporan.html"), png = dir.appendingPathComponent("laporan.png")
            try page.body.write(to: html, atomically: true, encoding: .utf8)
            try await Chromium.screenshot(html: html, to: png)
            let shot = try Data(contentsOf: png)
            #expect(shot.starts(with: Data([0x89, 0x50, 0x4E, 0x47])) && shot.count > 20_000, "screenshot of \(shot.count) bytes")
            let dom = try await Chromium.dom(html: html)
            #expect(dom.contains("Laporan Kinerja ASN Tahun 2026") && dom.contains("Per perangkat daerah") && dom.contains("Pemerintah Kota Palu"))
        }
    }

    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        try await runProgram(tool, arguments).out
    }
}
