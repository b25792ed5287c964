import Foundation
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// Each city's audit log is a hash chain: sealed entries verify, and an edited entry, a removed entry and
/// removed newest entries are each named; nobody writes a seal by hand; one city's chain is its own.
@Suite struct AuditChainTests {
    /// A city with a few entries of its own, sealed.
    static func city(_ label: String, entries: Int = 5) async throws -> Tenant {
        let db = try await TestDatabase.admin()
        let (city, _) = try await TestDatabase.city(label)
        try await db.withTenant(city.id) { tx in
            for i in 0..<entries {
                try await tx.audit(actor: "tests:\(label)", action: "test.step", subject: "s\(i)", detail: ["n": String(i), "kota": "Kota Ü"])
            }
        }
        try await db.sealAudit(city.id)
        return city
    }

    static func verify(_ city: Tenant) async throws -> AuditChain.Verification {
        try await TestDatabase.admin().withTenant(city.id) { try await $0.verifyAuditChain() }
    }

    /// Changes the log as someone with the database's keys would: the owner, past the append-only trigger.
    static func tamper(_ sql: PostgresQuery) async throws {
        let owner = try await TestDatabase.owner()
        try await owner.client.withTransaction(logger: TestDatabase.logger) { conn in
            try await conn.query("set local session_replication_role = replica", logger: TestDatabase.logger)
            try await conn.query(sql, logger: TestDatabase.logger)
        }
    }

    /// Runs `body` while holding city `city`'s sealing lock, so that no sealer (a server that another suite
    /// runs against the test database seals every few seconds) seals its entries meanwhile.
    static func withoutSealing(_ city: Tenant, _ body: () async throws -> Void) async throws {
        let owner = try await TestDatabase.owner()
        try await owner.client.withConnection { conn in
            let key = "kinerja.audit_seal:\(city.id.description)"
            for try await _ in try await conn.query("select pg_advisory_lock(hashtextextended(\(key), 0))", logger: TestDatabase.logger) {}
            do {
                try await body()
            } catch {
                for try await _ in try await conn.query("select pg_advisory_unlock(hashtextextended(\(key), 0))", logger: TestDatabase.logger) {}
                throw error
            }
            for try await _ in try await conn.query("select pg_advisory_unlock(hashtextextended(\(key), 0))", logger: TestDatabase.logger) {}
        }
    }

    static func entryIDs(_ city: Tenant) async throws -> [Int64] {
        try await TestDatabase.admin().withTenant(city.id) { tx in
            try await tx.auditEntries(.init(limit: 1000)).map(\.entryID)
        }
    }

    /// `audit log` pages by position in the chain: an entry numbered before another, whose transaction commits
    /// after the other was sealed, is sealed after it, and the page after the last position shown holds it. By
    /// entry number (the cursor before), the next page began after the later number and passed it by.
    @Test func aPageGoesOnByPositionInTheChain() async throws {
        let city = try await Self.city("chain-pages")
        let db = try await TestDatabase.admin()
        let head = try #require(try await db.withTenant(city.id) { try await $0.auditEntries(.init(limit: 100_000)) }.last?.chainSeq)
        let first = try await db.withTenant(city.id) { early in
            try await early.audit(actor: "t", action: "test.early", subject: "early")
            // Numbered after it, committed and sealed while it is still open.
            try await db.withTenant(city.id) { try await $0.audit(actor: "t", action: "test.late", subject: "late") }
            _ = try await db.sealAudit(city.id)
            return try await db.withTenant(city.id) { try await $0.auditEntries(.init(after: head, limit: 1)) }
        }
        let late = try #require(first.first)
        #expect(late.subject == "late" && late.chainSeq == head + 1)
        // Committed, maybe not sealed yet (a test server seals every city every few seconds): on the next page either way.
        let lateSeq = try #require(late.chainSeq)
        let pending = try await db.withTenant(city.id) { try await $0.auditEntries(.init(after: lateSeq, limit: 10)) }
        #expect(pending.map(\.subject) == ["early"], "\(pending)")
        _ = try await db.sealAudit(city.id)
        let next = try await db.withTenant(city.id) { try await $0.auditEntries(.init(after: lateSeq, limit: 10)) }
        let early = try #require(next.first, "the entry that committed later is on the next page")
        #expect(early.subject == "early" && early.chainSeq == head + 2 && next.count == 1)
        #expect(early.entryID < late.entryID, "numbered before the one the page ended on: a page by number passes it by")
    }

