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
                // Both settled to the millionth; PostgreSQL's numeric and Swift's double may round a half apart by one.
                #expect(abs((e.capaian ?? -1) - (swift ?? -2)) < 1.5e-6, "\(p.nip): SQL \(String(describing: e.capaian)) core \(String(describing: swift))")
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

    /// A run after a correction rewrites the proposals that moved and leaves the others as they were (with the
    /// run that made them); it still counts every proposal standing.
    @Test func aRunAgainRewritesOnlyWhatMoved() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("eval-again", employees: 300)
        let c = TestDatabase.chain(pop)
        let profile = try NationalAdapter().effectiveProfile()
        func runs() async throws -> [String: Int64] {
            try await db.withTenant(city.id) { tx in
                var out: [String: Int64] = [:]
                for try await (nip, run) in try await tx.query("""
                    select nip::text, run_id from evaluations where tenant_id = \(city.id.uuid) and year = 2026 and period_kind = 'annual'
                    """).decode((String, Int64).self) { out[nip] = run }
                return out
            }
        }
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 10, day: 1), actor: "t")
            #expect(try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t").proposed == pop.people.count)
        }
        let first = try await runs()
        // The explanation lists the RHK in key order, whatever order the plan met them in: a run that compared
        // them as they came found proposals "changed" that had not moved (a CI run rewrote 153 of 300).
        let unordered = try await db.withTenant(city.id) { tx in
            var out: [String] = []
            for try await nip in try await tx.query("""
                select nip::text from evaluations where tenant_id = \(city.id.uuid) and year = 2026 and period_kind = 'annual'
                  and (explanation->'capaian'->'rhk'->'keys') is distinct from
                      (select jsonb_agg(k order by k) from jsonb_array_elements_text(explanation->'capaian'->'rhk'->'keys') k)
                """).decode(String.self) { out.append(nip) }
            return out
        }
        #expect(unordered.isEmpty, "RHK not in key order in \(unordered.count) explanations")
        try await db.withTenant(city.id) { tx in
            try await tx.query("update realisasi set value = value * 2 + 1 where tenant_id = \(city.id.uuid) and nip = \(c.staff.nip)")
            #expect(try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t").proposed == pop.people.count)
        }
        let second = try await runs()
        #expect(second.count == pop.people.count)
        #expect(second[c.staff.nip] != first[c.staff.nip], "the corrected employee's proposal is the new run's")
        let moved = second.filter { first[$0.key] != $0.value }.map(\.key)
        #expect(moved == [c.staff.nip], "only the corrected one moved: \(moved.count)")
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
    /// A result refers to an employee; a delete of that employee and the writing of the result, at the same
    /// time, never leave a result about nobody: whichever comes second waits for the first to commit and is
    /// refused (migration 0016: one advisory lock per city instead of a row lock on every employee a run
    /// refers to).
    @Test(arguments: [true, false])
    func aResultAndADeleteOfItsEmployeeAtOnce(writerFirst: Bool) async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("eval-delete-\(writerFirst)", employees: 300)
        // Someone nobody else refers to: no atasan of anyone, no plan, no feedback.
        let leaf = try #require(pop.people.first { p in !pop.people.contains { $0.atasan == p.nip } })
        try await db.withTenant(city.id) { _ = try await $0.openYear(2026, cadence: .quarterly, actor: "t") }
        let write: PostgresQuery = """
            insert into evaluations (tenant_id, year, period_kind, period_seq, nip, explanation, profile_version)
            values (\(city.id.uuid), 2026, 'annual', 0, \(leaf.nip), '{}', 1)
            """
        let delete: PostgresQuery = "delete from employees where nip = \(leaf.nip)"
        // The first holds its transaction open after its statement until the second has started and waited.
        // It notes when its sleep ended, just before its commit: the second, had it not waited, would have ended
        // before that (a bound on the clock failed when this task woke late, on a busy machine).
        let (started, signal) = AsyncStream<Void>.makeStream()
        let clock = ContinuousClock()
        async let first: ContinuousClock.Instant = db.withTenant(city.id) { tx in
            try await tx.query(writerFirst ? write : delete)
            signal.yield()
            try await tx.query("select pg_sleep(1)")
            return clock.now
        }
        for await _ in started { break }
        do {
            try await db.withTenant(city.id) { try await $0.query(writerFirst ? delete : write) }
            Issue.record("the second statement was accepted")
        } catch {
            let expected = writerFirst ? "employee \(leaf.nip) has evaluation results and is kept"
                                       : "employee \(leaf.nip) is not an employee of this city"
            #expect(String(reflecting: error).contains(expected), "\(String(reflecting: error))")
        }
        let secondEnded = clock.now
        #expect(try await first < secondEnded, "the second waited for the first to commit")
        let (employees, results) = try await db.withTenant(city.id) { tx in
            var n = (0, 0)
            for try await x in try await tx.query("""
                select (select count(*)::int from employees where nip = \(leaf.nip)), (select count(*)::int from evaluations where nip = \(leaf.nip))
                """).decode((Int, Int).self) { n = x }
            return n
        }
        #expect(writerFirst ? (employees, results) == (1, 1) : (employees, results) == (0, 0))
    }

    /// A result refers to a period, an employee and a run of this city, whatever writes it (migrations 0013, 0016).
    @Test func aResultRefersToAPeriodAnEmployeeAndARunOfTheCity() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("eval-refs", employees: 300)
        let (_, otherPop) = try await TestDatabase.city("eval-refs-b", employees: 300)
        try await db.withTenant(city.id) { _ = try await $0.openYear(2026, cadence: .quarterly, actor: "t") }
        let nip = pop.people[0].nip
        func insert(year: Int = 2026, nip: String, run: Int64? = nil) async throws {
            try await db.withTenant(city.id) { tx in
                try await tx.query("""
                    insert into evaluations (tenant_id, year, period_kind, period_seq, nip, explanation, profile_version, run_id)
                    values (\(city.id.uuid), \(year), 'annual', 0, \(nip), '{}', 1, \(run))
                    """)
            }
        }
        func refused(_ message: String, _ body: () async throws -> Void) async {
            do { try await body(); Issue.record("accepted; expected: \(message)") } catch {
                #expect(String(reflecting: error).contains(message), "\(String(reflecting: error))")
            }
        }
        await refused("period 2027 annual 0 is not a period of this city") { try await insert(year: 2027, nip: nip) }
        let stranger = try #require(otherPop.people.first { p in !pop.people.contains { $0.nip == p.nip } }).nip
        await refused("employee \(stranger) is not an employee of this city") { try await insert(nip: stranger) }
        await refused("evaluation run 999999999 was not recorded in this city") { try await insert(nip: nip, run: 999_999_999) }
        try await insert(nip: nip)
    }
}
