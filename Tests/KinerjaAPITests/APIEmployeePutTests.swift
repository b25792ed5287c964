import Foundation
import HTTPTypes
import HummingbirdTesting
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import PostgresNIO
import Testing

/// `PUT /v1/employees/{nip}`: one employee as JSON, through the employee import's rules. A change, a retry that
/// changes nothing, a new employee whose atasan comes from the unit tree, `If-Match`, bad values named by field
/// with nothing changed, the roles, and another city's employee of the same NIP, which stays as it was.
@Suite struct APIEmployeePutTests {
    /// The fields of `EmployeeInput` from an employee as GET returns it.
    static func input(_ e: [String: Any], _ changes: [String: Any?] = [:]) throws -> String {
        let fields = ["name", "gelarDepan", "gelarBelakang", "employeeType", "jabatanKind", "jabatanLevel", "jabatanName",
                      "golongan", "unitCode", "atasanNip", "status", "email", "birthDate", "gender"]
        var out = e.filter { fields.contains($0.key) }
        for (k, v) in changes { out[k] = v }
        return String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), as: UTF8.self)
    }

    static func auditEntries(_ city: Tenant, _ nip: String) async throws -> [String] {
        try await TestDatabase.admin().withTenant(city.id) { tx in
            var out: [String] = []
            for try await (action, actor) in try await tx.query("""
                select action, actor from audit_log where tenant_id = \(city.id.uuid) and subject = \(nip) order by entry_id
                """).decode((String, String).self) { out.append("\(action) \(actor.hasPrefix("api:"))") }
            return out
        }
    }

    @Test func cityHRChangesOneEmployeeAndAddsAnother() async throws {
        let db = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("put-a", employees: 300)
        let (b, _) = try await TestDatabase.city("put-b", employees: 300)
        let c = TestDatabase.chain(popA)
        let hr = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t").token
        let feed = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "siasn", employeeNIP: nil,
                                             scopes: ["employees"], actor: "t").token
        let attendanceOnly = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "absen", employeeNIP: nil,
                                                       scopes: ["attendance"], actor: "t").token
        let atasan = try await db.createAPIKey(tenants: [a.id], role: .atasan, label: "kasi", employeeNIP: c.kasi.nip, actor: "t").token
        let pegawai = try await db.createAPIKey(tenants: [a.id], role: .pegawai, label: "staff", employeeNIP: c.staff.nip, actor: "t").token
        let hrB = try await db.createAPIKey(tenants: [b.id], role: .hrAdmin, label: "hr b", employeeNIP: nil, actor: "t").token
        let staff = c.staff.nip, uri = "/v1/employees/\(c.staff.nip)"

        try await withAPI { client in
            let before = try await client.get(uri, token: hr)
            #expect(before.status == .ok)
            let tag = try #require(before.headers[.eTag])

            // A promotion: the new golongan and post, kept; the answer's tag is the one GET gives next.
            let promoted = try Self.input(before.json, ["golongan": "III/c", "jabatanName": "Analis Kebijakan"])
            let put = try await client.send(uri, method: .put, json: promoted, token: feed, headers: [.ifMatch: tag])
            #expect(put.status == .ok, "\(put.body)")
            #expect(put.json["golongan"] as? String == "III/c" && put.json["jabatanName"] as? String == "Analis Kebijakan")
            // A `/` is written as it is, not escaped (`III\/c`), here and in a problem's `type`.
            #expect(put.body.contains(#""golongan":"III/c""#), "\(put.body)")
            #expect(put.json["atasanNip"] as? String == c.kasi.nip)
            let after = try await client.get(uri, token: hr)
            #expect(after.json["golongan"] as? String == "III/c")
            #expect(after.headers[.eTag] == put.headers[.eTag] && after.headers[.eTag] != tag)
            // The same record again changes nothing, and writes no second audit entry.
            let again = try await client.send(uri, method: .put, json: promoted, token: hr)
            #expect(again.status == .ok && again.headers[.eTag] == put.headers[.eTag], "\(again.body)")
            #expect(try await Self.auditEntries(a, staff) == ["employee.put true"])

            // The tag read before the promotion is stale now: 412, nothing changed.
            let stale = try await client.send(uri, method: .put, json: try Self.input(before.json, ["golongan": "III/d"]),
                                              token: hr, headers: [.ifMatch: tag])
            #expect(stale.status == .preconditionFailed && stale.code == "precondition_failed", "\(stale.body)")
            #expect(stale.body.contains(#""type":"https://kinerja.dev/problems/precondition_failed""#), "\(stale.body)")
            #expect(try await client.get(uri, token: hr).json["golongan"] as? String == "III/c")

            // Bad values are named by their field, and change nothing.
            let bad: [([String: Any?], String)] = [
                (["golongan": "III/z"], "golongan 'III/z': is not a golongan"),
                (["unitCode": "TIDAK-ADA"], "unitCode 'TIDAK-ADA' is not one of the city's units"),
                (["atasanNip": "199001012015011999"], "atasanNip '199001012015011999': is not one of the city's employees"),
                (["atasanNip": staff], "atasanNip '\(staff)': is the employee's own NIP"),
                (["birthDate": "1970-01-01"], "birthDate '1970-01-01': differs from the birth date in the NIP"),
                (["email": "bukan alamat"], "email 'bukan alamat': is not an e-mail address"),
                (["unitCode": "OPD\u{0}X"], "unitCode contains a NUL character"),
                (["name": "Andi\u{0}"], "name contains a NUL character"),
            ]
            for (change, message) in bad {
                let r = try await client.send(uri, method: .put, json: try Self.input(after.json, change), token: hr)
                #expect(r.status == .badRequest && (r.json["detail"] as? String)?.contains(message) == true, "\(change): \(r.body)")
            }
            // The contract's own checks name the field too.
            let contract: [(String, String)] = [
                (try Self.input(after.json, ["name": nil]), "name is required (putEmployee)"),
                (try Self.input(after.json, ["name": 5]), "name must be a string (putEmployee)"),
                (try Self.input(after.json, ["jabatanKind": "honorer"]),
                 "value 'honorer' for jabatanKind is not allowed in putEmployee: it must be one of struktural, fungsional, pelaksana"),
                ("{\"name\": ", "the body is not valid JSON (putEmployee)"),
            ]
            for (body, message) in contract {
                let r = try await client.send(uri, method: .put, json: body, token: hr)
                #expect(r.status == .badRequest && (r.json["detail"] as? String)?.contains(message) == true, "\(body): \(r.body)")
            }
            let badNIP = try await client.send("/v1/employees/12345", method: .put, json: promoted, token: hr)
            #expect(badNIP.status == .badRequest, "\(badNIP.body)")
            #expect(try await client.get(uri, token: hr).headers[.eTag] == put.headers[.eTag])

            // A new employee in the staff's unit: 201, the atasan derived from the unit tree (the head of the unit).
            let newNIP = "199205142019031005"
            let fresh = try Self.input(after.json, ["name": "Rahmat Hidayat", "atasanNip": nil, "email": nil, "birthDate": nil,
                                                    "gender": nil, "golongan": "III/a", "jabatanName": "Penata Kelola Sistem"])
            let created = try await client.send("/v1/employees/\(newNIP)", method: .put, json: fresh, token: hr)
            #expect(created.status == .created, "\(created.body)")
            #expect(created.json["atasanNip"] as? String == c.kasi.nip && created.json["birthDate"] as? String == "1992-05-14")
            #expect(created.json["gender"] as? String == "L" && created.json["status"] as? String == "active")
            // If-Match names an existing version: a new employee has none.
            let absent = try await client.send("/v1/employees/199205142019031006", method: .put, json: fresh, token: hr,
                                               headers: [.ifMatch: "*"])
            #expect(absent.status == .preconditionFailed, "\(absent.body)")

            // Roles: the employee and their atasan may not; an integrator key without the employees scope may not.
            for token in [atasan, pegawai, attendanceOnly] {
                let r = try await client.send(uri, method: .put, json: promoted, token: token)
                #expect(r.status == .forbidden, "\(r.body)")
            }

            // Another city: B's HR putting this NIP makes B's own employee (B has the same unit codes); A's stays.
            let fromB = try await client.send(uri, method: .put, json: try Self.input(after.json, ["name": "Orang Kota B", "atasanNip": nil]),
                                              token: hrB)
            #expect(fromB.status == .created || fromB.status == .ok, "\(fromB.body)")
            #expect(try await client.get(uri, token: hrB).json["name"] as? String == "Orang Kota B")
            #expect(try await client.get(uri, token: hr).headers[.eTag] == put.headers[.eTag])

            // Moved to another unit, with no atasan given: the head of the new unit leads them (DOMAIN.md's rule,
            // as the import applies it): someone who works in that unit under a head of the same unit.
            var target: (unit: String, head: String)?
            for p in popA.people where p.jabatanLevel == nil && p.unit != c.staff.unit && p.atasan != nil {
                let pe = try await client.get("/v1/employees/\(p.nip)", token: hr).json
                let he = try await client.get("/v1/employees/\(p.atasan!)", token: hr).json
                if let unit = pe["unitCode"] as? String, unit == he["unitCode"] as? String { target = (unit, p.atasan!); break }
            }
            let (unit, head) = try #require(target)
            let moved = try await client.send(uri, method: .put, json: try Self.input(after.json, ["unitCode": unit, "atasanNip": nil]), token: hr)
            #expect(moved.status == .ok && moved.json["unitCode"] as? String == unit && moved.json["atasanNip"] as? String == head,
                    "\(moved.body)")
        }
        #expect(try await db.withTenant(b.id) { try await $0.employee(nip: "199205142019031005") } == nil)
        #expect(try await Self.auditEntries(a, staff) == ["employee.put true", "employee.put true"])
    }

    /// The import's atasan rule through single puts (README, "The employee file"): a new head sent leads the unit
    /// and its staff; a post sent again as stored decides no tie; an employee leaving makes the rule find their
    /// staff another, and with `atasanNip` (which sets theirs alone) they may not leave while they lead anyone.
    @Test func headsTiesAndLeaving() async throws {
        let db = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("put-heads", employees: 300)
        let c = TestDatabase.chain(popA)
        let hr = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t").token
        try await withAPI { client in
            func atasan(_ nip: String) async throws -> String? { try await client.get("/v1/employees/\(nip)", token: hr).json["atasanNip"] as? String }
            let kasi = try await client.get("/v1/employees/\(c.kasi.nip)", token: hr).json
            let unitBefore = try await db.withTenant(a.id) { try await $0.orgUnit(code: kasi["unitCode"] as! String) }
            #expect(try await atasan(c.staff.nip) == c.kasi.nip)

            // A second Pengawas, new, in the kasi's unit: the new post leads; the staff and the old kasi report to her.
            let kasi2 = "198807232015032002"
            let second = try Self.input(kasi, ["name": "Nur Aisyah", "atasanNip": nil, "email": nil, "birthDate": nil, "gender": nil,
                                               "golongan": "III/d"])
            let made = try await client.send("/v1/employees/\(kasi2)", method: .put, json: second, token: hr)
            #expect(made.status == .created, "\(made.body)")
            #expect(made.headers[.eTag] == (try await client.get("/v1/employees/\(kasi2)", token: hr)).headers[.eTag])
            #expect(try await atasan(c.staff.nip) == kasi2)
            #expect(try await atasan(c.kasi.nip) == kasi2)
            // The unit is as it was: name, kind and place.
            #expect(try await db.withTenant(a.id) { try await $0.orgUnit(code: kasi["unitCode"] as! String) } == unitBefore.map {
                var u = $0; u.employeeCount += 1; return u
            })

            // The old kasi put again as stored (the atasan left to the rule) brings no post, and he gave way to her
            // (his atasan holds a post of his rank in his unit): nothing changes, and no audit entry is written.
            let oldKasi = try await client.get("/v1/employees/\(c.kasi.nip)", token: hr).json
            let again = try await client.send("/v1/employees/\(c.kasi.nip)", method: .put, json: try Self.input(oldKasi, ["atasanNip": nil]),
                                              token: hr)
            #expect(again.status == .ok && again.json["atasanNip"] as? String == kasi2, "\(again.body)")
            #expect(try await atasan(c.staff.nip) == kasi2)
            #expect(try await Self.auditEntries(a, c.kasi.nip).isEmpty)
            // Nor does the new kasi's, put again as stored, or the staff's.
            for nip in [kasi2, c.staff.nip] {
                let stored = try await client.get("/v1/employees/\(nip)", token: hr)
                let put = try await client.send("/v1/employees/\(nip)", method: .put, json: try Self.input(stored.json, ["atasanNip": nil]), token: hr)
                #expect(put.status == .ok && put.headers[.eTag] == stored.headers[.eTag], "\(put.body)")
            }
            #expect(try await Self.auditEntries(a, c.staff.nip).isEmpty)

            // The new kasi leaves. With atasanNip (hers alone) while the staff report to her: 409, nothing changed.
            let hers = try await client.get("/v1/employees/\(kasi2)", token: hr).json
            let refused = try await client.send("/v1/employees/\(kasi2)", method: .put, json: try Self.input(hers, ["status": "inactive"]),
                                                token: hr)
            #expect(refused.status == .conflict && (refused.json["detail"] as? String)?.contains("is the atasan of") == true, "\(refused.body)")
            #expect(try await client.get("/v1/employees/\(kasi2)", token: hr).json["status"] as? String == "active")
            // Without it, the rule finds the staff their head again: the old kasi, the unit's one Pengawas now.
            let left = try await client.send("/v1/employees/\(kasi2)", method: .put,
                                             json: try Self.input(hers, ["status": "inactive", "atasanNip": nil]), token: hr)
            #expect(left.status == .ok && left.json["status"] as? String == "inactive", "\(left.body)")
            #expect(try await atasan(c.staff.nip) == c.kasi.nip)
            // Nor can anyone be given her as atasan now: 400 naming the field, as a file's row would be refused.
            let staff = try await client.get("/v1/employees/\(c.staff.nip)", token: hr).json
            let toInactive = try await client.send("/v1/employees/\(c.staff.nip)", method: .put,
                                                   json: try Self.input(staff, ["atasanNip": kasi2]), token: hr)
            #expect(toInactive.status == .badRequest
                    && toInactive.json["detail"] as? String == "atasanNip '\(kasi2)': is an inactive employee of the city", "\(toInactive.body)")
            #expect(try await atasan(c.staff.nip) == c.kasi.nip)
        }
    }

    /// What the import would read: values trimmed, a blank or dashed optional value left out, required ones and
    /// the limits of openapi.yaml enforced, a level only for struktural posts; two puts of one new NIP at once
    /// make it once.
    @Test func valuesAsTheImportReadsThemAndTwoCreatesAtOnce() async throws {
        let db = try await TestDatabase.admin()
        let (a, popA) = try await TestDatabase.city("put-values", employees: 300)
        let c = TestDatabase.chain(popA)
        let hr = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "hr", employeeNIP: nil, actor: "t").token
        try await withAPI { client in
            let staff = try await client.get("/v1/employees/\(c.staff.nip)", token: hr).json
            let uri = "/v1/employees/\(c.staff.nip)"
            let trimmed = try await client.send(uri, method: .put, json: try Self.input(staff, [
                "name": "  Andi  Baso ", "gelarDepan": "-", "gelarBelakang": " S.Kom. ", "atasanNip": "", "email": "---",
            ]), token: hr)
            #expect(trimmed.status == .ok, "\(trimmed.body)")
            #expect(trimmed.json["name"] as? String == "Andi  Baso" && trimmed.json["gelarDepan"] == nil)
            #expect(trimmed.json["gelarBelakang"] as? String == "S.Kom." && trimmed.json["email"] == nil)
            #expect(trimmed.json["atasanNip"] as? String == c.kasi.nip)
            let bad: [([String: Any?], String)] = [
                (["name": "  "], "name '  ' is empty; it is required"),
                (["jabatanName": "--"], "jabatanName '--' is empty; it is required"),
                (["name": String(repeating: "é", count: 201)], "name has 201 characters; at most 200"),
                (["jabatanKind": "fungsional", "jabatanLevel": "JPT"], "jabatanLevel 'JPT': is for struktural posts, not fungsional"),
            ]
            for (change, message) in bad {
                let r = try await client.send(uri, method: .put, json: try Self.input(staff, change), token: hr)
                #expect(r.status == .badRequest && (r.json["detail"] as? String)?.contains(message) == true, "\(change): \(r.body)")
            }
            let limit = try await client.get("/v1/employees?limit=abc", token: hr)
            #expect(limit.status == .badRequest && (limit.json["detail"] as? String)?.hasPrefix(" ") == false, "\(limit.body)")

            // Two puts of one new NIP at once: one makes her (201), the other finds her made (200).
            let fresh = try Self.input(staff, ["name": "Wahyuni", "atasanNip": nil, "email": nil, "birthDate": nil, "gender": nil,
                                               "golongan": "II/c", "gelarBelakang": nil])
            let answers = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await client.send("/v1/employees/199501012020122001", method: .put, json: fresh, token: hr) }
                }
                var out: [Reply] = []
                for try await r in group { out.append(r) }
                return out
            }
            #expect(answers.map(\.status.code).sorted() == [200, 201], "\(answers.map(\.body))")
            #expect(try await Self.auditEntries(a, "199501012020122001") == ["employee.put true"])
        }
    }
}
