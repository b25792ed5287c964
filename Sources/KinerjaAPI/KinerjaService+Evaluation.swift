import Foundation
import KinerjaCore
import KinerjaStore
import OpenAPIRuntime

/// Evaluation results: read by the employee, their atasan chain and HR; confirmed by the direct atasan or HR.
extension KinerjaService {
    static func schema(_ e: Evaluation) throws -> Schemas.Evaluation {
        let explanation = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(e.explanation.utf8))
        func r<T: RawRepresentable<String>>(_ x: Rating?) -> T? { x.flatMap { T(rawValue: $0.rawValue) } }
        let predikat = try e.predikatText.map { text in
            // The regimes' names are the spec's (SpecCodeListTests checks they are the same list).
            guard let p = Schemas.Evaluation.PredikatPayload(rawValue: text) else {
                throw StoreError.database("the evaluation of \(e.nip) holds predikat '\(text)', which is none of the regimes' names")
            }
            return p
        }
        return .init(nip: e.nip, year: e.year, period: e.period.description, status: .init(rawValue: e.status) ?? .proposed,
                     skpRevision: e.skpRevision, capaian: e.capaian, behaviourScore: e.behaviourScore,
                     proposedHasilKerja: r(e.proposedHasil), proposedPerilaku: r(e.proposedPerilaku), ratingHasilKerja: r(e.ratingHasil),
                     ratingPerilaku: r(e.ratingPerilaku), predikat: predikat, regime: .init(rawValue: e.regime), nilai: e.nilai,
                     changeReason: e.changeReason,
                     confirmedBy: e.confirmedBy, isHead: e.isHead, profileVersion: e.profileVersion, explanation: .init(additionalProperties: explanation))
    }

    func getEvaluation(_ input: Operations.GetEvaluation.Input) async throws -> Operations.GetEvaluation.Output {
        let p = try RequestState.principal()
        let (nip, year, period) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year), try Self.behaviourPeriod(input.path.period))
        try p.requireAssessmentReader("evaluations")
        let e = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.evaluation(nip: nip, year: year, period: period)
        }
        guard let e else { throw APIProblem.notFound("no evaluation of '\(nip)' for \(year) \(period) yet") }
        let schema = try Self.schema(e)
        return .ok(.init(headers: .init(eTag: try EntityTag.of(schema)), body: .json(schema)))
    }

    func confirmEvaluation(_ input: Operations.ConfirmEvaluation.Input) async throws -> Operations.ConfirmEvaluation.Output {
        let p = try RequestState.principal()
        let (nip, year, period) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year), try Self.behaviourPeriod(input.path.period))
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send {hasilKerja, perilaku, reason} as application/json") }
        guard p.role == .atasan || p.role == .hrAdmin else {
            throw APIProblem.forbidden("evaluations are confirmed with atasan or hr_admin keys; this key is \(p.role.rawValue)")
        }
        let actor = try Self.actor(p)
        let ifMatch = input.headers.ifMatch
        let e = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            // The version read under the lock; the precondition judged once the confirmation was checked and made
            // (a refusal for who or state comes first), and the transaction rolled back if it fails.
            var current: String?
            if ifMatch != nil {
                try await tx.lockEvaluationForChange(nip: nip, year: year, period: period)
                current = try await tx.evaluation(nip: nip, year: year, period: period).map { try EntityTag.of(try Self.schema($0)) }
            }
            let e = try await tx.confirmEvaluation(nip: nip, year: year, period: period,
                                                   hasil: body.hasilKerja.flatMap { Rating(rawValue: $0.rawValue) },
                                                   perilaku: body.perilaku.flatMap { Rating(rawValue: $0.rawValue) },
                                                   reason: body.reason, actor: actor)
            guard let ifMatch else {
                throw EntityTag.required(what: "the evaluation of \(nip) for \(year) \(period)",
                                         read: "GET /v1/employees/\(nip)/evaluations/\(year)/\(period)")
            }
            try EntityTag.require(ifMatch, matches: current, what: "the evaluation of \(nip) for \(year) \(period)")
            return e
        }
        // The answer is the evaluation as stored now, so its tag is the one the next GET gives.
        let schema = try Self.schema(e)
        return .ok(.init(headers: .init(eTag: try EntityTag.of(schema)), body: .json(schema)))
    }
}

