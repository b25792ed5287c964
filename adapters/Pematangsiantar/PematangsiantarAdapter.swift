import Foundation
public import KinerjaCore

/// Kota Pematangsiantar: measurable indicators per job, formulated together with the employees;
/// certificates and incentives for reaching targets; coaching below expectation; employees see their results.
public struct PematangsiantarAdapter: TenantAdapter {
    public init() {}
    public var name: String { "pematangsiantar" }
    public var displayName: String { "Kota Pematangsiantar" }
    public var profileOverlay: String { Self.overlay }
    public var templates: [String: String] { TemplateFolder.load(Bundle.module) }

    static let overlay = #"""
name: Kota Pematangsiantar
timeZone: Asia/Jakarta   # WIB (Sumatera Utara)
periods:
  cadence: monthly
skp:
  # Indicators are formulated together with the employees: they propose, the atasan decides.
  indicatorProposals: true
indicators:
  - id: pelayanan-administrasi
    appliesTo: [pelaksana]
    rhk: Terselesaikannya pelayanan administrasi
    iki: Jumlah berkas yang diselesaikan
    aspect: kuantitas
    unit: berkas
    target: 240
    agreedWithEmployee: true
  - id: ketepatan-laporan
    appliesTo: [struktural]
    rhk: Tersusunnya laporan kinerja unit tepat waktu
    iki: Laporan bulanan disampaikan paling lambat tanggal 5
    aspect: waktu
    unit: laporan
    target: 12
    accumulation: sum    # a count of reports on time: one a month adds up to the year's 12
    agreedWithEmployee: true
followUps:
  rewards:
    # For reaching the target: a capaian of 100% or more, with behaviour at least as expected.
    - { name: Insentif pencapaian target, when: [Sangat Baik, Baik], minCapaian: 100 }
  coaching:
    - { name: Pembinaan di bawah ekspektasi, when: [Butuh Perbaikan, Kurang/Misconduct, Sangat Kurang] }
  sanctions: []
  training:
    - { name: Pengembangan kompetensi, when: [Butuh Perbaikan] }
  improvementMonths: 6
  certificate: { name: Sertifikat pencapaian target kinerja, minCapaian: 100 }
tpp:
  # Figures seen in some cities (unconfirmed for this one): 80/20 and a 20% cut below 80% kinerja.
  kinerjaPercent: 80
  disiplinPercent: 20
  kinerjaCut: { belowPercent: 80, cutPercent: 20 }
reports:
  formats:
    - { id: dokumen-evaluasi, title: Dokumen Evaluasi Kinerja Pegawai, titleEN: Employee Performance Evaluation Document, kind: html, source: evaluationDocument }
    - { id: rekap-opd, title: Rekapitulasi kinerja per OPD, titleEN: Performance per agency, kind: csv, source: opdRecap }
    - { id: hasil-siasn, title: Hasil kinerja final untuk SIASN, titleEN: Final results for SIASN, kind: csv, source: siasnResults }
    - { id: sertifikat, title: Sertifikat capaian target kinerja, titleEN: Certificate of reaching the target, kind: html, source: certificate, template: sertifikat }
    - { id: hasil-saya, title: Hasil kinerja saya, titleEN: My performance results, kind: json, source: ownResults }
  publicAnnualReport: false
"""#
}
