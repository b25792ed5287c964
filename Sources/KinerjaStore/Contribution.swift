public import Foundation
public import KinerjaCore
import PostgresNIO

/// An agency goal, the top of a cascade (an RHK utama with none above it, usually the kepala OPD's), with what the
/// RHK that intervene in it, at any depth below, achieved in the period's evaluation.
public struct GoalContribution: Sendable, Equatable {
    public var goalKey: UUID
    public var ownerNIP: String
    public var ownerName: String
    /// The OPD (top unit) of the goal's owner.
    public var opdCode: String
    public var text: String
    /// False when the cascade stops here only because the RHK above is in an SKP not approved for the year.
    public var isTop: Bool
    /// The owner's own capaian on this RHK.
    public var ownCapaian: Double?
    /// Employees below the owner with at least one RHK in this goal's cascade, and how many RHK that is.
    public var contributors: Int
    public var rhkCount: Int
    /// The mean capaian of those RHK (the ones with a capaian).
    public var meanCapaian: Double?
}

/// One of an employee's RHK with its capaian and the chain of RHK above it up to the agency goal.
public struct RHKContribution: Sendable, Equatable {
    public var rhkKey: UUID
    public var kind: String
    public var text: String
    public var capaian: Double?
    /// The RHK texts from this one up to the goal (the first is this RHK; the last the goal's).
    public var path: [String]
    public var goalKey: UUID
    public var goalOwnerNIP: String
    public var goalOwnerName: String
    public var goalIsTop: Bool

    /// A tugas tambahan that links to nothing above: it is no part of the cascade and has no goal.
    public var outsideTheCascade: Bool { kind == "tambahan" && path.count == 1 && goalIsTop }
}

extension TenantTransaction {
    /// Every RHK of the year's approved SKPs with the agency goal at the top of its cascade and the capaian the
    /// period's evaluation computed for it (nil before `evaluate run`, or without realisasi), as the CTE `c`,
    /// followed by `tail`, which binds nothing: the NIP and unit code asked for are the CTE `arg` (nip, unit).
    func contributionStatement(year: Int, period: SubPeriod, nip: String? = nil, unitCode: String? = nil, tail: String) -> PostgresQuery {
        """
            with recursive arg as (
                select \(nip)::text as nip, \(unitCode)::text as unit
            ), up as (
                select unit_id, unit_id as top, parent_id from org_units where tenant_id = \(tenant.uuid)
                union all
                select up.unit_id, p.unit_id, p.parent_id from up join org_units p on p.tenant_id = \(tenant.uuid) and p.unit_id = up.parent_id
            ), opd as (
                select up.unit_id, u.code from up join org_units u on u.tenant_id = \(tenant.uuid) and u.unit_id = up.top
                where up.parent_id is null
            ), rhk as (
                -- The RHK asked about: one employee's, or all of the city's approved SKPs for the year.
                select r.nip, r.rhk_key, r.kind, r.text, r.parent_nip, r.parent_key
                from skp s join skp_rhk r on r.tenant_id = s.tenant_id and r.nip = s.nip and r.year = s.year and r.revision = s.revision
                where s.tenant_id = \(tenant.uuid) and s.year = \(year) and s.status = 'approved'
                  \(unescaped: nip == nil ? "" : "and s.nip = (select nip from arg)")
            ), chain as (
                -- Up the cascade, each step by the parent's owner and key into the owner's approved SKP.
                select k.rhk_key as start, k.nip as cur_nip, k.rhk_key as cur, k.kind as cur_kind, k.text as cur_text,
                       k.parent_nip, k.parent_key, array[k.text] as path, 0 as depth
                from rhk k
                union all
                select c.start, p.nip, p.rhk_key, p.kind, p.text, p.parent_nip, p.parent_key, c.path || p.text, c.depth + 1
                from chain c
                join skp s on s.tenant_id = \(tenant.uuid) and s.nip = c.parent_nip and s.year = \(year) and s.status = 'approved'
                join skp_rhk p on p.tenant_id = \(tenant.uuid) and p.nip = s.nip and p.year = \(year) and p.revision = s.revision
                              and p.rhk_key = c.parent_key
                where c.depth < 50
            ), top as (
                select distinct on (start) start, cur_nip as goal_nip, cur as goal_key, cur_kind as goal_kind, cur_text as goal_text,
                       parent_key is null as is_top, path
                from chain order by start, depth desc
            ), capaian as (
                select e.nip, k.key::uuid as rhk_key, (v.val #>> '{}')::float8 as capaian
                from evaluations e
                cross join lateral jsonb_array_elements_text(e.explanation -> 'capaian' -> 'rhk' -> 'keys') with ordinality as k(key, i)
                join lateral jsonb_array_elements(e.explanation -> 'capaian' -> 'rhk' -> 'capaian') with ordinality as v(val, j) on v.j = k.i
                where e.tenant_id = \(tenant.uuid) and e.year = \(year) and e.period_kind = \(period.kind.rawValue)
                  and e.period_seq = \(period.sequence) \(unescaped: nip == nil ? "" : "and e.nip = (select nip from arg)")
            ), c as (
                select r.nip, r.rhk_key, r.kind, r.text, cp.capaian, t.path, t.goal_key, t.is_top, t.goal_nip,
                       ge.name as goal_name, o.code as goal_opd, t.goal_text, t.goal_kind
                from rhk r join top t on t.start = r.rhk_key
                join employees ge on ge.tenant_id = \(tenant.uuid) and ge.nip = t.goal_nip
                join opd o on o.unit_id = ge.unit_id
                left join capaian cp on cp.nip = r.nip and cp.rhk_key = r.rhk_key
            )
            \(unescaped: tail)
            """
    }

