import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAdapters
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// 360 feedback over the API: requests, ratings, and summaries that never name a peer to the employee.
@Suite struct APIFeedbackTests {
    static let fours = #"{"scores":{"berorientasi_pelayanan":4,"akuntabel":4,"kompeten":4,"harmonis":4,"loyal":4,"adaptif":4,"kolaboratif":4}}"#

    @Test func ratingsAreAnonymousInAggregate() async throws {
        let admin = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city("api-fb", employees: 300)
        let (b, _) = try await TestDatabase.city("api-fb-b")
        let c = TestDatabase.chain(pop)
        let colleagues = pop.people.filter { p in p.jabatanLevel == nil && ![c.staff.nip, c.peer.nip].contains(p.nip) }.prefix(2).map(\.nip)
        func key(_ role: Role, _ nip: String?, _ city: Tenant? = nil) async throws -> String {
            try await admin.createAPIKey(tenants: [(city ?? a).id], role: role, label: "", employeeNIP: nip, actor: "t").token
        }
        let staff = try await key(.pegawai, c.staff.nip), kasi = try await key(.atasan, c.kasi.nip), hrB = try await key(.hrAdmin, nil, b)
        let kasiAsHR = try await key(.hrAdmin, c.kasi.nip)
        var keys: [String] = []
        for nip in [c.peer.nip] + colleagues { keys.append(try await key(.pegawai, nip)) }
        let peerKeys = keys
        let profile = try NationalAdapter().effectiveProfile()
        try await admin.withTenant(a.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.assignRaters(year: 2026, period: .year, profile: profile, actor: "t")
        }
        let rate = "/v1/me/feedback/2026/Y/\(c.staff.nip)"
        try await withAPI { client in
            // The atasan names the peers; a colleague cannot.
            for nip in [c.peer.nip] + colleagues {
                let r = try await client.send(.post, "/v1/employees/\(c.staff.nip)/peers", token: kasi, json: #"{"rater":"\#(nip)","year":2026,"period":"Y"}"#)
                #expect(r.status == .noContent, "\(r.body)")
            }
            #expect(try await client.send(.post, "/v1/employees/\(c.staff.nip)/peers", token: peerKeys[0],
                                          json: #"{"rater":"\#(c.kabid.nip)","year":2026,"period":"Y"}"#).status == .notFound)

            let requests = try await client.send(.get, "/v1/me/feedback-requests?year=2026", token: peerKeys[0])
            #expect(requests.items.contains { $0["rateeNip"] as? String == c.staff.nip && $0["source"] as? String == "peer" })
            #expect(try await client.send(.put, rate, token: kasi, json: Self.fours).status == .noContent)
            // The atasan's own login granted hr_admin answers the same request: it stays that employee.
            #expect(try await client.send(.put, rate, token: kasiAsHR, json: Self.fours).status == .noContent)
            #expect(try await client.send(.put, rate, token: staff, json: Self.fours).status == .noContent)
            let offScale = try await client.send(.put, rate, token: peerKeys[0], json: Self.fours.replacingOccurrences(of: ":4,\"akuntabel\"", with: ":9,\"akuntabel\""))
            #expect(offScale.status == .badRequest && (offScale.json["detail"] as? String)?.contains("9") == true)
            for k in peerKeys.prefix(2) { #expect(try await client.send(.put, rate, token: k, json: Self.fours).status == .noContent) }

            // Two peers: counted but not shown; no NIP of a rater in what the employee sees.
            let mine = try await client.send(.get, "/v1/me/behaviour?year=2026&period=Y", token: staff)
            #expect(mine.status == .ok)
            let peerSource = (mine.json["sources"] as? [[String: Any]])?.first { $0["source"] as? String == "peer" }
            #expect(peerSource != nil && peerSource?["answered"] == nil && peerSource?["mean"] == nil, "below the minimum not even the count shows")
            for nip in [c.peer.nip] + colleagues + [c.kasi.nip] { #expect(!mine.body.contains(nip), "a rater's NIP in the employee's view") }
            // The third peer makes the aggregate visible.
            #expect(try await client.send(.put, rate, token: peerKeys[2], json: Self.fours).status == .noContent)
            let shown = try await client.send(.get, "/v1/me/behaviour?year=2026&period=Y", token: staff)
            let peers = (shown.json["sources"] as? [[String: Any]])?.first { $0["source"] as? String == "peer" }
            #expect((peers?["mean"] as? [String: Any])?["loyal"] as? Double == 4)
            #expect(shown.json["score"] as? Double == 4 && shown.json["proposedRating"] as? String == "Sesuai Ekspektasi")
            // The atasan sees the same aggregate; another city's key sees nothing.
            let byAtasan = try await client.send(.get, "/v1/employees/\(c.staff.nip)/behaviour?year=2026&period=Y", token: kasi)
            #expect(byAtasan.status == .ok && !byAtasan.body.contains(c.peer.nip))
            #expect(try await client.send(.get, "/v1/employees/\(c.staff.nip)/behaviour?year=2026&period=Y", token: hrB).status == .notFound)
            #expect(try await client.send(.put, rate, token: hrB, json: Self.fours).status == .forbidden)
        }
    }

    /// A city with plans, realisasi up to October and the year's proposals, and a second city.
    func evaluatedCity(_ label: String) async throws -> (a: Tenant, b: Tenant, pop: DemoPopulation) {
        let admin = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city(label, employees: 300)
        let (b, _) = try await TestDatabase.city(label + "-b")
        let profile = try NationalAdapter().effectiveProfile()
        try await admin.withTenant(a.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 10, day: 1), actor: "t")
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
        }
        return (a, b, pop)
    }

    @Test func evaluationsAreReadByTheChainAndConfirmedByTheAtasan() async throws {
        let admin = try await TestDatabase.admin()
        let (a, b, pop) = try await evaluatedCity("api-eval")
        let c = TestDatabase.chain(pop)
        func key(_ role: Role, _ nip: String?, _ city: Tenant? = nil) async throws -> String {
            try await admin.createAPIKey(tenants: [(city ?? a).id], role: role, label: "", employeeNIP: nip, actor: "t").token
        }
        let staff = try await key(.pegawai, c.staff.nip), peer = try await key(.pegawai, c.peer.nip)
        let kasi = try await key(.atasan, c.kasi.nip), hrB = try await key(.hrAdmin, nil, b)
        let path = "/v1/employees/\(c.staff.nip)/evaluations/2026/Y"
        try await withAPI { client in
            let mine = try await client.send(.get, path, token: staff)
            #expect(mine.status == .ok && mine.json["status"] as? String == "proposed")
            #expect((mine.json["explanation"] as? [String: Any])?["capaian"] != nil)
            #expect(try await client.send(.get, path, token: peer).status == .notFound)
            #expect(try await client.send(.get, path, token: hrB).status == .notFound)
            #expect(try await client.send(.post, path + "/confirm", token: staff, json: "{}").status == .forbidden)
            // No 360 yet: the atasan gives the perilaku rating, and a reason for it.
            let noReason = try await client.send(.post, path + "/confirm", token: kasi, json: #"{"perilaku":"Sesuai Ekspektasi"}"#)
            #expect(noReason.status == .badRequest, "\(noReason.body)")
            let tag = try #require(mine.headers[.eTag])
            let ok = try await client.send(.post, path + "/confirm", token: kasi,
                                           json: #"{"perilaku":"Sesuai Ekspektasi","reason":"Diamati langsung sepanjang tahun"}"#,
                                           ifMatch: tag)
            #expect(ok.status == .ok && ok.json["status"] as? String == "confirmed" && ok.json["predikat"] != nil, "\(ok.body)")
        }
    }

    @Test func followUpsAreReadByTheChainHRAndIntegratorsOfTheCityOnly() async throws {
        let admin = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city("api-followup", employees: 300)
        let (b, _) = try await TestDatabase.city("api-followup-b")
        let c = TestDatabase.chain(pop)
        let profile = try NationalAdapter().effectiveProfile()
        let opd = try #require(pop.units.first { $0.id == c.kepala.unit && $0.parent == nil }).code
        try await admin.withTenant(a.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: CivilDate(year: 2026, month: 10, day: 1), actor: "t")
            _ = try await tx.seedBehaviour(year: 2026, period: .year, profile: profile, actor: "t")
            _ = try await tx.runEvaluation(year: 2026, period: .year, profile: profile, profileVersion: 1, actor: "t")
            try await tx.setOrgPredikat(unitCode: opd, year: 2026, period: .year, predikat: .baik, decidedBy: nil, actor: "t")
            _ = try await tx.confirmProposed(unitCode: opd, year: 2026, period: .year, actor: "t")
            _ = try await tx.confirmEvaluation(nip: c.kepala.nip, year: 2026, period: .year, hasil: nil, perilaku: .sesuaiEkspektasi,
                                               reason: "Wali Kota", actor: .hr("t"))
            // The staff member: Butuh Perbaikan, so an improvement plan and the profile's coaching.
            _ = try await tx.calibrate(nip: c.staff.nip, year: 2026, period: .year, hasil: .diBawahEkspektasi, perilaku: .sesuaiEkspektasi,
                                       reason: "test", actor: .hr("t"))
            _ = try await tx.finalize(unitCode: opd, year: 2026, period: .year, profile: profile, overrideReason: "test", actor: .hr("t"))
            _ = try await tx.generateFollowUps(year: 2026, period: .year, profile: profile, actor: "t")
        }
        func key(_ role: Role, _ nip: String?, _ city: Tenant? = nil) async throws -> String {
            try await admin.createAPIKey(tenants: [(city ?? a).id], role: role, label: "", employeeNIP: nip, actor: "t").token
        }
        let staff = try await key(.pegawai, c.staff.nip), peer = try await key(.pegawai, c.peer.nip)
        let kasi = try await key(.atasan, c.kasi.nip), hr = try await key(.hrAdmin, nil)
        // Payroll reads the rewards (incentives) with a key granted siasn: one person's follow-ups go to no other integrator.
        let payroll = try await admin.createAPIKey(tenants: [a.id], role: .integrator, label: "payroll", employeeNIP: nil, scopes: ["siasn"], actor: "t").token
        let machine = try await key(.integrator, nil)
        let hrB = try await key(.hrAdmin, nil, b)
        let path = "/v1/employees/\(c.staff.nip)/followups/2026"
        try await withAPI { client in
            let mine = try await client.send(.get, path, token: staff)
            let kinds = ((mine.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String }
            #expect(mine.status == .ok && kinds.contains("improvement_plan") && kinds.contains("coaching"), "\(mine.body)")
            #expect(try await client.send(.get, path, token: kasi).status == .ok)
            #expect(try await client.send(.get, path, token: peer).status == .notFound)
            #expect(try await client.send(.get, path, token: hrB).status == .notFound)
            // The city's list: HR and integrators, a page at a time; not employees; another city sees none of it.
            #expect(try await client.send(.get, "/v1/followups?year=2026", token: staff).status == .forbidden)
            #expect(try await client.send(.get, "/v1/followups?year=2026", token: machine).status == .forbidden)
            var seen: [Int] = [], cursor: String? = nil
            repeat {
                let page = try await client.send(.get, "/v1/followups?year=2026&period=Y&limit=7" + (cursor.map { "&cursor=\($0)" } ?? ""), token: payroll)
                #expect(page.status == .ok, "\(page.body)")
                seen += ((page.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil
            let all = try await client.send(.get, "/v1/followups?year=2026&limit=500", token: hr)
            let ids = ((all.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }
            #expect(!seen.isEmpty && seen == ids && Set(seen).count == seen.count)
            let plans = try await client.send(.get, "/v1/followups?year=2026&kind=improvement_plan", token: hr)
            #expect(((plans.json["items"] as? [[String: Any]]) ?? []).allSatisfy { $0["kind"] as? String == "improvement_plan" && $0["due"] as? String == "2027-06-30" })
            let other = try await client.send(.get, "/v1/followups?year=2026", token: hrB)
            #expect(other.status == .ok && (other.json["items"] as? [Any])?.isEmpty == true)
            #expect(try await client.send(.get, "/v1/followups?year=2026&cursor=abc", token: hr).status == .badRequest)
        }
    }
    /// An integrator key reads an SKP to report realisasi against its indicators, not the assessment: without
    /// `siasn`, no feedback, return notes or capaian; granted neither `realisasi` nor `siasn`, no realisasi
    /// either, as the change feed hides the same entries from it. Before, every key of the city read them all.
    @Test func anIntegratorKeyReadsThePlanWithoutTheAssessment() async throws {
        let admin = try await TestDatabase.admin()
        let (a, _, pop) = try await evaluatedCity("api-skp-integrator")
        let c = TestDatabase.chain(pop)
        // Indicator proposals turned on by hand, as Pematangsiantar's profile does.
        _ = try await TestDatabase.owner().withTenant(a.id) { tx in
            try await tx.query("""
                update tenants set profile = profile || jsonb_build_object('skp', jsonb_build_object('indicatorProposals', true))
                where tenant_id = \(a.id.uuid)
                """)
        }
        // The atasan's feedback, and a revision returned with a note.
        let undecided = try await admin.withTenant(a.id) { tx in
            let view = try #require(try await tx.skpView(nip: c.staff.nip, year: 2026))
            _ = try await tx.addFeedback(nip: c.staff.nip, year: 2026, rhkKey: view.revision.content.rhk[0].key,
                                         period: SubPeriod(kind: .quarterly, sequence: 3), text: "Pertahankan", actor: .employee(c.kasi.nip, name: "t"))
            _ = try await tx.saveSKP(nip: c.staff.nip, year: 2026, content: view.revision.content, actor: .hr("t"))
            _ = try await tx.submitSKP(nip: c.staff.nip, year: 2026, actor: .hr("t"))
            _ = try await tx.decideSKP(nip: c.staff.nip, year: 2026, approve: false, note: "Lengkapi target", actor: .hr("t"))
            // An indicator the employee proposed, which the atasan refused with a reason.
            let proposal = try await tx.proposeIKI(nip: c.staff.nip, year: 2026, rhkKey: view.revision.content.rhk[0].key,
                                                   iki: SKP.IKI(text: "Jumlah warga yang dilayani", dimension: .kuantitas, targetValue: 300, targetUnit: "orang"),
                                                   actor: .employee(c.staff.nip, name: "t"))
            _ = try await tx.decideProposal(id: proposal.id, accept: false, reason: "Target terlalu rendah", actor: .employee(c.kasi.nip, name: "t"))
            // And one not yet decided.
            return try await tx.proposeIKI(nip: c.staff.nip, year: 2026, rhkKey: view.revision.content.rhk[0].key,
                                           iki: SKP.IKI(text: "Jumlah layanan daring", dimension: .kuantitas, targetValue: 12, targetUnit: "layanan"),
                                           actor: .employee(c.staff.nip, name: "t")).id
        }
        try await admin.sealAudit(a.id)
        func key(_ role: Role, _ scopes: [String] = []) async throws -> String {
            try await admin.createAPIKey(tenants: [a.id], role: role, label: "", employeeNIP: nil, scopes: scopes, actor: "t").token
        }
        // Each key, whether it reads the assessment, whether it reads the realisasi.
        let keys: [(String, String, Bool, Bool)] = [
            ("hr_admin", try await key(.hrAdmin), true, true),
            ("integrator granted siasn", try await key(.integrator, ["attendance", "siasn"]), true, true),
            ("integrator of the ingestion paths", try await key(.integrator), false, true),
            ("integrator granted realisasi", try await key(.integrator, ["realisasi"]), false, true),
            ("integrator granted attendance and complaints", try await key(.integrator, ["attendance", "complaints"]), false, false),
        ]
        let base = "/v1/employees/\(c.staff.nip)/skp/2026"
        // An integrator key is never a person's: refused when made with a NIP; one tied to a NIP before that was
        // refused (made so here by hand) reads nobody's own SKP or behaviour through /v1/me. Found in review.
        await #expect(throws: StoreError.invalid("an integrator key is a system's, not an employee's: leave out --nip \(c.staff.nip)")) {
            _ = try await admin.createAPIKey(tenants: [a.id], role: .integrator, label: "", employeeNIP: c.staff.nip, actor: "t")
        }
        let tied = try await admin.createAPIKey(tenants: [a.id], role: .integrator, label: "", employeeNIP: nil, actor: "t")
        try await admin.withTenant(a.id) { tx in
            try await tx.query("update api_keys set employee_nip = \(c.staff.nip) where tenant_id = \(a.id.uuid) and key_id = \(tied.id)")
        }
        try await withAPI { client in
            for path in ["/v1/me/skp?year=2026", "/v1/me/behaviour?year=2026&period=Y"] {
                let mine = try await client.send(.get, path, token: tied.token)
                #expect(mine.status == .badRequest && mine.body.contains("not an employee's"), "\(path): \(mine.body)")
            }
            for (who, token, assessment, realisasi) in keys {
                let view = try await client.send(.get, base, token: token)
                #expect(view.status == .ok, "\(who): \(view.body)")
                let skp = view.json["skp"] as? [String: Any] ?? [:]
                let rhk = skp["rhk"] as? [[String: Any]] ?? []
                let iki = rhk.flatMap { $0["iki"] as? [[String: Any]] ?? [] }
                // The plan and its keys, for every key.
                #expect(!rhk.isEmpty && rhk.allSatisfy { $0["key"] is String } && !iki.isEmpty && iki.allSatisfy { $0["key"] is String }, "\(who)")
                #expect((view.json["feedback"] as? [Any])?.isEmpty == !assessment, "\(who): feedback")
                #expect((view.json["capaian"] != nil) == assessment, "\(who): the SKP's capaian")
                #expect(rhk.contains { $0["capaian"] != nil } == assessment, "\(who): the RHK's capaian")
                #expect(iki.contains { $0["capaian"] != nil } == assessment, "\(who): the IKI's capaian")
                let pending = view.json["pending"] as? [String: Any] ?? [:]
                #expect((pending["returnNote"] as? String == "Lengkapi target") == assessment, "\(who): the return note")
                // That it was returned at all is the atasan's judgement too: a draft, with no decision, to the others.
                #expect(pending["status"] as? String == (assessment ? "returned" : "draft") && (pending["decidedBy"] != nil) == assessment
                        && (pending["decidedAt"] != nil) == assessment && (pending["submittedAt"] != nil) == assessment,
                        "\(who): the returned revision \(pending)")
                #expect((view.json["realisasi"] as? [Any])?.isEmpty == !realisasi, "\(who): realisasi")
                #expect(iki.contains { $0["yearRealisasi"] != nil } == realisasi, "\(who): the year's realisasi")
                let revisions = try await client.send(.get, base + "/revisions", token: token)
                let notes = (revisions.json["items"] as? [[String: Any]] ?? []).compactMap { $0["returnNote"] as? String }
                #expect(revisions.status == .ok && (notes == ["Lengkapi target"]) == assessment, "\(who): revisions \(notes)")
                let statuses = (revisions.json["items"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
                #expect(statuses.contains("returned") == assessment, "\(who): revisions \(statuses)")
                // (The cascade shows approved plans here: ShownToIntegratorsTests has a returned one.)
                #expect(try await client.send(.get, base + "/tree", token: token).status == .ok, "\(who): tree")
                let proposals = try await client.send(.get, base + "/proposals", token: token)
                // The refused proposal, with its reason, to the keys that read assessments; nothing of it to the others.
                // Nor the one still proposed: seen, then gone, it would tell of its refusal.
                let reasons = (proposals.json["items"] as? [[String: Any]] ?? []).map { $0["reason"] as? String }
                #expect(proposals.status == .ok && reasons.sorted { ($0 ?? "") < ($1 ?? "") } == (assessment ? [nil, "Target terlalu rendah"] : []),
                        "\(who): proposals \(proposals.body.prefix(300))")
                // The feed, to its end: the proposal for every key, its refusal for those that read assessments.
                var actions: [String] = [], cursor = ""
                for _ in 0..<100 {
                    let page = try await client.send(.get, "/v1/changes?limit=1000" + (cursor.isEmpty ? "" : "&after=\(cursor)"), token: token)
                    let items = page.json["items"] as? [[String: Any]] ?? []
                    #expect(page.status == .ok, "\(who): feed \(page.body.prefix(200))")
                    actions += items.compactMap { $0["action"] as? String }
                    cursor = page.json["nextCursor"] as? String ?? ""
                    if items.isEmpty || cursor.isEmpty { break }
                }
                #expect(actions.contains("iki.propose") == assessment && actions.contains("iki.reject") == assessment, "\(who): feed \(Set(actions))")
                // A revision submitted twice was returned in between: the submissions are for those keys alone.
                #expect(actions.contains("skp.revise") && actions.contains("skp.submit") == assessment, "\(who): feed \(Set(actions))")
                let contribution = try await client.send(.get, "/v1/employees/\(c.staff.nip)/contribution/2026", token: token)
                let items = contribution.json["items"] as? [[String: Any]] ?? []
                #expect(contribution.status == .ok && !items.isEmpty && items.contains { $0["capaian"] != nil } == assessment,
                        "\(who): contribution \(contribution.body)")
            }
            // Submitted again: to a key that reads no assessments it is still a draft, as it was while returned
            // (submitted, then a draft, then submitted would tell of the return), last changed when it was made;
            // the SKP and its revisions read the same to it, tags and all.
            func tags(_ token: String) async throws -> [String] {
                var out: [String] = []
                for path in [base, base + "/revisions"] { out.append(try await client.send(.get, path, token: token).headers[.eTag] ?? "") }
                return out
            }
            // Accepted, the proposal is in the plan, and listed to every key; its status and decision, not a reason.
            try await admin.withTenant(a.id) { tx in
                _ = try await tx.decideProposal(id: undecided, accept: true, reason: nil, actor: .employee(c.kasi.nip, name: "t"))
            }
            for (who, token, assessment, _) in keys {
                let items = try await client.send(.get, base + "/proposals", token: token).json["items"] as? [[String: Any]] ?? []
                let accepted = items.filter { $0["status"] as? String == "accepted" }
                #expect(items.count == (assessment ? 2 : 1) && accepted.count == 1 && accepted[0]["id"] as? String == undecided.uuidString.lowercased(),
                        "\(who): proposals \(items)")
            }
            var before: [String: [String]] = [:]
            for (who, token, _, _) in keys { before[who] = try await tags(token) }
            try await admin.withTenant(a.id) { tx in _ = try await tx.submitSKP(nip: c.staff.nip, year: 2026, actor: .hr("t")) }
            for (who, token, assessment, _) in keys {
                let pending = try await client.send(.get, base, token: token).json["pending"] as? [String: Any] ?? [:]
                #expect(pending["status"] as? String == (assessment ? "submitted" : "draft") && (pending["submittedAt"] != nil) == assessment,
                        "\(who): the revision submitted again \(pending)")
                // (To the others it moved, though maybe within the second the JSON's times keep.)
                if !assessment { #expect(pending["updatedAt"] as? String == pending["createdAt"] as? String, "\(who): \(pending)") }
                let after = try await tags(token)
                #expect(after.allSatisfy { !$0.isEmpty } && (after == before[who]) == !assessment, "\(who): tags \(before[who] ?? []) then \(after)")
            }
        }
    }

    @Test func theContributionToTheAgencyGoalsIsReadByTheChainAndHROfTheCityOnly() async throws {
        let admin = try await TestDatabase.admin()
        let (a, b, pop) = try await evaluatedCity("api-contribution")
        let c = TestDatabase.chain(pop)
        func key(_ role: Role, _ nip: String?, _ city: Tenant? = nil) async throws -> String {
            try await admin.createAPIKey(tenants: [(city ?? a).id], role: role, label: "", employeeNIP: nip, actor: "t").token
        }
        let staff = try await key(.pegawai, c.staff.nip), peer = try await key(.pegawai, c.peer.nip)
        let kabid = try await key(.atasan, c.kabid.nip), hr = try await key(.hrAdmin, nil), hrB = try await key(.hrAdmin, nil, b)
        let path = "/v1/employees/\(c.staff.nip)/contribution/2026"
        try await withAPI { client in
            let mine = try await client.send(.get, path, token: staff)
            let items = (mine.json["items"] as? [[String: Any]]) ?? []
            #expect(mine.status == .ok && items.first?["kind"] as? String == "utama", "\(mine.body)")
            let goals = items.compactMap { $0["goal"] as? [String: Any] }
            #expect(!goals.isEmpty && goals.allSatisfy { $0["ownerNip"] as? String == c.kepala.nip })
            #expect(items.contains { $0["kind"] as? String == "tambahan" && $0["goal"] != nil }, "a tambahan RHK cascades too")
            // A page at a time: the same RHK in the same order, each once.
            var paged: [String] = [], cursor: String?
            repeat {
                let page = try await client.send(.get, path + "?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""), token: staff)
                paged += ((page.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String }
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil && paged.count <= items.count
            #expect(paged == items.compactMap { $0["text"] as? String } && items.count > 1)
            #expect(try await client.send(.get, path + "?period=Y", token: kabid).status == .ok)
            #expect(try await client.send(.get, path, token: hr).status == .ok)
            #expect(try await client.send(.get, path, token: peer).status == .notFound)
            #expect(try await client.send(.get, path, token: hrB).status == .notFound)
            #expect(try await client.send(.get, path + "?period=Q9", token: hr).status == .badRequest)
        }
    }
}
