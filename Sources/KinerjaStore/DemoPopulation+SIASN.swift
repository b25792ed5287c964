import Foundation
import KinerjaCore

extension DemoPopulation {
    /// The 34 columns of a SIASN download, in its order (FOTO left out).
    public static let siasnColumns = [
        "NAMA", "NIP", "GELAR DEPAN", "GELAR BELAKANG", "TEMPAT LAHIR", "TANGGAL LAHIR", "JENIS KELAMIN", "AGAMA",
        "JENIS KAWIN", "NIK", "NOMOR HP", "EMAIL", "ALAMAT", "NPWP", "BPJS", "JENIS PEGAWAI", "KEDUDUKAN HUKUM",
        "STATUS CPNS PNS", "KARTU ASN VIRTUAL", "TMT CPNS", "TMT PNS", "GOL AWAL", "GOL AKHIR", "TMT GOLONGAN", "MK TAHUN",
        "MK BULAN", "JENIS JABATAN", "NAMA JABATAN", "TMT JABATAN", "TINGKAT PENDIDIKAN", "NAMA PENDIDIKAN", "NAMA UNOR",
        "UNOR INDUK", "ESELON",
    ]

    /// This population as a SIASN-style CSV, one line at a time (for demos, tests and the import benchmark).
    /// Personal fields the product does not store are filled with placeholders, as a real download has them.
    public func siasnLines() -> some Sequence<String> {
        let unitByID = Dictionary(uniqueKeysWithValues: units.map { ($0.id, $0) })
        func top(_ u: Unit) -> Unit {
            var u = u
            while let p = u.parent, let parent = unitByID[p] { u = parent }
            return u
        }
        func quote(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        let header = Self.siasnColumns.joined(separator: ",")
        return [header].lazy.map { $0 } + people.lazy.map { p -> String in
            let unit = unitByID[p.unit]!
            let opd = top(unit)
            let birth = String(format: "%02d-%02d-%04d", p.birthDate.day, p.birthDate.month, p.birthDate.year)
            let eselon = switch p.jabatanLevel { case "JPT": "II.b"; case "Administrator": "III.a"; case "Pengawas": "IV.a"; default: "" }
            let kind = switch p.jabatanKind { case "struktural": "Struktural"; case "fungsional": "Fungsional Tertentu"; default: "Pelaksana" }
            let fields: [String] = [
                p.name, p.nip, p.gelarDepan ?? "", p.gelarBelakang ?? "", "Kota", birth, p.gender.rawValue, "-", "-",
                "0000000000000000", "-", p.email, "-", "-", "-", p.type.rawValue, "Aktif", p.type.rawValue, "-",
                String(p.nip.dropFirst(8).prefix(6)), "-", p.golongan, p.golongan, "-", "0", "0", kind, p.jabatanName, "-",
                "S1", "-", unit.name, opd.name, eselon,
            ]
            return fields.map(quote).joined(separator: ",")
        }
    }
}
