public import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore
import HTTPTypes
import Logging
import OpenAPIRuntime

/// How the server makes reports: the adapters' templates, where background jobs write their files, and when a
/// request is too large to answer at once.
public struct ReportSettings: Sendable {
    /// A city adapter's templates by adapter name (the server links the adapters; the API does not).
    public var templates: @Sendable (String) -> [String: String]
    public var directory: URL
    /// Documents beyond this many (or a PDF of more than one) are made as a job.
    public var inlineLimit: Int
    /// This server process: a job another process left running has failed with it.
    public let server = UUID()

    public init(templates: @escaping @Sendable (String) -> [String: String] = { _ in [:] },
                directory: URL = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-reports"), inlineLimit: Int = 200) {
        (self.templates, self.directory, self.inlineLimit) = (templates, directory, inlineLimit)
    }
}

/// Collects a report in memory (answers small enough to send at once).
final class MemorySink: ReportSink {
    var data = Data()
    func write(_ text: String) throws { data.append(contentsOf: Array(text.utf8)) }
}

/// Writes a job's report to its file, and its progress to the job's row now and then.
final class FileSink: ReportSink, @unchecked Sendable {
    let handle: FileHandle
    let onProgress: @Sendable (Int) -> Void
    var last = Date.distantPast
    init(_ url: URL, onProgress: @escaping @Sendable (Int) -> Void) throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
        self.onProgress = onProgress
    }
    func write(_ text: String) throws { try handle.write(contentsOf: Data(text.utf8)) }
    func progress(_ done: Int, of total: Int) {
        guard Date().timeIntervalSince(last) > 1 else { return }
        last = Date()
        onProgress(done)
    }
}

