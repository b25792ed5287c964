import Foundation
public import KinerjaCore

/// Kota Makassar: real-time e-Kinerja (monthly periods), 360 from self, atasan and peers, teachers judged on
/// results and on classroom process, complaint response tied to officers' performance, an annual award.
public struct MakassarAdapter: TenantAdapter {
    public init() {}
    public var name: String { "makassar" }
    public var displayName: String { "Kota Makassar" }
    public var profileOverlay: String { Self.overlay }
    public var templates: [String: String] { TemplateFolder.load(Bundle.module) }

    static let overlay = #"""
name: Kota Makassar
timeZone: Asia/Makassar   # WITA
periods:
  cadence: monthly
behaviour360:
  atasan: 60
  peer: 40
  subordinate: 0
  peerWithoutSubordinates: 40
  minimumPeers: 3
  selfAssessment: true
indicators:
  - id: guru-hasil-ujian
    appliesTo: [Guru]
    rhk: Meningkatnya hasil belajar peserta didik
    iki: Rata-rata nilai ujian peserta didik yang diampu
    aspect: kualitas
    unit: nilai
    target: 75
  - id: guru-pengelolaan-kelas
    appliesTo: [Guru]
    rhk: Terselenggaranya pembelajaran yang interaktif
    iki: Skor observasi pengelolaan kelas dan interaksi dengan peserta didik
    aspect: kualitas
    unit: skor
    target: 80
  - id: respons-pengaduan
    appliesTo: [struktural, pelaksana]
    rhk: Pengaduan masyarakat ditindaklanjuti
    iki: Persentase pengaduan yang ditindaklanjuti dalam 5 hari kerja
    aspect: waktu
    unit: persen
    target: 90
followUps:
  rewards:
    - { name: Penghargaan ASN Berprestasi tahunan, when: [Sangat Baik] }
    - { name: Insentif finansial, when: [Sangat Baik, Baik] }
  coaching:
    # Targets missed: hasil kerja Di Bawah Ekspektasi (Butuh Perbaikan; Sangat Kurang goes to a sanction).
    # Kurang/Misconduct met the targets: its coaching is on behaviour.
    - { name: Pembinaan karena target tidak tercapai, when: [Butuh Perbaikan] }
    - { name: Pembinaan perilaku kerja, when: [Kurang/Misconduct] }
  sanctions:
    - { name: Usulan sanksi karena target tidak tercapai, when: [Sangat Kurang], note: "proposed only; an authorised official decides" }
  training:
    - { name: Pelatihan teknis, when: [Butuh Perbaikan] }
  improvementMonths: 6
  # ASN Berprestasi: the best three per category each year (the incentive is an unconfirmed figure).
  ranking:
    top: 3
    predikat: [Sangat Baik]
    incentive: "Insentif ASN Berprestasi Rp 5.000.000 (figure unconfirmed)"
    categories:
      - { name: Guru, jabatanPrefix: [Guru] }
      - { name: Tenaga kesehatan, unitKind: [puskesmas], opd: [DINKES] }
      - { name: Struktural, jabatanKind: [struktural] }
      - { name: Fungsional dan pelaksana, jabatanKind: [fungsional, pelaksana] }
  # New staff (TMT CPNS in the last two years) mentored by seniors rated Sangat Baik in the same OPD.
  mentoring: { newWithinMonths: 24, mentorPredikat: [Sangat Baik], maxMenteesPerMentor: 2 }
reports:
  formats:
    - { id: dokumen-evaluasi, title: Dokumen Evaluasi Kinerja Pegawai, titleEN: Employee Performance Evaluation Document, kind: html, source: evaluationDocument }
    - { id: rekap-opd, title: Rekapitulasi kinerja per OPD, titleEN: Performance per agency, kind: csv, source: opdRecap }
    - { id: hasil-siasn, title: Hasil kinerja final untuk SIASN, titleEN: Final results for SIASN, kind: csv, source: siasnResults }
    - id: peringkat-asn-berprestasi
      title: Peringkat ASN Berprestasi
      titleEN: Outstanding ASN ranking
      kind: html
      source: ranking
      template: peringkat
    - { id: dasbor-pimpinan, title: Data kinerja untuk keputusan pimpinan, titleEN: Performance data for leaders, kind: json, source: dashboard }
    - { id: respons-pengaduan, title: Respons pengaduan masyarakat per OPD dan petugas, titleEN: Complaint responsiveness per agency and officer, kind: csv, source: complaintResponsiveness }
  publicAnnualReport: false
hooks: [complaintResponsiveness]
# The complaint hook turns each responsible officer's complaints into the realisasi of this indicator. Working
# days leave out the holidays of the national profile (the 2026 national holidays as announced; BKPSDM
# confirms them each year and adds the city's own days and any cuti bersama it observes under holidayDates).
complaints:
  indicator: respons-pengaduan
"""#
}
