import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KinerjaAPI
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import NIOCore
import PostgresNIO
import Testing

/// Batches from other systems: each item answered, one bad item not losing the good ones unless the caller
/// asks for all or nothing; per-key scopes; another city's people refused.
@Suite struct IngestionTests {
    func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, token: String) async throws -> Reply {
        try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                 body: ByteBuffer(string: body)) { r in Reply(status: r.status, headers: r.headers, body: String(buffer: r.body)) }
    }

    func count(_ city: Tenant, _ sql: PostgresQuery) async throws -> Int {
        try await TestDatabase.admin().withTenant(city.id) { tx in
            for try await n in try await tx.query(sql).decode(Int.self) { return n }
            return 0
        }
    }

    /// Attendance read back a page at a time: every event once, in the order day, NIP, kind, with each page reading
    /// its own rows of the index, wherever it starts (a page from mid-month used to read, and sort, every event
    /// from the cursor's day on: 0041 and the query's order).
    @Test func attendancePagesReadTheirOwnRows() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("attendance-pages", employees: 120)
        let nips = pop.people.map(\.nip)
        let days = (1...10).map { String(format: "2026-03-%02d", $0) }
        let rows = days.flatMap { day in nips.flatMap { nip in
            [["NIP": nip, "TANGGAL": day, "JENIS": "terlambat", "MENIT": "5"], ["NIP": nip, "TANGGAL": day, "JENIS": "tidak_upacara"]]
        } }
        let accepted = try await db.withTenant(city.id) { try await $0.ingestAttendance(rows, allOrNothing: true, actor: "t") }
        #expect(accepted.count == rows.count && accepted.allSatisfy(\.accepted))
        try await TestDatabase.owner().client.query("analyze attendance_events", logger: TestDatabase.logger)
        let expected = days.flatMap { day in nips.sorted().flatMap { ["\(day) \($0) terlambat", "\(day) \($0) tidak_upacara"] } }

        var listed: [String] = [], cursor: AttendanceCursor?, pages = 0, totalRead = 0
        repeat {
            let (page, read): ([AttendanceEvent], Int) = try await db.withTenant(city.id) { tx in
                // Rows of attendance_events read through any of its indexes or a scan of the table: the
                // backend's counts, which also hold earlier transactions' until they are reported, before and after.
                func rowsRead() async throws -> Int {
                    for try await n in try await tx.query("""
                        select sum(pg_stat_get_xact_tuples_returned(c.oid))::int from pg_class c
                        where c.oid = 'attendance_events'::regclass
                           or c.oid in (select indexrelid from pg_index where indrelid = 'attendance_events'::regclass)
                        """).decode(Int.self) { return n }
                    return 0
                }
                let before = try await rowsRead()
                let (events, more) = try await tx.attendanceEvents(from: CivilDate(year: 2026, month: 3, day: 1),
                                                                   until: CivilDate(year: 2026, month: 3, day: 31),
                                                                   nip: nil, after: cursor, limit: 100)
                cursor = more ? events.last.map { AttendanceCursor(day: $0.day, nip: $0.nip, kind: $0.kind) } : nil
                return (events, try await rowsRead() - before)
            }
            // A page reads its 100 and the one after (to know more follow), or what is left of the range: none of
            // the rows before its cursor.
            let left = expected.count - listed.count
            #expect(read <= max(101, left), "page \(pages + 1) read \(read) rows for 100, \(left) left")
            listed += page.map { "\($0.day) \($0.nip) \($0.kind.rawValue)" }
            pages += 1
            totalRead += read
        } while cursor != nil
        #expect(listed == expected)
        #expect(totalRead <= 2 * expected.count, "\(totalRead) rows read for \(expected.count)")
        #expect(pages == expected.count / 100)
    }

    @Test func attendanceComplaintsAndRealisasiItemByItem() async throws {
        let db = try await TestDatabase.admin()
        let (city, pop) = try await TestDatabase.city("ingest", employees: 300)
        let (other, otherPop) = try await TestDatabase.city("ingest-other")
        let profile = try NationalAdapter().effectiveProfile()
        try await db.withTenant(city.id) { tx in
            _ = try await tx.openYear(2026, cadence: .monthly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t")
        }
        let mine = Set(pop.people.map(\.nip))
        let stranger = try #require(otherPop.people.first { !mine.contains($0.nip) }).nip
        let nip = pop.people[10].nip
        let attendanceOnly = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "mesin absen", employeeNIP: nil,
                                                       scopes: ["attendance"], actor: "t").token
        let feeds = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "lapor", employeeNIP: nil,
                                              scopes: ["complaints", "realisasi"], actor: "t").token
        let pegawai = try await db.createAPIKey(tenants: [city.id], role: .pegawai, label: "", employeeNIP: nip, actor: "t").token
        let t = city.id.uuid
        try await withAPI { client in
            let batch = """
                {"events": [
                  {"nip": "\(nip)", "day": "2026-03-02", "kind": "terlambat", "minutes": 25},
                  {"nip": "\(stranger)", "day": "2026-03-02", "kind": "terlambat", "minutes": 5},
                  {"nip": "\(nip)", "day": "2026-03-03", "kind": "tidak_upacara", "minutes": 5},
                  {"nip": "\(nip)", "day": "2026-03-04", "kind": "tidak_hadir", "excused": true}
                ]}
                """
            // All or nothing: one bad item, nothing written.
            let strict = try await post(client, "/v1/attendance/events", batch.replacingOccurrences(of: "{\"events\"", with: "{\"allOrNothing\": true, \"events\""),
                                        token: attendanceOnly)
            #expect(strict.status == .unprocessableContent && strict.json["written"] as? Bool == false, "\(strict.body)")
            #expect(try await count(city, "select count(*)::int from attendance_events where tenant_id = \(t)") == 0)
            // Item by item: the two good ones written, the others named.
            let r = try await post(client, "/v1/attendance/events", batch, token: attendanceOnly)
            #expect(r.status == .ok && r.json["accepted"] as? Int == 2 && r.json["rejected"] as? Int == 2, "\(r.body)")
            let items = r.json["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["status"] as? String } == ["accepted", "rejected", "rejected", "accepted"])
            #expect((items[1]["reason"] as? String)?.contains("no employee with this NIP in this city") == true)
            #expect((items[2]["reason"] as? String)?.contains("MENIT") == true)
            #expect(try await count(city, "select count(*)::int from attendance_events where tenant_id = \(t)") == 2)
            #expect(try await count(other, "select count(*)::int from attendance_events where tenant_id = \(other.id.uuid)") == 0)
            // A kind the contract does not list refuses the batch (the generated code reads it before any item), named
            // with its place and the kinds there are.
            let unknown = try await post(client, "/v1/attendance/events", batch.replacingOccurrences(of: "tidak_upacara", with: "izin"),
                                         token: attendanceOnly)
            #expect(unknown.status == .badRequest && unknown.json["detail"] as? String
                    == "value 'izin' for events.2.kind is not allowed in ingestAttendance: it must be one of terlambat, pulang_cepat, tidak_hadir, tidak_upacara",
                    "\(unknown.body)")

            // Read back, a page at a time in the order day, NIP, kind; the other city's event of the same day is not listed.
            let theirs = try await db.withTenant(other.id) { tx in
                try await tx.ingestAttendance([["NIP": stranger, "TANGGAL": "2026-03-02", "JENIS": "terlambat", "MENIT": "9"]],
                                              allOrNothing: true, actor: "t")
            }
            #expect(theirs.allSatisfy { $0.accepted })
            let march = "/v1/attendance/events?from=2026-03-01&until=2026-03-31"
            let all = try await client.get(march, token: attendanceOnly)
            let listed = all.json["items"] as? [[String: Any]] ?? []
            #expect(all.status == .ok && all.json["nextCursor"] == nil, "\(all.body)")
            #expect(listed.map { "\($0["day"]!) \($0["nip"]!) \($0["kind"]!)" } == ["2026-03-02 \(nip) terlambat", "2026-03-04 \(nip) tidak_hadir"])
            #expect(listed.first?["minutes"] as? Int == 25 && listed.first?["excused"] as? Bool == false)
            #expect(listed.last?["minutes"] == nil && listed.last?["excused"] as? Bool == true)
            #expect((listed.first?["recordedBy"] as? String)?.hasPrefix("api:kin_") == true && (listed.first?["recordedAt"] as? String)?.hasSuffix("Z") == true)
            #expect(!all.body.contains(stranger))
            let first = try await client.get(march + "&limit=1", token: attendanceOnly)
            let cursor = try #require(first.json["nextCursor"] as? String)
            #expect((first.json["items"] as? [[String: Any]])?.count == 1)
            let second = try await client.get(march + "&limit=1&cursor=\(cursor)", token: attendanceOnly)
            #expect((second.json["items"] as? [[String: Any]])?.first?["day"] as? String == "2026-03-04" && second.json["nextCursor"] == nil)
            #expect((try await client.get(march + "&nip=\(nip)", token: attendanceOnly).json["items"] as? [Any])?.count == 2)
            let strangers = try await client.get(march + "&nip=\(stranger)", token: attendanceOnly)
            #expect(strangers.status == .ok && (strangers.json["items"] as? [Any])?.isEmpty == true, "another city's NIP lists nothing")
            // Refused, each naming what is wrong.
            let backwards = try await client.get("/v1/attendance/events?from=2026-03-31&until=2026-03-01", token: attendanceOnly)
            #expect(backwards.status == .badRequest && backwards.body.contains("2026-03-01 is before from 2026-03-31"), "\(backwards.body)")
            let long = try await client.get("/v1/attendance/events?from=2025-01-01&until=2026-03-01", token: attendanceOnly)
            #expect(long.status == .badRequest && long.body.contains("366"), "\(long.body)")
            let yearZero = try await client.get("/v1/attendance/events?from=0000-01-01&until=0000-01-31", token: attendanceOnly)
            #expect(yearZero.status == .badRequest && yearZero.body.contains("0000-01-01"), "\(yearZero.body)")
            let zeroCursor = try await client.get(march + "&cursor=0000-03-02.\(nip).terlambat", token: attendanceOnly)
            #expect(zeroCursor.status == .badRequest, "\(zeroCursor.body)")
            let forged = try await client.get(march + "&cursor=2026-03-02.x.terlambat", token: attendanceOnly)
            #expect(forged.status == .badRequest && forged.body.contains("2026-03-02.x.terlambat"), "\(forged.body)")
            #expect(try await client.get(march, token: feeds).status == .forbidden, "a key granted complaints and realisasi only")
            #expect(try await client.get(march, token: pegawai).status == .forbidden)
            // Scopes: this key does attendance only; an employee's key none.
            #expect(try await post(client, "/v1/complaints", #"{"complaints": [{"trackingId": "X", "received": "2026-03-02"}]}"#, token: attendanceOnly).status == .forbidden)
            #expect(try await post(client, "/v1/attendance/events", batch, token: pegawai).status == .forbidden)
            // Too many items: named.
            let huge = "{\"events\": [" + Array(repeating: "{\"nip\": \"\(nip)\", \"day\": \"2026-03-02\", \"kind\": \"terlambat\"}", count: 5001).joined(separator: ",") + "]}"
            let big = try await post(client, "/v1/attendance/events", huge, token: attendanceOnly)
            #expect(big.status == .badRequest && big.body.contains("5000"), "\(big.status) \(big.body.prefix(200))")

            // Complaints: SP4N-LAPOR! shape; a ticket again records its later step.
            let opd = try #require(pop.units.first { $0.parent == nil }).code
            let c1 = try await post(client, "/v1/complaints", """
                {"complaints": [
                  {"trackingId": "LAPOR-1", "received": "2026-03-02", "routedTo": {"opd": "\(opd)", "officerNip": "\(nip)", "on": "2026-03-04"}},
                  {"trackingId": "LAPOR-2", "received": "2026-03-02", "routedTo": {"opd": "NOPE", "on": "2026-03-04"}},
                  {"trackingId": "LAPOR-3", "received": "2026-03-02", "routedTo": {"opd": "\(opd)", "officerNip": "\(stranger)", "on": "2026-03-01"}}
                ]}
                """, token: feeds)
            #expect(c1.json["accepted"] as? Int == 1 && c1.json["rejected"] as? Int == 2, "\(c1.body)")
            let c2 = try await post(client, "/v1/complaints", """
                {"complaints": [{"trackingId": "LAPOR-1", "received": "2026-03-02", "routedTo": {"opd": "\(opd)", "officerNip": "\(nip)", "on": "2026-03-04"}, "followedUp": "2026-03-06"}]}
                """, token: feeds)
            #expect(c2.json["accepted"] as? Int == 1)
            #expect((c2.json["indicator"] as? [Any])?.isEmpty == true, "a city without the complaint hook: \(c2.body)")
            #expect(try await count(city, "select count(*)::int from complaints where tenant_id = \(t) and followed_up_on = '2026-03-06'") == 1)

            // Realisasi: each against the employee's approved SKP and an open period.
            let iki = try await db.withTenant(city.id) { tx -> UUID in
                for try await k in try await tx.query("""
                    select i.iki_key from skp_iki i join skp s on s.tenant_id = i.tenant_id and s.nip = i.nip and s.year = i.year
                    and s.revision = i.revision where i.tenant_id = \(t) and i.nip = \(nip) and s.status = 'approved' limit 1
                    """).decode(UUID.self) { return k }
                throw StoreError.notFound(what: "IKI", key: nip)
            }
            let rr = try await post(client, "/v1/realisasi", """
                {"items": [
                  {"nip": "\(nip)", "year": 2026, "ikiKey": "\(iki)", "period": "M3", "value": 7},
                  {"nip": "\(nip)", "year": 2026, "ikiKey": "\(UUID())", "period": "M3", "value": 7},
                  {"nip": "\(nip)", "year": 2026, "ikiKey": "\(iki)", "period": "Y", "value": 7},
                  {"nip": "\(stranger)", "year": 2026, "ikiKey": "\(iki)", "period": "M3", "value": 7}
                ]}
                """, token: feeds)
            #expect(rr.status == .ok && rr.json["accepted"] as? Int == 1 && rr.json["rejected"] as? Int == 3, "\(rr.body)")
            #expect(try await count(city, "select count(*)::int from realisasi where tenant_id = \(t) and nip = \(nip) and period_seq = 3 and value = 7") == 1)
        }
    }

    /// A complaint reads back as stored, with its deadlines on the city's working days: Makassar's calendar has
    /// 19 and 20 March 2026 off (Nyepi, Idul Fitri), so a follow-up due 5 working days after Monday 16
    /// March falls on the 25th, not the 23rd (DOMAIN.md: routed within 3 working days, followed up within 5,
    /// closed 10 days after the follow-up).
    @Test func aComplaintReadsBackWithItsDeadlines() async throws {
        let db = try await TestDatabase.admin()
        let profile = try #require(AdapterRegistry.named("makassar")).effectiveProfile()
        let (city, pop) = try await TestDatabase.city("complaint-read", profile: profile)
        let (other, otherPop) = try await TestDatabase.city("complaint-read-other")
        let feeds = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "lapor", employeeNIP: nil,
                                              scopes: ["complaints"], actor: "t").token
        let attendanceOnly = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "absen", employeeNIP: nil,
                                                       scopes: ["attendance"], actor: "t").token
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let otherHR = try await db.createAPIKey(tenants: [other.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let opd = try #require(pop.units.first { $0.parent == nil }).code
        let otherOPD = try #require(otherPop.units.first { $0.parent == nil }).code
        try await withAPI { client in
            let sent = try await post(client, "/v1/complaints", """
                {"complaints": [
                  {"trackingId": "LAPOR-A", "received": "2026-03-13", "routedTo": {"opd": "\(opd)", "on": "2026-03-16"}, "followedUp": "2026-03-25", "subject": "Jalan rusak"},
                  {"trackingId": "LAPOR-B", "received": "2026-01-05"}
                ]}
                """, token: feeds)
            #expect(sent.json["accepted"] as? Int == 2, "\(sent.body)")
            // The other city holds a LAPOR-B of its own, and a LAPOR-X.
            let theirs = try await post(client, "/v1/complaints", """
                {"complaints": [{"trackingId": "LAPOR-B", "received": "2026-02-02", "routedTo": {"opd": "\(otherOPD)", "on": "2026-02-03"}},
                                {"trackingId": "LAPOR-X", "received": "2026-02-02"}]}
                """, token: otherHR)
            #expect(theirs.json["accepted"] as? Int == 2, "\(theirs.body)")

            let a = try await client.get("/v1/complaints/LAPOR-A", token: feeds)
            #expect(a.status == .ok, "\(a.body)")
            #expect(a.json["trackingId"] as? String == "LAPOR-A" && a.json["received"] as? String == "2026-03-13")
            #expect(a.json["routedTo"] as? [String: String] == ["opd": opd, "on": "2026-03-16"])
            #expect(a.json["followedUp"] as? String == "2026-03-25" && a.json["subject"] as? String == "Jalan rusak")
            // Ten days after the follow-up (4 April) have passed with no reply: closed.
            #expect(a.json["status"] as? String == "closed")
            let d = a.json["deadlines"] as? [String: Any] ?? [:]
            #expect(d["routingDue"] as? String == "2026-03-18")
            #expect(d["routingWorkingDays"] as? Int == 1 && d["routedOnTime"] as? Bool == true)
            #expect(d["followUpDue"] as? String == "2026-03-25", "5 working days after 16 March, without 19 and 20 March")
            #expect(d["followUpWorkingDays"] as? Int == 5 && d["followedUpOnTime"] as? Bool == true)
            #expect(d["overdue"] as? Bool == false && d["closesOn"] as? String == "2026-04-04")
            #expect((a.json["asOf"] as? String ?? "") >= "2026-12-04")

            // Never routed, long past its 3 working days: overdue, only its routing due day known.
            let b = try await client.get("/v1/complaints/LAPOR-B", token: hr)
            #expect(b.status == .ok && b.json["received"] as? String == "2026-01-05", "this city's LAPOR-B, not the other's: \(b.body)")
            #expect(b.json["status"] as? String == "received" && b.json["routedTo"] == nil)
            let db2 = b.json["deadlines"] as? [String: Any] ?? [:]
            #expect(db2["routingDue"] as? String == "2026-01-08" && db2["overdue"] as? Bool == true)
            #expect(db2["followUpDue"] == nil && db2["closesOn"] == nil && db2["routedOnTime"] == nil)

            // From a file: an OPD but no day of routing (not routed: no deadline counts from it), closed the next
            // day, before routing was due: closed, and never overdue.
            let filed = try await db.withTenant(city.id) { tx in
                try await tx.ingestComplaints([["NOMOR TIKET": "LAPOR-C", "TANGGAL DITERIMA": "2026-01-05", "OPD": opd,
                                                "TANGGAL SELESAI": "2026-01-06"]], allOrNothing: true, actor: "t")
            }
            #expect(filed.results.allSatisfy { $0.accepted })
            let cc = try await client.get("/v1/complaints/LAPOR-C", token: hr)
            #expect(cc.json["status"] as? String == "closed" && cc.json["closed"] as? String == "2026-01-06", "\(cc.body)")
            #expect(cc.json["routedTo"] as? [String: String] == ["opd": opd])
            let dc = cc.json["deadlines"] as? [String: Any] ?? [:]
            #expect(dc["routingDue"] as? String == "2026-01-08" && dc["overdue"] as? Bool == false && dc["routedOnTime"] == nil)

            // Another city's ticket is not found, exactly like a missing one; a key without the scope is refused.
            let x = try await client.get("/v1/complaints/LAPOR-X", token: feeds)
            #expect(x.status == .notFound && x.code == "not_found", "\(x.body)")
            #expect(try await client.get("/v1/complaints/LAPOR-NONE", token: feeds).status == .notFound)
            let refused = try await client.get("/v1/complaints/LAPOR-A", token: attendanceOnly)
            #expect(refused.status == .forbidden && refused.body.contains("complaints"), "\(refused.body)")
        }
    }

    /// Makassar's complaint hook through `POST /v1/complaints`: a ticket whose received date is corrected into
    /// another month takes the officer's figure out of the month it left.
    @Test func aTicketCorrectedIntoAnotherMonthLeavesNoFigureBehind() async throws {
        let db = try await TestDatabase.admin()
        let profile = try #require(AdapterRegistry.named("makassar")).effectiveProfile()
        let (city, pop) = try await TestDatabase.city("ingest-hook", employees: 300, profile: profile)
        let t = city.id.uuid
        let officer = try await db.withTenant(city.id) { tx -> String in
            _ = try await tx.openYear(2026, cadence: .monthly, actor: "t")
            _ = try await tx.seedSKPs(year: 2026, profile: profile, realisasiUntil: nil, actor: "t")
            for try await n in try await tx.query("""
                select i.nip from skp_iki i join skp s on s.tenant_id = i.tenant_id and s.nip = i.nip and s.year = i.year
                and s.revision = i.revision where i.tenant_id = \(t) and s.status = 'approved' and i.template_id = 'respons-pengaduan'
                order by i.nip limit 1
                """).decode(String.self) { return n }
            throw StoreError.notFound(what: "officer with respons-pengaduan", key: city.code)
        }
        let feeds = try await db.createAPIKey(tenants: [city.id], role: .integrator, label: "lapor", employeeNIP: nil,
                                              scopes: ["complaints"], actor: "t").token
        let opd = try #require(pop.units.first { $0.parent == nil }).code
        @Sendable func ticket(received: String) -> String {
            """
            {"complaints": [{"trackingId": "LAPOR-9", "received": "\(received)", "routedTo": {"opd": "\(opd)", "officerNip": "\(officer)", "on": "2026-03-03"}, "followedUp": "2026-03-05"}]}
            """
        }
        /// The officer's figures of a month from the hook: with a value, and withdrawn (no value, the narrative why).
        @Sendable func figures(month: Int) async throws -> (valued: Int, withdrawn: Int) {
            let sql: (Bool) -> PostgresQuery = { valued in """
                select count(*)::int from realisasi where tenant_id = \(t) and nip = \(officer) and period_kind = 'monthly'
                  and period_seq = \(month) and reported_by like 'hook:%' and (value is not null) = \(valued)
                  and (value is not null or narrative = \(TenantTransaction.withdrawnNarrative))
                """ }
            return (try await count(city, sql(true)), try await count(city, sql(false)))
        }
        try await withAPI { client in
            /// The answer's `indicator`, a line per period: "2026 M3 INDICATOR measured/written/unchanged/withdrawn
            /// withoutIndicator [refused NIPs]".
            func updates(_ r: Reply) -> [String] {
                (r.json["indicator"] as? [[String: Any]] ?? []).map { u in
                    let n = { (k: String) in u[k] as? Int ?? -1 }
                    let refused = (u["refused"] as? [[String: Any]] ?? []).map { "\($0["nip"] ?? "")" }
                    return "\(u["year"] as? Int ?? 0) \(u["period"] as? String ?? "") \(u["indicator"] as? String ?? "") "
                        + "\(n("measured"))/\(n("written"))/\(n("unchanged"))/\(n("withdrawn")) \(n("withoutIndicator")) \(refused)"
                }
            }
            let first = try await post(client, "/v1/complaints", ticket(received: "2026-03-02"), token: feeds)
            #expect(first.json["accepted"] as? Int == 1, "\(first.body)")
            #expect(try await figures(month: 3) == (1, 0), "the officer's March figure, from the ticket")
            #expect(updates(first) == ["2026 M3 respons-pengaduan 1/1/0/0 0 []"], "\(first.body)")
            let same = try await post(client, "/v1/complaints", ticket(received: "2026-03-02"), token: feeds)
            #expect(updates(same) == ["2026 M3 respons-pengaduan 1/0/1/0 0 []"], "sent again: the figure stands: \(same.body)")
            let moved = try await post(client, "/v1/complaints", ticket(received: "2026-02-27"), token: feeds)
            #expect(moved.json["accepted"] as? Int == 1, "\(moved.body)")
            #expect(try await figures(month: 3) == (0, 1), "March no longer holds the ticket: its figure is withdrawn")
            #expect(try await figures(month: 2) == (1, 0), "February holds it now")
            #expect(updates(moved) == ["2026 M2 respons-pengaduan 1/1/0/0 0 []", "2026 M3 respons-pengaduan 0/0/0/1 0 []"],
                    "\(moved.body)")
        }
    }
}

