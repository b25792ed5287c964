/// The 360 behaviour score and the proposed ratings (DOMAIN.md "Perilaku kerja", "Ratings and predikat").
public enum Behaviour {
    /// The seven BerAKHLAK core values.
    public enum Value: String, Sendable, Codable, CaseIterable {
        case berorientasiPelayanan = "berorientasi_pelayanan", akuntabel, kompeten, harmonis, loyal, adaptif, kolaboratif
    }

    public enum Source: String, Sendable, Codable, CaseIterable { case atasan, peer, bawahan }

    /// The weighted score of one employee's behaviour from the mean rating of each source, with the steps.
    public struct Score: Sendable, Equatable, Codable {
        public var value: Double
        /// The weight (percent) each source counted with; a source left out is absent.
        public var weights: [Source: Int]
        public var steps: [Step]
        /// Sources that answered but were too few to count (fewer than the profile's minimum).
        public var leftOut: [Source]
    }

    /// Weights from the profile: atasan / peer / bawahan (for example 50 / 30 / 20), and atasan / peer when
    /// there are no bawahan (50 / 50). Peers and bawahan count only when at least `minimumPeers` of them
    /// answered, so that no single rater can be read back from the score; without enough peers either, the
    /// atasan's rating is the score. With bawahan but too few peers (a case the profile has no figure for),
    /// the atasan's and the bawahan's weights keep their ratio (50 : 20). Nil without the atasan's rating.
    public static func score(atasan: Double?, peers: [Double], bawahan: [Double],
                             weights w: TenantProfile.Behaviour360) -> Score? {
        guard let atasan else { return nil }
        let minimum = max(1, w.minimumPeers)
        let peersCount = peers.count >= minimum, bawahanCount = bawahan.count >= minimum && w.subordinate > 0
        var leftOut: [Source] = []
        if !peers.isEmpty && !peersCount { leftOut.append(.peer) }
        if !bawahan.isEmpty && !bawahanCount { leftOut.append(.bawahan) }
        func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
        var weights: [Source: Int]
        switch (peersCount, bawahanCount) {
        case (true, true): weights = [.atasan: w.atasan, .peer: w.peer, .bawahan: w.subordinate]
        case (true, false): weights = [.atasan: w.atasan, .peer: w.peerWithoutSubordinates]
        case (false, true): weights = [.atasan: w.atasan, .bawahan: w.subordinate]
        case (false, false): weights = [.atasan: 100]
        }
        let total = weights.values.reduce(0, +)
        var parts: [String] = []
        var value = 0.0
        var steps: [Step] = [Step("atasan", "the atasan's rating", atasan)]
        for (source, x) in [(Source.atasan, atasan), (.peer, peersCount ? mean(peers) : 0), (.bawahan, bawahanCount ? mean(bawahan) : 0)] {
            guard let weight = weights[source] else { continue }
            if source != .atasan {
                steps.append(Step(source.rawValue, "mean of \(source == .peer ? peers.count : bawahan.count) ratings", x))
            }
            value += x * Double(weight) / Double(total)
            parts.append("\(weight)% x \(Step.format(x))")
        }
        steps.append(Step("perilaku", parts.joined(separator: " + ") + (total == 100 ? "" : " (of \(total))"), value))
        return Score(value: value, weights: weights, steps: steps, leftOut: leftOut)
    }

    /// The proposed rating for a figure and its bands: at or above `diAtas`, Di Atas; at or above `sesuai`,
    /// Sesuai; below, Di Bawah.
    /// Settled to the millionth before the bands, as the evaluation does: 2.9999999999999996, a mean of sevens
    /// in floating point, is the 3 it stands for.
    public static func rating(_ x: Double, _ bands: TenantProfile.RatingProposal.Bands) -> Rating {
        let x = Capaian.settled(x)
        return x >= bands.diAtas ? .diAtasEkspektasi : x >= bands.sesuai ? .sesuaiEkspektasi : .diBawahEkspektasi
    }
}