    @Test func sealedEntriesFormAChainThatVerifies() async throws {
        let city = try await Self.city("chain-ok")
        let v = try await Self.verify(city)
        #expect(v.intact, "\(v.problem ?? "")")
        // The onboarding and the demo seed wrote entries too.
        #expect(v.checked >= 6 && v.unsealed == 0)
        #expect(v.head?.seq == Int64(v.checked))

        // New entries are unsealed until sealed, then extend the same chain.
        try await Self.withoutSealing(city) {
            try await TestDatabase.admin().withTenant(city.id) { try await $0.audit(actor: "t", action: "test.more", subject: "") }
            let pending = try await Self.verify(city)
            #expect(pending.intact && pending.unsealed == 1 && pending.checked == v.checked)
        }
        // (A server's sealer may have come first now the lock is free: either way it is sealed once.)
        #expect(try await TestDatabase.admin().sealAudit(city.id) <= 1)
        let after = try await Self.verify(city)
        #expect(after.intact && after.checked == v.checked + 1 && after.unsealed == 0)
    }

    /// A backlog larger than one sealing batch (20,000 entries, migration 0032) is sealed whole, in entry order,
    /// into one chain that verifies outside the database, and its head is the last entry.
    @Test func aBacklogLargerThanOneBatchIsSealedIntoOneChain() async throws {
        let city = try await Self.city("chain-backlog", entries: 1)
        let before = try await Self.verify(city)
        let backlog = 20_001 + 2_000
        try await Self.withoutSealing(city) {
            try await TestDatabase.admin().withTenant(city.id) { tx in
                _ = try await tx.query("""
                    insert into audit_log (tenant_id, actor, action, subject, detail)
                    select \(city.id.uuid), 'tests:backlog', 'test.bulk', 'b' || n, jsonb_build_object('n', n::text)
                    from generate_series(1, \(backlog)) n
                    """)
            }
        }
        #expect(try await TestDatabase.admin().sealAudit(city.id) <= backlog)
        let v = try await Self.verify(city)
        #expect(v.intact && v.unsealed == 0, "\(v.problem ?? "")")
        #expect(v.checked == before.checked + backlog && v.head?.seq == Int64(v.checked))
        let last = try await TestDatabase.admin().withTenant(city.id) { try await $0.auditEntries(.init(subject: "b\(backlog)", limit: 1)) }
        #expect(last.count == 1 && last.first?.chainSeq == v.head?.seq, "the newest entry is the head: \(last)")
    }

