public import Foundation
public import KinerjaCore
import Mustache

/// The leader dashboard as a printable HTML page (A4 print styles): headings, captioned tables, two inline SVG
/// charts; no script and no external file, so it works offline and prints as shown.
public enum DashboardPage {
    static let template: MustacheTemplate = {
        guard let url = Bundle.module.url(forResource: "dashboard", withExtension: "mustache", subdirectory: "Templates"),
              let text = try? String(contentsOf: url, encoding: .utf8), let t = try? MustacheTemplate(string: text) else {
            fatalError("the dashboard template is missing from the KinerjaReports resources")
        }
        return t
    }()

    static let predikatOrder = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"]

    /// The page for `dashboard` of city `cityName` (times in its `timeZone`); `scope` names an OPD when the view
    /// is one OPD's.
    public static func render(_ d: Dashboard, cityName: String, timeZone: TimeZone, scope: String? = nil,
                              language: DocumentLanguage = .id) -> String {
        let id = language == .id
        let l = language
        func t(_ indonesian: String, _ english: String) -> String { id ? indonesian : english }
        let periodName = d.period == "Y" ? t("Tahun \(d.year)", "Year \(d.year)") : "\(d.period) \(d.year)"
        let f = d.totals
        let totals: [[String: String]] = [
            [t("Pegawai aktif", "Active employees"), l.integer(f.employees)],
            [t("SKP disetujui", "Approved SKP"), l.integer(f.skpApproved)],
            [t("Kelengkapan pelaporan", "Reporting completeness"), "\(l.percent(f.completeness)) (\(l.integer(f.ikiReported)) / \(l.integer(f.ikiTotal)) IKI)"],
            [t("Pegawai dinilai", "Employees evaluated"), l.integer(f.evaluated)],
            [t("Rata-rata capaian SKP", "Mean SKP capaian"), l.percent(f.meanCapaian)],
        ].map { ["label": $0[0], "value": $0[1]] }
        let columns: [[String: Any]] = [
            ["label": "OPD", "numeric": false], ["label": t("Pegawai", "Employees"), "numeric": true],
            ["label": t("Pelaporan", "Reporting"), "numeric": true], ["label": t("Capaian", "Capaian"), "numeric": true],
        ] + predikatOrder.map { ["label": $0, "numeric": true] as [String: Any] }
            + [["label": t("Predikat organisasi", "Organisation predikat"), "numeric": false], ["label": t("Kurva", "Curve"), "numeric": false]]
        let opds: [[String: Any]] = d.opds.map { o in
            [
                "name": "\(o.name) (\(o.code))",
                "cells": [l.integer(o.figures.employees), l.percent(o.figures.completeness), l.percent(o.figures.meanCapaian)]
                    + predikatOrder.map { l.integer(o.figures.predikat[$0] ?? 0) },
                "organisasi": o.predikatOrganisasi?.rawValue ?? "–", "curve": curveLabel(o.curveStatus, id: id), "broken": o.curveStatus == .broken,
            ]
        }
        let breaches = d.opds.flatMap { o in o.curveBreaches.map { "\(o.code): \($0)" } }
        let predikatChart = SVGChart.stackedBars(
            title: t("Sebaran predikat per OPD", "Predikat per OPD"),
            description: t("Batang per OPD, dibagi menurut predikat pegawai; angkanya ada di tabel di atas.",
                           "One bar per OPD, split by employee predikat; the figures are in the table above."),
            series: predikatOrder, rows: d.opds.map { o in (o.code, predikatOrder.map { o.figures.predikat[$0] ?? 0 }) })
        let trendChart = SVGChart.columns(
            title: t("Kelengkapan pelaporan per periode", "Reporting completeness per period"),
            description: t("Kolom per periode: persentase IKI yang dilaporkan; angkanya ada di tabel di bawah.",
                           "One column per period: the share of IKI reported; the figures are in the table below."),
            points: d.trend.map { ($0.period, $0.completeness) })
        let trend: [[String: String]] = d.trend.map { ["period": $0.period, "completeness": l.percent($0.completeness), "capaian": l.percent($0.meanCapaian)] }
        func indicatorRows(_ list: [Dashboard.Indicator]) -> [[String: String]] {
            list.map { ["text": $0.text, "count": l.integer($0.count), "capaian": l.percent($0.meanCapaian)] }
        }
        let context: [String: Any] = [
            "lang": language.rawValue,
            "title": t("Dasbor Kinerja ASN", "ASN Performance Dashboard") + " — " + cityName + (scope.map { " — \($0)" } ?? ""),
            "subtitle": periodName,
            "computedLabel": t("data per", "data as of"),
            "computedAt": l.date(d.computedAt, timeZone: timeZone, withTime: true),
            "summaryHeading": t("Ringkasan", "Summary"),
            "totals": totals,
            "opdHeading": t("Per OPD", "Per OPD"),
            "opdCaption": t("Pelaporan, capaian, predikat pegawai dan kurva distribusi per OPD",
                            "Reporting, capaian, employee predikat and distribution curve per OPD"),
            "opdColumns": columns,
            "opds": opds,
            "predikatChart": predikatChart,
            "predikatChartCaption": t("Sebaran predikat pegawai per OPD", "Employee predikat per OPD"),
            "hasBreaches": !breaches.isEmpty,
            "breachesHeading": t("Kurva yang dilanggar", "Curves broken"),
            "breaches": breaches,
            "trendHeading": t("Tren tahun berjalan", "The year so far"),
            "trendChart": trendChart,
            "trendChartCaption": t("Kelengkapan pelaporan per periode", "Reporting completeness per period"),
            "trendCaption": t("Pelaporan dan capaian per periode", "Reporting and capaian per period"),
            "periodLabel": t("Periode", "Period"), "reportingLabel": t("Pelaporan", "Reporting"), "capaianLabel": t("Capaian", "Capaian"),
            "indicatorHeading": t("Indikator", "Indicators"),
            "indicatorTables": [
                ["caption": t("Indikator dengan capaian tertinggi", "Indicators with the highest capaian"), "rows": indicatorRows(d.topIndicators)],
                ["caption": t("Indikator dengan capaian terendah", "Indicators with the lowest capaian"), "rows": indicatorRows(d.bottomIndicators)],
            ],
            "indicatorLabel": t("Indikator (templat)", "Indicator (template)"), "countLabel": t("Jumlah IKI", "IKI"),
            "noneLabel": t("Belum ada data.", "No data yet."),
            "footer": t("Dihasilkan oleh Kinerja. Angka agregat; tidak memuat nama atau NIP pegawai.",
                        "Produced by Kinerja. Aggregate figures; no employee names or NIPs."),
        ]
        return template.render(context)
    }

    static func curveLabel(_ status: CurveStatus, id: Bool) -> String {
        guard id else { return status.rawValue }
        switch status {
        case .final: return "final"
        case .finalOverride: return "final (dengan pengecualian)"
        case .passes: return "sesuai kurva"
        case .broken: return "MELANGGAR KURVA"
        case .noOrgPredikat: return "predikat organisasi belum ditetapkan"
        case .noCurve: return "tanpa kurva (rezim angka)"
        case .notEvaluated: return "belum dinilai"
        }
    }
}
