public import KinerjaCore
import PostgresNIO

extension TenantTransaction {
    /// Closes a demo city's round for a period as HR would by hand: the organisation predikat `organisasi`
    /// for every OPD that has none, every proposal confirmed, an employee nobody rated given Sesuai (with the
    /// reason "demo"), every OPD finalized (a broken curve overridden with the reason "demo data"), then the
    /// follow-ups the rules require. For demo and test cities only: it decides on everyone's behalf.
    public func finalizeDemoRound(year: Int, period: SubPeriod, profile: TenantProfile, organisasi: PredikatOrganisasi = .baik,
                                  actor: String) async throws -> (opds: Int, followUps: Int) {
        try await requireDemoCity("a demo round")
        let hr = SKPActor.hr(actor)
        let opds = try await orgUnits().filter { $0.parentID == nil }.map(\.code)
        let have = Set(try await curve(year: year, period: period, profile: profile).compactMap { $0.predikatOrganisasi == nil ? nil : $0.unitCode })
        let evaluated = Set(try await curve(year: year, period: period, profile: profile).map(\.unitCode))
        guard !evaluated.isEmpty else { throw StoreError.state("no results for \(year) \(period): run 'kinerja-admin evaluate run' first") }
        for code in opds where evaluated.contains(code) && !have.contains(code) && profile.rating.regime == .permenpanrb2022 {
            _ = try await setOrgPredikat(unitCode: code, year: year, period: period, predikat: organisasi, decidedBy: "demo", actor: actor)
        }
        _ = try await confirmProposed(unitCode: nil, year: year, period: period, actor: actor)
        var open: [(String, Bool)] = []
        for try await (nip, head) in try await query("""
            select nip::text, is_head from evaluations where tenant_id = \(tenant.uuid) and year = \(year)
              and period_kind = \(period.kind.rawValue) and period_seq = \(period.sequence) and status = 'proposed'
            """).decode((String, Bool).self) { open.append((nip, head)) }
        for (nip, head) in open {
            _ = try await confirmEvaluation(nip: nip, year: year, period: period, hasil: head ? nil : .sesuaiEkspektasi,
                                            perilaku: .sesuaiEkspektasi, reason: "demo", actor: hr)
        }
        var finalized = 0
        for code in opds where evaluated.contains(code) {
            if try await finalization(of: try await requireOPD(code).id, year: year, period: period) != nil { continue }
            _ = try await finalize(unitCode: code, year: year, period: period, profile: profile, overrideReason: "demo data", actor: hr)
            finalized += 1
        }
        let (added, _) = try await generateFollowUps(year: year, period: period, profile: profile, actor: actor)
        return (finalized, added.values.reduce(0, +))
    }
}
