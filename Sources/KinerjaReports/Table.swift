/// A table of text cells that renders as aligned columns for a terminal, as CSV, or as JSON records.
public struct Table: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String]]
    /// Columns whose values JSON gives as numbers, and an empty cell as null (a payroll system reading `""`
    /// as a number gets 0).
    public var numeric: Set<String>

    public init(columns: [String], rows: [[String]] = [], numeric: Set<String> = []) {
        self.columns = columns
        self.rows = rows
        self.numeric = numeric
    }

    public enum Format: String, Sendable, CaseIterable {
        case text, csv, json
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .text: text()
        case .csv: csv()
        case .json: json()
        }
    }

    /// Columns padded to their widest cell, two spaces apart.
    public func text() -> String {
        let widths = columns.indices.map { i in ([columns[i]] + rows.map { i < $0.count ? $0[i] : "" }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ")
        }
        return ([line(columns)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// RFC 4180: fields with commas, quotes or line breaks are quoted, quotes doubled; CRLF line ends.
    public func csv() -> String {
        ([columns] + rows).map { $0.map { Self.csvField($0, separator: ",") }.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// One CSV field: quoted, its quotes doubled, when it holds the separator, a quote or a line break of any
    /// kind (CRLF is one Character in Swift, equal to neither "\n" nor "\r": a name holding one went out
    /// unquoted and broke the row in two).
    /// A cell a spreadsheet would run as a formula starts with `'`, which the spreadsheet shows as text (see
    /// ``neutralised(_:)``). A field holding `,` or `;` is quoted whichever the file's separator: a spreadsheet
    /// set up for the other splits on that one, and a name cut in two there could start a formula.
    public static func csvField(_ s: String, separator: String) -> String {
        let s = neutralised(s)
        return s.contains(where: { String($0) == separator || $0 == "," || $0 == ";" || $0 == "\"" || $0.isNewline })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// A cell as a spreadsheet may open it: one starting with `=`, `+`, `-`, `@`, a tab or a carriage return
    /// is a formula to Excel and LibreOffice (OWASP's "CSV injection"), so it gets a leading `'`. Names, jabatan
    /// and unit codes come from SIASN files and integrators, and payroll staff open these files. A negative
    /// number (a minus, then digits with `.` or `,` and an optional `%`: `-1.5`, `-12,5`) is left as it stands,
    /// and so is a lone `-` (the CLI's mark for no value).
    public static func neutralised(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return s }
        if s == "-" || s.wholeMatch(of: /-[0-9][0-9.,]*%?/) != nil { return s }
        return "'" + s
    }

    /// An array of objects keyed by column name: values strings, or in `numeric` columns numbers and null.
    public func json() -> String {
        func quote(_ s: String) -> String {
            var out = "\""
            for ch in s.unicodeScalars {
                switch ch {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where ch.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(ch.value, radix: 16).count) + String(ch.value, radix: 16)
                default: out.unicodeScalars.append(ch)
                }
            }
            return out + "\""
        }
        func value(_ v: String, column: String) -> String {
            guard numeric.contains(column) else { return quote(v) }
            if v.isEmpty { return "null" }
            // A JSON number as it stands: digits, a point, a leading minus (what the CLI's figures are).
            let number = v.wholeMatch(of: /-?(0|[1-9][0-9]*)(\.[0-9]+)?/) != nil
            return number ? v : quote(v)
        }
        let objects = rows.map { row in
            "  {" + columns.enumerated().map { i, c in "\(quote(c)): \(value(i < row.count ? row[i] : "", column: c))" }
                .joined(separator: ", ") + "}"
        }
        return "[\n" + objects.joined(separator: ",\n") + (objects.isEmpty ? "]\n" : "\n]\n")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
