public import Foundation
public import KinerjaCore
import PostgresNIO

/// One employee's evaluation for a period: the figures, the proposed and confirmed ratings, the predikat, and
/// the explanation as stored.
public struct Evaluation: Sendable, Equatable {
    public var nip: String
    public var year: Int
    public var period: SubPeriod
    public var skpRevision: Int?
    public var capaian: Double?
    public var behaviourScore: Double?
    public var proposedHasil: Rating?
    public var proposedPerilaku: Rating?
    public var ratingHasil: Rating?
    public var ratingPerilaku: Rating?
    /// The 2022 predikat (nil under a numeric regime: see ``predikatText``).
    public var predikat: Predikat?
    /// The predikat as stored, whatever the regime (PP 30/2019 and PP 46/2011 have Cukup, Buruk, ...).
    public var predikatText: String?
    /// The regime it was computed under, and its figure under a numeric one (nilai kinerja or nilai prestasi).
    public var regime: String = TenantProfile.RatingRegime.Regime.permenpanrb2022.rawValue
    public var nilai: Double?
    public var status: String
    public var changeReason: String?
    /// The explanation as stored: inputs, each step with its rule and value, the profile version.
    public var explanation: String
    public var profileVersion: Int
    public var confirmedBy: String?
    /// Heads the OPD: rating hasil kerja is the organisation's predikat.
    public var isHead: Bool = false
}