    @Test func anEditedEntryIsNamed() async throws {
        let city = try await Self.city("chain-edit")
        let ids = try await Self.entryIDs(city)
        let victim = ids[ids.count - 3]
        try await Self.tamper("update audit_log set actor = 'someone else' where tenant_id = \(city.id.uuid) and entry_id = \(victim)")
        let v = try await Self.verify(city)
        #expect(!v.intact && v.entryID == victim, "\(v.problem ?? "")")
        #expect(v.problem?.contains("entry \(victim)") == true && v.problem?.contains("was changed") == true, "\(v.problem ?? "")")

        // Changed and its hash recomputed: the next entry's link gives it away, and it is named.
        let other = try await Self.city("chain-rehash")
        let oids = try await Self.entryIDs(other)
        let target = oids[1]
        try await Self.tamper("""
            update audit_log set detail = '{"n": "999"}'::jsonb,
                   row_hash = sha256(prev_hash || convert_to(audit_entry_text(entry_id, at, actor, action, subject, '{"n": "999"}'::jsonb), 'UTF8'))
            where tenant_id = \(other.id.uuid) and entry_id = \(target)
            """)
        let w = try await Self.verify(other)
        #expect(!w.intact && w.entryID == target, "\(w.problem ?? "")")

        // Only an entry's link changed: that entry is named, not the one before it.
        let linked = try await Self.city("chain-link")
        let lids = try await Self.entryIDs(linked)
        let relinked = lids[2]
        try await Self.tamper("update audit_log set prev_hash = '\\x00'::bytea where tenant_id = \(linked.id.uuid) and entry_id = \(relinked)")
        let l = try await Self.verify(linked)
        #expect(!l.intact && l.entryID == relinked && l.problem?.contains("link") == true, "\(l.problem ?? "")")
    }

    @Test func aRemovedEntryAndRemovedNewestEntriesAreNamed() async throws {
        let city = try await Self.city("chain-gap")
        let ids = try await Self.entryIDs(city)
        try await Self.tamper("delete from audit_log where tenant_id = \(city.id.uuid) and entry_id = \(ids[3])")
        let v = try await Self.verify(city)
        #expect(!v.intact && v.problem?.contains("missing") == true && v.entryID == ids[2], "\(v.problem ?? "")")

        let tail = try await Self.city("chain-tail")
        let tids = try await Self.entryIDs(tail)
        try await Self.tamper("delete from audit_log where tenant_id = \(tail.id.uuid) and entry_id >= \(tids[tids.count - 2])")
        let w = try await Self.verify(tail)
        #expect(!w.intact && w.problem?.contains("the newest 2 were removed") == true, "\(w.problem ?? "")")
    }

    /// Whoever holds the database's keys can rewrite the newest history whole, head included, so that the chain
    /// alone still verifies. The head noted from an earlier run (`audit verify --expect POSITION:SHA256`) shows
    /// it: removed newest entries with the head moved back, or the noted entry rewritten with its hash recomputed.
    @Test func aHeadNotedEarlierShowsARewrittenHistory() async throws {
        // Removed, and the head moved back to the entry before them.
        let city = try await Self.city("chain-rewind")
        let noted = try #require(try await Self.verify(city).head)
        try await Self.tamper("""
            with gone as (delete from audit_log where tenant_id = \(city.id.uuid) and chain_seq > \(noted.seq - 2) returning 1)
            update audit_heads h set chain_seq = l.chain_seq, row_hash = l.row_hash
            from audit_log l where h.tenant_id = \(city.id.uuid) and l.tenant_id = h.tenant_id and l.chain_seq = \(noted.seq - 2)
            """)
        #expect(try await Self.verify(city).intact, "the chain alone cannot tell")
        let v = try await TestDatabase.admin().withTenant(city.id) { try await $0.verifyAuditChain(expect: noted) }
        #expect(!v.intact && v.problem?.contains("ends at position \(noted.seq - 2), before the \(noted.seq) noted") == true, "\(v.problem ?? "")")

        // The noted (newest) entry rewritten, its hash and the head's recomputed.
        let other = try await Self.city("chain-rewrite")
        let head = try #require(try await Self.verify(other).head)
        try await Self.tamper("""
            with changed as (
                update audit_log set actor = 'someone else',
                       row_hash = sha256(prev_hash || convert_to(audit_entry_text(entry_id, at, 'someone else', action, subject, detail), 'UTF8'))
                where tenant_id = \(other.id.uuid) and chain_seq = \(head.seq) returning row_hash)
            update audit_heads set row_hash = (select row_hash from changed) where tenant_id = \(other.id.uuid)
            """)
        #expect(try await Self.verify(other).intact, "the chain alone cannot tell")
        let w = try await TestDatabase.admin().withTenant(other.id) { try await $0.verifyAuditChain(expect: head) }
        #expect(!w.intact && w.problem?.contains("not the \(head.hash.prefix(16)) noted") == true, "\(w.problem ?? "")")
        // Noted as it is now, the same check passes: the option compares, it does not guess.
        let now = try #require(try await Self.verify(other).head)
        #expect(try await TestDatabase.admin().withTenant(other.id) { try await $0.verifyAuditChain(expect: now) }.intact)
    }

