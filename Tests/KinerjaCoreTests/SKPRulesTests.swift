import Foundation
import KinerjaCore
import Testing

/// The SKP rules of DOMAIN.md "SKP structure" and the capaian formula of "Numeric regimes".
@Suite struct SKPRulesTests {
    // MARK: workflow

    /// DOMAIN.md and the issue: the employee (or HR) edits and submits a draft; the atasan (or HR) approves or
    /// returns a submitted SKP; a change to an approved SKP is a new revision (a draft). Written out by hand:
    /// every (action, status) pair that is allowed, and where it leads.
    static let allowed: [String: SKP.Status] = [
        "edit/draft": .draft, "edit/returned": .returned,
        "submit/draft": .submitted, "submit/returned": .submitted,
        "approve/submitted": .approved, "return/submitted": .returned,
        "revise/approved": .draft,
    ]
    static let who: [String: Set<String>] = [
        "edit": ["owner", "hr"], "submit": ["owner", "hr"], "revise": ["owner", "hr"],
        "approve": ["atasan", "hr"], "return": ["atasan", "hr"],
    ]

    @Test(arguments: SKPWorkflow.Action.allCases)
    func everyTransitionByEveryRole(action: SKPWorkflow.Action) {
        for status in SKP.Status.allCases {
            for relation in SKPWorkflow.Relation.allCases {
                let expected = Self.allowed["\(action.rawValue)/\(status.rawValue)"]
                let mayAct = Self.who[action.rawValue]!.contains(relation.rawValue)
                do {
                    let next = try SKPWorkflow.next(action, from: status, by: relation)
                    #expect(mayAct && next == expected, "\(action) from \(status) by \(relation) gave \(next)")
                } catch {
                    if !mayAct {
                        #expect(error == .notAllowed(action: action, relation: relation))
                    } else {
                        #expect(expected == nil, "\(action) from \(status) by \(relation) was refused: \(error)")
                        #expect(error == .wrongStatus(action: action, status: status))
                    }
                }
            }
        }
    }

