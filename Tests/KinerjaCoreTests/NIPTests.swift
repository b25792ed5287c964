import KinerjaCore
import Testing

/// NIP rules from DOMAIN.md, "NIP: 18 digits".
@Suite struct NIPTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var raw: String
        var type: NIP.EmployeeType
        var expected: NIP.Problem?
        var why: String
        var testDescription: String { "\(raw) (\(type.rawValue)): \(why)" }
    }

    static let cases: [Case] = [
        .init(raw: "198503152010011001", type: .pns, expected: nil, why: "valid PNS"),
        .init(raw: "19850315 201001 1 001", type: .pns, expected: nil, why: "display form with spaces"),
        .init(raw: "200002292022012999", type: .pns, expected: nil, why: "29 Feb of a leap year, sequence 999"),
        .init(raw: "199001012023212001", type: .pppk, expected: nil, why: "PPPK carries a code in digits 9-14: month 21 not checked"),
        .init(raw: "199001012023212001", type: .pns, expected: .tmtMonth("21"), why: "the same digits are no PNS: month 21"),
        .init(raw: "19850315201001100", type: .pns, expected: .length("19850315201001100", count: 17), why: "17 digits"),
        .init(raw: "1985031520100110011", type: .pns, expected: .length("1985031520100110011", count: 19), why: "19 digits"),
        .init(raw: "19850315201001100A", type: .pns, expected: .nonDigit("19850315201001100A"), why: "a letter"),
        .init(raw: "198502302010011001", type: .pns, expected: .birthDate("19850230"), why: "30 February is no date"),
        .init(raw: "190002292010011001", type: .pns, expected: .birthDate("19000229"), why: "1900 was not a leap year"),
        .init(raw: "198513012010011001", type: .pns, expected: .birthDate("19851301"), why: "month 13 in the birth date"),
        .init(raw: "198503152010131001", type: .pns, expected: .tmtMonth("13"), why: "TMT month 13"),
        .init(raw: "198503152010001001", type: .pns, expected: .tmtMonth("00"), why: "TMT month 00"),
        .init(raw: "198503151980011001", type: .pns, expected: .tmtYear("1980"), why: "TMT CPNS before birth"),
        .init(raw: "198503152010013001", type: .pns, expected: .gender("3"), why: "gender digit 3"),
        .init(raw: "198503152010010001", type: .pns, expected: .gender("0"), why: "gender digit 0"),
        .init(raw: "198503152010011000", type: .pns, expected: .sequence("000"), why: "sequence 000"),
        .init(raw: "198503152010013001", type: .pppk, expected: .gender("3"), why: "PPPK still checks the gender digit"),
        .init(raw: "198502302023211001", type: .pppk, expected: .birthDate("19850230"), why: "PPPK still checks the birth date"),
    ]

    @Test(arguments: cases)
    func validation(_ c: Case) {
        do {
            let nip = try NIP(c.raw, type: c.type)
            #expect(c.expected == nil, "expected \(String(describing: c.expected))")
            #expect(nip.digits == c.raw.filter { $0 != " " })
        } catch {
            #expect(error == c.expected)
        }
    }

    @Test func partsAndDisplayForm() throws {
        let nip = try NIP("198503152010012001")
        #expect(nip.displayForm == "19850315 201001 2 001")
        #expect(nip.birthDate == CivilDate(year: 1985, month: 3, day: 15))
        #expect(nip.gender == .female)
    }

    @Test func messagesNameThePart() {
        #expect(NIP.Problem.tmtMonth("13").description.contains("digits 13-14"))
        #expect(NIP.Problem.gender("3").description.contains("'3'"))
        #expect(NIP.Problem.length("123", count: 3).description.contains("3 digits"))
    }

    @Test(arguments: [("L", Gender.male), ("P", .female), ("M", .male), ("F", .female), ("laki-laki", .male),
                      ("Perempuan", .female), (" l ", .male), ("female", .female)])
    func genderSpellings(_ raw: String, _ expected: Gender) {
        #expect(Gender(parsing: raw) == expected)
    }

    @Test func unknownGender() { #expect(Gender(parsing: "X") == nil) }
}
