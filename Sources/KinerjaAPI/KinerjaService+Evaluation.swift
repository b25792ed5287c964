import Foundation
import KinerjaCore
import KinerjaStore
import OpenAPIRuntime

/// Evaluation results: read by the employee, their atasan chain and HR; confirmed by the direct atasan or HR.
extension KinerjaService {
    static func schema(_ e: Evaluation) throws -> Schemas.Evaluation {
        let explanation = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(e.explanation.utf8))
        func r<T: RawRepresentable<String>>(_ x: Rating?) -> T? { x.flatMap { T(rawValue: $0.rawValue) } }
        return .init(nip: e.nip, year: e.year, period: e.period.description, status: .init(rawValue: e.status) ?? .proposed,
                     skpRevision: e.skpRevision, capaian: e.capaian, behaviourScore: e.behaviourScore,
                     proposedHasilKerja: r(e.proposedHasil), proposedPerilaku: r(e.proposedPerilaku), ratingHasilKerja: r(e.ratingHasil),
                     ratingPerilaku: r(e.ratingPerilaku), predikat: e.predikat?.rawValue, changeReason: e.changeReason,
                     confirmedBy: e.confirmedBy, profileVersion: e.profileVersion, explanation: .init(additionalProperties: explanation))
    }

    func getEvaluation(_ input: Operations.GetEvaluation.Input) async throws -> Operations.GetEvaluation.Output {
        let p = try RequestState.principal()
        let (nip, year, period) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year), try Self.behaviourPeriod(input.path.period))
        let e = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.evaluation(nip: nip, year: year, period: period)
        }
        guard let e else { throw APIProblem.notFound("no evaluation of '\(nip)' for \(year) \(period) yet") }
        return .ok(.init(body: .json(try Self.schema(e))))
    }

    func confirmEvaluation(_ input: Operations.ConfirmEvaluation.Input) async throws -> Operations.ConfirmEvaluation.Output {
        let p = try RequestState.principal()
        let (nip, year, period) = (try Self.parseNIP(input.path.nip), try Self.parseYear(input.path.year), try Self.behaviourPeriod(input.path.period))
        guard case .json(let body) = input.body else { throw APIProblem.invalid("send {hasilKerja, perilaku, reason} as application/json") }
        guard p.role == .atasan || p.role == .hrAdmin else {
            throw APIProblem.forbidden("evaluations are confirmed with atasan or hr_admin keys; this key is \(p.role.rawValue)")
        }
        let actor = try Self.actor(p)
        let e = try await database.withTenant(try p.city()) { tx in
            _ = try await Self.visibleEmployee(p, nip, tx)
            return try await tx.confirmEvaluation(nip: nip, year: year, period: period,
                                                  hasil: body.hasilKerja.flatMap { Rating(rawValue: $0.rawValue) },
                                                  perilaku: body.perilaku.flatMap { Rating(rawValue: $0.rawValue) },
                                                  reason: body.reason, actor: actor)
        }
        return .ok(.init(body: .json(try Self.schema(e))))
    }
}
