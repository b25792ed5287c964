import Configuration
import Foundation
import Hummingbird
import KinerjaAdapters
import KinerjaCore
import KinerjaAPI
import KinerjaStore
import Logging
import Metrics
import Prometheus

/// kinerja-server: configuration (flags > KINERJA_* / DATABASE_URL > defaults), then the application.
@main
struct KinerjaServer {
    static let help = """
        kinerja-server: the Kinerja HTTP API.

        Settings (flag > environment > default):
          --http-host HOST          KINERJA_HTTP_HOST            127.0.0.1
          --http-port PORT          KINERJA_HTTP_PORT            8080
          --database-url URL        KINERJA_DATABASE_URL, DATABASE_URL
                                    default: the local cluster of 'make db-start' (.data/local.env);
                                    add ?prepared_statements=off behind PgBouncer older than 1.21
          --database-connections N  KINERJA_DATABASE_CONNECTIONS 20
          --database-wait-seconds N KINERJA_DATABASE_WAIT_SECONDS 5 (a request that gets no connection
                                    in this time answers 503 database_unavailable, with Retry-After)
          --database-idle-seconds N KINERJA_DATABASE_IDLE_SECONDS 10 (a connection unused this long is
                                    closed; each release holds ~0.7 kB until this passes, so under load
                                    a longer time costs memory: requests/s x seconds x 0.7 kB;
                                    above 30, idle connections get a keep-alive query every 30 s)
          --auth-cache-seconds N    KINERJA_AUTH_CACHE_SECONDS   5 (how long a key look-up is reused)
          --read-database-url URL   KINERJA_READ_DATABASE_URL    none: a hot standby for read-only work
                                    (overviews, follow-up lists, reports); the primary serves them without it
          --read-max-lag-seconds N  KINERJA_READ_MAX_LAG_SECONDS 30 (a standby further behind is not used)
          --audit-seal-seconds N    KINERJA_AUDIT_SEAL_SECONDS   5 (new audit entries join their city's hash
                                    chain within this time)
          --dashboard-max-age-seconds N  KINERJA_DASHBOARD_MAX_AGE_SECONDS 300 (an older dashboard snapshot
                                    is served and computed again in the background)
          --report-dir DIR          KINERJA_REPORT_DIR           the system's temp folder/kinerja-reports (files of
                                    report jobs: documents of many employees, PDFs of several)
          --report-inline-limit N   KINERJA_REPORT_INLINE_LIMIT  200 (more documents than this are made as a job)
          --statement-timeout-seconds N  KINERJA_STATEMENT_TIMEOUT_SECONDS 30 (0: none; a statement running
                                    longer is stopped: 503 query_timeout, nothing changed)
          --max-body-bytes N        KINERJA_MAX_BODY_BYTES       1048576 (413 body_too_large above it)
          --max-import-bytes N      KINERJA_MAX_IMPORT_BYTES     67108864 (for POST /v1/imports/...)
          --rate-limit-per-second N KINERJA_RATE_LIMIT_PER_SECOND 100 per key (0: none; 429 with Retry-After;
                                    answers carry RateLimit-Limit, -Remaining and -Reset)
          --rate-limit-burst N      KINERJA_RATE_LIMIT_BURST     200
          --session-minutes N       KINERJA_SESSION_MINUTES      480 (a login session ends after this)
          --login-max-failures N    KINERJA_LOGIN_MAX_FAILURES   5 (failed logins in a row that lock it)
          --login-lock-minutes N    KINERJA_LOGIN_LOCK_MINUTES   15 (how long the lock lasts)
          --log-level LEVEL         KINERJA_LOG_LEVEL            info (trace, debug, info, notice, warning, error)

        Endpoints: /health, /ready, /metrics, /openapi.yaml, /v1/... (see /openapi.yaml).
        SIGTERM or SIGINT drains in-flight requests, then exits 0.
        """

    static func main() async {
        if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
            print(help)
            return
        }
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("kinerja-server: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() async throws {
        let env = EnvironmentVariablesProvider(secretsSpecifier: .specific(["DATABASE_URL", "KINERJA_DATABASE_URL", "KINERJA_READ_DATABASE_URL"]))
        let config = ConfigReader(providers: [
            CommandLineArgumentsProvider(secretsSpecifier: .specific(["--database-url", "--read-database-url"])),
            env.prefixKeys(with: "kinerja"),
            env,
        ])
        let settings = try ServerConfiguration(config)

        LoggingSystem.bootstrap { label in
            var handler = ServerLogHandler(StreamLogHandler.standardOutput(label: label))
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "kinerja-server")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        logger.info("starting", metadata: [
            "database": "\(settings.database.redactedDescription)", "source": "\(settings.databaseSource)",
            "address": "\(settings.server.host):\(settings.server.port)",
        ])
        let database = KinerjaDatabase(settings: settings.database, maximumConnections: settings.connections,
                                       leaseTimeout: .seconds(settings.databaseWait),
                                       statementTimeout: settings.statementTimeout > 0 ? .seconds(settings.statementTimeout) : nil,
                                       idleTimeout: .seconds(settings.databaseIdle), logger: logger)
        let replica = settings.readReplica.map {
            logger.info("read replica", metadata: ["database": "\($0.redactedDescription)", "maxLagSeconds": "\(settings.readMaximumLag)"])
            // A standby that does not answer within 2 s is passed over for the primary.
            return ReadReplica(replica: KinerjaDatabase(settings: $0, maximumConnections: settings.connections,
                                                        leaseTimeout: .seconds(2), idleTimeout: .seconds(settings.databaseIdle),
                                                        logger: logger),
                               primary: database, maximumLag: .seconds(settings.readMaximumLag))
        }
        let reports = ReportSettings(templates: { AdapterRegistry.named($0)?.templates ?? [:] }, directory: settings.reportDirectory,
                                     inlineLimit: settings.reportInlineLimit)
        let app = try buildApplication(database: database, readReplica: replica, settings: settings.server, metrics: registry,
                                       reports: reports, logger: logger) { port in
            logger.info("listening", metadata: ["url": "http://\(settings.server.host):\(port)"])
        }
        try await app.runService()
        logger.info("stopped")
    }
}
