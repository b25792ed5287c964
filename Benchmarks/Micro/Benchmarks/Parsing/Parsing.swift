import Benchmark
import KinerjaCore

/// The employee import's work outside the database: reading a SIASN download (CSV) and checking each row, as
/// `kinerja-admin import employees` and `POST /v1/imports/employees` do before staging the rows. Its baseline, in
/// the same run: a scan of the same bytes that finds every field and line (quotes honoured) and keeps nothing,
/// the least any CSV reader does. Quote the ratio of the medians. Between them, the parser alone (every column
/// kept) shows how much of the whole is reading CSV and how much checking rows.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, .throughput],
        maxDuration: .seconds(10),
        maxIterations: 50
    )
    let file = SIASNFile.make(rows: SIASNFile.rows)

    Benchmark("SIASN file of \(SIASNFile.rows) rows: read and check each row") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try SIASNFile.readAndCheck(file))
        }
    }

    Benchmark("SIASN file of \(SIASNFile.rows) rows: CSV records only, no row checked") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try SIASNFile.records(file))
        }
    }

    Benchmark("SIASN file of \(SIASNFile.rows) rows: scan for fields and lines (baseline)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(SIASNFile.scan(file))
        }
    }
}

enum SIASNFile {
    static let rows = 10_000
    static let header = "NAMA,NIP,GELAR DEPAN,GELAR BELAKANG,TEMPAT LAHIR,TANGGAL LAHIR,JENIS KELAMIN,AGAMA,JENIS KAWIN,NIK,"
        + "NOMOR HP,EMAIL,ALAMAT,NPWP,BPJS,JENIS PEGAWAI,KEDUDUKAN HUKUM,STATUS CPNS PNS,KARTU ASN VIRTUAL,TMT CPNS,TMT PNS,"
        + "GOL AWAL,GOL AKHIR,TMT GOLONGAN,MK TAHUN,MK BULAN,JENIS JABATAN,NAMA JABATAN,TMT JABATAN,TINGKAT PENDIDIKAN,"
        + "NAMA PENDIDIKAN,NAMA UNOR,UNOR INDUK,ESELON"

    /// A download as SIASN writes it: 20 OPDs of 5 units each; in each unit a struktural head, the rest
    /// fungsional staff; quoted degrees, dates as DD-MM-YYYY.
    static func make(rows: Int) -> [UInt8] {
        var text = header + "\r\n"
        for i in 0..<rows {
            let opd = i % 20, unit = (i / 20) % 5
            let day = 1 + i % 28, month = 1 + i % 12, year = 1965 + i % 35
            let dd = (day < 10 ? "0" : "") + "\(day)", mm = (month < 10 ? "0" : "") + "\(month)"
            let birth = "\(year)\(mm)\(dd)"
            let tmt = "\(year + 23)\(mm)"
            let seq = String(1001 + i % 999).suffix(3)
            let nip = birth + tmt + (i % 2 == 0 ? "1" : "2") + seq
            let head = i < 100  // the first row of each (OPD, unit)
            let opdName = "Dinas \(opd)", unitName = unit == 0 ? opdName : "Bidang \(opd)-\(unit)"
            let fields = [
                "Pegawai \(i)", nip, "", "\"S.Sos., M.Si.\"", "Kota", "\(dd)-\(mm)-\(year)", i % 2 == 0 ? "L" : "P", "-", "-",
                "0000000000000000", "-", "pegawai.\(i)@kota.go.id", "-", "-", "-", "PNS", "Aktif", "PNS", "-", tmt, "-",
                "III/a", "III/b", "-", "0", "0", head ? "Struktural" : "Fungsional Tertentu",
                head ? "Kepala \(unitName)" : "Analis Kebijakan Ahli Muda", "-", "S1", "-", unitName, opdName,
                head ? (unit == 0 ? "II.b" : "III.a") : "",
            ]
            text += fields.joined(separator: ",") + "\r\n"
        }
        return Array(text.utf8)
    }

    /// What the import does before staging: the parser fed 1 MB at a time, keeping the columns read; each row
    /// checked. Answers the rows accepted.
    static func readAndCheck(_ bytes: [UInt8]) throws -> Int {
        var parser = CSVParser()
        var columns: SIASNColumns?
        var accepted = 0
        func take(_ parser: inout CSVParser, _ records: [CSVParser.Record]) throws {
            for record in records {
                guard let cols = columns else {
                    columns = try SIASNColumns(header: record.fields)
                    parser.keep = columns!.used
                    continue
                }
                _ = try cols.row(record)
                accepted += 1
            }
        }
        try feed(bytes, &parser, to: take)
        precondition(accepted == rows, "the generated file reads as \(accepted) rows, not \(rows)")
        return accepted
    }

    /// The parser alone, every column kept: how much of the whole is reading CSV rather than checking rows.
    static func records(_ bytes: [UInt8]) throws -> Int {
        var parser = CSVParser()
        var count = 0
        try feed(bytes, &parser) { _, records in count += records.count }
        return count
    }

    /// The file to `parser` 1 MB at a time, as the import reads it, each batch of records to `take` (which may
    /// set the parser's columns to keep).
    static func feed(_ bytes: [UInt8], _ parser: inout CSVParser,
                     to take: (inout CSVParser, [CSVParser.Record]) throws -> Void) throws {
        var at = 0
        while at < bytes.count {
            let end = min(bytes.count, at + (1 << 20))
            let records = try parser.feed(bytes[at..<end])
            try take(&parser, records)
            at = end
        }
        let last = try parser.finish()
        try take(&parser, last)
    }

    /// Fields and lines, quotes honoured: every byte looked at once, nothing kept.
    static func scan(_ bytes: [UInt8]) -> (fields: Int, lines: Int) {
        var fields = 0, lines = 0, quoted = false
        for b in bytes {
            if b == UInt8(ascii: "\"") { quoted.toggle() }
            else if !quoted && b == UInt8(ascii: ",") { fields += 1 }
            else if !quoted && b == UInt8(ascii: "\n") { lines += 1; fields += 1 }
        }
        return (fields, lines)
    }
}
