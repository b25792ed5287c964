/// Follow-ups of final results (DOMAIN.md "Follow-up rules"): the national ones (an improvement plan after
/// poor performance, JF angka kredit from predikat) and each city's from its profile (rewards, coaching,
/// sanctions proposed, training, Makassar's ranking and mentoring, Pematangsiantar's certificate,
/// Banjarbaru's training on the weakest value). Pure: the store reads the results, this decides.
public enum FollowUp {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case reward, coaching, sanction, training
        case improvementPlan = "improvement_plan"
        case reassignment
        case angkaKredit = "angka_kredit"
        case ranking, mentoring, certificate
    }

    /// One employee's final result and what the rules look at.
    public struct Input: Sendable, Equatable {
        public var nip: String
        public var opd: String
        public var unitKind: String
        public var opdKind: String
        public var jabatanKind: String
        public var jabatanName: String
        public var employeeType: String
        public var predikat: Predikat
        public var capaian: Double?
        public var behaviourScore: Double?
        /// The BerAKHLAK value with the lowest mean rating this period, if anyone rated.
        public var weakestValue: Behaviour.Value?

        public init(nip: String, opd: String, unitKind: String, opdKind: String, jabatanKind: String, jabatanName: String,
                    employeeType: String, predikat: Predikat, capaian: Double?, behaviourScore: Double?, weakestValue: Behaviour.Value?) {
            self.nip = nip
            self.opd = opd
            self.unitKind = unitKind
            self.opdKind = opdKind
            self.jabatanKind = jabatanKind
            self.jabatanName = jabatanName
            self.employeeType = employeeType
            self.predikat = predikat
            self.capaian = capaian
            self.behaviourScore = behaviourScore
            self.weakestValue = weakestValue
        }
    }

    /// One follow-up to record: who, what kind, which rule, its particulars and, for a plan, its review date.
    public struct Planned: Sendable, Equatable {
        public var nip: String
        public var kind: Kind
        public var rule: String
        public var detail: [String: String]
        public var due: CivilDate?

        public init(nip: String, kind: Kind, rule: String, detail: [String: String], due: CivilDate?) {
            self.nip = nip
            self.kind = kind
            self.rule = rule
            self.detail = detail
            self.due = due
        }
    }

    /// Poor performance: the predikat that start a 6-month improvement plan.
    public static let needsImprovement: Set<Predikat> = [.butuhPerbaikan, .kurang, .sangatKurang]

    /// JF angka kredit: the percentage of the jenjang's coefficient each predikat earns.
    public static func angkaKreditPercent(_ p: Predikat) -> Int {
        switch p {
        case .sangatBaik: 150
        case .baik: 100
        case .butuhPerbaikan: 75
        case .kurang: 50
        case .sangatKurang: 25
        }
    }

    /// `date` plus `months`, on the same day or the month's last.
    public static func adding(months: Int, to date: CivilDate) -> CivilDate {
        let total = date.year * 12 + (date.month - 1) + months
        let (y, m) = (total / 12, total % 12 + 1)
        return CivilDate(year: y, month: m, day: min(date.day, CivilDate.daysIn(year: y, month: m)))
    }

    /// The TMT CPNS of a NIP (digits 9-14, YYYYMM), if it reads as a month.
    public static func tmt(nip: String) -> (year: Int, month: Int)? {
        let d = Array(nip.utf8)
        guard d.count == 18, let y = Int(String(decoding: d[8..<12], as: UTF8.self)),
              let m = Int(String(decoding: d[12..<14], as: UTF8.self)), (1...12).contains(m) else { return nil }
        return (y, m)
    }

    /// Every follow-up the rules require for these final results of a period ending on `periodEnd`.
    public static func plan(_ results: [Input], rules: TenantProfile.FollowUps, periodEnd: CivilDate) -> [Planned] {
        var out: [Planned] = []
        for r in results {
            for (kind, list) in [(Kind.reward, rules.rewards), (.coaching, rules.coaching), (.sanction, rules.sanctions), (.training, rules.training)] {
                for rule in list where rule.when.contains(r.predikat) {
                    var detail = ["predikat": r.predikat.rawValue]
                    if let minimum = rule.minCapaian {
                        guard let capaian = r.capaian, capaian >= minimum else { continue }
                        detail["capaian"] = Step.format(capaian)
                        detail["minimum"] = Step.format(minimum)
                    }
                    if let note = rule.note { detail["note"] = note }
                    if kind == .sanction { detail["decision"] = "proposed only: the authorised official decides after an examination" }
                    out.append(Planned(nip: r.nip, kind: kind, rule: rule.name, detail: detail, due: nil))
                }
            }
            if needsImprovement.contains(r.predikat) {
                let review = adding(months: rules.improvementMonths, to: periodEnd)
                out.append(Planned(nip: r.nip, kind: .improvementPlan, rule: "Rencana perbaikan kinerja \(rules.improvementMonths) bulan",
                                   detail: ["predikat": r.predikat.rawValue, "review": review.description,
                                            "ifNotImproved": r.employeeType == "PPPK" ? "the PPPK contract is not extended"
                                                : "reassignment to another or a lower post"],
                                   due: review))
            }
            if r.jabatanKind == "fungsional" {
                let pct = angkaKreditPercent(r.predikat)
                out.append(Planned(nip: r.nip, kind: .angkaKredit, rule: "Angka kredit JF \(pct)% x koefisien jenjang",
                                   detail: ["predikat": r.predikat.rawValue, "percent": String(pct), "jabatan": r.jabatanName], due: nil))
            }
            if let c = rules.certificate, !c.name.isEmpty, let capaian = r.capaian, capaian >= c.minCapaian {
                out.append(Planned(nip: r.nip, kind: .certificate, rule: c.name,
                                   detail: ["capaian": Step.format(capaian), "minimum": Step.format(c.minCapaian)], due: nil))
            }
            if rules.trainingFromWeakestValue == true, r.predikat != .sangatBaik, let weakest = r.weakestValue {
                out.append(Planned(nip: r.nip, kind: .training, rule: "Pelatihan nilai \(weakest.rawValue)",
                                   detail: ["value": weakest.rawValue, "why": "the lowest mean rating of the seven BerAKHLAK values this period"],
                                   due: nil))
            }
        }
        if let ranking = rules.ranking, ranking.top > 0 { out += rank(results, ranking) }
        if let mentoring = rules.mentoring, mentoring.newWithinMonths > 0 { out += mentor(results, mentoring, periodEnd: periodEnd) }
        return out
    }

    /// The category an employee falls in: the first with a stated condition that matches (jabatan prefix, jabatan
    /// kind, unit or OPD kind, OPD code), or with no condition at all.
    static func category(_ r: Input, _ categories: [TenantProfile.FollowUps.Ranking.Category]) -> String? {
        categories.first { c in
            let prefix = (c.jabatanPrefix ?? []).contains { r.jabatanName.lowercased().hasPrefix($0.lowercased()) }
            let kind = (c.jabatanKind ?? []).contains(r.jabatanKind)
            let unit = (c.unitKind ?? []).contains(r.unitKind) || (c.unitKind ?? []).contains(r.opdKind)
            let opd = (c.opd ?? []).contains(r.opd)
            let unconditional = (c.jabatanPrefix ?? []).isEmpty && (c.jabatanKind ?? []).isEmpty && (c.unitKind ?? []).isEmpty && (c.opd ?? []).isEmpty
            return prefix || kind || unit || opd || unconditional
        }?.name
    }

    /// The best `top` per category among those with an eligible predikat: by capaian, then behaviour score,
    /// then NIP (so that a tie is decided the same way every time, and says so).
    static func rank(_ results: [Input], _ ranking: TenantProfile.FollowUps.Ranking) -> [Planned] {
        var byCategory: [String: [Input]] = [:]
        for r in results where ranking.predikat.contains(r.predikat) {
            if let c = category(r, ranking.categories) { byCategory[c, default: []].append(r) }
        }
        var out: [Planned] = []
        for c in ranking.categories.map(\.name) {
            let sorted = (byCategory[c] ?? []).sorted {
                ($0.capaian ?? -1, $0.behaviourScore ?? -1, $1.nip) > ($1.capaian ?? -1, $1.behaviourScore ?? -1, $0.nip)
            }
            for (i, r) in sorted.prefix(ranking.top).enumerated() {
                out.append(Planned(nip: r.nip, kind: .ranking, rule: "ASN Berprestasi \(c) peringkat \(i + 1)",
                                   detail: ["category": c, "rank": String(i + 1), "of": String(sorted.count),
                                            "capaian": r.capaian.map(Step.format) ?? "-", "behaviour": r.behaviourScore.map(Step.format) ?? "-",
                                            "incentive": ranking.incentive, "order": "capaian, then 360 score, then NIP"],
                                   due: nil))
            }
        }
        return out
    }

    /// Pairs each new employee with a mentor rated well in the same OPD, spreading mentees evenly (at most
    /// `maxMenteesPerMentor` each); a new employee with no mentor available is recorded as such, not skipped.
    static func mentor(_ results: [Input], _ m: TenantProfile.FollowUps.Mentoring, periodEnd: CivilDate) -> [Planned] {
        let endMonths = periodEnd.year * 12 + periodEnd.month
        func isNew(_ r: Input) -> Bool {
            guard let t = tmt(nip: r.nip) else { return false }
            return endMonths - (t.year * 12 + t.month) <= m.newWithinMonths
        }
        var out: [Planned] = []
        for (opd, people) in Dictionary(grouping: results, by: \.opd).sorted(by: { $0.key < $1.key }) {
            let mentees = people.filter(isNew).sorted { $0.nip < $1.nip }
            guard !mentees.isEmpty else { continue }
            let mentors = people.filter { !isNew($0) && m.mentorPredikat.contains($0.predikat) }
                .sorted { ($0.capaian ?? -1, $1.nip) > ($1.capaian ?? -1, $0.nip) }
            for (i, mentee) in mentees.enumerated() {
                let slot = mentors.isEmpty ? nil : i % mentors.count
                if let slot, i / mentors.count < m.maxMenteesPerMentor {
                    out.append(Planned(nip: mentee.nip, kind: .mentoring, rule: "Mentoring pegawai baru",
                                       detail: ["mentor": mentors[slot].nip, "opd": opd, "mentorPredikat": mentors[slot].predikat.rawValue], due: nil))
                } else {
                    out.append(Planned(nip: mentee.nip, kind: .mentoring, rule: "Mentoring pegawai baru",
                                       detail: ["mentor": "", "opd": opd,
                                                "note": "no senior rated \(m.mentorPredikat.map(\.rawValue).joined(separator: " or ")) with room left in \(opd): HR assigns one"],
                                       due: nil))
                }
            }
        }
        return out
    }
}
