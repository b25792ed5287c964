/// Requests of one line (a city, or a city and an actor) that arrive while `maximumInFlight` calls of that line
/// are running wait, then go together as one call: one round trip, one statement (and for writes one commit)
/// for all of them instead of one each. Each caller gets the outcomes of its own items; a fault of the shared
/// call (the connection lost, a timeout) reaches every caller in it. With nothing running, a request goes at
/// once: no waiting is added when the server is not busy. A call that fails because the database is
/// unavailable (``StoreError/unavailable(_:address:)``: no connection within the lease timeout, or the pool gave up)
/// fails the requests waiting behind it too: each would otherwise wait out a lease timeout of its own after
/// the one before, and a queue that grows faster than the groups fail would never drain.
///
/// With `key`, items of different requests with the same key never share a call: a request with an item whose
/// key is already in the group waits for the next call, and so does every later request with one of its keys
/// (with one call in flight, writes to one row then go in their order of arrival). A request that holds one key
/// twice itself goes in a call of its own. A realisasi batch that holds one row twice cannot be written
/// set-based (an upsert affects a row once) and goes item by item, each item in a subtransaction; two requests
/// for the same row at once (a retry, two machines), or one request naming a row twice, would otherwise send
/// the whole group that way.
///
/// Used for realisasi reports (``KinerjaDatabase/realisasiGroups``) and for reads of one employee
/// (``KinerjaDatabase/employeeReads``).
actor CallGroups<Line: Hashable & Sendable, Item: Sendable, Outcome: Sendable> {
    /// The call for the items of a group: one outcome per item, in their order.
    typealias Call = @Sendable (Line, [Item]) async throws -> [Outcome]

    /// Calls running at once for one line; the requests that arrive meanwhile queue behind them.
    nonisolated let maximumInFlight: Int
    /// Items in one shared call; a request of more goes in a call of its own.
    nonisolated let maximumItems: Int
    /// What makes two items the same for the call (a realisasi row), or nil when any items may go together.
    nonisolated let key: (@Sendable (Item) -> String)?

    private struct Waiting {
        let items: [Item]
        let call: Call
        let continuation: CheckedContinuation<[Outcome], any Error>
        /// The items' keys (empty without `key`), and whether one of them is there twice.
        let keys: Set<String>
        let repeatsAKey: Bool
    }
    private struct Queue {
        var running = 0
        var waiting: [Waiting] = []
    }

    private var queues: [Line: Queue] = [:]
    /// Calls made and the requests they carried, since the start.
    private(set) var counts = (calls: 0, requests: 0)

    init(maximumInFlight: Int, maximumItems: Int, key: (@Sendable (Item) -> String)? = nil) {
        precondition(maximumInFlight >= 1 && maximumItems >= 1)
        self.maximumInFlight = maximumInFlight
        self.maximumItems = maximumItems
        self.key = key
    }

    /// The outcomes of `items`, from a call of `call` (the caller's, or that of another request in the group).
    func submit(_ line: Line, _ items: [Item], call: @escaping Call) async throws -> [Outcome] {
        try await withCheckedThrowingContinuation { continuation in
            let keys = key.map { items.map($0) } ?? []
            let unique = Set(keys)
            queues[line, default: Queue()].waiting.append(Waiting(items: items, call: call, continuation: continuation,
                                                                  keys: unique, repeatsAKey: unique.count < keys.count))
            startNext(line)
        }
    }

    /// Requests of `line` waiting for a call.
    func waiting(_ line: Line) -> Int { queues[line]?.waiting.count ?? 0 }

    private func startNext(_ line: Line) {
        guard var queue = queues[line], queue.running < maximumInFlight, !queue.waiting.isEmpty else { return }
        var group = [queue.waiting.removeFirst()]
        var count = group[0].items.count
        if key != nil {
            // In arrival order, until one does not fit; a request that repeats a key of the group, or of a
            // request left waiting before it, or one of its own, stays for the next call.
            if !group[0].repeatsAKey {
                var taken = group[0].keys
                var held = Set<String>()
                var left: [Waiting] = []
                var rest = queue.waiting[...]
                while let next = rest.first, count + next.items.count <= maximumItems {
                    rest = rest.dropFirst()
                    if next.repeatsAKey || !next.keys.isDisjoint(with: taken) || !next.keys.isDisjoint(with: held) {
                        held.formUnion(next.keys)
                        left.append(next)
                    } else {
                        taken.formUnion(next.keys)
                        group.append(next)
                        count += next.items.count
                    }
                }
                queue.waiting = left + rest
            }
        } else {
            while let next = queue.waiting.first, count + next.items.count <= maximumItems {
                group.append(queue.waiting.removeFirst())
                count += next.items.count
            }
        }
        queue.running += 1
        queues[line] = queue
        counts.calls += 1
        counts.requests += group.count
        let call = group[0].call
        let items = group.flatMap(\.items)
        Task {
            let result: Result<[Outcome], any Error>
            do {
                let outcomes = try await call(line, items)
                guard outcomes.count == items.count else {
                    throw StoreError.database("a grouped call answered \(outcomes.count) outcomes for \(items.count) items")
                }
                result = .success(outcomes)
            } catch { result = .failure(error) }
            self.finish(line, group, result)
        }
    }

    private func finish(_ line: Line, _ group: [Waiting], _ result: Result<[Outcome], any Error>) {
        switch result {
        case .success(let outcomes):
            var start = 0
            for w in group {
                w.continuation.resume(returning: Array(outcomes[start..<start + w.items.count]))
                start += w.items.count
            }
        case .failure(let error):
            for w in group { w.continuation.resume(throwing: error) }
            if case .unavailable? = error as? StoreError, let waiting = queues[line]?.waiting, !waiting.isEmpty {
                queues[line]?.waiting = []
                for w in waiting { w.continuation.resume(throwing: error) }
            }
        }
        queues[line]?.running -= 1
        if let q = queues[line], q.running == 0, q.waiting.isEmpty { queues[line] = nil }
        startNext(line)
    }
}

/// Realisasi reports group by city and actor (an integrator's key): a shared call writes under one actor.
struct RealisasiLine: Hashable, Sendable {
    let tenant: TenantID
    let actor: String
}
