/// The data a report can show. Each source knows its fields (with Indonesian and English labels) and the
/// template its HTML uses; a city's profile picks a source per report and may choose, order and relabel the
/// fields and name another template (its adapter's own, or one of the core's).
public enum ReportSource: String, Codable, Sendable, CaseIterable {
    /// Dokumen Evaluasi Kinerja Pegawai: one document per employee (identity, pejabat penilai, SKP with
    /// realisasi and feedback, ratings with the 360 aggregate, predikat, follow-ups); as a table, one row each.
    case evaluationDocument
    /// Per OPD: predikat counts against the organisation's curve, reporting completeness, capaian distribution.
    case opdRecap
    /// The annual ranking per category (ASN Berprestasi), from the follow-ups of final results.
    case ranking
    /// One certificate per employee who reached the profile's target, from the follow-ups.
    case certificate
    /// The annual assessment: each employee's result with the feedback given, the training planned and the
    /// sanctions issued.
    case annualAssessment
    /// An employee's own results over the year's periods (what the employee sees).
    case ownResults
    /// The leader dashboard's data.
    case dashboard
    /// The public annual report: aggregates per OPD, small groups suppressed, no person.
    case publicAnnual
    /// Public complaints of the period per OPD and responsible officer: routed and followed up on time
    /// against the profile's deadlines (Makassar's responsiveness).
    case complaintResponsiveness
    /// Final results for SIASN (BKN's system; DOMAIN.md: "results go to SIASN"): one row per employee whose
    /// result of the period is final, with the two ratings, the predikat and the pejabat penilai.
    case siasnResults

    /// A report id of the profiles written before sources were named: the source it always meant.
    public init?(legacyID id: String) {
        switch id {
        case "rekap-predikat", "rekap-opd": self = .opdRecap
        case "dokumen-evaluasi": self = .evaluationDocument
        case "laporan-tahunan-publik": self = .publicAnnual
        case "dasbor-pimpinan": self = .dashboard
        case "peringkat-asn-berprestasi": self = .ranking
        case "sertifikat": self = .certificate
        case "penilaian-tahunan": self = .annualAssessment
        case "hasil-saya": self = .ownResults
        case "respons-pengaduan": self = .complaintResponsiveness
        case "hasil-siasn": self = .siasnResults
        default: return nil
        }
    }

    /// A field of the source: its key in the rows, and its label in both languages.
    public struct Field: Sendable, Equatable {
        public var key: String
        public var id: String
        public var en: String
        public var numeric: Bool
        public init(_ key: String, _ id: String, _ en: String, numeric: Bool = false) {
            (self.key, self.id, self.en, self.numeric) = (key, id, en, numeric)
        }
    }

