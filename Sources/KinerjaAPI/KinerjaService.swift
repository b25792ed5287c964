import Foundation
import KinerjaCore
import KinerjaStore
import OpenAPIRuntime
import PostgresNIO
import Prometheus

/// The handlers of `openapi.yaml`. Each tenant-scoped handler takes the city from the authenticated
/// principal and does its work inside one `withTenant` transaction.
struct KinerjaService: APIProtocol {
    let database: KinerjaDatabase
    /// A hot standby for read-only overviews, when one is configured.
    let reads: ReadReplica?
    /// Opened by the first role check that ran, here or at start-up (``RoleGate``).
    let roleGate: RoleGate
    let metrics: PrometheusCollectorRegistry?
    let dashboards: DashboardRefresher
    let reports: ReportSettings
    let people: PeopleSettings

    /// Read-only overviews (a team, a city's follow-ups, contributions): on the standby while it keeps up,
    /// else on the primary. `body` must not write.
    func withReadTenant<R: Sendable>(_ city: TenantID, _ body: (TenantTransaction) async throws -> R) async throws -> R {
        if let reads { return try await reads.withTenant(city, body) }
        return try await database.withTenant(city, body)
    }

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReady(_ input: Operations.GetReady.Input) async throws -> Operations.GetReady.Output {
        let report: MigrationReport
        do {
            report = try await database.migrationState()
        } catch {
            throw APIProblem.notReady("database unreachable: \(StoreError.publicDescription(error))", retryAfter: 5)
        }
        do {
            try await roleGate.check(database)
        } catch let error as UnsafeDatabaseRole {
            throw APIProblem.notReady("\(error.problems.first ?? "unsafe database role"): connect as the application role")
        } catch {
            throw APIProblem.notReady("database unreachable: \(StoreError.publicDescription(error))", retryAfter: 5)
        }
        if let bad = report.mismatched.first {
            throw APIProblem.notReady(StoreError.checksumMismatch(version: bad.version, name: bad.name).description)
        }
        guard report.pending.isEmpty else {
            throw APIProblem.notReady("\(StoreError.migrationsPending(report.pending)); run 'kinerja-admin db migrate'")
        }
        // A standby that lags or is down costs freshness, not readiness: the primary serves its reads.
        return .ok(.init(body: .json(.init(status: .ready, migrations: "current", readReplica: reads?.currentState.summary))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(metrics?.emitToString() ?? ""))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(OpenAPIDocument.text))))
    }

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let p = try RequestState.principal()
        return .ok(.init(body: .json(.init(
            role: .init(rawValue: p.role.rawValue)!, keyPrefix: p.keyPrefix, label: p.label, tenant: p.tenantCode,
            grants: p.grants, employeeNip: p.employeeNIP))))
    }

    func getTenant(_ input: Operations.GetTenant.Input) async throws -> Operations.GetTenant.Output {
        let p = try RequestState.principal()
        let city = try p.city()
        let (row, profileJSON) = try await database.withTenant(city) { tx in
            let rows = try await tx.query("""
                select code, name, adapter, status, profile_version, profile::text from tenants where tenant_id = \(city.uuid)
                """)
            for try await r in rows.decode((String, String, String, String, Int, String).self) {
                return ((r.0, r.1, r.2, r.3, r.4), r.5)
            }
            throw APIProblem.notFound("city not found")
        }
        let profile = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(profileJSON.utf8))
        // A purged city has no keys left to ask with; any other status is one the contract lists.
        guard let status = Components.Schemas.Tenant.StatusPayload(rawValue: row.3) else {
            throw StoreError.database("city status '\(row.3)' is not one the API lists")
        }
        return .ok(.init(body: .json(.init(
            code: row.0, name: row.1, adapter: row.2, status: status,
            profileVersion: row.4, profile: .init(additionalProperties: profile)))))
    }

    func listOrgUnits(_ input: Operations.ListOrgUnits.Input) async throws -> Operations.ListOrgUnits.Output {
        let p = try RequestState.principal()
        let units = try await database.withTenant(try p.city()) { try await $0.orgUnits() }
        let codeByID = Dictionary(uniqueKeysWithValues: units.map { ($0.id, $0.code) })
        func schema(_ u: OrgUnit, children: [Components.Schemas.OrgUnit]?) -> Components.Schemas.OrgUnit {
            .init(code: u.code, name: u.name, kind: .init(rawValue: u.kind) ?? .opd,
                  parentCode: u.parentID.flatMap { codeByID[$0] }, employeeCount: u.employeeCount, children: children)
        }
        if input.query.view == .tree {
            let byParent = Dictionary(grouping: units, by: \.parentID)
            func subtree(_ parent: UUID?) -> [Components.Schemas.OrgUnit] {
                (byParent[parent] ?? []).map { u in
                    let children = subtree(u.id)
                    return schema(u, children: children.isEmpty ? nil : children)
                }
            }
            let (page, next) = try Pagination.page(subtree(nil), key: \.code, cursor: input.query.cursor, limit: input.query.limit)
            return .ok(.init(body: .json(.init(units: page, nextCursor: next))))
        }
        let (page, next) = try Pagination.page(units, key: \.code, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(units: page.map { schema($0, children: nil) }, nextCursor: next))))
    }

    func listPeriods(_ input: Operations.ListPeriods.Input) async throws -> Operations.ListPeriods.Output {
        let p = try RequestState.principal()
        let year = try input.query.year.map(Self.parseYear)
        let periods = try await database.withTenant(try p.city()) { try await $0.periods(year: year) }
        let (page, next) = try Pagination.page(periods, key: { "\($0.period.year) \($0.period.subPeriod)" }, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: page.map(Self.schema), nextCursor: next))))
    }

    static func schema(_ stored: StoredPeriod) -> Components.Schemas.Period {
        let period = stored.period
        return .init(year: period.year, period: period.subPeriod.description,
                     kind: .init(rawValue: period.kind.rawValue) ?? .annual, startsOn: period.startsOn.description,
                     endsOn: period.endsOn.description, status: stored.isOpen ? .open : .closed, closedAt: stored.closedAt)
    }

    /// Opening a year and closing or reopening a period are city HR's (as `kinerja-admin period` is).
    static func requirePeriodsAdmin(_ p: Principal, _ what: String) throws {
        guard p.role == .hrAdmin else {
            throw APIProblem.forbidden("\(what) is for city HR (hr_admin); this key is \(p.role.rawValue)")
        }
    }

    func openYear(_ input: Operations.OpenYear.Input) async throws -> Operations.OpenYear.Output {
        let p = try RequestState.principal()
        try Self.requirePeriodsAdmin(p, "opening a year")
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send {year} as application/json") }
        let year = try Self.parseYear(body.year)
        let actor = p.auditActor
        let opened = try await database.withTenant(try p.city()) { tx in
            let cadence = try await tx.profile().periods.cadence
            _ = try await tx.openYear(year, cadence: cadence, actor: actor)
            return try await tx.periods(year: year)
        }
        return .created(.init(body: .json(.init(items: opened.map(Self.schema)))))
    }

    func setPeriodStatus(_ input: Operations.SetPeriodStatus.Input) async throws -> Operations.SetPeriodStatus.Output {
        let p = try RequestState.principal()
        try Self.requirePeriodsAdmin(p, "closing or reopening a period")
        let year = try Self.parseYear(input.path.year)
        let named = try Self.behaviourPeriod(input.path.period)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send {status, reason} as application/json") }
        let open = body.status == .open
        let period: EvaluationPeriod
        do { period = try EvaluationPeriod.period(year: year, kind: named.kind, sequence: named.sequence) } catch {
            throw APIProblem.invalid(error.description)
        }
        let actor = p.auditActor
        let (changed, periods) = try await database.withTenant(try p.city()) { tx -> ([EvaluationPeriod], [StoredPeriod]) in
            do {
                // Asking for the status it has changes nothing: a retried call is safe.
                let changed = try await tx.setPeriod(period, open: open, reason: body.reason, actor: actor, unchangedIsAnError: false)
                return (changed, try await tx.periods(year: year))
            } catch StoreError.notFound {
                let names = try await tx.periods(year: year).map(\.period.subPeriod.description)
                throw APIProblem.notFound("period \(named) of \(year) not found: "
                                          + (names.isEmpty ? "the city has not opened \(year)" : "the city's \(year) has \(names.joined(separator: " "))"))
            }
        }
        return .ok(.init(body: .json(.init(changed: changed.map(\.subPeriod).sorted().map(\.description), items: periods.map(Self.schema)))))
    }

    func listEmployees(_ input: Operations.ListEmployees.Input) async throws -> Operations.ListEmployees.Output {
        let p = try RequestState.principal()
        let q = input.query
        var filter = EmployeeFilter(unitCode: q.unit, includeSubunits: q.includeSubunits ?? true, status: q.status?.rawValue,
                                    text: q.q, after: q.cursor, limit: q.limit ?? 50)
        if let cursor = q.cursor, !(cursor.count == 18 && cursor.allSatisfy(\.isNumber)) {
            throw APIProblem.invalid("cursor '\(cursor)' is not a cursor this API gave out")
        }
        switch p.role {
        case .pegawai: filter.subordinatesOf = nil; filter.onlyNIP = p.employeeNIP ?? ""
        case .atasan: filter.subordinatesOf = p.employeeNIP ?? ""
        default: break
        }
        let page = try await database.withTenant(try p.city()) { try await $0.employees(filter) }
        return .ok(.init(body: .json(.init(items: page.employees.map(Self.schema),
                                           nextCursor: page.hasMore ? page.employees.last?.nip : nil))))
    }

    func getEmployee(_ input: Operations.GetEmployee.Input) async throws -> Operations.GetEmployee.Output {
        let p = try RequestState.principal()
        let raw = input.path.nip
        let nip: NIP
        do { nip = try NIP(raw, type: .pppk) } catch { throw APIProblem.invalid(error.description) }
        let notFound = APIProblem.notFound("employee '\(nip.digits)' not found")
        // Who may see whom (pegawai: themselves; atasan: themselves and everyone below them) is part of the
        // one statement that reads the employee: one round trip.
        let within: String?
        switch p.role {
        case .pegawai:
            guard p.employeeNIP == nip.digits else { throw notFound }
            within = nip.digits
        case .atasan:
            guard let me = p.employeeNIP else { throw notFound }
            within = me
        default:
            within = nil
        }
        let found = try await database.employee(tenant: try p.city(), nip: nip.digits, within: within)
        guard let e = found else { throw notFound }
        return .ok(.init(body: .json(Self.schema(e))))
    }

    func importEmployees(_ input: Operations.ImportEmployees.Input) async throws -> Operations.ImportEmployees.Output {
        let p = try RequestState.principal()
        guard p.role == .hrAdmin || p.role == .integrator else {
            throw APIProblem.forbidden("importing employees is for hr_admin and integrator keys; this key is \(p.role.rawValue)")
        }
        try p.require(scope: "employees")
        guard case .csv(let body) = input.body else { throw APIProblem.invalid("send the file as text/csv") }
        let options = ImportOptions(dryRun: input.query.dryRun ?? false, deactivateMissing: input.query.deactivateMissing ?? false)
        let actor = p.auditActor
        let city = try p.city()
        try await database.refreshImportStatistics()
        let summary = try await database.withTenant(city) { tx in
            var chunks = body.makeAsyncIterator()
            return try await tx.importEmployees(options: options, actor: actor) {
                try await chunks.next().map { Array($0) }
            }
        }
        // The import has committed: its answer stands even if this fails (the next import refreshes them first).
        if !summary.dryRun && !summary.analysedInItsTransaction {
            do { try await database.refreshImportStatistics() } catch {
                RequestState.current?.logger.warning("the import committed, but refreshing the planner's statistics after it failed",
                                                     metadata: ["error": "\(StoreError.describe(error))"])
            }
        }
        return .ok(.init(body: .json(.init(
            rows: summary.rows, new: summary.new, changed: summary.changed, unchanged: summary.unchanged,
            deactivated: summary.deactivated, missing: summary.missing, unitsNew: summary.unitsNew,
            unitsChanged: summary.unitsChanged, atasanFromFile: summary.atasanFromFile,
            atasanNotDerived: summary.atasanNotDerived, atasanNotDerivedCount: summary.atasanNotDerivedCount,
            atasanRederived: summary.atasanRederived, atasanRederivedCount: summary.atasanRederivedCount,
            dryRun: summary.dryRun))))
    }

    func putEmployee(_ input: Operations.PutEmployee.Input) async throws -> Operations.PutEmployee.Output {
        let p = try RequestState.principal()
        guard p.role == .hrAdmin || p.role == .integrator else {
            throw APIProblem.forbidden("changing an employee is for hr_admin and integrator keys; this key is \(p.role.rawValue)")
        }
        try p.require(scope: "employees")
        let nip = try Self.parseNIP(input.path.nip)
        guard case .json(let b) = input.body else { throw APIProblem.invalid("send the employee as application/json") }
        let record = EmployeeRecord(
            nip: nip, name: b.name, gelarDepan: b.gelarDepan, gelarBelakang: b.gelarBelakang,
            employeeType: b.employeeType.rawValue, jabatanKind: b.jabatanKind.rawValue, jabatanLevel: b.jabatanLevel?.rawValue,
            jabatanName: b.jabatanName, golongan: b.golongan, unitCode: b.unitCode, atasanNIP: b.atasanNip,
            active: (b.status ?? .active) == .active, email: b.email, birthDate: b.birthDate, gender: b.gender?.rawValue)
        let (ifMatch, actor) = (input.headers.ifMatch, p.auditActor)
        let (stored, created) = try await database.withTenant(try p.city()) { tx in
            try await tx.putEmployee(record, actor: actor) { current in
                guard let ifMatch else { return }
                try EntityTag.require(ifMatch, matches: try current.map { try EntityTag.of(Self.schema($0)) }, what: "employee \(nip)")
            }
        }
        let schema = Self.schema(stored)
        let tag = try EntityTag.of(schema)
        return created ? .created(.init(headers: .init(eTag: tag), body: .json(schema)))
            : .ok(.init(headers: .init(eTag: tag), body: .json(schema)))
    }

    static func schema(_ e: Employee) -> Components.Schemas.Employee {
        let full = [e.gelarDepan, e.name].compactMap { $0 }.joined(separator: " ") + (e.gelarBelakang.map { ", \($0)" } ?? "")
        return .init(
            nip: e.nip, nipDisplay: NIP(unchecked: e.nip).displayForm, name: e.name, fullName: full,
            gelarDepan: e.gelarDepan, gelarBelakang: e.gelarBelakang, employeeType: .init(rawValue: e.employeeType) ?? .pns,
            jabatanKind: .init(rawValue: e.jabatanKind) ?? .pelaksana, jabatanLevel: e.jabatanLevel.flatMap { .init(rawValue: $0) },
            jabatanName: e.jabatanName, golongan: e.golongan, unitCode: e.unitCode, unitName: e.unitName,
            atasanNip: e.atasanNIP, status: .init(rawValue: e.status) ?? .inactive, email: e.email,
            birthDate: e.birthDate, gender: .init(rawValue: e.gender) ?? .l)
    }
}

/// The contract itself, served at `/openapi.yaml`.
enum OpenAPIDocument {
    static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return "" }
        return text
    }()
}