/// The limits a request meets first: its body's size (413) and its key's rate (429 with Retry-After).
@Suite struct LimitsTests {
    @Test func aLargeBodyAndAFastKeyAreRefusedWithTheirLimits() async throws {
        let db = try await TestDatabase.admin()
        let (city, _) = try await TestDatabase.city("limits")
        let key = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let other = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let router = try buildRouter(database: try await TestDatabase.app(),
                                     settings: ServerSettings(keyCacheTTL: .zero, maxBodyBytes: 2_000, rateLimit: 1.0 / 1024, rateBurst: 3), metrics: nil)
        try await Application(router: router).test(.router) { client in
            let big = "{\"events\": [" + Array(repeating: "{\"nip\": \"1\", \"day\": \"2026-01-01\", \"kind\": \"terlambat\"}", count: 100).joined(separator: ",") + "]}"
            let r = try await client.execute(uri: "/v1/attendance/events", method: .post,
                                             headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                                             body: ByteBuffer(string: big)) { Reply(status: $0.status, headers: $0.headers, body: String(buffer: $0.body)) }
            #expect(r.status == .contentTooLarge && r.code == "body_too_large" && r.body.contains("2000"), "\(r.body)")
            // Every answer says where the key stands, an error's too: the refused body took one of the three.
            // The bucket refills a request every 1,024 s (exact in binary), so it is full again in 1,024 s; the
            // seconds this test takes under a loaded full run refill far less than a request.
            #expect(Self.rateHeaders(r.headers) == ["3", "2", "1024"], "\(r.headers)")
            // Three at once (the refused body took the first), then the key waits: 429 with Retry-After; another
            // key is not held back.
            var statuses: [HTTPResponse.Status] = []
            var remaining: [String] = []
            var retry: String?
            var refused: [String] = []
            for _ in 0..<4 {
                let reply = try await client.get("/v1/me", token: key)
                statuses.append(reply.status)
                remaining.append(reply.headers[HTTPField.Name("RateLimit-Remaining")!] ?? "absent")
                if reply.status == .tooManyRequests {
                    retry = reply.headers[.retryAfter]
                    refused = Self.rateHeaders(reply.headers)
                    #expect(reply.code == "rate_limited")
                }
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests, .tooManyRequests], "\(statuses)")
            #expect(remaining == ["1", "0", "0", "0"])
            // Empty: full again in 3 x 1,024 s, less the seconds since the first call (a loaded run took 24).
            #expect(refused.count == 3 && refused[0] == "3" && refused[1] == "0" && (2_472...3_072).contains(Int(refused[2]) ?? 0), "\(refused)")
            #expect(retry.flatMap(Int.init).map { $0 >= 1 } == true)
            let fresh = try await client.get("/v1/me", token: other)
            #expect(fresh.status == .ok && Self.rateHeaders(fresh.headers) == ["3", "2", "1024"])
        }
        // Without a limit, no rate headers.
        let unlimited = try buildRouter(database: try await TestDatabase.app(), settings: ServerSettings(keyCacheTTL: .zero), metrics: nil)
        try await Application(router: unlimited).test(.router) { client in
            let reply = try await client.get("/v1/me", token: other)
            #expect(reply.status == .ok && Self.rateHeaders(reply.headers).isEmpty, "\(reply.headers)")
        }
    }

    static func rateHeaders(_ h: HTTPFields) -> [String] {
        ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"].compactMap { h[HTTPField.Name($0)!] }
    }
}
