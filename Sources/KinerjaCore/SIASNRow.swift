import Synchronization

/// One employee as read from a SIASN-style file, checked and normalised; ready for staging.
public struct SIASNRow: Sendable, Equatable {
    public var line: Int
    public var nip: String
    public var name: String
    public var gelarDepan: String?
    public var gelarBelakang: String?
    public var type: NIP.EmployeeType
    public var jabatanKind: String
    public var jabatanLevel: String?
    public var jabatanName: String
    public var golongan: String?
    public var unitCode: String
    /// Nil when the file gives only the unit's code: an existing unit then keeps its name.
    public var unitName: String?
    public var unitKind: String
    public var parentCode: String?
    public var parentName: String?
    public var atasanNIP: String?
    public var active: Bool
    public var email: String?
    public var birthDate: CivilDate
    public var gender: Gender
}

/// One problem of one row: where, the bad value, and why.
public struct RowError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var line: Int
    public var column: String
    public var value: String
    public var reason: String

    public init(line: Int, column: String, value: String, reason: String) {
        self.line = line
        self.column = column
        self.value = value
        self.reason = reason
    }

    public var description: String { "line \(line), \(column) '\(value)': \(reason)" }
}

/// In line order, then column, value and reason: a total order, so the first problems kept of many are the same
/// whichever order the checks found them in.
extension RowError: Comparable {
    public static func < (a: RowError, b: RowError) -> Bool {
        (a.line, a.column, a.value, a.reason) < (b.line, b.column, b.value, b.reason)
    }
}

