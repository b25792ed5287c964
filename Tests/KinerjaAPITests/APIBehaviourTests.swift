import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KinerjaAPI
import KinerjaCore
import KinerjaStore
import KinerjaTestSupport
import Testing

@Suite struct APIBehaviourTests {
    @Test func operationsEndpoints() async throws {
        try await withAPI { client in
            let health = try await client.get("/health", token: nil)
            #expect(health.status == .ok && health.json["status"] as? String == "ok")
            let ready = try await client.get("/ready", token: nil)
            #expect(ready.status == .ok && ready.json["migrations"] as? String == "current")
            let spec = try await client.get("/openapi.yaml", token: nil)
            #expect(spec.status == .ok && spec.body.hasPrefix("openapi: 3.1.0"))
            #expect(try await client.get("/metrics", token: nil).status == .ok)
            #expect(health.headers[HTTPField.Name("X-Request-Id")!] != nil)
        }
    }

    /// Until the server has checked its database role, the gate alone keeps tenant requests out, with the
    /// database answering and a valid key: 503 database_unavailable saying why. The operations endpoints
    /// answer, and once the check has run the same router serves.
    @Test func aClosedRoleGateKeepsTenantRequestsOutUntilTheRoleIsChecked() async throws {
        let db = try await TestDatabase.app()
        let (a, _) = try await TestDatabase.city("api-gate")
        let key = try await TestDatabase.admin().createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let gate = RoleGate()
        let router = try buildRouter(database: db, settings: ServerSettings(keyCacheTTL: .zero), metrics: nil, roleGate: gate)
        try await Application(router: router).test(.router) { client in
            for path in ["/v1/tenant", "/v1/employees?limit=1", "/v1/me"] {
                let shut = try await client.get(path, token: key)
                #expect(shut.status == .serviceUnavailable && shut.code == "database_unavailable", "\(path): \(shut.status) \(shut.body)")
                #expect((shut.json["detail"] as? String)?.contains("not yet checked its database role") == true, "\(shut.body)")
            }
            for path in ["/health", "/metrics", "/openapi.yaml"] {
                #expect(try await client.get(path, token: nil).status == .ok, "\(path)")
            }
            try await gate.check(db)
            #expect(gate.isOpen)
            let open = try await client.get("/v1/tenant", token: key)
            #expect(open.status == .ok, "\(open.body)")
        }
    }

