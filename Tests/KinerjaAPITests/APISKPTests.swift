import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAdapters
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import NIOCore
import Testing

extension TestClientProtocol {
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String, json: String? = nil, ifMatch: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if json != nil { headers[.contentType] = "application/json" }
        if let ifMatch { headers[.ifMatch] = ifMatch }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { r in
            Reply(status: r.status, headers: r.headers, body: String(buffer: r.body))
        }
    }
}

/// The SKP endpoints with each kind of key: the employee plans and reports, the atasan approves and gives
/// feedback, HR does either, an integrator only reads, and another city's key sees nothing.
@Suite struct APISKPTests {
    static func draft(parent: String?, jpt: Bool) -> String {
        let d1 = jpt ? "penerima_layanan" : "kuantitas", d2 = jpt ? "proses_bisnis" : "waktu"
        let p = parent.map { #","parentKey":"\#($0)""# } ?? ""
        return #"""
            {"approach":"kuantitatif","rhk":[
              {"kind":"utama","text":"Hasil kerja 1"\#(p),"iki":[{"text":"Jumlah dokumen","dimension":"\#(d1)","targetValue":48,"targetUnit":"dokumen"}]},
              {"kind":"utama","text":"Hasil kerja 2"\#(p),"iki":[{"text":"Hari proses","dimension":"\#(d2)","targetValue":5,"targetUnit":"hari","lowerIsBetter":true}]}]}
            """#
    }

    @Test func planApproveReportAndSeeIt() async throws {
        let admin = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("api-skp-a", employees: 300)
        let (b, _) = try await TestDatabase.city("api-skp-b")
        let c = TestDatabase.chain(popA)
        func key(_ role: Role, _ nip: String?, _ city: Tenant = a) async throws -> String {
            try await admin.createAPIKey(tenants: [city.id], role: role, label: "", employeeNIP: nip, actor: "t").token
        }
        let hr = try await key(.hrAdmin, nil), hrB = try await key(.hrAdmin, nil, b)
        let integrator = try await key(.integrator, nil)
        let kasi = try await key(.atasan, c.kasi.nip), staff = try await key(.pegawai, c.staff.nip), peer = try await key(.pegawai, c.peer.nip)
        try await admin.withTenant(a.id) { _ = try await $0.openYear(2026, cadence: .quarterly, actor: "t") }
        // The chain above the kasi is planned by HR.
        var parent: String? = nil
        for nip in [c.kepala.nip, c.kabid.nip, c.kasi.nip] {
            let jpt = nip == c.kepala.nip
            let content = try JSONDecoder().decode(SKP.Content.self, from: Data(Self.draft(parent: parent, jpt: jpt).utf8))
            let r = try await admin.withTenant(a.id) { tx in
                _ = try await tx.saveSKP(nip: nip, year: 2026, content: content, actor: .hr("t"))
                _ = try await tx.submitSKP(nip: nip, year: 2026, actor: .hr("t"))
                return try await tx.decideSKP(nip: nip, year: 2026, approve: true, note: nil, actor: .hr("t"))
            }
            parent = r.content.rhk[0].key.uuidString.lowercased()
        }
        let base = "/v1/employees/\(c.staff.nip)/skp/2026"
        let kasiRHK = parent

        try await withAPI { client in
            // The employee drafts their own SKP, cascading from the kasi's RHK, and submits it.
            let saved = try await client.send(.put, base, token: staff, json: Self.draft(parent: kasiRHK, jpt: false))
            #expect(saved.status == .ok, "\(saved.body)")
            #expect(saved.json["status"] as? String == "draft" && saved.json["revision"] as? Int == 1)
            // Another employee of the same city cannot see or touch it; the integrator reads but does not write.
            #expect(try await client.send(.get, base, token: peer).status == .notFound)
            #expect(try await client.send(.put, base, token: peer, json: Self.draft(parent: nil, jpt: false)).status == .notFound)
            #expect(try await client.send(.get, base, token: integrator).status == .ok)
            let byIntegrator = try await client.send(.post, base + "/submit", token: integrator)
            #expect(byIntegrator.status == .forbidden && byIntegrator.code == "forbidden")
            // Bad input names the bad value.
            let badKey = try await client.send(.put, base, token: staff,
                                               json: #"{"approach":"kuantitatif","rhk":[{"kind":"utama","text":"x","parentKey":"nope","iki":[]}]}"#)
            #expect(badKey.status == .badRequest && (badKey.json["detail"] as? String)?.contains("'nope'") == true)
            let badYear = try await client.send(.get, "/v1/employees/\(c.staff.nip)/skp/1999", token: staff)
            #expect(badYear.status == .badRequest)

            #expect(try await client.send(.post, base + "/submit", token: staff).status == .ok)
            // The employee cannot approve their own; the atasan can.
            let own = try await client.send(.post, base + "/approve", token: staff)
            #expect(own.status == .forbidden, "\(own.body)")
            let again = try await client.send(.post, base + "/submit", token: staff)
            #expect(again.status == .conflict && again.code == "conflict")
            let approved = try await client.send(.post, base + "/approve", token: kasi, ifMatch: "*")
            #expect(approved.status == .ok && approved.json["status"] as? String == "approved")
            let rhk = try #require((approved.json["rhk"] as? [[String: Any]])?.first)
            let rhkKey = try #require(rhk["key"] as? String)
            let ikiKey = try #require((rhk["iki"] as? [[String: Any]])?.first?["key"] as? String)

            // Realisasi by the employee, feedback by the atasan; both show in the employee's own view.
            let real = try await client.send(.put, base + "/realisasi", token: staff, json: """
                {"ikiKey":"\(ikiKey)","period":"Q1","value":12,"evidence":[{"url":"https://lapor.example.go.id/1","note":"Laporan"}]}
                """)
            #expect(real.status == .ok, "\(real.body)")
            let byAtasan = try await client.send(.put, base + "/realisasi", token: kasi, json: #"{"ikiKey":"\#(ikiKey)","period":"Q1","value":1}"#)
            #expect(byAtasan.status == .forbidden)
            let badPeriod = try await client.send(.put, base + "/realisasi", token: staff, json: #"{"ikiKey":"\#(ikiKey)","period":"M13","value":1}"#)
            #expect(badPeriod.status == .badRequest && (badPeriod.json["detail"] as? String)?.contains("'M13'") == true)
            let fb = try await client.send(.post, base + "/feedback", token: kasi, json: #"{"rhkKey":"\#(rhkKey)","period":"Q1","text":"Bagus"}"#)
            #expect(fb.status == .created, "\(fb.body)")
            let mine = try await client.send(.get, "/v1/me/skp?year=2026", token: staff)
            #expect(mine.status == .ok)
            let mineRHK = ((mine.json["skp"] as? [String: Any])?["rhk"] as? [[String: Any]])?.first
            // 12 of 48 documents = 25 percent.
            #expect((mineRHK?["iki"] as? [[String: Any]])?.first?["capaian"] as? Double == 25)
            #expect((mine.json["feedback"] as? [[String: Any]])?.first?["text"] as? String == "Bagus")

            // The atasan's team: the staff member reported one of two indicators for Q1; the peer has no SKP.
            let team = try await client.send(.get, "/v1/team/skp?year=2026&period=Q1", token: kasi)
            #expect(team.status == .ok)
            let items = team.json["items"] as? [[String: Any]] ?? []
            let me = items.first { $0["nip"] as? String == c.staff.nip }
            #expect(me?["ikiReported"] as? Int == 1 && me?["reported"] as? Bool == false)
            #expect(Set(team.json["notReported"] as? [String] ?? []).isSuperset(of: [c.staff.nip, c.peer.nip]))
            // The year, or a month in this quarterly city, is not a period realisasi is reported for: named.
            for (asked, words) in [("Y", "period 'Y' is not a month or quarter of 2026"), ("M2", "period 'M2' is not a month or quarter of 2026 in this city (its periods: Q1-Q4)")] {
                let refused = try await client.send(.get, "/v1/team/skp?year=2026&period=\(asked)", token: kasi)
                #expect(refused.status == .badRequest && refused.body.contains(words), "\(refused.body)")
            }

            // The cascade from the staff member up to the kepala OPD.
            let tree = try await client.send(.get, base + "/tree", token: staff)
            let root = (tree.json["roots"] as? [[String: Any]])?.first
            #expect(root?["nip"] as? String == c.kepala.nip)

            // Revising an approved SKP makes revision 2; both are listed.
            #expect(try await client.send(.put, base, token: staff, json: Self.draft(parent: kasiRHK, jpt: false), ifMatch: "*").json["revision"] as? Int == 2)
            let revisions = try await client.send(.get, base + "/revisions", token: hr)
            #expect((revisions.json["items"] as? [[String: Any]])?.compactMap { $0["status"] as? String } == ["approved", "draft"])

            // Proposals are off in this (national) profile; templates are listed for the employee.
            let propose = try await client.send(.post, base + "/proposals", token: staff, json: """
                {"rhkKey":"\(rhkKey)","iki":{"text":"Usulan","dimension":"kuantitas","targetValue":1,"targetUnit":"x"}}
                """)
            #expect(propose.status == .forbidden)
            let templates = try await client.send(.get, "/v1/employees/\(c.staff.nip)/indicator-templates", token: staff)
            #expect(templates.status == .ok && templates.json["proposalsEnabled"] as? Bool == false)

            // A pegawai key of someone who is an atasan has no atasan powers: no team view, no RHK below in the tree.
            let kasiAsPegawai = try await admin.createAPIKey(tenants: [a.id], role: .pegawai, label: "", employeeNIP: c.kasi.nip, actor: "t").token
            #expect(try await client.send(.get, "/v1/team/skp?year=2026", token: kasiAsPegawai).status == .forbidden)
            let kasiTree = try await client.send(.get, "/v1/employees/\(c.kasi.nip)/skp/2026/tree", token: kasiAsPegawai)
            #expect(kasiTree.status == .ok && !kasiTree.body.contains(c.staff.nip))
            let kasiTreeAsAtasan = try await client.send(.get, "/v1/employees/\(c.kasi.nip)/skp/2026/tree", token: kasi)
            #expect(kasiTreeAsAtasan.body.contains(c.staff.nip))

            // Another city's HR key: the same paths answer 404, as for a NIP nobody has.
            for (method, path) in [(HTTPRequest.Method.get, base), (.get, base + "/tree"), (.get, base + "/revisions"),
                                   (.post, base + "/approve"), (.get, "/v1/employees/\(c.staff.nip)/indicator-templates")] {
                let r = try await client.send(method, path, token: hrB)
                #expect(r.status == .notFound, "\(method) \(path): \(r.status)")
            }
            let forged = try await client.send(.put, base + "/realisasi", token: hrB, json: #"{"ikiKey":"\#(ikiKey)","period":"Q1","value":99}"#)
            #expect(forged.status == .notFound)
        }
        let view = try await admin.withTenant(a.id) { try await $0.skpView(nip: c.staff.nip, year: 2026) }
        #expect(view?.realisasi.map(\.value) == [12], "B's key changed nothing")
    }

    /// Found in review: the proposal decision did not check the key's role or visibility, so a pegawai key of
    /// someone's atasan could accept their proposal. Now only the direct atasan's (or HR's) key decides;
    /// anyone who may not see the employee gets 404.
    /// An indicator sent with its template and without `accumulation` adds up as the template says: Banjarbaru's
    /// participation rate is the latest quarter's figure. It took the default for its aspect (kuantitas: the sum).
    @Test func anIndicatorFromATemplateAddsUpAsTheTemplateSays() async throws {
        let db = try await TestDatabase.admin()
        let profile = try #require(AdapterRegistry.named("banjarbaru")).effectiveProfile()
        let (city, pop) = try await TestDatabase.city("api-template", employees: 300, profile: profile)
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t")
        }
        let c = TestDatabase.chain(pop)
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        try await withAPI { client in
            let uri = "/v1/employees/\(c.staff.nip)/skp/2026"
            var revision = try #require(try await client.send(.get, uri, token: hr).json["skp"] as? [String: Any])
            var rhk = try #require(revision["rhk"] as? [[String: Any]])
            var iki = try #require(rhk[0]["iki"] as? [[String: Any]])
            iki[0]["templateId"] = "angka-partisipasi-sekolah"
            iki[0]["text"] = "Angka partisipasi sekolah usia 7-15 tahun"
            iki[0]["targetUnit"] = "persen"
            iki[0]["targetValue"] = 98
            iki[0]["dimension"] = "kuantitas"
            iki[0].removeValue(forKey: "accumulation")
            rhk[0]["iki"] = iki
            revision = ["approach": revision["approach"] ?? "kuantitatif", "rhk": rhk]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: revision), as: UTF8.self)
            let saved = try await client.send(.put, uri, token: hr, json: body, ifMatch: "*")
            #expect(saved.status == .ok, "\(saved.body.prefix(300))")
            let first = ((saved.json["rhk"] as? [[String: Any]])?.first?["iki"] as? [[String: Any]])?.first
            #expect(first?["templateId"] as? String == "angka-partisipasi-sekolah" && first?["accumulation"] as? String == "last",
                    "\(String(describing: first))")
        }
    }

    @Test func onlyTheAtasanDecidesAProposal() async throws {
        let admin = try await TestDatabase.admin()
        let profile = try #require(AdapterRegistry.named("pematangsiantar")).effectiveProfile()
        let (a, popA) = try await TestDatabase.city("api-prop", employees: 300, profile: profile)
        let c = TestDatabase.chain(popA)
        func key(_ role: Role, _ nip: String?) async throws -> String {
            try await admin.createAPIKey(tenants: [a.id], role: role, label: "", employeeNIP: nip, actor: "t").token
        }
        let staff = try await key(.pegawai, c.staff.nip), kasiPegawai = try await key(.pegawai, c.kasi.nip)
        let kasi = try await key(.atasan, c.kasi.nip), kabid = try await key(.atasan, c.kabid.nip)
        let other = try #require(popA.people.first { $0.jabatanLevel == "Pengawas" && $0.nip != c.kasi.nip && $0.atasan != c.kabid.nip })
        let stranger = try await key(.atasan, other.nip)
        try await admin.withTenant(a.id) { _ = try await $0.openYear(2026, cadence: .monthly, actor: "t") }
        let rhk = try await admin.withTenant(a.id) { tx in
            try await tx.saveSKP(nip: c.staff.nip, year: 2026, content: SKP.Content(approach: .kuantitatif, rhk: [
                SKP.RHK(kind: .utama, text: "Layanan", iki: [SKP.IKI(text: "Berkas", dimension: .kuantitas, targetValue: 10, targetUnit: "berkas")]),
            ]), actor: .hr("t")).content.rhk[0].key
        }
        try await withAPI { client in
            let proposed = try await client.send(.post, "/v1/employees/\(c.staff.nip)/skp/2026/proposals", token: staff, json: """
                {"rhkKey":"\(rhk.uuidString.lowercased())","iki":{"text":"Warga dilayani","dimension":"kuantitas","targetValue":300,"targetUnit":"orang"}}
                """)
            #expect(proposed.status == .created, "\(proposed.body)")
            let id = try #require(proposed.json["id"] as? String)
            let path = "/v1/iki-proposals/\(id)/decision"
            #expect(try await client.send(.post, path, token: kasiPegawai, json: #"{"accept":true}"#).status == .forbidden)
            #expect(try await client.send(.post, path, token: staff, json: #"{"accept":true}"#).status == .forbidden)
            #expect(try await client.send(.post, path, token: stranger, json: #"{"accept":true}"#).status == .notFound)
            #expect(try await client.send(.post, path, token: kabid, json: #"{"accept":true}"#).status == .forbidden, "not the direct atasan")
            let accepted = try await client.send(.post, path, token: kasi, json: #"{"accept":true}"#)
            #expect(accepted.status == .ok && accepted.json["status"] as? String == "accepted")
        }
    }
}
