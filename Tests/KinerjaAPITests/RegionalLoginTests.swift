import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAPI
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// Regional BKN staff as people: added, granted and reset with the real `kinerja-admin regional`, logged in
/// with NIP and password and no city, a session over exactly their cities with bkn_admin's limits, the lock,
/// logout, and every step in the granted cities' audit logs.
@Suite struct RegionalLoginTests {
    static func randomNIP() -> String { "1" + (0..<17).map { _ in String(Int.random(in: 0...9)) }.joined() }

    static func login(_ client: any TestClientProtocol, nip: String, password: String) async throws -> Reply {
        try await client.send("/v1/sessions", method: .post, json: #"{"nip": "\#(nip)", "password": "\#(password)"}"#, token: nil)
    }

    @Test func aRegionalPersonSeesExactlyTheirCitiesAndNoPerson() async throws {
        let db = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("regional-a")
        let (b, _) = try await TestDatabase.city("regional-b")
        let (c, popC) = try await TestDatabase.city("regional-c")
        let (d, _) = try await TestDatabase.city("regional-d")
        let nip = Self.randomNIP()

        // Added by the CLI with two cities; the generated password alone on stdout.
        let add = try await ReportCommandTests.admin(["regional", "add", "--nip", nip, "--name", "Siti Rahma", "--city", a.code, "--city", b.code,
                                                      "--city", d.code])
        #expect(add.status == 0, "\(add.err)")
        let password = add.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(password.count == 19 && !password.contains("\n"), "\(add.out)")
        let listed = try await ReportCommandTests.admin(["regional", "list", "--nip", nip])
        #expect(listed.status == 0 && listed.out.contains("\(nip)\tSiti Rahma\t\([a.code, b.code, d.code].sorted().joined(separator: ","))\tset\t0\t-\t0"),
                "\(listed.out) \(listed.err)")
        // Bad input is refused by name and changes nothing.
        for (arguments, named) in [
            (["regional", "add", "--nip", "12345", "--name", "X", "--city", a.code], "12345"),
            (["regional", "add", "--nip", Self.randomNIP(), "--name", "X", "--city", "kota-tidak-ada"], "kota-tidak-ada"),
            (["regional", "add", "--nip", nip, "--name", "Again"], nip),
            (["regional", "grant", "--nip", Self.randomNIP(), "--city", a.code], "not found"),
            (["regional", "ungrant", "--nip", nip, "--city", c.code], c.code),
        ] {
            let r = try await ReportCommandTests.admin(arguments)
            #expect(r.status != 0 && r.err.contains(named), "\(arguments): \(r.err)")
        }
        #expect(try await db.platform.regionalPeople(nip: nip).first?.cities == [a.code, b.code, d.code].sorted(), "the failed calls changed nothing")

        try await withAPI(settings: ServerSettings(keyCacheTTL: .seconds(60))) { client in
            let session = try await Self.login(client, nip: nip, password: password)
            #expect(session.status == .created, "\(session.body)")
            #expect(session.json["role"] as? String == "bkn_admin" && session.json["city"] == nil)
            #expect(session.json["cities"] as? [String] == [a.code, b.code, d.code].sorted())
            let token = try #require(session.json["token"] as? String)

            // The summaries of exactly the granted cities; another city's is refused; nothing about a person.
            let summary = try await client.get("/v1/region/summary?year=2026", token: token)
            #expect(summary.status == .ok && summary.items.compactMap { $0["city"] as? String } == [a.code, b.code, d.code].sorted(), "\(summary.body)")
            let other = try await client.get("/v1/region/summary?year=2026", token: token, headers: [.init("Kinerja-Tenant")!: c.code])
            #expect(other.status == .forbidden && other.code == "tenant_not_granted")
            for path in ["/v1/employees/\(popA.people[0].nip)", "/v1/employees", "/v1/audit"] {
                let r = try await client.get(path, token: token, headers: [.init("Kinerja-Tenant")!: a.code])
                #expect(r.status == .forbidden, "\(path): \(r.body)")
            }
            let c1 = try await client.get("/v1/employees/\(popC.people[0].nip)", token: token, headers: [.init("Kinerja-Tenant")!: c.code])
            #expect(c1.status == .forbidden && !c1.body.contains(popC.people[0].name))
            let me = try await client.get("/v1/me", token: token, headers: [.init("Kinerja-Tenant")!: a.code])
            #expect(me.status == .ok && me.json["role"] as? String == "bkn_admin" && me.json["employeeNip"] == nil, "\(me.body)")

            // A city employee's NIP and password do not open a regional session, nor the person a city's.
            let employee = popA.people[4].nip
            try await db.withTenant(a.id) { try await $0.setPassword(nip: employee, password: "pegawai-kota-123", actor: "t") }
            #expect(try await Self.login(client, nip: employee, password: "pegawai-kota-123").code == "invalid_credentials")
            let asCity = try await client.send("/v1/sessions", method: .post,
                                               json: #"{"city": "\#(a.code)", "nip": "\#(nip)", "password": "\#(password)"}"#, token: nil)
            #expect(asCity.code == "invalid_credentials")

            // Withdrawing a city takes it from the open session at once (the cache notwithstanding once it expires)
            // and from the next login.
            let ungrant = try await ReportCommandTests.admin(["regional", "ungrant", "--nip", nip, "--city", b.code])
            #expect(ungrant.status == 0, "\(ungrant.err)")
            let narrowed = try await withAPIReply { try await $0.get("/v1/region/summary?year=2026", token: token) }
            #expect(narrowed.items.compactMap { $0["city"] as? String } == [a.code, d.code].sorted(), "\(narrowed.body)")
            let again = try await Self.login(client, nip: nip, password: password)
            #expect(again.json["cities"] as? [String] == [a.code, d.code].sorted())

            // A city offboarded under an open session is still read through it (an offboarded city is
            // read-only), and the session's row there ends with the rest at logout.
            _ = try await db.platform.offboard(code: d.code, actor: "t")
            let inD: HTTPFields = [.init("Kinerja-Tenant")!: d.code]
            #expect(try await client.get("/v1/tenant", token: token, headers: inD).status == .ok)

            // Logout ends the session in every city it covered.
            let out = try await client.send("/v1/sessions/current", method: .delete, token: token)
            #expect(out.status == .noContent, "\(out.body)")
            let after = try await client.get("/v1/me", token: token, headers: [.init("Kinerja-Tenant")!: a.code])
            #expect(after.status == .unauthorized && after.code == "key_revoked", "\(after.body)")
            let afterInD = try await withAPIReply { try await $0.get("/v1/tenant", token: token, headers: inD) }
            #expect(afterInD.status == .unauthorized, "the offboarded city's row ended too: \(afterInD.body)")
            let second = try #require(again.json["token"] as? String)
            #expect(try await client.get("/v1/me", token: second).status == .ok, "another session stays")

            // Five failures lock; the right password is then refused too; a reset clears the lock and ends sessions.
            for _ in 1...4 { #expect(try await Self.login(client, nip: nip, password: "salah-salah-1").code == "invalid_credentials") }
            let locked = try await Self.login(client, nip: nip, password: "salah-salah-1")
            #expect(locked.status.code == 423 && locked.code == "account_locked", "\(locked.body)")
            #expect(try await Self.login(client, nip: nip, password: password).status.code == 423)
            let reset = try await ReportCommandTests.admin(["regional", "reset-password", "--nip", nip])
            #expect(reset.status == 0, "\(reset.err)")
            let fresh = reset.out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await withAPIReply { try await $0.get("/v1/me", token: second) }.status == .unauthorized, "the reset ended it")
            #expect(try await withAPIReply { try await $0.get("/v1/tenant", token: second, headers: inD) }.status == .unauthorized,
                    "in the offboarded city too")
            // An offboarded city can still be withdrawn.
            let ungrantD = try await ReportCommandTests.admin(["regional", "ungrant", "--nip", nip, "--city", d.code])
            #expect(ungrantD.status == 0, "\(ungrantD.err)")
            #expect(try await Self.login(client, nip: nip, password: password).code == "invalid_credentials")
            #expect(try await Self.login(client, nip: nip, password: fresh).status == .created)

            // No city left: the right password opens nothing, and says why.
            #expect(try await ReportCommandTests.admin(["regional", "ungrant", "--nip", nip, "--city", a.code]).status == 0)
            let none = try await Self.login(client, nip: nip, password: fresh)
            #expect(none.status == .forbidden && none.code == "no_city_granted" && none.body.contains(nip), "\(none.body)")

            // Removed: the open session ends and the NIP is unknown.
            #expect(try await ReportCommandTests.admin(["regional", "grant", "--nip", nip, "--city", a.code]).status == 0)
            let last = try #require(try await Self.login(client, nip: nip, password: fresh).json["token"] as? String)
            let removed = try await ReportCommandTests.admin(["regional", "remove", "--nip", nip])
            #expect(removed.status == 0, "\(removed.err)")
            #expect(try await withAPIReply { try await $0.get("/v1/me", token: last) }.status == .unauthorized, "the removal ended it")
            #expect(try await Self.login(client, nip: nip, password: fresh).code == "invalid_credentials")
        }

        // Every step is in the audit log of the cities granted at the time; none in a city never granted.
        func actions(_ city: Tenant) async throws -> [String] {
            try await db.withTenant(city.id) { tx in
                var out: [String] = []
                for try await a in try await tx.query("""
                    select action from audit_log where tenant_id = \(city.id.uuid) and subject = \(nip) order by entry_id
                    """).decode(String.self) { out.append(a) }
                return out
            }
        }
        let inA = try await actions(a)
        for action in ["region.person_add", "region.grant", "user.login", "user.logout", "user.login_failed", "user.locked",
                       "user.password_reset", "region.ungrant", "region.person_remove"] {
            #expect(inA.contains(action), "\(action) not in \(inA)")
        }
        let inB = try await actions(b)
        #expect(inB.contains("user.login") && inB.contains("region.ungrant") && !inB.contains("user.locked"), "\(inB)")
        #expect(try await actions(c).isEmpty)
        // The city offboarded under the open sessions has their ends in its log too: the logout, the sessions the
        // reset closed, and the entries that say why (the reset, the grant withdrawn), not the removal after it.
        let inD = try await actions(d)
        #expect(inD.contains("user.logout") && inD.contains("user.session_closed"), "\(inD)")
        #expect(inD.contains("user.password_reset") && inD.contains("region.ungrant") && !inD.contains("region.person_remove"), "\(inD)")
        #expect(try await ReportCommandTests.admin(["regional", "list", "--nip", nip]).status != 0, "removed")
    }

