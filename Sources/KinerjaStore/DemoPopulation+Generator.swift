import Foundation
import KinerjaCore

extension DemoPopulation {
    /// Builds the tree first (every unit gets a head), then spreads the remaining staff over the units.
    struct Generator {
        let city: String
        let year: Int
        var rng: SeededRandom
        var units: [Unit] = []
        var people: [Person] = []
        var heads: [UUID: String] = [:]
        var sequences: [String: Int] = [:]
        /// Units that take staff, with the kind of staff they take.
        var staffed: [(unit: UUID, staff: StaffKind, weight: Double)] = []

        enum StaffKind { case guru, kesehatan, pelaksana }

        init(city: String, seed: UInt64, year: Int) {
            self.city = city
            self.year = year
            self.rng = SeededRandom(seed: seed ^ Self.stableHash(city))
        }

        static func stableHash(_ s: String) -> UInt64 {
            s.utf8.reduce(14_695_981_039_346_656_037 as UInt64) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        }

        static let opds: [(code: String, name: String, head: String, level: String, bidang: [String])] = [
            ("SETDA", "Sekretariat Daerah", "Sekretaris Daerah", "JPT", ["Bagian Umum", "Bagian Hukum", "Bagian Organisasi"]),
            ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "Kepala Badan", "JPT",
             ["Bidang Mutasi dan Promosi", "Bidang Pengembangan Kompetensi", "Bidang Penilaian Kinerja"]),
            ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "Kepala Badan", "JPT", ["Bidang Perencanaan", "Bidang Penelitian dan Pengembangan"]),
            ("DISDIK", "Dinas Pendidikan", "Kepala Dinas", "JPT", ["Bidang Pembinaan SD", "Bidang Pembinaan SMP"]),
            ("DINKES", "Dinas Kesehatan", "Kepala Dinas", "JPT", ["Bidang Pelayanan Kesehatan", "Bidang Pencegahan Penyakit"]),
            ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "Kepala Dinas", "JPT", ["Bidang Bina Marga", "Bidang Cipta Karya"]),
            ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Kepala Dinas", "JPT", ["Bidang Pelayanan Pendaftaran Penduduk", "Bidang Pencatatan Sipil"]),
            ("DINSOS", "Dinas Sosial", "Kepala Dinas", "JPT", ["Bidang Rehabilitasi Sosial", "Bidang Perlindungan dan Jaminan Sosial"]),
            ("INSPEKTORAT", "Inspektorat Daerah", "Inspektur", "JPT", ["Inspektur Pembantu Wilayah I", "Inspektur Pembantu Wilayah II"]),
        ]
        static let seksiSuffix = ["Perencanaan dan Evaluasi", "Pelaksanaan dan Pembinaan"]
        static let kecamatanNames = ["Mawar", "Melati", "Anggrek", "Cempaka", "Kenanga", "Dahlia", "Flamboyan", "Teratai",
                                     "Kamboja", "Seroja", "Tanjung", "Bakung", "Cendana", "Beringin", "Nusantara", "Bahari",
                                     "Sejahtera", "Makmur", "Harapan", "Damai"]
        static let kelurahanNames = ["Utara", "Selatan", "Timur", "Barat", "Tengah", "Baru", "Lama", "Raya"]

        mutating func build(employees n: Int) {
            let schools = max(2, n * 40 / 100 / 25)
            let puskesmas = max(1, n * 15 / 100 / 20)
            let kecamatan = max(2, min(20, n / 1_500 + 2))

            for opd in Self.opds {
                let opdID = addUnit(parent: nil, code: opd.code, name: opd.name, kind: "opd",
                                    head: "\(opd.head) \(opd.name)".replacingOccurrences(of: "Sekretaris Daerah Sekretariat Daerah", with: "Sekretaris Daerah"),
                                    level: opd.level, atasan: nil)
                for (b, bidang) in opd.bidang.enumerated() {
                    let bCode = "\(opd.code).B\(b + 1)"
                    let bID = addUnit(parent: opdID, code: bCode, name: bidang, kind: "bidang",
                                      head: "Kepala \(bidang)", level: "Administrator", atasan: heads[opdID])
                    for (s, suffix) in Self.seksiSuffix.enumerated() {
                        let sName = "Seksi \(suffix) \(bidang.replacingOccurrences(of: "Bidang ", with: ""))"
                        let sID = addUnit(parent: bID, code: "\(bCode).S\(s + 1)", name: sName, kind: "seksi",
                                          head: "Kepala \(sName)", level: "Pengawas", atasan: heads[bID])
                        staffed.append((sID, .pelaksana, 1))
                    }
                }
                if opd.code == "DISDIK" {
                    let per = schools
                    for i in 0..<per {
                        let isSMP = i % 3 == 2
                        let name = isSMP ? "SMP Negeri \(i / 3 + 1) \(cityName)" : "SD Negeri \(i - i / 3 + 1) \(cityName)"
                        let id = addUnit(parent: opdID, code: "DISDIK.SEK\(i + 1)", name: name, kind: "sekolah",
                                         head: "Kepala \(name)", level: "Pengawas", atasan: heads[opdID])
                        staffed.append((id, .guru, 40.0 * 100 / Double(per)))
                    }
                }
                if opd.code == "DINKES" {
                    for i in 0..<puskesmas {
                        let name = "Puskesmas \(rng.pick(Self.kecamatanNames)) \(i + 1)"
                        let id = addUnit(parent: opdID, code: "DINKES.PKM\(i + 1)", name: name, kind: "puskesmas",
                                         head: "Kepala UPT \(name)", level: "Pengawas", atasan: heads[opdID])
                        staffed.append((id, .kesehatan, 15.0 * 100 / Double(puskesmas)))
                    }
                }
            }
            for k in 0..<kecamatan {
                let kName = "Kecamatan \(Self.kecamatanNames[k % Self.kecamatanNames.count])\(k >= Self.kecamatanNames.count ? " \(k / Self.kecamatanNames.count + 1)" : "")"
                let kCode = "KEC\(k + 1)"
                let kID = addUnit(parent: nil, code: kCode, name: kName, kind: "kecamatan",
                                  head: "Camat \(kName.replacingOccurrences(of: "Kecamatan ", with: ""))", level: "Administrator", atasan: nil)
                staffed.append((kID, .pelaksana, 1))
                for l in 0..<(3 + k % 4) {
                    let lName = "Kelurahan \(kName.replacingOccurrences(of: "Kecamatan ", with: "")) \(Self.kelurahanNames[l])"
                    let lID = addUnit(parent: kID, code: "\(kCode).KEL\(l + 1)", name: lName, kind: "kelurahan",
                                      head: "Lurah \(lName.replacingOccurrences(of: "Kelurahan ", with: ""))", level: "Pengawas", atasan: heads[kID])
                    staffed.append((lID, .pelaksana, 1))
                }
            }
            // The weight of ordinary units shares the 45% left after schools and puskesmas.
            let ordinary = Double(staffed.filter { $0.staff == .pelaksana }.count)
            staffed = staffed.map { $0.staff == .pelaksana ? ($0.unit, $0.staff, 45.0 * 100 / ordinary) : $0 }

            let remaining = max(0, n - people.count)
            let total = staffed.reduce(0) { $0 + $1.weight }
            var assigned = 0
            for (i, s) in staffed.enumerated() {
                let share = i == staffed.count - 1 ? remaining - assigned : Int((Double(remaining) * s.weight / total).rounded())
                let count = max(0, min(share, remaining - assigned))
                for _ in 0..<count { addStaff(unit: s.unit, kind: s.staff) }
                assigned += count
            }
        }

        var cityName: String { city.prefix(1).uppercased() + city.dropFirst() }

        mutating func addUnit(parent: UUID?, code: String, name: String, kind: String, head: String, level: String, atasan: String?) -> UUID {
            let id = rng.uuid()
            units.append(Unit(id: id, parent: parent, code: code, name: name, kind: kind))
            let age: ClosedRange<Int> = switch level { case "JPT": 45...58; case "Administrator": 40...56; default: 33...55 }
            let gol: [String] = switch level { case "JPT": ["IV/c", "IV/d"]; case "Administrator": ["IV/a", "IV/b"]; default: ["III/c", "III/d"] }
            let p = person(unit: id, age: age, type: .pns, kind: "struktural", level: level, jabatan: head,
                           golongan: gol, degree: true, atasan: atasan)
            heads[id] = p.nip
            people.append(p)
            return id
        }

        mutating func addStaff(unit: UUID, kind: StaffKind) {
            let pppk = rng.chance(0.2)
            let (jabatan, fungsional, degree): (String, Bool, Bool) = switch kind {
            case .guru: (rng.pick(["Guru Ahli Pertama", "Guru Ahli Muda", "Guru Ahli Madya"]), true, true)
            case .kesehatan: (rng.pick(["Perawat Terampil", "Perawat Ahli Pertama", "Bidan Terampil", "Dokter Ahli Pertama", "Apoteker Ahli Pertama"]), true, true)
            case .pelaksana:
                rng.chance(0.25)
                    ? (rng.pick(["Analis Kebijakan Ahli Pertama", "Pranata Komputer Ahli Pertama", "Analis SDM Aparatur Ahli Muda"]), true, true)
                    : (rng.pick(["Pengadministrasi Umum", "Pengelola Data", "Pengelola Keuangan", "Pengadministrasi Perkantoran", "Pengemudi"]), false, rng.chance(0.5))
            }
            let gol: [String] = pppk
                ? (degree ? ["IX", "X"] : ["V", "VII"])
                : (degree ? ["III/a", "III/b", "III/c", "III/d"] : ["II/a", "II/b", "II/c", "II/d", "III/a"])
            people.append(person(unit: unit, age: 23...57, type: pppk ? .pppk : .pns,
                                 kind: fungsional ? "fungsional" : "pelaksana", level: nil, jabatan: jabatan,
                                 golongan: gol, degree: degree, atasan: heads[unit]))
        }

        mutating func person(unit: UUID, age: ClosedRange<Int>, type: NIP.EmployeeType, kind: String, level: String?,
                             jabatan: String, golongan: [String], degree: Bool, atasan: String?) -> Person {
            let gender: Gender = rng.chance(0.5) ? .male : .female
            let birthYear = year - rng.int(age)
            let month = rng.int(1...12)
            let birth = CivilDate(year: birthYear, month: month, day: rng.int(1...CivilDate.daysIn(year: birthYear, month: month)))
            let tmt: String
            let serviceYears: Int
            if type == .pns {
                let tmtYear = min(year - 1, birthYear + rng.int(22...30))
                tmt = String(format: "%04d%02d", tmtYear, rng.int(1...12))
                serviceYears = year - tmtYear
            } else {
                // PPPK numbers carry the appointment year and a code in digits 9-14.
                let appointed = rng.int(2021...min(2025, year - 1))
                tmt = String(format: "%04d21", appointed)
                serviceYears = year - appointed
            }
            let stem = String(format: "%04d%02d%02d", birth.year, birth.month, birth.day) + tmt + (gender == .male ? "1" : "2")
            let seq = (sequences[stem] ?? 0) + 1
            sequences[stem] = seq
            let nip = stem + String(format: "%03d", seq)
            // Golongan rises with service: later steps need more years.
            let steps = min(golongan.count - 1, serviceYears / 4)
            let gol = golongan[min(golongan.count - 1, rng.int(0...max(0, steps)))]
            let first = rng.pick(gender == .male ? Names.male : Names.female)
            let last = rng.pick(Names.family)
            var depan: String? = nil
            var belakang: String? = degree ? rng.pick(Names.degrees(for: jabatan)) : nil
            if jabatan.hasPrefix("Dokter") { depan = "dr."; belakang = nil }
            if level == "JPT" || level == "Administrator" { belakang = (belakang.map { $0 + ", " } ?? "") + rng.pick(["M.Si.", "M.M.", "M.AP."]) }
            let email = "\(first.lowercased()).\(last.lowercased()).\(nip.suffix(4))@\(city).go.id"
                .replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "'", with: "")
            return Person(nip: nip, name: "\(first) \(last)", gelarDepan: depan, gelarBelakang: belakang, type: type,
                          jabatanKind: kind, jabatanLevel: level, jabatanName: jabatan, golongan: gol, unit: unit,
                          atasan: atasan, email: email, birthDate: birth, gender: gender)
        }
    }
}

