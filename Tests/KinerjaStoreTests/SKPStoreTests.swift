import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// Planning down a real chain (kepala OPD > kabid > kasi > staff), the workflow and its guards, revisions,
/// realisasi in open and closed periods, feedback, capaian and proposals, against PostgreSQL.
@Suite struct SKPStoreTests {
    static func content(jpt: Bool, parents: [UUID?] = [nil, nil], target: Double = 48) -> SKP.Content {
        let d1: SKP.Dimension = jpt ? .penerimaLayanan : .kuantitas
        let d2: SKP.Dimension = jpt ? .prosesBisnis : .waktu
        return SKP.Content(approach: .kuantitatif, rhk: [
            SKP.RHK(kind: .utama, text: "Hasil kerja utama 1", parentKey: parents[0],
                    iki: [SKP.IKI(text: "Jumlah dokumen", dimension: d1, targetValue: target, targetUnit: "dokumen")]),
            SKP.RHK(kind: .utama, text: "Hasil kerja utama 2", parentKey: parents[1],
                    iki: [SKP.IKI(text: "Hari penyelesaian", dimension: d2, targetValue: 5, targetUnit: "hari", lowerIsBetter: true)]),
        ])
    }

    func expectStore<R>(_ expected: (StoreError) -> Bool, _ body: () async throws -> R, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await body()
            Issue.record("expected a refusal", sourceLocation: sourceLocation)
        } catch let e as StoreError {
            #expect(expected(e), "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    static func isInvalid(_ text: String) -> (StoreError) -> Bool { { if case .invalid(let m) = $0 { m.contains(text) } else { false } } }
    static func isForbidden(_ e: StoreError) -> Bool { if case .forbidden = e { true } else { false } }
    static func isState(_ e: StoreError) -> Bool { if case .state = e { true } else { false } }

    @Test func cascadingWorkflowAndRevisions() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-flow", employees: 300)
        let (kepala, kabid, _, _, _) = TestDatabase.chain(pop)
        let hr = SKPActor.hr("tests:hr")
        let asKepala = SKPActor.employee(kepala.nip, name: "tests:kepala")
        let asKabid = SKPActor.employee(kabid.nip, name: "tests:kabid")
        let year = 2026

        // Before the year is open, nothing is planned.
        await expectStore(Self.isInvalid("not open")) {
            try await db.withTenant(city.id) { try await $0.saveSKP(nip: kepala.nip, year: year, content: Self.content(jpt: true), actor: asKepala) }
        }
        try await db.withTenant(city.id) { _ = try await $0.openYear(year, cadence: .quarterly, actor: "tests") }

        // The kabid cannot cascade before the kepala's SKP is approved.
        await expectStore(Self.isInvalid("has no approved SKP")) {
            try await db.withTenant(city.id) {
                try await $0.saveSKP(nip: kabid.nip, year: year, content: Self.content(jpt: false, parents: [UUID(), nil]), actor: asKabid)
            }
        }

        // The kepala (JPT: perspektif, no atasan) drafts and submits; they cannot approve their own.
        let top = try await db.withTenant(city.id) { tx in
            let draft = try await tx.saveSKP(nip: kepala.nip, year: year, content: Self.content(jpt: true), actor: asKepala)
            #expect(draft.revision == 1 && draft.status == .draft && draft.jpt)
            return try await tx.submitSKP(nip: kepala.nip, year: year, actor: asKepala)
        }
        #expect(top.status == .submitted)
        await expectStore(Self.isForbidden) {
            try await db.withTenant(city.id) { try await $0.decideSKP(nip: kepala.nip, year: year, approve: true, note: nil, actor: asKepala) }
        }
        await expectStore(Self.isState) {
            try await db.withTenant(city.id) { try await $0.saveSKP(nip: kepala.nip, year: year, content: Self.content(jpt: true), actor: asKepala) }
        }
        let approvedTop = try await db.withTenant(city.id) { try await $0.decideSKP(nip: kepala.nip, year: year, approve: true, note: nil, actor: hr) }
        #expect(approvedTop.status == .approved)
        let topKeys = approvedTop.content.rhk.map(\.key)

        // The kabid links to the kepala's RHK; submitting without a link on every RHK is refused.
        try await db.withTenant(city.id) { tx in
            _ = try await tx.saveSKP(nip: kabid.nip, year: year, content: Self.content(jpt: false, parents: [topKeys[0], nil]), actor: asKabid)
        }
        await expectStore(Self.isInvalid("rhk[1].parentKey")) {
            try await db.withTenant(city.id) { try await $0.submitSKP(nip: kabid.nip, year: year, actor: asKabid) }
        }
        // A JPT perspektif on a non-JPT SKP is refused, naming the path.
        await expectStore(Self.isInvalid("rhk[0].iki[0].dimension")) {
            try await db.withTenant(city.id) {
                try await $0.saveSKP(nip: kabid.nip, year: year, content: Self.content(jpt: true, parents: [topKeys[0], topKeys[1]]), actor: asKabid)
            }
        }
        let mid = try await db.withTenant(city.id) { tx in
            _ = try await tx.saveSKP(nip: kabid.nip, year: year, content: Self.content(jpt: false, parents: [topKeys[0], topKeys[1]]), actor: asKabid)
            return try await tx.submitSKP(nip: kabid.nip, year: year, actor: asKabid)
        }
        // Returning needs a note; the atasan returns, the employee edits and resubmits, the atasan approves.
        await expectStore(Self.isInvalid("note")) {
            try await db.withTenant(city.id) { try await $0.decideSKP(nip: kabid.nip, year: year, approve: false, note: "  ", actor: asKepala) }
        }
        try await db.withTenant(city.id) { tx in
            let returned = try await tx.decideSKP(nip: kabid.nip, year: year, approve: false, note: "Target terlalu rendah", actor: asKepala)
            #expect(returned.status == .returned && returned.returnNote == "Target terlalu rendah" && returned.revision == mid.revision)
            let edited = try await tx.saveSKP(nip: kabid.nip, year: year, content: Self.content(jpt: false, parents: [topKeys[0], topKeys[1]], target: 60),
                                              actor: asKabid)
            #expect(edited.status == .returned && edited.revision == 1, "a returned SKP is edited in place")
            _ = try await tx.submitSKP(nip: kabid.nip, year: year, actor: asKabid)
            let ok = try await tx.decideSKP(nip: kabid.nip, year: year, approve: true, note: nil, actor: asKepala)
            #expect(ok.status == .approved && ok.content.allIKI[0].targetValue == 60)
        }

        // A change to the approved SKP is a new revision; the approved one stays in force until the new one is approved.
        let rev2 = try await db.withTenant(city.id) { tx in
            try await tx.saveSKP(nip: kabid.nip, year: year, content: Self.content(jpt: false, parents: [topKeys[0], topKeys[1]], target: 72),
                                 actor: asKabid)
        }
        #expect(rev2.revision == 2 && rev2.status == .draft)
        try await db.withTenant(city.id) { tx in
            #expect(try await tx.skpInForce(nip: kabid.nip, year: year)?.revision == 1)
            _ = try await tx.submitSKP(nip: kabid.nip, year: year, actor: asKabid)
            _ = try await tx.decideSKP(nip: kabid.nip, year: year, approve: true, note: nil, actor: asKepala)
            let all = try await tx.skpRevisions(nip: kabid.nip, year: year)
            #expect(all.map(\.status) == [.superseded, .approved])
            #expect(all.map { $0.content.allIKI[0].targetValue } == [60, 72], "every revision keeps its own content")
            let actions = try await tx.query("select action from audit_log where subject = \(kabid.nip + "/2026") order by entry_id")
            var seen: [String] = []
            for try await a in actions.decode(String.self) { seen.append(a) }
            #expect(seen == ["skp.create", "skp.edit", "skp.submit", "skp.return", "skp.edit", "skp.submit", "skp.approve",
                             "skp.revise", "skp.submit", "skp.approve"])
        }

        // The database itself refuses to edit an approved or superseded revision in place.
        for revision in [1, 2] {
            await #expect(throws: (any Error).self) {
                try await db.withTenant(city.id) { tx in
                    try await tx.query("""
                        update skp_iki set target_value = 1 where nip = \(kabid.nip) and year = 2026 and revision = \(revision)
                        """)
                }
            }
            await #expect(throws: (any Error).self) {
                try await db.withTenant(city.id) { tx in
                    try await tx.query("update skp set status = 'draft' where nip = \(kabid.nip) and year = 2026 and revision = \(revision)")
                }
            }
        }
    }

    /// Prepares approved SKPs for kepala, kabid, kasi and staff (each cascading from the one above).
    static func plannedChain(_ db: KinerjaDatabase, _ city: Tenant, _ pop: DemoPopulation, year: Int = 2026)
        async throws -> [SKPRevision] {
        let c = TestDatabase.chain(pop)
        return try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(year, cadence: .quarterly, actor: "tests")
            var out: [SKPRevision] = []
            var parents: [UUID?] = [nil, nil]
            for p in [c.kepala, c.kabid, c.kasi, c.staff] {
                let jpt = p.jabatanLevel == "JPT"
                _ = try await tx.saveSKP(nip: p.nip, year: year, content: content(jpt: jpt, parents: parents), actor: .hr("tests"))
                _ = try await tx.submitSKP(nip: p.nip, year: year, actor: .hr("tests"))
                let r = try await tx.decideSKP(nip: p.nip, year: year, approve: true, note: nil, actor: .hr("tests"))
                out.append(r)
                parents = r.content.rhk.map(\.key)
            }
            return out
        }
    }

    @Test func linkingToSomeoneElsesRHKIsRefusedByName() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-link", employees: 300)
        let planned = try await Self.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        // The peer's atasan is the kasi; the kabid's RHK is one level too high.
        await expectStore({ if case .invalid(let m) = $0 { m.contains("belongs to \(c.kabid.nip)") && m.contains("not to the atasan \(c.kasi.nip)") } else { false } }) {
            try await db.withTenant(city.id) { tx in
                try await tx.saveSKP(nip: c.peer.nip, year: 2026, content: Self.content(jpt: false, parents: [planned[1].content.rhk[0].key, nil]),
                                     actor: .employee(c.peer.nip, name: "peer"))
            }
        }
        // An unknown key is refused too.
        await expectStore(Self.isInvalid("is not in the atasan")) {
            try await db.withTenant(city.id) { tx in
                try await tx.saveSKP(nip: c.peer.nip, year: 2026, content: Self.content(jpt: false, parents: [UUID(), nil]),
                                     actor: .employee(c.peer.nip, name: "peer"))
            }
        }
        // Nobody else may draft the peer's SKP: not another employee, not the atasan.
        await expectStore(Self.isForbidden) {
            try await db.withTenant(city.id) { tx in
                try await tx.saveSKP(nip: c.peer.nip, year: 2026, content: Self.content(jpt: false), actor: .employee(c.staff.nip, name: "staff"))
            }
        }
        await expectStore(Self.isForbidden) {
            try await db.withTenant(city.id) { tx in
                try await tx.saveSKP(nip: c.peer.nip, year: 2026, content: Self.content(jpt: false), actor: .employee(c.kasi.nip, name: "kasi"))
            }
        }

        // The tree from the staff member: kepala > kabid > kasi > staff, nothing of the peer.
        let tree = try await db.withTenant(city.id) { try await $0.skpTree(nip: c.staff.nip, year: 2026) }
        func nips(_ n: CascadeNode) -> [String] { [n.nip] + n.children.flatMap(nips) }
        #expect(tree.count == 2 && tree.allSatisfy { $0.nip == c.kepala.nip })
        #expect(nips(tree[0]) == [c.kepala.nip, c.kabid.nip, c.kasi.nip, c.staff.nip])
        // From the kepala: the whole line below.
        let top = try await db.withTenant(city.id) { try await $0.skpTree(nip: c.kepala.nip, year: 2026) }
        #expect(Set(top.flatMap(nips)) == [c.kepala.nip, c.kabid.nip, c.kasi.nip, c.staff.nip])
    }

    /// The cascade is checked again when the SKP is approved: an atasan's new revision that dropped an RHK the
    /// submitted SKP hangs from cannot be approved under it (409, naming the link); it is returned and linked again.
    /// A planned chain where the kabid's new revision, hanging from both of the kepala's RHK, is submitted, and
    /// the kepala's own new revision, without their second RHK, is submitted too.
    static func kepalaDroppingAnRHK(_ label: String) async throws
        -> (db: KinerjaDatabase, city: Tenant, c: (kepala: DemoPopulation.Person, kabid: DemoPopulation.Person, kasi: DemoPopulation.Person,
                                                   staff: DemoPopulation.Person, peer: DemoPopulation.Person), top: [UUID]) {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city(label, employees: 300)
        let planned = try await Self.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let asKepala = SKPActor.employee(c.kepala.nip, name: "kepala"), asKabid = SKPActor.employee(c.kabid.nip, name: "kabid")
        let top = planned[0].content.rhk.map(\.key)
        try await db.withTenant(city.id) { tx in
            _ = try await tx.saveSKP(nip: c.kabid.nip, year: 2026, content: Self.content(jpt: false, parents: [top[0], top[1]], target: 60), actor: asKabid)
            _ = try await tx.submitSKP(nip: c.kabid.nip, year: 2026, actor: asKabid)
            var revised = Self.content(jpt: true)
            revised.rhk[0] = SKP.RHK(key: top[0], kind: .utama, text: revised.rhk[0].text, iki: revised.rhk[0].iki)
            _ = try await tx.saveSKP(nip: c.kepala.nip, year: 2026, content: revised, actor: asKepala)
            _ = try await tx.submitSKP(nip: c.kepala.nip, year: 2026, actor: asKepala)
        }
        return (db, city, c, top)
    }

    @Test func anApprovalChecksTheCascadeAgain() async throws {
        // The kabid's revision is submitted; meanwhile the kepala's, without their second RHK, is approved.
        let (db, city, c, top) = try await Self.kepalaDroppingAnRHK("skp-recheck")
        let asKepala = SKPActor.employee(c.kepala.nip, name: "kepala"), asKabid = SKPActor.employee(c.kabid.nip, name: "kabid")
        try await db.withTenant(city.id) { tx in
            _ = try await tx.decideSKP(nip: c.kepala.nip, year: 2026, approve: true, note: nil, actor: .hr("tests"))
        }
        let dropped = top[1].uuidString.lowercased()
        await expectStore({ if case .state(let m) = $0 { m.contains("rhk[1].parentKey") && m.contains(dropped) } else { false } }) {
            try await db.withTenant(city.id) { try await $0.decideSKP(nip: c.kabid.nip, year: 2026, approve: true, note: nil, actor: asKepala) }
        }
        try await db.withTenant(city.id) { tx in
            let all = try await tx.skpRevisions(nip: c.kabid.nip, year: 2026)
            #expect(all.map(\.status) == [.approved, .submitted], "the refused approval changed nothing")
            // Returned, linked again to what the kepala's SKP now holds, and approved.
            _ = try await tx.decideSKP(nip: c.kabid.nip, year: 2026, approve: false, note: "RHK kedua tidak lagi ada di atas", actor: asKepala)
            let newTop = try #require(try await tx.skpInForce(nip: c.kepala.nip, year: 2026)).content.rhk.map(\.key)
            _ = try await tx.saveSKP(nip: c.kabid.nip, year: 2026, content: Self.content(jpt: false, parents: [newTop[0], newTop[1]], target: 60), actor: asKabid)
            _ = try await tx.submitSKP(nip: c.kabid.nip, year: 2026, actor: asKabid)
            let ok = try await tx.decideSKP(nip: c.kabid.nip, year: 2026, approve: true, note: nil, actor: asKepala)
            #expect(ok.status == .approved && ok.revision == 2)
        }
    }

    /// The same, at the same moment: the atasan's approval of a revision that drops an RHK is in flight (not yet
    /// committed) when the subordinate's approval checks the cascade. The check waits for it, then refuses;
    /// before, it read the atasan's old SKP and approved RHK hanging from nothing.
    @Test func anApprovalWaitsForTheAtasansApprovalInFlight() async throws {
        let (db, city, c, top) = try await Self.kepalaDroppingAnRHK("skp-recheck-race")
        let asKepala = SKPActor.employee(c.kepala.nip, name: "kepala")
        // The atasan's approval in flight on the owner's connection, the subordinate's on one of its own: from the
        // suite's shared pool, under load, it could wait for a connection rather than on the lock.
        let approving = try await TestDatabase.with(try TestDatabase.settings().app) { own in
            let approving = try await TestDatabase.owner().withTenant(city.id) { tx in
                _ = try await tx.decideSKP(nip: c.kepala.nip, year: 2026, approve: true, note: nil, actor: .hr("tests"))
                let holder = try await tx.int("select pg_backend_pid()")
                let approving = Task {
                    try await own.withTenant(city.id) { try await $0.decideSKP(nip: c.kabid.nip, year: 2026, approve: true, note: nil, actor: asKepala) }
                }
                try await TestDatabase.untilBlocked(by: holder)
                return approving
            }
            return await approving.result
        }
        let dropped = top[1].uuidString.lowercased()
        await expectStore({ if case .state(let m) = $0 { m.contains("rhk[1].parentKey") && m.contains(dropped) } else { false } }) {
            _ = try approving.get()
        }
        let statuses = try await db.withTenant(city.id) { try await $0.skpRevisions(nip: c.kabid.nip, year: 2026).map(\.status) }
        #expect(statuses == [.approved, .submitted], "the refused approval changed nothing")
    }

    /// An employee granted hr_admin is the owner of their own SKP: they decide nothing of it. A closed year's
    /// SKPs take no new content, submission or decision. Figures beyond any count are refused, not stored.
    @Test func ownSKPsClosedYearsAndImpossibleFigures() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-guard", employees: 300)
        let planned = try await Self.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        // The kasi, granted hr_admin, as their session acts: HR with their own NIP.
        let kasiHR = SKPActor(name: "kasi (hr_admin)", nip: c.kasi.nip, isHR: true)
        try await db.withTenant(city.id) { tx in
            _ = try await tx.saveSKP(nip: c.kasi.nip, year: 2026, content: planned[2].content, actor: kasiHR)
            _ = try await tx.submitSKP(nip: c.kasi.nip, year: 2026, actor: kasiHR)
        }
        await expectStore(Self.isForbidden) {
            try await db.withTenant(city.id) { try await $0.decideSKP(nip: c.kasi.nip, year: 2026, approve: true, note: nil, actor: kasiHR) }
        }
        await expectStore(Self.isForbidden) {
            try await db.withTenant(city.id) { try await $0.decideSKP(nip: c.kasi.nip, year: 2026, approve: false, note: "x", actor: kasiHR) }
        }
        // As HR of someone else's SKP: allowed.
        try await db.withTenant(city.id) { tx in
            _ = try await tx.saveSKP(nip: c.staff.nip, year: 2026, content: planned[3].content, actor: kasiHR)
            _ = try await tx.submitSKP(nip: c.staff.nip, year: 2026, actor: kasiHR)
            let r = try await tx.decideSKP(nip: c.staff.nip, year: 2026, approve: true, note: nil, actor: kasiHR)
            #expect(r.status == .approved)
        }

        // Impossible figures: a realisasi beyond 10^15, a target below a millionth.
        let key = planned[3].content.rhk[0].iki[0].key
        await expectStore(Self.isInvalid("value 1e+307 is not a realisasi")) {
            try await db.withTenant(city.id) {
                _ = try await $0.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: key, period: SubPeriod(kind: .quarterly, sequence: 1),
                                                 value: 1e307, narrative: nil, evidence: [], actor: .employee(c.staff.nip, name: "staff"))
            }
        }
        await expectStore(Self.isInvalid("too small a target")) {
            try await db.withTenant(city.id) {
                _ = try await $0.saveSKP(nip: c.staff.nip, year: 2026, content: Self.content(jpt: false, parents: planned[2].content.rhk.map(\.key),
                                                                                           target: 1e-300), actor: .hr("t"))
            }
        }

        // The year closed: nothing of its SKPs changes, whoever asks.
        try await db.withTenant(city.id) { tx in
            _ = try await tx.setPeriod(try EvaluationPeriod.period(year: 2026, kind: .annual, sequence: 0), open: false, reason: nil, actor: "t")
        }
        let closed: (StoreError) -> Bool = { if case .state(let m) = $0 { m.contains("the year 2026 is closed") } else { false } }
        await expectStore(closed) {
            try await db.withTenant(city.id) { try await $0.saveSKP(nip: c.staff.nip, year: 2026, content: planned[3].content, actor: .hr("t")) }
        }
        await expectStore(closed) {
            try await db.withTenant(city.id) { try await $0.submitSKP(nip: c.kasi.nip, year: 2026, actor: .hr("t")) }
        }
        await expectStore(closed) {
            try await db.withTenant(city.id) { try await $0.decideSKP(nip: c.kasi.nip, year: 2026, approve: true, note: nil, actor: .hr("t")) }
        }
    }

    @Test func realisasiFeedbackAndCapaian() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-real", employees: 300)
        let planned = try await Self.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let staff = planned[3]
        let docs = staff.content.rhk[0].iki[0].key, days = staff.content.rhk[1].iki[0].key
        let me = SKPActor.employee(c.staff.nip, name: "staff")
        let q1 = SubPeriod(kind: .quarterly, sequence: 1), q2 = SubPeriod(kind: .quarterly, sequence: 2)
        let link = [Evidence(url: "https://drive.example.go.id/laporan-q1.pdf", note: "Laporan"), Evidence(url: nil, note: "Rapat 3 Maret")]

        try await db.withTenant(city.id) { tx in
            _ = try await tx.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: docs, period: q1, value: 10, narrative: nil, evidence: link, actor: me)
            _ = try await tx.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: days, period: q1, value: 6, narrative: nil, evidence: [], actor: me)
        }
        // The atasan reports nothing for the employee; a monthly period does not exist in a quarterly city.
        await expectStore(Self.isForbidden) {
            try await db.withTenant(city.id) {
                _ = try await $0.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: docs, period: q1, value: 1, narrative: nil, evidence: [],
                                                 actor: .employee(c.kasi.nip, name: "kasi"))
            }
        }
        await expectStore(Self.isInvalid("not a period of 2026")) {
            try await db.withTenant(city.id) {
                _ = try await $0.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: docs, period: SubPeriod(kind: .monthly, sequence: 1),
                                                 value: 1, narrative: nil, evidence: [], actor: me)
            }
        }
        await expectStore(Self.isInvalid("evidence[0].url 'javascript:alert(1)'")) {
            try await db.withTenant(city.id) {
                _ = try await $0.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: docs, period: q1, value: 1, narrative: nil,
                                                 evidence: [Evidence(url: "javascript:alert(1)", note: nil)], actor: me)
            }
        }
        await expectStore({ if case .notFound = $0 { true } else { false } }) {
            try await db.withTenant(city.id) {
                _ = try await $0.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: UUID(), period: q1, value: 1, narrative: nil, evidence: [], actor: me)
            }
        }

        // Close Q1: no more realisasi for it, Q2 still takes some.
        try await db.withTenant(city.id) { tx in
            let q1Period = try EvaluationPeriod.period(year: 2026, kind: .quarterly, sequence: 1)
            _ = try await tx.setPeriod(q1Period, open: false, reason: nil, actor: "tests")
        }
        await expectStore({ if case .state(let m) = $0 { m.contains("Q1 of 2026 is closed") } else { false } }) {
            try await db.withTenant(city.id) {
                _ = try await $0.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: docs, period: q1, value: 11, narrative: nil, evidence: [], actor: me)
            }
        }
        // Nor feedback on it.
        await expectStore({ if case .state(let m) = $0 { m.contains("Q1 of 2026 is closed") && m.contains("feedback") } else { false } }) {
            try await db.withTenant(city.id) {
                _ = try await $0.addFeedback(nip: c.staff.nip, year: 2026, rhkKey: staff.content.rhk[0].key, period: q1,
                                             text: "Terlambat", actor: .employee(c.kasi.nip, name: "kasi"))
            }
        }
        // The database refuses it too, whatever the application does: an update, an upsert, and a statement
        // writing an open period (Q2) with the closed one, refused whole.
        func refusedByTheDatabase(_ sql: PostgresQuery) async {
            await #expect {
                try await db.withTenant(city.id) { tx in try await tx.query(sql) }
            } throws: { e in
                let message = (e as? PSQLError)?.serverInfo?[.message]
                if message != "period 2026-quarterly 1 is closed" { Issue.record("\(String(reflecting: e))") }
                return message == "period 2026-quarterly 1 is closed"
            }
        }
        await refusedByTheDatabase("update realisasi set value = 99 where nip = \(c.staff.nip) and period_seq = 1")
        await refusedByTheDatabase("""
            insert into realisasi (tenant_id, nip, year, iki_key, period_kind, period_seq, value, reported_by)
            values (\(city.id.uuid), \(c.staff.nip), 2026, \(docs), 'quarterly', 1, 99, 'tests')
            on conflict (tenant_id, nip, year, iki_key, period_kind, period_seq) do update set value = excluded.value
            """)
        await refusedByTheDatabase("""
            insert into realisasi (tenant_id, nip, year, iki_key, period_kind, period_seq, value, reported_by)
            values (\(city.id.uuid), \(c.staff.nip), 2026, \(docs), 'quarterly', 2, 99, 'tests'),
                   (\(city.id.uuid), \(c.staff.nip), 2026, \(days), 'quarterly', 1, 99, 'tests')
            on conflict (tenant_id, nip, year, iki_key, period_kind, period_seq) do update set value = excluded.value
            """)
        let q2Rows = try await db.withTenant(city.id) { tx in
            try await tx.query("select count(*) from realisasi where nip = \(c.staff.nip) and period_seq = 2").decode(Int.self)
                .reduce(0) { $0 + $1 }
        }
        #expect(q2Rows == 0, "nothing of the refused statement is written")
        try await db.withTenant(city.id) { tx in
            _ = try await tx.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: docs, period: q2, value: 14, narrative: "Q2", evidence: [], actor: me)
            _ = try await tx.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: days, period: q2, value: 4, narrative: nil, evidence: [], actor: me)
            _ = try await tx.addFeedback(nip: c.staff.nip, year: 2026, rhkKey: staff.content.rhk[0].key, period: q2,
                                         text: "Pertahankan", actor: .employee(c.kasi.nip, name: "kasi"))
        }
        await expectStore(Self.isForbidden) {
            try await db.withTenant(city.id) {
                _ = try await $0.addFeedback(nip: c.staff.nip, year: 2026, rhkKey: staff.content.rhk[0].key, period: q2, text: "Saya hebat", actor: me)
            }
        }

        // By hand (DOMAIN.md): documents 10 + 14 = 24 of 48 = 50; days, lower is better, latest 4 of 5:
        // (1 + (1 - 0.8)) x 100 = 120. SKP = mean of the two RHK utama = 85.
        let view = try #require(try await db.withTenant(city.id) { try await $0.skpView(nip: c.staff.nip, year: 2026) })
        #expect(view.capaian.byIKI[docs] == 50)
        #expect(abs((view.capaian.byIKI[days] ?? 0) - 120) < 1e-9)
        #expect(abs((view.capaian.skp ?? 0) - 85) < 1e-9)
        #expect(view.realisasi.count == 4 && view.realisasi.first { $0.ikiKey == docs && $0.period == q1 }?.evidence == link)
        #expect(view.feedback.map(\.text) == ["Pertahankan"] && view.feedback[0].authorNIP == c.kasi.nip)

        // The evaluation of Q2 measures a summed indicator against the half of the year's target it covers:
        // documents 24 of 48 x 2/4 = 100; days, the latest figure against the target, 120; SKP (100 + 120) / 2 = 110.
        // Against the whole year's 48 it was 50, and an employee on track was rated below expectations.
        let evaluated = try await db.withTenant(city.id) { tx in
            _ = try await tx.runEvaluation(year: 2026, period: q2, profile: try NationalAdapter().effectiveProfile(), profileVersion: 1, actor: "t")
            return try await tx.evaluation(nip: c.staff.nip, year: 2026, period: q2)
        }
        #expect(abs((evaluated?.capaian ?? 0) - 110) < 1e-9, "\(String(describing: evaluated?.capaian))")
        // Its document's lines agree: the documents' target for Q2 is 24, met in full.
        let document = try #require(try await db.withTenant(city.id) {
            try await $0.evaluationDocuments([c.staff.nip], scope: ReportScope(year: 2026, period: "Q2"))
        }.first)
        let line = try #require(document.plans.first?.indicators.first)
        #expect(line.target == "24 dokumen" && line.capaian == 100 && line.realisasi == 24, "\(line)")
        #expect(document.capaian.map { abs($0 - 110) < 1e-9 } == true)

        // The kasi's team for Q2: the staff member reported everything, the peer has no SKP.
        let team = try await db.withTenant(city.id) { try await $0.skpSummaries(SKPFilter(year: 2026, directReportsOf: c.kasi.nip, period: q2)) }
        let mine = try #require(team.first { $0.nip == c.staff.nip })
        #expect(mine.ikiCount == 2 && mine.ikiReported == 2 && mine.status == .approved && abs((mine.capaian ?? 0) - 85) < 1e-9)
        #expect(team.first { $0.nip == c.peer.nip }?.status == nil)
    }

    /// An SKP read twice with nothing changed between reads the same, row for row, whatever plan PostgreSQL
    /// chooses: its realisasi of one period for several indicators, and its feedback written in one
    /// transaction, come in one order. The API's `ETag` is a hash of that body: a read in another order was
    /// another version, and an atasan's `If-Match` from the first read was refused (412) on an unchanged SKP.
    @Test func anSKPReadsInOneOrderWhateverThePlan() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-order", employees: 300)
        let planned = try await Self.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let staff = planned[3]
        let me = SKPActor.employee(c.staff.nip, name: "staff"), kasi = SKPActor.employee(c.kasi.nip, name: "kasi")
        // Written against the order of the keys, so the table's order and the key's differ.
        let keys = staff.content.allIKI.map(\.key).sorted { $0.uuidString > $1.uuidString }
        let rhk = staff.content.rhk.map(\.key)
        try await db.withTenant(city.id) { tx in
            for q in [2, 1] {
                for key in keys {
                    _ = try await tx.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: key, period: SubPeriod(kind: .quarterly, sequence: q),
                                                     value: Double(q), narrative: nil, evidence: [], actor: me)
                }
            }
            for (i, key) in (rhk + rhk).enumerated() {
                _ = try await tx.addFeedback(nip: c.staff.nip, year: 2026, rhkKey: key, period: SubPeriod(kind: .quarterly, sequence: 1),
                                             text: "catatan \(i)", actor: kasi)
            }
        }
        func read(_ settings: String) async throws -> (realisasi: [String], feedback: [String]) {
            try await db.withTenant(city.id) { tx in
                for setting in settings.split(separator: ",") { try await tx.query("set local \(unescaped: String(setting))") }
                let view = try #require(try await tx.skpView(nip: c.staff.nip, year: 2026))
                return (view.realisasi.map { "\($0.period) \($0.ikiKey)" }, view.feedback.map(\.text))
            }
        }
        let plans = ["enable_indexscan = off, enable_bitmapscan = off", "enable_seqscan = off, enable_bitmapscan = off",
                     "enable_seqscan = off, enable_indexscan = off"]
        var reads: [(realisasi: [String], feedback: [String])] = []
        for plan in plans { reads.append(try await read(plan)) }
        #expect(reads[0].realisasi.count == 4 && reads[0].feedback.count == 4)
        for (plan, r) in zip(plans, reads).dropFirst() {
            #expect(r.realisasi == reads[0].realisasi, "\(plan)")
            #expect(r.feedback == reads[0].feedback, "\(plan)")
        }
    }

    /// A capaian exactly at a band is in the band: 13.2 of a target of 12 is 110% (DOMAIN.md's formula), so the
    /// proposed rating hasil kerja is Di Atas Ekspektasi. In floating point it was 109.99999999999999: Sesuai.
    @Test func aCapaianExactlyAtTheBandIsInTheBand() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-band", employees: 300)
        let planned = try await Self.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let iki = SKP.IKI(text: "Laporan diselesaikan", dimension: .kuantitas, targetValue: 12, targetUnit: "laporan")
        let content = SKP.Content(approach: .kuantitatif, rhk: [
            SKP.RHK(kind: .utama, text: "Laporan unit", parentKey: planned[2].content.rhk[0].key, iki: [iki])])
        let evaluated = try await db.withTenant(city.id) { tx in
            _ = try await tx.saveSKP(nip: c.staff.nip, year: 2026, content: content, actor: .hr("t"))
            _ = try await tx.submitSKP(nip: c.staff.nip, year: 2026, actor: .hr("t"))
            let approved = try await tx.decideSKP(nip: c.staff.nip, year: 2026, approve: true, note: nil, actor: .hr("t"))
            let key = approved.content.rhk[0].iki[0].key
            for (q, v) in [(1, 3.3), (2, 3.3), (3, 3.3), (4, 3.3)] {
                _ = try await tx.reportRealisasi(nip: c.staff.nip, year: 2026, ikiKey: key, period: SubPeriod(kind: .quarterly, sequence: q),
                                                 value: v, narrative: nil, evidence: [], actor: .hr("t"))
            }
            #expect(try await tx.skpView(nip: c.staff.nip, year: 2026)?.capaian.skp == 110)
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: try NationalAdapter().effectiveProfile(), profileVersion: 1, actor: "t")
            return try await tx.evaluation(nip: c.staff.nip, year: 2026, period: .year)
        }
        #expect(evaluated?.capaian == 110 && evaluated?.proposedHasil == .diAtasEkspektasi,
                "\(String(describing: evaluated?.capaian)) \(String(describing: evaluated?.proposedHasil))")
    }

    @Test func proposalsWhereTheProfileTurnsThemOn() async throws {
        let db = try await TestDatabase.app()
        let profile = try #require(AdapterRegistry.named("pematangsiantar")).effectiveProfile()
        let (city, pop) = try await TestDatabase.city("skp-prop", employees: 300, profile: profile)
        let planned = try await Self.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let me = SKPActor.employee(c.staff.nip, name: "staff"), kasi = SKPActor.employee(c.kasi.nip, name: "kasi")
        let rhk = planned[3].content.rhk[0].key
        // How its realisasi add up, and its template, go with it (a percentage taken as the latest figure).
        let proposed = SKP.IKI(text: "Jumlah warga yang dilayani", dimension: .kuantitas, targetValue: 300, targetUnit: "orang",
                               accumulation: .last, templateID: "warga-dilayani")

        let (p1, p2) = try await db.withTenant(city.id) { tx in
            (try await tx.proposeIKI(nip: c.staff.nip, year: 2026, rhkKey: rhk, iki: proposed, actor: me),
             try await tx.proposeIKI(nip: c.staff.nip, year: 2026, rhkKey: rhk, iki: proposed, actor: me))
        }
        #expect(p1.status == .proposed && p1.iki.accumulation == .last && p1.iki.templateID == "warga-dilayani")
        // The employee does not decide on their own proposal; a rejection needs a reason.
        await expectStore(Self.isForbidden) {
            try await db.withTenant(city.id) { _ = try await $0.decideProposal(id: p1.id, accept: true, reason: nil, actor: me) }
        }
        await expectStore(Self.isInvalid("reason")) {
            try await db.withTenant(city.id) { _ = try await $0.decideProposal(id: p2.id, accept: false, reason: nil, actor: kasi) }
        }
        try await db.withTenant(city.id) { tx in
            let accepted = try await tx.decideProposal(id: p1.id, accept: true, reason: nil, actor: kasi)
            #expect(accepted.status == .accepted && accepted.decidedBy == "kasi")
            let rejected = try await tx.decideProposal(id: p2.id, accept: false, reason: "Sama dengan usulan pertama", actor: kasi)
            #expect(rejected.status == .rejected && rejected.reason == "Sama dengan usulan pertama")
            // Accepted into a new revision of the approved SKP, which stays in force until that is approved.
            let revisions = try await tx.skpRevisions(nip: c.staff.nip, year: 2026)
            #expect(revisions.map(\.status) == [.approved, .draft])
            #expect(revisions[1].content.rhk[0].iki.map(\.text) == ["Jumlah dokumen", "Jumlah warga yang dilayani"])
            #expect(revisions[1].content.rhk[0].iki[1].accumulation == .last && revisions[1].content.rhk[0].iki[1].templateID == "warga-dilayani")
            let audit = try await tx.query("select count(*) from audit_log where action in ('iki.propose', 'iki.accept', 'iki.reject')")
            for try await n in audit.decode(Int.self) { #expect(n == 4) }
        }
        await expectStore(Self.isState) {
            try await db.withTenant(city.id) { _ = try await $0.decideProposal(id: p1.id, accept: false, reason: "x", actor: kasi) }
        }
        // A closed year takes no proposal.
        try await db.withTenant(city.id) { tx in
            _ = try await tx.setPeriod(try EvaluationPeriod.period(year: 2026, kind: .annual, sequence: 0), open: false, reason: nil, actor: "t")
        }
        await expectStore({ if case .state(let m) = $0 { m.contains("the year 2026 is closed") } else { false } }) {
            try await db.withTenant(city.id) { _ = try await $0.proposeIKI(nip: c.staff.nip, year: 2026, rhkKey: rhk, iki: proposed, actor: me) }
        }

        // A city whose profile leaves proposals off refuses them.
        let (plain, plainPop) = try await TestDatabase.city("skp-noprop", employees: 300)
        let plainPlanned = try await Self.plannedChain(db, plain, plainPop)
        let pc = TestDatabase.chain(plainPop)
        await expectStore(Self.isForbidden) {
            try await db.withTenant(plain.id) {
                _ = try await $0.proposeIKI(nip: pc.staff.nip, year: 2026, rhkKey: plainPlanned[3].content.rhk[0].key, iki: proposed,
                                            actor: .employee(pc.staff.nip, name: "staff"))
            }
        }
    }

    /// Found in review: an RHK whose key was its parent's (or another employee's) made the tree recurse on
    /// itself; such keys are refused now.
    @Test func anRHKKeyIsTheEmployeesOwn() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-keys", employees: 300)
        let planned = try await Self.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let kasiKey = planned[2].content.rhk[0].key
        var copied = Self.content(jpt: false, parents: [kasiKey, kasiKey])
        copied.rhk[0].key = kasiKey
        await expectStore(Self.isInvalid("is the key of the RHK it intervenes in")) {
            try await db.withTenant(city.id) { try await $0.saveSKP(nip: c.peer.nip, year: 2026, content: copied, actor: .hr("t")) }
        }
        var borrowed = Self.content(jpt: false, parents: [kasiKey, kasiKey])
        borrowed.rhk[1].key = planned[3].content.rhk[1].key
        await expectStore(Self.isInvalid("is an RHK of \(c.staff.nip)")) {
            try await db.withTenant(city.id) { try await $0.saveSKP(nip: c.peer.nip, year: 2026, content: borrowed, actor: .hr("t")) }
        }
        // Keeping one's own keys across revisions is what keys are for.
        let again = try await db.withTenant(city.id) { tx in
            try await tx.saveSKP(nip: c.staff.nip, year: 2026, content: planned[3].content, actor: .hr("t"))
        }
        #expect(again.revision == 2 && again.content.rhk.map(\.key) == planned[3].content.rhk.map(\.key))
    }

    /// Found in review: two first saves at once both tried to insert revision 1 and one failed with a
    /// unique violation (an internal error). They now take turns: one creates the draft, the other edits it.
    @Test func concurrentFirstSavesTakeTurns() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-race")
        let kepala = try #require(pop.people.first { $0.jabatanLevel == "JPT" && $0.atasan == nil })
        try await db.withTenant(city.id) { _ = try await $0.openYear(2026, cadence: .quarterly, actor: "t") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<4 {
                group.addTask {
                    _ = try await db.withTenant(city.id) { tx in
                        try await tx.saveSKP(nip: kepala.nip, year: 2026, content: Self.content(jpt: true, target: Double(10 + i)),
                                             actor: .hr("t\(i)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let revisions = try await db.withTenant(city.id) { try await $0.skpRevisions(nip: kepala.nip, year: 2026) }
        #expect(revisions.count == 1 && revisions[0].status == .draft)
    }

    /// Found in review: a draft kept the JPT flag of the day it was started, so a promotion left it unsavable
    /// or unsubmittable. The flag now follows the employee's record.
    @Test func aPromotionMidDraftIsFollowed() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-promo", employees: 300)
        let planned = try await Self.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        try await db.withTenant(city.id) { tx in
            _ = try await tx.saveSKP(nip: c.peer.nip, year: 2026, content: Self.content(jpt: false, parents: planned[2].content.rhk.map(\.key)),
                                     actor: .hr("t"))
            try await tx.query("update employees set jabatan_level = 'JPT', atasan_nip = null where nip = \(c.peer.nip)")
            let saved = try await tx.saveSKP(nip: c.peer.nip, year: 2026, content: Self.content(jpt: true), actor: .hr("t"))
            #expect(saved.jpt && saved.atasanNIP == nil)
            let submitted = try await tx.submitSKP(nip: c.peer.nip, year: 2026, actor: .hr("t"))
            #expect(submitted.status == .submitted)
        }
    }

    @Test func demoPlansCascadeForAWholeCity() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("skp-demo", employees: 300)
        let profile = try NationalAdapter().effectiveProfile()
        let (skp, reported) = try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "tests")
            return try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 7, day: 1), actor: "tests")
        }
        #expect(skp == pop.people.count)
        #expect(reported == pop.people.count * 3 * 2, "three indicators each, for Q1 and Q2")
        // Every non-JPT employee's RHK utama cascade from an RHK of their own atasan's SKP.
        try await db.withTenant(city.id) { tx in
            let rows = try await tx.query("""
                select count(*) filter (where r.kind = 'utama' and not s.jpt and s.atasan_nip is not null and r.parent_key is null),
                       count(*) filter (where r.parent_key is not null and not exists (
                           select 1 from skp_rhk p where p.nip = r.parent_nip and p.rhk_key = r.parent_key and p.nip = s.atasan_nip))
                from skp s join skp_rhk r on r.tenant_id = s.tenant_id and r.nip = s.nip and r.year = s.year and r.revision = s.revision
                """)
            for try await (unlinked, wrong) in rows.decode((Int, Int).self) {
                #expect(unlinked == 0 && wrong == 0)
            }
            let summaries = try await tx.skpSummaries(SKPFilter(year: 2026))
            #expect(summaries.count == pop.people.count && summaries.allSatisfy { $0.status == .approved && $0.capaian != nil })
        }
        await expectStore(Self.isInvalid("already has")) {
            try await db.withTenant(city.id) { _ = try await $0.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "tests") }
        }
    }
}
