public import Foundation
public import KinerjaCore
import PostgresNIO

extension TenantTransaction {
    /// The latest snapshot for the year and period, and when it was computed; nil if none was kept, or if the one
    /// kept cannot be read (written by another version of the server, with a value this one does not know): the
    /// caller then computes it anew, which replaces it.
    public func dashboardSnapshot(year: Int, period: SubPeriod) async throws -> Dashboard? {
        let rows = try await query("""
            select body::text from dashboard_snapshots where tenant_id = \(tenant.uuid) and year = \(year)
              and period_kind = \(period.kind.rawValue) and period_seq = \(period.sequence)
            """)
        for try await body in rows.decode(String.self) {
            do { return try Self.dashboardDecoder.decode(Dashboard.self, from: Data(body.utf8)) } catch {
                logger.notice("the dashboard kept for this period cannot be read: it is computed anew",
                              metadata: ["tenant_id": "\(tenant.uuid.uuidString.lowercased())", "year": "\(year)",
                                         "period": "\(period)", "error": "\(error)"])
                return nil
            }
        }
        return nil
    }

    /// Computes the dashboard of the whole city now and keeps it as the snapshot (replacing the last one).
    public func refreshDashboard(year: Int, period: SubPeriod, profile: TenantProfile) async throws -> Dashboard {
        let d = try await computeDashboard(year: year, period: period, profile: profile)
        let body = String(decoding: try Self.dashboardEncoder.encode(d), as: UTF8.self)
        try await query("""
            insert into dashboard_snapshots (tenant_id, year, period_kind, period_seq, computed_at, body)
            values (\(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), \(d.computedAt), \(body)::jsonb)
            on conflict (tenant_id, year, period_kind, period_seq) do update set computed_at = excluded.computed_at, body = excluded.body
            """)
        return d
    }