extension KinerjaService {
    func listReports(_ input: Operations.ListReports.Input) async throws -> Operations.ListReports.Output {
        let p = try RequestState.principal()
        let profile = try await database.withTenant(try p.city()) { try await $0.profile() }
        let (definitions, next) = try Pagination.page(profile.reportDefinitions, key: \.id, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(nextCursor: next, items: definitions.map { d in
            .init(name: d.id, title: d.title, titleEn: d.titleEN, source: .init(rawValue: d.source.rawValue)!,  // the spec lists every source: SpecCodeListTests
                  defaultFormat: .init(rawValue: d.defaultFormat) ?? .html,
                  fields: d.fields.map { .init(key: $0.key, label: $0.id, labelEn: $0.en) })
        }))))
    }

    /// The scope a report request asks for, before ``authorizeReport`` narrows it to the caller's.
    static func scope(of body: Components.Schemas.ReportRequest) throws -> ReportScope {
        ReportScope(year: try parseYear(body.year), period: try behaviourPeriod(body.period ?? "Y").description, opd: body.orgUnit,
                    nip: try body.nip.map(parseNIP))
    }

    /// Who may have which report: city HR any; a kepala OPD their OPD's; an employee their own per-person
    /// reports; an integrator and a regional admin the tables that name no person. Returns the scope to use.
    func authorizeReport(_ p: Principal, _ d: ReportDefinition, _ scope: ReportScope, _ tx: TenantTransaction) async throws -> ReportScope {
        var scope = scope
        switch p.role {
        case .hrAdmin: break
        case .atasan:
            guard let me = p.employeeNIP, let led = try await tx.opdLedBy(nip: me) else {
                throw APIProblem.forbidden("reports are for city HR, the kepala of an OPD (their OPD's) and each employee (their own)")
            }
            if let opd = scope.opd, opd != led { throw APIProblem.forbidden("a kepala OPD has their own OPD's (\(led)) reports only") }
            if d.source == .publicAnnual { break }
            scope.opd = led
            if let nip = scope.nip, try await tx.employeeOPD(nip: nip) != led { throw APIProblem.notFound("employee '\(nip)' not found") }
        case .pegawai:
            guard let me = p.employeeNIP, [.evaluationDocument, .ownResults, .certificate, .annualAssessment].contains(d.source) else {
                throw APIProblem.forbidden("an employee's key has their own documents and results only")
            }
            if let nip = scope.nip, nip != me { throw APIProblem.notFound("employee '\(nip)' not found") }
            scope.nip = me
            scope.opd = nil
        case .integrator, .bknAdmin:
            // The SIASN sync job is an integrator granted the scope `siasn` by name: the city's final results, with
            // names and appraisers, go to no other integrator key.
            if p.role == .integrator, d.source == .siasnResults {
                guard p.readsAssessments else {
                    throw APIProblem.forbidden("the SIASN results name people: an integrator key needs the scope siasn "
                                               + "(city HR grants it to this key: \(p.siasnGrant))")
                }
                break
            }
            guard [.opdRecap, .dashboard, .publicAnnual].contains(d.source) else {
                throw APIProblem.forbidden("\(p.role == .integrator ? "an integrator" : "a regional BKN") key has the tables that name no person "
                                           + "(OPD recap, dashboard, public report)" + (p.role == .integrator ? ", and the SIASN results with the scope siasn" : ""))
            }
            // Figures about one to four people would be theirs: hidden, as the public report hides them, from a
            // key that reads no one's assessment.
            if p.role == .integrator && !p.readsAssessments { scope.hidesSmallGroups = true }
        }
        return scope
    }

    func generateReport(_ input: Operations.GenerateReport.Input) async throws -> Operations.GenerateReport.Output {
        let p = try RequestState.principal()
        let city = try p.city()
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the request as JSON") }
        let year = try Self.parseYear(body.year)
        let period = try Self.behaviourPeriod(body.period ?? "Y")
        let language: DocumentLanguage = body.lang == .en ? .en : .id
        let (definition, profile, tenant, scope, total) = try await database.withTenant(city) { tx in
            let profile = try await tx.profile()
            guard let d = profile.reportDefinitions.first(where: { $0.id == input.path.name }) else {
                throw APIProblem.notFound("this city has no report '\(input.path.name)'; see GET /v1/reports")
            }
            let scope = try await authorizeReport(p, d, try Self.scope(of: body), tx)
            let t = try await tx.tenantRow()
            let perEmployee = [.evaluationDocument, .certificate, .annualAssessment].contains(d.source)
            let n = perEmployee ? try await tx.reportEmployees(scope, withFollowUp: d.source == .certificate ? "certificate" : nil).count : 1
            return (d, profile, t, scope, n)
        }
        let format = body.format?.rawValue ?? definition.defaultFormat
        let templates = try ReportTemplates(city: reports.templates(tenant.adapter))
        let periodName = period == .year ? (language == .id ? "Tahun \(year)" : "Year \(year)") : "\(period) \(year)"
        let renderer = ReportRenderer(definition: definition, language: language, cityName: tenant.name,
                                      timeZone: profile.timeZoneOrDefault, templates: templates,
                                      periodName: periodName, scope: scope.opd)
        let data = TenantReportData(database: database, tenant: city, profile: profile)
        if total > reports.inlineLimit || (format == "pdf" && total > 1) {
            let job = try await startJob(definition: definition, format: format, renderer: renderer, data: data, scope: scope, total: total,
                                         city: city, keyID: p.keyID, request: body)
            return .accepted(.init(headers: .init(location: "/v1/report-jobs/\(job.id)"), body: .json(job)))
        }
        let bytes = try await Self.make(renderer: renderer, data: data, scope: scope, format: format)
        switch format {
        case "csv": return .ok(.init(body: .csv(HTTPBody(bytes))))
        case "json": return .ok(.init(body: .json(.init(additionalProperties: try JSONDecoder().decode(OpenAPIObjectContainer.self, from: bytes)))))
        case "pdf": return .ok(.init(body: .pdf(HTTPBody(bytes))))
        default: return .ok(.init(body: .html(HTTPBody(bytes))))
        }
    }

    /// The report's bytes; a PDF through Chromium.
    static func make(renderer: ReportRenderer, data: any ReportDataSource, scope: ReportScope, format: String) async throws -> Data {
        let sink = MemorySink()
        do {
            try await ReportGenerator.generate(renderer, data: data, scope: scope, format: format, to: sink)
        } catch let e as ReportError {
            throw APIProblem.conflict(e.description)
        }
        guard format == "pdf" else { return sink.data }
        let dir = FileManager.default.temporaryDirectory
        let html = dir.appendingPathComponent("kinerja-\(UUID().uuidString).html"), pdf = dir.appendingPathComponent("kinerja-\(UUID().uuidString).pdf")
        defer { try? FileManager.default.removeItem(at: html); try? FileManager.default.removeItem(at: pdf) }
        try sink.data.write(to: html)
        do { try await Chromium.pdf(html: html, to: pdf) } catch { throw APIProblem.conflict(error.description) }
        return try Data(contentsOf: pdf)
    }

    func startJob(definition: ReportDefinition, format: String, renderer: ReportRenderer, data: TenantReportData, scope: ReportScope,
                  total: Int, city: TenantID, keyID: UUID, request: Components.Schemas.ReportRequest) async throws -> Components.Schemas.ReportJob {
        let id = UUID()
        let requestJSON = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        try await database.withTenant(city) {
            try await $0.createReportJob(id: id, report: definition.id, format: format, request: requestJSON, total: total,
                                         server: reports.server, keyID: keyID, scope: scope)
        }
        let database = self.database, directory = reports.directory
        Task.detached {
            @Sendable func update(_ status: String, _ done: Int, error: String? = nil, file: String? = nil) async {
                try? await database.withTenant(city) { try await $0.updateReportJob(id: id, status: status, done: done, error: error, filePath: file) }
            }
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                let ext = format == "pdf" ? "html" : format
                let file = directory.appendingPathComponent("\(id.uuidString.lowercased()).\(ext)")
                await update("running", 0)
                let sink = try FileSink(file) { done in Task { await update("running", done) } }
                let n = try await ReportGenerator.generate(renderer, data: data, scope: scope, format: format, to: sink)
                try sink.handle.close()
                var final = file
                if format == "pdf" {
                    final = directory.appendingPathComponent("\(id.uuidString.lowercased()).pdf")
                    try await Chromium.pdf(html: file, to: final)
                    try? FileManager.default.removeItem(at: file)
                }
                await update("done", n, file: final.path)
            } catch {
                database.logger.warning("report job failed", metadata: ["job": "\(id)", "error": "\(StoreError.loggable(error))"])
                await update("failed", 0, error: StoreError.publicDescription(error))
            }
        }
        return .init(id: id.uuidString.lowercased(), report: definition.id, format: format, status: .queued, done: 0, total: total)
    }

    /// The job, if this key (or the city's HR) may see it.
    func visibleJob(_ idText: String) async throws -> (ReportJobRecord, TenantID) {
        let p = try RequestState.principal()
        let city = try p.city()
        let notFound = APIProblem.notFound("report job '\(idText)' not found")
        guard let id = UUID(uuidString: idText) else { throw notFound }
        guard let job = try await database.withTenant(city, { try await $0.reportJob(id: id) }),
              job.keyID == p.keyID || p.role == .hrAdmin else { throw notFound }
        return (job, city)
    }

    func getReportJob(_ input: Operations.GetReportJob.Input) async throws -> Operations.GetReportJob.Output {
        var (job, _) = try await visibleJob(input.path.id)
        if ["queued", "running"].contains(job.status), job.server != reports.server {
            job.status = "failed"
            job.error = "the server that was making it stopped: ask for the report again"
        }
        let id = job.id.uuidString.lowercased()
        return .ok(.init(body: .json(.init(id: id, report: job.report, format: job.format, status: .init(rawValue: job.status) ?? .failed,
                                           done: job.done, total: job.total, error: job.error,
                                           file: job.status == "done" ? "/v1/report-jobs/\(id)/file" : nil))))
    }

    func getReportJobFile(_ input: Operations.GetReportJobFile.Input) async throws -> Operations.GetReportJobFile.Output {
        let (job, city) = try await visibleJob(input.path.id)
        guard job.status == "done", let path = job.filePath else {
            throw APIProblem.conflict("report job '\(input.path.id)' is \(job.status): its file is not ready")
        }
        // The key's grants may have changed since: the file goes to a key other than city HR's only while the same
        // request would still be narrowed to the scope it was made for (a key whose scope siasn was taken away reads
        // no assessment through a job it made before, a former kepala no OPD's documents).
        let p = try RequestState.principal()
        if p.role != .hrAdmin {
            guard let kept = job.scope else {
                throw APIProblem.forbidden("report job '\(input.path.id)' was made before the server kept the grants a job was made under: "
                                           + "its file goes to city HR only; ask for the report again")
            }
            try await database.withTenant(city) { tx in
                var scope: ReportScope?
                var refusal: String?
                if let request = try? JSONDecoder().decode(Components.Schemas.ReportRequest.self, from: Data(job.request.utf8)),
                   let d = try await tx.profile().reportDefinitions.first(where: { $0.id == job.report }) {
                    do { scope = try await authorizeReport(p, d, try Self.scope(of: request), tx) }
                    // The same request refused now is the job's answer too, with the reason: this key may not
                    // have it (a 404 would say the person is gone, where the key may no longer ask for them).
                    catch let e as APIProblem where e.status == .forbidden { refusal = e.detail }
                    catch let e as APIProblem where e.status == .notFound {
                        refusal = "the employee it names is not one this key may ask for now"
                    }
                }
                guard let scope, scope == kept else {
                    let siasn = scope?.hidesSmallGroups == true && kept.hidesSmallGroups == false
                    throw APIProblem.forbidden("report job '\(input.path.id)' was made under grants this key no longer has"
                                               + (siasn ? " (the scope siasn)" : "") + (refusal.map { " (\($0))" } ?? "")
                                               + ": ask for the report again")
                }
            }
        }
        guard job.server == reports.server, let bytes = FileManager.default.contents(atPath: path) else {
            throw APIProblem.notFound("the file of report job '\(input.path.id)' is on another server or gone: ask for the report again")
        }
        switch job.format {
        case "csv": return .ok(.init(body: .csv(HTTPBody(bytes))))
        case "json": return .ok(.init(body: .json(.init(additionalProperties: try JSONDecoder().decode(OpenAPIObjectContainer.self, from: bytes)))))
        case "pdf": return .ok(.init(body: .pdf(HTTPBody(bytes))))
        default: return .ok(.init(body: .html(HTTPBody(bytes))))
        }
    }

    func getPublicReport(_ input: Operations.GetPublicReport.Input) async throws -> Operations.GetPublicReport.Output {
        let raw = input.path.year
        // `2026.json`, or a client whose Accept names JSON and not HTML: it gets JSON, not a 400 for the HTML.
        let accepted = input.headers.accept.map(\.contentType)
        let suffixed = raw.hasSuffix(".json")
        let json = suffixed || (accepted.contains(.json) && !accepted.contains(.html))
        let notFound = APIProblem.notFound("no published report for '\(input.path.city)' \(raw.replacingOccurrences(of: ".json", with: ""))")
        guard let year = Int(suffixed ? String(raw.dropLast(5)) : raw) else { throw notFound }
        guard let (report, adapter, zone) = try await database.platform.publishedReport(code: input.path.city, year: year) else { throw notFound }
        if json { return .ok(.init(body: .json(try JSONDecoder().decode(Components.Schemas.PublicReport.self,
                                                                         from: try PublicReportPage.json(report), configuration: .iso8601)))) }
        let templates = try ReportTemplates(city: reports.templates(adapter))
        let html = try PublicReportPage.html(report, templates: templates, language: input.query.lang == .en ? .en : .id, timeZone: zone)
        return .ok(.init(body: .html(HTTPBody(html))))
    }
}

extension JSONDecoder {
    /// Decodes with ISO 8601 dates.
    func decode<T: Decodable>(_ type: T.Type, from data: Data, configuration: DateDecodingStrategy) throws -> T {
        let d = JSONDecoder()
        d.dateDecodingStrategy = configuration
        return try d.decode(type, from: data)
    }
}
