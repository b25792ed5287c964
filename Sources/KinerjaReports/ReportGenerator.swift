public import Foundation
public import KinerjaCore

/// Where a generated report goes, piece by piece, and who hears of its progress.
public protocol ReportSink: AnyObject {
    func write(_ text: String) throws
    /// `done` of `total` documents so far (called for document sets).
    func progress(_ done: Int, of total: Int)
}

extension ReportSink {
    public func progress(_ done: Int, of total: Int) {}
}

/// Makes one report: asks the data source for its rows or documents and writes them in the format asked for
/// (PDF: the HTML, which the caller prints with ``Chromium``). Documents are fetched and written a batch at a
/// time, so memory does not grow with the city.
public enum ReportGenerator {
    public static let batch = 500

    /// `format`: csv, json, html or pdf. Returns how many rows or documents were written.
    @discardableResult
    public static func generate(_ renderer: ReportRenderer, data: any ReportDataSource, scope: ReportScope, format: String,
                                to sink: any ReportSink) async throws -> Int {
        let def = renderer.definition
        let html = format == "html" || format == "pdf"
        switch def.source {
        case .evaluationDocument, .annualAssessment, .certificate:
            let nips = try await data.employees(scope, withFollowUp: def.source == .certificate ? "certificate" : nil)
            var rows: [ReportRow] = []
            if html { try sink.write(try renderer.pageParts().head) }
            var done = 0
            let documents = html && nips.count > 1 ? try renderer.inliningLabels() : renderer
            let withSanctions = def.source == .annualAssessment
            @Sendable func fetch(_ start: Int) async throws -> [EvaluationDocument] {
                try await data.documents(Array(nips[start..<min(start + batch, nips.count)]), scope: scope, withSanctions: withSanctions)
            }
            // The next batch is read while this one is rendered, and a batch renders on every core.
            var pending: Task<[EvaluationDocument], any Error>? = nips.isEmpty ? nil : Task { try await fetch(0) }
            for start in stride(from: 0, to: nips.count, by: batch) {
                let docs = try await pending!.value
                let next = start + batch
                pending = next < nips.count ? Task { try await fetch(next) } : nil
                if html {
                    do {
                        try sink.write(try await render(docs, with: documents))
                    } catch {
                        pending?.cancel()
                        _ = try? await pending?.value
                        throw error
                    }
                } else {
                    rows += docs.map { $0.row(for: def.source) }
                }
                done += docs.count
                sink.progress(done, of: nips.count)
            }
            if html {
                if nips.isEmpty { try sink.write("<p>\(renderer.language == .id ? "Belum ada data." : "No data yet.")</p>") }
                try sink.write(try renderer.pageParts().tail)
            } else {
                try sink.write(format == "csv" ? renderer.csv(rows) : String(decoding: try renderer.json(rows), as: UTF8.self))
            }
            return done
        case .publicAnnual:
            guard let r = try await data.publicReport(year: scope.year) else {
                throw ReportError("the \(scope.year) public report is not published yet ('kinerja-admin report publish')")
            }
            switch format {
            case "json": try sink.write(String(decoding: try PublicReportPage.json(r), as: UTF8.self))
            case "csv": try sink.write(renderer.csv(publicRows(r)))
            default: try sink.write(try PublicReportPage.html(r, templates: renderer.templates, template: def.template, language: renderer.language,
                                                                    timeZone: renderer.timeZone))
            }
            return r.opds.count
        case .opdRecap, .ranking, .ownResults, .dashboard, .complaintResponsiveness, .siasnResults:
            let rows = try await data.rows(def.source, scope: scope).map(renderer.localised)
            switch format {
            case "csv": try sink.write(renderer.csv(rows))
            case "json": try sink.write(String(decoding: try renderer.json(rows), as: UTF8.self))
            default: try sink.write(try renderer.html(rows))
            }
            return rows.count
        }
    }

    /// The documents as HTML, in order, split over the machine's cores.
    static func render(_ docs: [EvaluationDocument], with renderer: ReportRenderer) async throws -> String {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, docs.count / 50))
        guard parts > 1 else { return try docs.map { try renderer.document($0) }.joined() }
        let size = (docs.count + parts - 1) / parts
        return try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for p in 0..<parts {
                let slice = Array(docs[min(docs.count, p * size)..<min(docs.count, (p + 1) * size)])
                group.addTask { (p, try slice.map { try renderer.document($0) }.joined()) }
            }
            var out = Array(repeating: "", count: parts)
            for try await (p, text) in group { out[p] = text }
            return out.joined()
        }
    }

    /// The public report's OPD lines as rows of the publicAnnual fields (hidden counts as `<5`).
    public static func publicRows(_ r: PublicReport) -> [ReportRow] {
        r.opds.map { o in
            var row: ReportRow = ["opd": .text("\(o.name) (\(o.code))"), "dinilai": ReportValue(o.evaluated),
                                  "kontribusi": ReportValue(o.goalCapaian), "perubahan": ReportValue(o.changeGood)]
            for (key, p) in zip(["sangatBaik", "baik", "butuhPerbaikan", "kurang", "sangatKurang"], PublicReport.predikat) {
                row[key] = o.predikat[p].map { $0.value.map(ReportValue.integer) ?? .text("<5") } ?? .integer(0)
            }
            return row
        }
    }

    /// The MIME type of a format.
    public static func contentType(_ format: String) -> String {
        switch format {
        case "csv": "text/csv; charset=utf-8"
        case "json": "application/json"
        case "pdf": "application/pdf"
        default: "text/html; charset=utf-8"
        }
    }
}
