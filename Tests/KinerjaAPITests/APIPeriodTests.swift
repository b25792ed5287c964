import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaAdapters
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// City HR opens a year and closes or reopens periods through the API, as `kinerja-admin period` does: the
/// answers, the audit entries, a retried call, bad input that changes nothing, and another city's periods,
/// which are never found or changed.
@Suite struct APIPeriodTests {
    /// The periods of a year as GET /v1/periods lists them: "name status".
    func state(_ client: any TestClientProtocol, _ year: Int, token: String) async throws -> [String] {
        let r = try await client.get("/v1/periods?year=\(year)&limit=20", token: token)
        #expect(r.status == .ok, "\(r.body)")
        return r.items.map { "\($0["period"] as? String ?? "?") \($0["status"] as? String ?? "?")" }
    }

    @Test func hrOpensAYearThenClosesAndReopensItsPeriods() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("periods-a")
        let (b, _) = try await TestDatabase.city("periods-b")
        // The national profile these cities have: quarterly (DOMAIN.md: the year and its four quarters).
        #expect(try NationalAdapter().effectiveProfile().periods.cadence == .quarterly)
        let hr = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t").token
        let hrB = try await db.createAPIKey(tenants: [b.id], role: .hrAdmin, label: "hr b", employeeNIP: nil, actor: "t").token
        let integrator = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "feed", employeeNIP: nil, actor: "t").token

        try await withAPI { client in
            // Open: 201, the year and its quarters, all open, in calendar order.
            let opened = try await client.send("/v1/periods", method: .post, json: #"{"year": 2027}"#, token: hr)
            #expect(opened.status == .created, "\(opened.body)")
            #expect(opened.items.map { $0["period"] as? String } == ["Y", "Q1", "Q2", "Q3", "Q4"])
            #expect(opened.items.allSatisfy { $0["status"] as? String == "open" && $0["year"] as? Int == 2027 })
            #expect(opened.items.first { $0["period"] as? String == "Q2" }?["startsOn"] as? String == "2027-04-01")
            // A year opens once; a year out of range and a body without one are refused, naming the value.
            let again = try await client.send("/v1/periods", method: .post, json: #"{"year": 2027}"#, token: hr)
            #expect(again.status == .conflict && again.code == "conflict", "\(again.body)")
            let early = try await client.send("/v1/periods", method: .post, json: #"{"year": 1999}"#, token: hr)
            #expect(early.status == .badRequest && early.body.contains("1999"), "\(early.body)")
            let none = try await client.send("/v1/periods", method: .post, json: #"{"tahun": 2028}"#, token: hr)
            #expect(none.status == .badRequest, "\(none.body)")
            #expect(try await state(client, 2028, token: hr).isEmpty)
            // Only city HR: an integrator key is refused and nothing opens.
            let byFeed = try await client.send("/v1/periods", method: .post, json: #"{"year": 2029}"#, token: integrator)
            #expect(byFeed.status == .forbidden, "\(byFeed.body)")
            #expect(try await state(client, 2029, token: hr).isEmpty)

            // Close a quarter: it is named as changed, and the year's periods come back as they stand.
            let close = try await client.send("/v1/periods/2027/Q2/status", method: .put, json: #"{"status": "closed"}"#, token: hr)
            #expect(close.status == .ok, "\(close.body)")
            #expect(close.json["changed"] as? [String] == ["Q2"])
            #expect(close.items.first { $0["period"] as? String == "Q2" }?["closedAt"] != nil)
            #expect(try await state(client, 2027, token: hr) == ["Y open", "Q1 open", "Q2 closed", "Q3 open", "Q4 open"])
            // The same call again (a retry) changes nothing and says so.
            let retry = try await client.send("/v1/periods/2027/q2/status", method: .put, json: #"{"status": "closed"}"#, token: hr)
            #expect(retry.status == .ok && retry.json["changed"] as? [String] == [], "\(retry.body)")

            // Reopening needs a reason; a blank or an overlong one is refused and the quarter stays closed.
            for body in [#"{"status": "open"}"#, #"{"status": "open", "reason": "   "}"#,
                         #"{"status": "open", "reason": "\#(String(repeating: "x", count: 501))"}"#] {
                let r = try await client.send("/v1/periods/2027/Q2/status", method: .put, json: body, token: hr)
                #expect(r.status == .badRequest && (r.body.contains("reopening Q2 of 2027 needs a reason") || r.body.contains("501 characters")),
                        "\(r.body)")
            }
            // Names and years that are not periods: 400 naming the value; a year not opened: 404.
            let m13 = try await client.send("/v1/periods/2027/M13/status", method: .put, json: #"{"status": "closed"}"#, token: hr)
            #expect(m13.status == .badRequest && m13.body.contains("M13"), "\(m13.body)")
            let month = try await client.send("/v1/periods/2027/M3/status", method: .put, json: #"{"status": "closed"}"#, token: hr)
            #expect(month.status == .notFound && month.body.contains("M3"), "a quarterly city has no months: \(month.body)")
            let unopened = try await client.send("/v1/periods/2030/Q1/status", method: .put, json: #"{"status": "closed"}"#, token: hr)
            #expect(unopened.status == .notFound && unopened.body.contains("not opened 2030"), "\(unopened.body)")
            let status = try await client.send("/v1/periods/2027/Q1/status", method: .put, json: #"{"status": "shut"}"#, token: hr)
            #expect(status.status == .badRequest, "\(status.body)")
            #expect(try await state(client, 2027, token: hr) == ["Y open", "Q1 open", "Q2 closed", "Q3 open", "Q4 open"])

            let reopen = try await client.send("/v1/periods/2027/Q2/status", method: .put,
                                               json: #"{"status": "open", "reason": "bukti UPT terlambat"}"#, token: hr)
            #expect(reopen.status == .ok && reopen.json["changed"] as? [String] == ["Q2"], "\(reopen.body)")
            // Reopening what is open changes nothing; without a reason it is refused all the same.
            let openAgain = try await client.send("/v1/periods/2027/Q1/status", method: .put,
                                                  json: #"{"status": "open", "reason": "x"}"#, token: hr)
            #expect(openAgain.status == .ok && openAgain.json["changed"] as? [String] == [], "\(openAgain.body)")
            let openBare = try await client.send("/v1/periods/2027/Q1/status", method: .put, json: #"{"status": "open"}"#, token: hr)
            #expect(openBare.status == .badRequest, "\(openBare.body)")
            // A reason to close is kept too; 500 characters (as JSON Schema counts them: é is one) is the most.
            let q3 = try await client.send("/v1/periods/2027/Q3/status", method: .put,
                                           json: #"{"status": "closed", "reason": "\#(String(repeating: "é", count: 500))"}"#, token: hr)
            #expect(q3.status == .ok && q3.json["changed"] as? [String] == ["Q3"], "\(q3.body)")

            // Closing the year closes what is still open in it; a quarter of a closed year does not reopen (409).
            let year = try await client.send("/v1/periods/2027/Y/status", method: .put, json: #"{"status": "closed"}"#, token: hr)
            #expect(year.status == .ok, "\(year.body)")
            #expect(year.json["changed"] as? [String] == ["Y", "Q1", "Q2", "Q4"], "\(year.body)")
            let inside = try await client.send("/v1/periods/2027/Q3/status", method: .put,
                                               json: #"{"status": "open", "reason": "x"}"#, token: hr)
            #expect(inside.status == .conflict && inside.body.contains("the year 2027 is closed: reopen the year before Q3"), "\(inside.body)")
            let byFeedClose = try await client.send("/v1/periods/2027/Y/status", method: .put,
                                                    json: #"{"status": "open", "reason": "x"}"#, token: integrator)
            #expect(byFeedClose.status == .forbidden, "\(byFeedClose.body)")
            #expect(try await state(client, 2027, token: hr).allSatisfy { $0.hasSuffix("closed") })
            // Reopening the year reopens the year alone; then a quarter of it may reopen.
            let reopenYear = try await client.send("/v1/periods/2027/Y/status", method: .put,
                                                   json: #"{"status": "open", "reason": "koreksi nilai"}"#, token: hr)
            #expect(reopenYear.status == .ok && reopenYear.json["changed"] as? [String] == ["Y"], "\(reopenYear.body)")
            let q3Again = try await client.send("/v1/periods/2027/Q3/status", method: .put,
                                                json: #"{"status": "open", "reason": "koreksi Q3"}"#, token: hr)
            #expect(q3Again.status == .ok && q3Again.json["changed"] as? [String] == ["Q3"], "\(q3Again.body)")
            let mine = try await state(client, 2027, token: hr)
            #expect(mine == ["Y open", "Q1 closed", "Q2 closed", "Q3 open", "Q4 closed"])

            // Another city: B has not opened 2027, so A's periods are not found from B, and B's calls change
            // nothing of A's; B opening its own 2027 leaves A's as they are.
            let fromB = try await client.send("/v1/periods/2027/Q3/status", method: .put, json: #"{"status": "closed"}"#, token: hrB)
            #expect(fromB.status == .notFound && !fromB.body.contains("Q1"), "\(fromB.body)")
            #expect(try await state(client, 2027, token: hrB).isEmpty)
            let openedB = try await client.send("/v1/periods", method: .post, json: #"{"year": 2027}"#, token: hrB)
            #expect(openedB.status == .created, "\(openedB.body)")
            let closedB = try await client.send("/v1/periods/2027/Y/status", method: .put, json: #"{"status": "closed"}"#, token: hrB)
            #expect(closedB.status == .ok, "\(closedB.body)")
            #expect(try await state(client, 2027, token: hr) == mine)
            #expect(try await state(client, 2027, token: hrB).allSatisfy { $0.hasSuffix("closed") })
        }

        // The audit log: each change once, by the key, the reopening with its reason; nothing for the refusals.
        let audit = try await db.withTenant(a.id) { tx in
            var out: [String] = []
            for try await (action, actor, subject, detail) in try await tx.query("""
                select action, actor, subject, detail::text from audit_log
                where tenant_id = \(a.id.uuid) and action like 'period.%' order by entry_id
                """).decode((String, String, String, String).self) { out.append("\(action) \(actor.hasPrefix("api:")) \(subject) \(detail)") }
            return out
        }
        let expected = ["period.open true 2027", "period.close true 2027-Q2", "period.reopen true 2027-Q2", "period.close true 2027-Q3",
                        "period.close true 2027", "period.reopen true 2027", "period.reopen true 2027-Q3"]
        #expect(audit.map { $0.split(separator: " ").prefix(3).joined(separator: " ") } == expected, "\(audit)")
        if audit.count == expected.count {
            #expect(audit[2].contains("bukti UPT terlambat") && audit[3].contains(String(repeating: "é", count: 500)))
        }
    }

    /// A monthly city's year is its twelve months (February of a leap year has 29 days), and a month is named
    /// the way realisasi names it.
    @Test func aMonthlyCityOpensTwelveMonths() async throws {
        let db = try await TestDatabase.admin()
        var profile = try NationalAdapter().effectiveProfile()
        profile.periods.cadence = .monthly
        let (city, _) = try await TestDatabase.city("periods-m", profile: profile)
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t").token
        try await withAPI { client in
            let opened = try await client.send("/v1/periods", method: .post, json: #"{"year": 2028}"#, token: hr)
            #expect(opened.status == .created, "\(opened.body)")
            #expect(opened.items.map { $0["period"] as? String } == ["Y"] + (1...12).map { "M\($0)" })
            #expect(opened.items.first { $0["period"] as? String == "M2" }?["endsOn"] as? String == "2028-02-29")
            let quarter = try await client.send("/v1/periods/2028/Q1/status", method: .put, json: #"{"status": "closed"}"#, token: hr)
            #expect(quarter.status == .notFound && quarter.body.contains("M12"), "names the city's periods: \(quarter.body)")
            let march = try await client.send("/v1/periods/2028/m3/status", method: .put, json: #"{"status": "closed"}"#, token: hr)
            #expect(march.status == .ok && march.json["changed"] as? [String] == ["M3"], "\(march.body)")
        }
    }

    /// Changes to one year's periods run one after another. Two identical closes sent together: one closes,
    /// the other finds it closed (200, nothing changed, no second audit entry). While a third transaction
    /// holds the year's rows, both calls wait, then go in turn.
    @Test func twoCallsAtOnceChangeTheYearOnce() async throws {
        let db = try await TestDatabase.admin()
        let (city, _) = try await TestDatabase.city("periods-race")
        try await db.withTenant(city.id) { _ = try await $0.openYear(2027, cadence: .quarterly, actor: "t") }
        let hr = try await db.createAPIKey(tenants: [city.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t").token
        try await withAPI { client in
            let answers = try await withThrowingTaskGroup(of: Reply?.self) { group in
                group.addTask {
                    try await db.withTenant(city.id) { tx in
                        _ = try await tx.periods(year: 2027, locking: true)
                        try await Task.sleep(for: .milliseconds(700))
                    }
                    return nil
                }
                try await Task.sleep(for: .milliseconds(200))
                for _ in 0..<2 {
                    group.addTask {
                        try await client.send("/v1/periods/2027/Y/status", method: .put, json: #"{"status": "closed"}"#, token: hr)
                    }
                }
                var out: [Reply] = []
                for try await r in group { if let r { out.append(r) } }
                return out
            }
            #expect(answers.map(\.status) == [.ok, .ok], "\(answers.map(\.body))")
            #expect(answers.map { ($0.json["changed"] as? [String])?.count ?? -1 }.sorted() == [0, 5], "\(answers.map(\.body))")
        }
        let entries = try await db.withTenant(city.id) { tx in
            for try await n in try await tx.query("""
                select count(*)::int from audit_log where tenant_id = \(city.id.uuid) and action = 'period.close'
                """).decode(Int.self) { return n }
            return -1
        }
        #expect(entries == 1)
    }

    /// The audit log names who ran the CLI: the account, found by its uid where the environment has no USER (a
    /// cron job, a container, this machine's root shell), and KINERJA_ACTOR next to it when given (anyone can set
    /// it, so it never replaces the account).
    @Test func theCLINamesWhoRanItInTheAuditLog() async throws {
        let db = try await TestDatabase.admin()
        let (city, _) = try await TestDatabase.city("periods-actor")
        try await db.withTenant(city.id) { _ = try await $0.openYear(2027, cadence: .quarterly, actor: "t") }
        let s = try TestDatabase.settings().admin
        let url = "postgres://\(s.username):\(s.password ?? "")@\(s.host):\(s.port)/\(s.database)"
        var bare = ProcessInfo.processInfo.environment
        for name in ["USER", "LOGNAME", "KINERJA_ACTOR", "SUDO_USER"] { bare[name] = nil }
        let account = try await runProgram("/usr/bin/id", ["-un"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        var named = bare
        named["KINERJA_ACTOR"] = " 199001012015011001 (BKPSDM) "
        for (env, quarter) in [(bare, "1"), (named, "2")] {
            let run = try await runProgram(ReportCommandTests.binary, ["period", "close", "--tenant", city.code, "--year", "2027",
                                                                       "--quarter", quarter, "--database-url", url], environment: env)
            #expect(run.status == 0, "\(run.err)")
        }
        let actors = try await db.withTenant(city.id) { tx in
            var out: [String] = []
            for try await actor in try await tx.query("""
                select actor from audit_log where tenant_id = \(city.id.uuid) and action = 'period.close' order by entry_id
                """).decode(String.self) { out.append(actor) }
            return out
        }
        #expect(!account.isEmpty)
        #expect(actors == ["kinerja-admin:\(account)", "kinerja-admin:\(account) (KINERJA_ACTOR 199001012015011001 (BKPSDM))"])
    }

    /// `kinerja-admin period close` takes a reason too, as the API does, and keeps it in the audit log;
    /// reopening without one is refused with the store's message, and the CLI exits 1 with nothing changed.
    @Test func theCLIClosesWithAReasonAndRefusesAReopeningWithout() async throws {
        let db = try await TestDatabase.admin()
        let (city, _) = try await TestDatabase.city("periods-cli")
        try await db.withTenant(city.id) { _ = try await $0.openYear(2027, cadence: .quarterly, actor: "t") }
        let closed = try await ReportCommandTests.admin(["period", "close", "--tenant", city.code, "--year", "2027",
                                                         "--quarter", "2", "--reason", "rekap triwulan selesai"])
        #expect(closed.status == 0 && closed.err.contains("closed 2027-Q2"), "\(closed.err)")
        let bare = try await ReportCommandTests.admin(["period", "reopen", "--tenant", city.code, "--year", "2027",
                                                       "--quarter", "2", "--reason", "  "])
        #expect(bare.status == 1 && bare.err.contains("reopening Q2 of 2027 needs a reason, for the audit log"), "\(bare.err)")
        let audit = try await db.withTenant(city.id) { tx in
            var out: [String] = []
            for try await (action, detail) in try await tx.query("""
                select action, detail::text from audit_log
                where tenant_id = \(city.id.uuid) and action like 'period.%' order by entry_id
                """).decode((String, String).self) { out.append("\(action) \(detail)") }
            return out
        }
        #expect(audit.count == 2 && audit.last?.hasPrefix("period.close") == true
                && audit.last?.contains("rekap triwulan selesai") == true, "\(audit)")
        let state = try await db.withTenant(city.id) { try await $0.periods(year: 2027) }
        #expect(state.filter { !$0.isOpen }.map(\.period.description) == ["2027-Q2"])
    }
}
