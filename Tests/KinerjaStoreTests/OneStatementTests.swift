import Foundation
import KinerjaAdapters
import KinerjaCore
@testable import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// The calls integrators make most, each one statement (migration 0029): the employee read and the realisasi
/// batch. They keep every rule of the transactional paths, and every city's rows to that city.
@Suite struct OneStatementTests {
    /// A NIP bound as text finds its row through the primary key. With char(18) columns the column was cast
    /// to text and a lookup read every employee of the city.
    @Test func aLookupByNIPUsesThePrimaryKey() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("nip-index", employees: 50)
        let nip = pop.people[7].nip
        // Fresh statistics: with the new city not yet in them, the planner costs the (tenant_id, atasan_nip)
        // index the same as the primary key and may pick either, which says nothing about the cast.
        try await TestDatabase.owner().connection { conn in
            try await conn.query("analyze employees", logger: TestDatabase.logger)
        }
        let plan = try await db.withTenant(city.id) { tx -> String in
            try await tx.query("set local enable_seqscan = off")
            var lines: [String] = []
            for try await line in try await tx.query("""
                explain select name from employees where tenant_id = \(city.id.uuid) and nip = \(nip)
                """).decode(String.self) { lines.append(line) }
            return lines.joined(separator: "\n")
        }
        #expect(plan.contains("employees_pkey") && plan.contains("(nip = ") && !plan.contains("(nip)::text"), "\(plan)")
        // Every NIP column is text now: no char(18) left to cast.
        let left = try await db.connection { conn in
            var n = 0
            for try await c in try await conn.query("""
                select count(*)::int from information_schema.columns
                where table_schema = 'public' and data_type = 'character' and character_maximum_length = 18
                """, logger: TestDatabase.logger).decode(Int.self) { n = c }
            return n
        }
        #expect(left == 0)
    }

    @Test func theEmployeeReadShowsWhatTheRoleMaySeeAndNothingOfAnotherCity() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("one-read", employees: 300)
        let (other, otherPop) = try await TestDatabase.city("one-read-b", employees: 50)
        let c = TestDatabase.chain(pop)

        let seen = try await db.employee(tenant: city.id, nip: c.staff.nip, within: nil)
        let direct = try await db.withTenant(city.id) { try await $0.employee(nip: c.staff.nip) }
        #expect(seen != nil && seen == direct, "the same employee as the transactional read")
        // An atasan sees themselves and everyone below, at any depth; not a peer's line, not above.
        #expect(try await db.employee(tenant: city.id, nip: c.staff.nip, within: c.kabid.nip)?.nip == c.staff.nip)
        #expect(try await db.employee(tenant: city.id, nip: c.kabid.nip, within: c.kabid.nip)?.nip == c.kabid.nip)
        #expect(try await db.employee(tenant: city.id, nip: c.kabid.nip, within: c.kasi.nip) == nil)
        #expect(try await db.employee(tenant: city.id, nip: c.peer.nip, within: c.staff.nip) == nil)
        // Another city's employee is not found from this city, whoever asks.
        let stranger = TestDatabase.stranger(in: otherPop, to: pop)
        #expect(try await db.employee(tenant: city.id, nip: stranger, within: nil) == nil)
        #expect(try await db.employee(tenant: other.id, nip: stranger, within: nil)?.nip == stranger)
        // The statement sets the city for itself only: the pooled connection carries nothing onward.
        let after = try await db.connection { conn in
            var v = "?"
            for try await s in try await conn.query("select coalesce(current_setting('kinerja.tenant_id', true), '')",
                                                    logger: TestDatabase.logger).decode(String.self) { v = s }
            return v
        }
        #expect(after == "")
    }

    /// Reads of one city that arrive together share calls of `employee_read_many`, and each caller gets its own
    /// answer: the employee, or nothing when not found or not visible to it, never a neighbour's row or another
    /// city's. Two cities read at once never share a call.
    @Test func concurrentReadsShareCallsAndEachGetsItsOwnAnswer() async throws {
        let (city, pop) = try await TestDatabase.city("one-read-group", employees: 300)
        let (other, otherPop) = try await TestDatabase.city("one-read-group-b", employees: 50)
        let c = TestDatabase.chain(pop)
        let stranger = TestDatabase.stranger(in: otherPop, to: pop)
        // (city, nip, within, the NIP expected or nil)
        let cases: [(TenantID, String, String?, String?)] = [
            (city.id, c.staff.nip, nil, c.staff.nip),
            (city.id, c.staff.nip, c.kabid.nip, c.staff.nip),
            (city.id, c.kabid.nip, c.kabid.nip, c.kabid.nip),
            (city.id, c.kabid.nip, c.kasi.nip, nil),
            (city.id, c.peer.nip, c.staff.nip, nil),
            (city.id, stranger, nil, nil),
            (city.id, "199901012020121999", nil, nil),
            (other.id, stranger, nil, stranger),
            (other.id, c.staff.nip, nil, nil),
            (city.id, c.kepala.nip, nil, c.kepala.nip),
            // A limit that names no one shows nothing (no limit is nil, never a value).
            (city.id, c.staff.nip, "", nil),
        ]
        // A pool of its own, so that the counts are this test's alone.
        let db = KinerjaDatabase(settings: try TestDatabase.settings().app, maximumConnections: 4, logger: TestDatabase.logger)
        let pool = Task.detached { await db.run() }
        defer { pool.cancel() }
        let n = 120
        let answers = try await withThrowingTaskGroup(of: (Int, Employee?).self) { group in
            for i in 0..<n {
                let (tenant, nip, within, _) = cases[i % cases.count]
                group.addTask { (i, try await db.employee(tenant: tenant, nip: nip, within: within)) }
            }
            var out: [Int: Employee?] = [:]
            for try await (i, e) in group { out[i] = e }
            return out
        }
        #expect(answers.count == n)
        for i in 0..<n {
            let (tenant, nip, within, expected) = cases[i % cases.count]
            #expect(answers[i]??.nip == expected, "read \(i): \(nip) within \(within ?? "-") in \(tenant == city.id ? "the city" : "the other")")
        }
        // The rows are whole: the same as the transactional read of each city.
        let staff = try await db.withTenant(city.id) { try await $0.employee(nip: c.staff.nip) }
        #expect(answers[0]! == staff)
        let counts = await db.employeeReadCounts()
        #expect(counts.reads == n)
        #expect(counts.calls < counts.reads, "reads that arrived together shared calls: \(counts)")
    }

    /// An item without a limit skips the atasan-chain test (`employee_within`, migration 0040); an item with one
    /// runs it. The same items answer the same rows, whole, in a call without limits and in one with them.
    @Test func aCallWithoutLimitsAnswersAsACallWithOne() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("one-read-paths", employees: 300)
        let (_, otherPop) = try await TestDatabase.city("one-read-paths-b", employees: 20)
        let c = TestDatabase.chain(pop)
        let stranger = TestDatabase.stranger(in: otherPop, to: pop)
        let unlimited = [c.staff.nip, c.kabid.nip, stranger, "199901012020121999", c.kepala.nip, c.staff.nip]
            .map { EmployeeReadItem(nip: $0, within: nil) }
        let expected: [String?] = [c.staff.nip, c.kabid.nip, nil, nil, c.kepala.nip, c.staff.nip]
        let alone = try await db.employees(tenant: city.id, unlimited)
        #expect(alone.map { $0?.nip } == expected)
        // With limits: one the item is inside (the staff within the kabid's line), two it is outside (the kabid
        // within the kasi's, the staff's peer within the staff's), one naming no one, and limits on NIPs this city
        // does not have (another city's, no one's).
        let limited = unlimited + [EmployeeReadItem(nip: c.staff.nip, within: c.kabid.nip),
                                   EmployeeReadItem(nip: c.kabid.nip, within: c.kasi.nip),
                                   EmployeeReadItem(nip: c.peer.nip, within: c.staff.nip),
                                   EmployeeReadItem(nip: c.staff.nip, within: ""),
                                   EmployeeReadItem(nip: stranger, within: c.kepala.nip),
                                   EmployeeReadItem(nip: "199901012020121999", within: c.kepala.nip)]
        let mixed = try await db.employees(tenant: city.id, limited)
        #expect(mixed.map { $0?.nip } == expected + [c.staff.nip, nil, nil, nil, nil, nil])
        #expect(Array(mixed.prefix(unlimited.count)) == alone, "the same rows, whole, from either query")
        let staff = try await db.withTenant(city.id) { try await $0.employee(nip: c.staff.nip) }
        #expect(alone[0] == staff)
    }

    /// Small batches of one city and actor that arrive together share calls (group commit), and each caller
    /// still gets the answers to its own items: written, or refused with its own reason.
    @Test func concurrentSmallBatchesShareCallsAndEachGetsItsOwnAnswers() async throws {
        let shared = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("one-group", employees: 300)
        let (_, otherPop) = try await TestDatabase.city("one-group-b", employees: 50)
        let planned = try await SKPStoreTests.plannedChain(shared, city, pop)
        let c = TestDatabase.chain(pop)
        let iki = planned[3].content.rhk[0].iki[0].key
        let stranger = TestDatabase.stranger(in: otherPop, to: pop)
        let unknownIKI = UUID()
        // A pool of its own, so that the counts are this test's alone.
        let db = KinerjaDatabase(settings: try TestDatabase.settings().app, maximumConnections: 4, logger: TestDatabase.logger)
        let pool = Task.detached { await db.run() }
        defer { pool.cancel() }

        let n = 48
        func batch(_ i: Int) -> [RealisasiItem] {
            let q = SubPeriod(kind: .quarterly, sequence: 1 + (i / 4) % 4)
            switch i % 4 {
            case 0 where i % 8 == 0:
                // Two items: the answers of a batch of several are sliced out of the shared call in its order.
                return [RealisasiItem(nip: c.staff.nip, year: 2026, ikiKey: iki, period: q, value: Double(i), narrative: nil, evidence: []),
                        RealisasiItem(nip: c.staff.nip, year: 2026, ikiKey: unknownIKI, period: q, value: 1, narrative: nil, evidence: [])]
            case 0: return [RealisasiItem(nip: c.staff.nip, year: 2026, ikiKey: iki, period: q, value: Double(i), narrative: nil, evidence: [])]
            case 1: return [RealisasiItem(nip: c.staff.nip, year: 2026, ikiKey: unknownIKI, period: q, value: 1, narrative: nil, evidence: [])]
            case 2: return [RealisasiItem(nip: stranger, year: 2026, ikiKey: iki, period: q, value: 1, narrative: nil, evidence: [])]
            default: return [RealisasiItem(nip: c.staff.nip, year: 2026, ikiKey: iki, period: q, value: -Double(i), narrative: nil, evidence: [])]
            }
        }
        let answers = try await withThrowingTaskGroup(of: (Int, [ItemResult]).self) { group in
            for i in 0..<n {
                group.addTask { (i, try await db.ingestRealisasi(tenant: city.id, batch(i), allOrNothing: false, actor: .hr("api:group-test"))) }
            }
            var out: [Int: [ItemResult]] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        for i in 0..<n {
            let r = try #require(answers[i]?.first, "batch \(i)")
            #expect(answers[i]?.count == batch(i).count && answers[i]?.map(\.index) == Array(batch(i).indices), "batch \(i)")
            switch i % 4 {
            case 0:
                #expect(r.accepted, "batch \(i): \(r.reason ?? "")")
                if i % 8 == 0 {
                    #expect(answers[i]?.last?.reason == "IKI '\(unknownIKI.uuidString.lowercased()) in the approved SKP of \(c.staff.nip) for 2026' not found")
                }
            case 1: #expect(r.reason == "IKI '\(unknownIKI.uuidString.lowercased()) in the approved SKP of \(c.staff.nip) for 2026' not found", "\(i)")
            case 2: #expect(r.reason == "employee '\(stranger)' not found", "\(i)")
            default: #expect(r.reason?.contains("value -\(Double(i)) is not a realisasi") == true, "\(i): \(r.reason ?? "")")
            }
        }
        let counts = await db.realisasiGroupCounts()
        #expect(counts.batches == 3 * n / 4, "the batches refused before the database make no call")
        #expect(counts.calls < counts.batches, "batches that arrived together shared calls: \(counts)")
        // Every write is there, with its audit entry: the last value of each quarter, and one entry per write.
        let (values, audited) = try await shared.withTenant(city.id) { tx -> ([Int: Double], Int) in
            var v: [Int: Double] = [:]
            for try await (seq, x) in try await tx.query("""
                select period_seq, value::float8 from realisasi where tenant_id = \(city.id.uuid) and nip = \(c.staff.nip) and iki_key = \(iki)
                """).decode((Int, Double).self) { v[seq] = x }
            var a = 0
            for try await x in try await tx.query("""
                select count(*)::int from audit_log where tenant_id = \(city.id.uuid) and actor = 'api:group-test' and action like 'realisasi.%'
                """).decode(Int.self) { a = x }
            return (v, a)
        }
        #expect(values.count == 4 && values.values.allSatisfy { Int($0) % 4 == 0 }, "\(values)")
        #expect(audited == n / 4)
    }

    @Test func aRealisasiBatchSaysWhyPerItemAndWritesOnlyTheGoodOnes() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("one-write", employees: 300)
        let (other, otherPop) = try await TestDatabase.city("one-write-b", employees: 50)
        let planned = try await SKPStoreTests.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let iki = planned[3].content.rhk[0].iki[0].key
        let q1 = SubPeriod(kind: .quarterly, sequence: 1), m1 = SubPeriod(kind: .monthly, sequence: 1)
        let hr = SKPActor.hr("api:test")
        func item(_ nip: String, _ key: UUID = iki, _ p: SubPeriod = q1, _ v: Double? = 5) -> RealisasiItem {
            RealisasiItem(nip: nip, year: 2026, ikiKey: key, period: p, value: v, narrative: nil, evidence: [])
        }
        let stranger = TestDatabase.stranger(in: otherPop, to: pop)
        let unknownIKI = UUID()
        let results = try await db.ingestRealisasi(tenant: city.id, [
            item(c.staff.nip),                     // written
            item(stranger),                        // another city's employee: not found here
            item(c.peer.nip),                      // no approved SKP
            item(c.staff.nip, unknownIKI),         // not an IKI of the SKP
            item(c.staff.nip, iki, m1),            // not a period of this quarterly city
            item(c.staff.nip, iki, q1, -1),        // refused before the database
            item(c.staff.nip, iki, .year),         // the year takes none
        ], allOrNothing: false, actor: hr)
        #expect(results.map(\.accepted) == [true, false, false, false, false, false, false])
        #expect(results.map(\.index) == Array(0..<7))
        let reasons = results.map { $0.reason ?? "" }
        #expect(reasons[1] == "employee '\(stranger)' not found")
        #expect(reasons[2].contains("has no approved SKP for 2026"))
        #expect(reasons[3] == "IKI '\(unknownIKI.uuidString.lowercased()) in the approved SKP of \(c.staff.nip) for 2026' not found")
        #expect(reasons[4].contains("period M1 is not a period of 2026 in this city (its periods: Q1-Q4)"))
        #expect(reasons[5].contains("value -1.0 is not a realisasi"))
        #expect(reasons[6].contains("period Y (the year) takes no realisasi"))

        let (value, audit) = try await db.withTenant(city.id) { tx -> (Double?, [String]) in
            var v: Double?
            for try await x in try await tx.query("""
                select value::float8 from realisasi where tenant_id = \(city.id.uuid) and nip = \(c.staff.nip) and iki_key = \(iki)
                  and period_kind = 'quarterly' and period_seq = 1
                """).decode(Double?.self) { v = x }
            var a: [String] = []
            for try await (action, detail) in try await tx.query("""
                select action, detail::text from audit_log where tenant_id = \(city.id.uuid) and subject = \(c.staff.nip + "/2026")
                  and action like 'realisasi.%' order by entry_id
                """).decode((String, String).self) { a.append(action + " " + detail) }
            return (v, a)
        }
        #expect(value == 5)
        #expect(audit == [#"realisasi.report {"iki": "\#(iki.uuidString.lowercased())", "value": "5.0", "period": "Q1", "evidence": "0"}"#])
        // Nothing reached the other city.
        let strangerRows = try await db.withTenant(other.id) { tx in
            try await tx.int("select count(*)::int from realisasi where tenant_id = \(other.id.uuid)")
        }
        #expect(strangerRows == 0)

        // Again, corrected: a correction is audited as one.
        let again = try await db.ingestRealisasi(tenant: city.id, [item(c.staff.nip, iki, q1, 6)], allOrNothing: false, actor: hr)
        #expect(again == [ItemResult(index: 0, accepted: true)])
        let last = try await db.withTenant(city.id) { tx -> String in
            var a = ""
            for try await s in try await tx.query("""
                select action from audit_log where tenant_id = \(city.id.uuid) and action like 'realisasi.%' order by entry_id desc limit 1
                """).decode(String.self) { a = s }
            return a
        }
        #expect(last == "realisasi.correct")
    }

    @Test func anAllOrNothingBatchWithARefusalWritesNothingAndSaysWhichWouldHavePassed() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("one-all", employees: 300)
        let planned = try await SKPStoreTests.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let hr = SKPActor.hr("api:test")
        let q2 = SubPeriod(kind: .quarterly, sequence: 2)
        let staffIKI = planned[3].content.rhk[0].iki[0].key, kasiIKI = planned[2].content.rhk[0].iki[0].key
        let good = [RealisasiItem(nip: c.staff.nip, year: 2026, ikiKey: staffIKI, period: q2, value: 3, narrative: nil, evidence: []),
                    RealisasiItem(nip: c.kasi.nip, year: 2026, ikiKey: kasiIKI, period: q2, value: 4, narrative: nil, evidence: [])]
        func count() async throws -> Int {
            try await db.withTenant(city.id) { tx in
                try await tx.int("select count(*)::int from realisasi where tenant_id = \(city.id.uuid) and period_seq = 2")
            }
        }
        // Refused by the database (an IKI of someone else's SKP), and refused before it (no value, no narrative).
        for bad in [RealisasiItem(nip: c.staff.nip, year: 2026, ikiKey: kasiIKI, period: q2, value: 1, narrative: nil, evidence: []),
                    RealisasiItem(nip: c.staff.nip, year: 2026, ikiKey: staffIKI, period: q2, value: nil, narrative: " ", evidence: [])] {
            await #expect {
                _ = try await db.ingestRealisasi(tenant: city.id, good + [bad], allOrNothing: true, actor: hr)
            } throws: { error in
                guard let r = error as? BatchRejected else { return false }
                return r.results.map(\.accepted) == [true, true, false] && r.results[2].reason != nil
            }
            #expect(try await count() == 0, "nothing of the batch written")
        }
        // Inside a transaction of the caller's (the CLI), the same rules.
        await #expect(throws: BatchRejected.self) {
            try await db.withTenant(city.id) { tx in
                _ = try await tx.ingestRealisasi(good + [RealisasiItem(nip: c.peer.nip, year: 2026, ikiKey: staffIKI, period: q2, value: 1,
                                                                       narrative: nil, evidence: [])], allOrNothing: true, actor: hr)
            }
        }
        #expect(try await count() == 0)
        let fine = try await db.ingestRealisasi(tenant: city.id, good, allOrNothing: true, actor: hr)
        #expect(fine.allSatisfy(\.accepted) && fine.count == 2)
        #expect(try await count() == 2)
    }

    /// A batch is checked and written set-based (migration 0035): new rows and corrections, audited in the
    /// order the rows are written, and a closed period refused by name next to an open one written. What that
    /// one statement cannot take, the same realisasi twice in one batch, goes item by item with the outcomes of
    /// two batches of one (written, then corrected). A read-only city, which the statement cannot take either,
    /// is `aBatchOfOneThatTheDatabaseRefusesIsARejectedItem`.
    @Test func aBatchTheSetBasedStatementCannotTakeGoesItemByItemWithTheSameOutcomes() async throws {
        let db = try await TestDatabase.app()
        let (city, pop) = try await TestDatabase.city("one-set", employees: 300)
        let planned = try await SKPStoreTests.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let hr = SKPActor.hr("api:test")
        let staffIKI = planned[3].content.rhk[0].iki[0].key, kasiIKI = planned[2].content.rhk[0].iki[0].key
        func item(_ nip: String, _ key: UUID, _ q: Int, _ v: Double) -> RealisasiItem {
            RealisasiItem(nip: nip, year: 2026, ikiKey: key, period: SubPeriod(kind: .quarterly, sequence: q), value: v, narrative: nil, evidence: [])
        }
        // Rows written by one statement share its subtransaction; item by item, each item has its own.
        func writers(_ q: Int) async throws -> Int {
            try await db.withTenant(city.id) { tx in
                try await tx.int("select count(distinct xmin::text)::int from realisasi where tenant_id = \(city.id.uuid) and period_seq = \(q)")
            }
        }
        func rows(_ q: Int) async throws -> (values: [String: Double], audit: [String]) {
            try await db.withTenant(city.id) { tx in
                var v: [String: Double] = [:]
                for try await (nip, x) in try await tx.query("""
                    select nip, value::float8 from realisasi where tenant_id = \(city.id.uuid) and period_seq = \(q)
                    """).decode((String, Double).self) { v[nip] = x }
                var a: [String] = []
                for try await (action, subject, detail) in try await tx.query("""
                    select action, subject, detail->>'value' from audit_log where tenant_id = \(city.id.uuid)
                      and action like 'realisasi.%' and detail->>'period' = \("Q\(q)") order by entry_id
                    """).decode((String, String, String).self) { a.append("\(action) \(subject.prefix(18)) \(detail)") }
                return (v, a)
            }
        }

        // Written in one statement: both items, each audited once, in the order the rows are written (by NIP
        // first: two calls lock rows in the same order).
        let byNIP = [(c.staff.nip, staffIKI), (c.kasi.nip, kasiIKI)].sorted { $0.0 < $1.0 }
        let plain = try await db.ingestRealisasi(tenant: city.id, [item(c.staff.nip, staffIKI, 1, 2), item(c.kasi.nip, kasiIKI, 1, 3)],
                                                 allOrNothing: false, actor: hr)
        #expect(plain == [ItemResult(index: 0, accepted: true), ItemResult(index: 1, accepted: true)])
        let one = try await rows(1)
        #expect(one.values == [c.staff.nip: 2, c.kasi.nip: 3])
        let value = [c.staff.nip: "2.0", c.kasi.nip: "3.0"]
        #expect(one.audit == byNIP.map { "realisasi.report \($0.0) \(value[$0.0]!)" })
        #expect(try await writers(1) == 1, "one statement wrote both")
        // Both again, in the other order: corrections, audited as such, in the same row order.
        let corrected = try await db.ingestRealisasi(tenant: city.id, [item(c.kasi.nip, kasiIKI, 1, 13), item(c.staff.nip, staffIKI, 1, 12)],
                                                     allOrNothing: false, actor: hr)
        #expect(corrected == [ItemResult(index: 0, accepted: true), ItemResult(index: 1, accepted: true)])
        let oneAgain = try await rows(1)
        #expect(oneAgain.values == [c.staff.nip: 12, c.kasi.nip: 13])
        let again = [c.staff.nip: "12.0", c.kasi.nip: "13.0"]
        #expect(Array(oneAgain.audit.dropFirst(2)) == byNIP.map { "realisasi.correct \($0.0) \(again[$0.0]!)" })
        #expect(try await writers(1) == 1, "one statement corrected both")

        // The same realisasi twice: written, then corrected, as two batches of one would be.
        let twice = try await db.ingestRealisasi(tenant: city.id, [item(c.staff.nip, staffIKI, 2, 7), item(c.kasi.nip, kasiIKI, 2, 8),
                                                                   item(c.staff.nip, staffIKI, 2, 9)], allOrNothing: false, actor: hr)
        #expect(twice == [ItemResult(index: 0, accepted: true), ItemResult(index: 1, accepted: true), ItemResult(index: 2, accepted: true)])
        let two = try await rows(2)
        #expect(two.values == [c.staff.nip: 9, c.kasi.nip: 8])
        #expect(two.audit.filter { $0.contains(c.staff.nip) } == ["realisasi.report \(c.staff.nip) 7.0", "realisasi.correct \(c.staff.nip) 9.0"])
        #expect(two.audit.filter { $0.contains(c.kasi.nip) } == ["realisasi.report \(c.kasi.nip) 8.0"])
        #expect(two.audit.count == 3, "nothing of the statement that failed")
        #expect(try await writers(2) == 2, "item by item")

        // A closed period next to an open one: the closed one is refused by name, the open one written.
        try await db.withTenant(city.id) { tx in
            _ = try await tx.setPeriod(try EvaluationPeriod.period(year: 2026, kind: .quarterly, sequence: 3), open: false, reason: nil, actor: "hr")
        }
        let mixed = try await db.ingestRealisasi(tenant: city.id, [item(c.staff.nip, staffIKI, 3, 1), item(c.kasi.nip, kasiIKI, 4, 5)],
                                                 allOrNothing: false, actor: hr)
        #expect(mixed.map(\.accepted) == [false, true])
        #expect(mixed[0].reason == "period Q3 of 2026 is closed: it takes no more realisasi (city HR can reopen it, with a reason)")
        #expect(try await rows(3).values.isEmpty)
        #expect(try await rows(4).values == [c.kasi.nip: 5])
    }

    /// A batch reads its own items' rows by key (migration 0038), whatever the size of the city. In 0035 the
    /// function's generic plan expected 100 items and hashed the checks, so every batch read all of the city's
    /// approved SKPs, employees and IKIs. PostgreSQL's counts for this transaction show which rows were read.
    @Test func aBatchReadsItsOwnItemsRowsAndNotTheWholeCity() async throws {
        let db = try await TestDatabase.app()
        let (city, _) = try await TestDatabase.city("one-keys", employees: 300)
        let profile = try NationalAdapter().effectiveProfile()
        let pairs = try await db.withTenant(city.id) { tx -> [(String, String)] in
            _ = try await tx.openYear(2026, cadence: .quarterly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t")
            var out: [(String, String)] = []
            for try await pair in try await tx.query("""
                select distinct on (i.nip) i.nip, i.iki_key::text from skp_iki i
                join skp s on s.tenant_id = i.tenant_id and s.nip = i.nip and s.year = i.year and s.revision = i.revision
                 and s.status = 'approved'
                where i.tenant_id = \(city.id.uuid) and i.year = 2026 order by i.nip, i.iki_key
                """).decode((String, String).self) { out.append(pair) }
            return out
        }
        #expect(pairs.count > 200, "most of the city has an approved SKP")
        let items = pairs.prefix(4).map { nip, iki in
            #"{"nip": "\#(nip)", "year": 2026, "iki": "\#(iki)", "kind": "quarterly", "seq": 1, "label": "Q1", "value": 3, "value_text": "3.0", "evidence": []}"#
        }
        // The plan for tables in use, not for nearly empty ones. Early in a clean clone's run the SKP table held
        // little more than this city's rows, and the batch read 600 of them in one sequential scan, which is the
        // cheaper plan for a table that small but not the plan this test is about. So the statistics are
        // refreshed (which also replans the function's cached plan) and sequential scans are off. The plan of 0035
        // still reads the whole city through the tenant's index, so it still fails here.
        try await TestDatabase.owner().client.query("analyze skp, employees, skp_iki", logger: TestDatabase.logger)
        // The counts of this transaction, before and after the call: the counts a backend has not yet sent on
        // may include its earlier transactions' (a pooler's server connection serves other callers), so only
        // the difference within one transaction is the call's.
        let (written, read) = try await db.withTenant(city.id) { tx -> (Int, [String: Int]) in
            try await tx.query("set local enable_seqscan = off")
            func counts() async throws -> [String: Int] {
                var out: [String: Int] = [:]
                for try await (table, rows) in try await tx.query("""
                    select relname::text, (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int from pg_stat_xact_user_tables
                    where relname in ('skp', 'employees', 'skp_iki')
                    """).decode((String, Int).self) { out[table] = rows }
                return out
            }
            let before = try await counts()
            let written = try await tx.int("""
                select count(*)::int from realisasi_report(\(city.id.uuid), 'test', true, false, false, \("[" + items.joined(separator: ",") + "]")::jsonb)
                where outcome = 'ok'
                """)
            let after = try await counts()
            return (written, after.reduce(into: [:]) { $0[$1.key] = $1.value - (before[$1.key] ?? 0) })
        }
        #expect(written == 4)
        // Four items: a row or so of each table per item, not the city's hundreds. An index-only scan counts no
        // rows, so the SKP, which the statement reads from the table, is the count that always shows.
        #expect((read["skp"] ?? 0) >= 4, "the four SKPs in force were read: \(read)")
        for table in ["skp", "employees", "skp_iki"] { #expect((read[table] ?? 0) <= 16, "\(table): \(read[table] ?? 0) rows read for 4 items") }
    }

    /// A batch of one is a statement of its own, with no subtransaction: a write the database refuses (here, in
    /// an offboarded city, read-only) is still that item's reason, as it is in a larger batch.
    @Test func aBatchOfOneThatTheDatabaseRefusesIsARejectedItem() async throws {
        let db = try await TestDatabase.app()
        let admin = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("one-alone", employees: 300)
        let planned = try await SKPStoreTests.plannedChain(db, city, pop)
        let c = TestDatabase.chain(pop)
        let item = RealisasiItem(nip: c.staff.nip, year: 2026, ikiKey: planned[3].content.rhk[0].iki[0].key,
                                 period: SubPeriod(kind: .quarterly, sequence: 3), value: 1, narrative: nil, evidence: [])
        _ = try await admin.platform.offboard(code: city.code, actor: "tests")
        for items in [[item], [item, item]] {
            let results = try await db.ingestRealisasi(tenant: city.id, items, allOrNothing: false, actor: .hr("api:test"))
            #expect(results.count == items.count && results.allSatisfy { !$0.accepted && ($0.reason ?? "").contains("SQLSTATE") },
                    "\(results)")
        }
    }
}
