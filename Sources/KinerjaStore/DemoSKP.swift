import Foundation
public import KinerjaCore
import PostgresNIO

extension TenantTransaction {
    /// Brings the planner's statistics of tables this transaction just bulk-wrote up to date (see migration 0014).
    func refreshBulkStatistics(_ tables: [String]) async throws {
        try await query("select refresh_bulk_statistics(\(tables)::text[])")
    }

    /// Demo plans for a year: an approved SKP for every active employee, cascaded down the atasan chain (each
    /// RHK utama of a non-JPT employee intervenes in one of the atasan's), indicators from the city's catalogue
    /// where one fits, and realisasi for every month or quarter that ended before `realisasiUntil`. Set-based:
    /// a handful of statements whatever the city's size. Refuses a year that already has SKPs.
    public func seedSKPs(year: Int, profile: TenantProfile, realisasiUntil: CivilDate?, seed: UInt64 = 2022,
                         actor: String) async throws -> (skp: Int, realisasi: Int) {
        try await requireDemoCity("demo plans")
        try await requireYear(year, forChange: true)
        let existing = try await query("select count(*) from skp where tenant_id = \(tenant.uuid) and year = \(year)")
        for try await n in existing.decode(Int.self) where n > 0 {
            throw StoreError.invalid("the year \(year) already has \(n) SKP revisions; demo plans go only into an empty year")
        }
        // Employees top-down (an atasan before their staff), with what the catalogue matches on. Ordered here
        // rather than by a recursive query, whose plan depends on statistics a fresh import leaves stale.
        let rows = try await query("""
            select e.nip::text, e.atasan_nip::text, e.jabatan_kind, e.jabatan_level, e.jabatan_name, u.name, p.name
            from employees e
            join org_units u on u.tenant_id = e.tenant_id and u.unit_id = e.unit_id
            left join org_units p on p.tenant_id = u.tenant_id and p.unit_id = u.parent_id
            where e.tenant_id = \(tenant.uuid) and e.status = 'active'
            order by e.nip
            """)
        typealias Row = (nip: String, atasan: String?, kind: String, level: String?, jabatan: String, unit: String, parentUnit: String?)
        var all: [Row] = []
        for try await r in rows.decode((String, String?, String, String?, String, String, String?).self) { all.append(r) }
        let active = Set(all.map(\.nip))
        let staffOf = Dictionary(grouping: all.filter { $0.atasan.map(active.contains) ?? false }, by: { $0.atasan! })
        var ordered = all.filter { !($0.atasan.map(active.contains) ?? false) }
        var next = 0
        while next < ordered.count {
            ordered += staffOf[ordered[next].nip] ?? []
            next += 1
        }
        var rng = SeededRandom(seed: seed ^ UInt64(year))
        var utamaOf: [String: [UUID]] = [:]
        var skpNIP: [String] = [], skpJPT: [Bool] = [], skpAtasan: [String] = []
        var rAtasan: [String] = [], rNIP: [String] = [], rKey: [String] = [], rPos: [Int] = [], rKind: [String] = [], rText: [String] = [], rParent: [String] = []
        var iNIP: [String] = [], iRHK: [String] = [], iKey: [String] = [], iText: [String] = [], iDim: [String] = []
        var iTarget: [Double] = [], iUnit: [String] = [], iAcc: [String] = [], iTpl: [String] = []
        var indicators: [(nip: String, key: UUID, target: Double, acc: SKP.Accumulation)] = []
        for (nip, atasan, kind, level, jabatan, unit, parentUnit) in ordered {
            let jpt = level == "JPT"
            let position = IndicatorCatalogue.Position(jabatanName: jabatan, jabatanKind: kind, jabatanLevel: level,
                                                       units: [unit] + (parentUnit.map { [$0] } ?? []))
            let templates = jpt ? [] : IndicatorCatalogue.templates(profile.indicators, for: position)
            let parents = atasan.flatMap { utamaOf[$0] } ?? []
            skpNIP.append(nip); skpJPT.append(jpt); skpAtasan.append(atasan ?? "")
            var plan: [(SKP.RHKKind, String, SKP.IKI)] = []
            for t in templates.prefix(2) { plan.append((.utama, t.rhk, IndicatorCatalogue.iki(from: t))) }
            let generic: [(String, String, SKP.Dimension, Double, String)] = jpt
                ? [("Meningkatnya kepuasan penerima layanan \(unit)", "Indeks kepuasan masyarakat", .penerimaLayanan, 85, "indeks"),
                   ("Terwujudnya tata kelola \(unit) yang akuntabel", "Nilai SAKIP perangkat daerah", .prosesBisnis, 75, "nilai")]
                : [("Terlaksananya tugas \(jabatan)", "Jumlah dokumen hasil kerja yang diselesaikan", .kuantitas, 48, "dokumen"),
                   ("Meningkatnya kualitas layanan \(unit)", "Persentase hasil kerja tanpa revisi", .kualitas, 90, "persen")]
            for g in generic where plan.count < 2 {
                plan.append((.utama, g.0, SKP.IKI(text: g.1, dimension: g.2, targetValue: g.3, targetUnit: g.4)))
            }
            plan.append((.tambahan, "Terlaksananya tugas tambahan dari pimpinan",
                         SKP.IKI(text: "Jumlah tugas tambahan yang diselesaikan", dimension: jpt ? .penguatanInternal : .kuantitas,
                                 targetValue: 4, targetUnit: "kegiatan")))
            var mine: [UUID] = []
            for (i, (rk, text, iki)) in plan.enumerated() {
                let key = UUID()
                if rk == .utama { mine.append(key) }
                rAtasan.append(atasan ?? ""); rNIP.append(nip); rKey.append(key.uuidString); rPos.append(i); rKind.append(rk.rawValue); rText.append(text)
                // Every RHK of a non-JPT SKP cascades from one of the atasan's, the tambahan too, as an SKP
                // submitted over the API must (a demo SKP revised and submitted again passes the same rule).
                rParent.append(jpt || parents.isEmpty ? "" : parents[i % parents.count].uuidString)
                iNIP.append(nip); iRHK.append(key.uuidString); iKey.append(iki.key.uuidString); iText.append(iki.text)
                iDim.append(iki.dimension.rawValue); iTarget.append(iki.targetValue ?? 1); iUnit.append(iki.targetUnit ?? "")
                iAcc.append(iki.accumulation.rawValue); iTpl.append(iki.templateID ?? "")
                indicators.append((nip, iki.key, iki.targetValue ?? 1, iki.accumulation))
            }
            utamaOf[nip] = mine
        }
        guard !skpNIP.isEmpty else { return (0, 0) }
        try await query("""
            insert into skp (tenant_id, nip, year, revision, status, approach, jpt, atasan_nip, created_by)
            select \(tenant.uuid), n, \(year), 1, 'draft', 'kuantitatif', j, nullif(a, ''), \(actor) from unnest(\(skpNIP), \(skpJPT), \(skpAtasan)) as x(n, j, a)
            """)
        // Each RHK's foreign-key check is planned on statistics: let them know the SKPs just written.
        try await refreshBulkStatistics(["skp"])
        try await query("""
            insert into skp_rhk (tenant_id, nip, year, revision, rhk_key, position, kind, text, parent_nip, parent_key)
            select \(tenant.uuid), n, \(year), 1, k::uuid, p, kind, t, case when pk = '' then null else a end, nullif(pk, '')::uuid
            from unnest(\(rNIP), \(rKey), \(rPos), \(rKind), \(rText), \(rParent), \(rAtasan)) as x(n, k, p, kind, t, pk, a)
            """)
        try await refreshBulkStatistics(["skp_rhk"])
        try await query("""
            insert into skp_iki (tenant_id, nip, year, revision, rhk_key, iki_key, position, text, dimension, target_value,
                                 target_unit, accumulation, template_id)
            select \(tenant.uuid), n, \(year), 1, r::uuid, k::uuid, 0, t, d, v::numeric, u, a, nullif(tp, '')
            from unnest(\(iNIP), \(iRHK), \(iKey), \(iText), \(iDim), \(iTarget), \(iUnit), \(iAcc), \(iTpl)) as x(n, r, k, t, d, v, u, a, tp)
            """)
        try await refreshBulkStatistics(["skp_iki"])
        try await query("""
            update skp set status = 'approved', submitted_at = now(), decided_at = now(), decided_by = \(actor)
            where tenant_id = \(tenant.uuid) and year = \(year) and revision = 1
            """)

        // Realisasi for the periods that have ended, around each indicator's share of the target.
        var reported = 0
        if let until = realisasiUntil {
            let ended = try await periods(year: year).filter { $0.period.kind != .annual && $0.period.endsOn < until && $0.isOpen }
            let count = Double(max(1, try await periods(year: year).filter { $0.period.kind != .annual }.count))
            var n: [String] = [], k: [String] = [], pk: [String] = [], ps: [Int] = [], v: [Double] = []
            for p in ended {
                for i in indicators {
                    let share = i.acc == .sum ? i.target / count : i.target
                    n.append(i.nip); k.append(i.key.uuidString); pk.append(p.period.kind.rawValue); ps.append(p.period.sequence)
                    v.append((share * (0.7 + 0.5 * Double(rng.next() >> 11) / Double(1 << 53)) * 100).rounded() / 100)
                }
            }
            if !n.isEmpty {
                try await query("""
                    insert into realisasi (tenant_id, nip, year, iki_key, period_kind, period_seq, value, evidence, reported_by)
                    select \(tenant.uuid), n, \(year), k::uuid, pk, ps, v::numeric,
                           jsonb_build_array(jsonb_build_object('note', 'Laporan kegiatan (data demo)')), \(actor)
                    from unnest(\(n), \(k), \(pk), \(ps), \(v)) as x(n, k, pk, ps, v)
                    """)
            }
            reported = n.count
        }
        try await refreshBulkStatistics(["realisasi"])
        try await audit(actor: actor, action: "demo.skp", subject: String(year),
                        detail: ["skp": String(skpNIP.count), "realisasi": String(reported)])
        return (skpNIP.count, reported)
    }
}