enum Names {
    static let male = ["Andi", "Muhammad", "Ahmad", "Budi", "Rahmat", "Syamsul", "Hasanuddin", "Arif", "Irwan", "Fadli",
                       "Rizal", "Agus", "Hendra", "Yusuf", "Ilham", "Dedi", "Bambang", "Joko", "Taufik", "Firman",
                       "Saiful", "Darmawan", "Ridwan", "Sutrisno", "Iskandar", "Zulkifli", "Kurniawan", "Wahyu", "Ferdinand", "Maruli"]
    static let female = ["Siti", "Nurul", "Sri", "Dewi", "Fitri", "Rina", "Ratna", "Wahyuni", "Andi Nurhayati", "Kartini",
                         "Yuliana", "Rosmawati", "Hasnah", "Indah", "Lestari", "Maria", "Novita", "Putri", "Rahmawati", "Suryani",
                         "Erna", "Herlina", "Megawati", "Nurjannah", "Sartika", "Winarti", "Yanti", "Rosdiana", "Debora", "Marlina"]
    static let family = ["Saputra", "Hidayat", "Rahman", "Siregar", "Nasution", "Simanjuntak", "Sitorus", "Harahap", "Daeng Matta",
                         "Pratama", "Wijaya", "Santoso", "Lubis", "Ginting", "Tambunan", "Kusuma", "Syahputra", "Halim",
                         "Rasyid", "Lamba", "Pakaya", "Lasimpo", "Noor", "Rusdi", "Effendi", "Setiawan", "Gunawan", "Hamzah",
                         "Pasaribu", "Manurung", "Latif", "Anwar", "Basri", "Mappiase", "Tandiawan", "Mokodompit"]
    static func degrees(for jabatan: String) -> [String] {
        if jabatan.hasPrefix("Guru") { return ["S.Pd.", "S.Pd., M.Pd."] }
        if jabatan.hasPrefix("Perawat") { return ["S.Kep., Ns.", "A.Md.Kep."] }
        if jabatan.hasPrefix("Bidan") { return ["A.Md.Keb.", "S.Tr.Keb."] }
        if jabatan.hasPrefix("Apoteker") { return ["S.Farm., Apt."] }
        return ["S.E.", "S.H.", "S.Sos.", "S.T.", "S.Kom.", "S.AP.", "S.IP."]
    }
}
