public import KinerjaCore
import PostgresNIO

extension TenantTransaction {
    /// Demo 360 feedback for a period, set-based: asks the self, atasan and bawahan ratings, names up to the
    /// profile's minimum of peers among each employee's colleagues (same atasan), and answers every request not
    /// yet answered with scores that vary by employee (a few well above expectation, most as expected, some
    /// below) and a little by rater. The same seed gives the same scores. Returns requests and rated pairs.
    public func seedBehaviour(year: Int, period: SubPeriod, profile: TenantProfile, seed: UInt64 = 2022,
                              actor: String) async throws -> (requests: Int, rated: Int) {
        try await requireDemoCity("demo 360 feedback")
        var requests = try await assignRaters(year: year, period: period, profile: profile, actor: actor)
        // Hash joins over whole sets: statistics taken before this transaction know none of the rows it just
        // added, and a nested loop over the ratings being inserted would revisit them for every request.
        try await prepareSetBased()
        // Peers among colleagues (same atasan): each employee's next ones in a shuffled order of the team, so
        // the work grows with the number of employees, not with the square of the largest team.
        let peers = try await query("""
            with team as (
                select nip, atasan_nip,
                       row_number() over (partition by atasan_nip order by hashtext(nip || \(String(seed)))) - 1 as pos,
                       count(*) over (partition by atasan_nip) as size
                from employees where tenant_id = \(tenant.uuid) and status = 'active' and atasan_nip is not null
            )
            insert into behaviour_raters (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, source, assigned_by)
            select \(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), a.nip, b.nip, 'peer', \(actor)
            from team a cross join generate_series(1, \(max(1, profile.behaviour360.minimumPeers))) as g(k)
            join team b on b.atasan_nip = a.atasan_nip and b.pos = (a.pos + g.k) % a.size
            where g.k < a.size
            on conflict do nothing
            returning 1
            """)
        for try await _ in peers { requests += 1 }
        try await refreshBulkStatistics(["behaviour_raters"])
        let scale = profile.ratingProposalOrDefault
        let values = Behaviour.Value.allCases.map(\.rawValue)
        let rated = try await query("""
            with todo as (
                select r.ratee_nip, r.rater_nip, abs(hashtext(r.ratee_nip || \(String(seed)))) % 100 as h
                from behaviour_raters r
                where r.tenant_id = \(tenant.uuid) and r.year = \(year) and r.period_kind = \(period.kind.rawValue)
                  and r.period_seq = \(period.sequence)
                  and not exists (select 1 from behaviour_ratings g where g.tenant_id = r.tenant_id and g.year = r.year
                                  and g.period_kind = r.period_kind and g.period_seq = r.period_seq
                                  and g.ratee_nip = r.ratee_nip and g.rater_nip = r.rater_nip)
            ), scored as (
                select t.ratee_nip, t.rater_nip, v.value,
                       least(\(scale.scaleMax)::float8, greatest(\(scale.scaleMin)::float8, round(
                           (case when t.h < 12 then 0.92 when t.h < 85 then 0.72 else 0.5 end) * \(scale.scaleMax)::float8
                           + ((abs(hashtext(t.rater_nip || v.value || \(String(seed)))) % 3) - 1) * 0.5))) as score
                from todo t cross join unnest(\(values)::text[]) as v(value)
            )
            insert into behaviour_ratings (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, value, score)
            select \(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), ratee_nip, rater_nip, value, score from scored
            returning 1
            """)
        var n = 0
        for try await _ in rated { n += 1 }
        try await refreshBulkStatistics(["behaviour_ratings"])
        try await audit(actor: actor, action: "feedback.demo", subject: "\(year)/\(period)",
                        detail: ["requests": String(requests), "ratings": String(n)])
        return (requests, n / values.count)
    }
}
