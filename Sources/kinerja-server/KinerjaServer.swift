import Configuration
import Foundation
import Hummingbird
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
                                    default: the local cluster of 'make db-start' (.data/local.env)
          --database-connections N  KINERJA_DATABASE_CONNECTIONS 20
          --auth-cache-seconds N    KINERJA_AUTH_CACHE_SECONDS   5 (how long a key look-up is reused)
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
        let env = EnvironmentVariablesProvider(secretsSpecifier: .specific(["DATABASE_URL", "KINERJA_DATABASE_URL"]))
        let config = ConfigReader(providers: [
            CommandLineArgumentsProvider(secretsSpecifier: .specific(["--database-url"])),
            env.prefixKeys(with: "kinerja"),
            env,
        ])
        let settings = try ServerConfiguration(config)

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
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
        let database = KinerjaDatabase(settings: settings.database, maximumConnections: settings.connections, logger: logger)
        let app = try buildApplication(database: database, settings: settings.server, metrics: registry, logger: logger) { port in
            logger.info("listening", metadata: ["url": "http://\(settings.server.host):\(port)"])
        }
        try await app.runService()
        logger.info("stopped")
    }
}