/// Follow-ups: an employee's own (with their atasan chain and HR), and the city's list for HR, BKN and integrators.
extension KinerjaService {
    static func schema(_ f: FollowUpRecord) -> Schemas.FollowUp {
        .init(id: f.id, nip: f.nip, name: f.name, opd: f.opd, year: f.year, period: f.period.description,
              kind: Schemas.FollowUpKind(rawValue: f.kind.rawValue) ?? .coaching, rule: f.rule,
              detail: .init(additionalProperties: f.detail), due: f.due, status: .init(rawValue: f.status) ?? .open, outcome: f.outcome)
    }

    func listEmployeeFollowUps(_ input: Operations.ListEmployeeFollowUps.Input) async throws -> Operations.ListEmployeeFollowUps.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        try p.requireAssessmentReader("follow-ups")
        let all = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.followUps(year: year, nip: nip)
        }
        let (items, next) = try Pagination.page(all, key: { String($0.id) }, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: items.map(Self.schema), nextCursor: next))))
    }

    func getEmployeeContribution(_ input: Operations.GetEmployeeContribution.Input) async throws -> Operations.GetEmployeeContribution.Output {
        let p = try RequestState.principal()
        let (nip, year) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year))
        let period = try input.query.period.map(Self.behaviourPeriod) ?? .year
        let items = try await withReadTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.employeeContribution(nip: nip, year: year, period: period)
        }
        let (page, next) = try Pagination.page(items, key: { $0.rhkKey.uuidString }, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(nextCursor: next, items: page.map { r in
            // A tugas tambahan that links to nothing above is outside the cascade: no goal.
            let outside = r.outsideTheCascade
            // The capaian is an assessment: not for an integrator key without siasn (SKPs are shown to it the same way).
            return Schemas.Contribution(kind: .init(rawValue: r.kind) ?? .utama, text: r.text,
                                        capaian: p.readsAssessments ? r.capaian : nil, path: r.path,
                                        goal: outside ? nil : .init(text: r.path.last ?? r.text, ownerNip: r.goalOwnerNIP,
                                                                    ownerName: r.goalOwnerName, isTop: r.goalIsTop))
        }))))
    }

    func listFollowUps(_ input: Operations.ListFollowUps.Input) async throws -> Operations.ListFollowUps.Output {
        let p = try RequestState.principal()
        guard [.hrAdmin, .integrator].contains(p.role) else {
            throw APIProblem.forbidden("the city's follow-ups are listed with hr_admin or integrator keys; "
                                       + "an employee's own are at /v1/employees/{nip}/followups/{year}")
        }
        try p.requireAssessmentReader("follow-ups")
        let q = input.query
        let year = try Self.parseYear(q.year)
        let period = try q.period.map(Self.behaviourPeriod)
        let after = try q.cursor.map { c in
            guard let id = Int64(c), id > 0 else { throw APIProblem.invalid("cursor '\(c)' is not a cursor this API gave out") }
            return id
        }
        let limit = q.limit ?? 100
        guard (1...500).contains(limit) else { throw APIProblem.invalid("limit \(limit) is out of range: use 1-500") }
        let items = try await withReadTenant(try p.city()) { tx in
            try await tx.followUps(year: year, period: period, kind: q.kind.flatMap { FollowUp.Kind(rawValue: $0.rawValue) },
                                   opd: q.orgUnit, after: after, limit: limit + 1)
        }
        let page = items.prefix(limit)
        return .ok(.init(body: .json(.init(items: page.map(Self.schema),
                                           nextCursor: items.count > limit ? page.last.map { String($0.id) } : nil))))
    }
}
