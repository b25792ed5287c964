public import Foundation
public import KinerjaCore
import PostgresNIO

extension ReportScope {
    /// The period as the store knows it.
    func sub() throws -> SubPeriod {
        guard let p = SubPeriod(period) else { throw StoreError.invalid("period '\(period)' is not Y, Q1-Q4 or M1-M12") }
        return p
    }
}

extension TenantTransaction {
    /// This city as the platform knows it.
    public func tenantRow() async throws -> Tenant {
        for try await (code, name, adapter, status, version, created) in try await query("""
            select code, name, adapter, status, profile_version, created_at from tenants where tenant_id = \(tenant.uuid)
            """).decode((String, String, String, String, Int, Date).self) {
            return Tenant(id: tenant, code: code, name: name, adapter: adapter, status: Tenant.Status(rawValue: status) ?? .active,
                          profileVersion: version, createdAt: created, employeeCount: 0, retainUntil: nil)
        }
        throw StoreError.notFound(what: "city", key: tenant.description)
    }

    /// The OPD (top unit's code) an employee works in; nil for an unknown NIP.
    public func employeeOPD(nip: String) async throws -> String? {
        for try await code in try await query("""
            with recursive up as (
                select u.unit_id, u.parent_id, u.code from org_units u
                join employees e on e.tenant_id = u.tenant_id and e.unit_id = u.unit_id
                where u.tenant_id = \(tenant.uuid) and e.nip = \(nip)
                union all
                select p.unit_id, p.parent_id, p.code from up join org_units p on p.tenant_id = \(tenant.uuid) and p.unit_id = up.parent_id
            )
            select code from up where parent_id is null
            """).decode(String.self) { return code }
        return nil
    }

    /// The employees with a result of the scope's period, in OPD then NIP order; `withFollowUp` keeps only
    /// those with a follow-up of that kind (the certificates).
    public func reportEmployees(_ s: ReportScope, withFollowUp kind: String? = nil) async throws -> [String] {
        if let opd = s.opd { _ = try await requireOPD(opd) }
        let period = try s.sub()
        var out: [String] = []
        for try await nip in try await query("""
            select e.nip::text from evaluations e
            join org_units o on o.tenant_id = e.tenant_id and o.unit_id = e.opd_id
            where e.tenant_id = \(tenant.uuid) and e.year = \(s.year) and e.period_kind = \(period.kind.rawValue)
              and e.period_seq = \(period.sequence)
              and (\(s.opd)::text is null or o.code = \(s.opd)) and (\(s.nip)::text is null or e.nip = \(s.nip))
              and (\(kind)::text is null or exists (select 1 from followups f where f.tenant_id = e.tenant_id and f.year = e.year
                   and f.period_kind = e.period_kind and f.period_seq = e.period_seq and f.nip = e.nip and f.kind = \(kind)))
            order by o.code, e.nip
            """).decode(String.self) { out.append(nip) }
        if let nip = s.nip, out.isEmpty {
            throw StoreError.notFound(what: "result of \(s.year) \(period) for employee", key: nip)
        }
        return out
    }

