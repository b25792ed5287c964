import Crypto
public import Foundation
import Logging
public import PostgresNIO

/// The audit log as a per-city hash chain (migration 0020): sealing, reading, and checking it.
///
/// The check recomputes every hash here, from the entries' fields as the database renders them (text), so a
/// database whose rows were changed behind the application's back cannot vouch for itself.
public enum AuditChain {
    /// The hash before a city's first entry.
    static let genesis = Data(repeating: 0, count: 32)

    /// One entry of the log.
    public struct Entry: Sendable, Equatable {
        public var entryID: Int64
        /// UTC, microseconds: `2026-11-24T03:15:09.123456Z`.
        public var at: String
        public var actor: String
        public var action: String
        public var subject: String
        /// The detail as jsonb renders it.
        public var detail: String
        /// Nil until sealed (a few seconds after it was written).
        public var chainSeq: Int64?
        public var rowHash: Data?

        /// What the hash covers: the same text as the database's `audit_entry_text`.
        var hashedText: String { [String(entryID), at, actor, action, subject, detail].joined(separator: "\n") }
    }

    /// What `verify` found.
    public struct Verification: Sendable, Equatable {
        /// Entries checked along the chain (up to the first problem).
        public var checked: Int
        /// Entries not sealed yet: written in the last seconds, or the server is not running to seal them.
        public var unsealed: Int
        /// The city's last sealed position and hash, as `audit_heads` keeps it.
        public var head: (seq: Int64, hash: String)?
        /// The first thing that does not hold, naming the entry; nil when the chain is whole.
        public var problem: String?
        /// The entry the problem names, when it names one.
        public var entryID: Int64?

        public var intact: Bool { problem == nil }

        public static func == (a: Self, b: Self) -> Bool {
            a.checked == b.checked && a.unsealed == b.unsealed && a.head?.seq == b.head?.seq && a.head?.hash == b.head?.hash
                && a.problem == b.problem && a.entryID == b.entryID
        }
    }

    static let fields = """
        entry_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, action, subject, detail::text, chain_seq, row_hash
        """

    static func hash(previous: Data, _ entry: Entry) -> Data {
        var h = SHA256()
        h.update(data: previous)
        h.update(data: Data(entry.hashedText.utf8))
        return Data(h.finalize())
    }

    static func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

    static func describe(_ e: Entry) -> String {
        "entry \(e.entryID) (\(e.at), \(e.action)\(e.subject.isEmpty ? "" : " \(e.subject)"), by \(e.actor))"
    }