extension TenantTransaction {
    /// Proposes ratings and predikat for every active employee with an approved SKP for the year, in a few
    /// set-based statements: capaian from the approved SKP and its realisasi (up to the period), the weighted
    /// 360 score of the period, the profile's bands, and the matrix; the head of an OPD takes the organisation's
    /// predikat as rating hasil kerja. Rows the atasan confirmed, or that are final, are left as they are.
    /// Returns how many were proposed and how many employees had no approved SKP.
    /// `progress` hears each step as it begins, for a long run's command line.
    public func runEvaluation(year: Int, period: SubPeriod, profile: TenantProfile, profileVersion: Int,
                              actor: String, progress: @Sendable (String) -> Void = { _ in }) async throws -> (proposed: Int, withoutSKP: Int) {
        try requireEvaluated(period, profile: profile)
        guard try await lockPeriod(year: year, period, annualAllowed: true) else {
            throw StoreError.state("period \(period) of \(year) is closed: reopen it to evaluate again")
        }
        // The complaint hook's realisasi, brought up to date first: a complaint not followed up becomes overdue
        // as days pass, with no new import to say so.
        if profile.hooks.contains(Self.complaintHook), profile.complaints?.indicator != nil {
            progress("the complaint hook: realisasi of \(profile.complaints?.indicator ?? "") from the complaints")
            let end = try await periods(year: year).map(\.period)
                .first { $0.kind == period.kind && (period.kind == .annual || $0.sequence == period.sequence) }?.endsOn
            try await refreshComplaintHook(year: year, through: end, profile: profile, actor: actor)
        }
        try await prepareSetBased()
        let runID = try await recordRun(year: year, period: period, profile: profile, profileVersion: profileVersion, actor: actor)
        // Two statements. The first computes every proposal into a scratch table that ends with the transaction:
        // CREATE TABLE AS may run its query with parallel workers, which an INSERT (or a data-modifying CTE)
        // never does, and the cheaper parallel costs below let the planner choose them for the large scans and
        // aggregates. The second writes the proposals and counts them.
        try await query("set local parallel_setup_cost = 100")
        try await query("set local parallel_tuple_cost = 0.01")
        try await query("set local max_parallel_workers_per_gather = 2")
        progress("computing the proposals: capaian from the realisasi, the 360 scores, ratings and predikat")
        try await query(proposalStatement(year: year, period: period, profile: profile, profileVersion: profileVersion,
                                          runID: runID, then: "select * from result", into: "evaluation_scratch"))
        progress("writing the proposals that changed")
        let rows = try await query("""
            with stored as (
                insert into evaluations (tenant_id, year, period_kind, period_seq, nip, skp_revision, capaian, behaviour_score,
                                         proposed_hasil, proposed_perilaku, rating_hasil, rating_perilaku, predikat, explanation,
                                         profile_version, computed_at, opd_id, is_head, nilai, regime, run_id)
                select tenant_id, year, period_kind, period_seq, nip, skp_revision, capaian, behaviour_score, hasil, perilaku,
                       hasil, perilaku, predikat, explanation, profile_version, now(), opd_id, is_head, nilai, regime, run_id
                from evaluation_scratch r
                -- An OPD whose results are final takes no new proposals until it is reopened.
                where not exists (select 1 from opd_finalizations f where f.tenant_id = r.tenant_id and f.year = r.year
                                  and f.period_kind = r.period_kind and f.period_seq = r.period_seq and f.unit_id = r.opd_id)
                on conflict (tenant_id, year, period_kind, period_seq, nip) do update set
                    skp_revision = excluded.skp_revision, capaian = excluded.capaian, behaviour_score = excluded.behaviour_score,
                    proposed_hasil = excluded.proposed_hasil, proposed_perilaku = excluded.proposed_perilaku,
                    rating_hasil = excluded.rating_hasil, rating_perilaku = excluded.rating_perilaku, predikat = excluded.predikat,
                    explanation = excluded.explanation, profile_version = excluded.profile_version, computed_at = now(),
                    opd_id = excluded.opd_id, is_head = excluded.is_head, nilai = excluded.nilai, regime = excluded.regime,
                    run_id = excluded.run_id
                -- A proposal the run leaves as it was is not written again (it keeps the run that made it, whose
                -- rules are the same profile version's): a run after a few corrections rewrites only what moved.
                where evaluations.status = 'proposed'
                  and (evaluations.skp_revision, evaluations.capaian, evaluations.behaviour_score, evaluations.proposed_hasil,
                       evaluations.proposed_perilaku, evaluations.rating_hasil, evaluations.rating_perilaku, evaluations.predikat,
                       evaluations.explanation, evaluations.profile_version, evaluations.opd_id, evaluations.is_head,
                       evaluations.nilai, evaluations.regime)
                      is distinct from
                      (excluded.skp_revision, excluded.capaian, excluded.behaviour_score, excluded.proposed_hasil,
                       excluded.proposed_perilaku, excluded.rating_hasil, excluded.rating_perilaku, excluded.predikat,
                       excluded.explanation, excluded.profile_version, excluded.opd_id, excluded.is_head,
                       excluded.nilai, excluded.regime)
                returning 1
            )
            -- Every proposal standing after the run, written now or unchanged (not the confirmed or final ones).
            select count(*) from evaluation_scratch r
            where not exists (select 1 from opd_finalizations f where f.tenant_id = r.tenant_id and f.year = r.year
                              and f.period_kind = r.period_kind and f.period_seq = r.period_seq and f.unit_id = r.opd_id)
              and not exists (select 1 from evaluations e where e.tenant_id = r.tenant_id and e.year = r.year
                              and e.period_kind = r.period_kind and e.period_seq = r.period_seq and e.nip = r.nip
                              and e.status <> 'proposed')
            """)
        var proposed = 0
        for try await n in rows.decode(Int.self) { proposed = n }
        let missing = try await query("""
            select count(*) from employees e where e.tenant_id = \(tenant.uuid) and e.status = 'active'
              and not exists (select 1 from skp s where s.tenant_id = e.tenant_id and s.nip = e.nip and s.year = \(year) and s.status = 'approved')
            """)
        var withoutSKP = 0
        for try await n in missing.decode(Int.self) { withoutSKP = n }
        progress("\(proposed) proposals stand; recording the run")
        try await audit(actor: actor, action: "evaluate.run", subject: "\(year)/\(period)",
                        detail: ["proposed": String(proposed), "without_skp": String(withoutSKP), "profile_version": String(profileVersion)])
        return (proposed, withoutSKP)
    }

    func numericRule(_ profile: TenantProfile) -> String {
        let at100 = profile.rating.nilaiAt100 ?? 109, scaleMax = profile.ratingProposalOrDefault.scaleMax
        switch profile.rating.regime {
        case .pp30of2019:
            return "PP 30/2019: nilai capaian per IKI (0-59: C/59x49; 60-79: 50+(C-60); 80-99: 70+(C-80); 100: \(Step.format(at100)); "
                + "100-110: straight line to 120; above 110: 120), mean per RHK, mean of RHK utama; perilaku = 360 score / "
                + "\(Step.format(scaleMax)) x 100; nilai = \(profile.rating.skpWeight)/\(100 - profile.rating.skpWeight) (60/40 with peers "
                + "and bawahan); Baik 90-120 (Sangat Baik needs an innovation, not recorded), Cukup 70, Kurang 50, Sangat Kurang below"
        case .pp46of2011:
            return "PP 46/2011: per IKI its aspect (kuantitas, kualitas: R/T x 100; waktu, biaya: efficiency rule at 24%; realisasi 0 "
                + "scores 0; biaya without budget skipped), activity (RHK) = mean of its aspects, SKP = mean of RHK utama; perilaku = "
                + "360 score / \(Step.format(scaleMax)) x 100; nilai prestasi = 60% SKP + 40% perilaku; Sangat Baik 91, Baik 76, "
                + "Cukup 61, Kurang 51, Buruk below"
        case .permenpanrb2022:
            return ""
        }
    }