    /// The documents of `nips` (one batch: a few set-based statements whatever its size), in the given order.
    public func evaluationDocuments(_ nips: [String], scope s: ReportScope, withSanctions: Bool = false) async throws -> [EvaluationDocument] {
        guard !nips.isEmpty else { return [] }
        let period = try s.sub()
        let periodName = period.description
        typealias Row = (String, String, String?, String?, String, String?, String,           // the employee and their unit
                         String?, String?, String?, String?, String?,                          // the pejabat penilai
                         String?, String?, String?, String?,                                   // their atasan
                         String, String, Double?, String?, String?, String?, String, String)   // OPD and result
        var docs: [String: EvaluationDocument] = [:]
        var explanations: [String: String] = [:]
        let rows = try await query("""
            select e.nip::text, e.name, e.gelar_depan, e.gelar_belakang, e.jabatan_name, e.golongan, u.name,
                   a.nip::text, a.name, a.jabatan_name, a.golongan, au.name,
                   aa.nip::text, aa.name, aa.jabatan_name, aau.name,
                   o.code, o.name, v.capaian::float8, v.rating_hasil, v.rating_perilaku, v.predikat, v.status, v.explanation::text
            from evaluations v
            join employees e on e.tenant_id = v.tenant_id and e.nip = v.nip
            join org_units u on u.tenant_id = e.tenant_id and u.unit_id = e.unit_id
            join org_units o on o.tenant_id = v.tenant_id and o.unit_id = v.opd_id
            left join employees a on a.tenant_id = e.tenant_id and a.nip = e.atasan_nip
            left join org_units au on au.tenant_id = a.tenant_id and au.unit_id = a.unit_id
            left join employees aa on aa.tenant_id = a.tenant_id and aa.nip = a.atasan_nip
            left join org_units aau on aau.tenant_id = aa.tenant_id and aau.unit_id = aa.unit_id
            where v.tenant_id = \(tenant.uuid) and v.year = \(s.year) and v.period_kind = \(period.kind.rawValue)
              and v.period_seq = \(period.sequence) and v.nip = any(\(nips)::text[])
            """)
        for try await r in rows.decode(Row.self) {
            var name: String = r.1
            if let depan = r.2 { name = depan + " " + name }
            if let belakang = r.3 { name += ", " + belakang }
            let penilai = r.7.map { EvaluationDocument.Person(nip: $0, name: r.8 ?? "", jabatan: r.9 ?? "", golongan: r.10, unit: r.11 ?? "") }
            let atasanPenilai = r.12.map { EvaluationDocument.Person(nip: $0, name: r.13 ?? "", jabatan: r.14 ?? "", golongan: nil, unit: r.15 ?? "") }
            docs[r.0] = EvaluationDocument(
                year: s.year, period: periodName,
                employee: .init(nip: r.0, name: name, jabatan: r.4, golongan: r.5, unit: r.6), opd: r.16, opdName: r.17,
                pejabatPenilai: penilai, atasanPejabatPenilai: atasanPenilai, plans: [], feedback: [], capaian: r.18, ratingHasil: r.19,
                ratingPerilaku: r.20, behaviour: .init(score: nil, atasan: nil, peer: nil, peers: nil, bawahan: nil, bawahans: nil),
                predikat: r.21, status: r.22, followUps: [], sanctions: [])
            explanations[r.0] = r.23
        }
        // The 360 aggregate as the evaluation used it (peers and bawahan only when enough answered).
        for (nip, text) in explanations {
            guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let b = json["behaviour"] as? [String: Any] else { continue }
            func d(_ k: String) -> Double? { (b[k] as? NSNumber)?.doubleValue }
            func i(_ k: String) -> Int? { (b[k] as? NSNumber)?.intValue }
            docs[nip]?.behaviour = .init(score: d("score"), atasan: d("atasan"), peer: d("peerMean"), peers: i("peers"),
                                         bawahan: d("bawahanMean"), bawahans: i("bawahan"))
        }
        // The SKP in force, with each indicator's realisasi up to the period and its capaian.
        let present = nips.filter { docs[$0] != nil }
        let contents = try await inForceContents(nips: present, year: s.year)
        var values: [String: [UUID: [(SubPeriod, Double)]]] = [:]
        let annual = period.kind == .annual
        for try await (nip, key, kind, seq, value) in try await query("""
            select nip::text, iki_key, period_kind, period_seq, value::float8 from realisasi
            where tenant_id = \(tenant.uuid) and year = \(s.year) and nip = any(\(present)::text[]) and value is not null
              and (\(annual) or (period_kind = \(period.kind.rawValue) and period_seq <= \(period.sequence)))
            """).decode((String, UUID, String, Int, Double).self) {
            values[nip, default: [:]][key, default: []].append((SubPeriod(kind: EvaluationPeriod.Kind(rawValue: kind) ?? .monthly, sequence: seq), value))
        }
        var planText: [String: [UUID: String]] = [:]
        // A month or quarter measures a summed indicator against the share of the year's target it covers, as the
        // evaluation does: the document's lines show that target and agree with its capaian.
        let covered = period.shareOfYear
        for nip in present {
            guard var content = contents[nip] else { continue }
            for r in content.rhk.indices {
                for k in content.rhk[r].iki.indices where content.rhk[r].iki[k].accumulation == .sum {
                    content.rhk[r].iki[k].targetValue = content.rhk[r].iki[k].targetValue.map { $0 * covered }
                }
            }
            let mine = (values[nip] ?? [:]).mapValues { $0.sorted { $0.0 < $1.0 }.map(\.1) }
            let summary = Capaian.summary(content, realisasi: mine)
            docs[nip]?.plans = content.rhk.map { r in
                planText[nip, default: [:]][r.key] = r.text
                return EvaluationDocument.Plan(kind: r.kind.rawValue, text: r.text, capaian: summary.byRHK[r.key], indicators: r.iki.map { k in
                    let target = k.targetValue.map { Step.format($0) + (k.targetUnit.map { " \($0)" } ?? "") } ?? (k.targetNarrative ?? "")
                    return .init(text: k.text, target: target, realisasi: Capaian.accumulate(mine[k.key] ?? [], k.accumulation),
                                 unit: k.targetUnit, capaian: summary.byIKI[k.key])
                })
            }
        }
        // Continuous feedback of the year up to the period, oldest first.
        for try await (nip, key, kind, seq, author, text) in try await query("""
            select nip::text, rhk_key, period_kind, period_seq, author, text from skp_feedback
            where tenant_id = \(tenant.uuid) and year = \(s.year) and nip = any(\(present)::text[])
            order by created_at, feedback_id
            """).decode((String, UUID, String, Int, String, String).self) {
            let p = SubPeriod(kind: EvaluationPeriod.Kind(rawValue: kind) ?? .monthly, sequence: seq)
            guard annual || (p.kind == period.kind && p.sequence <= period.sequence) else { continue }
            docs[nip]?.feedback.append(.init(period: p.description, plan: planText[nip]?[key] ?? "", author: author, text: text))
        }
        // Follow-ups of the period.
        for try await (nip, id, kind, rule, due, status, detail) in try await query("""
            select nip::text, followup_id, kind, rule, due_date::text, status, detail::text from followups
            where tenant_id = \(tenant.uuid) and year = \(s.year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and nip = any(\(present)::text[])
            order by followup_id
            """).decode((String, Int64, String, String, String?, String, String).self) {
            let d = (try? JSONDecoder().decode([String: String].self, from: Data(detail.utf8))) ?? [:]
            docs[nip]?.followUps.append(.init(kind: kind, rule: rule, due: due, status: status, id: id, detail: d))
        }
        if withSanctions {
            for try await (nip, step, status, note) in try await query("""
                select nip::text, step, status, decision_note from discipline_cases
                where tenant_id = \(tenant.uuid) and year = \(s.year) and nip = any(\(present)::text[]) and status <> 'dismissed'
                order by step
                """).decode((String, Int, String, String?).self) {
                let name = Discipline.Step(rawValue: step).map { "\($0.name) (\($0.level))" } ?? "langkah \(step)"
                docs[nip]?.sanctions.append(.init(step: name, status: status, note: note))
            }
        }
        return nips.compactMap { docs[$0] }
    }

