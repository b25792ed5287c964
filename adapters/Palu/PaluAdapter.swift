import Foundation
public import KinerjaCore

/// Kota Palu: real-time monitoring of each employee's contribution to agency goals, periodic evaluation,
/// training, rewards that drive healthy competition, and an annual performance report for the public.
public struct PaluAdapter: TenantAdapter {
    public init() {}
    public var name: String { "palu" }
    public var displayName: String { "Kota Palu" }
    public var profileOverlay: String { Self.overlay }
    public var templates: [String: String] { TemplateFolder.load(Bundle.module) }

    static let overlay = #"""
name: Kota Palu
timeZone: Asia/Makassar   # WITA
periods:
  cadence: quarterly
followUps:
  rewards:
    - { name: Peringkat ASN terbaik per OPD, when: [Sangat Baik], note: published ranking for healthy competition }
  coaching:
    - { name: Pembinaan dan umpan balik periodik, when: [Butuh Perbaikan, Kurang/Misconduct, Sangat Kurang] }
  sanctions:
    - { name: Usulan pemeriksaan disiplin, when: [Sangat Kurang] }
  training:
    - { name: Pelatihan, when: [Butuh Perbaikan, Kurang/Misconduct] }
  improvementMonths: 6
reports:
  formats:
    - { id: dokumen-evaluasi, title: Dokumen Evaluasi Kinerja Pegawai, titleEN: Employee Performance Evaluation Document, kind: html, source: evaluationDocument }
    - { id: rekap-opd, title: Rekapitulasi kinerja per OPD, titleEN: Performance per agency, kind: csv, source: opdRecap }
    - { id: hasil-siasn, title: Hasil kinerja final untuk SIASN, titleEN: Final results for SIASN, kind: csv, source: siasnResults }
    - id: laporan-tahunan-publik
      title: Laporan Kinerja ASN Tahunan Kota Palu
      titleEN: Annual ASN Performance Report of Palu
      kind: html
      source: publicAnnual
      template: laporan-publik
  publicAnnualReport: true
"""#
}
