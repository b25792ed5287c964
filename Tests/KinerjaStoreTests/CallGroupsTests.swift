@testable import KinerjaStore
import Synchronization
import Testing

/// ``CallGroups``: requests that arrive while a call of their line runs go together in the next call, each
/// gets its own outcomes, and a fault of a shared call reaches every request in it.
@Suite struct CallGroupsTests {
    /// A call that holds until it is let go, so that requests can queue behind it.
    final class Gate: Sendable {
        let opened = Mutex(false)
        func open() { opened.withLock { $0 = true } }
        func wait() async throws {
            while !opened.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(2)) }
        }
    }

    static func until(_ condition: @Sendable () async -> Bool) async throws {
        for _ in 0..<2_500 where !(await condition()) { try await Task.sleep(for: .milliseconds(2)) }
        #expect(await condition(), "waited 5 s")
    }

    @Test func requestsThatArriveDuringACallGoTogetherEachWithItsOwnOutcomes() async throws {
        let groups = CallGroups<String, Int, String>(maximumInFlight: 1, maximumItems: 8)
        let gate = Gate()
        let calls = Mutex<[[Int]]>([])
        let call: CallGroups<String, Int, String>.Call = { line, items in
            calls.withLock { $0.append(items) }
            if items == [0] { try await gate.wait() }
            return items.map { "\(line):\($0 * 10)" }
        }
        let first = Task { try await groups.submit("a", [0], call: call) }
        try await Self.until { calls.withLock { $0.count } == 1 }
        let others = (1...3).map { i in Task { try await groups.submit("a", [i, i + 100], call: call) } }
        // Another city's line does not wait behind this one's call, and never joins it.
        #expect(try await groups.submit("b", [7], call: call) == ["b:70"])
        try await Self.until { await groups.waiting("a") == 3 }
        gate.open()
        #expect(try await first.value == ["a:0"])
        for (i, t) in others.enumerated() {
            #expect(try await t.value == ["a:\((i + 1) * 10)", "a:\((i + 101) * 10)"])
        }
        let made = calls.withLock { $0 }
        #expect(made.count == 3, "one call for the three that waited: \(made)")
        #expect(Set(made[2]) == [1, 101, 2, 102, 3, 103])
        let counts = await groups.counts
        #expect(counts.calls == 3 && counts.requests == 5)
    }

    /// Requests queued one by one (so that their order is known) behind a call of [0] held open, on a line
    /// keyed by the last two digits; each item's outcome is ten times it. The calls made, in their order.
    static func keyedCalls(_ requests: [[Int]]) async throws -> [[Int]] {
        let groups = CallGroups<String, Int, Int>(maximumInFlight: 1, maximumItems: 8, key: { "\($0 % 100)" })
        let gate = Gate()
        let calls = Mutex<[[Int]]>([])
        let call: CallGroups<String, Int, Int>.Call = { _, items in
            calls.withLock { $0.append(items) }
            if items == [0] { try await gate.wait() }
            return items.map { $0 * 10 }
        }
        let first = Task { try await groups.submit("a", [0], call: call) }
        try await Self.until { calls.withLock { $0.count } == 1 }
        var queued: [Task<[Int], any Error>] = []
        for (n, items) in requests.enumerated() {
            queued.append(Task { try await groups.submit("a", items, call: call) })
            try await Self.until { await groups.waiting("a") == n + 1 }
        }
        gate.open()
        #expect(try await first.value == [0])
        for (t, items) in zip(queued, requests) { #expect(try await t.value == items.map { $0 * 10 }) }
        return calls.withLock { $0 }
    }

    /// With a key (a realisasi row), two items of one key never share a call, and the requests of a key keep
    /// their order: one that waits for a later call holds back every later request with one of its keys.
    @Test func itemsOfOneKeyGoInSeparateCallsInTheirOrder() async throws {
        // Key 1, key 1 again, 2, (2 and 3), 3, 4.
        let made = try await Self.keyedCalls([[1], [101], [2], [102, 3], [3], [4]])
        #expect(made == [[0], [1, 2, 4], [101, 102, 3], [3]], "\(made)")
        for items in made { #expect(Set(items.map { $0 % 100 }).count == items.count, "a key twice in \(items)") }
    }

    /// A request that holds one key twice itself goes alone: the others neither join it nor take it in.
    @Test func aRequestRepeatingAKeyOfItsOwnGoesAlone() async throws {
        let made = try await Self.keyedCalls([[1], [2, 102], [3], [4, 104], [5]])
        #expect(made == [[0], [1, 3, 5], [2, 102], [4, 104]], "\(made)")
    }

    @Test func aFaultOfASharedCallReachesEveryRequestInItAndTheLineGoesOn() async throws {
        struct Lost: Error {}
        let groups = CallGroups<String, Int, Int>(maximumInFlight: 1, maximumItems: 8)
        let gate = Gate()
        let started = Mutex(0)
        let call: CallGroups<String, Int, Int>.Call = { _, items in
            started.withLock { $0 += 1 }
            if items == [0] { try await gate.wait(); return [0] }
            if items.contains(99) { throw Lost() }
            return items
        }
        let first = Task { try await groups.submit("a", [0], call: call) }
        try await Self.until { started.withLock { $0 } == 1 }
        let doomed = [Task { try await groups.submit("a", [1], call: call) },
                      Task { try await groups.submit("a", [99], call: call) }]
        try await Self.until { await groups.waiting("a") == 2 }
        gate.open()
        #expect(try await first.value == [0])
        for t in doomed { await #expect(throws: Lost.self) { try await t.value } }
        #expect(try await groups.submit("a", [5], call: call) == [5])
    }

    /// The database unavailable: the requests that waited behind the failed call fail with it, at once, instead
    /// of each waiting out a lease timeout of its own in turn.
    @Test func aCallThatFindsTheDatabaseUnavailableFailsTheRequestsWaitingBehindIt() async throws {
        let groups = CallGroups<String, Int, Int>(maximumInFlight: 1, maximumItems: 2)
        let gate = Gate()
        let calls = Mutex(0)
        let call: CallGroups<String, Int, Int>.Call = { _, _ in
            calls.withLock { $0 += 1 }
            try await gate.wait()
            throw StoreError.unavailable("no connection within 5 s")
        }
        let first = Task { try await groups.submit("a", [0], call: call) }
        try await Self.until { calls.withLock { $0 } == 1 }
        // Three groups' worth (two items a call) wait behind it.
        let waiting = (1...5).map { i in Task { try await groups.submit("a", [i], call: call) } }
        try await Self.until { await groups.waiting("a") == 5 }
        gate.open()
        for t in [first] + waiting {
            await #expect(throws: StoreError.self) { try await t.value }
        }
        #expect(calls.withLock { $0 } == 1, "no call for the requests that waited")
        // The line is empty and takes the next request.
        #expect(await groups.waiting("a") == 0)
        #expect(try await groups.submit("a", [9], call: { _, items in items }) == [9])
    }

    @Test func aCallThatAnswersTheWrongNumberOfOutcomesFailsRatherThanMixThemUp() async throws {
        let groups = CallGroups<String, Int, Int>(maximumInFlight: 1, maximumItems: 8)
        await #expect(throws: StoreError.self) {
            try await groups.submit("a", [1, 2], call: { _, items in Array(items.dropLast()) })
        }
    }
}
