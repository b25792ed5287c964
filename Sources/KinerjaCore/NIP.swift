/// Nomor Induk Pegawai: the 18-digit employee number.
///
/// Digits 1-8 are the birth date (YYYYMMDD), 9-14 the TMT CPNS (YYYYMM), 15 the gender
/// (1 male, 2 female), 16-18 a sequence (001-999). PPPK numbers carry a code in digits 9-14,
/// so their month is not checked.
public struct NIP: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 18 digits, without spaces.
    public let digits: String

    public enum EmployeeType: String, Sendable, Codable, CaseIterable {
        case pns = "PNS"
        case pppk = "PPPK"
    }

    /// Which part of a NIP is wrong, with the offending text.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case length(String, count: Int)
        case nonDigit(String)
        case birthDate(String)
        case tmtYear(String)
        case tmtMonth(String)
        case gender(String)
        case sequence(String)

        public var description: String {
            switch self {
            case .length(let raw, let count):
                "NIP '\(raw)' has \(count) digits; a NIP has exactly 18"
            case .nonDigit(let raw):
                "NIP '\(raw)' contains characters other than digits (spaces are allowed between groups)"
            case .birthDate(let part):
                "NIP birth date (digits 1-8) '\(part)' is not a real date YYYYMMDD"
            case .tmtYear(let part):
                "NIP TMT CPNS year (digits 9-12) '\(part)' is not a plausible year"
            case .tmtMonth(let part):
                "NIP TMT CPNS month (digits 13-14) '\(part)' is not a month 01-12"
            case .gender(let part):
                "NIP gender digit (digit 15) '\(part)' must be 1 (male) or 2 (female)"
            case .sequence(let part):
                "NIP sequence (digits 16-18) '\(part)' must be 001-999"
            }
        }
    }

    /// Parses and checks a NIP. Spaces between groups (the display form) are accepted.
    public init(_ raw: String, type: EmployeeType = .pns) throws(Problem) {
        // Byte by byte: the digits are ASCII, and Character's filter and properties were a tenth of an import's CPU.
        var d: [Int] = []
        d.reserveCapacity(18)
        for b in raw.utf8 where b != UInt8(ascii: " ") {
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { throw .nonDigit(raw) }
            d.append(Int(b) - 48)
        }
        guard d.count == 18 else { throw .length(raw, count: d.count) }
        let compact = d.count == raw.utf8.count ? raw : String(decoding: d.map { UInt8($0 + 48) }, as: UTF8.self)
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + d[$1] } }
        func text(_ range: Range<Int>) -> String { String(compact.dropFirst(range.lowerBound).prefix(range.count)) }

        let year = number(0..<4), month = number(4..<6), day = number(6..<8)
        guard CivilDate.isValid(year: year, month: month, day: day), year >= 1900 else { throw .birthDate(text(0..<8)) }
        if type == .pns {
            let tmtYear = number(8..<12), tmtMonth = number(12..<14)
            guard tmtYear >= 1940, tmtYear > year else { throw .tmtYear(text(8..<12)) }
            guard (1...12).contains(tmtMonth) else { throw .tmtMonth(text(12..<14)) }
        }
        guard d[14] == 1 || d[14] == 2 else { throw .gender(text(14..<15)) }
        guard number(15..<18) >= 1 else { throw .sequence(text(15..<18)) }
        self.digits = compact
    }

    /// Wraps digits already checked (for example read back from the database).
    public init(unchecked digits: String) { self.digits = digits }

    public var birthDate: CivilDate {
        CivilDate(year: number(0..<4), month: number(4..<6), day: number(6..<8))
    }
    public var gender: Gender { digits.utf8.dropFirst(14).first == UInt8(ascii: "1") ? .male : .female }

    /// The number the digits in `range` make.
    private func number(_ range: Range<Int>) -> Int {
        digits.utf8.dropFirst(range.lowerBound).prefix(range.count).reduce(0) { $0 * 10 + Int($1) - 48 }
    }
    /// `YYYYMMDD YYYYMM G NNN`.
    public var displayForm: String {
        let c = Array(digits)
        return String(c[0..<8]) + " " + String(c[8..<14]) + " " + String(c[14]) + " " + String(c[15..<18])
    }
    public var description: String { digits }
    public static func < (a: NIP, b: NIP) -> Bool { a.digits < b.digits }
}

/// Jenis kelamin as SIASN writes it.
public enum Gender: String, Sendable, Codable {
    case male = "L"
    case female = "P"

    /// Accepts `L/P`, `M/F` and the words in Indonesian or English, any case.
    public init?(parsing raw: String) {
        switch raw.trimmingSpaces.lowercased() {
        case "l", "m", "laki-laki", "laki laki", "pria", "male": self = .male
        case "p", "f", "perempuan", "wanita", "female": self = .female
        default: return nil
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space.
    var trimmingSpaces: String {
        guard let start = firstIndex(where: { !$0.isWhitespace }), let end = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[start...end])
    }
}

extension String {
    /// The text without leading and trailing white space. Most fields start and end with a printable ASCII
    /// character: then there is nothing to trim and no Unicode work to do.
    var trimmingSpaces: String {
        if let first = utf8.first, let last = utf8.last, (0x21..<0x7F).contains(first), (0x21..<0x7F).contains(last) {
            return self
        }
        return self[...].trimmingSpaces
    }
}
