import Foundation
import KinerjaStore
import OpenAPIRuntime

extension KinerjaService {
    func listChanges(_ input: Operations.ListChanges.Input) async throws -> Operations.ListChanges.Output {
        let p = try RequestState.principal()
        guard [.hrAdmin, .integrator].contains(p.role) else {
            throw APIProblem.forbidden("the change feed is for hr_admin and integrator keys; this key is \(p.role.rawValue)")
        }
        let after: Int64
        if let text = input.query.after {
            guard let n = Int64(text), n >= 0 else { throw APIProblem.invalid("after '\(text)' is not a cursor this API gave out") }
            after = n
        } else {
            after = 0
        }
        let limit = try Pagination.limit(input.query.limit)
        let entries = try await withReadTenant(try p.city()) { try await $0.changes(after: after, limit: limit) }
        let items: [Components.Schemas.Change] = try entries.map { e in
            let detail = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(e.detail.utf8))
            return .init(cursor: String(e.chainSeq ?? 0), at: e.at, action: e.action, entity: e.subject, actor: e.actor,
                         detail: .init(additionalProperties: detail))
        }
        return .ok(.init(body: .json(.init(items: items, nextCursor: items.last?.cursor ?? String(after)))))
    }
}