    /// A password reset between the check of the password and the recording of its outcome: the outcome was
    /// for the old hash, so it opens no session and counts as no failure (for regional staff and employees).
    @Test func anOutcomeForAHashNoLongerStoredCountsForNothing() async throws {
        let admin = try await TestDatabase.admin(), app = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("regional-race")
        let nip = Self.randomNIP(), employee = pop.people[3].nip
        try await admin.platform.addRegionalPerson(nip: nip, name: "Budi", password: "lama-sekali-123", cities: [city.code], actor: "t")
        try await admin.withTenant(city.id) { try await $0.setPassword(nip: employee, password: "lama-sekali-123", actor: "t") }
        let stale = ByteBuffer(bytes: Array(repeating: UInt8(7), count: 32))
        func call(_ sql: PostgresQuery) async throws -> (String?, Date?) {
            try await app.connection { conn in
                var out: (String?, Date?) = (nil, nil)
                for try await r in try await conn.query(sql, logger: TestDatabase.logger).decode((String?, Date?).self) { out = r }
                return out
            }
        }
        let hash = ByteBuffer(bytes: Array(repeating: UInt8(1), count: 32))
        for ok in [true, false] {
            let regional = try await call("""
                select array_to_string(cities, ','), expires_at from auth_regional_record(\(nip), \(stale), \(ok), \(UUID()), 'kin_race',
                    \(hash), interval '1 hour', 5, interval '15 minutes')
                """)
            #expect(regional.0 == nil && regional.1 == nil, "no session for a stale hash (ok \(ok))")
            let person = try await call("""
                select role, expires_at from auth_login_record(\(city.id.uuid), \(employee), \(stale), \(ok), \(UUID()), 'kin_race',
                    \(hash), interval '1 hour', 5, interval '15 minutes')
                """)
            #expect(person.0 == nil && person.1 == nil, "no session for a stale hash (ok \(ok))")
        }
        #expect(try await admin.platform.regionalPeople(nip: nip).first?.failedAttempts == 0)
        #expect(try await admin.withTenant(city.id) { try await $0.loginStatus(nip: employee) }.failedAttempts == 0)
        try await admin.platform.removeRegionalPerson(nip: nip, actor: "t")
    }
}
