public import Foundation
public import KinerjaCore

/// The public annual report as a page anyone can read: plain, accessible HTML (lang, headings, captioned
/// tables, an inline SVG chart with a text alternative), no script and no external file; or as JSON.
public enum PublicReportPage {
    public static func html(_ r: PublicReport, templates: ReportTemplates, template: String = "laporan-publik",
                            language: DocumentLanguage = .id, timeZone: TimeZone) throws(ReportError) -> String {
        let l = language
        let id = l == .id
        func t(_ a: String, _ b: String) -> String { id ? a : b }
        let title = t("Laporan Kinerja ASN Tahun \(r.year)", "ASN Performance Report \(r.year)") + " — " + r.city
        let total = max(1, r.evaluated)
        let city: [[String: String]] = PublicReport.predikat.map { p in
            let n = r.predikat[p] ?? 0
            return ["predikat": p, "count": l.integer(n), "share": l.percent(Double(n) / Double(total) * 100)]
        }
        let opds: [[String: Any]] = r.opds.map { o in
            [
                "name": "\(o.name) (\(o.code))", "evaluated": o.evaluated.map(l.integer) ?? "–",
                "cells": PublicReport.predikat.map { p in o.predikat[p].map { $0.value.map(l.integer) ?? "<5" } ?? "0" },
                "goalCapaian": l.percent(o.goalCapaian), "shareGood": l.percent(o.shareGood),
                "change": o.changeGood.map { ($0 >= 0 ? "+" : "") + l.number($0) } ?? "–",
            ]
        }
        let chart = SVGChart.stackedBars(
            title: t("Sebaran predikat kinerja ASN \(r.city) \(r.year)", "ASN performance predikat, \(r.city) \(r.year)"),
            description: t("Satu batang dibagi menurut predikat; angkanya ada di tabel di bawah.",
                           "One bar split by predikat; the figures are in the table below."),
            series: PublicReport.predikat, rows: [(r.city, PublicReport.predikat.map { r.predikat[$0] ?? 0 })])
        let labels: [String: String] = [
            "publishedOn": t("Diterbitkan", "Published"), "summary": t("Ringkasan", "Summary"),
            "summaryText": t("Hasil evaluasi kinerja tahunan \(l.integer(r.evaluated)) ASN \(r.city) tahun \(r.year), menurut PermenPANRB 6/2022.",
                             "The annual performance evaluation of \(l.integer(r.evaluated)) ASN of \(r.city) in \(r.year), under PermenPANRB 6/2022."),
            "cityChartCaption": t("Sebaran predikat seluruh ASN", "Predikat of all ASN"),
            "cityTableCaption": t("Jumlah ASN per predikat kinerja", "ASN per performance predikat"),
            "predikat": t("Predikat", "Predikat"), "employees": t("ASN", "ASN"), "share": t("Persentase", "Share"), "total": t("Jumlah", "Total"),
            "perOPD": t("Per perangkat daerah", "Per agency"),
            "opdTableCaption": t("Predikat, capaian tujuan organisasi dan perubahan dari tahun sebelumnya per OPD",
                                 "Predikat, agency goals capaian and change since the previous year per agency"),
            "evaluated": t("Dinilai", "Evaluated"), "goalCapaian": t("Capaian tujuan organisasi", "Agency goals capaian"),
            "shareGood": t("Sangat Baik + Baik", "Sangat Baik + Baik"),
            "change": r.previousYear.map { t("Perubahan sejak \($0) (poin)", "Change since \($0) (points)") } ?? t("Perubahan (poin)", "Change (points)"),
            "suppression": t("Angka tentang kurang dari \(PublicReport.minimumGroup) orang tidak ditampilkan (<5), juga angka yang dapat membukanya; laporan ini tidak memuat nama atau NIP.",
                             "Figures about fewer than \(PublicReport.minimumGroup) people are not shown (<5), nor figures that would reveal them; this report holds no name or NIP."),
            "method": t("Cara membaca", "How to read it"),
            "methodText": t("Predikat kinerja berasal dari rating hasil kerja dan rating perilaku kerja (BerAKHLAK). Capaian tujuan organisasi adalah rata-rata capaian rencana hasil kerja pegawai yang berkontribusi pada tujuan OPD melalui cascading.",
                            "Predikat come from the work result rating and the work behaviour rating (BerAKHLAK). Agency goals capaian is the mean capaian of the planned results that contribute to the agency's goals through the cascade."),
            "footer": t("Diterbitkan oleh \(r.city) dengan Kinerja. Data agregat.", "Published by \(r.city) with Kinerja. Aggregate data."),
        ]
        let context: [String: Any] = [
            "title": title, "publishedAt": l.date(r.publishedAt, timeZone: timeZone), "city": city, "evaluated": l.integer(r.evaluated),
            "cityChart": chart, "predikatNames": PublicReport.predikat, "opds": opds, "hiddenOPDs": r.hiddenOPDs > 0,
            "hiddenText": t("\(r.hiddenOPDs) OPD dengan kurang dari \(PublicReport.minimumGroup) ASN dinilai tidak ditampilkan terpisah.",
                            "\(r.hiddenOPDs) agencies with fewer than \(PublicReport.minimumGroup) ASN evaluated are not shown separately."),
            "l": labels,
        ]
        let body = try templates.render(template, context)
        return try templates.render("halaman", ["lang": language.rawValue, "title": title, "body": body] as [String: Any])
    }

