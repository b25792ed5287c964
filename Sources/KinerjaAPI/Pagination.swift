import Foundation

/// Cursor pagination of the lists that are computed whole: one person's or one team's (revisions, proposals,
/// feedback requests, follow-ups, templates, a team, the city's reports, units and periods), in a stable order. The
/// cursor is opaque to clients; here it names the last item given by its key, so a page after it starts after that
/// item wherever it now stands: an item added or removed between pages neither repeats nor hides what follows, and
/// a cursor replayed on another list (another year, another filter) is refused unless that list holds the item.
/// The large lists (employees, the change feed, the city's follow-ups) page in SQL by key instead.
enum Pagination {
    static let defaultLimit = 200, maximumLimit = 1000

    /// The page size a request asks for (`limit`), or the default; a size out of range is named.
    static func limit(_ asked: Int?) throws -> Int {
        let size = asked ?? defaultLimit
        guard (1...maximumLimit).contains(size) else { throw APIProblem.invalid("limit \(size) is not within 1-\(maximumLimit)") }
        return size
    }

    /// One page of `all` after the item `cursor` names; `key` names an item uniquely within the list.
    static func page<T>(_ all: [T], key: (T) -> String, cursor: String?, limit: Int?) throws -> (items: [T], next: String?) {
        let size = try Self.limit(limit)
        // A key that repeats is told apart by its occurrence, so a page never starts again at its own first item.
        var seen: [String: Int] = [:]
        let keys = all.map { item in
            let k = key(item)
            defer { seen[k, default: 0] += 1 }
            return seen[k].map { "\(k)\n\($0)" } ?? k
        }
        var start = 0
        if let cursor {
            guard let last = decode(cursor) else {
                throw APIProblem.invalid("cursor '\(cursor)' is not a cursor this API gave out")
            }
            guard let at = keys.firstIndex(of: last) else {
                throw APIProblem.invalid("cursor '\(cursor)' continues after '\(last)', which this list no longer holds "
                                         + "(removed since, or the cursor is another list's): start again without a cursor")
            }
            start = at + 1
        }
        let end = min(all.count, start + size)
        return (Array(all[start..<end]), end < all.count ? encode(keys[end - 1]) : nil)
    }

    /// `k` and the key in base64url without padding: opaque, and safe in a query string as it stands.
    static func encode(_ key: String) -> String {
        "k" + Data(key.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> String? {
        guard cursor.hasPrefix("k"), cursor.count > 1 else { return nil }
        var b64 = cursor.dropFirst().replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        guard let data = Data(base64Encoded: b64) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