    /// Every field, in the default order.
    public var fields: [Field] {
        switch self {
        case .evaluationDocument:
            [.init("nip", "NIP", "NIP"), .init("nama", "Nama", "Name"), .init("jabatan", "Jabatan", "Position"),
             .init("unit", "Unit kerja", "Unit"), .init("opd", "OPD", "Agency"),
             .init("pejabatPenilai", "Pejabat penilai", "Appraiser"), .init("capaian", "Capaian SKP (%)", "SKP capaian (%)", numeric: true),
             .init("ratingHasil", "Rating hasil kerja", "Work result rating"), .init("skor360", "Skor perilaku 360", "360 behaviour score", numeric: true),
             .init("ratingPerilaku", "Rating perilaku kerja", "Work behaviour rating"), .init("predikat", "Predikat kinerja", "Performance predikat"),
             .init("status", "Status", "Status")]
        case .opdRecap:
            [.init("opd", "Kode OPD", "Agency code"), .init("namaOpd", "OPD", "Agency"), .init("pegawai", "Pegawai", "Employees", numeric: true),
             .init("pelaporan", "Kelengkapan pelaporan (%)", "Reporting completeness (%)", numeric: true),
             .init("dinilai", "Dinilai", "Evaluated", numeric: true), .init("capaianRataRata", "Rata-rata capaian (%)", "Mean capaian (%)", numeric: true),
             .init("capaianBawah60", "Capaian <60", "Capaian <60", numeric: true), .init("capaian60_79", "Capaian 60-79", "Capaian 60-79", numeric: true),
             .init("capaian80_99", "Capaian 80-99", "Capaian 80-99", numeric: true), .init("capaian100_109", "Capaian 100-109", "Capaian 100-109", numeric: true),
             .init("capaian110", "Capaian 110+", "Capaian 110+", numeric: true),
             .init("sangatBaik", "Sangat Baik", "Sangat Baik", numeric: true), .init("baik", "Baik", "Baik", numeric: true),
             .init("butuhPerbaikan", "Butuh Perbaikan", "Butuh Perbaikan", numeric: true), .init("kurang", "Kurang/Misconduct", "Kurang/Misconduct", numeric: true),
             .init("sangatKurang", "Sangat Kurang", "Sangat Kurang", numeric: true),
             .init("predikatOrganisasi", "Predikat organisasi", "Organisation predikat"), .init("kurva", "Kurva distribusi", "Distribution curve")]
        case .ranking:
            [.init("kategori", "Kategori", "Category"), .init("peringkat", "Peringkat", "Rank", numeric: true), .init("nip", "NIP", "NIP"),
             .init("nama", "Nama", "Name"), .init("opd", "OPD", "Agency"), .init("capaian", "Capaian (%)", "Capaian (%)", numeric: true),
             .init("predikat", "Predikat", "Predikat"), .init("penghargaan", "Penghargaan", "Award")]
        case .certificate:
            [.init("nomor", "Nomor", "Number"), .init("nip", "NIP", "NIP"), .init("nama", "Nama", "Name"), .init("jabatan", "Jabatan", "Position"),
             .init("opd", "OPD", "Agency"), .init("capaian", "Capaian (%)", "Capaian (%)", numeric: true), .init("predikat", "Predikat", "Predikat"),
             .init("penghargaan", "Penghargaan", "Award")]
        case .annualAssessment:
            [.init("nip", "NIP", "NIP"), .init("nama", "Nama", "Name"), .init("opd", "OPD", "Agency"),
             .init("capaian", "Capaian (%)", "Capaian (%)", numeric: true), .init("predikat", "Predikat", "Predikat"),
             .init("umpanBalik", "Umpan balik", "Feedback"), .init("pelatihan", "Rencana pelatihan", "Training plan"),
             .init("sanksi", "Sanksi", "Sanctions")]
        case .ownResults:
            [.init("periode", "Periode", "Period"), .init("capaian", "Capaian (%)", "Capaian (%)", numeric: true),
             .init("ratingHasil", "Rating hasil kerja", "Work result rating"), .init("ratingPerilaku", "Rating perilaku kerja", "Work behaviour rating"),
             .init("predikat", "Predikat", "Predikat"), .init("status", "Status", "Status")]
        case .dashboard:
            [.init("opd", "Kode OPD", "Agency code"), .init("namaOpd", "OPD", "Agency"), .init("pegawai", "Pegawai", "Employees", numeric: true),
             .init("pelaporan", "Kelengkapan pelaporan (%)", "Reporting completeness (%)", numeric: true),
             .init("capaianRataRata", "Rata-rata capaian (%)", "Mean capaian (%)", numeric: true), .init("kurva", "Kurva distribusi", "Distribution curve")]
        case .complaintResponsiveness:
            [.init("opd", "OPD", "Agency"), .init("petugas", "NIP petugas", "Officer NIP"), .init("nama", "Nama petugas", "Officer"),
             .init("pengaduan", "Pengaduan", "Complaints", numeric: true),
             .init("diteruskanTepatWaktu", "Diteruskan tepat waktu", "Routed on time", numeric: true),
             .init("ditindaklanjutiTepatWaktu", "Ditindaklanjuti tepat waktu", "Followed up on time", numeric: true),
             .init("persenTepatWaktu", "Tepat waktu (%)", "On time (%)", numeric: true),
             .init("rataRataHariKerja", "Rata-rata hari kerja tindak lanjut", "Mean working days to follow up", numeric: true),
             .init("terlambat", "Terlambat, belum ditindaklanjuti", "Late, not followed up", numeric: true)]
        case .siasnResults:
            [.init("nip", "NIP", "NIP"), .init("nama", "Nama", "Name"), .init("jenisPegawai", "Jenis pegawai", "Employee type"),
             .init("tahun", "Tahun", "Year", numeric: true), .init("periode", "Periode", "Period"), .init("opd", "Kode OPD", "Agency code"),
             .init("capaian", "Capaian SKP (%)", "SKP capaian (%)", numeric: true),
             .init("ratingHasil", "Rating hasil kerja", "Work result rating"), .init("ratingPerilaku", "Rating perilaku kerja", "Work behaviour rating"),
             .init("predikat", "Predikat kinerja", "Performance predikat"), .init("nipPenilai", "NIP pejabat penilai", "Appraiser NIP"),
             .init("namaPenilai", "Nama pejabat penilai", "Appraiser"), .init("ditetapkan", "Tanggal penetapan", "Finalised on")]
        case .publicAnnual:
            [.init("opd", "OPD", "Agency"), .init("dinilai", "Pegawai dinilai", "Employees evaluated"),
             .init("sangatBaik", "Sangat Baik", "Sangat Baik"), .init("baik", "Baik", "Baik"), .init("butuhPerbaikan", "Butuh Perbaikan", "Butuh Perbaikan"),
             .init("kurang", "Kurang/Misconduct", "Kurang/Misconduct"), .init("sangatKurang", "Sangat Kurang", "Sangat Kurang"),
             .init("kontribusi", "Capaian tujuan organisasi (%)", "Agency goals capaian (%)"),
             .init("perubahan", "Perubahan Sangat Baik + Baik dari tahun lalu (poin %)", "Change in Sangat Baik + Baik since last year (points)")]
        }
    }

