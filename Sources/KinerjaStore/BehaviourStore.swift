public import Foundation
public import KinerjaCore
import PostgresNIO

/// A rating someone is asked to give: whom, in which period, as which source, and whether it is done.
public struct FeedbackRequest: Sendable, Equatable {
    public var year: Int
    public var period: SubPeriod
    public var rateeNIP: String
    public var rateeName: String
    public var source: String
    public var done: Bool
}

/// What an employee may see of the behaviour feedback about them: per source, how many answered and the mean
/// per value, with peers and bawahan only in aggregate and only from the profile's minimum count; never who.
public struct BehaviourSummary: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var source: String
        /// How many answered; nil for peers and bawahan below the minimum.
        public var answered: Int?
        /// Nil when too few answered to show anything (peers and bawahan below the minimum).
        public var meanByValue: [Behaviour.Value: Double]?
    }
    public var sources: [Source]
    /// The weighted score, when the atasan has rated.
    public var score: Behaviour.Score?
    /// The atasan's ekspektasi khusus per value, and comments of the atasan and the employee's own.
    public var ekspektasi: [Behaviour.Value: String]
}

/// Completion of a period's feedback, per OPD.
public struct FeedbackProgress: Sendable, Equatable {
    public var unitCode: String
    public var unitName: String
    public var assigned: Int
    public var done: Int
}

extension TenantTransaction {
    /// Asks, for every active employee, the ratings the rules call for: the employee's own (when the profile
    /// asks for self-assessment), the atasan's, and each bawahan's. Peers are named separately
    /// (``assignPeer``). Adds what is missing; returns how many requests were added.
    @discardableResult
    public func assignRaters(year: Int, period: SubPeriod, profile: TenantProfile, actor: String) async throws -> Int {
        try requireEvaluated(period, profile: profile)
        guard try await lockPeriod(year: year, period, annualAllowed: true) else {
            throw StoreError.state("period \(period) of \(year) is closed: reopen it to ask for feedback")
        }
        let rows = try await query("""
            with pairs as (
                select nip as ratee, nip as rater, 'self' as source from employees
                where tenant_id = \(tenant.uuid) and status = 'active' and \(profile.behaviour360.selfAssessment)
                union all
                select e.nip, e.atasan_nip, 'atasan' from employees e join employees a on a.tenant_id = e.tenant_id and a.nip = e.atasan_nip
                where e.tenant_id = \(tenant.uuid) and e.status = 'active' and a.status = 'active'
                union all
                select a.nip, e.nip, 'bawahan' from employees e join employees a on a.tenant_id = e.tenant_id and a.nip = e.atasan_nip
                where e.tenant_id = \(tenant.uuid) and e.status = 'active' and a.status = 'active'
            )
            insert into behaviour_raters (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, source, assigned_by)
            select \(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), ratee, rater, source, \(actor) from pairs
            on conflict do nothing
            returning 1
            """)
        var added = 0
        for try await _ in rows { added += 1 }
        try await audit(actor: actor, action: "feedback.assign", subject: "\(year)/\(period)", detail: ["added": String(added)])
        return added
    }

    /// Names a peer (rekan kerja) to rate `ratee`: by city HR or the ratee's atasan. A peer is an active
    /// employee of the city other than the ratee, their atasan and their bawahan.
    public func assignPeer(ratee: String, rater: String, year: Int, period: SubPeriod, actor: SKPActor) async throws {
        let owner = try await requireEmployee(ratee)
        let rel = relation(of: actor, to: owner)
        guard rel == .hr || rel == .atasan else { throw StoreError.forbidden("only the atasan of \(ratee) or city HR names peers") }
        let peer = try await requireEmployee(rater)
        guard peer.status == "active" else { throw StoreError.invalid("employee \(rater) is inactive") }
        guard rater != ratee, rater != owner.atasanNIP, peer.atasanNIP != ratee else {
            throw StoreError.invalid("\(rater) is \(ratee) or their atasan or bawahan, who rate as such: a peer is someone else")
        }
        guard try await lockPeriod(year: year, period, annualAllowed: true) else {
            throw StoreError.state("period \(period) of \(year) is closed: reopen it to ask for feedback")
        }
        let rows = try await query("""
            insert into behaviour_raters (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, source, assigned_by)
            values (\(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), \(ratee), \(rater), 'peer', \(actor.name))
            on conflict do nothing returning 1
            """)
        var added = false
        for try await _ in rows { added = true }
        guard added else { throw StoreError.conflict(what: "rater", key: "\(rater) for \(ratee) in \(year)/\(period)") }
        // The rater's identity stays out of the ratee's view, but the audit log (HR only) records the assignment.
        try await audit(actor: actor.name, action: "feedback.peer", subject: "\(year)/\(period)", detail: ["ratee": ratee])
    }

