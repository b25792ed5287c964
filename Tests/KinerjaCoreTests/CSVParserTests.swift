import KinerjaCore
import Testing

@Suite struct CSVParserTests {
    func parse(_ text: String, chunk: Int = 1_000_000) throws -> [CSVParser.Record] {
        var p = CSVParser()
        var out: [CSVParser.Record] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            out += try p.feed(bytes[i..<min(i + chunk, bytes.count)])
            i += chunk
        }
        return out + (try p.finish())
    }

    static let tricky = "\u{FEFF}NIP;NAMA;ALAMAT\r\n198503152010011001;\"Andi; S.E.\";\"Jl. \"\"Mawar\"\"\r\nNo. 5\"\r\n\r\n198503152010012001;Siti;\n"

    @Test(arguments: [1, 2, 3, 7, 64, 1_000_000])
    func bomSemicolonQuotesCRLFAndLineBreaksInFields(chunk: Int) throws {
        let records = try parse(Self.tricky, chunk: chunk)
        #expect(records.map(\.fields) == [
            ["NIP", "NAMA", "ALAMAT"],
            ["198503152010011001", "Andi; S.E.", "Jl. \"Mawar\"\r\nNo. 5"],
            ["198503152010012001", "Siti", ""],
        ])
        #expect(records.map(\.line) == [1, 2, 5], "line numbers count the line break inside the quoted field and the blank line")
    }

    @Test func commaSeparatedWithoutFinalLineBreak() throws {
        #expect(try parse("a,b\n1,\"x,y\"").map(\.fields) == [["a", "b"], ["1", "x,y"]])
    }

    @Test func onlyKeptColumnsBecomeText() throws {
        var p = CSVParser()
        p.keep = [true, false, true]
        let records = try p.feed(Array("a,b,c,d\n1,2,3,4\n".utf8)) + (try p.finish())
        #expect(records.map(\.fields) == [["a", "", "c", ""], ["1", "", "3", ""]])
    }

    @Test func blankAndSeparatorOnlyLinesAreSkipped() throws {
        let records = try parse("\r\n\nNIP;NAMA\n;;\n1;a\n  \n;\n")
        #expect(records.map(\.fields) == [["NIP", "NAMA"], ["1", "a"]])
        #expect(records.map(\.line) == [3, 5], "the semicolon is still found after leading blank lines")
    }

    /// Inside a field that does not open with a quote, a quote and a lone carriage return are text; spaces and
    /// tabs alone do not make a line a record. Any chunking reads the same records.
    @Test(arguments: [1, 2, 3, 5, 1_000_000])
    func quotesAndCarriageReturnsInsideUnquotedFields(chunk: Int) throws {
        let text = "A;B\nsay \"hi\";x\r\na\rb;c\n \t;y\n ; \t\n\"q\";r\r\nJl. Mawar, 5;é ü\n"
        let records = try parse(text, chunk: chunk)
        #expect(records.map(\.fields) == [["A", "B"], ["say \"hi\"", "x"], ["a\rb", "c"], [" \t", "y"], ["q", "r"], ["Jl. Mawar, 5", "é ü"]])
        #expect(records.map(\.line) == [1, 2, 3, 4, 6, 7])
    }

    /// Bytes that are not UTF-8 are refused wherever they sit in a field, and a character cut by a chunk's end
    /// is not (it is whole once the next chunk comes).
    @Test(arguments: [1, 2, 1_000_000])
    func utf8IsCheckedPerFieldNotPerChunk(chunk: Int) throws {
        #expect(try parse("a;b\nsé;è\n", chunk: chunk).map(\.fields) == [["a", "b"], ["sé", "è"]])
        for bad: [UInt8] in [[0xC3], [0x61, 0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x90, 0x80, 0x61], [0xED, 0xA0, 0x80]] {
            var p = CSVParser()
            #expect(throws: CSVParser.Problem.notUTF8(line: 2), "\(bad)") {
                _ = try p.feed(Array("a;b\n1;".utf8) + bad + [0x0A])
            }
        }
    }

    @Test func unterminatedQuoteIsReportedWithItsLine() {
        #expect(throws: CSVParser.Problem.unterminatedQuote(line: 2)) { try parse("a,b\n1,\"open\n") }
    }

    @Test func notUTF8() {
        var p = CSVParser()
        #expect(throws: CSVParser.Problem.notUTF8(line: 2)) {
            _ = try p.feed(Array("a,b\n".utf8) + [0x31, 0x2C, 0xFF, 0x0A])
        }
    }
}
