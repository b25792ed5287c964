public import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Read-only work (reports, overviews, dashboards) on a hot standby while it keeps up with the primary.
///
/// A probe asks the standby every ``probeInterval`` how far its replay trails the primary. While it answers
/// and trails by at most ``maximumLag``, ``database`` is the standby; otherwise (lagging, unreachable, not
/// probed yet) it is the primary, so a slow or broken replica costs freshness never availability. A read
/// that fails on the standby for a connection reason (give the standby's database a
/// ``KinerjaDatabase/leaseTimeout`` so that this is quick) is retried on the primary. Writes never come here.
public final class ReadReplica: Sendable {
    /// What the last probe found.
    public enum State: Sendable, Equatable {
        /// Not probed yet: reads go to the primary.
        case unknown
        /// Serving reads, trailing the primary by `lag` seconds (0 when every WAL record received is replayed).
        case inUse(lag: Double)
        /// Answering but too far behind (nil: it has replayed nothing yet); reads go to the primary.
        case lagging(lag: Double?)
        /// Not answering; reads go to the primary.
        case unreachable(String)
        /// Answering as a database role that row-level security does not bind (a superuser, a role that
        /// bypasses it or owns the tables), which could show one city another's rows: never used, whatever its
        /// lag; reads go to the primary.
        case refused(String)

        public var serving: Bool { if case .inUse = self { true } else { false } }
        public var lag: Double? {
            switch self {
            case .inUse(let lag): lag
            case .lagging(let lag): lag
            case .unknown, .unreachable, .refused: nil
            }
        }
        public var summary: String {
            switch self {
            case .unknown: "not probed yet"
            case .inUse(let lag): "in use, \(String(format: "%.1f", lag)) s behind"
            case .lagging(let lag): lag.map { "lagging \(String(format: "%.1f", $0)) s behind: reads go to the primary" }
                ?? "lagging: nothing replayed yet, reads go to the primary"
            case .unreachable(let why): "unreachable (\(why)): reads go to the primary"
            case .refused(let why): "refused (\(why)): reads go to the primary"
            }
        }
    }

    public let replica: KinerjaDatabase
    public let primary: KinerjaDatabase
    public let maximumLag: Duration
    public let probeInterval: Duration
    private let state = Mutex(State.unknown)

    public init(replica: KinerjaDatabase, primary: KinerjaDatabase, maximumLag: Duration = .seconds(30),
                probeInterval: Duration = .seconds(2)) {
        self.replica = replica
        self.primary = primary
        self.maximumLag = maximumLag
        self.probeInterval = probeInterval
    }

    public var currentState: State { state.withLock { $0 } }

    /// Where read-only work goes now.
    public var database: KinerjaDatabase { currentState.serving ? replica : primary }

