import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// The round after the proposals: the head's rule, the organisation predikat, the curve, calibration,
/// finalizing and locking, reopening, and the what-if that writes nothing.
@Suite struct EvaluationRoundTests {
    let profile = try! NationalAdapter().effectiveProfile()

    /// A demo city with plans, realisasi, 360 answers and proposals for 2026; the chain and its OPD's code.
    func evaluatedCity(_ label: String) async throws -> (Tenant, DemoPopulation, (kepala: DemoPopulation.Person, kabid: DemoPopulation.Person,
            kasi: DemoPopulation.Person, staff: DemoPopulation.Person, peer: DemoPopulation.Person), String) {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city(label, employees: 300)
        let c = TestDatabase.chain(pop)
        let opd = try #require(pop.units.first { $0.id == c.kepala.unit && $0.parent == nil }).code
        try await db.withTenant(city.id) { [profile] tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 10, day: 1), actor: "t")
            _ = try await tx.seedBehaviour(year: 2026, period: .year, profile: profile, actor: "t")
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
        }
        return (city, pop, c, opd)
    }

    /// Results go to SIASN once final (DOMAIN.md): the export holds the final results of the period only, each
    /// with its ratings, predikat and the pejabat penilai of the SKP it was computed from.
    @Test func theSIASNExportHoldsFinalResultsWithTheirAppraiser() async throws {
        let db = try await TestDatabase.app()
        let (city, _, c, opd) = try await evaluatedCity("siasn")
        let data = TenantReportData(database: db, tenant: city.id, profile: profile)
        let year = ReportScope(year: 2026, period: "Y")
        #expect(try await data.rows(.siasnResults, scope: year).isEmpty, "nothing final yet: nothing for SIASN")
        // Every OPD's results final: all of them, and one OPD's when asked.
        _ = try await db.withTenant(city.id) { [profile] tx in
            try await tx.finalizeDemoRound(year: 2026, period: .year, profile: profile, actor: "t")
        }
        let rows = try await data.rows(.siasnResults, scope: year)
        let ofOPD = try await data.rows(.siasnResults, scope: ReportScope(year: 2026, period: "Y", opd: opd))
        #expect(!ofOPD.isEmpty && ofOPD.count < rows.count && ofOPD.allSatisfy { $0["opd"] == .text(opd) })
        let expected = try await db.withTenant(city.id) { tx -> [String: String?] in
            var out: [String: String?] = [:]
            for try await (nip, atasan) in try await tx.query("""
                select e.nip, k.atasan_nip from evaluations e
                join skp k on k.tenant_id = e.tenant_id and k.nip = e.nip and k.year = e.year and k.revision = e.skp_revision
                where e.tenant_id = \(city.id.uuid) and e.year = 2026 and e.period_kind = 'annual' and e.status = 'final'
                """).decode((String, String?).self) { out[nip] = atasan }
            return out
        }
        #expect(!rows.isEmpty && rows.count == expected.count)
        for r in rows {
            guard case .text(let nip) = r["nip"] else { Issue.record("a row without its NIP"); continue }
            #expect(r["nipPenilai"] == ReportValue(expected[nip] ?? nil), "\(nip)")
            #expect(r["predikat"] != ReportValue.none && r["ratingHasil"] != ReportValue.none && r["ratingPerilaku"] != ReportValue.none)
            #expect(r["periode"] == .text("Y") && r["tahun"] == .integer(2026) && r["ditetapkan"] != ReportValue.none)
        }
        let kasi = try #require(rows.first { $0["nip"] == .text(c.staff.nip) })
        #expect(kasi["nipPenilai"] == .text(c.kasi.nip), "the staff member's appraiser is their kasi")
    }

    /// Banjarbaru assesses once a year (DOMAIN.md): realisasi still comes by the quarter, but neither a round of
    /// feedback, nor an evaluation, nor a what-if runs for a quarter; the year evaluates as anywhere else.
    @Test func anAnnualOnlyCityEvaluatesTheYearAlone() async throws {
        let db = try await TestDatabase.app()
        let banjarbaru = try #require(AdapterRegistry.named("banjarbaru")).effectiveProfile()
        #expect(banjarbaru.periods.evaluation == .annual && banjarbaru.periods.cadence == .quarterly)
        #expect(profile.periods.evaluates(.quarterly) && !banjarbaru.periods.evaluates(.quarterly) && banjarbaru.periods.evaluates(.annual))
        let (city, _) = try await TestDatabase.city("round-annual", employees: 60, profile: banjarbaru)
        try await db.withTenant(city.id) { tx in
            #expect(try await tx.openYear(2026, cadence: banjarbaru.periods.cadence, actor: "t").count == 5)
            _ = try await tx.seedSKPs(year: 2026, profile: banjarbaru, realisasiUntil: CivilDate(year: 2026, month: 10, day: 1), actor: "t")
        }
        let q2 = SubPeriod(kind: .quarterly, sequence: 2)
        let refusals: [(String, @Sendable (TenantTransaction) async throws -> Void)] = [
            ("evaluate", { _ = try await $0.runEvaluation(year: 2026, period: q2, profile: banjarbaru, profileVersion: 1, actor: "t") }),
            ("feedback", { _ = try await $0.assignRaters(year: 2026, period: q2, profile: banjarbaru, actor: "t") }),
            ("what-if", { [profile] in _ = try await $0.whatIf(year: 2026, period: q2, current: profile, other: banjarbaru) }),
        ]
        for (what, work) in refusals {
            await #expect("\(what)", performing: { try await db.withTenant(city.id) { try await work($0) } }, throws: { error in
                "\(error)".contains("period Q2 is not evaluated in this city: it evaluates Y only")
            })
        }
        try await db.withTenant(city.id) { tx in
            for table in ["evaluations", "behaviour_raters", "evaluation_runs"] {
                for try await n in try await tx.query(PostgresQuery(unsafeSQL: "select count(*)::int from \(table)")).decode(Int.self) {
                    #expect(n == 0, "\(table)")
                }
            }
            #expect(try await tx.assignRaters(year: 2026, period: .year, profile: banjarbaru, actor: "t") > 0)
            #expect(try await tx.runEvaluation(year: 2026, period: .year, profile: banjarbaru, profileVersion: 1, actor: "t").proposed > 0)
        }
    }

    @Test func theHeadTakesTheOrganisationsPredikatAsRatingHasilKerja() async throws {
        let db = try await TestDatabase.app()
        let (city, pop, c, opd) = try await evaluatedCity("round-head")
        try await db.withTenant(city.id) { [profile] tx in
            let before = try #require(try await tx.evaluation(nip: c.kepala.nip, year: 2026, period: .year))
            #expect(before.isHead && before.proposedHasil == nil && before.predikat == nil)
            // No rating hasil kerja for the head before the organisation's predikat, from anyone.
            await #expect(throws: StoreError.self) {
                _ = try await tx.confirmEvaluation(nip: c.kepala.nip, year: 2026, period: .year, hasil: .diAtasEkspektasi,
                                                   perilaku: .sesuaiEkspektasi, reason: "x", actor: .hr("t"))
            }
            #expect(try await tx.evaluation(nip: c.kabid.nip, year: 2026, period: .year)?.isHead == false)
            let kabid = try await tx.evaluation(nip: c.kabid.nip, year: 2026, period: .year)
            // The table of PermenPANRB 6/2022: Istimewa -> Di Atas, Baik -> Sesuai, lower -> Di Bawah.
            for (org, hasil) in [(PredikatOrganisasi.kurang, Rating.diBawahEkspektasi), (.sangatKurang, .diBawahEkspektasi),
                                 (.butuhPerbaikan, .diBawahEkspektasi), (.baik, .sesuaiEkspektasi), (.istimewa, .diAtasEkspektasi)] {
                #expect(try await tx.setOrgPredikat(unitCode: opd, year: 2026, period: .year, predikat: org, decidedBy: "Wali Kota", actor: "t") == 1)
                let head = try #require(try await tx.evaluation(nip: c.kepala.nip, year: 2026, period: .year))
                #expect(head.proposedHasil == hasil && head.ratingHasil == hasil, "\(org)")
                #expect(head.predikat == nil, "no atasan rates the kepala's behaviour in the demo")
                #expect(head.explanation.contains(org.rawValue))
            }
            // Nor one other than the organisation's, at confirmation or calibration.
            await #expect(throws: StoreError.self) {
                _ = try await tx.confirmEvaluation(nip: c.kepala.nip, year: 2026, period: .year, hasil: .sesuaiEkspektasi,
                                                   perilaku: .sesuaiEkspektasi, reason: "x", actor: .hr("t"))
            }
            await #expect(throws: StoreError.self) {
                _ = try await tx.calibrate(nip: c.kepala.nip, year: 2026, period: .year, hasil: .diBawahEkspektasi, perilaku: nil,
                                           reason: "x", actor: .hr("t"))
            }
            // A confirmed head follows a changed organisation predikat too.
            let confirmed = try await tx.confirmEvaluation(nip: c.kepala.nip, year: 2026, period: .year, hasil: nil, perilaku: .sesuaiEkspektasi,
                                                           reason: "rated by the Wali Kota", actor: .hr("t"))
            #expect(confirmed.ratingHasil == .diAtasEkspektasi && confirmed.predikat == .baik)
            try await tx.setOrgPredikat(unitCode: opd, year: 2026, period: .year, predikat: .kurang, decidedBy: nil, actor: "t")
            let after = try #require(try await tx.evaluation(nip: c.kepala.nip, year: 2026, period: .year))
            #expect(after.status == "confirmed" && after.ratingHasil == .diBawahEkspektasi && after.predikat == .butuhPerbaikan)
            try await tx.setOrgPredikat(unitCode: opd, year: 2026, period: .year, predikat: .istimewa, decidedBy: nil, actor: "t")
            // Others in the OPD keep their own capaian-based proposal; a run again keeps the head's rule.
            #expect(try await tx.evaluation(nip: c.kabid.nip, year: 2026, period: .year) == kabid)
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
            #expect(try await tx.evaluation(nip: c.kepala.nip, year: 2026, period: .year)?.proposedHasil == .diAtasEkspektasi)
            // Only an OPD has an organisation predikat.
            let below = try #require(pop.units.first { $0.parent != nil }).code
            await #expect(throws: StoreError.self) {
                try await tx.setOrgPredikat(unitCode: below, year: 2026, period: .year, predikat: .baik, decidedBy: nil, actor: "t")
            }
            await #expect(throws: StoreError.notFound(what: "org unit", key: "NO-SUCH")) {
                try await tx.setOrgPredikat(unitCode: "NO-SUCH", year: 2026, period: .year, predikat: .baik, decidedBy: nil, actor: "t")
            }
        }
    }

    @Test func finalizeRefusesABrokenCurveLocksTheResultsAndReopenIsAudited() async throws {
        let db = try await TestDatabase.app()
        let (city, _, c, opd) = try await evaluatedCity("round-final")
        let hr = SKPActor.hr("bkpsdm")
        let profile = profile
        func state(_ body: @escaping @Sendable (TenantTransaction) async throws -> Void) async throws -> String {
            do {
                try await db.withTenant(city.id) { try await body($0) }
            } catch let StoreError.state(message) {
                return message
            }
            Issue.record("no state error")
            return ""
        }
        // No organisation predikat yet.
        let noOrg = try await state { _ = try await $0.finalize(unitCode: opd, year: 2026, period: .year, profile: profile, overrideReason: nil, actor: hr) }
        #expect(noOrg.contains("no predikat kinerja organisasi"))
        try await db.withTenant(city.id) {
            try await $0.setOrgPredikat(unitCode: opd, year: 2026, period: .year, predikat: .sangatKurang, decidedBy: "Wali Kota", actor: "t")
        }
        // Unconfirmed results (the head has no perilaku; the rest not confirmed yet).
        let unconfirmed = try await state { _ = try await $0.finalize(unitCode: opd, year: 2026, period: .year, profile: profile, overrideReason: nil, actor: hr) }
        #expect(unconfirmed.contains("not confirmed"))
        try await db.withTenant(city.id) { tx in
            let (confirmed, unrated) = try await tx.confirmProposed(unitCode: opd, year: 2026, period: .year, actor: "bkpsdm")
            #expect(confirmed > 0 && unrated == 1)
            _ = try await tx.confirmEvaluation(nip: c.kepala.nip, year: 2026, period: .year, hasil: nil, perilaku: .sesuaiEkspektasi,
                                               reason: "rated by the Wali Kota", actor: hr)
        }
        // Sangat Kurang wants at least 60% Sangat Kurang: broken, and the message names the rule.
        let curves = try await db.withTenant(city.id) { try await $0.curve(year: 2026, period: .year, profile: profile, unitCode: opd) }
        let standing = try #require(curves.first)
        let check = try #require(standing.check)
        #expect(!check.passes && check.breaches.contains { $0.rule == "Sangat Kurang at least 60%" })
        #expect(standing.status.rawValue == "BROKEN")
        #expect(standing.proposed == 0 && standing.unrated == 0)
        let refused = try await state { _ = try await $0.finalize(unitCode: opd, year: 2026, period: .year, profile: profile, overrideReason: "  ", actor: hr) }
        #expect(refused.contains("breaks the curve") && refused.contains("Sangat Kurang at least 60%"))
        await #expect(throws: StoreError.self) {
            try await db.withTenant(city.id) {
                _ = try await $0.finalize(unitCode: opd, year: 2026, period: .year, profile: profile, overrideReason: "x",
                                          actor: .employee(c.kepala.nip, name: "kepala"))
            }
        }
        // City HR overrides with a reason: final, recorded.
        let evaluated = standing.counts.values.reduce(0, +)
        let f = try await db.withTenant(city.id) {
            try await $0.finalize(unitCode: opd, year: 2026, period: .year, profile: profile, overrideReason: "Sekda menerima distribusi", actor: hr)
        }
        #expect(f.finalized == evaluated && f.overrideReason == "Sekda menerima distribusi")
        // Locked: the store refuses, and so does the database on any other path.
        let staff = c.staff.nip
        let locked = [
            try await state { _ = try await $0.confirmEvaluation(nip: staff, year: 2026, period: .year, hasil: .diAtasEkspektasi,
                                                                 perilaku: .diAtasEkspektasi, reason: "x", actor: hr) },
            try await state { _ = try await $0.calibrate(nip: staff, year: 2026, period: .year, hasil: .diBawahEkspektasi,
                                                         perilaku: nil, reason: "x", actor: hr) },
            try await state { try await $0.setOrgPredikat(unitCode: opd, year: 2026, period: .year, predikat: .baik, decidedBy: nil, actor: "t") },
        ]
        for message in locked { #expect(message.contains("final"), "\(message)") }
        await #expect(throws: (any Error).self) {
            try await db.withTenant(city.id) { tx in
                try await tx.query("update evaluations set predikat = 'Sangat Baik' where nip = \(c.staff.nip)")
            }
        }
        // Not even in two steps (back to confirmed, then changed) while the OPD is final.
        await #expect(throws: (any Error).self) {
            try await db.withTenant(city.id) { tx in
                try await tx.query("update evaluations set status = 'confirmed' where nip = \(c.staff.nip)")
            }
        }
        // A new run leaves the final OPD as it is.
        try await db.withTenant(city.id) { [profile] tx in
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
            let standing = try #require(try await tx.curve(year: 2026, period: .year, profile: profile, unitCode: opd).first)
            #expect(standing.proposed == 0 && standing.final == evaluated && standing.finalized)
        }
        // Reopen: a reason is required; audited; the results are confirmed again and can be calibrated.
        await #expect(throws: StoreError.invalid("reopening final results needs a reason")) {
            try await db.withTenant(city.id) { _ = try await $0.reopen(unitCode: opd, year: 2026, period: .year, reason: " ", actor: hr) }
        }
        try await db.withTenant(city.id) { tx in
            #expect(try await tx.reopen(unitCode: opd, year: 2026, period: .year, reason: "Inspektorat menemukan kesalahan data", actor: hr) == evaluated)
            let audit = try await tx.query("""
                select detail->>'reason' from audit_log where action = 'evaluate.reopen' and subject = \(opd + "/2026/Y")
                """)
            var reasons: [String] = []
            for try await r in audit.decode(String.self) { reasons.append(r) }
            #expect(reasons == ["Inspektorat menemukan kesalahan data"])
            let before = try #require(try await tx.evaluation(nip: c.staff.nip, year: 2026, period: .year))
            let after = try await tx.calibrate(nip: c.staff.nip, year: 2026, period: .year, hasil: .diBawahEkspektasi, perilaku: .diBawahEkspektasi,
                                               reason: "kalibrasi kurva", actor: hr)
            #expect(after.predikat == .sangatKurang && after.status == "confirmed")
            let adjustments = try await tx.adjustments(nip: c.staff.nip, year: 2026, period: .year)
            #expect(adjustments.count == 1 && adjustments[0].from == before.predikat?.rawValue && adjustments[0].to == "Sangat Kurang"
                    && adjustments[0].reason == "kalibrasi kurva" && adjustments[0].author == "bkpsdm")
            // The atasan confirms again without ratings: the calibration stands, with its reason.
            let kasi = SKPActor.employee(c.kasi.nip, name: "kasi")
            let again = try await tx.confirmEvaluation(nip: c.staff.nip, year: 2026, period: .year, hasil: nil, perilaku: nil, reason: nil, actor: kasi)
            #expect(again.predikat == .sangatKurang && again.ratingHasil == .diBawahEkspektasi && again.changeReason == "kalibrasi kurva",
                    "\(String(describing: again.predikat)) \(String(describing: again.changeReason))")
        }
        // A change from the calibrated rating needs a reason of its own, and is recorded as an adjustment.
        await #expect(throws: StoreError.invalid("a rating other than the one standing (confirmed or calibrated) needs a reason")) {
            try await db.withTenant(city.id) { tx in
                _ = try await tx.confirmEvaluation(nip: c.staff.nip, year: 2026, period: .year, hasil: .sesuaiEkspektasi, perilaku: nil, reason: nil,
                                                   actor: .employee(c.kasi.nip, name: "kasi"))
            }
        }
        try await db.withTenant(city.id) { tx in
            let changed = try await tx.confirmEvaluation(nip: c.staff.nip, year: 2026, period: .year, hasil: .sesuaiEkspektasi, perilaku: nil,
                                                         reason: "data realisasi terlambat masuk", actor: .employee(c.kasi.nip, name: "kasi"))
            #expect(changed.predikat == .kurang && changed.changeReason == "data realisasi terlambat masuk")
            let adjustments = try await tx.adjustments(nip: c.staff.nip, year: 2026, period: .year)
            #expect(adjustments.count == 2 && adjustments.last?.from == "Sangat Kurang" && adjustments.last?.to == "Kurang/Misconduct"
                    && adjustments.last?.reason == "data realisasi terlambat masuk" && adjustments.last?.author == "kasi", "\(adjustments)")
        }
        await #expect(throws: StoreError.self) {
            try await db.withTenant(city.id) { tx in
                _ = try await tx.calibrate(nip: c.staff.nip, year: 2026, period: .year, hasil: .sesuaiEkspektasi, perilaku: nil, reason: "", actor: hr)
            }
        }
        // The staff member may not calibrate themself; their atasan may.
        await #expect(throws: StoreError.self) {
            try await db.withTenant(city.id) { tx in
                _ = try await tx.calibrate(nip: c.staff.nip, year: 2026, period: .year, hasil: .sesuaiEkspektasi, perilaku: nil, reason: "x",
                                           actor: .employee(c.staff.nip, name: "self"))
            }
        }
    }

    @Test func whatIfWritesNothingAndReScoresUnderTheOtherProfile() async throws {
        let db = try await TestDatabase.app()
        let (city, pop, _, _) = try await evaluatedCity("round-whatif")
        func snapshot() async throws -> [String] {
            try await db.withTenant(city.id) { tx in
                var out: [String] = []
                // The audit entries without their chain columns: a server running against the test database (another
                // suite) seals every city's new entries at any moment, which writes nothing the what-if could have.
                let sources = ["evaluations", "org_predikat", "opd_finalizations", "evaluation_adjustments"].map { ($0, $0) }
                    + [("audit_log", "(select entry_id, at, actor, action, subject, detail from audit_log)")]
                for (table, source) in sources {
                    let rows = try await tx.query(PostgresQuery(unsafeSQL: "select count(*)::text || ' ' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') from \(source) t"))
                    for try await s in rows.decode(String.self) { out.append("\(table): \(s)") }
                }
                return out
            }
        }
        let before = try await snapshot()
        var other = profile
        other.name = "lower bands"
        other.ratingProposal = .init(hasilKerja: .init(diAtas: 0, sesuai: 0), perilaku: profile.ratingProposalOrDefault.perilaku, scaleMin: 1, scaleMax: 5)
        let w = try await db.withTenant(city.id) { [profile] in try await $0.whatIf(year: 2026, period: .year, current: profile, other: other) }
        #expect(try await snapshot() == before)
        #expect(w.evaluated == pop.people.count)
        #expect(w.before.values.reduce(0, +) == w.evaluated && w.after.values.reduce(0, +) == w.evaluated)
        #expect(!w.changes.isEmpty)
        // Under the other profile every capaian is at or above both bands: hasil kerja Di Atas for all but the heads.
        try await db.withTenant(city.id) { tx in
            for change in w.changes {
                let e = try #require(try await tx.evaluation(nip: change.nip, year: 2026, period: .year))
                #expect(change.before == e.predikat?.rawValue)
                #expect(change.after == e.proposedPerilaku.map { Predikat(hasilKerja: .diAtasEkspektasi, perilakuKerja: $0).rawValue })
            }
        }
        // Another regime: the figures' predikat, no curve to fit, and still nothing written.
        var pp30 = profile
        pp30.rating.regime = .pp30of2019
        let numeric = try await db.withTenant(city.id) { [profile] in try await $0.whatIf(year: 2026, period: .year, current: profile, other: pp30) }
        #expect(numeric.evaluated == pop.people.count && numeric.after.keys.contains("Cukup") || numeric.after.keys.contains("Baik"))
        #expect(numeric.opds.allSatisfy { $0.after == nil })
        #expect(try await snapshot() == before)
    }

    /// Confirms everything in the OPD (HR sets the head's perilaku) and finalizes it with an override.
    func finalizeOPD(_ city: Tenant, _ opd: String, head: String) async throws {
        let db = try await TestDatabase.app()
        try await db.withTenant(city.id) { [profile] tx in
            if try await tx.curve(year: 2026, period: .year, profile: profile, unitCode: opd).first?.predikatOrganisasi == nil {
                try await tx.setOrgPredikat(unitCode: opd, year: 2026, period: .year, predikat: .baik, decidedBy: nil, actor: "t")
            }
            _ = try await tx.confirmProposed(unitCode: opd, year: 2026, period: .year, actor: "t")
            _ = try await tx.confirmEvaluation(nip: head, year: 2026, period: .year, hasil: nil, perilaku: .sesuaiEkspektasi,
                                               reason: "rated by the Wali Kota", actor: .hr("t"))
            _ = try await tx.finalize(unitCode: opd, year: 2026, period: .year, profile: profile, overrideReason: "test", actor: .hr("t"))
        }
    }

    @Test func followUpsComeFromFinalResultsOnceAndPlansCloseWithTheNextStep() async throws {
        let db = try await TestDatabase.app()
        let (city, _, c, opd) = try await evaluatedCity("round-followup")
        await #expect(throws: StoreError.self) {
            try await db.withTenant(city.id) { [profile] in _ = try await $0.generateFollowUps(year: 2026, period: .year, profile: profile, actor: "t") }
        }
        try await finalizeOPD(city, opd, head: c.kepala.nip)
        try await db.withTenant(city.id) { [profile] tx in
            // A ranking compares the whole city: with other OPDs not final it waits, and says so.
            var ranked = profile
            ranked.followUps.ranking = try #require(AdapterRegistry.named("makassar")).effectiveProfile().followUps.ranking
            let (added, waiting) = try await tx.generateFollowUps(year: 2026, period: .year, profile: ranked, actor: "t")
            #expect(added.values.reduce(0, +) > 0 && added[.ranking] == nil && waiting.count == 1 && waiting[0].hasPrefix("ranking"))
            #expect(try await tx.generateFollowUps(year: 2026, period: .year, profile: profile, actor: "t").added.isEmpty, "a second run adds nothing")
            let all = try await tx.followUps(year: 2026)
            #expect(all.count == added.values.reduce(0, +) && all.allSatisfy { $0.opd == opd })
            // Every final result has what the national rules ask for: check against the core on each employee.
            for e in try await tx.curve(year: 2026, period: .year, profile: profile, unitCode: opd) { #expect(e.final == e.counts.values.reduce(0, +)) }
            let plans = all.filter { $0.kind == .improvementPlan }
            let poor = try await tx.query("select count(*)::int from evaluations where status = 'final' and predikat in ('Butuh Perbaikan', 'Kurang/Misconduct', 'Sangat Kurang')")
            for try await n in poor.decode(Int.self) { #expect(plans.count == n && n > 0) }
            let plan = try #require(plans.first)
            #expect(plan.due == "2027-06-30")
            await #expect(throws: StoreError.self) { _ = try await tx.closeFollowUp(id: plan.id, outcome: "reviewed", improved: nil, actor: "t") }
            await #expect(throws: StoreError.self) { _ = try await tx.closeFollowUp(id: plan.id, outcome: " ", improved: false, actor: "t") }
            let (closed, next) = try await tx.closeFollowUp(id: plan.id, outcome: "target Q1-Q2 2027 not reached", improved: false, actor: "t")
            #expect(closed.status == "done" && closed.outcome == "not improved: target Q1-Q2 2027 not reached")
            let step = try #require(next)
            #expect(step.kind == .reassignment && step.nip == plan.nip && step.detail["plan"] == String(plan.id))
            await #expect(throws: StoreError.self) { _ = try await tx.closeFollowUp(id: plan.id, outcome: "again", improved: true, actor: "t") }
            if let reward = all.first(where: { $0.kind == .reward }) {
                await #expect(throws: StoreError.self) { _ = try await tx.closeFollowUp(id: reward.id, outcome: "given", improved: true, actor: "t") }
                #expect(try await tx.closeFollowUp(id: reward.id, outcome: "piagam diserahkan", improved: nil, actor: "t").closed.status == "done")
            }
            // Reopening the OPD cancels every follow-up still open that the results drew, to be drawn again once
            // final again; the reassignment (the outcome of a closed plan) stays open.
            let before = try await tx.followUps(year: 2026)
            let open = before.filter { $0.status == "open" && $0.kind != .reassignment }
            #expect(open.count > 0)
            _ = try await tx.reopen(unitCode: opd, year: 2026, period: .year, reason: "data salah", actor: .hr("t"))
            let after = try await tx.followUps(year: 2026)
            #expect(after.filter { $0.status == "open" }.map(\.id) == [step.id])
            #expect(after.filter { $0.status == "cancelled" }.count == open.count && after.allSatisfy { $0.status != "cancelled" || $0.outcome?.contains("reopened") == true })
        }
        // Final again: generating reopens exactly those, with nothing added twice; what was done stays done.
        try await finalizeOPD(city, opd, head: c.kepala.nip)
        try await db.withTenant(city.id) { [profile] tx in
            let cancelled = try await tx.followUps(year: 2026).filter { $0.status == "cancelled" }
            let (added, _) = try await tx.generateFollowUps(year: 2026, period: .year, profile: profile, actor: "t")
            #expect(added.values.reduce(0, +) == cancelled.count, "\(added) after \(cancelled.count) cancelled")
            let again = try await tx.followUps(year: 2026)
            #expect(Set(again.filter { $0.status == "open" && $0.kind != .reassignment }.map(\.id)) == Set(cancelled.map(\.id)))
            #expect(again.filter { $0.status == "cancelled" }.isEmpty && again.filter { $0.status == "done" }.count >= 1)
            #expect(try await tx.generateFollowUps(year: 2026, period: .year, profile: profile, actor: "t").added.isEmpty)
        }
    }

    @Test func resultsReferToRealRowsAndARunAgainGivesTheSameFigures() async throws {
        let db = try await TestDatabase.app()
        let (city, pop, c, _) = try await evaluatedCity("round-refs")
        func figures() async throws -> [String] {
            try await db.withTenant(city.id) { tx in
                var out: [String] = []
                let rows = try await tx.query("""
                    select nip || ' ' || coalesce(capaian::text, '-') || ' ' || coalesce(behaviour_score::text, '-') || ' ' || coalesce(predikat, '-')
                    from evaluations order by nip
                    """)
                for try await r in rows.decode(String.self) { out.append(r) }
                return out
            }
        }
        let first = try await figures()
        try await db.withTenant(city.id) { [profile] in _ = try await $0.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t") }
        #expect(try await figures() == first && first.count == pop.people.count, "the same inputs give the same figures to the last digit")
        // The references checked once per statement hold as foreign keys would.
        for bad in [
            "update evaluations set nip = '199901012020011999' where nip = '\(c.staff.nip)'",
            "update evaluations set period_seq = 7 where nip = '\(c.staff.nip)'",
            "update evaluations set run_id = 999999999 where nip = '\(c.staff.nip)'",
            "delete from employees where nip = '\(c.staff.nip)'",
        ] {
            await #expect(throws: (any Error).self, "\(bad)") {
                try await db.withTenant(city.id) { tx in _ = try await tx.query(PostgresQuery(unsafeSQL: bad)) }
            }
        }
    }

    @Test func aFinalOPDTakesNoNewProposals() async throws {
        let db = try await TestDatabase.app()
        let (city, _, c, opd) = try await evaluatedCity("round-final-run")
        try await finalizeOPD(city, opd, head: c.kepala.nip)
        // An employee of the final OPD without a result (as after a late SKP approval): the owner removes one.
        let owner = try await TestDatabase.owner()
        for try await _ in try await owner.client.query("""
            delete from evaluations where tenant_id = \(city.id.uuid) and nip = \(c.staff.nip)
            """, logger: TestDatabase.logger) {}
        try await db.withTenant(city.id) { [profile] tx in
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
            #expect(try await tx.evaluation(nip: c.staff.nip, year: 2026, period: .year) == nil)
            let standing = try #require(try await tx.curve(year: 2026, period: .year, profile: profile, unitCode: opd).first)
            #expect(standing.proposed == 0)
        }
    }

    @Test func theWeakestValueComesOnlyFromRatingsTheEvaluationCounts() async throws {
        let db = try await TestDatabase.app()
        let (city, pop, c, opd) = try await evaluatedCity("round-weakest")
        try await finalizeOPD(city, opd, head: c.kepala.nip)
        var rules = profile
        rules.followUps.trainingFromWeakestValue = true
        let minimum = max(1, profile.behaviour360.minimumPeers)
        try await db.withTenant(city.id) { tx in
            _ = try await tx.generateFollowUps(year: 2026, period: .year, profile: rules, actor: "t")
            let offers = try await tx.followUps(year: 2026, kind: .training).filter { $0.detail["value"] != nil }
            #expect(!offers.isEmpty)
            var checked = 0
            for offer in offers {
                // Who answered, by source; with peers and bawahan below the minimum only the atasan's ratings count.
                let sources = try await tx.query("""
                    select b.source, count(*)::int from behaviour_raters b
                    where b.ratee_nip = \(offer.nip) and b.source in ('peer', 'bawahan')
                      and exists (select 1 from behaviour_ratings g where g.ratee_nip = b.ratee_nip and g.rater_nip = b.rater_nip)
                    group by b.source
                    """)
                var counts: [String: Int] = [:]
                for try await (source, n) in sources.decode((String, Int).self) { counts[source] = n }
                guard counts.values.allSatisfy({ $0 < minimum }), !counts.isEmpty else { continue }
                let atasan = try #require(pop.people.first { $0.nip == offer.nip }?.atasan)
                let scores = try await tx.query("""
                    select value, score::float8 from behaviour_ratings where ratee_nip = \(offer.nip) and rater_nip = \(atasan)
                    """)
                var byValue: [(String, Double)] = []
                for try await row in scores.decode((String, Double).self) { byValue.append(row) }
                let weakest = byValue.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
                #expect(offer.detail["value"] == weakest, "\(offer.nip): \(counts)")
                checked += 1
            }
            #expect(checked > 0, "some employee had peers or bawahan below the minimum")
        }
    }

    @Test func theRoundStaysInItsCity() async throws {
        let db = try await TestDatabase.app()
        let (a, _, _, opd) = try await evaluatedCity("round-iso-a")
        let (b, _, _, opdB) = try await evaluatedCity("round-iso-b")
        #expect(opd == opdB, "demo cities share unit codes, so only the tenant tells them apart")
        let hr = SKPActor.hr("bkpsdm")
        try await db.withTenant(a.id) { [profile] tx in
            try await tx.setOrgPredikat(unitCode: opd, year: 2026, period: .year, predikat: .baik, decidedBy: nil, actor: "t")
            _ = try await tx.confirmProposed(unitCode: nil, year: 2026, period: .year, actor: "t")
            _ = try await tx.query("update evaluations set status = 'confirmed', rating_hasil = 'Sesuai Ekspektasi', rating_perilaku = 'Sesuai Ekspektasi', predikat = 'Baik' where status = 'proposed'")
            _ = try await tx.finalize(unitCode: opd, year: 2026, period: .year, profile: profile, overrideReason: "test", actor: hr)
            _ = try await tx.generateFollowUps(year: 2026, period: .year, profile: profile, actor: "t")
        }
        let firstFollowUp = try #require(try await db.withTenant(a.id) { try await $0.followUps(year: 2026).first?.id })
        try await db.withTenant(b.id) { [profile] tx in
            let standing = try #require(try await tx.curve(year: 2026, period: .year, profile: profile, unitCode: opd).first)
            #expect(standing.predikatOrganisasi == nil && !standing.finalized && standing.final == 0 && standing.confirmed == 0)
            await #expect(throws: StoreError.self) { _ = try await tx.reopen(unitCode: opd, year: 2026, period: .year, reason: "x", actor: hr) }
            #expect(try await tx.followUps(year: 2026).isEmpty)
            await #expect(throws: StoreError.self) { _ = try await tx.closeFollowUp(id: firstFollowUp, outcome: "x", improved: nil, actor: "t") }
            let seen = try await tx.query("select (select count(*) from org_predikat) + (select count(*) from opd_finalizations) + (select count(*) from evaluations where status = 'final') + (select count(*) from followups)")
            for try await n in seen.decode(Int.self) { #expect(n == 0) }
        }
        // A write naming the other city's tenant is refused by the database.
        await #expect(throws: (any Error).self) {
            try await db.withTenant(b.id) { tx in
                try await tx.query("""
                    insert into org_predikat (tenant_id, year, period_kind, period_seq, unit_id, predikat, set_by)
                    select \(a.id.uuid), 2026, 'annual', 0, unit_id, 'Baik', 'x' from org_units limit 1
                    """)
            }
        }
    }
    /// Palu's view (any city's): each RHK rolls up the cascade to the agency goal at its top; the goal view
    /// counts what the per-employee view shows, and the capaian are the evaluation's.
    @Test func eachRHKRollsUpTheCascadeToTheAgencyGoal() async throws {
        let db = try await TestDatabase.app()
        let (city, pop, c, opd) = try await evaluatedCity("round-contribution")
        try await db.withTenant(city.id) { tx in
            let staff = try await tx.employeeContribution(nip: c.staff.nip, year: 2026, period: .year)
            let utama = staff.filter { $0.kind == "utama" }
            #expect(!utama.isEmpty && staff.contains { $0.kind == "tambahan" })
            // staff -> kasi -> kabid -> kepala: four RHK from the staff's own up to the kepala's goal; every RHK of
            // a non-JPT SKP cascades, the tambahan too (DOMAIN.md; the demo plans follow the rule submission checks).
            for r in staff {
                #expect(r.path.count == 4 && r.path.first == r.text && r.goalOwnerNIP == c.kepala.nip && r.goalIsTop, "\(r)")
            }
            // The capaian are the evaluation's own, RHK by RHK.
            let e = try #require(try await tx.evaluation(nip: c.staff.nip, year: 2026, period: .year))
            let rhk = try #require(((try JSONSerialization.jsonObject(with: Data(e.explanation.utf8)) as? [String: Any])?["capaian"]
                as? [String: Any])?["rhk"] as? [String: Any])
            let keys = (rhk["keys"] as? [String]) ?? [], values = (rhk["capaian"] as? [Any]) ?? []
            for r in staff {
                let i = try #require(keys.firstIndex(of: r.rhkKey.uuidString.lowercased()))
                // The same figure, read through the store and through Foundation's JSON parser (which may round
                // the 17th significant digit differently).
                let stored = try #require(values[i] as? Double)
                #expect(abs((r.capaian ?? .nan) - stored) < 1e-9 * max(1, abs(stored)), "\(r.text)")
            }
            // The goals of the OPD: the kepala's RHK utama; contributors and their mean as the per-employee view gives.
            let goals = try await tx.goalContributions(year: 2026, period: .year, unitCode: opd)
            #expect(!goals.isEmpty && goals.allSatisfy { $0.opdCode == opd && $0.isTop })
            let inOPD = pop.people.filter { p in
                var u = pop.units.first { $0.id == p.unit }
                while let parent = u?.parent { u = pop.units.first { $0.id == parent } }
                return u?.code == opd && p.nip != c.kepala.nip
            }
            var byGoal: [UUID: [(nip: String, capaian: Double?)]] = [:]
            for p in inOPD {
                for r in try await tx.employeeContribution(nip: p.nip, year: 2026, period: .year) where r.kind == "utama" || r.path.count > 1 {
                    byGoal[r.goalKey, default: []].append((p.nip, r.capaian))
                }
            }
            for g in goals where g.ownerNIP == c.kepala.nip {
                let rows = byGoal[g.goalKey] ?? []
                let values = rows.compactMap(\.capaian)
                #expect(g.contributors == Set(rows.map(\.nip)).count && g.rhkCount == rows.count, "\(g.text)")
                #expect(abs((g.meanCapaian ?? 0) - (values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count))) < 1e-9)
            }
            #expect(goals.contains { $0.ownerNIP == c.kepala.nip && $0.contributors > 0 })
            // The OPD's people behind its goals, each once (the public report's five-person rule counts people):
            // someone serving two goals is one person, where the goals' sum counted two.
            let people = try await tx.goalContributorsByOPD(year: 2026, period: .year)
            let distinct = Set(byGoal.values.flatMap { $0.filter { $0.capaian != nil }.map(\.nip) }).count
            #expect(people[opd] == distinct && distinct > 0, "\(String(describing: people[opd])) of \(distinct)")
            #expect(goals.map(\.contributors).reduce(0, +) > distinct, "the demo's people serve several goals: the sum counts them twice")
            // A unit that is not an OPD is named as such.
            if let sub = pop.units.first(where: { $0.parent != nil }) {
                await #expect(throws: StoreError.self) { _ = try await tx.goalContributions(year: 2026, period: .year, unitCode: sub.code) }
            }
        }
    }
}
