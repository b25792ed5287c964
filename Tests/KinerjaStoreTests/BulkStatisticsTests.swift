import Foundation
@testable import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// A bulk write refreshes the statistics of the table it filled inside its transaction (0014), and ANALYZE
/// keeps its lock on the table until that transaction ends. Found when a demo seed's ANALYZE of
/// behaviour_raters waited past its statement timeout for another city's seed still in its transaction (0053).
@Suite struct BulkStatisticsTests {
    @Test(.timeLimit(.minutes(2))) func aRefreshDoesNotWaitForAnotherTransactionsToEnd() async throws {
        _ = try await TestDatabase.admin()  // the suite's database, migrated (this test may run first)
        let settings = try TestDatabase.settings().admin
        try await TestDatabase.with(settings) { first in
            try await TestDatabase.with(settings) { second in
                try await first.client.withConnection { holder in
                    try await holder.query("begin", logger: TestDatabase.logger)
                    do {
                        for try await _ in try await holder.query("select refresh_bulk_statistics(array['behaviour_raters'])",
                                                                  logger: TestDatabase.logger) {}
                        // With the first transaction still open, a second refresh of the same table ends: within its
                        // statement timeout (it waited for the first's end before 0053), and without an error.
                        let started = ContinuousClock.now
                        try await second.client.withConnection { conn in
                            try await conn.query("begin", logger: TestDatabase.logger)
                            try await conn.query("set local statement_timeout = '30s'", logger: TestDatabase.logger)
                            // Read to its end: a statement's error comes with its rows.
                            for try await _ in try await conn.query("select refresh_bulk_statistics(array['behaviour_raters', 'behaviour_ratings'])",
                                                                    logger: TestDatabase.logger) {}
                            try await conn.query("commit", logger: TestDatabase.logger)
                        }
                        // It ended within its statement timeout, so it did not wait for the first's end (before 0053 the
                        // timeout failed it, above). Not bounded tighter: each table's wait for its lock is 5 s, and
                        // another test's bulk write may hold the other table's; with the whole suite running, the
                        // refresh once took 17 s.
                        #expect(ContinuousClock.now - started < .seconds(30))
                    } catch {
                        _ = try? await holder.query("rollback", logger: TestDatabase.logger)
                        throw error
                    }
                    try await holder.query("rollback", logger: TestDatabase.logger)
                }
            }
        }
    }
}