    /// Asks the standby which role it answers as and how far it has replayed, and the primary how far its WAL
    /// has gone, once (within `timeout`), and records what that says. The role is asked at every probe, as the
    /// primary's is at start-up: a standby reached as a role that row-level security does not bind is refused.
    @discardableResult
    public func probe(timeout: Duration = .seconds(2)) async -> State {
        let found: State
        var cause: String?
        do {
            found = try await withThrowingTaskGroup(of: State.self) { group in
                group.addTask {
                    let problems = try await self.replica.roleProblems()
                    guard problems.isEmpty else { return .refused(problems.joined(separator: "; ")) }
                    let lag = try await self.replayLag()
                    let limit = Double(self.maximumLag.components.seconds) + Double(self.maximumLag.components.attoseconds) / 1e18
                    if let lag, lag <= limit { return .inUse(lag: lag) }
                    return .lagging(lag: lag)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw StoreError.unavailable("no answer within \(timeout)")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch {
            // The state is shown by /ready: the replica's address is for the log (the probe's lines name it).
            found = .unreachable(StoreError.publicDescription(error))
            cause = StoreError.describe(error)
        }
        let before = state.withLock { s in
            defer { s = found }
            return s
        }
        var metadata: Logger.Metadata = ["replica": "\(replica.settings.redactedDescription)"]
        if let cause { metadata["error"] = "\(cause)" }
        if case .refused = found {
            if before != found { replica.logger.error("read replica \(found.summary); connect to it as the application role (kinerja_app)", metadata: metadata) }
        } else if before.serving != found.serving {
            replica.logger.notice("read replica \(found.summary)", metadata: metadata)
        }
        return found
    }

    /// The primary's WAL position at each recent probe: the standby trails by no more than the age of the
    /// latest one it has replayed past.
    private let marks = Mutex<[(at: ContinuousClock.Instant, lsn: Int64)]>([])

    /// Seconds the standby trails the primary, measured without writing anything: the primary's WAL position
    /// is noted at every probe, and the standby, having replayed up to some position, is behind by at most the
    /// time since the last noted position it has reached (0 when it has reached the primary's present one).
    /// Within a probe interval, so a 2 s probe tells lag to about 2 s. nil: it has replayed nothing yet. A
    /// server that is not in recovery (a primary named as the replica) trails by 0.
    private func replayLag() async throws -> Double? {
        let now = ContinuousClock.now
        let primaryLSN = try await primary.statement("select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint") { rows in
            var lsn: Int64 = 0
            for try await l in rows.decode(Int64.self) { lsn = l }
            return lsn
        }
        let standby = try await replica.statement(
            "select pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"
        ) { rows -> (recovering: Bool, replayed: Int64?) in
            var standby: (recovering: Bool, replayed: Int64?) = (false, nil)
            for try await row in rows.decode((Bool, Int64?).self) { standby = row }
            return standby
        }
        let kept = Double(maximumLag.components.seconds) * 2 + 60
        return marks.withLock { marks -> Double? in
            marks.append((now, primaryLSN))
            marks.removeAll { now - $0.at > .seconds(kept) }
            guard standby.recovering else { return 0 }
            guard let replayed = standby.replayed else { return nil }
            if replayed >= primaryLSN { return 0 }
            // The latest mark it has passed; none: it trails by more than the oldest kept.
            let reached = marks.last { $0.lsn <= replayed } ?? marks.first!
            let age = now - reached.at
            return Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
        }
    }

    /// Runs the standby's connection pool and the probe until the task is cancelled; `onProbe` hears each
    /// probe's finding (for metrics).
    public func run(onProbe: @Sendable (State) -> Void = { _ in }) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.replica.run() }
            while !Task.isCancelled {
                onProbe(await probe())
                try? await Task.sleep(for: probeInterval)
            }
            group.cancelAll()
        }
    }

    /// Runs read-only `body` for a city on ``database``; on the standby, a failure to reach it moves the work
    /// (and later reads, until a probe finds it again) to the primary. `body` must not write: the standby
    /// refuses writes, and a retry on the primary must be harmless.
    public func withTenant<R: Sendable>(_ tenant: TenantID, _ body: (TenantTransaction) async throws -> R) async throws -> R {
        let db = database
        guard db === replica else { return try await primary.withTenant(tenant, body) }
        do {
            return try await replica.withTenant(tenant, body)
        } catch where Self.unreachable(error) && !Task.isCancelled {
            // Only a standby in use is passed over here: a probe's later finding (refused, say) stands. Work its
            // caller gave up on (cancelled while it waited for a connection) says nothing of the standby, and ends.
            state.withLock { if $0.serving { $0 = .unreachable(StoreError.publicDescription(error)) } }
            replica.logger.notice("read replica unreachable: reads go to the primary", metadata: ["error": "\(StoreError.describe(error))"])
            return try await primary.withTenant(tenant, body)
        }
    }

    /// A failure to reach the server, as opposed to an answer from it or an error of the work itself: the
    /// driver's connection errors, and its pool's (a tripped circuit breaker, which it passes on unwrapped).
    static func unreachable(_ error: any Error) -> Bool {
        if case StoreError.unavailable = error { return true }
        if let error = error as? PSQLError {
            return [.connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown, .unexpectedBackendMessage].contains(error.code)
        }
        return KinerjaDatabase.poolGaveUp(error)
    }
}
