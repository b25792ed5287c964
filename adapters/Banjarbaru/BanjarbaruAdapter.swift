import Foundation
public import KinerjaCore

/// Kota Banjarbaru: a yearly assessment with constructive feedback, indicators set in advance (an education
/// officer judged on the student participation rate), training matched to need, awards and sanctions.
public struct BanjarbaruAdapter: TenantAdapter {
    public init() {}
    public var name: String { "banjarbaru" }
    public var displayName: String { "Kota Banjarbaru" }
    public var profileOverlay: String { Self.overlay }
    public var templates: [String: String] { TemplateFolder.load(Bundle.module) }

    static let overlay = #"""
name: Kota Banjarbaru
timeZone: Asia/Makassar   # WITA
periods:
  cadence: quarterly   # realisasi reported and monitored by quarter
  evaluation: annual   # a yearly assessment: no periodic evaluation
indicators:
  - id: angka-partisipasi-sekolah
    appliesTo: [Dinas Pendidikan]
    rhk: Meningkatnya akses pendidikan dasar
    iki: Angka partisipasi sekolah usia 7-15 tahun
    aspect: kuantitas
    unit: persen
    target: 98
    accumulation: last   # a rate: the latest quarter's figure is the year's, never the sum of four
followUps:
  rewards:
    - { name: Sertifikat penghargaan, when: [Sangat Baik] }
    - { name: Kesempatan pelatihan lanjutan, when: [Sangat Baik] }
  coaching:
    - { name: Umpan balik konstruktif dan pembinaan, when: [Butuh Perbaikan, Kurang/Misconduct] }
  sanctions:
    - { name: Teguran, when: [Kurang/Misconduct, Sangat Kurang], note: "indiscipline: proposed only" }
    # Demotion is for indiscipline: it comes from the PP 94/2021 absence ladder ('discipline scan'), never from a
    # predikat. Poor performance has its six months to improve first.
    - { name: Usulan pemeriksaan disiplin, when: [Sangat Kurang], note: "PP 94/2021: the system proposes, an authorised official decides" }
  training:
    - { name: Seminar, when: [Butuh Perbaikan, Baik] }
    - { name: Workshop, when: [Butuh Perbaikan, Kurang/Misconduct] }
  improvementMonths: 6
  # Competency development matched to need: a training offer on each employee's weakest value.
  trainingFromWeakestValue: true
reports:
  formats:
    - id: penilaian-tahunan
      title: Penilaian Kinerja Tahunan
      titleEN: Annual performance assessment
      kind: html
      source: annualAssessment
      template: penilaian-tahunan
    - { id: dokumen-evaluasi, title: Dokumen Evaluasi Kinerja Pegawai, titleEN: Employee Performance Evaluation Document, kind: html, source: evaluationDocument }
    - { id: rekap-opd, title: Rekapitulasi kinerja per OPD, titleEN: Performance per agency, kind: csv, source: opdRecap }
    - { id: hasil-siasn, title: Hasil kinerja final untuk SIASN, titleEN: Final results for SIASN, kind: csv, source: siasnResults }
  publicAnnualReport: false
"""#
}
