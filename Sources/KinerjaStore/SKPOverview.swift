public import Foundation
public import KinerjaCore
import PostgresNIO

/// One employee's line in a list of SKPs: where the plan stands and how far the year has come.
public struct SKPSummary: Sendable, Equatable {
    public var nip: String
    public var name: String
    public var jabatanName: String
    public var unitCode: String
    public var unitName: String
    /// The latest revision and its status; nil when the employee has no SKP for the year.
    public var revision: Int?
    public var status: SKP.Status?
    /// The approved revision, if any.
    public var revisionInForce: Int?
    public var capaian: Double?
    public var ikiCount: Int
    /// Indicators of the approved SKP with realisasi in the period asked about.
    public var ikiReported: Int
}

/// Which SKPs to list.
public struct SKPFilter: Sendable, Equatable {
    public var year: Int
    public var unitCode: String?
    public var status: SKP.Status?
    /// Only the direct reports of this atasan.
    public var directReportsOf: String?
    /// The period whose reporting is counted in `ikiReported`.
    public var period: SubPeriod?
    /// Employees without an SKP for the year are listed too (status nil), so that nobody is missed.
    public var includeMissing: Bool

    public init(year: Int, unitCode: String? = nil, status: SKP.Status? = nil, directReportsOf: String? = nil,
                period: SubPeriod? = nil, includeMissing: Bool = true) {
        self.year = year
        self.unitCode = unitCode
        self.status = status
        self.directReportsOf = directReportsOf
        self.period = period
        self.includeMissing = includeMissing
    }
}

/// One RHK in the cascade, with the RHK of the subordinates that intervene in it.
public struct CascadeNode: Sendable, Equatable {
    public var nip: String
    public var name: String
    public var jabatanName: String
    public var revision: Int
    public var status: SKP.Status
    public var rhk: SKP.RHK
    public var children: [CascadeNode]
}

extension TenantTransaction {
    /// SKPs of the city (or a unit, or an atasan's direct reports) for a year, with capaian, in NIP order.
    /// Three statements whatever the number of employees.
    public func skpSummaries(_ f: SKPFilter) async throws -> [SKPSummary] {
        var unitIDs: [UUID]? = nil
        if let code = f.unitCode { unitIDs = try await unitSubtree(code: code) }
        let rows = try await query("""
            select e.nip::text, e.name, e.jabatan_name, u.code, u.name, s.revision, s.status,
                   (select a.revision from skp a where a.tenant_id = e.tenant_id and a.nip = e.nip and a.year = \(f.year)
                     and a.status = 'approved')
            from employees e
            join org_units u on u.tenant_id = e.tenant_id and u.unit_id = e.unit_id
            left join lateral (select revision, status from skp s where s.tenant_id = e.tenant_id and s.nip = e.nip
                               and s.year = \(f.year) order by revision desc limit 1) s on true
            where e.tenant_id = \(tenant.uuid) and e.status = 'active'
              and (\(unitIDs)::uuid[] is null or e.unit_id = any(\(unitIDs)::uuid[]))
              and (\(f.directReportsOf)::text is null or e.atasan_nip = \(f.directReportsOf))
              and (\(f.status?.rawValue)::text is null or s.status = \(f.status?.rawValue))
              and (\(f.includeMissing) or s.status is not null)
            order by e.nip
            """)
        var out: [SKPSummary] = []
        for try await r in rows.decode((String, String, String, String, String, Int?, String?, Int?).self) {
            out.append(SKPSummary(nip: r.0, name: r.1, jabatanName: r.2, unitCode: r.3, unitName: r.4, revision: r.5,
                                  status: r.6.flatMap(SKP.Status.init(rawValue:)), revisionInForce: r.7, capaian: nil,
                                  ikiCount: 0, ikiReported: 0))
        }
        let inForce = out.filter { $0.revisionInForce != nil }.map(\.nip)
        guard !inForce.isEmpty else { return out }
        let contents = try await inForceContents(nips: inForce, year: f.year)
        var values: [String: [UUID: [(SubPeriod, Double)]]] = [:]
        var reported: [String: Set<UUID>] = [:]
        let rr = try await query("""
            select nip::text, iki_key, period_kind, period_seq, value::float8 from realisasi
            where tenant_id = \(tenant.uuid) and year = \(f.year) and nip = any(\(inForce)::text[])
            """)
        for try await (nip, key, kind, seq, value) in rr.decode((String, UUID, String, Int, Double?).self) {
            let p = SubPeriod(kind: EvaluationPeriod.Kind(rawValue: kind) ?? .monthly, sequence: seq)
            if let value { values[nip, default: [:]][key, default: []].append((p, value)) }
            if p == f.period { reported[nip, default: []].insert(key) }
        }
        for i in out.indices {
            guard let content = contents[out[i].nip] else { continue }
            let mine = (values[out[i].nip] ?? [:]).mapValues { $0.sorted { $0.0 < $1.0 }.map(\.1) }
            out[i].capaian = Capaian.summary(content, realisasi: mine).skp
            let keys = Set(content.allIKI.map(\.key))
            out[i].ikiCount = keys.count
            out[i].ikiReported = (reported[out[i].nip] ?? []).intersection(keys).count
        }
        return out
    }

