import _CryptoExtras
import Crypto
public import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Passwords as stored: scrypt (RFC 7914, BoringSSL through swift-crypto) with a random salt per employee;
/// the parameters are kept with each hash, so stronger ones later apply at the next reset.
public enum PasswordHash {
    /// N = 2^15, r = 8, p = 1: 32 MiB and some tens of milliseconds per check on this machine's cores.
    static let rounds = 1 << 15, blockSize = 8, parallelism = 1
    public static let minimumLength = 10

    public struct Stored: Sendable, Equatable {
        public var hash: [UInt8]
        public var salt: [UInt8]
        public var params: String
    }

    /// Why a password may not be used, or nil.
    public static func weakness(_ password: String) -> String? {
        if password.count < minimumLength { return "a password needs at least \(minimumLength) characters; this one has \(password.count)" }
        if Set(password).count < 4 { return "a password needs at least 4 different characters" }
        return nil
    }

    public static func make(_ password: String) throws -> Stored {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let params = "scrypt$N=\(rounds),r=\(blockSize),p=\(parallelism)"
        return Stored(hash: try derive(password, salt: salt, params: params), salt: salt, params: params)
    }

    /// Whether `password` is the one stored; compares in constant time.
    public static func verify(_ password: String, _ stored: Stored) throws -> Bool {
        let candidate = try derive(password, salt: stored.salt, params: stored.params)
        guard candidate.count == stored.hash.count else { return false }
        return zip(candidate, stored.hash).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// ``verify`` on the columns as stored, off the concurrency pool through `checks`.
    static func check(_ password: String, hash: ByteBuffer, salt: ByteBuffer, params: String, through checks: PasswordChecks) async throws -> Bool {
        let stored = Stored(hash: Array(buffer: hash), salt: Array(buffer: salt), params: params)
        return try await checks.run { try verify(password, stored) }
    }

    /// The same work as a real check, for a login whose NIP has no password: the answer takes as long.
    public static func verifyNothing(_ password: String) throws {
        _ = try derive(password, salt: Array(repeating: 0, count: 16), params: "scrypt$N=\(rounds),r=\(blockSize),p=\(parallelism)")
    }

    static func derive(_ password: String, salt: [UInt8], params: String) throws -> [UInt8] {
        guard params.hasPrefix("scrypt$") else { throw StoreError.invalid("unknown password hash '\(params)'") }
        var values: [String: Int] = [:]
        for part in params.dropFirst("scrypt$".count).split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, let v = Int(kv[1]) { values[String(kv[0])] = v }
        }
        guard let n = values["N"], let r = values["r"], let p = values["p"] else {
            throw StoreError.invalid("password hash parameters '\(params)' are incomplete")
        }
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: n, blockSize: r, parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }

    /// A password for HR to hand over: 16 characters without look-alikes (no 0/O, 1/l/I), ~93 bits.
    public static func generate() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        let chars = (0..<16).map { _ in alphabet[Int(rng.next(upperBound: UInt32(alphabet.count)))] }
        return String(chars[0..<4]) + "-" + String(chars[4..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16])
    }

    /// Runs the hash off the concurrency pool's few threads: a check holds a core for tens of milliseconds.
    public static func offloaded<R: Sendable>(_ work: @escaping @Sendable () throws -> R) async throws -> R {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}

/// The password checks of logins, through a gate: at most `running` at once (one core less than the machine's,
/// at least one), so a flood of logins never takes every core from the rest of the server; up to `waiting` more
/// wait their turn in order, and the ones beyond are turned away at once (``Busy``) instead of queueing without end.
public final class PasswordChecks: Sendable {
    /// Too many password checks running and waiting: the caller is asked to try again in a moment.
    public struct Busy: Error, Sendable {}

    public let running: Int, waiting: Int
    private let state = Mutex<(running: Int, waiting: [CheckedContinuation<Bool, Never>])>((0, []))

    /// One core less than the machine's (at least one) at once, and 16 a core waiting.
    public convenience init() {
        self.init(running: max(1, System.coreCount - 1), waiting: 16 * System.coreCount)
    }

    public init(running: Int, waiting: Int) {
        precondition(running >= 1 && waiting >= 0)
        (self.running, self.waiting) = (running, waiting)
    }

    /// `work` off the concurrency pool once a place is free; ``Busy`` when none is and the queue is full.
    public func run<R: Sendable>(_ work: @escaping @Sendable () throws -> R) async throws -> R {
        guard await enter() else { throw Busy() }
        defer { leave() }
        // A login whose client went away while it waited costs no check.
        try Task.checkCancellation()
        return try await PasswordHash.offloaded(work)
    }

