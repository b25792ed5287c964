public import Foundation
public import KinerjaCore

/// Renders one report of a city in one format, from its definition (``ReportDefinition``) and the data the
/// store gives: CSV (the definition's separator, values as the language writes them), JSON (the field keys,
/// plain values), printable HTML from the templates, PDF from that HTML through headless Chromium.
public struct ReportRenderer: Sendable {
    public var definition: ReportDefinition
    public var language: DocumentLanguage
    public var cityName: String
    public var templates: ReportTemplates
    /// Where the values were drawn: the period, and an OPD when the report is about one.
    public var periodName: String
    public var scope: String?
    public var generatedAt: Date
    /// The city's local time (``TenantProfile/timeZoneOrDefault``): dates and times are printed in it.
    public var timeZone: TimeZone

    public init(definition: ReportDefinition, language: DocumentLanguage, cityName: String, timeZone: TimeZone, templates: ReportTemplates,
                periodName: String, scope: String? = nil, generatedAt: Date = Date()) {
        (self.definition, self.language, self.cityName, self.timeZone, self.templates, self.periodName, self.scope, self.generatedAt) =
            (definition, language, cityName, timeZone, templates, periodName, scope, generatedAt)
    }

    var title: String { language == .id ? definition.title : definition.titleEN }

    func label(_ f: ReportSource.Field) -> String { language == .id ? f.id : f.en }

    /// A value as the document writes it.
    public func text(_ v: ReportValue) -> String {
        switch v {
        case .text(let s): s
        case .number(let d): language.number(d, digits: 2)
        case .integer(let i): String(i)
        case .none: ""
        }
    }

    // MARK: - Tables

    /// A row's coded values as the document's language says them: the curve status (`kurva`) of an OPD recap,
    /// as the dashboard page writes it.
    public func localised(_ row: ReportRow) -> ReportRow {
        guard language == .id, case .text(let code)? = row["kurva"], let status = CurveStatus(rawValue: code) else { return row }
        var row = row
        row["kurva"] = .text(DashboardPage.curveLabel(status, id: true))
        return row
    }

    /// The header line and one line per row; fields holding the separator, a quote or a line break quoted.
    public func csv(_ rows: [ReportRow]) -> String {
        let sep = definition.csvSeparator
        func field(_ s: String) -> String { Table.csvField(s, separator: sep) }
        var out = definition.fields.map { field(label($0)) }.joined(separator: sep) + "\r\n"
        for r in rows { out += definition.fields.map { field(text(r[$0.key] ?? .none)) }.joined(separator: sep) + "\r\n" }
        return out
    }

