import KinerjaCore
import Testing

/// The 360 weights of DOMAIN.md: atasan 50 / peer 30 / bawahan 20, peer 50 with no bawahan, a minimum number
/// of peers before they count; and the rating bands that propose a rating from a figure.
@Suite struct BehaviourScoreTests {
    let national = try! ProfileLoader.load(overlay: "{}", source: "national").behaviour360
    let makassar = try! ProfileLoader.load(overlay: """
        behaviour360: { atasan: 60, peer: 40, subordinate: 0, peerWithoutSubordinates: 40, minimumPeers: 3, selfAssessment: true }
        """, source: "makassar-like").behaviour360
    func near(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-9 } ?? false }

    @Test func allThreeSources() throws {
        // 0.5 x 4 + 0.3 x mean(5, 4, 3) + 0.2 x mean(3, 3, 3) = 2 + 1.2 + 0.6 = 3.8
        let s = try #require(Behaviour.score(atasan: 4, peers: [5, 4, 3], bawahan: [3, 3, 3], weights: national))
        #expect(near(s.value, 3.8) && s.weights == [.atasan: 50, .peer: 30, .bawahan: 20] && s.leftOut.isEmpty)
    }

    @Test func noBawahanGivesPeersTheirOtherWeight() throws {
        // 0.5 x 4 + 0.5 x 5 = 4.5
        let s = try #require(Behaviour.score(atasan: 4, peers: [5, 5, 5], bawahan: [], weights: national))
        #expect(near(s.value, 4.5) && s.weights == [.atasan: 50, .peer: 50])
        #expect(Behaviour.rating(s.value, TenantProfile.RatingProposal.national.perilaku) == .diAtasEkspektasi)
    }

    @Test func tooFewPeersDoNotCount() throws {
        let s = try #require(Behaviour.score(atasan: 4, peers: [1, 1], bawahan: [], weights: national))
        #expect(s.value == 4 && s.weights == [.atasan: 100] && s.leftOut == [.peer])
        // Too few peers but enough bawahan: 50 : 20 kept, (50 x 4 + 20 x 2) / 70 = 3.428...
        let b = try #require(Behaviour.score(atasan: 4, peers: [1], bawahan: [2, 2, 2], weights: national))
        #expect(near(b.value, 240.0 / 70) && b.weights == [.atasan: 50, .bawahan: 20])
        #expect(Behaviour.score(atasan: nil, peers: [5, 5, 5], bawahan: [], weights: national) == nil)
    }

    @Test func makassarCountsNoBawahan() throws {
        // Makassar: atasan 60, peer 40, bawahan 0: 0.6 x 3 + 0.4 x 4 = 3.4, whatever the bawahan say.
        let s = try #require(Behaviour.score(atasan: 3, peers: [4, 4, 4], bawahan: [5, 5, 5], weights: makassar))
        #expect(near(s.value, 3.4) && s.weights == [.atasan: 60, .peer: 40])
    }

    @Test(arguments: [(110.0, Rating.diAtasEkspektasi), (109.9, .sesuaiEkspektasi), (80.0, .sesuaiEkspektasi), (79.9, .diBawahEkspektasi)])
    func hasilKerjaBands(capaian: Double, expected: Rating) {
        #expect(Behaviour.rating(capaian, TenantProfile.RatingProposal.national.hasilKerja) == expected)
    }

    /// A score a hair below a band in floating point (a mean of ratings: 2.9999999999999996 for 3, the 109.99…
    /// of 13.2 of 12) is the figure it stands for, as the evaluation reads it.
    @Test func aFigureAHairBelowABandIsTheBand() {
        let bands = TenantProfile.RatingProposal.national
        #expect(Behaviour.rating(2.9999999999999996, bands.perilaku) == .sesuaiEkspektasi)
        #expect(Behaviour.rating(13.2 / 12 * 100, bands.hasilKerja) == .diAtasEkspektasi)
        #expect(Behaviour.rating(2.99999, bands.perilaku) == .diBawahEkspektasi)
    }

    @Test func aProfileWithBandsOutOfOrderIsRefused() {
        #expect(throws: ProfileError.self) {
            try ProfileLoader.load(overlay: "ratingProposal: { hasilKerja: { diAtas: 70, sesuai: 80 } }", source: "t")
        }
        #expect(throws: ProfileError.self) {
            try ProfileLoader.load(overlay: "ratingProposal: { scaleMin: 5, scaleMax: 1 }", source: "t")
        }
    }
}
