public import Hummingbird
public import KinerjaStore
public import Logging
import Metrics
import OpenAPIHummingbird
import OpenAPIRuntime
public import Prometheus
import ServiceLifecycle
import Synchronization

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
    /// How long an `Idempotency-Key`'s claim, no longer kept fresh by its request, stands before a retry takes
    /// it over (the request's server stopped).
    public var idempotencyAbandoned: Duration = TenantTransaction.idempotencyAbandoned

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

/// The router: problem documents and request ids outermost, metrics, the role gate, authentication, then the
/// handlers generated from `openapi.yaml`. `roleGate`: requests wait for it to open (``buildApplication`` passes
/// one); nil, for a router whose caller has checked the database role itself.
public func buildRouter(
    database: KinerjaDatabase, readReplica: ReadReplica? = nil, settings: ServerSettings, metrics: PrometheusCollectorRegistry?,
    reports: ReportSettings = ReportSettings(), roleGate: RoleGate? = nil
) throws -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    // Read once here rather than on the first refused request; a contract that did not parse is said now.
    if ParameterCatalogue.shared.operations.isEmpty {
        database.logger.warning("openapi.yaml gave no operations: a refused parameter is described as the generated code words it")
    }
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MetricsMiddleware())
    if let roleGate { router.add(middleware: RoleGateMiddleware(gate: roleGate)) }
    let keys = KeyCache(ttl: settings.keyCacheTTL)
    router.add(middleware: AuthMiddleware(database: database, cache: keys))
    router.add(middleware: LimitsMiddleware(maxBody: settings.maxBodyBytes, maxImportBody: settings.maxImportBytes,
                                            limiter: settings.rateLimit > 0 ? RateLimiter(rate: settings.rateLimit, burst: max(1, settings.rateBurst)) : nil))
    router.add(middleware: IdempotencyMiddleware(database: database, abandoned: settings.idempotencyAbandoned))
    router.add(middleware: EntityTagMiddleware())
    try KinerjaService(database: database, reads: readReplica, roleGate: roleGate ?? RoleGate(), metrics: metrics,
                       dashboards: DashboardRefresher(maxAge: settings.dashboardMaxAge), reports: reports,
                       people: PeopleSettings(policy: settings.login, keys: keys))
        // As `EntityTag.of` writes JSON: a change's tag is then the one a read of its body gets.
        .registerHandlers(on: router, configuration: .init(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]))
    return router
}

/// The application: the HTTP server and the database pool as one service group, which drains in-flight
/// requests on SIGTERM before it exits.
public func buildApplication(
    database: KinerjaDatabase, readReplica: ReadReplica? = nil, settings: ServerSettings, metrics: PrometheusCollectorRegistry?,
    reports: ReportSettings = ReportSettings(), logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let gate = RoleGate()
    let router = try buildRouter(database: database, readReplica: readReplica, settings: settings, metrics: metrics, reports: reports,
                                 roleGate: gate)
    var services: [any Service] = [DatabaseService(database: database), RoleCheckService(gate: gate, database: database),
                                   AuditSealService(database: database, interval: settings.auditSealInterval)]
    if let readReplica { services.append(ReadReplicaService(replica: readReplica)) }
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "kinerja"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger
    )
    // Refuse to serve as a role that row-level security would not bind. The role is checked before the server
    // listens. A database that does not answer in the connection wait is not a reason to refuse: the server
    // listens (so /health and /ready answer), the role gate keeps every other request out, and
    // ``RoleCheckService`` checks again until the database answers.
    app.beforeServerStarts {
        do {
            try await gate.check(database)
        } catch let error as UnsafeDatabaseRole {
            throw error
        } catch {
            // RoleCheckService says so, once.
        }
    }
    return app
}

/// Whether the server has checked that its database role is one row-level security binds. Until it has, the
/// router answers every request but /health, /ready, /metrics and the contract with 503: a role that could see
/// every city must never serve one, and only a database that answers can say which role this is.
public final class RoleGate: Sendable {
    private let open = Atomic(false)
    public init() {}

    public var isOpen: Bool { open.load(ordering: .acquiring) }

    /// Checks the role (within the database's connection wait) and opens the gate when it is safe. Throws
    /// ``UnsafeDatabaseRole`` when it is not, and the database's error when it did not answer.
    public func check(_ database: KinerjaDatabase) async throws {
        if isOpen { return }
        let problems = try await database.roleProblems()
        guard problems.isEmpty else { throw UnsafeDatabaseRole(problems: problems) }
        open.store(true, ordering: .releasing)
    }
}

/// Keeps requests out while the ``RoleGate`` is closed, except the operations endpoints.
struct RoleGateMiddleware<Context: RequestContext>: RouterMiddleware {
    let gate: RoleGate
    static var operations: Set<String> { ["/health", "/ready", "/metrics", "/openapi.yaml"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard gate.isOpen || Self.operations.contains(request.uri.path) else {
            throw APIProblem.databaseUnavailable(
                "the database has not answered since the server started, so the server has not yet checked its database role; "
                + "it serves requests once it has (GET /ready says when)")
        }
        return try await next(request, context)
    }
}

/// Checks the database role until the check has run: every second while the database does not answer (at
/// start-up, when the check before listening found it down). A role that row-level security would not bind
/// stops the server, with the problems, as at start-up.
struct RoleCheckService: Service {
    let gate: RoleGate
    let database: KinerjaDatabase

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var failures = 0
            while !gate.isOpen {
                do {
                    try await gate.check(database)
                    if failures > 0 { database.logger.notice("the database answers: role checked, serving requests") }
                } catch let error as UnsafeDatabaseRole {
                    database.logger.critical("\(error)")
                    throw error
                } catch {
                    if Task.isCancelled { return }
                    failures += 1
                    // Said at once, then every minute or so while it lasts.
                    if failures == 1 || failures % 60 == 0 {
                        database.logger.warning("the database does not answer, so its role is not checked: requests other than /health, /ready, /metrics and /openapi.yaml answer 503 until it does",
                                                metadata: ["error": "\(StoreError.describe(error))"])
                    }
                    do { try await Task.sleep(for: .seconds(1)) } catch { return }
                }
            }
        }
        // Checked: nothing more to do, but a service that returns ends the application. Wait for shutdown.
        try? await gracefulShutdown()
    }
}

/// The server was pointed at a database role that could see every city.
public struct UnsafeDatabaseRole: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String {
        "refusing to start: " + problems.joined(separator: "; ") + ". Connect as the application role (kinerja_app)."
    }
}

/// The database's connection pool (``KinerjaDatabase/run()``), until the service group shuts down (which its
/// pools see themselves: the first runs in this service's task, as the pool alone did).
struct DatabaseService: Service {
    let database: KinerjaDatabase

    func run() async throws {
        await database.run()
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
                if Task.isCancelled { return }  // shutdown came during the round: the last round follows
                database.logger.warning("sealing the audit log failed; trying again", metadata: ["error": "\(StoreError.describe(error))"])
            }
        }
        await cancelWhenGracefulShutdown {
            while true {
                // Cancelled at shutdown: the last round is below, after this loop.
                do { try await Task.sleep(for: interval) } catch { return }
                await round()
            }
        }
        // The last requests' entries, before the database pool (a service listed earlier) closes.
        await round()
    }
}
