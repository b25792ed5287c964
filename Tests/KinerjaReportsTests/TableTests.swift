import KinerjaReports
import Testing

@Suite struct TableTests {
    let table = Table(columns: ["nip", "name"], rows: [["198503152010011001", "Andi, S.E."], ["2", "Siti \"Ani\""]])

    @Test func csvQuotesWhatNeedsIt() {
        #expect(table.csv() == "nip,name\r\n198503152010011001,\"Andi, S.E.\"\r\n2,\"Siti \"\"Ani\"\"\"\r\n")
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
}