    public static func json(_ r: PublicReport) throws -> Data {
        // Percentages to two decimals, half away from zero, as the other reports' figures: 53.33, not
        // 53.333333333333336. The change is rounded from the exact shares.
        func two(_ v: Double?) -> Double? {
            // A change of less than half a hundredth, up or down, is 0, not -0.
            v.map { let x = ($0 * 100).rounded(.toNearestOrAwayFromZero) / 100; return x == 0 ? 0 : x }
        }
        var r = r
        for i in r.opds.indices {
            r.opds[i].goalCapaian = two(r.opds[i].goalCapaian)
            r.opds[i].shareGood = two(r.opds[i].shareGood)
            r.opds[i].changeGood = two(r.opds[i].changeGood)
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return try e.encode(r)
    }
}

/// Headless Chromium (Debian's `chromium`, `make report-tools` installs it): HTML to PDF, and screenshots.
public enum Chromium {
    /// The program, when installed.
    public static var path: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The options every run takes. `--jitless`: V8 compiles no code, so Chromium needs no memory that is both
    /// writable and executable, which the server's systemd unit denies (MemoryDenyWriteExecute); the pages
    /// printed here have no script anyway.
    public static let options = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                                 "--js-flags=--jitless"]

    /// How long one run may take before it is stopped: a page of a whole city prints in seconds, so a run past
    /// this is stuck.
    public static let limit = Duration.seconds(300)

    /// Runs Chromium with `arguments` and waits for it to exit without holding a thread: a server's event
    /// loops and the concurrency pool go on while it prints. Its profile goes in a folder of its own under
    /// `scratch`, removed afterwards with whatever Chromium left running.
    static func run(_ arguments: [String], standardOutput: String? = nil, scratch: URL, limit: Duration) async throws(ReportError) {
        guard let path else { throw ReportError("PDF needs headless Chromium: install Debian's 'chromium' (make report-tools)") }
        let run = scratch.appendingPathComponent("kinerja-chromium-\(UUID().uuidString)")
        let profile = run.appendingPathComponent("profile"), err = run.appendingPathComponent("stderr.log")
        defer { try? FileManager.default.removeItem(at: run) }
        let status: Int32
        do {
            try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
            status = try await ChildProgram.run(path, options + ["--user-data-dir=\(profile.path)"] + arguments,
                                                standardOutput: standardOutput, standardError: err.path,
                                                limit: limit, sweepGroup: true)
        } catch let failure as ChildProgram.Failure {
            throw ReportError(failure.timedOut ? "chromium did not finish within \(limit) and was stopped" : failure.description)
        } catch is CancellationError {
            throw ReportError("the PDF was cancelled")
        } catch { throw ReportError("could not prepare a folder for chromium under \(scratch.path): \(error)") }
        guard status == 0 else {
            let log = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            throw ReportError("chromium failed (\(status)): \(log.suffix(600))")
        }
    }

    /// Prints the page at `html` (A4, the page's print styles, no header or footer) to `pdf`.
    public static func pdf(html: URL, to pdf: URL, scratch: URL = FileManager.default.temporaryDirectory,
                           limit: Duration = Chromium.limit) async throws(ReportError) {
        try await run(["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", html.absoluteString], scratch: scratch, limit: limit)
        guard FileManager.default.fileExists(atPath: pdf.path) else { throw ReportError("chromium wrote no PDF") }
    }

    /// A screenshot of the page at `html`, `width` pixels wide, to `png`.
    public static func screenshot(html: URL, to png: URL, width: Int = 1280, height: Int = 1800) async throws(ReportError) {
        try await run(["--hide-scrollbars", "--window-size=\(width),\(height)", "--screenshot=\(png.path)", html.absoluteString],
                      scratch: FileManager.default.temporaryDirectory, limit: limit)
    }

    /// The page's text after Chromium laid it out (its DOM, serialised).
    public static func dom(html: URL) async throws(ReportError) -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("kinerja-dom-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: out) }
        try await run(["--dump-dom", html.absoluteString], standardOutput: out.path,
                      scratch: FileManager.default.temporaryDirectory, limit: limit)
        return (try? String(contentsOf: out, encoding: .utf8)) ?? ""
    }
}