    @Test func refusalsSayWhoMayAndWhy() {
        #expect(throws: SKPWorkflow.Refusal.notAllowed(action: .approve, relation: .owner)) {
            try SKPWorkflow.next(.approve, from: .submitted, by: .owner)
        }
        let text = SKPWorkflow.Refusal.notAllowed(action: .approve, relation: .owner).description
        #expect(text.contains("atasan or city HR"))
        let state = SKPWorkflow.Refusal.wrongStatus(action: .edit, status: .submitted).description
        #expect(state.contains("submitted") && state.contains("return"))
    }

    // MARK: content

    static func iki(_ d: SKP.Dimension, target: Double? = 10, unit: String? = "dokumen") -> SKP.IKI {
        SKP.IKI(text: "Jumlah dokumen", dimension: d, targetValue: target, targetUnit: unit)
    }

    @Test func contentProblemsNameThePath() {
        let ok = SKP.Content(approach: .kuantitatif, rhk: [SKP.RHK(kind: .utama, text: "RHK", iki: [Self.iki(.kuantitas)])])
        #expect(SKP.problems(ok, jpt: false, requireParents: false).isEmpty)

        // A JPT SKP uses the four perspektif instead of aspects, and the other way round.
        #expect(SKP.problems(ok, jpt: true, requireParents: false).map(\.path) == ["rhk[0].iki[0].dimension"])
        let jpt = SKP.Content(approach: .kuantitatif, rhk: [SKP.RHK(kind: .utama, text: "RHK", iki: [Self.iki(.penerimaLayanan)])])
        #expect(SKP.problems(jpt, jpt: true, requireParents: false).isEmpty)
        #expect(SKP.problems(jpt, jpt: false, requireParents: false).map(\.path) == ["rhk[0].iki[0].dimension"])

        // Cascading is asked for on submission.
        #expect(SKP.problems(ok, jpt: false, requireParents: true).map(\.path) == ["rhk[0].parentKey"])

        // Only tambahan, no IKI, no target, no unit.
        let bad = SKP.Content(approach: .kuantitatif, rhk: [
            SKP.RHK(kind: .tambahan, text: " ", iki: []),
            SKP.RHK(kind: .tambahan, text: "B", iki: [Self.iki(.kuantitas, target: nil, unit: nil)]),
        ])
        #expect(Set(SKP.problems(bad, jpt: false, requireParents: false).map(\.path)) ==
                ["rhk", "rhk[0].text", "rhk[0].iki", "rhk[1].iki[0].targetValue", "rhk[1].iki[0].targetUnit"])

        // Kualitatif: the expectation in words is enough.
        let words = SKP.IKI(text: "Kualitas layanan", dimension: .kualitas, targetNarrative: "Layanan tanpa keluhan")
        let kualitatif = SKP.Content(approach: .kualitatif, rhk: [SKP.RHK(kind: .utama, text: "RHK", iki: [words])])
        #expect(SKP.problems(kualitatif, jpt: false, requireParents: false).isEmpty)
        var silent = kualitatif
        silent.rhk[0].iki[0].targetNarrative = nil
        #expect(SKP.problems(silent, jpt: false, requireParents: false).map(\.path) == ["rhk[0].iki[0].targetNarrative"])

        // A target of 0 only makes sense when lower is better (for example: no audit findings).
        var zero = ok
        zero.rhk[0].iki[0].targetValue = 0
        #expect(SKP.problems(zero, jpt: false, requireParents: false).map(\.path) == ["rhk[0].iki[0].targetValue"])
        zero.rhk[0].iki[0].lowerIsBetter = true
        #expect(SKP.problems(zero, jpt: false, requireParents: false).isEmpty)
    }

    @Test func contentReadsWhatAPersonWrites() throws {
        let json = #"{"approach":"kuantitatif","rhk":[{"kind":"utama","text":"R","iki":[{"text":"I","dimension":"waktu","targetValue":5,"targetUnit":"hari","templateId":"t1"}]}]}"#
        let c = try JSONDecoder().decode(SKP.Content.self, from: Data(json.utf8))
        #expect(c.rhk[0].iki[0].accumulation == .last && c.rhk[0].iki[0].lowerIsBetter == false && c.rhk[0].iki[0].templateID == "t1")
    }

    // MARK: capaian

    /// DOMAIN.md: capaian = realisasi / target x 100; lower is better: (1 + (1 - realisasi / target)) x 100.
    @Test(arguments: [
        // realisasi, target, lower is better, expected capaian
        (45.0, 50.0, false, 90.0),
        (60.0, 50.0, false, 120.0),
        (0.0, 50.0, false, 0.0),
        (4.0, 5.0, true, 120.0),     // 1 + (1 - 0.8) = 1.2
        (6.0, 5.0, true, 80.0),      // 1 + (1 - 1.2) = 0.8
        (5.0, 5.0, true, 100.0),
        (10.0, 5.0, true, 0.0),      // 1 + (1 - 2) = 0
        (12.0, 5.0, true, 0.0),      // -40 by the formula: shown as 0
        (0.0, 0.0, true, 100.0),     // "no findings" met
        (1.0, 0.0, true, 0.0),
    ])
    func capaianOfOneIndicator(r: Double, t: Double, lower: Bool, expected: Double) {
        let c = Capaian.iki(realisasi: r, target: t, lowerIsBetter: lower)
        #expect(c.map { abs($0 - expected) < 1e-9 } == true, "\(r)/\(t) lower=\(lower): \(String(describing: c))")
    }

    /// At a band's edge the figure is the band's: 13.2 of 12, 107.8 of 98 and 52.8 of 48 are 110 exactly (floating
    /// point gave 109.99999999999999, below Di Atas), 9.6 of 12 is 80 (Sesuai).
    @Test(arguments: [(13.2, 12.0, 110.0), (107.8, 98.0, 110.0), (52.8, 48.0, 110.0), (9.6, 12.0, 80.0), (0.7, 0.875, 80.0)])
    func aCapaianAtABandsEdgeIsExact(r: Double, t: Double, expected: Double) {
        #expect(Capaian.iki(realisasi: r, target: t, lowerIsBetter: false) == expected)
    }

    @Test func nothingToCompareIsNotZero() {
        #expect(Capaian.iki(realisasi: nil, target: 10, lowerIsBetter: false) == nil)
        #expect(Capaian.iki(realisasi: 3, target: nil, lowerIsBetter: false) == nil)
        #expect(Capaian.iki(realisasi: 3, target: 0, lowerIsBetter: false) == nil)
    }

    @Test func yearFromPeriods() {
        #expect(Capaian.accumulate([10, 14], .sum) == 24)
        #expect(Capaian.accumulate([6, 4], .last) == 4)
        #expect(Capaian.accumulate([80, 90], .average) == 85)
        #expect(Capaian.accumulate([], .sum) == nil)
    }

    /// Worked by hand. RHK 1 (utama): 24 of 48 documents = 50; a lower-is-better turnaround of 5 days done
    /// in 4 (latest period) = 120; so RHK 1 = (50 + 120) / 2 = 85. RHK 2 (utama): 99 against 90 percent = 110.
    /// RHK 3 (tambahan): 4 of 4 = 100, shown but not in the SKP's figure. SKP = (85 + 110) / 2 = 97.5.
    @Test func capaianOfAnSKP() {
        let docs = SKP.IKI(text: "Dokumen", dimension: .kuantitas, targetValue: 48, targetUnit: "dokumen")
        let days = SKP.IKI(text: "Hari proses", dimension: .waktu, targetValue: 5, targetUnit: "hari", lowerIsBetter: true)
        let rate = SKP.IKI(text: "Tepat waktu", dimension: .waktu, targetValue: 90, targetUnit: "persen")
        let extra = SKP.IKI(text: "Tugas tambahan", dimension: .kuantitas, targetValue: 4, targetUnit: "kegiatan")
        let narrative = SKP.IKI(text: "Kualitas", dimension: .kualitas, targetNarrative: "Baik")
        let c = SKP.Content(approach: .kuantitatif, rhk: [
            SKP.RHK(kind: .utama, text: "R1", iki: [docs, days]),
            SKP.RHK(kind: .utama, text: "R2", iki: [rate, narrative]),
            SKP.RHK(kind: .tambahan, text: "R3", iki: [extra]),
        ])
        let s = Capaian.summary(c, realisasi: [docs.key: [10, 14], days.key: [6, 4], rate.key: [99], extra.key: [4]])
        #expect(s.byIKI[docs.key] == 50)
        #expect(abs(s.byIKI[days.key]! - 120) < 1e-9)
        #expect(abs(s.byRHK[c.rhk[0].key]! - 85) < 1e-9)
        #expect(abs(s.byRHK[c.rhk[1].key]! - 110) < 1e-9)
        #expect(s.byRHK[c.rhk[2].key] == 100)
        #expect(s.byIKI[narrative.key] == nil)
        #expect(abs(s.skp! - 97.5) < 1e-9)
        #expect(Capaian.summary(c, realisasi: [:]).skp == nil)
    }
}
