import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// The set-based evaluation agrees with the core's own rules on every employee of a demo city, and the
/// atasan's confirmation follows the workflow.
@Suite struct EvaluationStoreTests {
    @Test func setBasedProposalsMatchTheCoreRules() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("eval", employees: 300)
        let c = TestDatabase.chain(pop)
        let profile = try NationalAdapter().effectiveProfile()
        let year = 2026
        let colleagues = pop.people.filter { p in p.jabatanLevel == nil && ![c.staff.nip, c.peer.nip].contains(p.nip) && p.atasan != c.staff.nip }
            .prefix(2).map(\.nip)
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(year, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: year, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 10, day: 1), actor: "t")
            _ = try await tx.assignRaters(year: year, period: .year, profile: profile, actor: "t")
            for nip in [c.peer.nip] + colleagues {
                try await tx.assignPeer(ratee: c.staff.nip, rater: nip, year: year, period: .year, actor: .hr("t"))
            }
            for (rater, x) in [(c.kasi.nip, 4.0), (c.peer.nip, 5.0), (colleagues[0], 4.0), (colleagues[1], 3.0)] {
                try await tx.rate(rater: rater, ratee: c.staff.nip, year: year, period: .year,
                                  scores: Dictionary(uniqueKeysWithValues: Behaviour.Value.allCases.map { ($0, x) }),
                                  ekspektasi: [:], comment: nil, profile: profile)
            }
            let run = try await tx.runEvaluation(year: year, period: .year, profile: profile, profileVersion: 1, actor: "t")
            #expect(run.proposed == pop.people.count && run.withoutSKP == 0)
        }
        // Every employee: the SQL capaian equals the core's, and the proposal follows the bands and the matrix.
        let bands = profile.ratingProposalOrDefault
        try await db.withTenant(city.id) { tx in
            for p in pop.people {
                let e = try #require(try await tx.evaluation(nip: p.nip, year: year, period: .year))
                let swift = try #require(try await tx.skpView(nip: p.nip, year: year)).capaian.skp
                #expect(abs((e.capaian ?? -1) - (swift ?? -2)) < 1e-6, "\(p.nip): SQL \(String(describing: e.capaian)) core \(String(describing: swift))")
                // The head of an OPD (in the demo: no atasan) waits for the organisation's predikat.
                #expect(e.isHead == (p.atasan == nil), "\(p.nip) \(p.jabatanName)")
                #expect(e.proposedHasil == (e.isHead ? nil : swift.map { Behaviour.rating($0, bands.hasilKerja) }))
            }
            // The staff member: 0.5 x 4 + 0.5 x mean(5, 4, 3) = 4 (no bawahan), Sesuai; the matrix gives the predikat.
            let e = try #require(try await tx.evaluation(nip: c.staff.nip, year: year, period: .year))
            let core = try #require(Behaviour.score(atasan: 4, peers: [5, 4, 3], bawahan: [], weights: profile.behaviour360))
            #expect(e.behaviourScore == core.value && core.value == 4)
            #expect(e.proposedPerilaku == .sesuaiEkspektasi)
            #expect(e.predikat == Predikat(hasilKerja: e.proposedHasil!, perilakuKerja: .sesuaiEkspektasi))
            #expect(e.explanation.contains("\"peers\": 3") && !e.explanation.contains(c.peer.nip))
        }
    }

    @Test func theAtasanConfirmsAndAChangeNeedsAReason() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("eval-ok", employees: 300)
        let c = TestDatabase.chain(pop)
        let profile = try NationalAdapter().effectiveProfile()
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 10, day: 1), actor: "t")
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
        }
        func confirm(_ actor: SKPActor, _ h: Rating?, _ p: Rating?, _ reason: String?) async throws -> Evaluation {
            try await db.withTenant(city.id) {
                try await $0.confirmEvaluation(nip: c.staff.nip, year: 2026, period: .year, hasil: h, perilaku: p, reason: reason, actor: actor)
            }
        }
        let kasi = SKPActor.employee(c.kasi.nip, name: "kasi")
        await #expect(throws: StoreError.self) { _ = try await confirm(.employee(c.kabid.nip, name: "kabid"), .sesuaiEkspektasi, .sesuaiEkspektasi, "x") }
        await #expect(throws: StoreError.self) { _ = try await confirm(.employee(c.staff.nip, name: "self"), .sesuaiEkspektasi, .sesuaiEkspektasi, "x") }
        // No 360 yet: no perilaku proposed, so the atasan gives it, with a reason.
        await #expect(throws: StoreError.self) { _ = try await confirm(kasi, nil, nil, nil) }
        await #expect(throws: StoreError.self) { _ = try await confirm(kasi, nil, .diAtasEkspektasi, "  ") }
        let e = try await confirm(kasi, .diAtasEkspektasi, .diAtasEkspektasi, "Inovasi layanan daring")
        #expect(e.status == "confirmed" && e.predikat == .sangatBaik && e.changeReason == "Inovasi layanan daring")
        // A new run leaves a confirmed result as it is.
        try await db.withTenant(city.id) { tx in
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 2, actor: "t")
            let again = try #require(try await tx.evaluation(nip: c.staff.nip, year: 2026, period: .year))
            #expect(again.predikat == .sangatBaik && again.profileVersion == 1)
            let audit = try await tx.query("select count(*) from audit_log where action = 'evaluate.change' and subject = \(c.staff.nip + "/2026/Y")")
            for try await n in audit.decode(Int.self) { #expect(n == 1) }
        }
    }
    /// A result refers to an employee; deleting that employee while the result is being written must wait for
    /// it and then refuse, not leave a result about nobody (migration 0016: one advisory lock instead of a row
    /// lock on every employee a run refers to).
    @Test func anEmployeeDeleteWaitsForAResultBeingWrittenAndIsRefused() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("eval-delete", employees: 300)
        // Someone nobody else refers to: no atasan of anyone, no plan, no feedback.
        let leaf = try #require(pop.people.first { p in !pop.people.contains { $0.atasan == p.nip } })
        try await db.withTenant(city.id) { _ = try await $0.openYear(2026, cadence: .quarterly, actor: "t") }
        async let writer: Void = db.withTenant(city.id) { tx in
            try await tx.query("""
                insert into evaluations (tenant_id, year, period_kind, period_seq, nip, explanation, profile_version)
                values (\(city.id.uuid), 2026, 'annual', 0, \(leaf.nip), '{}', 1)
                """)
            try await tx.query("select pg_sleep(1.5)")
        }
        try await Task.sleep(for: .milliseconds(500))
        let started = ContinuousClock.now
        await #expect(throws: (any Error).self, "the employee has a result") {
            try await db.withTenant(city.id) { try await $0.query("delete from employees where nip = \(leaf.nip)") }
        }
        #expect(ContinuousClock.now - started > .milliseconds(500), "the delete waited for the writer to commit")
        try await writer
        let left = try await db.withTenant(city.id) { tx in
            var n = 0
            for try await x in try await tx.query("select count(*)::int from employees where nip = \(leaf.nip)").decode(Int.self) { n = x }
            return n
        }
        #expect(left == 1)
    }
}
