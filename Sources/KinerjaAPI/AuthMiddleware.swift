import Foundation
import HTTPTypes
import Hummingbird
import KinerjaStore
import Logging
import Synchronization

/// Resolves `Authorization: Bearer <key>` to a ``Principal`` for every `/v1` request, and refuses revoked
/// keys and suspended cities. A `bkn_admin` key granted several cities picks one with `Kinerja-Tenant`.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let database: KinerjaDatabase
    let cache: KeyCache

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var logger = context.logger
        // Logging in is the one /v1 call without a credential: it is how a person gets one.
        let isLogin = request.method == .post && request.uri.path == "/v1/sessions"
        guard !isLogin, request.uri.path.hasPrefix("/v1/") || request.uri.path == "/v1" else {
            return try await RequestState.$current.withValue(RequestState(principal: nil, logger: logger)) {
                try await next(request, context)
            }
        }
        let principal = try await authenticate(request)
        if principal.role == .bknAdmin, !Self.regionalReaches(request.method, request.uri.path) {
            throw APIProblem.forbidden("a regional BKN key reads its cities' summaries only: /v1/region/summary, /v1/tenant, "
                                       + "/v1/org-units, the dashboard and the reports that name no person")
        }
        logger[metadataKey: "tenant"] = "\(principal.tenantCode ?? "-")"
        logger[metadataKey: "key"] = "\(principal.keyPrefix)"
        AccessLogFields.current?.set("tenant", principal.tenantCode ?? "-")
        AccessLogFields.current?.set("key", principal.keyPrefix)
        var context = context
        context.logger = logger
        return try await RequestState.$current.withValue(RequestState(principal: principal, logger: logger)) {
            try await next(request, context)
        }
    }

    /// `DELETE` of this path is logging out; compared by segments, as the router matches it (`/v1/sessions/current/`).
    static func isLogout(_ path: String) -> Bool {
        path.split(separator: "/", omittingEmptySubsequences: true) == ["v1", "sessions", "current"]
    }

    /// What a regional BKN key reaches: summaries across its cities, nothing about a person (the operations
    /// below; which reports, ``KinerjaService/authorizeReport``).
    static func regionalReaches(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        switch (method, parts.count) {
        case (.get, 2): return ["me", "tenant", "org-units", "dashboard", "reports"].contains(parts[1])
        case (.get, 3): return ["region/summary", "dashboard/page"].contains("\(parts[1])/\(parts[2])") || parts[1] == "report-jobs"
        case (.get, 4): return parts[1] == "report-jobs" && parts[3] == "file"
        case (.post, 3): return parts[1] == "reports"
        case (.delete, 3): return parts[1] == "sessions" && parts[2] == "current"
        default: return false
        }
    }

    func authenticate(_ request: Request) async throws -> Principal {
        guard let header = request.headers[.authorization] else {
            throw APIProblem.unauthenticated("send the API key as 'Authorization: Bearer <key>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIProblem.unauthenticated("the Authorization header is not 'Bearer <key>'")
        }
        // Trimmed by hand: Foundation's trimming goes through NSString, 3% of a request.
        var trimmed = parts[1]
        while let c = trimmed.first, c == " " || c == "\t" { trimmed.removeFirst() }
        while let c = trimmed.last, c == " " || c == "\t" { trimmed.removeLast() }
        let token = String(trimmed)
        let hash = APIToken.hash(token)
        let grants = try await cache.grants(for: hash) { try await database.platform.lookUpKey(hash: hash) }
        guard !grants.isEmpty else { throw APIProblem.unauthenticated("the API key is not known") }
        let live = grants.filter { !$0.revoked }
        // The key is what its live rows say. Its revoked rows are cities it no longer opens, and copies of a city
        // (`tenant import --as`), whose rows were imported revoked under ids of their own and may sort first.
        guard let key = live.first else { throw grants.contains(where: \.expired) ? APIProblem.sessionExpired : APIProblem.keyRevoked }

        // Only a regional key chooses among its cities; every other key has exactly one. A regional key
        // that names none may still ask who it is; handlers that work in a city refuse it (tenant_required).
        let chosen: KeyGrant?
        if key.role == .bknAdmin, grants.count > 1 {
            if let wanted = request.headers[.kinerjaTenant] {
                guard let g = grants.first(where: { $0.tenantCode == wanted }) else { throw APIProblem.tenantNotGranted(wanted) }
                chosen = g
            } else {
                chosen = live.count == 1 ? key : nil
            }
        } else {
            chosen = key
        }
        if let chosen {
            if chosen.revoked { throw chosen.expired ? APIProblem.sessionExpired : APIProblem.keyRevoked }
            switch chosen.tenantStatus {
            case .active: break
            case .offboarded:
                // Kept for its retention: reads only, and logging out (a credential ends in a read-only city too).
                // The database refuses other writes too; this says why first.
                guard request.method == .get || request.method == .head
                        || (request.method == .delete && Self.isLogout(request.uri.path)) else {
                    throw APIProblem.tenantReadOnly(chosen.tenantCode)
                }
            case .suspended:
                // Refused, except ending the credential itself: a person leaving a shared computer logs out, and
                // the session does not come back to life when the city is resumed.
                guard request.method == .delete && Self.isLogout(request.uri.path) else {
                    throw APIProblem.tenantSuspended(chosen.tenantCode)
                }
            case .purged: throw APIProblem.tenantSuspended(chosen.tenantCode)
            }
        }
        // An integrator key is a system's, never an employee's: one tied to a NIP before `apikey create` refused
        // that speaks for nobody (it would read that person's own SKP and behaviour through /v1/me).
        return Principal(keyID: key.keyID, keyPrefix: APIToken.prefix(token), role: key.role, label: key.label,
                         employeeNIP: key.role == .integrator ? nil : chosen?.employeeNIP, tenant: chosen?.tenant, tenantCode: chosen?.tenantCode,
                         grants: live.map(\.tenantCode),
                         grantTenants: Dictionary(live.map { ($0.tenantCode, $0.tenant) }, uniquingKeysWith: { a, _ in a }),
                         scopes: chosen?.scopes ?? key.scopes)
    }
}

extension HTTPField.Name {
    static let kinerjaTenant = Self("Kinerja-Tenant")!
    static let requestID = Self("X-Request-Id")!
}

/// Credential look-ups kept for a short time, so a request does not pay a round trip to authenticate.
/// Revocation and suspension take effect within `ttl`. A lock, not an actor: a hit is a dictionary read, and
/// an actor's hop there and back cost every request two thread switches under load.
public final class KeyCache: Sendable {
    let ttl: Duration
    private let entries = Mutex<[[UInt8]: (grants: [KeyGrant], at: ContinuousClock.Instant)]>([:])

    public init(ttl: Duration = .seconds(5)) { self.ttl = ttl }

    /// Drops the cached look-up of a key that has just ended (a logout), so it is refused from now on.
    func forget(keyID: UUID) {
        entries.withLock { e in e = e.filter { !$0.value.grants.contains { $0.keyID == keyID } } }
    }

    func grants(for hash: [UInt8], load: @Sendable () async throws -> [KeyGrant]) async throws -> [KeyGrant] {
        let now = ContinuousClock.now
        let ttl = self.ttl
        if let hit = entries.withLock({ e in e[hash].flatMap { now - $0.at < ttl ? $0.grants : nil } }) { return hit }
        let grants = try await load()
        if ttl > .zero {
            entries.withLock { e in
                if e.count > 10_000 { e.removeAll(keepingCapacity: true) }
                e[hash] = (grants, now)
            }
        }
        return grants
    }
}