    static var dashboardEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }

    static var dashboardDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }

    /// The dashboard of the whole city, computed now (four set-based statements and the curve check).
    public func computeDashboard(year: Int, period: SubPeriod, profile: TenantProfile) async throws -> Dashboard {
        guard try await periods(year: year).contains(where: { $0.period.kind == period.kind && $0.period.sequence == period.sequence }) else {
            throw StoreError.notFound(what: "period", key: "\(year) \(period)")
        }
        // The OPDs, the curve and the periods first: small lookups by key, planned as such. The set-based
        // settings that follow (hash joins over the city's rows) would have them scan every city's.
        let curves = try await curve(year: year, period: period, profile: profile)
        let units = try await orgUnits().filter { $0.parentID == nil }
        let cadence = try await periods(year: year).map(\.period).filter { $0.kind != .annual }.sorted { $0.sequence < $1.sequence }
        try await prepareSetBased()
        let annual = period.kind == .annual
        // The statements that share the employees' OPDs and the approved indicators bind the same values:
        // $1 the city, $2 the year, $3 and $4 the period's kind and number, $5 whether it is the year itself, and
        // with `share` $6 the period's share of the year.
        func bound(_ sql: String, share: Bool = false) -> PostgresQuery {
            var b = PostgresBindings()
            b.append(tenant.uuid); b.append(year); b.append(period.kind.rawValue); b.append(period.sequence); b.append(annual)
            if share { b.append(period.shareOfYear) }
            return PostgresQuery(unsafeSQL: sql, binds: b)
        }
        // Each active employee's OPD: the top of their unit's chain.
        let opdOf = """
            with recursive up as (
                select unit_id, unit_id as top, parent_id from org_units where tenant_id = $1
                union all
                select up.unit_id, p.unit_id, p.parent_id from up join org_units p on p.tenant_id = $1 and p.unit_id = up.parent_id
            ), opd_of as (
                select unit_id, top from up where parent_id is null
            ), staff as (
                select e.nip, o.top as opd_id from employees e join opd_of o on o.unit_id = e.unit_id
                where e.tenant_id = $1 and e.status = 'active'
            ), approved as (
                select s.nip, s.revision from skp s where s.tenant_id = $1 and s.year = $2 and s.status = 'approved'
            ), indicators as (
                select i.nip, i.iki_key, i.template_id, i.text, i.target_value::float8 as t, i.lower_is_better as lib, i.accumulation
                from skp_iki i
                join skp a on a.tenant_id = i.tenant_id and a.nip = i.nip and a.year = i.year and a.revision = i.revision
                          and a.status = 'approved'
                where i.tenant_id = $1 and i.year = $2
            )
            """

        // 1. Per OPD: employees, approved SKPs, indicators and those reported in the period.
        var figures: [UUID: Dashboard.Figures] = [:]
        let reporting = try await query(bound(opdOf + """
            , reported as (
                select distinct x.nip, x.iki_key from realisasi x
                where x.tenant_id = $1 and x.year = $2
                  and ($5 or (x.period_kind = $3 and x.period_seq = $4))
            ), per_employee as (
                select st.nip, st.opd_id, ap.nip is not null as approved, count(i.iki_key)::int as iki, count(r.iki_key)::int as rep
                from staff st left join approved ap on ap.nip = st.nip
                left join indicators i on i.nip = ap.nip
                left join reported r on r.nip = i.nip and r.iki_key = i.iki_key
                group by st.nip, st.opd_id, ap.nip
            )
            select opd_id, count(*)::int, count(*) filter (where approved)::int, sum(iki)::int, sum(rep)::int
            from per_employee group by opd_id
            """))
        for try await (opd, employees, approved, iki, rep) in reporting.decode((UUID, Int, Int, Int, Int).self) {
            figures[opd] = .init(employees: employees, skpApproved: approved, ikiTotal: iki, ikiReported: rep, evaluated: 0,
                                 meanCapaian: nil, capaian: [:], predikat: [:])
        }

        // 2. Per OPD from the period's results: capaian bands, mean capaian, predikat.
        let bands = Dashboard.capaianBands
        let results = try await query("""
            select e.opd_id, count(*)::int, avg(e.capaian)::float8, count(e.capaian)::int,
                   count(*) filter (where e.capaian < \(bands[1].from))::int,
                   count(*) filter (where e.capaian >= \(bands[1].from) and e.capaian < \(bands[2].from))::int,
                   count(*) filter (where e.capaian >= \(bands[2].from) and e.capaian < \(bands[3].from))::int,
                   count(*) filter (where e.capaian >= \(bands[3].from) and e.capaian < \(bands[4].from))::int,
                   count(*) filter (where e.capaian >= \(bands[4].from))::int
            from evaluations e
            where e.tenant_id = \(tenant.uuid) and e.year = \(year) and e.period_kind = \(period.kind.rawValue)
              and e.period_seq = \(period.sequence) and e.opd_id is not null
            group by e.opd_id
            """)
        for try await r in results.decode((UUID, Int, Double?, Int, Int, Int, Int, Int, Int).self) {
            var f = figures[r.0] ?? .zero
            f.evaluated = r.1
            f.meanCapaian = r.2
            f.measured = r.3
            for (i, n) in [r.4, r.5, r.6, r.7, r.8].enumerated() where n > 0 { f.capaian[bands[i].label] = n }
            figures[r.0] = f
        }
        var opds: [Dashboard.OPD] = []
        for u in units.sorted(by: { $0.code < $1.code }) {
            var f = figures[u.id] ?? .zero
            let c = curves.first { $0.unitCode == u.code }
            if let c { for (p, n) in c.counts where n > 0 { f.predikat[p.rawValue] = n } }
            guard f.employees > 0 || f.evaluated > 0 else { continue }
            opds.append(.init(code: u.code, name: u.name, figures: f, predikatOrganisasi: c?.predikatOrganisasi,
                              curveStatus: c?.status ?? .notEvaluated, curveBreaches: c?.check?.breaches.map(\.description) ?? [],
                              trend: [], topIndicators: [], bottomIndicators: []))
        }
        var totals = Dashboard.Figures.zero
        for o in opds { totals.add(o.figures) }

        // 3. The trend over the year's periods of the city's cadence, per OPD: reporting and each period's own results.
        var reportedIn: [UUID: [Int: Int]] = [:]
        var evaluatedIn: [UUID: [Int: (n: Int, sum: Double)]] = [:]
        if let kind = cadence.first?.kind {
            var b = PostgresBindings()
            b.append(tenant.uuid); b.append(year); b.append(kind.rawValue)
            for try await (opd, seq, n) in try await query(PostgresQuery(unsafeSQL: opdOf + """

                select st.opd_id, x.period_seq, count(*)::int from realisasi x
                join indicators i on i.nip = x.nip and i.iki_key = x.iki_key
                join staff st on st.nip = x.nip
                where x.tenant_id = $1 and x.year = $2 and x.period_kind = $3
                group by st.opd_id, x.period_seq
                """, binds: b)).decode((UUID, Int, Int).self) { reportedIn[opd, default: [:]][seq] = n }
            for try await (opd, seq, n, sum) in try await query("""
                select opd_id, period_seq, count(capaian)::int, coalesce(sum(capaian), 0)::float8 from evaluations
                where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(kind.rawValue) and opd_id is not null
                group by opd_id, period_seq
                """).decode((UUID, Int, Int, Double).self) { evaluatedIn[opd, default: [:]][seq] = (n, sum) }
        }
        func trend(_ opds: [UUID], ikiTotal: Int) -> [Dashboard.TrendPoint] {
            cadence.map { p in
                let reported = opds.reduce(0) { $0 + (reportedIn[$1]?[p.sequence] ?? 0) }
                let n = opds.reduce(0) { $0 + (evaluatedIn[$1]?[p.sequence]?.n ?? 0) }
                let sum = opds.reduce(0.0) { $0 + (evaluatedIn[$1]?[p.sequence]?.sum ?? 0) }
                return Dashboard.TrendPoint(period: p.subPeriod.description, ikiReported: reported,
                                            ikiTotal: ikiTotal, evaluated: n, meanCapaian: n == 0 ? nil : sum / Double(n))
            }
        }

        // 4. Indicators by template, per OPD: capaian to date (as the evaluation accumulates them).
        var byTemplate: [UUID: [String: (text: String, n: Int, sum: Double)]] = [:]
        for try await (opd, id, text, count, sum) in try await query(bound(opdOf + """
            , totals as (
                select x.nip, x.iki_key, sum(x.value) as s, avg(x.value) as a, max(array[x.period_seq::numeric, x.value]) as l
                from realisasi x
                where x.tenant_id = $1 and x.year = $2 and x.value is not null
                  and ($5 or (x.period_kind = $3 and x.period_seq <= $4))
                group by x.nip, x.iki_key
            ), scored as (
                -- A summed indicator in a month or quarter: against the share of the year's target up to it.
                select st.opd_id, i.template_id, i.text,
                       i.t * (case when i.accumulation = 'sum' then $6::float8 else 1 end) as t,
                       i.lib,
                       (case i.accumulation when 'sum' then x.s when 'average' then x.a else x.l[2] end)::float8 as r
                from indicators i join totals x on x.nip = i.nip and x.iki_key = i.iki_key
                join staff st on st.nip = i.nip
                where i.template_id is not null and i.t > 0
            )
            select opd_id, template_id, min(text), count(*)::int,
                   sum(greatest(0, case when lib then 2 - r / t else r / t end) * 100)::float8
            from scored group by opd_id, template_id
            """, share: true)).decode((UUID, String, String, Int, Double).self) {
            byTemplate[opd, default: [:]][id] = (text, count, sum)
        }
        func ranked(_ opds: [UUID]) -> (top: [Dashboard.Indicator], bottom: [Dashboard.Indicator]) {
            var merged: [String: (text: String, n: Int, sum: Double)] = [:]
            for o in opds {
                for (id, v) in byTemplate[o] ?? [:] {
                    let m = merged[id] ?? (v.text, 0, 0)
                    merged[id] = (min(m.text, v.text), m.n + v.n, m.sum + v.sum)
                }
            }
            let all = merged.filter { $0.value.n >= Dashboard.Indicator.minimumCount }
                .map { Dashboard.Indicator(templateID: $0.key, text: $0.value.text, count: $0.value.n, meanCapaian: $0.value.sum / Double($0.value.n)) }
                .sorted { ($0.meanCapaian, $1.templateID) > ($1.meanCapaian, $0.templateID) }
            // Best and weakest never name the same template: with few templates, the upper half is the best.
            let best = min(5, (all.count + 1) / 2)
            return (Array(all.prefix(best)), Array(all.dropFirst(best).reversed().prefix(5)))
        }
        let ids = Dictionary(uniqueKeysWithValues: units.map { ($0.code, $0.id) })
        for i in opds.indices {
            let id = ids[opds[i].code]!
            opds[i].trend = trend([id], ikiTotal: opds[i].figures.ikiTotal)
            (opds[i].topIndicators, opds[i].bottomIndicators) = ranked([id])
        }
        let every = opds.map { ids[$0.code]! }
        let (top, bottom) = ranked(every)

        // Whole seconds: the moment reads back the same from the kept JSON.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        return Dashboard(year: year, period: period.description, computedAt: now, totals: totals, opds: opds,
                         trend: trend(every, ikiTotal: totals.ikiTotal), topIndicators: top, bottomIndicators: bottom)
    }

    /// The OPD a kepala OPD leads: the top unit of their own unit, when they hold a structural post in it with
    /// no atasan inside it (as the evaluation round finds heads); nil for anyone else.
    public func opdLedBy(nip: String) async throws -> String? {
        let rows = try await query("""
            with recursive up as (
                select unit_id, parent_id, code from org_units where tenant_id = \(tenant.uuid)
                  and unit_id = (select unit_id from employees where tenant_id = \(tenant.uuid) and nip = \(nip))
                union all
                select p.unit_id, p.parent_id, p.code from up join org_units p on p.tenant_id = \(tenant.uuid) and p.unit_id = up.parent_id
            )
            select up.code from up
            join employees e on e.tenant_id = \(tenant.uuid) and e.nip = \(nip) and e.unit_id = up.unit_id
            left join employees a on a.tenant_id = \(tenant.uuid) and a.nip = e.atasan_nip
            where up.parent_id is null and e.jabatan_kind = 'struktural' and e.status = 'active'
              and (a.nip is null or a.unit_id <> e.unit_id)
            """)
        for try await code in rows.decode(String.self) { return code }
        return nil
    }
}

