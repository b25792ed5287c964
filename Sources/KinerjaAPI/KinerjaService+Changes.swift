import Crypto
import Foundation
import KinerjaStore
import OpenAPIRuntime

extension KinerjaService {
    /// Entries that speak of one person's assessment, discipline or login: for hr_admin, and for an integrator
    /// key granted `siasn` by name (the SIASN sync job, which reads the final results anyway), not for the
    /// attendance machine or the website. `region.%`: the regional office's staff, named, and their grants.
    /// `iki.propose`, `iki.accept` and `iki.reject`: a proposed indicator and the atasan's decision on it, with its
    /// reason (a proposal seen and never accepted was refused; an accepted one changes the plan, which shows as
    /// `skp.*`). `skp.submit`: a revision submitted twice was returned in between (such keys read a plan not yet in
    /// force as a draft; its edits and its approval show).
    static let personalChanges = ["evaluate.%", "discipline.%", "feedback.%", "followup.%", "user.%", "skp.feedback", "skp.return",
                                  "skp.submit", "iki.propose", "iki.accept", "iki.reject", "region.%"]
    /// One person's realisasi and its narrative: also for an integrator key that writes realisasi.
    static let realisasiChanges = ["realisasi.%", "complaints.hook.%"]

    func listChanges(_ input: Operations.ListChanges.Input) async throws -> Operations.ListChanges.Output {
        let p = try RequestState.principal()
        guard [.hrAdmin, .integrator].contains(p.role) else {
            throw APIProblem.forbidden("the change feed is for hr_admin and integrator keys; this key is \(p.role.rawValue)")
        }
        let city = try p.city()
        let tag = Self.feedTag(city)
        let after: Int64
        if let text = input.query.after {
            after = try Self.feedPosition(text, tag: tag)
        } else {
            after = 0
        }
        let limit = try Pagination.limit(input.query.limit)
        var hidden: [String] = []
        if !p.readsAssessments {
            hidden = Self.personalChanges
            if !p.readsRealisasi { hidden += Self.realisasiChanges }
        }
        let (entries, through, head) = try await withReadTenant(city) { try await $0.changes(after: after, limit: limit, hiding: hidden) }
        // A cursor past the feed's last position was never given out by this city's feed as it stands (its log
        // restored from an archive, a bare number made up): answered with it, the reader would skip every entry up
        // to it unseen. Past a standby's last position only, it is the standby that lags: the primary says.
        if after > head {
            let last = reads == nil ? head : try await database.withTenant(city) { try await $0.feedHead() }
            if after > last {
                throw APIProblem.invalid("after '\(input.query.after ?? "")' is past the last position of this city's feed (\(last)): "
                                         + "it was not given out by this feed as it stands; go on from \(last).\(tag), or start without `after`")
            }
        }
        let items: [Components.Schemas.Change] = try entries.map { e in
            let detail = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(e.detail.utf8))
            return .init(cursor: "\(e.chainSeq ?? 0).\(tag)", at: e.at, action: e.action, entity: e.subject, actor: e.actor,
                         detail: .init(additionalProperties: detail))
        }
        return .ok(.init(body: .json(.init(items: items, nextCursor: "\(through).\(tag)"))))
    }

    /// The city's mark on its feed's cursors, so that one city's cursor is refused by another's feed (positions
    /// are per city: another city's would skip or wait silently). Eight hex digits of a hash of the city's id.
    static func feedTag(_ city: TenantID) -> String {
        SHA256.hash(data: Data("kinerja-feed:\(city.uuid.uuidString.lowercased())".utf8)).prefix(4)
            .map { String(format: "%02x", $0) }.joined()
    }

    /// The position a cursor of this city's feed names. A bare number (the form before the city's mark) is
    /// taken as it stands.
    static func feedPosition(_ text: String, tag: String) throws -> Int64 {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let n = Int64(parts[0]), n >= 0 else {
            throw APIProblem.invalid("after '\(text)' is not a cursor this API gave out")
        }
        if parts.count == 2, parts[1] != tag {
            throw APIProblem.invalid("after '\(text)' is a cursor of another city's feed: this key's city has its own "
                                     + "positions; start without `after`")
        }
        return n
    }
}
