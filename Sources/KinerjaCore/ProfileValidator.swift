import Foundation

/// Checks that a decoded profile makes sense: weights add up, percentages lie in 0-100, ids are unique.
enum ProfileValidator {
    static func issues(in p: TenantProfile) -> [ProfileIssue] {
        var out: [ProfileIssue] = []
        func check(_ ok: Bool, _ path: String, _ value: some CustomStringConvertible, _ allowed: String) {
            if !ok { out.append(ProfileIssue(path: path, value: "\(value)", allowed: allowed)) }
        }
        func percent(_ v: Int, _ path: String) { check((0...100).contains(v), path, v, "a percentage 0-100") }
        func percent(_ v: Double, _ path: String) { check((0...100).contains(v), path, v, "a percentage 0-100") }

        check(!p.name.isEmpty, "name", "''", "a non-empty name")
        if let zone = p.timeZone {
            check(TenantProfile.indonesianTimeZones[zone] != nil && TimeZone(identifier: zone) != nil, "timeZone", zone,
                  "one of Indonesia's zones: " + TenantProfile.indonesianTimeZones.keys.sorted().joined(separator: ", "))
        }
        let r = p.rating
        percent(r.skpWeight, "rating.skpWeight")
        percent(r.behaviourWeight, "rating.behaviourWeight")
        check(r.skpWeight + r.behaviourWeight == 100, "rating.behaviourWeight", r.behaviourWeight,
              "skpWeight + behaviourWeight must be 100 (skpWeight is \(r.skpWeight))")

        let rp = p.ratingProposalOrDefault
        check(rp.scaleMin < rp.scaleMax, "ratingProposal.scaleMax", rp.scaleMax, "a number above scaleMin (\(rp.scaleMin))")
        check(rp.hasilKerja.sesuai <= rp.hasilKerja.diAtas, "ratingProposal.hasilKerja.sesuai", rp.hasilKerja.sesuai,
              "at most diAtas (\(rp.hasilKerja.diAtas))")
        check(rp.perilaku.sesuai <= rp.perilaku.diAtas, "ratingProposal.perilaku.sesuai", rp.perilaku.sesuai,
              "at most diAtas (\(rp.perilaku.diAtas))")
        let onScale = { (v: Double) in v >= rp.scaleMin && v <= rp.scaleMax }
        check(onScale(rp.perilaku.diAtas) && onScale(rp.perilaku.sesuai),
              "ratingProposal.perilaku", "\(rp.perilaku.sesuai)-\(rp.perilaku.diAtas)", "thresholds on the scale \(rp.scaleMin)-\(rp.scaleMax)")
        let cr = p.complaintRulesOrDefault
        for (v, k) in [(cr.routingWorkingDays, "routingWorkingDays"), (cr.followUpWorkingDays, "followUpWorkingDays"), (cr.closeAfterDays, "closeAfterDays")] {
            check((1...90).contains(v), "complaints.\(k)", v, "a number of days from 1 to 90")
        }
        for (i, h) in (p.complaints?.holidayDates ?? []).enumerated() { check(CivilDate(iso: h) != nil, "complaints.holidayDates[\(i)]", h, "a date YYYY-MM-DD") }
        for (i, h) in (p.holidayDates ?? []).enumerated() { check(CivilDate(iso: h) != nil, "holidayDates[\(i)]", h, "a date YYYY-MM-DD") }
        if let id = cr.indicator {
            let ids = p.indicators.map(\.id)
            check(ids.contains(id), "complaints.indicator", id,
                  ids.isEmpty ? "an id of the profile's indicators (it lists none)" : "an id of the profile's indicators: " + ids.joined(separator: ", "))
        }
        let days = p.retentionOrDefault.offboardedDays
        check(days >= 0 && days <= 36_500, "retention.offboardedDays", days, "a number of days from 0 to 36500")
        let b = p.behaviour360
        for (v, k) in [(b.atasan, "atasan"), (b.peer, "peer"), (b.subordinate, "subordinate"), (b.peerWithoutSubordinates, "peerWithoutSubordinates")] {
            percent(v, "behaviour360.\(k)")
        }
        check(b.atasan + b.peer + b.subordinate == 100, "behaviour360.subordinate", b.subordinate,
              "atasan + peer + subordinate must be 100 (atasan \(b.atasan), peer \(b.peer))")
        check(b.atasan + b.peerWithoutSubordinates == 100, "behaviour360.peerWithoutSubordinates", b.peerWithoutSubordinates,
              "atasan + peerWithoutSubordinates must be 100 (atasan \(b.atasan))")
        check(b.minimumPeers >= 0, "behaviour360.minimumPeers", b.minimumPeers, "zero or more")

        for (org, rules) in p.distributionCurve.sorted(by: { $0.key < $1.key }) {
            for (i, rule) in rules.enumerated() {
                let at = "distributionCurve.\(org)[\(i)]"
                check(!rule.predikat.isEmpty, "\(at).predikat", "[]", "at least one predikat")
                if let v = rule.minPercent { percent(v, "\(at).minPercent") }
                if let v = rule.maxPercent { percent(v, "\(at).maxPercent") }
                if let v = rule.minCount { check(v >= 0, "\(at).minCount", v, "zero or more") }
                check(rule.minPercent != nil || rule.maxPercent != nil || rule.minCount != nil, at, "a rule with no bound",
                      "minPercent, maxPercent or minCount")
                if let lo = rule.minPercent, let hi = rule.maxPercent {
                    check(lo <= hi, "\(at).minPercent", lo, "at most maxPercent (\(hi))")
                }
            }
        }

        var seen: Set<String> = []
        for (i, t) in p.indicators.enumerated() {
            check(!t.id.isEmpty, "indicators[\(i)].id", "''", "a non-empty id")
            check(seen.insert(t.id).inserted, "indicators[\(i)].id", t.id, "an id not used by another indicator")
            if let target = t.target { check(target > 0, "indicators[\(i)].target", target, "a target above 0") }
        }
        if let v = p.rating.nilaiAt100 { check((100...120).contains(v), "rating.nilaiAt100", v, "100-120") }
        let f = p.followUps
        check((1...24).contains(f.improvementMonths), "followUps.improvementMonths", f.improvementMonths, "1-24 months")
        if let r = f.ranking {
            check(r.top >= 0, "followUps.ranking.top", r.top, "zero (off) or more")
            check(r.top == 0 || !r.categories.isEmpty, "followUps.ranking.categories", "[]", "at least one category when top is above 0")
        }
        if let m = f.mentoring {
            check((0...120).contains(m.newWithinMonths), "followUps.mentoring.newWithinMonths", m.newWithinMonths, "0 (off) to 120 months")
            check(m.maxMenteesPerMentor >= 1, "followUps.mentoring.maxMenteesPerMentor", m.maxMenteesPerMentor, "1 or more")
        }
        if let c = f.certificate { check(c.minCapaian >= 0, "followUps.certificate.minCapaian", c.minCapaian, "0 or more") }
        for (list, rules) in [("rewards", f.rewards), ("coaching", f.coaching), ("sanctions", f.sanctions), ("training", f.training)] {
            for (i, r) in rules.enumerated() {
                if let m = r.minCapaian { check(m >= 0 && m.isFinite, "followUps.\(list)[\(i)].minCapaian", m, "0 or more") }
            }
        }

        let tpp = p.tpp
        percent(tpp.kinerjaPercent, "tpp.kinerjaPercent")
        percent(tpp.disiplinPercent, "tpp.disiplinPercent")
        check(tpp.kinerjaPercent + tpp.disiplinPercent == 100, "tpp.disiplinPercent", tpp.disiplinPercent,
              "kinerjaPercent + disiplinPercent must be 100 (kinerjaPercent is \(tpp.kinerjaPercent))")
        if let cut = tpp.kinerjaCut {
            percent(cut.belowPercent, "tpp.kinerjaCut.belowPercent")
            percent(cut.cutPercent, "tpp.kinerjaCut.cutPercent")
        }
        for (i, d) in tpp.deductions.enumerated() { percent(d.percent, "tpp.deductions[\(i)].percent") }

        var formatIDs: Set<String> = []
        for (i, fmt) in p.reports.formats.enumerated() {
            check(formatIDs.insert(fmt.id).inserted, "reports.formats[\(i)].id", fmt.id, "an id not used by another format")
            check(fmt.id.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } && !fmt.id.isEmpty, "reports.formats[\(i)].id", fmt.id,
                  "lower-case letters, digits and '-' (it is the name in 'report generate NAME' and /v1/reports/NAME)")
            do {
                _ = try ReportDefinition.resolve(fmt, separator: p.reports.csvSeparator)
            } catch {
                out.append(ProfileIssue(path: "reports.formats[\(i)]", value: error.value, allowed: error.allowed))
            }
            for (key, sep) in [("csvSeparator", fmt.csvSeparator)] where sep != nil {
                check(sep!.count == 1 && sep != "\"" && sep != "\n", "reports.formats[\(i)].\(key)", sep!, "one character, not a quote or a line break")
            }
        }
        if let sep = p.reports.csvSeparator {
            check(sep.count == 1 && sep != "\"" && sep != "\n", "reports.csvSeparator", sep, "one character, not a quote or a line break")
        }
        if p.reports.publicAnnualReport {
            check(p.reports.formats.contains { (try? ReportDefinition.resolve($0, separator: nil))?.source == .publicAnnual },
                  "reports.publicAnnualReport", "true", "a report with source publicAnnual among reports.formats")
        }
        return out
    }
}
