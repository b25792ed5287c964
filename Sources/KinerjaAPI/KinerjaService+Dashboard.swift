import Foundation
import KinerjaCore
import KinerjaReports
import KinerjaStore
import Logging
import PostgresNIO
import OpenAPIRuntime
import Synchronization

/// Keeps dashboard snapshots fresh: a request finds the kept one (served at once, however old, while one
/// newer is computed in the background when it is older than `maxAge`), or computes the first one.
final class DashboardRefresher: Sendable {
    struct Key: Hashable { var tenant: TenantID; var year: Int; var period: SubPeriod }
    let maxAge: Duration
    private let running = Mutex<Set<Key>>([])

    init(maxAge: Duration) { self.maxAge = maxAge }

    /// Starts a refresh of `key` unless one is running; returns at once.
    func refreshInBackground(_ key: Key, database: KinerjaDatabase) {
        guard running.withLock({ $0.insert(key).inserted }) else { return }
        Task.detached {
            defer { _ = self.running.withLock { $0.remove(key) } }
            do {
                try await database.withTenant(key.tenant) { tx in
                    _ = try await tx.refreshDashboard(year: key.year, period: key.period, profile: try await tx.profile())
                }
            } catch {
                database.logger.warning("dashboard refresh failed", metadata: ["error": "\(StoreError.describe(error))"])
            }
        }
    }

    func isStale(_ d: Dashboard) -> Bool {
        Date().timeIntervalSince(d.computedAt) > Double(maxAge.components.seconds)
    }
}

extension KinerjaService {
    /// The dashboard the caller may see: the city's (hr_admin, bkn_admin; `opd` narrows it) or, for an atasan
    /// heading an OPD, that OPD's. Others are refused. Read from the kept snapshot (the read replica when
    /// one is in use), computed on the primary when there is none.
    func dashboard(year: Int, period: String?, opd: String?) async throws -> (Dashboard, scope: String?, cityName: String, timeZone: TimeZone) {
        let p = try RequestState.principal()
        let city = try p.city()
        let sub = try Self.behaviourPeriod(period ?? "Y")
        let (kept, name, zone, led) = try await withReadTenant(city) { tx -> (Dashboard?, String, TimeZone, String?) in
            var (name, zone) = ("", TenantProfile.timeZone(nil))
            for try await (n, z) in try await tx.query("select name, profile->>'timeZone' from tenants where tenant_id = \(city.uuid)")
                .decode((String, String?).self) { (name, zone) = (n, TenantProfile.timeZone(z)) }
            var led: String?
            if p.role == .atasan, let me = p.employeeNIP { led = try await tx.opdLedBy(nip: me) }
            return (try await tx.dashboardSnapshot(year: year, period: sub), name, zone, led)
        }
        var scope = opd
        switch p.role {
        case .hrAdmin, .bknAdmin: break
        case .atasan:
            guard let led else { throw APIProblem.forbidden("the dashboard is for city HR and the kepala of an OPD; this atasan heads no OPD") }
            if let opd, opd != led { throw APIProblem.forbidden("a kepala OPD sees their own OPD (\(led)) only") }
            scope = led
        case .pegawai, .integrator:
            throw APIProblem.forbidden("the dashboard is for city HR and the kepala of an OPD; this key is \(p.role.rawValue)")
        }
        let d: Dashboard
        if let kept {
            d = kept
            if dashboards.isStale(kept) { dashboards.refreshInBackground(.init(tenant: city, year: year, period: sub), database: database) }
        } else {
            do {
                d = try await database.withTenant(city) { tx in
                    try await tx.refreshDashboard(year: year, period: sub, profile: try await tx.profile())
                }
            } catch StoreError.notFound(let what, let key) where what == "period" {
                throw APIProblem.notFound("period \(key) is not open in this city: 'kinerja-admin period open' first")
            }
        }
        guard let scope else { return (d, nil, name, zone) }
        guard let line = d.opds.first(where: { $0.code == scope }) else { throw APIProblem.notFound("OPD '\(scope)' has no employees in this city") }
        return (d.only(opd: scope), "\(line.name) (\(line.code))", name, zone)
    }

    func getDashboard(_ input: Operations.GetDashboard.Input) async throws -> Operations.GetDashboard.Output {
        let year = try Self.parseYear(input.query.year)
        let (d, _, _, _) = try await dashboard(year: year, period: input.query.period, opd: input.query.orgUnit)
        return .ok(.init(body: .json(Self.schema(d))))
    }

    func getDashboardPage(_ input: Operations.GetDashboardPage.Input) async throws -> Operations.GetDashboardPage.Output {
        let year = try Self.parseYear(input.query.year)
        let (d, scope, name, zone) = try await dashboard(year: year, period: input.query.period, opd: input.query.orgUnit)
        let language: DocumentLanguage = input.query.lang == .en ? .en : .id
        return .ok(.init(body: .html(HTTPBody(DashboardPage.render(d, cityName: name, timeZone: zone, scope: scope, language: language)))))
    }

    static func schema(_ d: Dashboard) -> Components.Schemas.Dashboard {
        func figures(_ f: Dashboard.Figures) -> Components.Schemas.DashboardFigures {
            .init(employees: f.employees, skpApproved: f.skpApproved, ikiTotal: f.ikiTotal, ikiReported: f.ikiReported,
                  completeness: f.completeness, evaluated: f.evaluated, meanCapaian: f.meanCapaian,
                  capaian: .init(additionalProperties: f.capaian), predikat: .init(additionalProperties: f.predikat))
        }
        func trend(_ t: [Dashboard.TrendPoint]) -> [Components.Schemas.DashboardTrendPoint] {
            t.map { .init(period: $0.period, ikiReported: $0.ikiReported, ikiTotal: $0.ikiTotal, completeness: $0.completeness,
                          evaluated: $0.evaluated, meanCapaian: $0.meanCapaian) }
        }
        func indicators(_ list: [Dashboard.Indicator]) -> [Components.Schemas.DashboardIndicator] {
            list.map { .init(templateId: $0.templateID, text: $0.text, count: $0.count, meanCapaian: $0.meanCapaian) }
        }
        return .init(
            year: d.year, period: d.period, computedAt: d.computedAt, totals: figures(d.totals),
            opds: d.opds.map { o in
                // The predikat's and the status's codes are the spec's (SpecCodeListTests).
                .init(code: o.code, name: o.name, figures: figures(o.figures),
                      predikatOrganisasi: o.predikatOrganisasi.map { .init(rawValue: $0.rawValue)! },
                      curveStatus: .init(rawValue: o.curveStatus.rawValue)!, curveBreaches: o.curveBreaches, trend: trend(o.trend),
                      topIndicators: indicators(o.topIndicators), bottomIndicators: indicators(o.bottomIndicators))
            },
            trend: trend(d.trend), topIndicators: indicators(d.topIndicators), bottomIndicators: indicators(d.bottomIndicators))
    }
}