    /// `{"report", "title", "period", "generatedAt", "fields": [{key, label}], "rows": [{key: value}]}`.
    public func json(_ rows: [ReportRow]) throws -> Data {
        struct Field: Encodable { var key: String; var label: String }
        struct Doc: Encodable {
            var report: String; var title: String; var city: String; var period: String; var scope: String?; var generatedAt: Date
            var fields: [Field]; var rows: [[String: ReportValue]]
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        let keys = Set(definition.fields.map(\.key))
        return try e.encode(Doc(report: definition.id, title: title, city: cityName, period: periodName, scope: scope, generatedAt: generatedAt,
                                fields: definition.fields.map { Field(key: $0.key, label: label($0)) },
                                rows: rows.map { $0.filter { keys.contains($0.key) } }))
    }

    /// The table as a printable page.
    public func html(_ rows: [ReportRow]) throws(ReportError) -> String {
        var context: [String: Any] = [
            "title": title, "cityName": cityName, "periodName": periodName,
            "generatedLabel": language == .id ? "dibuat" : "generated", "generatedAt": language.date(generatedAt, timeZone: timeZone, withTime: true),
            "columns": definition.fields.map { ["label": label($0), "numeric": $0.numeric] as [String: Any] },
            "columnCount": definition.fields.count, "noData": language == .id ? "Belum ada data." : "No data yet.",
            "rows": rows.map { r in ["cells": definition.fields.map { ["value": text(r[$0.key] ?? .none), "numeric": $0.numeric] as [String: Any] }] },
        ]
        // Only when there is one: a nil in an `Any` is a value to the template, which printed it as "nil".
        if let scope { context["scope"] = scope }
        return try page(body: try templates.render(definition.template, context))
    }

    /// The page shell (`halaman`) around `body`.
    public func page(body: String) throws(ReportError) -> String {
        try templates.render("halaman", ["lang": language.rawValue, "title": "\(title) — \(cityName)", "body": body] as [String: Any])
    }

    /// The shell split around its body, for writing a long document set piece by piece.
    public func pageParts() throws(ReportError) -> (head: String, tail: String) {
        let marker = "\u{1F}BODY\u{1F}"
        let whole = try page(body: marker)
        guard let r = whole.range(of: marker) else { throw ReportError("template 'halaman' has no {{{body}}}") }
        return (String(whole[..<r.lowerBound]), String(whole[r.upperBound...]))
    }

    // MARK: - Documents

    /// The same renderer with the document labels of its language written into its templates (for a set of
    /// documents: see ``ReportTemplates/inlining(_:)``).
    public func inliningLabels() throws(ReportError) -> ReportRenderer {
        var copy = self
        copy.templates = try templates.inlining(language == .id ? DocumentView.labelsID : DocumentView.labelsEN)
        return copy
    }

    /// One employee's document (or certificate) as HTML, without the page shell.
    public func document(_ d: EvaluationDocument) throws(ReportError) -> String {
        try templates.render(definition.template, DocumentView.context(d, renderer: self))
    }
}

/// What the document templates see: every figure already written in the document's language.
enum DocumentView {
    static func context(_ d: EvaluationDocument, renderer r: ReportRenderer) -> TemplateValue {
        let l = r.language
        let id = l == .id
        func text(_ s: String) -> TemplateValue { .text(s) }
        func opt(_ s: String?) -> TemplateValue? { s.map(TemplateValue.text) }
        func pct(_ v: Double?) -> TemplateValue { .text(v.map { l.number($0, digits: 2) + "%" } ?? "–") }
        func num(_ v: Double?) -> String { v.map { l.number($0, digits: 2) } ?? "–" }
        func person(_ p: EvaluationDocument.Person?) -> TemplateValue {
            guard let p else { return .flag(false) }
            return .fields(["name": text(p.name), "nip": text(p.nip), "nipDisplay": text(NIP(unchecked: p.nip).displayForm),
                            "jabatan": text(p.jabatan), "golongan": opt(p.golongan), "unit": text(p.unit)])
        }
        let plans: [TemplateValue] = d.plans.map { p in
            func first(span: Int) -> TemplateValue {
                .object(["planText": text(p.text), "kind": text(p.kind), "planCapaian": pct(p.capaian), "span": text(String(span))])
            }
            let rows: [TemplateValue] = p.indicators.isEmpty
                ? [.object(["first": first(span: 1), "text": text(""), "target": text(""), "realisasi": text(""), "capaian": text("")])]
                : p.indicators.enumerated().map { i, k in
                    // The other rows say `false` themselves: a missing key would be looked up in the plan and
                    // the document around it.
                    .object(["first": i == 0 ? first(span: p.indicators.count) : .flag(false), "text": text(k.text), "target": text(k.target),
                             "realisasi": text(k.realisasi.map { l.number($0, digits: 2) + (k.unit.map { " \($0)" } ?? "") } ?? "–"),
                             "capaian": pct(k.capaian)])
                }
            return .object(["rows": .list(rows)])
        }
        let peers = d.behaviour.peers.map { " (\($0) \(id ? "orang" : "people"))" } ?? ""
        let bawahans = d.behaviour.bawahans.map { " (\($0) \(id ? "orang" : "people"))" } ?? ""
        let training = d.followUps.filter { $0.kind == "training" }
        let certificate = d.followUps.first { $0.kind == "certificate" }
        var v: [String: TemplateValue] = [:]
        v["documentTitle"] = text(r.language == .id ? r.definition.title : r.definition.titleEN)
        v["cityName"] = text(r.cityName)
        v["periodName"] = text(r.periodName)
        v["statusLabel"] = text("Status")
        v["status"] = text(statusName(d.status, id))
        v["nip"] = text(d.employee.nip)
        v["employee"] = .fields(["name": text(d.employee.name), "nipDisplay": text(NIP(unchecked: d.employee.nip).displayForm),
                                 "jabatan": text(d.employee.jabatan), "golongan": opt(d.employee.golongan), "unit": text(d.employee.unit)])
        v["opd"] = text(d.opd)
        v["opdName"] = text(d.opdName)
        v["penilai"] = person(d.pejabatPenilai)
        v["atasanPenilai"] = person(d.atasanPejabatPenilai)
        v["plans"] = .list(plans)
        v["hasFeedback"] = .flag(!d.feedback.isEmpty)
        v["feedback"] = .list(d.feedback.map { f -> TemplateValue in
            .object(["period": text(f.period), "plan": text(f.plan), "text": text(f.text), "author": text(f.author)])
        })
        v["capaian"] = pct(d.capaian)
        v["ratingHasil"] = text(d.ratingHasil ?? "–")
        v["ratingPerilaku"] = text(d.ratingPerilaku ?? "–")
        v["predikat"] = text(d.predikat ?? "–")
        let peer = d.behaviour.peer.map { num($0) + peers } ?? (id ? "– (kurang dari jumlah minimum)" : "– (fewer than the minimum)")
        v["behaviour"] = .object(["score": text(num(d.behaviour.score)), "atasan": text(num(d.behaviour.atasan)), "peer": text(peer),
                                  "bawahan": text(d.behaviour.bawahan.map { num($0) + bawahans } ?? "–")])
        v["hasFollowUps"] = .flag(!d.followUps.isEmpty)
        v["followUps"] = .list(d.followUps.map { f -> TemplateValue in
            .fields(["rule": text(f.rule), "due": opt(f.due), "status": text(statusName(f.status, id))])
        })
        v["showAssessment"] = .flag(r.definition.source == .annualAssessment)
        v["hasTraining"] = .flag(!training.isEmpty)
        v["training"] = .list(training.map { f -> TemplateValue in .fields(["rule": text(f.rule), "due": opt(f.due)]) })
        v["hasSanctions"] = .flag(!d.sanctions.isEmpty)
        v["sanctions"] = .list(d.sanctions.map { x -> TemplateValue in
            .fields(["step": text(x.step), "status": text(x.status), "note": opt(x.note)])
        })
        v["certificateNumber"] = text(certificate.map { EvaluationDocument.certificateNumber(year: d.year, id: $0.id) } ?? "")
        v["award"] = text(certificate?.detail["name"] ?? certificate?.rule ?? "")
        v["issuedOn"] = text(l.date(r.generatedAt, timeZone: r.timeZone))
        v["l"] = id ? labelValuesID : labelValuesEN
        return .object(v)
    }

