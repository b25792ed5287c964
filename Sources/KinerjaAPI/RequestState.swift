public import Foundation
import HTTPTypes
public import KinerjaStore
public import Logging

/// Who is calling and for which city, set by ``AuthMiddleware`` for the handlers of this request.
public struct Principal: Sendable, Equatable {
    public var keyID: UUID
    public var keyPrefix: String
    /// Who the audit log names for a change this credential makes: `api:` and the key's prefix.
    public var auditActor: String { "api:\(keyPrefix)" }
    public var role: Role
    public var label: String
    public var employeeNIP: String?
    /// The city this request acts on: from the credential, never from the path. Absent only for a regional
    /// key granted several cities that named none with `Kinerja-Tenant`.
    public var tenant: TenantID?
    public var tenantCode: String?
    /// Every city the key may act on.
    public var grants: [String]
    /// The city of each of those codes (a regional key's summary reads each city in turn).
    public var grantTenants: [String: TenantID] = [:]
    /// The ingestion paths an integrator key is granted (empty: all of them), and `siasn` when it is granted
    /// the final results for SIASN (never implied by an empty list).
    public var scopes: [String] = []

    /// Refused unless this key may ingest through `scope` (integrators with a list; city HR always).
    func require(scope: String) throws {
        switch role {
        case .hrAdmin: return
        case .integrator where scopes.isEmpty || scopes.contains(scope): return
        case .integrator:
            throw APIProblem.forbidden("this integrator key is granted \(scopes.joined(separator: ", ")), not \(scope)")
        default:
            throw APIProblem.forbidden("\(scope) is for integrator and hr_admin keys; this key is \(role.rawValue)")
        }
    }

    /// Whether this key reads one person's ratings, predikat, follow-ups and discipline: every key but an
    /// integrator's not granted `siasn` by name (the SIASN sync job). The feed, the SIASN file and the reads
    /// of evaluations and follow-ups all ask this.
    var readsAssessments: Bool { role != .integrator || scopes.contains("siasn") }

    /// Whether this key reads one person's realisasi and its narrative: every key but an integrator's granted
    /// neither `realisasi` (the systems that write it) nor `siasn` (the attendance machine, the complaint app).
    var readsRealisasi: Bool { readsAssessments || scopes.isEmpty || scopes.contains("realisasi") }

    /// How city HR grants this key `siasn`, for the refusals that need it.
    var siasnGrant: String { "kinerja-admin apikey scope --tenant \(tenantCode ?? "CODE") \(keyPrefix) --add siasn" }

    /// Refused for an integrator key not granted `siasn` by name: one person's ratings, predikat and follow-ups
    /// (rewards, coaching, proposed sanctions) go to the SIASN sync job, as the change feed and the SIASN
    /// results file do, not to the attendance machine, the complaint app or the website.
    func requireAssessmentReader(_ what: String) throws {
        guard !readsAssessments else { return }
        throw APIProblem.forbidden("\(what) name one person's assessment: an integrator key needs the scope siasn "
                                   + "(city HR grants it to this key: \(siasnGrant)); this key is granted "
                                   + (scopes.isEmpty ? "the ingestion paths" : scopes.joined(separator: ", ")))
    }

    /// The city, for handlers that work inside one: refused when the request chose none.
    func city() throws -> TenantID {
        guard let tenant else { throw APIProblem.tenantRequired(grants) }
        return tenant
    }
}

/// Per-request values the generated handlers cannot receive as arguments.
public struct RequestState: Sendable {
    public var principal: Principal?
    public var logger: Logger

    @TaskLocal public static var current: RequestState?

    /// The authenticated caller; the auth middleware guarantees one on `/v1` routes.
    static func principal() throws -> Principal {
        guard let p = current?.principal else { throw APIProblem.unauthenticated("no credential") }
        return p
    }
}

/// What the outermost middleware needs to know from inner ones: for the access log line, the city and key once
/// authenticated (``AuthMiddleware``); for the answer, headers every answer carries, errors included (the rate
/// limit's, from ``LimitsMiddleware``). One per request, read by ``ProblemMiddleware`` after the response.
final class AccessLogFields: @unchecked Sendable {
    private let lock = NSLock()
    private var values: Logger.Metadata = [:]
    private var extraHeaders = HTTPFields()

    @TaskLocal static var current: AccessLogFields?

    func set(_ key: String, _ value: String) {
        lock.lock(); defer { lock.unlock() }
        values[key] = "\(value)"
    }

    func add(headers: HTTPFields) {
        lock.lock(); defer { lock.unlock() }
        extraHeaders.append(contentsOf: headers)
    }

    var headers: HTTPFields {
        lock.lock(); defer { lock.unlock() }
        return extraHeaders
    }

    var metadata: Logger.Metadata {
        lock.lock(); defer { lock.unlock() }
        return values
    }
}
