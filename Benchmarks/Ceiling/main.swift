// The ceiling the API's reads are measured against (PERFORMANCE.md): Hummingbird 2 and PostgresNIO's
// PostgresClient, `GET /db` running `SELECT 1` and answering its value, nothing else (no authentication,
// no middleware, no JSON). Benchmarks/load.sh runs it next to kinerja-server, at the same concurrency.
// Usage: kinerja-ceiling PORT (the database from KINERJA_DB_HOST, _PORT, _NAME, _APP_USER, _APP_PASSWORD).
import Foundation
import Hummingbird
import Logging
import PostgresNIO

let env = ProcessInfo.processInfo.environment
let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 18090
let logger = Logger(label: "kinerja-ceiling")
var configuration = PostgresClient.Configuration(
    host: env["KINERJA_DB_HOST"] ?? "127.0.0.1", port: Int(env["KINERJA_DB_PORT"] ?? "") ?? 5432,
    username: env["KINERJA_DB_APP_USER"] ?? "postgres", password: env["KINERJA_DB_APP_PASSWORD"],
    database: env["KINERJA_DB_NAME"] ?? "postgres", tls: .disable)
// The pool as kinerja-server has it (KinerjaDatabase.poolConfiguration): no keep-alive, idle connections closed
// after 10 s. With PostgresNIO's defaults each release arms two timers instead of one, which costs CPU and keeps
// memory until they would have fired: the ratio would then flatter the server.
configuration.options.keepAliveBehavior = nil
configuration.options.connectionIdleTimeout = .seconds(10)
let client = PostgresClient(configuration: configuration)

let router = Router()
router.get("/db") { _, _ -> String in
    for try await n in try await client.query("select 1", logger: logger).decode(Int.self) { return String(n) }
    return "none"
}
// The pool runs as a service of the application, so SIGTERM stops both.
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                      services: [client], logger: logger)
try await app.runService()