    /// The approved content of many employees at once, by NIP.
    func inForceContents(nips: [String], year: Int) async throws -> [String: SKP.Content] {
        let rows = try await query("""
            select s.nip::text, s.approach, r.rhk_key, r.kind, r.text, r.parent_key, i.iki_key, i.text, i.dimension,
                   i.target_value::float8, i.target_unit, i.target_narrative, i.lower_is_better, i.accumulation, i.template_id
            from skp s
            join skp_rhk r on r.tenant_id = s.tenant_id and r.nip = s.nip and r.year = s.year and r.revision = s.revision
            left join skp_iki i on i.tenant_id = r.tenant_id and i.nip = r.nip and i.year = r.year and i.revision = r.revision
                               and i.rhk_key = r.rhk_key
            where s.tenant_id = \(tenant.uuid) and s.year = \(year) and s.status = 'approved' and s.nip = any(\(nips)::text[])
            order by s.nip, r.position, i.position
            """)
        var out: [String: SKP.Content] = [:]
        for try await r in rows.decode((String, String, UUID, String, String, UUID?, UUID?, String?, String?, Double?, String?,
                                        String?, Bool?, String?, String?).self) {
            var c = out[r.0] ?? SKP.Content(approach: SKP.Approach(rawValue: r.1) ?? .kuantitatif, rhk: [])
            Self.append(&c.rhk, rhk: (r.2, r.3, r.4, r.5), iki: (r.6, r.7, r.8, r.9, r.10, r.11, r.12, r.13, r.14))
            out[r.0] = c
        }
        return out
    }

