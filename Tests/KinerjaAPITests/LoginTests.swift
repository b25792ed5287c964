import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAPI
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// People's login: NIP and password for a city, a session token that expires and ends at logout, the role
/// from the employee record and grants, the lock after repeated failures, and HR's reset.
@Suite struct LoginTests {
    static func login(_ client: any TestClientProtocol, city: String, nip: String, password: String) async throws -> Reply {
        try await client.send("/v1/sessions", method: .post,
                              json: #"{"city": "\#(city)", "nip": "\#(nip)", "password": "\#(password)"}"#, token: nil)
    }

    @Test func aSessionCarriesTheRoleFromTheRecordAndEndsAtLogout() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("login", employees: 300)
        let line = TestDatabase.chain(pop)
        for p in [line.kasi, line.staff, line.kabid] {
            try await db.withTenant(city.id) { try await $0.setPassword(nip: p.nip, password: "rahasia-\(p.nip.suffix(4))-kota", actor: "t") }
        }
        try await db.withTenant(city.id) { try await $0.setGrant(nip: line.kabid.nip, role: .hrAdmin, granted: true, actor: "t") }
        // The hash is stored, never the password; each employee has a salt of their own.
        let owner = try await TestDatabase.owner()
        let stored = try await owner.withTenant(city.id) { tx in
            var out: [(String, String)] = []
            for try await r in try await tx.query("""
                select encode(password_hash, 'hex'), encode(salt, 'hex') from credentials where tenant_id = \(city.id.uuid)
                """).decode((String, String).self) { out.append(r) }
            return out
        }
        #expect(stored.count == 3 && Set(stored.map(\.1)).count == 3)
        #expect(!stored.contains { $0.0.contains(Data("rahasia".utf8).map { String(format: "%02x", $0) }.joined()) })

        // A long key cache: logout must still take effect at once.
        try await withAPI(settings: ServerSettings(keyCacheTTL: .seconds(60))) { client in
            let kasi = try await Self.login(client, city: city.code, nip: line.kasi.nip, password: "rahasia-\(line.kasi.nip.suffix(4))-kota")
            #expect(kasi.status == .created, "\(kasi.body)")
            #expect(kasi.json["role"] as? String == "atasan" && kasi.json["nip"] as? String == line.kasi.nip)
            #expect(kasi.json["expiresAt"] as? String != nil)
            let token = try #require(kasi.json["token"] as? String)
            let me = try await client.get("/v1/me", token: token)
            #expect(me.status == .ok && me.json["role"] as? String == "atasan" && me.json["employeeNip"] as? String == line.kasi.nip)
            #expect(try await client.get("/v1/team/skp?year=2026", token: token).status == .ok, "an atasan sees their team")

            let staff = try await Self.login(client, city: city.code, nip: line.staff.nip, password: "rahasia-\(line.staff.nip.suffix(4))-kota")
            #expect(staff.json["role"] as? String == "pegawai")
            let staffToken = try #require(staff.json["token"] as? String)
            #expect(try await client.get("/v1/employees/\(line.kepala.nip)", token: staffToken).status == .notFound, "a pegawai reads their own record only")
            #expect(try await client.get("/v1/employees/\(line.staff.nip)", token: staffToken).status == .ok)

            let hr = try await Self.login(client, city: city.code, nip: line.kabid.nip, password: "rahasia-\(line.kabid.nip.suffix(4))-kota")
            #expect(hr.json["role"] as? String == "hr_admin", "granted: \(hr.body)")

            let out = try await client.send("/v1/sessions/current", method: .delete, token: token)
            #expect(out.status == .noContent, "\(out.body)")
            let after = try await client.get("/v1/me", token: token)
            #expect(after.status == .unauthorized && after.code == "key_revoked", "\(after.body)")
            #expect(try await client.get("/v1/me", token: staffToken).status == .ok, "another session stays")

            // An expired session says so.
            try await owner.withTenant(city.id) { tx in
                try await tx.query("update api_keys set expires_at = now() - interval '1 second' where tenant_id = \(city.id.uuid) and employee_nip = \(line.staff.nip) and kind = 'session'")
            }
            try await Task.sleep(for: .milliseconds(10))
            let expired = try await withAPIReply { try await $0.get("/v1/me", token: staffToken) }
            #expect(expired.status == .unauthorized && expired.code == "session_expired", "\(expired.body)")

            // An API key is not a session: logout refuses it and the key stays.
            let key = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
            let refused = try await client.send("/v1/sessions/current", method: .delete, token: key)
            #expect(refused.status == .badRequest && refused.code == "not_a_session")
            #expect(try await client.get("/v1/me", token: key).status == .ok)

            // Withdrawing the grant ends the session that carried it.
            let hrToken = try #require(hr.json["token"] as? String)
            try await db.withTenant(city.id) { try await $0.setGrant(nip: line.kabid.nip, role: .hrAdmin, granted: false, actor: "t") }
            let gone = try await withAPIReply { try await $0.get("/v1/me", token: hrToken) }
            #expect(gone.status == .unauthorized)
        }
        let actions = try await db.withTenant(city.id) { tx in
            var out: [String] = []
            for try await a in try await tx.query("select action from audit_log where tenant_id = \(city.id.uuid) and action like 'user.%'").decode(String.self) { out.append(a) }
            return out
        }
        #expect(actions.filter { $0 == "user.login" }.count == 3 && actions.contains("user.logout") && actions.contains("user.password_reset")
                && actions.contains("user.grant") && actions.contains("user.ungrant"))
    }

    /// An offboarded city is read-only, but its credentials still end: a person logs out, city HR revokes a key
    /// (before 0042 both were refused as writes, leaving a key that read the city for its whole retention). Every
    /// other write stays refused, and the city's audit chain holds the two entries.
    @Test func credentialsEndInAnOffboardedCity() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("login-offboarded", employees: 300)
        let kasi = TestDatabase.chain(pop).kasi
        try await db.withTenant(city.id) { try await $0.setPassword(nip: kasi.nip, password: "rahasia-kasi-kota-1", actor: "t") }
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t").token
        let leaked = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "leaked", employeeNIP: nil, actor: "t").token
        // A revocation reaches a server within its key cache's time (README): a short one here.
        try await withAPI(settings: ServerSettings(keyCacheTTL: .milliseconds(200))) { client in
            let session = try await Self.login(client, city: city.code, nip: kasi.nip, password: "rahasia-kasi-kota-1")
            let token = try #require(session.json["token"] as? String, "\(session.body)")
            _ = try await db.platform.offboard(code: city.code, actor: "t")
            #expect(try await client.get("/v1/me", token: token).status == .ok, "reads go on")
            #expect(try await client.get("/v1/me", token: leaked).status == .ok)

            // As the router reads the path: a trailing slash is the same call.
            let out = try await client.send("/v1/sessions/current/", method: .delete, token: token)
            #expect(out.status == .noContent, "\(out.body)")
            let after = try await client.get("/v1/me", token: token)
            #expect(after.status == .unauthorized && after.code == "key_revoked", "\(after.body)")

            let revoked = try await db.withTenant(city.id) { try await $0.revokeAPIKey(APIToken.prefix(leaked), actor: "kinerja-admin:hr") }
            #expect(revoked.cities == [city.code])
            try await Task.sleep(for: .milliseconds(300))
            let refused = try await client.get("/v1/me", token: leaked)
            #expect(refused.status == .unauthorized && refused.code == "key_revoked", "\(refused.body)")

            let write = try await client.send("/v1/periods", method: .post, json: #"{"year": 2031}"#, token: hr)
            #expect(write.status == .conflict && write.code == "tenant_read_only", "\(write.body)")
            await #expect(throws: (any Error).self, "a new key is a write") {
                _ = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "new", employeeNIP: nil, actor: "t")
            }
        }
        _ = try await db.sealAudit(city.id)
        let (actions, chain) = try await db.withTenant(city.id) { tx in
            var out: [String] = []
            for try await a in try await tx.query("""
                select action from audit_log where tenant_id = \(city.id.uuid) and action in ('user.logout', 'apikey.revoke')
                order by entry_id
                """).decode(String.self) { out.append(a) }
            return (out, try await tx.verifyAuditChain())
        }
        #expect(actions == ["user.logout", "apikey.revoke"])
        #expect(chain.problem == nil && chain.unsealed == 0, "\(chain)")
    }

    @Test func anInactiveEmployeesCredentialsAreRefused() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("login-inactive", employees: 300)
        let kasi = TestDatabase.chain(pop).kasi
        try await db.withTenant(city.id) { try await $0.setPassword(nip: kasi.nip, password: "rahasia-kasi-kota-3", actor: "t") }
        // The employee's login, and a key HR made for them.
        let key = try await db.createAPIKey(tenants: [city.id], role: .pegawai, label: "kiosk", employeeNIP: kasi.nip, actor: "t").token
        try await withAPI(settings: ServerSettings(keyCacheTTL: .milliseconds(200))) { client in
            let session = try await Self.login(client, city: city.code, nip: kasi.nip, password: "rahasia-kasi-kota-3")
            let token = try #require(session.json["token"] as? String, "\(session.body)")
            #expect(try await client.get("/v1/me", token: token).status == .ok)
            #expect(try await client.get("/v1/me", token: key).status == .ok)
            // Retired by the next SIASN file (or a put): neither credential reads the city any more.
            try await db.withTenant(city.id) { try await $0.query("update employees set status = 'inactive' where nip = \(kasi.nip)") }
            try await Task.sleep(for: .milliseconds(300))
            for t in [token, key] {
                let r = try await client.get("/v1/me", token: t)
                #expect(r.status == .unauthorized && r.code == "key_revoked", "\(r.body)")
            }
            let again = try await Self.login(client, city: city.code, nip: kasi.nip, password: "rahasia-kasi-kota-3")
            #expect(again.status == .unauthorized && again.code == "invalid_credentials", "\(again.body)")
            // Made active again (the file was wrong): the session from before stays ended, with an audit entry
            // saying so; the key HR made works again; the person logs in anew.
            try await db.withTenant(city.id) { try await $0.query("update employees set status = 'active' where nip = \(kasi.nip)") }
            try await Task.sleep(for: .milliseconds(300))
            let old = try await client.get("/v1/me", token: token)
            #expect(old.status == .unauthorized && old.code == "key_revoked", "the session ended: \(old.body)")
            #expect(try await client.get("/v1/me", token: key).status == .ok)
            let anew = try await Self.login(client, city: city.code, nip: kasi.nip, password: "rahasia-kasi-kota-3")
            #expect(anew.status == .created || anew.status == .ok, "\(anew.body)")
            let closed = try await db.withTenant(city.id) { tx in
                var out: [String] = []
                for try await d in try await tx.query("""
                    select detail->>'sessions_closed' from audit_log where tenant_id = \(city.id.uuid) and subject = \(kasi.nip)
                      and action = 'user.session_closed'
                    """).decode(String.self) { out.append(d) }
                return out
            }
            #expect(closed == ["1"], "\(closed)")
        }
    }

    /// A flood of logins takes the password checks the gate allows (here one at a time, two waiting); the
    /// others are turned away at once with 503 login_busy and Retry-After, and the rest of the server answers
    /// meanwhile. The gate empties, and a login goes through again.
    @Test func aFloodOfLoginsIsTurnedAwayNotQueued() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("login-flood", employees: 300)
        let kasi = TestDatabase.chain(pop).kasi
        try await db.withTenant(city.id) { try await $0.setPassword(nip: kasi.nip, password: "rahasia-kasi-kota-4", actor: "t") }
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        var settings = ServerSettings()
        let checks = PasswordChecks(running: 1, waiting: 2)
        settings.login = LoginPolicy(checks: checks)
        try await withAPI(settings: settings) { client in
            let answers = try await withThrowingTaskGroup(of: Reply.self) { group in
                // Unknown NIPs: each costs a full password check all the same (one answer for all).
                for i in 0..<12 {
                    group.addTask { try await Self.login(client, city: city.code, nip: "19900101202012\(String(format: "%04d", 1001 + i))", password: "salah-salah-1") }
                }
                group.addTask { try await client.get("/v1/me", token: hr) }
                var out: [Reply] = []
                for try await r in group { out.append(r) }
                return out
            }
            let busy = answers.filter { $0.code == "login_busy" }
            #expect(!busy.isEmpty && busy.allSatisfy { $0.status == .serviceUnavailable && $0.headers[.retryAfter] == "1" }, "\(answers.map(\.status))")
            #expect(answers.filter { $0.code == "invalid_credentials" }.count >= 3, "one running and two waiting at least")
            #expect(answers.filter { $0.status == .ok }.count == 1, "the rest of the server answers")
            #expect(answers.count == 13 && answers.allSatisfy { [.ok, .unauthorized, .serviceUnavailable].contains($0.status) })
            #expect(checks.load == (0, 0))
            #expect(try await Self.login(client, city: city.code, nip: kasi.nip, password: "rahasia-kasi-kota-4").status == .created)
        }
    }

    @Test func aPersonLogsOutOfASuspendedCity() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("login-suspended", employees: 300)
        let kasi = TestDatabase.chain(pop).kasi
        try await db.withTenant(city.id) { try await $0.setPassword(nip: kasi.nip, password: "rahasia-kasi-kota-2", actor: "t") }
        try await withAPI(settings: ServerSettings(keyCacheTTL: .milliseconds(200))) { client in
            let session = try await Self.login(client, city: city.code, nip: kasi.nip, password: "rahasia-kasi-kota-2")
            let token = try #require(session.json["token"] as? String, "\(session.body)")
            let other = try #require(try await Self.login(client, city: city.code, nip: kasi.nip, password: "rahasia-kasi-kota-2")
                .json["token"] as? String)
            _ = try await db.platform.setStatus(code: city.code, to: .suspended, actor: "t")
            try await Task.sleep(for: .milliseconds(300))
            let read = try await client.get("/v1/me", token: token)
            #expect(read.status == .forbidden && read.code == "tenant_suspended", "\(read.body)")
            // Logging out is the one call a suspended city's credential still makes; nothing else is let through.
            let out = try await client.send("/v1/sessions/current", method: .delete, token: token)
            #expect(out.status == .noContent, "\(out.body)")
            let login = try await Self.login(client, city: city.code, nip: kasi.nip, password: "rahasia-kasi-kota-2")
            #expect(login.status == .forbidden && login.code == "tenant_suspended", "\(login.body)")

            // Resumed: the session that logged out stays ended; the other one works again.
            _ = try await db.platform.setStatus(code: city.code, to: .active, actor: "t")
            try await Task.sleep(for: .milliseconds(300))
            let after = try await client.get("/v1/me", token: token)
            #expect(after.status == .unauthorized && after.code == "key_revoked", "\(after.body)")
            #expect(try await client.get("/v1/me", token: other).status == .ok)
        }
        let actions = try await db.withTenant(city.id) { tx in
            var out: [String] = []
            for try await a in try await tx.query("""
                select action from audit_log where tenant_id = \(city.id.uuid) and action like 'user.log%' order by entry_id
                """).decode(String.self) { out.append(a) }
            return out
        }
        #expect(actions.filter { $0 == "user.logout" }.count == 1, "\(actions)")
    }

    @Test func repeatedFailuresLockTheLoginUntilHRResetsIt() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("lockout")
        let (other, otherPop) = try await TestDatabase.city("lockout-other")
        let nip = pop.people[5].nip
        try await db.withTenant(city.id) { try await $0.setPassword(nip: nip, password: "benar-sekali-123", actor: "t") }
        try await db.withTenant(other.id) { try await $0.setPassword(nip: otherPop.people[5].nip, password: "benar-sekali-123", actor: "t") }
        try await withAPI { client in
            // One answer for a wrong password, an unknown NIP, no password, an unknown city and another city's NIP.
            for (c, n, pw) in [(city.code, nip, "salah-salah-1"), (city.code, "199001012020121001", "benar-sekali-123"),
                               (city.code, pop.people[6].nip, "benar-sekali-123"), ("no-such-city", nip, "benar-sekali-123"),
                               (city.code, otherPop.people[5].nip, "benar-sekali-123")] {
                let r = try await Self.login(client, city: c, nip: n, password: pw)
                #expect(r.status == .unauthorized && r.code == "invalid_credentials", "\(c) \(n): \(r.body)")
            }
            let bad = try await Self.login(client, city: city.code, nip: "12345", password: "x")
            #expect(bad.status == .badRequest && bad.body.contains("12345"))
            for _ in 2...4 { #expect(try await Self.login(client, city: city.code, nip: nip, password: "salah-lagi").code == "invalid_credentials") }
            let fifth = try await Self.login(client, city: city.code, nip: nip, password: "salah-lagi")
            #expect(fifth.status.code == 423 && fifth.code == "account_locked", "\(fifth.body)")
            #expect(Int(fifth.headers[.retryAfter] ?? "") ?? 0 > 800, "about 15 minutes")
            // Locked: the right password is refused too; the other city's employee is not locked.
            let right = try await Self.login(client, city: city.code, nip: nip, password: "benar-sekali-123")
            #expect(right.status.code == 423)
            #expect(try await Self.login(client, city: other.code, nip: otherPop.people[5].nip, password: "benar-sekali-123").status == .created)
            let status = try await db.withTenant(city.id) { try await $0.loginStatus(nip: nip) }
            #expect(status.lockedUntil != nil && status.failedAttempts == 5 && status.hasPassword)

            // HR resets it: unlocked, the old password no longer works.
            try await db.withTenant(city.id) { try await $0.setPassword(nip: nip, password: "baru-lagi-4567", actor: "t") }
            #expect(try await Self.login(client, city: city.code, nip: nip, password: "benar-sekali-123").code == "invalid_credentials")
            #expect(try await Self.login(client, city: city.code, nip: nip, password: "baru-lagi-4567").status == .created)
        }
        // Weak passwords are refused with the reason; a password for another city's employee is not found.
        await #expect(throws: StoreError.self) { try await db.withTenant(city.id) { try await $0.setPassword(nip: nip, password: "pendek", actor: "t") } }
        await #expect(throws: StoreError.self) {
            try await db.withTenant(city.id) { try await $0.setPassword(nip: otherPop.people[5].nip, password: "benar-sekali-123", actor: "t") }
        }
    }

    /// Isolation: two cities may hold the same NIP, each its own person. When A's record turns inactive, A's
    /// session ends; B's session of the same NIP goes on, and B's log says nothing of it.
    @Test func anInactiveRecordEndsOnlyItsOwnCitysSessions() async throws {
        let db = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("login-iso-a", employees: 300)
        let (b, _) = try await TestDatabase.city("login-iso-b", employees: 300)
        let nip = TestDatabase.chain(popA).kasi.nip
        let hrA = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let hrB = try await db.createAPIKey(tenants: [b.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        try await withAPI(settings: ServerSettings(keyCacheTTL: .milliseconds(200))) { client in
            // B's HR puts B's own employee under the same NIP (the generated cities have the same unit codes).
            let record = try await client.get("/v1/employees/\(nip)", token: hrA).json
            let put = try await client.send("/v1/employees/\(nip)", method: .put,
                                            json: try APIEmployeePutTests.input(record, ["name": "Orang Kota B", "atasanNip": nil]), token: hrB)
            #expect(put.status == .created, "\(put.body)")
            for city in [a, b] {
                try await db.withTenant(city.id) { try await $0.setPassword(nip: nip, password: "rahasia-kembar-kota-5", actor: "t") }
            }
            var tokens: [String] = []
            for city in [a, b] {
                let session = try await Self.login(client, city: city.code, nip: nip, password: "rahasia-kembar-kota-5")
                tokens.append(try #require(session.json["token"] as? String, "\(session.body)"))
            }
            try await db.withTenant(a.id) { try await $0.query("update employees set status = 'inactive' where tenant_id = \(a.id.uuid) and nip = \(nip)") }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await client.get("/v1/me", token: tokens[0]).code == "key_revoked")
            let theirs = try await client.get("/v1/me", token: tokens[1])
            #expect(theirs.status == .ok, "B's session of the same NIP: \(theirs.body)")
        }
        for (city, expected) in [(a, 1), (b, 0)] {
            let closed = try await db.withTenant(city.id) { tx in
                try await tx.int("select count(*)::int from audit_log where tenant_id = \(city.id.uuid) and action = 'user.session_closed'")
            }
            #expect(closed == expected, "\(city.code): \(closed)")
        }
    }
}

/// One request through a fresh router (no cached look-ups).
func withAPIReply(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Reply) async throws -> Reply {
    let box = ReplyBox()
    try await withAPI { client in await box.set(try await body(client)) }
    return await box.reply!
}

actor ReplyBox {
    var reply: Reply?
    func set(_ r: Reply) { reply = r }
}