    /// The agency goals of the year (optionally of one OPD) and what the cascade below each achieved in the
    /// period's evaluation. Ordered by OPD, then by the goal owner and text.
    public func goalContributions(year: Int, period: SubPeriod, unitCode: String? = nil) async throws -> [GoalContribution] {
        if let unitCode { _ = try await requireOPD(unitCode) }
        let rows = try await query(contributionStatement(year: year, period: period, unitCode: unitCode, tail: """
            select goal_key, goal_nip::text, goal_name, goal_opd, goal_text, bool_and(is_top),
                   max(capaian) filter (where nip = goal_nip),
                   (count(distinct nip) filter (where nip <> goal_nip))::int, (count(*) filter (where nip <> goal_nip))::int,
                   avg(capaian) filter (where nip <> goal_nip)
            -- Tugas tambahan stand outside the cascade: they are no agency goal.
            from c where goal_kind = 'utama' and ((select unit from arg) is null or goal_opd = (select unit from arg))
            group by goal_key, goal_nip, goal_name, goal_opd, goal_text
            order by goal_opd, goal_nip, goal_text
            """))
        var out: [GoalContribution] = []
        for try await r in rows.decode((UUID, String, String, String, String, Bool, Double?, Int, Int, Double?).self) {
            out.append(GoalContribution(goalKey: r.0, ownerNIP: r.1, ownerName: r.2, opdCode: r.3, text: r.4, isTop: r.5,
                                        ownCapaian: r.6, contributors: r.7, rhkCount: r.8, meanCapaian: r.9))
        }
        return out
    }

    /// How many people below each OPD's agency goals stand behind the goals' mean capaian (an RHK with a
    /// capaian that intervenes in one of them), each counted once however many goals they serve (a sum over
    /// the goals counts a person once per goal; someone without a capaian adds nothing to the mean).
    public func goalContributorsByOPD(year: Int, period: SubPeriod) async throws -> [String: Int] {
        let rows = try await query(contributionStatement(year: year, period: period, unitCode: nil, tail: """
            select goal_opd, (count(distinct nip) filter (where nip <> goal_nip and capaian is not null))::int
            from c where goal_kind = 'utama' group by goal_opd
            """))
        var out: [String: Int] = [:]
        for try await (opd, n) in rows.decode((String, Int).self) { out[opd] = n }
        return out
    }

    /// One employee's RHK of the year, each with its capaian in the period's evaluation and its path up to the
    /// agency goal; RHK utama first, then by text and key (a whole order, so that pages neither skip nor repeat).
    public func employeeContribution(nip: String, year: Int, period: SubPeriod) async throws -> [RHKContribution] {
        _ = try await requireEmployee(nip)
        let rows = try await query(contributionStatement(year: year, period: period, nip: nip, tail: """
            select rhk_key, kind, text, capaian, path, goal_key, goal_nip::text, goal_name, is_top
            from c where nip = (select nip from arg)
            order by kind desc, text, rhk_key
            """))
        var out: [RHKContribution] = []
        for try await r in rows.decode((UUID, String, String, Double?, [String], UUID, String, String, Bool).self) {
            out.append(RHKContribution(rhkKey: r.0, kind: r.1, text: r.2, capaian: r.3, path: r.4, goalKey: r.5, goalOwnerNIP: r.6,
                                       goalOwnerName: r.7, goalIsTop: r.8))
        }
        return out
    }
}