    /// The cascade around one employee's SKP: from the top of their atasan chain down through the RHK their own
    /// RHK intervene in, their RHK, and below them every subordinate's RHK that intervenes in theirs. Each
    /// employee's approved SKP is used, or their latest revision before the first approval.
    public func skpTree(nip: String, year: Int, includeBelow: Bool = true) async throws -> [CascadeNode] {
        _ = try await requireEmployee(nip)
        let rows = try await query("""
            with recursive up as (
                select nip, atasan_nip, 0 as depth from employees where tenant_id = \(tenant.uuid) and nip = \(nip)
                union all
                select e.nip, e.atasan_nip, up.depth + 1 from employees e join up on e.nip = up.atasan_nip
                where e.tenant_id = \(tenant.uuid) and up.depth < 50
            ), down as (
                select nip, 0 as depth from employees where tenant_id = \(tenant.uuid) and atasan_nip = \(nip) and \(includeBelow)
                union all
                select e.nip, down.depth + 1 from employees e join down on e.atasan_nip = down.nip
                where e.tenant_id = \(tenant.uuid) and down.depth < 50
            ), people as (select nip from up union select nip from down),
            current as (
                select distinct on (s.nip) s.nip, s.revision, s.status from skp s join people p on p.nip = s.nip
                where s.tenant_id = \(tenant.uuid) and s.year = \(year) and s.status <> 'superseded'
                order by s.nip, (s.status = 'approved') desc, s.revision desc
            )
            select c.nip::text, e.name, e.jabatan_name, c.revision, c.status, r.rhk_key, r.kind, r.text, r.parent_key,
                   i.iki_key, i.text, i.dimension, i.target_value::float8, i.target_unit, i.target_narrative, i.lower_is_better
            from current c
            join employees e on e.tenant_id = \(tenant.uuid) and e.nip = c.nip
            join skp_rhk r on r.tenant_id = \(tenant.uuid) and r.nip = c.nip and r.year = \(year) and r.revision = c.revision
            left join skp_iki i on i.tenant_id = r.tenant_id and i.nip = r.nip and i.year = r.year and i.revision = r.revision
                               and i.rhk_key = r.rhk_key
            order by c.nip, r.position, i.position
            """)
        var nodes: [CascadeNode] = []
        var current: [SKP.RHK] = []
        for try await r in rows.decode((String, String, String, Int, String, UUID, String, String, UUID?, UUID?, String?, String?,
                                        Double?, String?, String?, Bool?).self) {
            if nodes.last?.rhk.key != r.5 || nodes.last?.nip != r.0 {
                current = []
                nodes.append(CascadeNode(nip: r.0, name: r.1, jabatanName: r.2, revision: r.3, status: SKP.Status(rawValue: r.4) ?? .draft,
                                         rhk: SKP.RHK(key: r.5, kind: .utama, text: "", iki: []), children: []))
            }
            Self.append(&current, rhk: (r.5, r.6, r.7, r.8), iki: (r.9, r.10, r.11, r.12, r.13, r.14, r.15, nil, nil))
            nodes[nodes.count - 1].rhk = current[current.count - 1]
        }
        return Self.cascade(nodes, focus: nip)
    }

    /// Links the nodes by parent key and keeps what concerns `focus`: the chain above its RHK and all below.
    /// A node is known by its employee and key; each appears once, so bad links cannot loop or multiply.
    static func cascade(_ nodes: [CascadeNode], focus: String) -> [CascadeNode] {
        struct ID: Hashable { var nip: String; var key: UUID }
        let byKey = Dictionary(nodes.map { ($0.rhk.key, $0) }, uniquingKeysWith: { a, _ in a })
        let childrenOf = Dictionary(grouping: nodes.filter { n in
            n.rhk.parentKey.map { p in p != n.rhk.key && byKey[p] != nil } ?? false
        }, by: { $0.rhk.parentKey! })
        // Keys on the path above the focus's RHK.
        var above = Set<UUID>()
        for n in nodes where n.nip == focus {
            var parent = n.rhk.parentKey
            while let p = parent, let node = byKey[p], above.insert(p).inserted { parent = node.rhk.parentKey }
        }
        var placed = Set<ID>()
        func build(_ n: CascadeNode, below: Bool) -> CascadeNode? {
            let inFocus = below || n.nip == focus
            guard inFocus || above.contains(n.rhk.key), placed.insert(ID(nip: n.nip, key: n.rhk.key)).inserted else { return nil }
            var copy = n
            copy.children = (childrenOf[n.rhk.key] ?? []).compactMap { build($0, below: inFocus) }
            return copy
        }
        let roots = nodes.filter { n in n.rhk.parentKey.map { p in p == n.rhk.key || byKey[p] == nil } ?? true }
        // The cascade from above first; the focus's own RHK that link to nothing (tambahan, or not yet linked) last.
        let ordered = roots.filter { $0.nip != focus } + roots.filter { $0.nip == focus }
        return ordered.compactMap { build($0, below: false) }
    }
}
