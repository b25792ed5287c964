public import Foundation
public import KinerjaCore
import NIOCore
public import PostgresNIO

/// The one narrow path that crosses cities: onboarding, suspending, listing, and finding an API key
/// before any tenant is known. Each goes through a SECURITY DEFINER function that audits what it does.
public struct PlatformStore: Sendable {
    let database: KinerjaDatabase

    /// Onboards a city with its validated profile (stored as a snapshot, version 1).
    @discardableResult
    public func onboard(code: String, name: String, adapter: String, profile: TenantProfile, actor: String) async throws -> Tenant {
        try TenantCode.check(code)
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw StoreError.invalid("city name is empty") }
        if try await tenant(code: code) != nil { throw StoreError.conflict(what: "city", key: code) }
        let json = String(data: try JSONEncoder().encode(profile), encoding: .utf8)!
        let id = UUID()
        do {
            // The function's errors arrive with its row: read it.
            try await database.statement(
                "select platform_onboard_tenant(\(id), \(code), \(name), \(adapter), \(json)::jsonb, \(actor))"
            ) { rows in for try await _ in rows {} }
        } catch where StoreError.sqlState(error) == "23505" {
            throw StoreError.conflict(what: "city", key: code)
        }
        guard let t = try await tenant(code: code) else { throw StoreError.notFound(what: "city", key: code) }
        return t
    }

    /// Every city, ordered by code.
    public func tenants() async throws -> [Tenant] {
        try await database.statement(
            "select tenant_id, code, name, adapter, status, profile_version, created_at, employees, retain_until from platform_tenants()"
        ) { try await tenants($0) }
    }

    func tenants(_ rows: PostgresRowSequence) async throws -> [Tenant] {
        var out: [Tenant] = []
        for try await (id, code, name, adapter, status, version, created, count, until) in rows.decode(
            (UUID, String, String, String, String, Int, Date, Int, Date?).self)
        {
            out.append(Tenant(id: TenantID(id), code: code, name: name, adapter: adapter,
                              status: Tenant.Status(rawValue: status) ?? .suspended, profileVersion: version,
                              createdAt: created, employeeCount: count, retainUntil: until))
        }
        return out
    }

    public func tenant(code: String) async throws -> Tenant? {
        try await database.statement(
            "select tenant_id, code, name, adapter, status, profile_version, created_at, employees, retain_until from platform_tenant(\(code))"
        ) { try await tenants($0).first }
    }

    public func requireTenant(code: String) async throws -> Tenant {
        guard let t = try await tenant(code: code) else { throw StoreError.notFound(what: "city", key: code) }
        return t
    }

    /// Offboards a city: its data stay, read-only, for the retention its profile states; returns the first
    /// moment `purge` may remove them. Audited.
    public func offboard(code: String, actor: String) async throws -> Date {
        let tenant = try await requireTenant(code: code)
        let days = try await profile(of: tenant.id).retentionOrDefault.offboardedDays
        do {
            let until = try await database.statement("select platform_offboard_tenant(\(code), \(days)::integer, \(actor))") { rows in
                var until: Date?
                for try await u in rows.decode(Date.self) { until = u }
                return until
            }
            if let until { return until }
        } catch where StoreError.sqlState(error) == "55000" {
            throw StoreError.state("city '\(code)' is already \(tenant.status.rawValue)")
        }
        throw StoreError.notFound(what: "city", key: code)
    }

    /// Suspends or resumes a city; returns the status it had before. Data are untouched.
    @discardableResult
    public func setStatus(code: String, to status: Tenant.Status, actor: String) async throws -> Tenant.Status {
        do {
            let old = try await database.statement("select platform_set_tenant_status(\(code), \(status.rawValue), \(actor))") { rows in
                var old: String?
                for try await o in rows.decode(String.self) { old = o }
                return old
            }
            if let old { return Tenant.Status(rawValue: old) ?? .active }
        } catch where StoreError.sqlState(error) == "P0002" {
            throw StoreError.notFound(what: "city", key: code)
        } catch where StoreError.sqlState(error) == "55000" {
            throw StoreError.state("city '\(code)' was purged: its data are gone and it cannot be resumed")
        }
        throw StoreError.notFound(what: "city", key: code)
    }

    /// Replaces a city's profile with `profile` (validated by its loader): the version goes up by one, the
    /// city's audit log records the keys that changed and the profile replaced, and its dashboard snapshots go.
    /// Returns the version in force after it and the top-level keys that changed (none: the same profile, nothing
    /// written). `dryRun`: the same checks and answer, nothing written. An offboarded or purged city keeps its
    /// profile.
    public func updateProfile(code: String, profile: TenantProfile, actor: String, dryRun: Bool = false) async throws -> (version: Int, changed: [String]) {
        try await requireCadenceFits(code: code, profile: profile)
        let json = String(data: try JSONEncoder().encode(profile), encoding: .utf8)!
        do {
            return try await database.statement(
                "select profile_version, changed from platform_update_profile(\(code), \(json)::jsonb, \(actor), \(dryRun))"
            ) { rows in
                for try await (version, changed) in rows.decode((Int, [String]).self) { return (version, changed) }
                throw StoreError.notFound(what: "city", key: code)
            }
        } catch where StoreError.sqlState(error) == "P0002" {
            throw StoreError.notFound(what: "city", key: code)
        } catch where StoreError.sqlState(error) == "55000" {
            let status = try await tenant(code: code)?.status.rawValue ?? "gone"
            throw StoreError.state("city '\(code)' is \(status): it takes no writes, its profile included")
        }
    }

    /// A year is opened with the periods of the cadence in force (months or quarters): while such a year is
    /// open, another cadence would find none of its periods, and the month's TPP would read no realisasi and pay
    /// 0% kinerja. Refused, naming the years, until they are closed.
    func requireCadenceFits(code: String, profile new: TenantProfile) async throws {
        guard let t = try await tenant(code: code) else { return }  // the update names the missing city
        let old = try await self.profile(of: t.id).periods.cadence
        guard old != new.periods.cadence else { return }
        let open = try await database.withTenant(t.id) { tx in
            var years: [Int] = []
            for try await y in try await tx.query("""
                select distinct a.year from periods a join periods p on p.tenant_id = a.tenant_id and p.year = a.year
                where a.tenant_id = \(t.id.uuid) and a.kind = 'annual' and a.status = 'open' and p.kind = \(old.rawValue)
                order by a.year
                """).decode(Int.self) { years.append(y) }
            return years
        }
        guard open.isEmpty else {
            throw StoreError.state("periods.cadence '\(new.periods.cadence.rawValue)': \(open.map(String.init).joined(separator: ", ")) "
                + "\(open.count == 1 ? "was" : "were") opened by \(old.rawValue) periods and \(open.count == 1 ? "is" : "are") still open; "
                + "keep '\(old.rawValue)' until \(open.count == 1 ? "it is" : "they are") closed ('kinerja-admin period close'), then change it")
        }
    }

    /// The profile snapshot stored for a city and its version, read together: work that records the version it
    /// ran under (an evaluation, the TPP) must take both from the same moment.
    public func profileInForce(of tenant: TenantID) async throws -> (profile: TenantProfile, version: Int) {
        try await database.withTenant(tenant) { try await $0.profileInForce() }
    }

    /// The profile in force for a city.
    public func profile(of tenant: TenantID) async throws -> TenantProfile {
        try await database.withTenant(tenant) { try await $0.profile() }
    }

    /// The grants of an API key, by the SHA-256 of the token: one row per city (several only for bkn_admin).
    public func lookUpKey(hash: [UInt8]) async throws -> [KeyGrant] {
        try await database.connection { conn in
            let rows = try await conn.checkedQuery(
                """
                select tenant_id, tenant_code, tenant_status, key_id, role, label, employee_nip, revoked, scopes, coalesce(expired, false)
                from auth_api_key(\(ByteBuffer(bytes: hash)))
                """, logger: database.logger)
            var out: [KeyGrant] = []
            for try await (tid, code, status, keyID, role, label, nip, revoked, scopes, expired) in rows.decode(
                (UUID, String, String, UUID, String, String, String?, Bool, [String], Bool).self)
            {
                out.append(KeyGrant(tenant: TenantID(tid), tenantCode: code, tenantStatus: Tenant.Status(rawValue: status) ?? .suspended,
                                    keyID: keyID, role: Role(rawValue: role) ?? .pegawai, label: label,
                                    employeeNIP: nip, revoked: revoked, scopes: scopes, expired: expired))
            }
            return out
        }
    }
}

/// One city an API key may act on.
public struct KeyGrant: Sendable, Equatable {
    public var tenant: TenantID
    public var tenantCode: String
    public var tenantStatus: Tenant.Status
    public var keyID: UUID
    public var role: Role
    public var label: String
    public var employeeNIP: String?
    public var revoked: Bool
    /// The ingestion paths an integrator key is granted (empty: all).
    public var scopes: [String] = []
    /// A login session past its end (it counts as revoked too).
    public var expired: Bool = false
}

/// Who a credential speaks for.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Regional BKN admin: a grant over a listed set of cities.
    case bknAdmin = "bkn_admin"
    /// City HR (BKPSDM): one city.
    case hrAdmin = "hr_admin"
    case atasan
    case pegawai
    case integrator
}