    /// The OPD recap's columns of counts: the capaian bands (``Dashboard/capaianBands``) and the predikat.
    static let bandColumns = [("<60", "capaianBawah60"), ("60-79", "capaian60_79"), ("80-99", "capaian80_99"),
                              ("100-109", "capaian100_109"), ("110+", "capaian110")]
    static let predikatColumns = [("Sangat Baik", "sangatBaik"), ("Baik", "baik"), ("Butuh Perbaikan", "butuhPerbaikan"),
                                  ("Kurang/Misconduct", "kurang"), ("Sangat Kurang", "sangatKurang")]

    /// Per OPD, as the dashboard computes it: predikat against the curve, reporting, capaian bands. A scope that
    /// hides small groups (a key that reads no one's assessment) gets what the public report would show: an OPD
    /// whose evaluated, measured or rated people number one to four has no evaluation figures and no curve
    /// status; elsewhere a count of one to four people is left out, with the next smallest when it is alone in
    /// its row and another when it is alone in its column (else the row's or the city's total would tell it).
    public func opdRecap(_ s: ReportScope, profile: TenantProfile) async throws -> [ReportRow] {
        let d = try await computeDashboard(year: s.year, period: try s.sub(), profile: profile)
        func few(_ n: Int) -> Bool { (1..<PublicReport.minimumGroup).contains(n) }
        func small(_ f: Dashboard.Figures) -> Bool {
            [f.evaluated, f.capaian.values.reduce(0, +), f.predikat.values.reduce(0, +)].contains(where: few)
        }
        // Which counts each OPD hides, the whole city's table at once (the city's counts per predikat are
        // published, so a count is hidden where subtraction would tell it too), whatever OPD is asked for.
        var hiddenCells: [String: Set<String>] = [:]
        if s.hidesSmallGroups {
            let tables: [(columns: [(String, String)], counts: (Dashboard.Figures) -> [String: Int])] =
                [(Self.bandColumns, { $0.capaian }), (Self.predikatColumns, { $0.predikat })]
            for (columns, counts) in tables {
                let rows = d.opds.filter { !small($0.figures) && counts($0.figures).values.reduce(0, +) > 0 }.map { (code: $0.code, counts: counts($0.figures)) }
                let rest = d.opds.contains { small($0.figures) && counts($0.figures).values.reduce(0, +) > 0 }
                for (code, cells) in PublicReport.hiddenCells(rows, order: columns.map(\.0), restHidden: rest) {
                    hiddenCells[code, default: []].formUnion(cells)
                }
            }
        }
        return d.opds.filter { s.opd == nil || $0.code == s.opd }.map { o in
            let f = o.figures
            var row: ReportRow = [
                "opd": .text(o.code), "namaOpd": .text(o.name), "pegawai": .integer(f.employees), "pelaporan": ReportValue(f.completeness),
                "dinilai": .integer(f.evaluated), "capaianRataRata": ReportValue(f.meanCapaian),
                "predikatOrganisasi": ReportValue(o.predikatOrganisasi?.rawValue), "kurva": .text(o.curveStatus.rawValue),
            ]
            for (band, column) in Self.bandColumns { row[column] = .integer(f.capaian[band] ?? 0) }
            for (predikat, column) in Self.predikatColumns { row[column] = .integer(f.predikat[predikat] ?? 0) }
            guard s.hidesSmallGroups else { return row }
            if small(f) {
                for column in ["capaianRataRata", "kurva"] + (Self.bandColumns + Self.predikatColumns).map(\.1) { row[column] = ReportValue.none }
                return row
            }
            let hidden = hiddenCells[o.code] ?? []
            for (key, column) in Self.bandColumns + Self.predikatColumns where hidden.contains(key) { row[column] = ReportValue.none }
            return row
        }
    }