    /// Checks city `tenant`'s chain on `connection` (any role that can read the city's log: the tenant's own
    /// transaction, or the owner). Streams the entries in chain order; memory does not grow with the log.
    /// The chain is checked up to the head as first read: entries a server seals meanwhile are the next run's,
    /// not a head that "disagrees". With `expect` (a position and its hash, noted from an earlier run), the
    /// entry at that position must still have that hash: a history rewritten whole, head included, shows there.
    public static func verify(tenant: UUID, on connection: PostgresConnection, logger: Logger,
                              expect: (seq: Int64, hash: String)? = nil,
                              afterHead: (@Sendable () async throws -> Void)? = nil) async throws -> Verification {
        var result = Verification(checked: 0, unsealed: 0, head: nil, problem: nil, entryID: nil)
        func readHead() async throws -> (seq: Int64, hash: String)? {
            var head: (Int64, String)?
            for try await (seq, hash) in try await connection.checkedQuery(
                "select chain_seq, row_hash from audit_heads where tenant_id = \(tenant)", logger: logger
            ).decode((Int64, Data).self) { head = (seq, hex(hash)) }
            return head
        }
        result.head = try await readHead()
        try await afterHead?()  // where a seal committed by a server would land (tests)
        let bound = result.head?.seq ?? 0
        for try await n in try await connection.checkedQuery(
            "select count(*)::int from audit_log where tenant_id = \(tenant) and chain_seq is null", logger: logger
        ).decode(Int.self) { result.unsealed = n }

        let rows = try await connection.checkedQuery(PostgresQuery(unsafeSQL: """
            select \(fields), prev_hash from audit_log where tenant_id = $1 and chain_seq is not null and chain_seq <= $2
            order by chain_seq
            """, binds: { var b = PostgresBindings(); b.append(tenant); b.append(bound); return b }()), logger: logger)
        var previous = genesis
        var expected: Int64 = 1
        var last: Entry?
        var expectedFound: (entryID: Int64, hash: String)?
        for try await r in rows.decode((Int64, String, String, String, String, String, Int64?, Data?, Data?).self) {
            guard result.problem == nil else { continue }  // drain the rest of the rows
            let e = Entry(entryID: r.0, at: r.1, actor: r.2, action: r.3, subject: r.4, detail: r.5, chainSeq: r.6, rowHash: r.7)
            let seq = r.6 ?? 0
            if seq != expected {
                let gap = seq - expected == 1 ? "position \(expected) is" : "positions \(expected) to \(seq - 1) are"
                result.problem = "chain \(gap) missing before \(describe(e)): \(seq - expected) entr\(seq - expected == 1 ? "y was" : "ies were") removed"
                result.entryID = last?.entryID ?? e.entryID
                continue
            }
            if r.8 != previous {
                // Its content and the true link still give its hash: only the link itself was changed.
                if hash(previous: previous, e) == e.rowHash {
                    result.problem = "\(describe(e)) had its link to the entry before it changed: its content still matches its hash"
                    result.entryID = e.entryID
                } else {
                    result.problem = "\(describe(e)) does not follow the entry before it: \(last.map(describe) ?? "the start of the chain") was changed, or this entry's link was"
                    result.entryID = last?.entryID ?? e.entryID
                }
                continue
            }
            let computed = hash(previous: previous, e)
            if e.rowHash != computed {
                result.problem = "\(describe(e)) was changed: its content no longer matches its hash"
                result.entryID = e.entryID
                continue
            }
            previous = computed
            if seq == expect?.seq { expectedFound = (e.entryID, hex(computed)) }
            expected += 1
            result.checked += 1
            last = e
        }
        guard result.problem == nil else { return result }
        let sealed = expected - 1
        if let head = result.head {
            if head.seq > sealed {
                result.problem = "the chain's head says \(head.seq) sealed entries and the log has \(sealed): the newest \(head.seq - sealed) were removed"
                result.entryID = last?.entryID
            } else if head.hash != hex(previous) {
                result.problem = "the chain's head (\(head.seq), \(head.hash.prefix(12))) does not match its last entry (\(sealed), \(hex(previous).prefix(12))): the head or the end of the chain was changed"
                result.entryID = last?.entryID
            } else {
                // Entries sealed past the head are a seal that landed during the check, unless the head, read
                // again, still stops before them: then it was moved back.
                var beyond: Int64 = 0
                for try await n in try await connection.checkedQuery(
                    "select coalesce(max(chain_seq), 0) from audit_log where tenant_id = \(tenant) and chain_seq > \(head.seq)", logger: logger
                ).decode(Int64.self) { beyond = n }
                if beyond > 0, let now = try await readHead(), now.seq < beyond {
                    result.problem = "the log has sealed entries up to position \(beyond) and the chain's head says \(now.seq): the head was moved back"
                    result.entryID = last?.entryID
                }
            }
        } else {
            // No head when the check began: any sealed entry now, with still no head, means it was removed.
            var sealedNow = 0
            for try await n in try await connection.checkedQuery(
                "select count(*)::int from audit_log where tenant_id = \(tenant) and chain_seq is not null", logger: logger
            ).decode(Int.self) { sealedNow = n }
            if sealedNow > 0, try await readHead() == nil {
                result.problem = "the chain has \(sealedNow) sealed entries but no head: the head was removed"
            }
        }
        if result.problem == nil, let expect {
            let noted = expect.hash.lowercased()
            if let found = expectedFound {
                if found.hash != noted {
                    result.problem = "position \(expect.seq) (entry \(found.entryID)) has hash \(found.hash.prefix(16)), not the \(noted.prefix(16)) noted: "
                        + "the history up to it was rewritten, its hashes recomputed"
                    result.entryID = found.entryID
                }
            } else {
                result.problem = "the chain ends at position \(sealed), before the \(expect.seq) noted: entries were removed and the head moved back"
                result.entryID = last?.entryID
            }
        }
        return result
    }

    /// Which entries to list.
    public struct Filter: Sendable, Equatable {
        /// The subject, e.g. a NIP or `NIP/2026`; a trailing `*` matches a prefix.
        public var subject: String?
        public var actor: String?
        /// The action, e.g. `skp.approve`; a trailing `*` matches a prefix (`skp.*`).
        public var action: String?
        public var from: Date?
        public var until: Date?
        /// Entries after this position in the chain (the last sealed entry of the previous page): sealed entries
        /// come in chain order, then the unsealed ones. By position, not by entry number: an entry numbered
        /// before another can commit after it, and is then sealed after it, so a page by numbers would pass it by.
        public var after: Int64?
        public var limit: Int

        public init(subject: String? = nil, actor: String? = nil, action: String? = nil, from: Date? = nil, until: Date? = nil,
                    after: Int64? = nil, limit: Int = 100) {
            (self.subject, self.actor, self.action, self.from, self.until, self.after, self.limit) = (subject, actor, action, from, until, after, limit)
        }
    }
}

extension KinerjaDatabase {
    /// Seals city `tenant`'s unsealed audit entries now; returns how many. Outside any city's transaction,
    /// so an offboarded (read-only) city's last entries are sealed too.
    @discardableResult
    public func sealAudit(_ tenant: TenantID) async throws -> Int {
        try await statement("select audit_seal(\(tenant.uuid))") { rows in
            for try await n in rows.decode(Int.self) { return n }
            return 0
        }
    }

