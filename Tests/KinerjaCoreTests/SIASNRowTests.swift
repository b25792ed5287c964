import KinerjaCore
import Testing

/// The SIASN download as DOMAIN.md describes it: columns by name, dates dd-mm-yyyy or yyyy-mm-dd,
/// golongan III/a or III/A, gender L/P, M/F or words.
@Suite struct SIASNRowTests {
    static let header = ["NAMA", "NIP", "GELAR DEPAN", "GELAR BELAKANG", "TANGGAL LAHIR", "JENIS KELAMIN", "NIK",
                         "JENIS PEGAWAI", "KEDUDUKAN HUKUM", "GOL AKHIR", "JENIS JABATAN", "NAMA JABATAN", "NAMA UNOR", "UNOR INDUK", "EMAIL",
                         "ESELON"]
    let columns = try! SIASNColumns(header: Self.header)

    func record(_ values: [String: String], line: Int = 2) -> CSVParser.Record {
        let base: [String: String] = [
            "NAMA": "Andi Saputra", "NIP": "198503152010011001", "TANGGAL LAHIR": "15-03-1985", "JENIS KELAMIN": "L",
            "NIK": "7371000000000001", "JENIS PEGAWAI": "PNS", "KEDUDUKAN HUKUM": "Aktif", "GOL AKHIR": "III/C",
            "JENIS JABATAN": "Fungsional Tertentu", "NAMA JABATAN": "Guru Ahli Muda", "NAMA UNOR": "SD Negeri 1 Makassar",
            "UNOR INDUK": "Dinas Pendidikan", "EMAIL": "andi@makassar.go.id",
        ]
        let merged = base.merging(values) { $1 }
        return CSVParser.Record(line: line, fields: Self.header.map { merged[$0] ?? "" })
    }