    /// Refuses a period the city does not evaluate: the months or quarters of a city whose profile evaluates
    /// the year alone (`periods.evaluation: annual`).
    func requireEvaluated(_ period: SubPeriod, profile: TenantProfile) throws {
        if let why = profile.periods.refusal(of: period.description, kind: period.kind) { throw StoreError.invalid(why) }
    }

    /// Records a run and what holds for all of its results: regime, profile version, rules, weights, bands.
    func recordRun(year: Int, period: SubPeriod, profile: TenantProfile, profileVersion: Int, actor: String) async throws -> Int64 {
        let w = profile.behaviour360, bands = profile.ratingProposalOrDefault
        var rules: [String: String] = [
            "capaian": "IKI: realisasi / target x 100 (lower is better: (1 + (1 - realisasi / target)) x 100; a summed IKI in a month "
                + "or quarter: against the share of the year's target up to it); RHK: mean of its IKI; "
                + "SKP: mean of its RHK utama",
            "behaviour": "score: atasan / peer / bawahan weighted \(w.atasan)/\(w.peer)/\(w.subordinate) (no bawahan: \(w.atasan)/"
                + "\(w.peerWithoutSubordinates)); peers and bawahan count from \(max(1, w.minimumPeers)) answers; each source is the mean "
                + "of its raters' ratings; the atasan is the current one",
        ]
        switch profile.rating.regime {
        case .permenpanrb2022:
            rules["ratings"] = "hasil kerja from capaian: Di Atas from \(Step.format(bands.hasilKerja.diAtas)), Sesuai from "
                + "\(Step.format(bands.hasilKerja.sesuai)); perilaku from the score: Di Atas from \(Step.format(bands.perilaku.diAtas)), "
                + "Sesuai from \(Step.format(bands.perilaku.sesuai)); predikat from the PermenPANRB 6/2022 matrix"
            rules["head"] = "heads the organisation: rating hasil kerja is the organisation's result (Istimewa: Di Atas; Baik: Sesuai; lower: Di Bawah)"
        case .pp30of2019, .pp46of2011:
            rules["numeric"] = numericRule(profile)
        }
        let constants: [String: Any] = [
            "regime": profile.rating.regime.rawValue, "profileVersion": profileVersion, "rules": rules,
            "weights": ["atasan": w.atasan, "peer": w.peer, "bawahan": w.subordinate, "peerWithoutBawahan": w.peerWithoutSubordinates,
                        "minimum": max(1, w.minimumPeers)],
            "bands": ["hasilKerja": ["diAtas": bands.hasilKerja.diAtas, "sesuai": bands.hasilKerja.sesuai],
                      "perilaku": ["diAtas": bands.perilaku.diAtas, "sesuai": bands.perilaku.sesuai]],
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: constants, options: [.sortedKeys]), as: UTF8.self)
        let rows = try await query("""
            insert into evaluation_runs (tenant_id, year, period_kind, period_seq, profile_version, regime, rules, run_by)
            values (\(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), \(profileVersion),
                    \(profile.rating.regime.rawValue), \(json)::jsonb, \(actor))
            returning run_id
            """)
        for try await id in rows.decode(Int64.self) { return id }
        throw StoreError.database("the evaluation run was not recorded")
    }

    /// Settings for the statements that join whole sets (all SKPs, all realisasi of a city), this transaction
    /// only: the memory to sort and hash them without spilling to disk, and hash joins, never row-by-row loops
    /// or merge joins that a misjudged row estimate (CTEs, stale statistics) would choose.
    func prepareSetBased() async throws {
        try await query("set local work_mem = '128MB'")
        try await query("set local enable_nestloop = off")
        try await query("set local enable_mergejoin = off")
        // Groupings hash rather than sort: row estimates under row-level security are too low to choose well.
        try await query("set local enable_sort = off")
    }

    /// The statement that computes every proposal of the period under `profile` as the CTE `result` (one row
    /// per employee with an approved SKP: tenant_id, year, period_kind, period_seq, nip, opd_id, is_head,
    /// skp_revision, capaian, behaviour_score, hasil, perilaku, predikat, explanation, profile_version),
    /// followed by `then`, which reads `result` and binds nothing.
    func proposalStatement(year: Int, period: SubPeriod, profile: TenantProfile, profileVersion: Int, runID: Int64?,
                           then tail: String, into scratch: String? = nil) -> PostgresQuery {
        let w = profile.behaviour360
        let bands = profile.ratingProposalOrDefault
        let minimum = max(1, w.minimumPeers)
        // The matrix and the head's rule, from the core's own functions, as rows to join.
        let pairs = Rating.allCases.flatMap { h in Rating.allCases.map { p in (h, p) } }
        let mh = pairs.map(\.0.rawValue), mp = pairs.map(\.1.rawValue)
        let mr = pairs.map { Predikat(hasilKerja: $0.0, perilakuKerja: $0.1).rawValue }
        let orgs = PredikatOrganisasi.allCases.map(\.rawValue), orgHasil = PredikatOrganisasi.allCases.map(\.headRatingHasil.rawValue)
        // A numeric regime (PP 30/2019, PP 46/2011) scores each indicator, then the SKP and perilaku as figures;
        // the 2022 matrix rates them. The SQL of each is chosen here; its figures are numbers from the profile.
        let regime = profile.rating.regime
        let numeric = regime != .permenpanrb2022
        let annual = period.kind == .annual
        // The share of the year a month or quarter evaluation covers: a summed indicator's target is the year's,
        // so up to Q2 it is measured against half of it (as the month's TPP capaian is), not the whole.
        let covered = period.shareOfYear
        let at100 = profile.rating.nilaiAt100 ?? 109
        let scaleMax = profile.ratingProposalOrDefault.scaleMax
        let n30 = regime != .pp30of2019 ? "null::float8" : """
            case when c is null then null when c < 60 then c / 59 * 49 when c < 80 then 50 + (c - 60)
                 when c < 100 then 70 + (c - 80) when c = 100 then \(at100)
                 when c <= 110 then \(at100) + (120 - \(at100)) * (c - 100) / 10 else 120 end
            """
        let a46 = regime != .pp46of2011 ? "null::float8" : """
            case when t is null or r is null or t <= 0 then null when r = 0 then 0
                 when dim in ('waktu', 'biaya') then
                      case when 100 - r / t * 100 <= 24 then (1.76 * t - r) / t * 100 else 76 - (((1.76 * t - r) / t * 100) - 100) end
                 else r / t * 100 end
            """
        // The mean of a regime's own figure per RHK and of RHK utama per SKP; no aggregate for another regime's.
        func mean(_ column: String, utama: Bool = false) -> String {
            guard (column == "n30" && regime == .pp30of2019) || (column == "a46" && regime == .pp46of2011) else { return "null::float8" }
            return utama ? "avg(\(column) order by rhk_key) filter (where kind = 'utama')" : "avg(\(column))"
        }
        let perilaku100 = "s.score / \(scaleMax) * 100"
        let nilai: String
        let numericPredikat: String
        switch regime {
        case .pp30of2019:
            let w = "(case when s.use_peer and s.use_bawahan then 60 else \(profile.rating.skpWeight) end)"
            nilai = "(c.n30 * \(w) + \(perilaku100) * (100 - \(w))) / 100"
            numericPredikat = "case when p.nilai is null then null when p.nilai >= 90 then 'Baik' when p.nilai >= 70 then 'Cukup' when p.nilai >= 50 then 'Kurang' else 'Sangat Kurang' end"
        case .pp46of2011:
            nilai = "(c.a46 * 60 + \(perilaku100) * 40) / 100"
            numericPredikat = "case when p.nilai is null then null when p.nilai >= 91 then 'Sangat Baik' when p.nilai >= 76 then 'Baik' when p.nilai >= 61 then 'Cukup' when p.nilai >= 51 then 'Kurang' else 'Buruk' end"
        case .permenpanrb2022:
            nilai = "null::float8"
            numericPredikat = "m.r"
        }
        // Into a scratch table (temporary, dropped at commit) when asked: see runEvaluation.
        let create = scratch.map { "create temp table \($0) on commit drop as\n" } ?? ""
        return """
            \(unescaped: create)with recursive up as (
                select unit_id, unit_id as top, parent_id from org_units where tenant_id = \(tenant.uuid)
                union all
                select up.unit_id, p.unit_id, p.parent_id from up join org_units p on p.tenant_id = \(tenant.uuid) and p.unit_id = up.parent_id
            ), opd as (
                select unit_id, top from up where parent_id is null
            ), skps as (
                -- The head of an OPD: a structural post in its top unit, with no atasan or an atasan outside the OPD.
                select s.nip, s.revision, eo.top as opd_id,
                       (e.jabatan_kind = 'struktural' and e.unit_id = eo.top and (a.nip is null or ao.top is distinct from eo.top)) as is_head
                from skp s join employees e on e.tenant_id = s.tenant_id and e.nip = s.nip
                join opd eo on eo.unit_id = e.unit_id
                left join employees a on a.tenant_id = e.tenant_id and a.nip = e.atasan_nip
                left join opd ao on ao.unit_id = a.unit_id
                where s.tenant_id = \(tenant.uuid) and s.year = \(year) and s.status = 'approved' and e.status = 'active'
            ), totals as (
                -- Every indicator's realisasi figures of the year up to the period: their sum, their mean, and the
                -- last period's figure (the greatest [period, value] pair: one realisasi per period).
                select x.nip, x.iki_key, sum(x.value) as s, avg(x.value) as a, max(array[x.period_seq::numeric, x.value]) as l
                from realisasi x
                where x.tenant_id = \(tenant.uuid) and x.year = \(year) and x.value is not null
                  and (\(annual) or (x.period_kind = \(period.kind.rawValue) and x.period_seq <= \(period.sequence)))
                group by x.nip, x.iki_key
            ), ikis as (
                -- Every indicator of the approved SKPs with its realisasi figures up to the period. Each step below is
                -- read once, so the planner folds them into one pass over the indicators (an employee no longer
                -- active drops out at the join with skps).
                select s.nip, s.revision, r.rhk_key, r.kind,
                       i.target_value::float8 * (case i.accumulation when 'sum' then \(covered)::float8 else 1 end) as t,
                       i.lower_is_better as lib,
                       i.dimension as dim,
                       (case i.accumulation when 'sum' then x.s when 'average' then x.a else x.l[2] end)::float8 as r
                from skp s
                join skp_rhk r on r.tenant_id = \(tenant.uuid) and r.nip = s.nip and r.year = \(year) and r.revision = s.revision
                join skp_iki i on i.tenant_id = \(tenant.uuid) and i.nip = s.nip and i.year = \(year) and i.revision = s.revision
                              and i.rhk_key = r.rhk_key
                left join totals x on x.nip = i.nip and x.iki_key = i.iki_key
                where s.tenant_id = \(tenant.uuid) and s.year = \(year) and s.status = 'approved'
            ), iki_raw as (
                select i.nip, i.revision, i.rhk_key, i.kind, i.dim, i.t, i.r,
                       -- Settled to the millionth of a percent: 13.2 of a target of 12 is 110, not the
                       -- 109.99999999999999 of floating point, which would fall below the Di Atas band.
                       case when i.r is null or i.t is null then null
                            when i.t = 0 then case when i.lib then case when i.r <= 0 then 100.0 else 0.0 end end
                            else round(greatest(0, (case when i.lib then 2 - i.r / i.t else i.r / i.t end) * 100)::numeric, 6)::float8 end as c
                from ikis i
            ), iki_capaian as (
                select nip, revision, rhk_key, kind, c, \(unescaped: n30) as n30, \(unescaped: a46) as a46 from iki_raw
            ), rhk_capaian as (
                select nip, revision, rhk_key, kind, round(avg(c)::numeric, 6)::float8 as c, \(unescaped: mean("n30")) as n30,
                       \(unescaped: mean("a46")) as a46
                from iki_capaian group by nip, revision, rhk_key, kind
            ), skp_capaian as (
                -- In RHK key order: the explanation's arrays (and the float sums) come out the same on every run
                -- whatever the plan, so a run again compares equal where nothing moved.
                select nip, min(revision) as revision, round((avg(c order by rhk_key) filter (where kind = 'utama'))::numeric, 6)::float8 as c,
                       \(unescaped: mean("n30", utama: true)) as n30, \(unescaped: mean("a46", utama: true)) as a46,
                       jsonb_build_object('keys', array_agg(rhk_key order by rhk_key), 'kinds', array_agg(kind order by rhk_key),
                                          'capaian', array_agg(c order by rhk_key)) as rhk
                from rhk_capaian group by nip
            ), per_rater as (
                -- Each rater who answered, with their mean over the seven values. The atasan's rating is the
                -- current atasan's (a former one's, after a move, does not count).
                select b.ratee_nip as nip, b.source, b.mean as m
                from behaviour_raters b
                join employees r on r.tenant_id = \(tenant.uuid) and r.nip = b.ratee_nip
                where b.tenant_id = \(tenant.uuid) and b.year = \(year) and b.period_kind = \(period.kind.rawValue)
                  and b.period_seq = \(period.sequence) and b.mean is not null and b.source <> 'self'
                  and (b.source <> 'atasan' or r.atasan_nip = b.rater_nip)
            ), sources as (
                select nip, max(m) filter (where source = 'atasan') as atasan,
                       avg(m) filter (where source = 'peer') as peer, count(*) filter (where source = 'peer') as peers,
                       avg(m) filter (where source = 'bawahan') as bawahan, count(*) filter (where source = 'bawahan') as bawahans
                from per_rater group by nip
            ), behaviour as (
                select nip, atasan, peer, peers, bawahan, bawahans,
                       peers >= \(minimum) as use_peer, bawahans >= \(minimum) and \(w.subordinate) > 0 as use_bawahan
                from sources
            ), scored as (
                select b.*,
                       case when atasan is null then null
                            when use_peer and use_bawahan
                                 then (atasan * \(w.atasan) + peer * \(w.peer) + bawahan * \(w.subordinate)) / \(w.atasan + w.peer + w.subordinate)::float8
                            when use_peer then (atasan * \(w.atasan) + peer * \(w.peerWithoutSubordinates)) / \(w.atasan + w.peerWithoutSubordinates)::float8
                            when use_bawahan then (atasan * \(w.atasan) + bawahan * \(w.subordinate)) / \(w.atasan + w.subordinate)::float8
                            else atasan end as score
                from behaviour b
            ), orgmap as (
                select * from unnest(\(orgs)::text[], \(orgHasil)::text[]) as o(org, hasil)
            ), proposals as (
                select k.nip, k.opd_id, k.is_head, op.predikat as org_predikat, c.revision, c.c as capaian, s.score, c.rhk,
                       s.atasan, s.peer, s.peers, s.bawahan, s.bawahans, s.use_peer, s.use_bawahan,
                       coalesce(c.n30, c.a46) as nilai_skp, \(unescaped: nilai) as nilai,
                       case when \(numeric) then null when k.is_head then om.hasil
                            when c.c is null then null when c.c >= \(bands.hasilKerja.diAtas) then 'Di Atas Ekspektasi'
                            when c.c >= \(bands.hasilKerja.sesuai) then 'Sesuai Ekspektasi' else 'Di Bawah Ekspektasi' end as hasil,
                       case when \(numeric) or s.score is null then null when round(s.score::numeric, 6) >= \(bands.perilaku.diAtas) then 'Di Atas Ekspektasi'
                            when round(s.score::numeric, 6) >= \(bands.perilaku.sesuai) then 'Sesuai Ekspektasi' else 'Di Bawah Ekspektasi' end as perilaku
                from skps k join skp_capaian c on c.nip = k.nip left join scored s on s.nip = k.nip
                left join org_predikat op on op.tenant_id = \(tenant.uuid) and op.year = \(year) and op.period_kind = \(period.kind.rawValue)
                     and op.period_seq = \(period.sequence) and op.unit_id = k.opd_id
                left join orgmap om on om.org = op.predikat
            ), matrix as (
                select * from unnest(\(mh)::text[], \(mp)::text[], \(mr)::text[]) as m(h, p, r)
            ), result as (
                select \(tenant.uuid)::uuid as tenant_id, \(year)::integer as year, \(period.kind.rawValue)::text as period_kind,
                       \(period.sequence)::integer as period_seq, p.nip, p.opd_id, p.is_head, p.revision as skp_revision,
                       p.capaian, p.score as behaviour_score, p.hasil, p.perilaku, \(unescaped: numericPredikat) as predikat,
                       p.nilai, \(regime.rawValue)::text as regime,
                       jsonb_build_object(
                           'skpRevision', p.revision,
                           'capaian', jsonb_build_object('skp', p.capaian, 'rhk', p.rhk),
                           'numeric', case when \(numeric) then jsonb_build_object('nilaiSKP', p.nilai_skp,
                               'nilaiPerilaku', p.score / \(scaleMax)::float8 * 100, 'nilai', p.nilai,
                               'peersAndBawahan', p.use_peer and p.use_bawahan) end,
                           'head', case when p.is_head and not \(numeric) then jsonb_build_object('predikatOrganisasi', p.org_predikat) end,
                           'behaviour', jsonb_build_object('atasan', p.atasan,
                               'peers', case when p.use_peer then p.peers end, 'peerMean', case when p.use_peer then p.peer end,
                               'bawahan', case when p.use_bawahan then p.bawahans end,
                               'bawahanMean', case when p.use_bawahan then p.bawahan end, 'score', p.score),
                           'proposed', jsonb_build_object('hasilKerja', p.hasil, 'perilaku', p.perilaku,
                               'predikat', \(unescaped: numericPredikat))) as explanation,
                       \(runID)::bigint as run_id,
                       \(profileVersion)::integer as profile_version
                from proposals p left join matrix m on m.h = p.hasil and m.p = p.perilaku
            )
            \(unescaped: tail)
            """
    }

    /// The head of an OPD takes the organisation's predikat as rating hasil kerja: no other is accepted, and
    /// none before the organisation predikat is set.
    func requireHeadsHasil(nip: String, year: Int, period: SubPeriod, hasil: Rating?) async throws {
        let rows = try await query("""
            select op.predikat from evaluations e
            left join org_predikat op on op.tenant_id = e.tenant_id and op.year = e.year and op.period_kind = e.period_kind
                 and op.period_seq = e.period_seq and op.unit_id = e.opd_id
            where e.tenant_id = \(tenant.uuid) and e.year = \(year) and e.period_kind = \(period.kind.rawValue)
              and e.period_seq = \(period.sequence) and e.nip = \(nip)
            """)
        var org: PredikatOrganisasi?
        for try await p in rows.decode(String?.self) { org = p.flatMap(PredikatOrganisasi.init(rawValue:)) }
        guard let org else {
            throw StoreError.state("\(nip) heads the OPD: their rating hasil kerja is the organisation's predikat, not set yet "
                                   + "('kinerja-admin evaluate org-predikat')")
        }
        if let hasil, hasil != org.headRatingHasil {
            throw StoreError.invalid("\(nip) heads the OPD: their rating hasil kerja is the organisation's predikat \(org.rawValue), "
                                     + "which gives \(org.headRatingHasil.rawValue); change the organisation predikat instead")
        }
    }

    /// Under a numeric regime the result is a figure: the atasan confirms it as computed; a different result
    /// comes from corrected realisasi or 360 ratings and a new run, not from changing the figure.
    func confirmFigure(_ e: Evaluation, hasil: Rating?, perilaku: Rating?, actor: SKPActor) async throws -> Evaluation {
        guard hasil == nil, perilaku == nil else {
            throw StoreError.invalid("\(e.nip) is evaluated under \(e.regime), which has no ratings: confirm the figure as computed, "
                                     + "or correct the realisasi or the 360 ratings and run the evaluation again")
        }
        guard let predikat = e.predikatText else {
            throw StoreError.invalid("\(e.nip) has no figure yet (no realisasi, or no atasan's behaviour rating): nothing to confirm")
        }
        try await query("""
            update evaluations set status = 'confirmed', confirmed_by = \(actor.name), confirmed_at = now()
            where tenant_id = \(tenant.uuid) and year = \(e.year) and period_kind = \(e.period.kind.rawValue)
              and period_seq = \(e.period.sequence) and nip = \(e.nip)
            """)
        try await audit(actor: actor.name, action: "evaluate.confirm", subject: "\(e.nip)/\(e.year)/\(e.period)",
                        detail: ["regime": e.regime, "nilai": e.nilai.map(Step.format) ?? "-", "predikat": predikat])
        return try await evaluation(nip: e.nip, year: e.year, period: e.period)!
    }

    public func evaluation(nip: String, year: Int, period: SubPeriod) async throws -> Evaluation? {
        let rows = try await query("""
            select skp_revision, capaian::float8, behaviour_score::float8, proposed_hasil, proposed_perilaku, rating_hasil,
                   rating_perilaku, predikat, status, change_reason, (coalesce(r.rules, '{}') || e.explanation)::text, e.profile_version,
                   confirmed_by, is_head, e.regime, nilai::float8
            from evaluations e left join evaluation_runs r on r.tenant_id = e.tenant_id and r.run_id = e.run_id
            where e.tenant_id = \(tenant.uuid) and e.year = \(year) and e.period_kind = \(period.kind.rawValue)
              and e.period_seq = \(period.sequence) and e.nip = \(nip)
            """)
        for try await r in rows.decode((Int?, Double?, Double?, String?, String?, String?, String?, String?, String, String?, String, Int, String?, Bool, String, Double?).self) {
            return Evaluation(nip: nip, year: year, period: period, skpRevision: r.0, capaian: r.1, behaviourScore: r.2,
                              proposedHasil: r.3.flatMap(Rating.init(rawValue:)), proposedPerilaku: r.4.flatMap(Rating.init(rawValue:)),
                              ratingHasil: r.5.flatMap(Rating.init(rawValue:)), ratingPerilaku: r.6.flatMap(Rating.init(rawValue:)),
                              predikat: r.14 == TenantProfile.RatingRegime.Regime.permenpanrb2022.rawValue ? r.7.flatMap(Predikat.init(rawValue:)) : nil,
                              predikatText: r.7, regime: r.14, nilai: r.15, status: r.8, changeReason: r.9, explanation: r.10,
                              profileVersion: r.11, confirmedBy: r.12, isHead: r.13)
        }
        return nil
    }

    /// Records a change of `current`'s standing ratings to `h` and `p` (a calibration, or a change of a confirmed
    /// rating), with its reason and author.
    func recordAdjustment(of current: Evaluation, to h: Rating, _ p: Rating, reason: String, actor: SKPActor) async throws {
        let predikat = Predikat(hasilKerja: h, perilakuKerja: p)
        try await query("""
            insert into evaluation_adjustments (tenant_id, year, period_kind, period_seq, nip, from_hasil, from_perilaku, from_predikat,
                                                to_hasil, to_perilaku, to_predikat, reason, author)
            values (\(tenant.uuid), \(current.year), \(current.period.kind.rawValue), \(current.period.sequence), \(current.nip),
                    \(current.ratingHasil?.rawValue), \(current.ratingPerilaku?.rawValue), \(current.predikat?.rawValue), \(h.rawValue),
                    \(p.rawValue), \(predikat.rawValue), \(reason), \(actor.name))
            """)
    }

    /// The atasan (or city HR) confirms the proposed ratings, or sets others with a reason; the predikat follows
    /// from the matrix. A final result is not changed here.
    public func confirmEvaluation(nip: String, year: Int, period: SubPeriod, hasil: Rating?, perilaku: Rating?,
                                  reason: String?, actor: SKPActor) async throws -> Evaluation {
        let owner = try await requireEmployee(nip)
        let rel = relation(of: actor, to: owner)
        guard rel == .atasan || rel == .hr else { throw StoreError.forbidden("only the atasan of \(nip) or city HR confirms the evaluation") }
        try await lockEvaluation(nip: nip, year: year, period: period)
        guard let current = try await evaluation(nip: nip, year: year, period: period) else {
            throw StoreError.notFound(what: "evaluation", key: "\(nip) \(year) \(period): run 'kinerja-admin evaluate run' first")
        }
        if current.regime != TenantProfile.RatingRegime.Regime.permenpanrb2022.rawValue {
            return try await confirmFigure(current, hasil: hasil, perilaku: perilaku, actor: actor)
        }
        if current.isHead { try await requireHeadsHasil(nip: nip, year: year, period: period, hasil: hasil) }
        // What stands now: a confirmed (or calibrated) rating, else the proposal. A rating left out keeps what
        // stands, so confirming again does not quietly undo a calibration; a change from it needs a reason.
        let standingH = current.ratingHasil ?? current.proposedHasil, standingP = current.ratingPerilaku ?? current.proposedPerilaku
        guard let h = hasil ?? standingH, let p = perilaku ?? standingP else {
            throw StoreError.invalid("no rating was proposed (no realisasi or no atasan's behaviour rating yet): give both ratings, with a reason")
        }
        let changed = h != standingH || p != standingP
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if changed && reason.isEmpty {
            throw StoreError.invalid(current.status == "proposed" ? "a rating other than the proposed one needs a reason"
                                                                : "a rating other than the one standing (confirmed or calibrated) needs a reason")
        }
        // A change carries its reason; a rating confirmed as it stands keeps the reason it had (a calibration's).
        let kept: String? = changed ? reason : current.changeReason
        let predikat = Predikat(hasilKerja: h, perilakuKerja: p)
        // A change of a rating already confirmed (or calibrated) is an adjustment, recorded as calibration's are.
        if changed && current.status == "confirmed" { try await recordAdjustment(of: current, to: h, p, reason: reason, actor: actor) }
        try await query("""
            update evaluations set rating_hasil = \(h.rawValue), rating_perilaku = \(p.rawValue), predikat = \(predikat.rawValue),
                   status = 'confirmed', change_reason = \(kept), confirmed_by = \(actor.name), confirmed_at = now()
            where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and nip = \(nip)
            """)
        var detail = ["hasil": h.rawValue, "perilaku": p.rawValue, "predikat": predikat.rawValue]
        if changed { detail["reason"] = reason }
        try await audit(actor: actor.name, action: changed ? "evaluate.change" : "evaluate.confirm", subject: "\(nip)/\(year)/\(period)",
                        detail: detail)
        return try await evaluation(nip: nip, year: year, period: period)!
    }
}