    /// Checks running and waiting now.
    public var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.waiting.count) } }

    private func enter() async -> Bool {
        await withCheckedContinuation { c in
            let now: Bool? = state.withLock { s in
                if s.running < running { s.running += 1; return true }
                if s.waiting.count >= waiting { return false }
                s.waiting.append(c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
    }

    /// Gives the place to the first waiting, or frees it.
    private func leave() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { s in
            if s.waiting.isEmpty { s.running -= 1; return nil }
            return s.waiting.removeFirst()
        }
        next?.resume(returning: true)
    }
}

/// What a login attempt came to.
public enum LoginOutcome: Sendable, Equatable {
    case session(token: String, role: Role, expiresAt: Date)
    /// Unknown city, unknown or inactive NIP, no password set, or the wrong password: one answer for all.
    case invalid
    case locked(until: Date)
    case cityUnavailable(code: String, status: Tenant.Status)
}

/// The rules of logging in, from the server's configuration.
public struct LoginPolicy: Sendable {
    public var sessionTTL: Duration
    public var maxFailures: Int
    public var lockDuration: Duration
    /// The gate every password check of a login goes through (one per server).
    public var checks: PasswordChecks
    public init(sessionTTL: Duration = .seconds(8 * 3600), maxFailures: Int = 5, lockDuration: Duration = .seconds(15 * 60),
                checks: PasswordChecks = PasswordChecks()) {
        self.sessionTTL = sessionTTL
        self.maxFailures = maxFailures
        self.lockDuration = lockDuration
        self.checks = checks
    }
}

/// An employee's login as HR sees it.
public struct LoginStatus: Sendable, Equatable {
    public var nip: String
    public var hasPassword: Bool
    public var failedAttempts: Int
    public var lockedUntil: Date?
    public var changedAt: Date?
    public var grants: [String]
    public var openSessions: Int
}

extension PlatformStore {
    /// Checks a NIP and password for the city `code` and, when they hold and no lock stands, opens a session.
    public func login(city code: String, nip: String, password: String, policy: LoginPolicy) async throws -> LoginOutcome {
        let found = try await database.statement("""
            select tenant_id, tenant_status, password_hash, salt, params, locked_until from auth_login_lookup(\(code), \(nip))
            """) { rows in
            var found: (UUID, String, ByteBuffer?, ByteBuffer?, String?, Date?)?
            for try await r in rows.decode((UUID, String, ByteBuffer?, ByteBuffer?, String?, Date?).self) { found = r }
            return found
        }
        guard let (tenantID, status, hashBuffer, saltBuffer, params, lockedUntil) = found else {
            try await policy.checks.run { try PasswordHash.verifyNothing(password) }
            return .invalid
        }
        let cityStatus = Tenant.Status(rawValue: status) ?? .suspended
        guard cityStatus == .active else { return .cityUnavailable(code: code, status: cityStatus) }
        guard let hashBuffer, let saltBuffer, let params else {
            try await policy.checks.run { try PasswordHash.verifyNothing(password) }
            return .invalid
        }
        // Locked: the password is not even checked, so trying on tells nothing.
        if let lockedUntil, lockedUntil > Date() { return .locked(until: lockedUntil) }
        let ok = try await PasswordHash.check(password, hash: hashBuffer, salt: saltBuffer, params: params, through: policy.checks)
        let token = APIToken.generate()
        let keyID = UUID()
        return try await database.statement("""
            select role, locked_until, expires_at from auth_login_record(
                \(tenantID), \(nip), \(hashBuffer), \(ok), \(keyID), \(APIToken.prefix(token)), \(ByteBuffer(bytes: APIToken.hash(token))),
                make_interval(secs => \(Double(policy.sessionTTL.components.seconds))), \(policy.maxFailures)::integer,
                make_interval(secs => \(Double(policy.lockDuration.components.seconds))))
            """) { result -> LoginOutcome in
            for try await (role, locked, expires) in result.decode((String?, Date?, Date?).self) {
                if let role, let expires, let r = Role(rawValue: role) { return .session(token: token, role: r, expiresAt: expires) }
                if let locked, locked > Date() { return .locked(until: locked) }
                return .invalid
            }
            return .invalid
        }
    }
}

extension TenantTransaction {
    /// Sets an employee's password (HR through the CLI): the lock and the failed attempts are cleared and every
    /// open session of the employee is closed. Audited, without the password.
    public func setPassword(nip: String, password: String, actor: String) async throws {
        if let weak = PasswordHash.weakness(password) { throw StoreError.invalid(weak) }
        _ = try await requireActiveEmployee(nip)
        let stored = try await PasswordHash.offloaded { try PasswordHash.make(password) }
        try await query("""
            insert into credentials (tenant_id, nip, password_hash, salt, params, changed_by)
            values (\(tenant.uuid), \(nip), \(ByteBuffer(bytes: stored.hash)), \(ByteBuffer(bytes: stored.salt)), \(stored.params), \(actor))
            on conflict (tenant_id, nip) do update set password_hash = excluded.password_hash, salt = excluded.salt,
                params = excluded.params, failed_attempts = 0, locked_until = null, changed_at = now(), changed_by = excluded.changed_by
            """)
        let closed = try await closeSessions(nip: nip)
        try await audit(actor: actor, action: "user.password_reset", subject: nip, detail: ["sessions_closed": String(closed)])
    }

    /// Grants or withdraws city HR for an employee; withdrawing closes their sessions (which carry the role).
    public func setGrant(nip: String, role: Role, granted: Bool, actor: String) async throws {
        guard role == .hrAdmin else { throw StoreError.invalid("only hr_admin is granted to an employee; '\(role.rawValue)' comes from the employee record or an API key") }
        _ = try await requireActiveEmployee(nip)
        if granted {
            try await query("""
                insert into role_grants (tenant_id, nip, role, granted_by) values (\(tenant.uuid), \(nip), \(role.rawValue), \(actor))
                on conflict do nothing
                """)
        } else {
            try await query("delete from role_grants where tenant_id = \(tenant.uuid) and nip = \(nip) and role = \(role.rawValue)")
        }
        let closed = try await closeSessions(nip: nip)
        try await audit(actor: actor, action: granted ? "user.grant" : "user.ungrant", subject: nip,
                        detail: ["role": role.rawValue, "sessions_closed": String(closed)])
    }

    /// Logs out: the session behind this request ends now, with its audit entry, in an offboarded (read-only)
    /// city too (`session_end`, 0042). An API key is not a session and stays.
    public func endSession(keyID: UUID, actor: String) async throws -> Bool {
        for try await nip in try await query("select session_end(\(keyID), \(actor))").decode(String?.self) { return nip != nil }
        return false
    }

    func closeSessions(nip: String) async throws -> Int {
        let rows = try await query("""
            with closed as (
                update api_keys set revoked_at = now()
                where tenant_id = \(tenant.uuid) and employee_nip = \(nip) and kind = 'session' and revoked_at is null
                returning 1)
            select count(*) from closed
            """)
        var n = 0
        for try await c in rows.decode(Int.self) { n = c }
        return n
    }

    func requireActiveEmployee(_ nip: String) async throws -> String {
        let rows = try await query("select status from employees where tenant_id = \(tenant.uuid) and nip = \(nip)")
        for try await status in rows.decode(String.self) {
            guard status == "active" else { throw StoreError.invalid("employee \(nip) is \(status), not active: no login") }
            return status
        }
        throw StoreError.notFound(what: "employee", key: nip)
    }

    public func loginStatus(nip: String) async throws -> LoginStatus {
        _ = try await requireActiveEmployee(nip)
        let rows = try await query("""
            select c.failed_attempts, c.locked_until, c.changed_at,
                   coalesce((select array_agg(g.role order by g.role) from role_grants g where g.tenant_id = \(tenant.uuid) and g.nip = \(nip)), '{}'),
                   (select count(*) from api_keys k where k.tenant_id = \(tenant.uuid) and k.employee_nip = \(nip) and k.kind = 'session'
                      and k.revoked_at is null and k.expires_at > now())::int
            from (select 1) one
            left join credentials c on c.tenant_id = \(tenant.uuid) and c.nip = \(nip)
            """)
        for try await (failed, locked, changed, grants, sessions) in rows.decode((Int?, Date?, Date?, [String], Int).self) {
            return LoginStatus(nip: nip, hasPassword: changed != nil, failedAttempts: failed ?? 0,
                               lockedUntil: locked.flatMap { $0 > Date() ? $0 : nil }, changedAt: changed, grants: grants,
                               openSessions: sessions)
        }
        throw StoreError.notFound(what: "employee", key: nip)
    }
}