    /// Seals every city's unsealed entries (those another sealer is on are left to it); returns how many. A
    /// city whose seal fails (migration 0047) is logged by its id and left unsealed; the others are sealed.
    @discardableResult
    public func sealAllAudit() async throws -> Int {
        let (total, failed) = try await statement("select tenant_id, sealed from audit_seal_all()") { rows in
            var total = 0, failed: [UUID] = []
            for try await (tenant, n) in rows.decode((UUID, Int).self) {
                if n < 0 { failed.append(tenant) } else { total += n }
            }
            return (total, failed)
        }
        for t in failed {
            logger.error("the audit entries of this city could not be sealed: its chain's head disagrees with its log; run 'kinerja-admin audit verify'",
                         metadata: ["tenant_id": "\(t.uuidString.lowercased())"])
        }
        return total
    }
}

extension TenantTransaction {
    /// This city's audit chain, checked (seal first with ``KinerjaDatabase/sealAudit(_:)`` to include the
    /// newest entries).
    public func verifyAuditChain(expect: (seq: Int64, hash: String)? = nil) async throws -> AuditChain.Verification {
        try await AuditChain.verify(tenant: tenant.uuid, on: connection, logger: logger, expect: expect)
    }

    /// Sealed entries after chain position `after`, in chain order: the change feed. The chain gives each
    /// entry its position once, after its transaction committed, so nothing appears later before a position
    /// already read.
    /// `hiding`: `like` patterns of actions left out. `through`: the position the next page goes on after: the
    /// last entry given, or, on a page that is not full, the last position sealed when it was read, so that a
    /// reader skips over the entries left out once instead of reading past them on every call.
    /// `head`: the last position sealed when it was read.
    public func changes(after: Int64, limit: Int, hiding: [String] = []) async throws -> (entries: [AuditChain.Entry], through: Int64, head: Int64) {
        // The last sealed position first, then the entries up to it: every position up to it is sealed, so
        // none comes later below it.
        let head = try await feedHead()
        let sealed = max(after, head)
        var out: [AuditChain.Entry] = []
        for try await r in try await query("""
            select entry_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, action, subject, detail::text,
                   chain_seq, row_hash
            from audit_log where tenant_id = \(tenant.uuid) and chain_seq > \(after) and chain_seq <= \(sealed)
              and not (action like any(\(hiding)::text[]))
            order by chain_seq limit \(limit)
            """).decode((Int64, String, String, String, String, String, Int64?, Data?).self) {
            out.append(.init(entryID: r.0, at: r.1, actor: r.2, action: r.3, subject: r.4, detail: r.5, chainSeq: r.6, rowHash: r.7))
        }
        return (out, out.count == limit ? (out.last?.chainSeq ?? after) : sealed, head)
    }

    /// The last position sealed in this city's feed (0: none yet).
    public func feedHead() async throws -> Int64 {
        for try await n in try await query("""
            select coalesce(max(chain_seq), 0) from audit_log where tenant_id = \(tenant.uuid)
            """).decode(Int64.self) { return n }
        return 0
    }

    /// Entries of this city's log in chain order (the unsealed last, by number), filtered; `limit` at most. Each
    /// entry's time is written in `timeZone` with its offset (`2026-03-02T04:30:00.000000+08:00`); in UTC with
    /// `Z` when none is given.
    public func auditEntries(_ f: AuditChain.Filter, timeZone: TimeZone? = nil) async throws -> [AuditChain.Entry] {
        if let timeZone {
            try await query("select set_config('TimeZone', \(timeZone.identifier), true)")
        }
        let at = timeZone == nil ? #"to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#
            : #"to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.USTZH:TZM')"#
        func pattern(_ s: String?) -> String? {
            guard let s else { return nil }
            let escaped = s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            return escaped.hasSuffix("*") ? String(escaped.dropLast()) + "%" : escaped
        }
        // The sealed entries after the position, by the chain's index; then, on a page not full, the unsealed ones.
        // One statement, so one snapshot: read in two, a seal committed between them moved entries out of the
        // unsealed part after the sealed part was read, and the listing left them out.
        let rows = try await query("""
            with m as not materialized (
                select entry_id, \(unescaped: at) as at_text, actor, action, subject, detail::text as detail_text, chain_seq, row_hash
                from audit_log
                where tenant_id = \(tenant.uuid)
                  and (\(pattern(f.subject))::text is null or subject like \(pattern(f.subject)))
                  and (\(pattern(f.actor))::text is null or actor like \(pattern(f.actor)))
                  and (\(pattern(f.action))::text is null or action like \(pattern(f.action)))
                  and (\(f.from)::timestamptz is null or at >= \(f.from))
                  and (\(f.until)::timestamptz is null or at < \(f.until))
            )
            select * from (
                (select * from m where chain_seq is not null and (\(f.after)::bigint is null or chain_seq > \(f.after))
                 order by chain_seq limit \(f.limit))
                union all
                (select * from m where chain_seq is null order by entry_id limit \(f.limit))
            ) page
            order by chain_seq is null, chain_seq, entry_id
            limit \(f.limit)
            """)
        var out: [AuditChain.Entry] = []
        for try await r in rows.decode((Int64, String, String, String, String, String, Int64?, Data?).self) {
            out.append(.init(entryID: r.0, at: r.1, actor: r.2, action: r.3, subject: r.4, detail: r.5, chainSeq: r.6, rowHash: r.7))
        }
        return out
    }
}