    /// The head moved back with the entries after it left in place: found without a noted head (the entries
    /// past it are no seal in progress, since the head read again still stops before them).
    @Test func aHeadMovedBackIsNamed() async throws {
        let city = try await Self.city("chain-back")
        let head = try #require(try await Self.verify(city).head)
        try await Self.withoutSealing(city) {
            try await Self.tamper("""
                update audit_heads h set chain_seq = l.chain_seq, row_hash = l.row_hash
                from audit_log l where h.tenant_id = \(city.id.uuid) and l.tenant_id = h.tenant_id and l.chain_seq = \(head.seq - 1)
                """)
            let v = try await Self.verify(city)
            #expect(!v.intact && v.problem?.contains("the head was moved back") == true, "\(v.problem ?? "")")
        }
    }

    /// One city whose seal fails (its head removed, so the next position is taken) leaves the others' seals alone:
    /// they were rolled back with it, every round, and their change feeds stood still.
    @Test func oneCitysFailingSealStopsNoOther() async throws {
        let broken = try await Self.city("chain-broken")
        let fine = try await Self.city("chain-fine")
        let admin = try await TestDatabase.admin()
        try await Self.withoutSealing(fine) {
            try await Self.tamper("delete from audit_heads where tenant_id = \(broken.id.uuid)")
            try await admin.withTenant(broken.id) { try await $0.audit(actor: "t", action: "test.after", subject: "") }
            try await admin.withTenant(fine.id) { try await $0.audit(actor: "t", action: "test.after", subject: "") }
            #expect(try await Self.verify(fine).unsealed == 1)
        }
        _ = try await admin.sealAllAudit()
        // A server started by another test seals every city of this database too: when its round holds this city's
        // lock, this round passes the city by and that round seals it as it commits.
        // That round may be sealing the backlog of the whole suite's database: a minute, on shared cores.
        var unsealed = try await Self.verify(fine).unsealed
        let deadline = ContinuousClock.now + .seconds(60)
        while unsealed != 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            unsealed = try await Self.verify(fine).unsealed
        }
        #expect(unsealed == 0, "the other city's entry is sealed")
        let b = try await Self.verify(broken)
        #expect(b.unsealed == 1 && !b.intact, "\(b)")
        // Put back as it was, so that no later round meets it.
        try await Self.tamper("""
            insert into audit_heads (tenant_id, chain_seq, row_hash)
            select tenant_id, chain_seq, row_hash from audit_log where tenant_id = \(broken.id.uuid) and chain_seq is not null
            order by chain_seq desc limit 1
            """)
        try await admin.sealAudit(broken.id)
        #expect(try await Self.verify(broken).intact)
    }

    /// A head read before a server seals more entries is the end of this run's check, not a head that disagrees:
    /// the entries beyond it are the next run's (verify read the head and the entries in two statements, and a
    /// seal between them answered "the head or the end of the chain was changed").
    @Test func entriesSealedDuringACheckAreNotAProblem() async throws {
        let city = try await Self.city("chain-during")
        let before = try #require(try await Self.verify(city).head)
        try await Self.withoutSealing(city) {
            try await TestDatabase.admin().withTenant(city.id) { try await $0.audit(actor: "t", action: "test.more", subject: "") }
        }
        // Sealed inside the checking transaction, after its head was read: as a server's seal would land.
        let v = try await TestDatabase.admin().withTenant(city.id) { tx in
            try await AuditChain.verify(tenant: city.id.uuid, on: tx.connection, logger: TestDatabase.logger, expect: nil, afterHead: {
                _ = try await TestDatabase.owner().sealAudit(city.id)
            })
        }
        #expect(v.intact && v.head?.seq == before.seq && v.checked == Int(before.seq), "\(v.problem ?? "")")
    }

    @Test func nobodyButTheSealerWritesTheChain() async throws {
        let (city, _) = try await TestDatabase.city("chain-forge")
        for db in [try await TestDatabase.app(), try await TestDatabase.admin()] {
            // A seal (or a time) written with the entry: refused by the column grants.
            let forged = await #expect(throws: (any Error).self) {
                try await db.withTenant(city.id) { tx in
                    try await tx.query("""
                        insert into audit_log (tenant_id, actor, action, chain_seq, prev_hash, row_hash)
                        values (\(city.id.uuid), 'x', 'x', 1, '\\x00'::bytea, '\\x00'::bytea)
                        """)
                }
            }
            #expect(StoreError.sqlState(forged!) == "42501")
            // Sealed entries cannot be changed, nor the head written.
            for sql: PostgresQuery in [
                "update audit_log set chain_seq = 1 where tenant_id = \(city.id.uuid)",
                "insert into audit_heads (tenant_id, chain_seq, row_hash) values (\(city.id.uuid), 1, '\\x00'::bytea)",
            ] {
                let e = await #expect(throws: (any Error).self) { try await db.withTenant(city.id) { try await $0.query(sql) } }
                #expect(StoreError.sqlState(e!) == "42501", "\(sql.sql)")
            }
        }
        // Even the owner cannot change a sealed entry while the append-only trigger stands.
        let owner = try await TestDatabase.owner()
        try await owner.sealAudit(city.id)
        let e = await #expect(throws: (any Error).self) {
            try await owner.client.query("update audit_log set actor = 'x' where tenant_id = \(city.id.uuid)", logger: TestDatabase.logger)
        }
        #expect(StoreError.sqlState(e!) == "42501")
    }

    @Test func eachCityHasItsOwnChain() async throws {
        let a = try await Self.city("chain-a")
        let b = try await Self.city("chain-b")
        let admin = try await TestDatabase.admin()
        // Sealing A leaves B's new entry unsealed.
        try await Self.withoutSealing(b) {
            try await admin.withTenant(b.id) { try await $0.audit(actor: "t", action: "test.b", subject: "") }
            try await admin.sealAudit(a.id)
            #expect(try await Self.verify(b).unsealed == 1)
        }
        // A's transaction sees none of B's entries or head.
        try await admin.withTenant(a.id) { tx in
            for try await n in try await tx.query("select count(*)::int from audit_log where tenant_id = \(b.id.uuid)").decode(Int.self) { #expect(n == 0) }
            for try await n in try await tx.query("select count(*)::int from audit_heads").decode(Int.self) { #expect(n == 1) }
            let v = try await AuditChain.verify(tenant: b.id.uuid, on: tx.connection, logger: TestDatabase.logger)
            #expect(v.checked == 0 && v.head == nil)
        }
        // A's listing (audit log) finds none of B's entries, whatever the filter.
        try await admin.withTenant(b.id) { try await $0.audit(actor: "t", action: "test.b-only", subject: "B-ONLY") }
        try await admin.withTenant(a.id) { tx in
            let bySubject = try await tx.auditEntries(.init(subject: "B-*", limit: 100))
            let all = try await tx.auditEntries(.init(after: 0, limit: 100_000))
            #expect(bySubject.isEmpty && !all.isEmpty && !all.contains { $0.action.hasPrefix("test.b") })
        }
        // Breaking B leaves A intact.
        let bids = try await Self.entryIDs(b)
        try await Self.tamper("update audit_log set subject = 'x' where tenant_id = \(b.id.uuid) and entry_id = \(bids[0])")
        #expect(try await Self.verify(a).intact)
        #expect(try await !Self.verify(b).intact)
    }
}