    /// The ratings `rater` is asked to give, oldest period first.
    public func feedbackRequests(rater: String, year: Int) async throws -> [FeedbackRequest] {
        let rows = try await query("""
            select r.period_kind, r.period_seq, r.ratee_nip::text, e.name, r.source,
                   exists (select 1 from behaviour_ratings g where g.tenant_id = r.tenant_id and g.year = r.year
                           and g.period_kind = r.period_kind and g.period_seq = r.period_seq and g.ratee_nip = r.ratee_nip
                           and g.rater_nip = r.rater_nip)
            from behaviour_raters r join employees e on e.tenant_id = r.tenant_id and e.nip = r.ratee_nip
            where r.tenant_id = \(tenant.uuid) and r.rater_nip = \(rater) and r.year = \(year)
            order by r.period_kind, r.period_seq, r.source, r.ratee_nip
            """)
        var out: [FeedbackRequest] = []
        for try await (kind, seq, nip, name, source, done) in rows.decode((String, Int, String, String, String, Bool).self) {
            out.append(FeedbackRequest(year: year, period: SubPeriod(kind: EvaluationPeriod.Kind(rawValue: kind) ?? .annual, sequence: seq),
                                       rateeNIP: nip, rateeName: name, source: source, done: done))
        }
        return out
    }

    /// Records (or replaces) `rater`'s ratings of `ratee`: every one of the seven values, on the profile's scale.
    public func rate(rater: String, ratee: String, year: Int, period: SubPeriod, scores: [Behaviour.Value: Double],
                     ekspektasi: [Behaviour.Value: String], comment: String?, profile: TenantProfile) async throws {
        let scale = profile.ratingProposalOrDefault
        let missing = Behaviour.Value.allCases.filter { scores[$0] == nil }
        if !missing.isEmpty { throw StoreError.invalid("every value is rated: missing \(missing.map(\.rawValue).joined(separator: ", "))") }
        for (v, x) in scores where !(x >= scale.scaleMin && x <= scale.scaleMax) {
            throw StoreError.invalid("\(v.rawValue) \(x) is off the scale \(Step.format(scale.scaleMin))-\(Step.format(scale.scaleMax))")
        }
        let assigned = try await query("""
            select source from behaviour_raters
            where tenant_id = \(tenant.uuid) and year = \(year) and period_kind = \(period.kind.rawValue)
              and period_seq = \(period.sequence) and ratee_nip = \(ratee) and rater_nip = \(rater)
            """)
        var source: String?
        for try await s in assigned.decode(String.self) { source = s }
        guard let source else { throw StoreError.notFound(what: "feedback request", key: "\(ratee) in \(year)/\(period)") }
        // A former atasan (after a move) no longer rates as the atasan.
        if source == "atasan", try await requireEmployee(ratee).atasanNIP != rater {
            throw StoreError.forbidden("\(rater) is no longer the atasan of \(ratee): the current atasan rates")
        }
        if !ekspektasi.isEmpty && source != "atasan" {
            throw StoreError.invalid("ekspektasi khusus pimpinan is the atasan's to set")
        }
        guard try await lockPeriod(year: year, period, annualAllowed: true) else {
            throw StoreError.state("period \(period) of \(year) is closed: it takes no more ratings")
        }
        let values = Behaviour.Value.allCases
        try await query("""
            insert into behaviour_ratings (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, value, score, ekspektasi, comment)
            select \(tenant.uuid), \(year), \(period.kind.rawValue), \(period.sequence), \(ratee), \(rater), v, s::numeric, nullif(e, ''), \(comment)
            from unnest(\(values.map(\.rawValue)), \(values.map { scores[$0]! }), \(values.map { ekspektasi[$0] ?? "" })) as x(v, s, e)
            on conflict (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, value) do update
               set score = excluded.score, ekspektasi = excluded.ekspektasi, comment = excluded.comment, rated_at = now()
            """)
        // Who rated whom stays out of the audit log for peers and bawahan: neither the rater nor the ratee is named.
        let anonymous = source == "peer" || source == "bawahan"
        try await audit(actor: anonymous ? "anonymous rater" : "employee:\(rater)", action: "feedback.rate", subject: "\(year)/\(period)",
                        detail: anonymous ? [:] : ["source": source, "ratee": ratee])
    }