    /// The core's template for the source's HTML.
    public var defaultTemplate: String {
        switch self {
        case .evaluationDocument: "dokumen-evaluasi"
        case .certificate: "sertifikat"
        case .annualAssessment: "penilaian-tahunan"
        case .publicAnnual: "laporan-publik"
        case .opdRecap, .ranking, .ownResults, .dashboard, .complaintResponsiveness, .siasnResults: "tabel"
        }
    }

    /// One row per employee (documents, certificates, assessments) rather than per OPD or period.
    public var perEmployee: Bool { [.evaluationDocument, .certificate, .annualAssessment, .ranking].contains(self) }
}

/// A report of a city, as its profile defines it, with every default filled in.
public struct ReportDefinition: Sendable, Equatable {
    public var id: String
    public var title: String
    public var titleEN: String
    public var source: ReportSource
    /// The format used when none is asked for.
    public var defaultFormat: String
    /// The fields shown, in order, with the labels of both languages.
    public var fields: [ReportSource.Field]
    public var template: String
    public var csvSeparator: String

    /// The definition of profile format `f`, or the problem with it (its source unknown, a field the source
    /// does not have).
    public static func resolve(_ f: TenantProfile.Reports.Format, separator: String?) throws(ProfileIssue) -> ReportDefinition {
        guard let source = f.source ?? ReportSource(legacyID: f.id) else {
            throw ProfileIssue(path: "reports.formats[\(f.id)].source", value: "missing",
                               allowed: "one of: " + ReportSource.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var fields = source.fields
        if let chosen = f.columns {
            fields = []
            for c in chosen {
                guard var field = source.fields.first(where: { $0.key == c.field }) else {
                    throw ProfileIssue(path: "reports.formats[\(f.id)].columns", value: "unknown field '\(c.field)'",
                                       allowed: "fields of \(source.rawValue): " + source.fields.map(\.key).joined(separator: ", "))
                }
                if let label = c.label { field.id = label }
                if let label = c.labelEN { field.en = label }
                fields.append(field)
            }
        }
        return ReportDefinition(id: f.id, title: f.title, titleEN: f.titleEN ?? f.title, source: source, defaultFormat: f.kind.rawValue,
                                fields: fields, template: f.template ?? source.defaultTemplate,
                                csvSeparator: f.csvSeparator ?? separator ?? ";")
    }
}

extension TenantProfile {
    /// Every report the city has, resolved; a definition that does not resolve is left out (the profile's
    /// validation names it).
    public var reportDefinitions: [ReportDefinition] {
        reports.formats.compactMap { try? ReportDefinition.resolve($0, separator: reports.csvSeparator) }
    }
}
