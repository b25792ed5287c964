import Foundation
import KinerjaCore
import KinerjaStore

/// 360 behaviour feedback: what the caller is asked to rate, the rating, and the aggregated summary. No
/// response names who rated whom, except the caller's own requests.
extension KinerjaService {
    static func scores(_ s: Schemas.BehaviourScores) -> [Behaviour.Value: Double] {
        let pairs: [(Behaviour.Value, Double?)] = [
            (.berorientasiPelayanan, s.berorientasiPelayanan), (.akuntabel, s.akuntabel), (.kompeten, s.kompeten),
            (.harmonis, s.harmonis), (.loyal, s.loyal), (.adaptif, s.adaptif), (.kolaboratif, s.kolaboratif),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { v, x in x.map { (v, $0) } })
    }

    static func texts(_ s: Schemas.BehaviourTexts?) -> [Behaviour.Value: String] {
        guard let s else { return [:] }
        let pairs: [(Behaviour.Value, String?)] = [
            (.berorientasiPelayanan, s.berorientasiPelayanan), (.akuntabel, s.akuntabel), (.kompeten, s.kompeten),
            (.harmonis, s.harmonis), (.loyal, s.loyal), (.adaptif, s.adaptif), (.kolaboratif, s.kolaboratif),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { v, x in
            x.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : (v, $0) }
        })
    }

    static func schema(_ m: [Behaviour.Value: Double]) -> Schemas.BehaviourScores {
        .init(berorientasiPelayanan: m[.berorientasiPelayanan], akuntabel: m[.akuntabel], kompeten: m[.kompeten],
              harmonis: m[.harmonis], loyal: m[.loyal], adaptif: m[.adaptif], kolaboratif: m[.kolaboratif])
    }

    static func behaviourPeriod(_ text: String) throws -> SubPeriod {
        guard let p = SubPeriod(text) else { throw APIProblem.invalid("period '\(text)' is not Y (the year), Q1-Q4 or M1-M12") }
        return p
    }

    func listFeedbackRequests(_ input: Operations.ListFeedbackRequests.Input) async throws -> Operations.ListFeedbackRequests.Output {
        let p = try RequestState.principal()
        guard let me = p.employeeNIP else { throw APIProblem.invalid("this \(p.role.rawValue) key is not an employee's") }
        let year = try Self.parseYear(input.query.year)
        let all = try await database.withTenant(try p.city()) { try await $0.feedbackRequests(rater: me, year: year) }
        let (items, next) = try Pagination.page(all, key: { "\($0.year) \($0.period) \($0.rateeNIP) \($0.source)" }, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(nextCursor: next, items: items.map {
            .init(year: $0.year, period: $0.period.description, rateeNip: $0.rateeNIP, rateeName: $0.rateeName,
                  source: .init(rawValue: $0.source) ?? .peer, done: $0.done)
        }))))
    }

    func rateBehaviour(_ input: Operations.RateBehaviour.Input) async throws -> Operations.RateBehaviour.Output {
        let p = try RequestState.principal()
        // An employee's own key or session, granted hr_admin or not: they answer the requests made to them.
        guard let me = p.employeeNIP, [.pegawai, .atasan, .hrAdmin].contains(p.role) else {
            throw APIProblem.forbidden("behaviour is rated with an employee's own key or login (pegawai, atasan, or hr_admin tied to an employee)")
        }
        let (year, period, ratee) = (try Self.parseYear(input.path.year), try Self.behaviourPeriod(input.path.period),
                                     try Self.parseNIP(input.path.nip))
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send the rating as application/json") }
        try await database.withTenant(try p.city()) { tx in
            try await tx.rate(rater: me, ratee: ratee, year: year, period: period, scores: Self.scores(body.scores),
                              ekspektasi: Self.texts(body.ekspektasi), comment: body.comment, profile: try await tx.profile())
        }
        return .noContent(.init())
    }

    func summary(_ p: Principal, nip: String, year: Int, period: SubPeriod) async throws -> Schemas.BehaviourSummary {
        let (summary, profile) = try await database.withTenant(try p.city()) { tx in
            let profile = try await tx.profile()
            return (try await tx.behaviourSummary(ratee: nip, year: year, period: period, profile: profile), profile)
        }
        let ekspektasi = summary.ekspektasi
        return .init(
            nip: nip, year: year, period: period.description,
            sources: summary.sources.map { .init(source: .init(rawValue: $0.source) ?? .peer, answered: $0.answered,
                                                 mean: $0.meanByValue.map(Self.schema)) },
            score: summary.score?.value,
            proposedRating: summary.score.map { Behaviour.rating($0.value, profile.ratingProposalOrDefault.perilaku).rawValue },
            steps: summary.score?.steps.map(\.description) ?? [],
            ekspektasi: ekspektasi.isEmpty ? nil : .init(
                berorientasiPelayanan: ekspektasi[.berorientasiPelayanan], akuntabel: ekspektasi[.akuntabel],
                kompeten: ekspektasi[.kompeten], harmonis: ekspektasi[.harmonis], loyal: ekspektasi[.loyal],
                adaptif: ekspektasi[.adaptif], kolaboratif: ekspektasi[.kolaboratif]))
    }

    func getMyBehaviour(_ input: Operations.GetMyBehaviour.Input) async throws -> Operations.GetMyBehaviour.Output {
        let p = try RequestState.principal()
        guard let me = p.employeeNIP else { throw APIProblem.invalid("this \(p.role.rawValue) key is not an employee's") }
        let body = try await summary(p, nip: me, year: try Self.parseYear(input.query.year), period: try Self.behaviourPeriod(input.query.period))
        return .ok(.init(body: .json(body)))
    }

    func getEmployeeBehaviour(_ input: Operations.GetEmployeeBehaviour.Input) async throws -> Operations.GetEmployeeBehaviour.Output {
        let p = try RequestState.principal()
        let nip = try Self.parseNIP(input.path.nip)
        guard p.role == .hrAdmin || p.role == .atasan || p.role == .pegawai else {
            throw APIProblem.forbidden("behaviour feedback is for the employee, their atasan chain and city HR")
        }
        _ = try await database.withTenant(try p.city()) { tx in try await Self.visibleEmployee(p, nip, tx) }
        let body = try await summary(p, nip: nip, year: try Self.parseYear(input.query.year), period: try Self.behaviourPeriod(input.query.period))
        return .ok(.init(body: .json(body)))
    }

    func assignPeer(_ input: Operations.AssignPeer.Input) async throws -> Operations.AssignPeer.Output {
        let p = try RequestState.principal()
        let ratee = try Self.parseNIP(input.path.nip)
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send {rater, year, period} as application/json") }
        let (rater, year, period) = (try Self.parseNIP(body.rater), try Self.parseYear(body.year), try Self.behaviourPeriod(body.period))
        let actor = try Self.actor(p)
        try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, ratee, tx)
            try await tx.assignPeer(ratee: ratee, rater: rater, year: year, period: period, actor: actor)
        }
        return .noContent(.init())
    }
}