    /// A NUL in any column the import reads is a row error naming the column (it used to reach COPY, which
    /// refused the whole file with an internal error, for every column but four).
    @Test(arguments: ["EMAIL", "GELAR DEPAN", "NAMA"])
    func aNulIsARowError(_ column: String) {
        let value = column == "EMAIL" ? "andi\0@makassar.go.id" : "A\0B"
        #expect {
            _ = try columns.row(record([column: value]))
        } throws: { error in
            (error as? RowErrors)?.errors.contains { $0.column == column && $0.reason.contains("NUL") } == true
        }
    }

    @Test func aGoodRowIsNormalised() throws {
        let r = try columns.row(record([:]))
        #expect(r.nip == "198503152010011001" && r.type == .pns && r.active)
        #expect(r.golongan == "III/c")
        #expect(r.jabatanKind == "fungsional")
        #expect(r.birthDate == CivilDate(year: 1985, month: 3, day: 15) && r.gender == .male)
        #expect(r.unitCode == "SD-NEGERI-1-MAKASSAR" && r.unitKind == "sekolah")
        #expect(r.parentCode == "DINAS-PENDIDIKAN" && r.parentName == "Dinas Pendidikan")
    }

    @Test(arguments: [
        (["TANGGAL LAHIR": "1985-03-15"], "iso date"),
        (["JENIS KELAMIN": "Laki-laki"], "gender in words"),
        (["JENIS KELAMIN": "M"], "gender M"),
        (["GOL AKHIR": "III/c"], "golongan lower case"),
        (["GOL AKHIR": "III-C"], "golongan with a dash"),
        (["JENIS JABATAN": "Struktural"], "struktural"),
        (["JENIS JABATAN": "Struktural", "ESELON": "IV.a"], "a struktural post with its eselon"),
        (["ESELON": "-"], "no eselon, written as SIASN writes it"),
        // Limits count characters (Unicode scalars, as the API's schema does), not bytes: 200 of two bytes each.
        (["NAMA": String(repeating: "é", count: 200)], "a name of 200 characters"),
        (["GELAR BELAKANG": String(repeating: "S", count: 50)], "a gelar of 50 characters"),
    ])
    func acceptedSpellings(_ values: [String: String], _ why: String) throws {
        _ = try columns.row(record(values))
    }

    @Test(arguments: [
        (["NIP": "19850315201001100"], "NIP", "18"),
        (["NIP": "198503152010131001"], "NIP", "digits 13-14"),
        (["NIP": "198503152010013001"], "NIP", "digit 15"),
        (["TANGGAL LAHIR": "16-03-1985"], "TANGGAL LAHIR", "differs from the birth date"),
        (["TANGGAL LAHIR": "31-02-1985"], "TANGGAL LAHIR", "not a date"),
        (["JENIS KELAMIN": "P"], "JENIS KELAMIN", "differs"),
        (["JENIS KELAMIN": "X"], "JENIS KELAMIN", "L/P"),
        (["GOL AKHIR": "III/z"], "GOL AKHIR", "golongan"),
        (["JENIS JABATAN": "Honorer"], "JENIS JABATAN", "Struktural"),
        (["NAMA": ""], "NAMA", "required"),
        (["NAMA UNOR": ""], "NAMA UNOR", "required"),
        (["EMAIL": "andi at makassar"], "EMAIL", "e-mail"),
        (["JENIS PEGAWAI": "HONORER"], "JENIS PEGAWAI", "PNS nor PPPK"),
        // An eselon ranks struktural posts only.
        (["ESELON": "III.a"], "ESELON", "is for struktural posts, not fungsional"),
        (["JENIS JABATAN": "Pelaksana", "ESELON": "IV.b"], "ESELON", "is for struktural posts, not pelaksana"),
        // The limits of an employee record in openapi.yaml: a stored employee can be put back as GET gives it.
        (["NAMA": String(repeating: "é", count: 201)], "NAMA", "has 201 characters; at most 200"),
        (["GELAR DEPAN": String(repeating: "D", count: 51)], "GELAR DEPAN", "at most 50"),
        (["NAMA JABATAN": String(repeating: "Guru ", count: 60) + "Ahli"], "NAMA JABATAN", "at most 300"),
        (["EMAIL": String(repeating: "a", count: 190) + "@makassar.go.id"], "EMAIL", "at most 200"),
    ])
    func refusedNamingColumnValueAndReason(_ values: [String: String], _ column: String, _ reason: String) {
        do {
            _ = try columns.row(record(values, line: 7))
            Issue.record("accepted \(values)")
        } catch {
            let e = error.errors.first { $0.column == column }
            #expect(e?.line == 7)
            #expect(e?.reason.contains(reason) == true, "\(error.errors)")
            if let bad = values[column], !bad.isEmpty { #expect(e?.value == bad) }
        }
    }

    @Test func everyProblemOfARowIsReported() {
        do {
            _ = try columns.row(record(["NIP": "1985031520100110XX", "GOL AKHIR": "Z", "EMAIL": "x"]))
        } catch {
            #expect(Set(error.errors.map(\.column)) == ["NIP", "GOL AKHIR", "EMAIL"])
        }
    }

    @Test func pppkNIPCarriesACode() throws {
        let r = try columns.row(record(["NIP": "199001012023212001", "JENIS PEGAWAI": "PPPK", "GOL AKHIR": "IX",
                                        "TANGGAL LAHIR": "01-01-1990", "JENIS KELAMIN": "P"]))
        #expect(r.type == .pppk && r.golongan == "IX")
    }

    @Test func dashMeansNoValue() throws {
        let r = try columns.row(record(["GOL AKHIR": "-", "EMAIL": "-", "TANGGAL LAHIR": "-", "GELAR DEPAN": "-"]))
        #expect(r.golongan == nil && r.email == nil && r.gelarDepan == nil)
        #expect(r.birthDate == CivilDate(year: 1985, month: 3, day: 15), "from the NIP")
    }

    @Test func withoutATypeColumnAPPPKNumberIsPPPK() throws {
        let cols = try SIASNColumns(header: ["NIP", "NAMA", "NAMA JABATAN", "JENIS JABATAN", "NAMA UNOR"])
        let r = try cols.row(CSVParser.Record(line: 2, fields: ["199001012023212001", "Rina", "Guru", "Fungsional", "SD 1"]))
        #expect(r.type == .pppk)
        #expect(throws: RowErrors.self) {
            try cols.row(CSVParser.Record(line: 2, fields: ["199001012023213001", "Rina", "Guru", "Fungsional", "SD 1"]))
        }
    }

    @Test func aUnitNameWithoutLettersOrDigitsIsRefused() {
        #expect(throws: RowErrors.self) { try columns.row(record(["NAMA UNOR": "!!!"])) }
    }

    @Test func unitCodesComeInPairs() {
        #expect(throws: RowError.self) {
            try SIASNColumns(header: ["NIP", "NAMA", "NAMA JABATAN", "JENIS JABATAN", "NAMA UNOR", "KODE UNOR"])
        }
    }

    @Test func inactiveUnlessAktif() throws {
        #expect(try columns.row(record(["KEDUDUKAN HUKUM": "Pensiun"])).active == false)
    }

    @Test func missingRequiredColumnsAreNamed() {
        #expect(throws: RowError.self) { try SIASNColumns(header: ["NAMA", "NIP"]) }
        do { _ = try SIASNColumns(header: ["nama", " nip ", "NAMA JABATAN"]) } catch {
            #expect(error.column == "JENIS JABATAN, NAMA UNOR")
        }
    }
}
