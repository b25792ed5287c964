import Foundation
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// `make test` runs the whole suite a second time with the application and CLI roles behind PgBouncer in
/// transaction mode (deploy/local/pgbouncer.sh): every request's transaction may land on another server
/// connection, so the store may keep nothing in the session. These checks make sure that run really went
/// through the pooler and that a city's setting ends with its transaction.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KINERJA_TEST_THROUGH_PGBOUNCER"] == "1",
                "only in the run through PgBouncer (make test-pgbouncer)"))
struct PgBouncerTests {
    @Test func theApplicationRolesReachPostgreSQLThroughThePooler() async throws {
        let settings = try TestDatabase.settings()
        for db in [try await TestDatabase.app(), try await TestDatabase.admin()] {
            for try await port in try await db.client.query("select inet_server_port()", logger: TestDatabase.logger).decode(Int.self) {
                #expect(port == settings.owner.port, "PostgreSQL listens on \(settings.owner.port)")
                #expect(db.settings.port != port, "\(db.settings.username) connects straight to PostgreSQL, not through PgBouncer")
            }
            // PgBouncer 1.18 (Debian 12) hands a client's statements to any server connection: none are named.
            #expect(!db.settings.preparedStatements, "\(db.settings.username) prepares statements behind PgBouncer")
        }
    }

    /// A server whose URL forgot `?prepared_statements=off` behind this pooler: the employee read still answers,
    /// every time (a refused prepared statement turns them off for the process and the read runs unprepared).
    @Test func aPreparedReadBehindThePoolerStillAnswers() async throws {
        var settings = try TestDatabase.settings().app
        settings.preparedStatements = true
        let (city, population) = try await TestDatabase.city("pgb-prep")
        let nips = population.people.prefix(20).map(\.nip)
        try await TestDatabase.with(settings) { db in
            try await withThrowingTaskGroup(of: (String, String?).self) { group in
                for round in 0..<6 {
                    for nip in nips {
                        group.addTask { (nip, try await db.employee(tenant: city.id, nip: nip, within: round.isMultiple(of: 2) ? nil : nip)?.nip) }
                    }
                }
                for try await (asked, answered) in group { #expect(answered == asked) }
            }
        }
    }

    /// Many short transactions from a few clients share the pooler's server connections; none of them
    /// sees a city that another transaction set.
    @Test func aCitysSettingNeverOutlivesItsTransaction() async throws {
        let app = try await TestDatabase.app()
        let (a, _) = try await TestDatabase.city("pgb-a")
        let (b, _) = try await TestDatabase.city("pgb-b")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                let tenant = i.isMultiple(of: 2) ? a : b
                group.addTask {
                    let seen = try await app.withTenant(tenant.id) { tx in
                        var codes: [String] = []
                        for try await c in try await tx.query("select code from tenants").decode(String.self) { codes.append(c) }
                        return codes
                    }
                    #expect(seen == [tenant.code])
                    // Outside a tenant transaction no city is set, whichever server connection answers.
                    for try await v in try await app.client.query(
                        "select coalesce(current_setting('kinerja.tenant_id', true), '')", logger: TestDatabase.logger
                    ).decode(String.self) {
                        #expect(v.isEmpty, "a city's setting leaked out of its transaction: \(v)")
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