    @Test func problemsNameTheBadValueInTheAskedLanguage() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("api-problems")
        let key = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        try await withAPI { client in
            let id = try await client.get("/v1/employees/12345", token: key)
            #expect(id.status == .badRequest && id.code == "invalid_parameter")
            #expect(id.json["title"] as? String == "Parameter tidak valid")
            #expect((id.json["detail"] as? String)?.contains("'12345'") == true)
            let en = try await client.get("/v1/employees/12345", token: key, headers: [.acceptLanguage: "en-US"])
            #expect(en.json["title"] as? String == "Invalid parameter")

            let limit = try await client.get("/v1/employees?limit=9999", token: key)
            #expect(limit.code == "invalid_parameter" && (limit.json["detail"] as? String)?.contains("9999") == true)
            let status = try await client.get("/v1/employees?status=pensiun", token: key)
            #expect(status.code == "invalid_parameter" && (status.json["detail"] as? String)?.contains("pensiun") == true)
            let unit = try await client.get("/v1/employees?unit=NOPE", token: key)
            #expect(unit.status == .notFound && (unit.json["detail"] as? String)?.contains("NOPE") == true)
            let cursor = try await client.get("/v1/employees?cursor=abc", token: key)
            #expect(cursor.code == "invalid_parameter")
        }
    }

    /// The parameters of every operation, from the contract the server carries.
    @Test func theCatalogueReadsEveryOperationOfTheContract() throws {
        let catalogue = ParameterCatalogue.shared
        #expect(catalogue.operations.count == (try RouteCoverageTests.specOperations()).count)
        let behaviour = try #require(catalogue.operations["getEmployeeBehaviour"])
        #expect(behaviour.path == "/v1/employees/{nip}/behaviour")
        #expect(behaviour.parameters.filter(\.required).map(\.name).sorted() == ["nip", "period", "year"])
    }

    /// The values a body field may take, found by its place: through a `$ref` to a `$ref`, in a list's items, in a
    /// map's values; a field the schema names before a map's other keys; none where two schemas disagree.
    @Test func aBodyFieldsValuesAreFoundByItsPlace() {
        let catalogue = ParameterCatalogue(text: """
            paths:
              /x:
                post:
                  operationId: op
                  requestBody:
                    content:
                      application/json:
                        schema:
                          type: object
                          properties:
                            kind: { $ref: '#/components/schemas/Alias' }
                            either: { oneOf: [ { type: string, enum: [a, b] }, { type: string, enum: [c] } ] }
                            tags: { type: object, additionalProperties: { type: string, enum: [t] } }
                            rows: { type: array, items: { type: object, properties: { level: { type: string, enum: [p, q] } } } }
                          additionalProperties: { type: string, enum: [z] }
            components:
              schemas:
                Alias: { $ref: '#/components/schemas/Kind' }
                Kind: { type: string, enum: [k1, k2] }
            """)
        #expect(catalogue.allowed(operation: "op", at: ["kind"]) == ["k1", "k2"])
        #expect(catalogue.allowed(operation: "op", at: ["either"]) == nil)
        #expect(catalogue.allowed(operation: "op", at: ["tags", "anything"]) == ["t"])
        #expect(catalogue.allowed(operation: "op", at: ["rows", "3", "level"]) == ["p", "q"])
        #expect(catalogue.allowed(operation: "op", at: ["other"]) == ["z"])
        #expect(catalogue.allowed(operation: "op", at: ["rows", "3", "other"]) == nil)
        #expect(catalogue.allowed(operation: "another", at: ["kind"]) == nil)
    }

    /// A parameter missing, not of its type or outside its values is named, with the value sent: the generated
    /// code's own words (`valueNotFound String - at : Value not found`) named neither.
    @Test func aMissingOrMistypedParameterIsNamed() async throws {
        let db = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city("api-params")
        let key = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        let nip = try #require(pop.people.first).nip
        let cases: [(String, String)] = [
            ("/v1/employees/\(nip)/behaviour?year=2026", "the query parameter 'period' is required (getEmployeeBehaviour)"),
            ("/v1/employees/\(nip)/behaviour", "the query parameter 'year' is required; the query parameter 'period' is required (getEmployeeBehaviour)"),
            ("/v1/employees/\(nip)/behaviour?year=abc&period=Y", "the query parameter 'year' must be a whole number, not 'abc' (getEmployeeBehaviour)"),
            ("/v1/attendance/events?from=2026-01-01", "the query parameter 'until' is required (listAttendanceEvents)"),
            ("/v1/employees?limit=%31%30x", "the query parameter 'limit' must be a whole number, not '10x' (listEmployees)"),
            ("/v1/employees/\(nip)/skp/20x6/tree", "the path parameter 'year' must be a whole number, not '20x6' (getSKPTree)"),
            // A query that is not valid percent-encoding is read as sent (it stopped the process), `+` as a space.
            ("/v1/employees/\(nip)/behaviour?year=2026&q=%&r=%zz", "the query parameter 'period' is required (getEmployeeBehaviour)"),
            ("/v1/employees/\(nip)/behaviour?year=%zz&period=Y", "the query parameter 'year' must be a whole number, not '%zz' (getEmployeeBehaviour)"),
            ("/v1/employees?limit=+5", "the query parameter 'limit' must be a whole number, not ' 5' (listEmployees)"),
            ("/v1/employees?limit=\(String(repeating: "9", count: 60))",
             "the query parameter 'limit' must be a whole number, not '\(String(repeating: "9", count: 40))...' (listEmployees)"),
            // A value outside the parameter's list is named with the list (it pointed to /openapi.yaml).
            ("/v1/dashboard/page?year=2026&lang=fr", "the query parameter 'lang' must be one of id, en, not 'fr' (getDashboardPage)"),
        ]
        try await withAPI { client in
            for (uri, detail) in cases {
                let r = try await client.get(uri, token: key)
                #expect(r.status == .badRequest && r.code == "invalid_parameter", "\(uri): \(r.status) \(r.body.prefix(300))")
                #expect(r.json["detail"] as? String == detail, "\(uri)")
            }
        }
    }

    /// The periods a city has opened, as an integrator sees them before sending realisasi: in calendar order,
    /// the year first, each open or closed (closed with its time); only this city's; a year out of range named
    /// (paging: PaginationTests).
    @Test func periodsListWhichAreOpen() async throws {
        let db = try await TestDatabase.admin()
        let (a, _) = try await TestDatabase.city("api-periods")
        let (b, _) = try await TestDatabase.city("api-periods-other")
        try await db.withTenant(a.id) { tx in
            _ = try await tx.openYear(2026, cadence: .monthly, actor: "t")
            let january = try EvaluationPeriod.period(year: 2026, kind: .monthly, sequence: 1)
            try await tx.setPeriod(january, open: false, reason: nil, actor: "t")
        }
        // The other city has a year this one has not opened.
        try await db.withTenant(b.id) { _ = try await $0.openYear(2031, cadence: .monthly, actor: "t") }
        let feed = try await db.createAPIKey(tenants: [a.id], role: .integrator, label: "realisasi", employeeNIP: nil,
                                             scopes: ["realisasi"], actor: "t").token
        try await withAPI { client in
            let y2026 = try await client.get("/v1/periods?year=2026", token: feed)
            #expect(y2026.status == .ok, "\(y2026.body)")
            let items = y2026.items
            #expect(items.compactMap { $0["period"] as? String } == ["Y"] + (1...12).map { "M\($0)" })
            #expect(items.allSatisfy { $0["year"] as? Int == 2026 })
            let year = try #require(items.first)
            #expect(year["kind"] as? String == "annual" && year["startsOn"] as? String == "2026-01-01"
                    && year["endsOn"] as? String == "2026-12-31" && year["status"] as? String == "open" && year["closedAt"] == nil)
            let january = try #require(items.dropFirst().first)
            #expect(january["kind"] as? String == "monthly" && january["status"] as? String == "closed" && january["closedAt"] is String)
            let february = try #require(items.dropFirst(2).first)
            #expect(february["startsOn"] as? String == "2026-02-01" && february["endsOn"] as? String == "2026-02-28"
                    && february["status"] as? String == "open")
            #expect(y2026.json["nextCursor"] == nil)

            // The other city's year lists nothing here; a year never opened lists nothing; out of range is named.
            let theirs = try await client.get("/v1/periods?year=2031", token: feed)
            #expect(theirs.status == .ok && (theirs.json["items"] as? [Any])?.isEmpty == true, "\(theirs.body)")
            let bad = try await client.get("/v1/periods?year=1999", token: feed)
            #expect(bad.status == .badRequest && bad.body.contains("1999"), "\(bad.body)")
            let forged = try await client.get("/v1/periods?cursor=x9", token: feed)
            #expect(forged.status == .badRequest && forged.body.contains("x9"), "\(forged.body)")
        }
    }

    @Test func filtersAndTree() async throws {
        let db = try await TestDatabase.admin()
        let (a, pop) = try await TestDatabase.city("api-filter")
        let key = try await db.createAPIKey(tenants: [a.id], role: .hrAdmin, label: "", employeeNIP: nil, actor: "t").token
        try await withAPI { client in
            let disdik = try await client.get("/v1/employees?unit=DISDIK&limit=500", token: key)
            let disdikUnits = Set(pop.units.filter { $0.code.hasPrefix("DISDIK") }.map(\.id))
            #expect(disdik.items.count == pop.people.filter { disdikUnits.contains($0.unit) }.count)
            let onlyTop = try await client.get("/v1/employees?unit=DISDIK&includeSubunits=false&limit=500", token: key)
            #expect(onlyTop.items.count == 1, "only the kepala dinas sits in the OPD itself")

            let name = pop.people[10].name
            let found = try await client.get("/v1/employees?q=\(name.split(separator: " ")[0].lowercased())&limit=500", token: key)
            #expect(found.nips.contains(pop.people[10].nip))

            let tree = try await client.get("/v1/org-units?view=tree", token: key)
            let roots = tree.json["units"] as? [[String: Any]] ?? []
            #expect(roots.count == pop.units.filter { $0.parent == nil }.count)
            #expect(roots.contains { ($0["children"] as? [Any])?.isEmpty == false })

            // The units page like every list: walked by cursor, every unit once, parents before children.
            var codes: [String] = [], cursor: String?, pages = 0
            repeat {
                let page = try await client.get("/v1/org-units?limit=7" + (cursor.map { "&cursor=\($0)" } ?? ""), token: key)
                let units = page.json["units"] as? [[String: Any]] ?? []
                #expect(units.count <= 7)
                codes += units.compactMap { $0["code"] as? String }
                cursor = page.json["nextCursor"] as? String
                pages += 1
            } while cursor != nil && pages < 1000
            #expect(codes.count == pop.units.count && Set(codes) == Set(pop.units.map(\.code)) && pages > 1)
            let treePage = try await client.get("/v1/org-units?view=tree&limit=2", token: key)
            #expect((treePage.json["units"] as? [Any])?.count == 2 && treePage.json["nextCursor"] as? String != nil)
            #expect(try await client.get("/v1/org-units?cursor=zzz", token: key).status == .badRequest)
        }
    }
}
