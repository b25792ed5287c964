/// Cursor pagination of the lists that are computed whole: one person's or one team's (revisions, proposals,
/// feedback requests, follow-ups, templates, a team, the city's reports, units and periods), in a stable order. The cursor is
/// opaque to clients; here it is the position after the last item given. The large lists (employees, the
/// change feed, the city's follow-ups) page in SQL by key instead.
enum Pagination {
    static let defaultLimit = 200, maximumLimit = 1000

    /// The page size a request asks for (`limit`), or the default; a size out of range is named.
    static func limit(_ asked: Int?) throws -> Int {
        let size = asked ?? defaultLimit
        guard (1...maximumLimit).contains(size) else { throw APIProblem.invalid("limit \(size) is not within 1-\(maximumLimit)") }
        return size
    }

    static func page<T>(_ all: [T], cursor: String?, limit: Int?) throws -> (items: [T], next: String?) {
        let size = try Self.limit(limit)
        var start = 0
        if let cursor {
            guard cursor.hasPrefix("p"), let n = Int(cursor.dropFirst()), n >= 0, n <= all.count else {
                throw APIProblem.invalid("cursor '\(cursor)' is not a cursor this API gave out (or the list has changed: start again)")
            }
            start = n
        }
        let end = min(all.count, start + size)
        return (Array(all[start..<end]), end < all.count ? "p\(end)" : nil)
    }
}