    /// The ranking follow-ups of the period, by category and rank.
    public func rankingRows(_ s: ReportScope) async throws -> [ReportRow] {
        let period = try s.sub()
        let all = try await followUps(year: s.year, period: period, kind: .ranking, nip: s.nip, opd: s.opd)
        var capaian: [String: (Double?, String?)] = [:]
        for try await (nip, c, p) in try await query("""
            select nip::text, capaian::float8, predikat from evaluations where tenant_id = \(tenant.uuid) and year = \(s.year)
              and period_kind = \(period.kind.rawValue) and period_seq = \(period.sequence) and nip = any(\(all.map(\.nip))::text[])
            """).decode((String, Double?, String?).self) { capaian[nip] = (c, p) }
        return all.sorted { ($0.detail["category"] ?? "", Int($0.detail["rank"] ?? "") ?? 0) < ($1.detail["category"] ?? "", Int($1.detail["rank"] ?? "") ?? 0) }
            .map { f in
                ["kategori": ReportValue(f.detail["category"]), "peringkat": ReportValue(Int(f.detail["rank"] ?? "")), "nip": .text(f.nip),
                 "nama": .text(f.name), "opd": .text(f.opd), "capaian": ReportValue(capaian[f.nip]?.0), "predikat": ReportValue(capaian[f.nip]?.1),
                 "penghargaan": ReportValue(f.detail["incentive"].flatMap { $0.isEmpty ? nil : $0 })]
            }
    }

