import Crypto
public import Foundation
import NIOCore
import PostgresNIO

/// An API key as listed: never the token, only its prefix.
public struct APIKey: Sendable, Equatable, Codable {
    public var id: UUID
    public var prefix: String
    public var role: Role
    public var label: String
    public var employeeNIP: String?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    /// An integrator key's scopes as stored; none listed means the four ingestion scopes
    /// (``APIKey/ingestionScopes``), never `siasn`.
    public var scopes: [String] = []

    /// What a key's use is limited to: the ingestion paths, and the named results for SIASN.
    public static let knownScopes = ["attendance", "complaints", "realisasi", "employees", "siasn"]
    /// The scopes of an integrator key that lists none.
    public static let ingestionScopes = ["attendance", "complaints", "realisasi", "employees"]
}

/// Opaque, random API tokens stored only as a SHA-256 hash.
public enum APIToken {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// `kin_` and 40 random characters from the system's secure generator (~238 bits).
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return "kin_" + String((0..<40).map { _ in alphabet[Int(rng.next(upperBound: UInt32(alphabet.count)))] })
    }

    public static func hash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }

    /// What `apikey list` shows to tell keys apart.
    public static func prefix(_ token: String) -> String { String(token.prefix(12)) }
}

extension KinerjaDatabase {
    /// Creates a key for one city, or for several (bkn_admin only), in one transaction; returns the token,
    /// which is shown once and never stored.
    public func createAPIKey(
        tenants: [TenantID], role: Role, label: String, employeeNIP: String?, scopes: [String] = [], actor: String
    ) async throws -> (token: String, id: UUID) {
        try APIKey.requireKnown(scopes)
        if !scopes.isEmpty && role != .integrator { throw StoreError.invalid("scopes are for integrator keys; this key is \(role.rawValue)") }
        guard !tenants.isEmpty else { throw StoreError.invalid("a key needs at least one city") }
        if tenants.count > 1 && role != .bknAdmin {
            throw StoreError.invalid("only bkn_admin keys may cover several cities; role \(role.rawValue) is for one city")
        }
        if (role == .atasan || role == .pegawai) && employeeNIP == nil {
            throw StoreError.invalid("role \(role.rawValue) acts for one employee: give --nip")
        }
        // A system's key tied to a person would read that person's own SKP and behaviour through /v1/me.
        if role == .integrator, let nip = employeeNIP {
            throw StoreError.invalid("an integrator key is a system's, not an employee's: leave out --nip \(nip)")
        }
        let token = APIToken.generate()
        let id = UUID()
        let hash = APIToken.hash(token)
        let prefix = APIToken.prefix(token)
        try await transaction { conn in
            for tenant in tenants {
                try await conn.checkedQuery("select set_config('kinerja.tenant_id', \(tenant.description), true)", logger: logger)
                let tx = TenantTransaction(connection: conn, tenant: tenant, logger: logger)
                if let nip = employeeNIP {
                    let found = try await tx.query("select count(*) from employees where tenant_id = \(tenant.uuid) and nip = \(nip)")
                    for try await n in found.decode(Int.self) where n == 0 { throw StoreError.notFound(what: "employee", key: nip) }
                }
                try await tx.query("""
                    insert into api_keys (tenant_id, key_id, prefix, key_hash, role, label, employee_nip, scopes)
                    values (\(tenant.uuid), \(id), \(prefix), \(ByteBuffer(bytes: hash)), \(role.rawValue), \(label), \(employeeNIP),
                            \(Array(Set(scopes)).sorted())::text[])
                    """)
                try await tx.audit(actor: actor, action: "apikey.create", subject: prefix,
                                   detail: ["role": role.rawValue, "label": label])
            }
        }
        return (token, id)
    }
}

extension APIKey {
    static func requireKnown(_ scopes: [String]) throws {
        if let bad = scopes.first(where: { !knownScopes.contains($0) }) {
            throw StoreError.invalid("scope '\(bad)' is not one of: \(knownScopes.joined(separator: ", "))")
        }
    }

    /// The scopes the key is granted, the four ingestion scopes standing for an empty list.
    public var grantedScopes: [String] { role != .integrator ? [] : scopes.isEmpty ? Self.ingestionScopes : scopes }
}