/// Every problem found in an input, in line order.
public struct RowErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [RowError]
    public init(_ errors: [RowError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// The columns of a SIASN download that the import uses, found by name (upper case, spaces; other columns
/// are ignored). `NIP ATASAN`, `KODE UNOR`, `KODE UNOR INDUK` and `ESELON` are optional extras.
public struct SIASNColumns: Sendable {
    public static let required = ["NIP", "NAMA", "NAMA JABATAN", "JENIS JABATAN", "NAMA UNOR"]
    public static let optional = ["GELAR DEPAN", "GELAR BELAKANG", "TANGGAL LAHIR", "JENIS KELAMIN", "EMAIL",
                                  "JENIS PEGAWAI", "STATUS CPNS PNS", "KEDUDUKAN HUKUM", "GOL AKHIR", "UNOR INDUK",
                                  "NIP ATASAN", "KODE UNOR", "KODE UNOR INDUK", "ESELON"]

    /// The columns read, in the order of `required` then `optional`: a row finds each by its position in the
    /// file, worked out once from the header rather than by name on every row.
    enum Column: Int, CaseIterable {
        case nip, nama, namaJabatan, jenisJabatan, namaUnor, gelarDepan, gelarBelakang, tanggalLahir, jenisKelamin, email,
             jenisPegawai, statusCPNSPNS, kedudukanHukum, golAkhir, unorInduk, nipAtasan, kodeUnor, kodeUnorInduk, eselon
        static let names = SIASNColumns.required + SIASNColumns.optional
        var name: String { Self.names[rawValue] }
    }

    /// Each column's position in the file (nil: not in the file), by `Column`.
    let at: [Int?]
    /// The columns read, in file order (for checks over every one of them).
    let ordered: [(name: String, index: Int)]
    /// Values that repeat across rows (unit names, jabatan kinds, golongan, dates) are worked out once.
    let memo = Memo()
    public var hasAtasanColumn: Bool { at[Column.nipAtasan.rawValue] != nil }

    /// Which columns of the file the import reads (for ``CSVParser/keep``).
    public var used: [Bool] {
        let wanted = Set(at.compactMap { $0 })
        return (0...(wanted.max() ?? 0)).map { wanted.contains($0) }
    }

    /// Reads the header line; every required column missing is named.
    public init(header: [String]) throws(RowError) {
        var index: [String: Int] = [:]
        for (i, raw) in header.enumerated() {
            let name = raw.trimmingSpaces.uppercased().split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            if index[name] == nil { index[name] = i }
        }
        let missing = Self.required.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw RowError(line: 1, column: missing.joined(separator: ", "), value: "",
                           reason: "required column(s) missing from the header; found: " + header.prefix(40).joined(separator: ", "))
        }
        if (index["KODE UNOR"] == nil) != (index["KODE UNOR INDUK"] == nil) {
            throw RowError(line: 1, column: index["KODE UNOR"] == nil ? "KODE UNOR" : "KODE UNOR INDUK", value: "",
                           reason: "give both KODE UNOR and KODE UNOR INDUK, or neither (units are then matched by name)")
        }
        self.at = Column.allCases.map { index[$0.name] }
        self.ordered = Column.allCases.compactMap { c in index[c.name].map { (name: c.name, index: $0) } }.sorted { $0.index < $1.index }
    }

    /// The field's text, or nil when empty. SIASN downloads write `-` for "no value": that is empty too.
    static func value(_ raw: String) -> String? {
        let v = raw.trimmingSpaces
        return v.isEmpty || v.utf8.allSatisfy({ $0 == UInt8(ascii: "-") }) ? nil : v
    }

    /// Checks and normalises one record; every problem of the row is reported, not just the first.
    public func row(_ record: CSVParser.Record) throws(RowErrors) -> SIASNRow {
        let f = record.fields
        // Each column's value once (trimmed; nil when empty or absent).
        let values = at.map { i in i.flatMap { $0 < f.count ? Self.value(f[$0]) : nil } }
        func value(_ c: Column) -> String? { values[c.rawValue] }
        var errors: [RowError] = []
        func fail(_ column: String, _ value: String?, _ reason: String) {
            errors.append(RowError(line: record.line, column: column, value: value ?? "", reason: reason))
        }
        func required(_ c: Column) -> String {
            guard let v = value(c) else { fail(c.name, nil, "is empty; it is required"); return "" }
            return v
        }

        // Employee type first: the NIP is checked differently for PPPK.
        let typeColumn = value(.jenisPegawai) != nil ? Column.jenisPegawai : .statusCPNSPNS
        let typeText = value(typeColumn)?.uppercased()
        let typeKind = typeText.flatMap { t in memo.text(.type, t) { t.contains("PPPK") ? "PPPK" : t.contains("PNS") ? "PNS" : nil } }
        var type: NIP.EmployeeType = typeKind == "PPPK" ? .pppk : .pns
        if let typeText, typeKind == nil {
            fail(typeColumn.name, typeText, "is neither PNS nor PPPK")
        }

        let nipText = required(.nip)
        var nip: NIP?
        if !nipText.isEmpty {
            do {
                nip = try NIP(nipText, type: type)
            } catch {
                // With no type in the file, a NIP that is valid only as PPPK (a code in digits 9-14) is PPPK.
                if typeText == nil, let pppk = try? NIP(nipText, type: .pppk) {
                    nip = pppk
                    type = .pppk
                } else {
                    fail("NIP", nipText, error.description)
                }
            }
        }
        let name = required(.nama)
        let jabatanName = required(.namaJabatan)
        let kindText = required(.jenisJabatan)
        let kind = memo.text(.jabatanKind, kindText) { Self.jabatanKind(kindText) }
        if kind == nil && !kindText.isEmpty { fail("JENIS JABATAN", kindText, "is not one of: Struktural, Fungsional, Pelaksana") }

        var level: String? = nil
        if let eselon = value(.eselon) {
            level = memo.text(.level, eselon) { Self.level(eselon) }
            if level == nil { fail("ESELON", eselon, "is not an eselon such as II.a, III.b or IV.a") }
            // An eselon ranks a struktural post: on another, the level would plan its SKP as a JPT's or a head's.
            if level != nil, let kind, kind != "struktural" { fail("ESELON", eselon, "is for struktural posts, not \(kind)") }
        }

        var golongan: String? = nil
        if let g = value(.golAkhir) {
            golongan = memo.text(.golongan, g) { Self.golongan(g) }
            if golongan == nil { fail("GOL AKHIR", g, "is not a golongan such as III/a (PNS) or IX (PPPK)") }
        }

        var birth = nip?.birthDate
        if let d = value(.tanggalLahir) {
            if let parsed = memo.date(d) {
                if let fromNIP = nip?.birthDate, fromNIP != parsed {
                    fail("TANGGAL LAHIR", d, "differs from the birth date in the NIP (\(fromNIP))")
                }
                birth = parsed
            } else {
                fail("TANGGAL LAHIR", d, "is not a date dd-mm-yyyy or yyyy-mm-dd")
            }
        }
        var gender = nip?.gender
        if let g = value(.jenisKelamin) {
            if let parsed = Gender(parsing: g) {
                if let fromNIP = nip?.gender, fromNIP != parsed {
                    fail("JENIS KELAMIN", g, "differs from the gender digit of the NIP")
                }
                gender = parsed
            } else {
                fail("JENIS KELAMIN", g, "is not L/P, M/F, laki-laki or perempuan")
            }
        }

        var atasan: String? = nil
        if let a = value(.nipAtasan) {
            do {
                atasan = try NIP(a, type: .pppk).digits
                if atasan == nip?.digits { fail("NIP ATASAN", a, "is the employee's own NIP") }
            } catch { fail("NIP ATASAN", a, error.description) }
        }

        let email = value(.email)
        if let e = email, !(e.utf8.contains(UInt8(ascii: "@")) && !e.utf8.contains(UInt8(ascii: " "))) { fail("EMAIL", e, "is not an e-mail address") }

        let unitName = value(.namaUnor) ?? ""
        let unitCode = value(.kodeUnor) ?? memo.text(.code, unitName) { Self.code(unitName) } ?? ""

        if unitName.isEmpty && value(.kodeUnor) == nil {
            fail("NAMA UNOR", nil, "is empty; it is required")
        } else if unitCode.isEmpty {
            fail("NAMA UNOR", unitName, "has no letters or digits to make a unit code from")
        }
        let parentName = value(.unorInduk)
        var parentCode = value(.kodeUnorInduk) ?? parentName.flatMap { p in memo.text(.code, p) { Self.code(p) } }
        if parentCode?.isEmpty == true { fail("UNOR INDUK", parentName, "has no letters or digits to make a unit code from") }
        if parentCode == unitCode { parentCode = nil }
        // PostgreSQL text cannot hold NUL: name it here rather than fail the whole COPY.
        for (column, i) in ordered where i < f.count && f[i].utf8.contains(0) {
            fail(column, f[i].replacingOccurrences(of: "\0", with: "\\0"), "contains a NUL character")
        }

        // The limits the API holds a record to (openapi.yaml): what a file stores, a put of it gives back.
        for (column, limit) in Self.lengthLimits {
            guard let v = value(column), v.utf8.count > limit else { continue }
            let length = v.unicodeScalars.count
            if length > limit { fail(column.name, v, "has \(length) characters; at most \(limit)") }
        }

        let status = value(.kedudukanHukum)?.uppercased()
        let active = status.map { $0 == "AKTIF" || $0.hasPrefix("AKTIF") } ?? true

        guard errors.isEmpty, let nip, let kind, let birth, let gender else { throw RowErrors(errors) }
        return SIASNRow(
            line: record.line, nip: nip.digits, name: name, gelarDepan: value(.gelarDepan),
            gelarBelakang: value(.gelarBelakang), type: type, jabatanKind: kind, jabatanLevel: level,
            jabatanName: jabatanName, golongan: golongan, unitCode: unitCode, unitName: unitName.isEmpty ? nil : unitName,
            unitKind: Self.unitKind(unitName.isEmpty ? unitCode : unitName, top: parentCode == nil, memo: memo), parentCode: parentCode,
            parentName: parentCode == nil ? nil : parentName, atasanNIP: atasan, active: active,
            email: email, birthDate: birth, gender: gender)
    }

    static func jabatanKind(_ raw: String) -> String? {
        let t = raw.lowercased()
        if t.contains("struktural") { return "struktural" }
        if t.contains("fungsional umum") || t.contains("pelaksana") { return "pelaksana" }
        if t.contains("fungsional") { return "fungsional" }
        return nil
    }

    static func level(_ raw: String) -> String? {
        let t = raw.uppercased().replacingOccurrences(of: " ", with: "")
        if t.hasPrefix("IV") { return "Pengawas" }
        if t.hasPrefix("III") { return "Administrator" }
        if t.hasPrefix("II") || t.hasPrefix("I.") || t == "I" || t.hasPrefix("JPT") { return "JPT" }
        return nil
    }

    static let romans = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII"]

    /// `III/a`, `III/A`, `III-a`, `III a` become `III/a`; PPPK's `IX` stays `IX`.
    static func golongan(_ raw: String) -> String? {
        let t = raw.uppercased().replacingOccurrences(of: " ", with: "/").replacingOccurrences(of: "-", with: "/")
        let parts = t.split(separator: "/")
        guard let roman = parts.first, romans.contains(String(roman)) else { return nil }
        if parts.count == 1 { return String(roman) }
        guard parts.count == 2, ["I", "II", "III", "IV"].contains(String(roman)), parts[1].count == 1,
              let letter = parts[1].first, ("A"..."E").contains(letter) else { return nil }
        return "\(roman)/\(letter.lowercased())"
    }

    /// `dd-mm-yyyy`, `dd/mm/yyyy` or `yyyy-mm-dd`.
    static func date(_ raw: String) -> CivilDate? {
        let parts = raw.split(whereSeparator: { $0 == "-" || $0 == "/" }).map(String.init)
        guard parts.count == 3, let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]) else { return nil }
        let (y, m, d) = parts[0].count == 4 ? (a, b, c) : (c, b, a)
        guard parts[0].count == 4 || parts[2].count == 4, CivilDate.isValid(year: y, month: m, day: d), y >= 1900 else { return nil }
        return CivilDate(year: y, month: m, day: d)
    }

    /// Limits on the text columns, in Unicode scalars (as JSON Schema counts them), as openapi.yaml gives them for
    /// an employee record; a unit's name is not limited, and a golongan is held to its form (at most 9 characters).
    static let lengthLimits: [(Column, Int)] = [
        (.nama, 200), (.gelarDepan, 50), (.gelarBelakang, 50), (.namaJabatan, 300), (.kodeUnor, 80), (.kodeUnorInduk, 80), (.email, 200),
    ]
    public static let maximumLengths: [String: Int] = Dictionary(uniqueKeysWithValues: lengthLimits.map { ($0.0.name, $0.1) })

    /// A unit's code from its name, when the file has no KODE UNOR: upper case, words joined by dashes.
    public static func code(_ name: String) -> String {
        let words = name.uppercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) })
        return String(words.joined(separator: "-").prefix(80))
    }

    static func unitKind(_ name: String, top: Bool, memo: Memo) -> String {
        memo.text(top ? .unitKindTop : .unitKind, name) { unitKind(name, top: top) } ?? "bidang"
    }

    static func unitKind(_ name: String, top: Bool) -> String {
        let t = name.lowercased()
        if t.hasPrefix("kecamatan") { return "kecamatan" }
        if top { return "opd" }
        if t.hasPrefix("kelurahan") { return "kelurahan" }
        if t.contains("puskesmas") { return "puskesmas" }
        if t.hasPrefix("sd ") || t.hasPrefix("smp ") || t.hasPrefix("sma ") || t.hasPrefix("tk ") || t.contains("sekolah") { return "sekolah" }
        if t.hasPrefix("seksi") || t.hasPrefix("subbagian") || t.hasPrefix("sub bagian") || t.hasPrefix("subbidang") { return "seksi" }
        if t.hasPrefix("upt") { return "upt" }
        return "bidang"
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Conversions of values that repeat across a file's rows, each worked out once. Bounded: past `limit`
/// entries a value is converted without being kept.
final class Memo: Sendable {
    enum Kind: UInt8 { case type, jabatanKind, level, golongan, code, unitKind, unitKindTop }
    struct Key: Hashable { var kind: Kind; var text: String }
    static let limit = 50_000
    private let texts = Mutex<[Key: String?]>([:])
    private let dates = Mutex<[String: CivilDate?]>([:])

    func text(_ kind: Kind, _ raw: String, _ compute: () -> String?) -> String? {
        let key = Key(kind: kind, text: raw)
        if let hit = texts.withLock({ $0[key] }) { return hit }
        let value = compute()
        texts.withLock { if $0.count < Self.limit { $0[key] = value } }
        return value
    }

    func date(_ raw: String) -> CivilDate? {
        if let hit = dates.withLock({ $0[raw] }) { return hit }
        let value = SIASNColumns.date(raw)
        dates.withLock { if $0.count < Self.limit { $0[raw] = value } }
        return value
    }
}