    /// The feedback about `ratee` as the ratee may see it: aggregated, with no rater named.
    public func behaviourSummary(ratee: String, year: Int, period: SubPeriod, profile: TenantProfile) async throws -> BehaviourSummary {
        let rows = try await query("""
            select r.source, g.rater_nip::text, g.value, g.score::float8, g.ekspektasi
            from behaviour_ratings g join behaviour_raters r using (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip)
            where g.tenant_id = \(tenant.uuid) and g.year = \(year) and g.period_kind = \(period.kind.rawValue)
              and g.period_seq = \(period.sequence) and g.ratee_nip = \(ratee)
            """)
        // The atasan's rating is the current atasan's (a former one's, after a move, does not count).
        let currentAtasan = try await employee(nip: ratee)?.atasanNIP
        var byRater: [String: (source: String, scores: [Behaviour.Value: Double])] = [:]
        var ekspektasi: [Behaviour.Value: String] = [:]
        for try await (source, rater, value, score, e) in rows.decode((String, String, String, Double, String?).self) {
            guard let v = Behaviour.Value(rawValue: value), source != "atasan" || rater == currentAtasan else { continue }
            byRater[rater, default: (source, [:])].scores[v] = score
            if source == "atasan", let e { ekspektasi[v] = e }
        }
        let minimum = max(1, profile.behaviour360.minimumPeers)
        var sources: [BehaviourSummary.Source] = []
        var means: [String: [Double]] = [:]
        // In the raters' order and the values' order: a sum of doubles depends on its order, and a
        // dictionary's order changes from one dictionary to the next (the summary's ETag would too).
        let inNIPOrder = byRater.sorted { $0.key < $1.key }.map(\.value)
        for name in ["self", "atasan", "peer", "bawahan"] {
            let raters = inNIPOrder.filter { $0.source == name }
            guard !raters.isEmpty else { continue }
            let shown = name == "self" || name == "atasan" || raters.count >= minimum
            var mean: [Behaviour.Value: Double]? = nil
            if shown {
                mean = [:]
                for v in Behaviour.Value.allCases {
                    let xs = raters.compactMap { $0.scores[v] }
                    if !xs.isEmpty { mean![v] = (xs.reduce(0, +) / Double(xs.count) * 100).rounded() / 100 }
                }
            }
            means[name] = raters.map { r in
                Behaviour.Value.allCases.compactMap { r.scores[$0] }.reduce(0, +) / Double(max(1, r.scores.count))
            }
            // Below the minimum not even the number shows: that one colleague answered is itself telling.
            sources.append(.init(source: name, answered: shown ? raters.count : nil, meanByValue: mean))
        }
        let score = Behaviour.score(atasan: means["atasan"]?.first, peers: means["peer"] ?? [], bawahan: means["bawahan"] ?? [],
                                    weights: profile.behaviour360)
        return BehaviourSummary(sources: sources, score: score, ekspektasi: ekspektasi)
    }

    /// How far a period's feedback has come, per OPD (the top unit above each ratee).
    public func feedbackProgress(year: Int, period: SubPeriod) async throws -> [FeedbackProgress] {
        let rows = try await query("""
            with recursive up as (
                select unit_id, unit_id as top, parent_id from org_units where tenant_id = \(tenant.uuid)
                union all
                select up.unit_id, p.unit_id, p.parent_id from up join org_units p on p.tenant_id = \(tenant.uuid) and p.unit_id = up.parent_id
            ), opd as (select unit_id, top from up where parent_id is null)
            select o.code, o.name, count(*),
                   count(*) filter (where exists (select 1 from behaviour_ratings g where g.tenant_id = r.tenant_id and g.year = r.year
                       and g.period_kind = r.period_kind and g.period_seq = r.period_seq and g.ratee_nip = r.ratee_nip
                       and g.rater_nip = r.rater_nip))
            from behaviour_raters r
            join employees e on e.tenant_id = r.tenant_id and e.nip = r.ratee_nip
            join opd on opd.unit_id = e.unit_id
            join org_units o on o.tenant_id = \(tenant.uuid) and o.unit_id = opd.top
            where r.tenant_id = \(tenant.uuid) and r.year = \(year) and r.period_kind = \(period.kind.rawValue) and r.period_seq = \(period.sequence)
            group by o.code, o.name order by o.code
            """)
        var out: [FeedbackProgress] = []
        for try await (code, name, assigned, done) in rows.decode((String, String, Int, Int).self) {
            out.append(FeedbackProgress(unitCode: code, unitName: name, assigned: assigned, done: done))
        }
        return out
    }
}
