/// The national default profile (PermenPANRB 6/2022). Every city's profile is this, with the city's
/// own keys laid over it. Figures marked *(unconfirmed)* in the domain reference are defaults here, as data.
public enum NationalProfile {
    public static let yaml = #"""
name: Nasional (PermenPANRB 6/2022)
regulation: PermenPANRB 6/2022
# The city's local time: its dates (today, for deadlines) and the times on its documents. Asia/Jakarta or
# Asia/Pontianak (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).
timeZone: Asia/Jakarta
periods:
  cadence: quarterly
  evaluation: periodic   # or annual: the year alone is evaluated, realisasi still reported by the cadence
rating:
  regime: permenpanrb-6-2022
  skpWeight: 70
  behaviourWeight: 30
  nilaiAt100: 109   # PP 30/2019 only: nilai capaian at exactly 100% (example figure, unconfirmed)
behaviour360:
  atasan: 50
  peer: 30
  subordinate: 20
  peerWithoutSubordinates: 50
  minimumPeers: 3
  selfAssessment: true
distributionCurve:
  Istimewa:
    - { predikat: [Sangat Baik], maxPercent: 70 }
  Baik:
    - { predikat: [Baik], maxPercent: 70 }
    - { predikat: [Butuh Perbaikan, Kurang/Misconduct], minCount: 1 }
  Butuh Perbaikan:
    - { predikat: [Butuh Perbaikan], minPercent: 60 }
    - { predikat: [Sangat Baik], maxPercent: 10 }
  Kurang:
    - { predikat: [Kurang/Misconduct], minPercent: 60 }
    - { predikat: [Butuh Perbaikan], minPercent: 10 }
    - { predikat: [Sangat Baik], maxPercent: 10 }
  Sangat Kurang:
    - { predikat: [Sangat Kurang], minPercent: 60 }
    - { predikat: [Kurang/Misconduct, Butuh Perbaikan], minPercent: 10 }
    - { predikat: [Sangat Baik], maxPercent: 0 }
indicators:
  - id: layanan-tepat-waktu
    appliesTo: [pelaksana]
    rhk: Terlaksananya layanan administrasi unit kerja
    iki: Persentase layanan yang diselesaikan tepat waktu
    aspect: waktu
    unit: persen
    target: 90
followUps:
  rewards:
    - { name: Penghargaan kinerja, when: [Sangat Baik] }
  coaching:
    - { name: Pembinaan oleh atasan, when: [Butuh Perbaikan, Kurang/Misconduct, Sangat Kurang] }
  sanctions:
    - { name: Usulan pemeriksaan disiplin, when: [Sangat Kurang], note: "PP 94/2021: the system proposes, an authorised official decides" }
  training:
    - { name: Pengembangan kompetensi sesuai kebutuhan, when: [Butuh Perbaikan, Kurang/Misconduct] }
  improvementMonths: 6
  # City-specific follow-ups, off in the national default (each adapter turns on its own):
  ranking:
    top: 0
    predikat: [Sangat Baik]
    incentive: ""
    categories:
      - { name: Semua, jabatanPrefix: [], jabatanKind: [], unitKind: [], opd: [] }
  mentoring: { newWithinMonths: 0, mentorPredikat: [Sangat Baik], maxMenteesPerMentor: 2 }
  certificate: { name: "", minCapaian: 100 }
  trainingFromWeakestValue: false
tpp:
  kinerjaPercent: 60
  disiplinPercent: 40
  deductions:
    - { event: terlambat-1-30, percent: 0.5 }
    - { event: terlambat-31-60, percent: 1 }
    - { event: terlambat-61-90, percent: 1.25 }
    - { event: terlambat-lebih-90-atau-tanpa-rekam, percent: 1.5 }
    - { event: tidak-ikut-upacara, percent: 2 }
    # Unexcused absence, per day: a common figure, not in DOMAIN.md's list (unconfirmed, data).
    - { event: tidak-hadir, percent: 3 }
# Reports: each names its data (source), may choose and relabel its fields (columns) and its HTML template
# (the adapter's own, or the core's); 'kinerja-admin report list' shows them with every default filled in.
reports:
  csvSeparator: ";"
  formats:
    - id: dokumen-evaluasi
      title: Dokumen Evaluasi Kinerja Pegawai
      titleEN: Employee Performance Evaluation Document
      kind: html
      source: evaluationDocument
      template: dokumen-evaluasi
      csvSeparator: ";"
      columns:
        - { field: nip, label: NIP, labelEN: NIP }
        - { field: nama }
        - { field: jabatan }
        - { field: opd }
        - { field: pejabatPenilai }
        - { field: capaian }
        - { field: ratingHasil }
        - { field: skor360 }
        - { field: ratingPerilaku }
        - { field: predikat }
        - { field: status }
    - { id: rekap-opd, title: Rekapitulasi kinerja per OPD, titleEN: Performance per agency, kind: csv, source: opdRecap }
    - { id: hasil-siasn, title: Hasil kinerja final untuk SIASN, titleEN: Final results for SIASN, kind: csv, source: siasnResults }
  publicAnnualReport: false
hooks: []
skp:
  indicatorProposals: false
# Thresholds for proposing the two ratings before the atasan confirms (unconfirmed defaults, data).
ratingProposal:
  hasilKerja: { diAtas: 110, sesuai: 80 }   # capaian of the SKP, percent
  perilaku: { diAtas: 4.5, sesuai: 3 }      # weighted 360 score on the scale below
  scaleMin: 1
  scaleMax: 5
# Holidays (YYYY-MM-DD): no working day for the complaints' deadlines, the discipline scan (absence, a run of
# absences) or the TPP. The 2026 national holidays as announced; each city's BKPSDM confirms them every year
# and lists its own days and the cuti bersama it observes under holidayDates (a city's list adds to this one).
holidayDates: [2026-01-01, 2026-01-16, 2026-02-17, 2026-03-19, 2026-03-20, 2026-03-21, 2026-04-03, 2026-05-01,
               2026-05-14, 2026-05-27, 2026-05-31, 2026-06-01, 2026-06-16, 2026-08-17, 2026-08-25, 2026-12-25]
# Public complaints (SP4N-LAPOR!): routed within 3 working days, followed up within 5, closed 10 days after the
# follow-up with no reply. Working days are Monday to Friday less the holidays above. (Profiles written before
# the list above kept holidays here, under holidayDates; they are still read with it.)
complaints:
  routingWorkingDays: 3
  followUpWorkingDays: 5
  closeAfterDays: 10
  holidayDates: []
# After 'tenant offboard' the city's data stay, read-only, this many days before 'tenant purge' may remove
# them (unconfirmed default, data: a city states the retention its archives rules require).
retention:
  offboardedDays: 365
"""#
}
