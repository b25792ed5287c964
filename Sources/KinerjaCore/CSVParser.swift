/// An incremental CSV reader: feed it bytes as they arrive, take whole records out. Memory stays bounded
/// by the longest record, whatever the file's size. Accepts `,` or `;` (chosen from the header line), a
/// UTF-8 byte order mark, quoted fields with doubled quotes and line breaks, and `\n` or `\r\n` line ends.
public struct CSVParser: Sendable {
    /// One record and the line it starts on (1-based, counting the header as line 1).
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case unterminatedQuote(line: Int)
        case notUTF8(line: Int)
        public var line: Int {
            switch self {
            case .unterminatedQuote(let line), .notUTF8(let line): line
            }
        }
        public var description: String {
            switch self {
            case .unterminatedQuote(let line): "line \(line): a quoted field is never closed"
            case .notUTF8(let line): "line \(line): the text is not UTF-8 (save the file as CSV UTF-8)"
            }
        }
    }

    public private(set) var separator: UInt8?
    /// Columns to turn into text; others come out empty, saving the work for files with many unused
    /// columns. Nil (the default) keeps every column.
    public var keep: [Bool]?
    private var pending: [UInt8] = []
    private var line = 1
    private var started = false

    public init(separator: UInt8? = nil) { self.separator = separator }

    /// Whole records found in the bytes so far; a record cut by the chunk's end waits for the next chunk.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Problem) -> [Record] {
        pending.append(contentsOf: bytes)
        return try drain(final: false)
    }

    /// The last record, if the input did not end with a line break.
    public mutating func finish() throws(Problem) -> [Record] {
        try drain(final: true)
    }

    private mutating func drain(final: Bool) throws(Problem) -> [Record] {
        if !started {
            if pending.count < 3 && !final { return [] }
            if pending.starts(with: [0xEF, 0xBB, 0xBF]) { pending.removeFirst(3) }
            started = true
        }
        if separator == nil {
            // Blank lines before the header say nothing about the separator.
            while let first = pending.first, first == 0x0A || first == 0x0D {
                if first == 0x0A { line += 1 }
                pending.removeFirst()
            }
            guard let end = pending.firstIndex(of: 0x0A) ?? (final ? pending.endIndex : nil) else { return [] }
            let header = pending[..<end]
            separator = header.filter { $0 == 0x3B }.count > header.filter { $0 == 0x2C }.count ? 0x3B : 0x2C
        }
        let sep = separator!
        var records: [Record] = []
        var i = 0
        var consumedUpTo = 0
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var nonBlank = false
        var recordLine = line
        var lineHere = line
        let n = pending.count
        let keep = self.keep
        func text(_ bytes: [UInt8], column: Int) throws(Problem) -> String {
            if let keep, column >= keep.count || !keep[column] { return "" }
            // Decoding repairs bad UTF-8 (with U+FFFD): the bytes come back unchanged only when they were valid.
            // (String(validating:as:) is generic and looked its metadata up for every field.)
            let s = String(decoding: bytes, as: UTF8.self)
            guard s.utf8.elementsEqual(bytes) else { throw .notUTF8(line: recordLine) }
            return s
        }
        while i < n {
            let c = pending[i]
            if inQuotes {
                if c == 0x22 {
                    if i + 1 < n {
                        if pending[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                        inQuotes = false; i += 1; continue
                    } else if final {
                        inQuotes = false; i += 1; continue
                    } else {
                        break  // need the next byte to tell "" from a closing quote
                    }
                }
                if c == 0x0A { lineHere += 1 }
                if c != 0x20 && c != 0x09 { nonBlank = true }
                field.append(c); i += 1
                continue
            }
            switch c {
            case 0x22 where field.isEmpty:
                inQuotes = true; i += 1
            case sep:
                fields.append(try text(field, column: fields.count)); field.removeAll(keepingCapacity: true); i += 1
            case 0x0D where i + 1 < n && pending[i + 1] == 0x0A:
                i += 1
            case 0x0D where i + 1 == n && !final:
                break
            case 0x0A:
                fields.append(try text(field, column: fields.count)); field.removeAll(keepingCapacity: true)
                // Blank lines and lines of separators only (spreadsheets write them) are no records.
                if nonBlank { records.append(Record(line: recordLine, fields: fields)) }
                fields.removeAll(keepingCapacity: true)
                nonBlank = false
                i += 1
                lineHere += 1
                recordLine = lineHere
                consumedUpTo = i
                continue
            default:
                // The run of ordinary bytes up to the next separator or line end, at once (a quote inside an
                // unquoted field is one of them).
                var j = i + 1
                while j < n {
                    let b = pending[j]
                    if b == sep || b == 0x0A || b == 0x0D { break }
                    j += 1
                }
                if !nonBlank { nonBlank = pending[i..<j].contains { $0 != 0x20 && $0 != 0x09 } }
                field.append(contentsOf: pending[i..<j])
                i = j
                continue
            }
            if c == 0x0D && i + 1 == n && !final { break }
        }
        if final {
            if inQuotes { throw .unterminatedQuote(line: recordLine) }
            if !field.isEmpty || !fields.isEmpty {
                fields.append(try text(field, column: fields.count))
                if nonBlank { records.append(Record(line: recordLine, fields: fields)) }
            }
            pending.removeAll()
            line = lineHere
            return records
        }
        pending.removeFirst(consumedUpTo)
        line = recordLine
        return records
    }
}
