public import Hummingbird
public import KinerjaStore
public import Logging
import Metrics
import OpenAPIHummingbird
import OpenAPIRuntime
public import Prometheus
import ServiceLifecycle

/// What the server needs to run: shared by `kinerja-server` and the tests.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var keyCacheTTL: Duration
    /// How often new audit entries are sealed into their city's hash chain.
    public var auditSealInterval: Duration
    /// A dashboard snapshot older than this is served and computed again in the background.
    public var dashboardMaxAge: Duration
    /// The largest request body, and the largest employee import (a SIASN file of a large city).
    public var maxBodyBytes: Int
    public var maxImportBytes: Int
    /// Requests a second per key (0: no limit), with room for `rateBurst` at once.
    public var rateLimit: Double
    public var rateBurst: Double
    /// People's logins: how long a session lasts, and the failures in a row that lock a login for how long.
    public var login = LoginPolicy()

    public init(host: String = "127.0.0.1", port: Int = 8080, keyCacheTTL: Duration = .seconds(5),
                auditSealInterval: Duration = .seconds(5), dashboardMaxAge: Duration = .seconds(300),
                maxBodyBytes: Int = 1 << 20, maxImportBytes: Int = 64 << 20, rateLimit: Double = 0, rateBurst: Double = 200) {
        self.host = host
        self.port = port
        self.keyCacheTTL = keyCacheTTL
        self.auditSealInterval = auditSealInterval
        self.dashboardMaxAge = dashboardMaxAge
        self.maxBodyBytes = maxBodyBytes
        self.maxImportBytes = maxImportBytes
        self.rateLimit = rateLimit
        self.rateBurst = rateBurst
    }
}

/// The router: problem documents and request ids outermost, metrics, authentication, then the handlers
/// generated from `openapi.yaml`.
public func buildRouter(
    database: KinerjaDatabase, readReplica: ReadReplica? = nil, settings: ServerSettings, metrics: PrometheusCollectorRegistry?,
    reports: ReportSettings = ReportSettings()
) throws -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MetricsMiddleware())
    let keys = KeyCache(ttl: settings.keyCacheTTL)
    router.add(middleware: AuthMiddleware(database: database, cache: keys))
    router.add(middleware: LimitsMiddleware(maxBody: settings.maxBodyBytes, maxImportBody: settings.maxImportBytes,
                                            limiter: settings.rateLimit > 0 ? RateLimiter(rate: settings.rateLimit, burst: max(1, settings.rateBurst)) : nil))
    router.add(middleware: IdempotencyMiddleware(database: database))
    router.add(middleware: EntityTagMiddleware())
    try KinerjaService(database: database, reads: readReplica, metrics: metrics,
                       dashboards: DashboardRefresher(maxAge: settings.dashboardMaxAge), reports: reports,
                       people: PeopleSettings(policy: settings.login, keys: keys))
        .registerHandlers(on: router, configuration: .init(jsonEncodingOptions: [.sortedKeys]))
    return router
}

/// The application: the HTTP server and the database pool as one service group, which drains in-flight
/// requests on SIGTERM before it exits.
public func buildApplication(
    database: KinerjaDatabase, readReplica: ReadReplica? = nil, settings: ServerSettings, metrics: PrometheusCollectorRegistry?,
    reports: ReportSettings = ReportSettings(), logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let router = try buildRouter(database: database, readReplica: readReplica, settings: settings, metrics: metrics, reports: reports)
    var services: [any Service] = [database.client, AuditSealService(database: database, interval: settings.auditSealInterval)]
    if let readReplica { services.append(ReadReplicaService(replica: readReplica)) }
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "kinerja"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
    // Refuse to serve as a role that row-level security would not bind. An unreachable database is
    // not a reason to refuse: /ready reports it until the database answers.
    app.beforeServerStarts {
        if let problems = try? await database.roleProblems(), !problems.isEmpty {
            throw UnsafeDatabaseRole(problems: problems)
        }
    }
    return app
}

/// The server was pointed at a database role that could see every city.
public struct UnsafeDatabaseRole: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String {
        "refusing to start: " + problems.joined(separator: "; ") + ". Connect as the application role (kinerja_app)."
    }
}

/// The standby's pool and its probe, as a service of the application; each probe's finding is a metric:
/// `kinerja_read_replica_lag_seconds` (-1 when unknown) and `kinerja_read_replica_serving` (1 or 0).
struct ReadReplicaService: Service {
    let replica: ReadReplica

    func run() async throws {
        let lag = Gauge(label: "kinerja_read_replica_lag_seconds")
        let serving = Gauge(label: "kinerja_read_replica_serving")
        await cancelWhenGracefulShutdown {
            await replica.run { state in
                lag.record(state.lag ?? -1)
                serving.record(state.serving ? 1 : 0)
            }
        }
    }
}

/// Seals new audit entries into each city's hash chain every `interval` (and once more on shutdown), so an
/// entry stays unsealed for seconds only. A failed round (the database down) is logged and tried again.
struct AuditSealService: Service {
    let database: KinerjaDatabase
    let interval: Duration

    func run() async throws {
        let sealed = Counter(label: "kinerja_audit_entries_sealed_total")
        @Sendable func round() async {
            do {
                let n = try await database.sealAllAudit()
                if n > 0 { sealed.increment(by: n) }
            } catch {
                database.logger.warning("sealing the audit log failed; trying again", metadata: ["error": "\(StoreError.describe(error))"])
            }
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await round()
            }
        }
        // The last requests' entries, before the database pool (a service listed earlier) closes.
        await round()
    }
}
