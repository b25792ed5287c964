public import Foundation
import NIOCore
import PostgresNIO

/// A regional BKN staff member as the CLI shows them: outside every city, with the cities granted to them.
public struct RegionalPerson: Sendable, Equatable {
    public var nip: String
    public var name: String
    /// Codes of the granted cities, by code (an offboarded or purged one included: the grant stays on record).
    public var cities: [String]
    public var hasPassword: Bool
    public var failedAttempts: Int
    public var lockedUntil: Date?
    public var openSessions: Int
}

/// What a regional login came to, besides the answers an employee's login shares (``LoginOutcome``).
public enum RegionalLoginOutcome: Sendable, Equatable {
    case session(token: String, cities: [String], expiresAt: Date)
    /// Unknown NIP, no password set, or the wrong password: one answer for all.
    case invalid
    case locked(until: Date)
    /// The password is right but no city that takes a session is granted: no session.
    case noCity
}

extension PlatformStore {
    /// Adds a regional person (BKN staff) with a password and, optionally, cities; one transaction, audited in
    /// each granted city.
    public func addRegionalPerson(nip: String, name: String, password: String, cities: [String], actor: String) async throws {
        try Self.checkNIP(nip)
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw StoreError.invalid("the name is empty") }
        if let weak = PasswordHash.weakness(password) { throw StoreError.invalid(weak) }
        let tenants = try await requireTenants(cities, granting: true)
        let stored = try await PasswordHash.offloaded { try PasswordHash.make(password) }
        try await database.transaction { conn in
            do {
                try await conn.checkedQuery("""
                    insert into regional_people (nip, name, password_hash, salt, params, changed_at, created_by)
                    values (\(nip), \(name), \(ByteBuffer(bytes: stored.hash)), \(ByteBuffer(bytes: stored.salt)), \(stored.params), now(), \(actor))
                    """, logger: database.logger)
            } catch where StoreError.sqlState(error) == "23505" {
                throw StoreError.conflict(what: "regional person", key: nip)
            }
            for t in tenants { try await grant(conn, nip: nip, tenant: t, actor: actor) }
            try await Self.drain(conn.checkedQuery("select regional_audit(\(nip), null, \(actor), 'region.person_add', \(Self.json(["name": name]))::jsonb)",
                                            logger: database.logger))
        }
    }

    /// Sets a regional person's password: the lock and failed attempts are cleared and their open sessions end.
    public func setRegionalPassword(nip: String, password: String, actor: String) async throws {
        if let weak = PasswordHash.weakness(password) { throw StoreError.invalid(weak) }
        let stored = try await PasswordHash.offloaded { try PasswordHash.make(password) }
        try await database.transaction { conn in
            let rows = try await conn.checkedQuery("""
                update regional_people set password_hash = \(ByteBuffer(bytes: stored.hash)), salt = \(ByteBuffer(bytes: stored.salt)),
                    params = \(stored.params), failed_attempts = 0, locked_until = null, changed_at = now()
                where nip = \(nip) returning 1
                """, logger: database.logger)
            var found = false
            for try await _ in rows { found = true }
            guard found else { throw StoreError.notFound(what: "regional person", key: nip) }
            let closed = try await closeSessions(conn, nip: nip, tenant: nil, actor: actor)
            try await Self.drain(conn.checkedQuery("""
                select regional_audit(\(nip), null, \(actor), 'user.password_reset', \(Self.json(["sessions_closed": String(closed)]))::jsonb)
                """, logger: database.logger))
        }
    }

    /// Grants or withdraws cities; a withdrawal ends the person's open sessions in that city at once.
    public func setRegionalGrant(nip: String, cities: [String], granted: Bool, actor: String) async throws {
        let tenants = try await requireTenants(cities, granting: granted)
        guard !tenants.isEmpty else { throw StoreError.invalid("name at least one city (--city)") }
        try await database.transaction { conn in
            guard try await exists(conn, nip: nip) else { throw StoreError.notFound(what: "regional person", key: nip) }
            for t in tenants {
                if granted {
                    try await grant(conn, nip: nip, tenant: t, actor: actor)
                } else {
                    let closed = try await closeSessions(conn, nip: nip, tenant: t.id, actor: actor)
                    try await Self.drain(conn.checkedQuery("""
                        select regional_audit(\(nip), \(t.id.uuid), \(actor), 'region.ungrant', \(Self.json(["sessions_closed": String(closed)]))::jsonb)
                        """, logger: database.logger))
                    let rows = try await conn.checkedQuery("delete from regional_grants where nip = \(nip) and tenant_id = \(t.id.uuid) returning 1",
                                                    logger: database.logger)
                    var found = false
                    for try await _ in rows { found = true }
                    guard found else { throw StoreError.invalid("\(nip) holds no grant for city '\(t.code)'") }
                }
            }
        }
    }

    /// Removes a regional person: their sessions end, their grants go; the audit entries stay.
    public func removeRegionalPerson(nip: String, actor: String) async throws {
        try await database.transaction { conn in
            guard try await exists(conn, nip: nip) else { throw StoreError.notFound(what: "regional person", key: nip) }
            let closed = try await closeSessions(conn, nip: nip, tenant: nil, actor: actor)
            try await Self.drain(conn.checkedQuery("""
                select regional_audit(\(nip), null, \(actor), 'region.person_remove', \(Self.json(["sessions_closed": String(closed)]))::jsonb)
                """, logger: database.logger))
            try await Self.drain(conn.checkedQuery("delete from regional_people where nip = \(nip)", logger: database.logger))
        }
    }

    /// Every regional person (or the one NIP), by NIP.
    public func regionalPeople(nip: String? = nil) async throws -> [RegionalPerson] {
        let out = try await database.statement("""
            select nip, name, cities, has_password, failed_attempts, locked_until, sessions from regional_people_list(\(nip))
            """) { rows in
            var out: [RegionalPerson] = []
            for try await (nip, name, cities, hasPassword, failed, locked, sessions) in rows.decode(
                (String, String, [String], Bool, Int, Date?, Int).self)
            {
                out.append(RegionalPerson(nip: nip, name: name, cities: cities, hasPassword: hasPassword, failedAttempts: failed,
                                          lockedUntil: locked.flatMap { $0 > Date() ? $0 : nil }, openSessions: sessions))
            }
            return out
        }
        if let nip, out.isEmpty { throw StoreError.notFound(what: "regional person", key: nip) }
        return out
    }

    /// A login without a city: a regional person's NIP and password. When they hold and no lock stands, one
    /// session over the person's cities (role bkn_admin).
    public func regionalLogin(nip: String, password: String, policy: LoginPolicy) async throws -> RegionalLoginOutcome {
        let found = try await database.statement(
            "select password_hash, salt, params, locked_until from auth_regional_lookup(\(nip))"
        ) { rows in
            var found: (ByteBuffer, ByteBuffer, String, Date?)?
            for try await r in rows.decode((ByteBuffer, ByteBuffer, String, Date?).self) { found = r }
            return found
        }
        guard let (hashBuffer, saltBuffer, params, lockedUntil) = found else {
            try await policy.checks.run { try PasswordHash.verifyNothing(password) }
            return .invalid
        }
        if let lockedUntil, lockedUntil > Date() { return .locked(until: lockedUntil) }
        let ok = try await PasswordHash.check(password, hash: hashBuffer, salt: saltBuffer, params: params, through: policy.checks)
        let token = APIToken.generate()
        return try await database.statement("""
            select cities, locked_until, expires_at from auth_regional_record(
                \(nip), \(hashBuffer), \(ok), \(UUID()), \(APIToken.prefix(token)), \(ByteBuffer(bytes: APIToken.hash(token))),
                make_interval(secs => \(Double(policy.sessionTTL.components.seconds))), \(policy.maxFailures)::integer,
                make_interval(secs => \(Double(policy.lockDuration.components.seconds))))
            """) { result -> RegionalLoginOutcome in
            for try await (cities, locked, expires) in result.decode(([String]?, Date?, Date?).self) {
                if let cities, let expires { return .session(token: token, cities: cities, expiresAt: expires) }
                if let cities, cities.isEmpty { return .noCity }
                if let locked, locked > Date() { return .locked(until: locked) }
                return .invalid
            }
            return .invalid
        }
    }

    /// Logs a regional session out in every city it covers; false when the key is not a regional session.
    public func endRegionalSession(keyID: UUID) async throws -> Bool {
        try await database.statement("select auth_regional_logout(\(keyID))") { rows in
            var ended = 0
            for try await n in rows.decode(Int.self) { ended = n }
            return ended > 0
        }
    }

    static func checkNIP(_ nip: String) throws {
        guard nip.utf8.count == 18, nip.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw StoreError.invalid("NIP '\(nip)' is not 18 digits")
        }
    }

    /// The cities named, each once. A grant needs a city that takes writes; a withdrawal takes any.
    func requireTenants(_ codes: [String], granting: Bool) async throws -> [Tenant] {
        var out: [Tenant] = []
        for code in codes where !out.contains(where: { $0.code == code }) {
            let t = try await requireTenant(code: code)
            guard !granting || t.status == .active || t.status == .suspended else {
                throw StoreError.state("city '\(code)' is \(t.status.rawValue): it takes no new grant")
            }
            out.append(t)
        }
        return out
    }

    /// Whether the person exists, locking their row until the transaction ends: a login in progress finishes
    /// first (and its session is then closed with the others), or waits and sees this change.
    func exists(_ conn: PostgresConnection, nip: String) async throws -> Bool {
        var found = false
        for try await _ in try await conn.checkedQuery("select 1 from regional_people where nip = \(nip) for update", logger: database.logger) {
            found = true
        }
        return found
    }

    func grant(_ conn: PostgresConnection, nip: String, tenant: Tenant, actor: String) async throws {
        let rows = try await conn.checkedQuery("""
            insert into regional_grants (nip, tenant_id, granted_by) values (\(nip), \(tenant.id.uuid), \(actor))
            on conflict do nothing returning 1
            """, logger: database.logger)
        var added = false
        for try await _ in rows { added = true }
        if added {
            try await Self.drain(conn.checkedQuery("select regional_audit(\(nip), \(tenant.id.uuid), \(actor), 'region.grant', '{}'::jsonb)",
                                            logger: database.logger))
        }
    }

    func closeSessions(_ conn: PostgresConnection, nip: String, tenant: TenantID?, actor: String) async throws -> Int {
        let rows = try await conn.checkedQuery("select regional_close_sessions(\(nip), \(tenant?.uuid), \(actor))", logger: database.logger)
        var n = 0
        for try await c in rows.decode(Int.self) { n = c }
        return n
    }

    static func json(_ fields: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(fields)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func drain(_ rows: PostgresRowSequence) async throws {
        for try await _ in rows {}
    }
}