extension TenantTransaction {
    public func apiKeys() async throws -> [APIKey] {
        let rows = try await query("""
            select key_id, prefix, role, label, employee_nip::text, created_at, last_used_at, revoked_at, scopes
            from api_keys where tenant_id = \(tenant.uuid) order by created_at, prefix
            """)
        var out: [APIKey] = []
        for try await (id, prefix, role, label, nip, created, used, revoked, scopes) in rows.decode(
            (UUID, String, String, String, String?, Date, Date?, Date?, [String]).self)
        {
            out.append(APIKey(id: id, prefix: prefix, role: Role(rawValue: role) ?? .pegawai, label: label,
                              employeeNIP: nip, createdAt: created, lastUsedAt: used, revokedAt: revoked, scopes: scopes))
        }
        return out
    }

    /// Grants an active integrator key of this city more scopes, or takes some away, in this transaction (a
    /// payroll job's key made without `siasn` is given it, rather than made again and handed out anew). A key
    /// that lists no scopes holds the four ingestion ones, and keeps them when one is added. Refused: a scope
    /// not known, one both added and taken away, another role's key, a revoked key, and a key left with none
    /// (revoke it instead). A change is audited (`apikey.scope`); a key already so is left as it is. Servers
    /// see it when their cached look-up of the key expires (`--auth-cache-seconds`, 5 s by default).
    public func changeAPIKeyScopes(_ prefixOrID: String, add: [String], remove: [String], actor: String) async throws
        -> (key: APIKey, before: [String], after: [String])
    {
        try APIKey.requireKnown(add + remove)
        if let both = add.first(where: remove.contains) {
            throw StoreError.invalid("scope '\(both)' is both added and taken away")
        }
        let keys = try await apiKeys()
        guard var key = keys.first(where: { $0.prefix == prefixOrID || $0.id.uuidString.lowercased() == prefixOrID.lowercased() })
        else { throw StoreError.notFound(what: "API key", key: prefixOrID) }
        // Read again under the row's lock: two changes at once apply one after the other, and a revocation
        // that came first is seen.
        let locked = try await query("""
            select scopes, revoked_at from api_keys where tenant_id = \(tenant.uuid) and key_id = \(key.id) for update
            """)
        for try await (scopes, revoked) in locked.decode(([String], Date?).self) { (key.scopes, key.revokedAt) = (scopes, revoked) }
        guard key.role == .integrator else {
            throw StoreError.invalid("scopes are for integrator keys; \(key.prefix) is \(key.role.rawValue)")
        }
        guard key.revokedAt == nil else { throw StoreError.invalid("API key '\(key.prefix)' is revoked: make a new one") }
        let before = key.grantedScopes
        let after = APIKey.knownScopes.filter { (before.contains($0) || add.contains($0)) && !remove.contains($0) }
        guard !after.isEmpty else {
            throw StoreError.invalid("\(key.prefix) would be left with no scope: revoke it instead ('apikey revoke')")
        }
        if Set(after) != Set(before) {
            try await query("""
                update api_keys set scopes = \(after)::text[] where tenant_id = \(tenant.uuid) and key_id = \(key.id)
                """)
            try await audit(actor: actor, action: "apikey.scope", subject: key.prefix,
                            detail: ["before": before.joined(separator: ","), "after": after.joined(separator: ",")])
        }
        return (key, before, after)
    }

    /// Revokes a key by its prefix or id, in every city it covers (a bkn_admin key covers several), in this
    /// transaction. Returns the key and the codes of the cities where it was still active.
    @discardableResult
    public func revokeAPIKey(_ prefixOrID: String, actor: String) async throws -> (key: APIKey, cities: [String]) {
        let keys = try await apiKeys()
        let matches = keys.filter { $0.prefix == prefixOrID || $0.id.uuidString.lowercased() == prefixOrID.lowercased() }
        guard let key = matches.first else { throw StoreError.notFound(what: "API key", key: prefixOrID) }
        let rows = try await query("select tenant_code from platform_revoke_api_key(\(key.id), \(actor))")
        var cities: [String] = []
        for try await code in rows.decode(String.self) { cities.append(code) }
        if cities.isEmpty { throw StoreError.invalid("API key '\(prefixOrID)' is already revoked") }
        return (key, cities)
    }
}