    /// A result's or follow-up's status as the document says it.
    static func statusName(_ s: String, _ id: Bool) -> String {
        guard id else { return s }
        return ["proposed": "usulan", "confirmed": "dikonfirmasi", "final": "final", "open": "berjalan", "done": "selesai",
                "cancelled": "dibatalkan", "imposed": "dijatuhkan"][s] ?? s
    }

    /// The same for every document: made once per language.
    static let labelsID = labels(true), labelsEN = labels(false)
    static let labelValuesID = TemplateValue.object(labelsID.mapValues(TemplateValue.text))
    static let labelValuesEN = TemplateValue.object(labelsEN.mapValues(TemplateValue.text))

    static func labels(_ id: Bool) -> [String: String] {
        func t(_ a: String, _ b: String) -> String { id ? a : b }
        return [
            "identity": t("Identitas pegawai", "Employee"), "name": t("Nama", "Name"), "position": t("Jabatan", "Position"),
            "rank": t("Pangkat/golongan", "Rank"), "unit": t("Unit kerja", "Unit"), "appraisers": t("Pejabat penilai kinerja", "Appraisers"),
            "appraiser": t("Pejabat penilai", "Appraiser"), "appraiserSuperior": t("Atasan pejabat penilai", "The appraiser's superior"),
            "none": t("tidak ada", "none"), "plan": t("Sasaran kinerja pegawai (SKP)", "Performance plan (SKP)"),
            "planCaption": t("Rencana hasil kerja, indikator, target, realisasi dan capaian", "Planned results, indicators, targets, realisasi and capaian"),
            "rhk": t("Rencana hasil kerja", "Planned result"), "iki": t("Indikator kinerja individu", "Indicator"), "target": "Target",
            "realisasi": "Realisasi", "capaian": "Capaian", "noPlan": t("Tidak ada SKP yang disetujui.", "No approved SKP."),
            "feedback": t("Umpan balik berkelanjutan", "Continuous feedback"), "noFeedback": t("Belum ada umpan balik.", "No feedback yet."),
            "rating": t("Penilaian kinerja", "Performance evaluation"),
            "ratingCaption": t("Rating hasil kerja, rating perilaku kerja dan predikat", "Ratings and predikat"),
            "capaianSKP": t("Capaian SKP", "SKP capaian"), "ratingHasil": t("Rating hasil kerja", "Work result rating"),
            "behaviourScore": t("Skor perilaku kerja (360, tertimbang)", "Behaviour score (360, weighted)"),
            "fromAtasan": t("dari atasan", "from the atasan"), "fromPeers": t("dari rekan kerja (gabungan)", "from peers (combined)"),
            "fromBawahan": t("dari bawahan (gabungan)", "from subordinates (combined)"), "ratingPerilaku": t("Rating perilaku kerja", "Work behaviour rating"),
            "predikat": t("Predikat kinerja pegawai", "Performance predikat"),
            "anonymity": t("Umpan balik rekan kerja dan bawahan ditampilkan gabungan saja, tanpa nama penilai.",
                           "Peer and subordinate feedback is shown combined only, without the raters' names."),
            "followUp": t("Tindak lanjut", "Follow-up"), "due": t("batas", "due"), "noFollowUp": t("Tidak ada tindak lanjut.", "No follow-up."),
            "employee": t("Pegawai yang dinilai", "Employee"), "trainingPlan": t("Rencana pengembangan kompetensi", "Training plan"),
            "noTraining": t("Tidak ada rencana pelatihan.", "No training planned."), "sanctions": t("Hukuman disiplin", "Disciplinary sanctions"),
            "noSanctions": t("Tidak ada hukuman disiplin.", "No sanction."), "certificate": t("Sertifikat", "Certificate"),
            "certificateNo": t("Nomor", "No."), "awardedTo": t("diberikan kepada", "awarded to"),
            "forReaching": t("atas tercapainya target kinerja", "for reaching the performance target of"),
            "signer": t("Kepala BKPSDM", "Head of BKPSDM"),
        ]
    }
}