    /// The final results of the scope's period (an OPD's, or one employee's), for SIASN: one row each, in OPD
    /// then NIP order, with the pejabat penilai of the SKP the result was computed from.
    public func siasnRows(_ s: ReportScope) async throws -> [ReportRow] {
        if let opd = s.opd { _ = try await requireOPD(opd) }
        let period = try s.sub()
        var out: [ReportRow] = []
        for try await r in try await query("""
            select e.nip, m.name, m.employee_type, o.code, e.capaian::float8, e.rating_hasil, e.rating_perilaku, e.predikat,
                   k.atasan_nip, a.name, to_char(f.finalized_at at time zone \(unescaped: Self.cityTimeZoneSQL(tenant)), 'YYYY-MM-DD')
            from evaluations e
            join employees m on m.tenant_id = e.tenant_id and m.nip = e.nip
            join org_units o on o.tenant_id = e.tenant_id and o.unit_id = e.opd_id
            left join skp k on k.tenant_id = e.tenant_id and k.nip = e.nip and k.year = e.year and k.revision = e.skp_revision
            left join employees a on a.tenant_id = e.tenant_id and a.nip = k.atasan_nip
            left join opd_finalizations f on f.tenant_id = e.tenant_id and f.year = e.year and f.period_kind = e.period_kind
                 and f.period_seq = e.period_seq and f.unit_id = e.opd_id
            where e.tenant_id = \(tenant.uuid) and e.year = \(s.year) and e.period_kind = \(period.kind.rawValue)
              and e.period_seq = \(period.sequence) and e.status = 'final'
              and (\(s.opd)::text is null or o.code = \(s.opd)) and (\(s.nip)::text is null or e.nip = \(s.nip))
            order by o.code, e.nip
            """).decode((String, String, String, String, Double?, String?, String?, String?, String?, String?, String?).self) {
            out.append(["nip": .text(r.0), "nama": .text(r.1), "jenisPegawai": .text(r.2), "tahun": .integer(s.year),
                        "periode": .text(period.description), "opd": .text(r.3), "capaian": ReportValue(r.4),
                        "ratingHasil": ReportValue(r.5), "ratingPerilaku": ReportValue(r.6), "predikat": ReportValue(r.7),
                        "nipPenilai": ReportValue(r.8), "namaPenilai": ReportValue(r.9), "ditetapkan": ReportValue(r.10)])
        }
        return out
    }

    /// One employee's results over every period of the year that has one.
    public func ownResults(nip: String, year: Int) async throws -> [ReportRow] {
        _ = try await requireEmployee(nip)
        var out: [ReportRow] = []
        for try await (kind, seq, c, h, p, pr, st) in try await query("""
            select period_kind, period_seq, capaian::float8, rating_hasil, rating_perilaku, predikat, status from evaluations
            where tenant_id = \(tenant.uuid) and year = \(year) and nip = \(nip)
            order by case period_kind when 'annual' then 1 else 0 end, period_seq
            """).decode((String, Int, Double?, String?, String?, String?, String).self) {
            let period = SubPeriod(kind: EvaluationPeriod.Kind(rawValue: kind) ?? .annual, sequence: seq).description
            out.append(["periode": .text(period), "capaian": ReportValue(c), "ratingHasil": ReportValue(h), "ratingPerilaku": ReportValue(p),
                        "predikat": ReportValue(pr), "status": .text(st)])
        }
        return out
    }
}

/// A city's report data for the report generator: the store's queries, each in its own transaction of the city.
public struct TenantReportData: ReportDataSource {
    public let database: KinerjaDatabase
    public let tenant: TenantID
    public let profile: TenantProfile

    public init(database: KinerjaDatabase, tenant: TenantID, profile: TenantProfile) {
        (self.database, self.tenant, self.profile) = (database, tenant, profile)
    }

    public func employees(_ scope: ReportScope, withFollowUp kind: String?) async throws -> [String] {
        try await database.withTenant(tenant) { try await $0.reportEmployees(scope, withFollowUp: kind) }
    }

    public func documents(_ nips: [String], scope: ReportScope, withSanctions: Bool) async throws -> [EvaluationDocument] {
        try await database.withTenant(tenant) { try await $0.evaluationDocuments(nips, scope: scope, withSanctions: withSanctions) }
    }

    public func rows(_ source: ReportSource, scope: ReportScope) async throws -> [ReportRow] {
        let profile = profile
        return try await database.withTenant(tenant) { tx in
            switch source {
            case .opdRecap, .dashboard: return try await tx.opdRecap(scope, profile: profile)
            case .ranking: return try await tx.rankingRows(scope)
            case .ownResults:
                guard let nip = scope.nip else { throw StoreError.invalid("this report is one employee's: name the employee (NIP)") }
                return try await tx.ownResults(nip: nip, year: scope.year)
            case .complaintResponsiveness:
                return try await tx.complaintRows(scope, profile: profile, asOf: CivilDate.today(in: profile.timeZoneOrDefault))
            case .siasnResults: return try await tx.siasnRows(scope)
            case .evaluationDocument, .certificate, .annualAssessment, .publicAnnual:
                throw StoreError.invalid("\(source.rawValue) is made of documents, not rows")
            }
        }
    }

    public func publicReport(year: Int) async throws -> PublicReport? {
        try await database.withTenant(tenant) { try await $0.publicReport(year: year) }
    }
}
