import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Versions of what a read returns (`ETag`), for `If-None-Match` (304 when unchanged) and `If-Match` (412
/// when someone changed it since): a hash of the representation, so any change shows.
enum EntityTag {
    /// The tag of a response body: a weak tag over its canonical JSON, the same for the same data. Written as the
    /// server writes its answers (`registerHandlers` in `buildRouter`: sorted keys, `/` not escaped), so that the
    /// tag a change answers with is the one a read of the same data gets from its body.
    static func of(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return tag(Data(try e.encode(value)))
    }

    static func tag(_ data: Data) -> String {
        // Hex by hand: String(format:) per byte was 5% of the server's time on a read.
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = Array("W/\"".utf8)
        out.reserveCapacity(36)
        for byte in SHA256.hash(data: data).prefix(16) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    /// `If-Match` as RFC 9110 reads it: `*` for anything that exists, or one of a list of tags (weak compare).
    static func matches(_ header: String, _ current: String?) -> Bool {
        guard let current else { return false }
        let tags = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        func opaque(_ t: String) -> String { t.hasPrefix("W/") ? String(t.dropFirst(2)) : t }
        return tags.contains("*") || tags.contains { opaque($0) == opaque(current) }
    }

    /// A change to something that exists, sent without `If-Match` (428): it would overwrite whatever version is
    /// stored, seen or not. Thrown after the change was checked and made (the transaction then rolls back), so a
    /// request refused for another reason (403, 404, 409) is told that reason first.
    static func required(what: String, read: String) -> APIProblem {
        APIProblem(.preconditionRequired, code: "precondition_required", id: "If-Match diperlukan", en: "If-Match is required",
                   detail: "\(what) exists: send If-Match with the ETag of \(read) (the version the change was made from), "
                       + "or If-Match: * to change whatever version is stored; nothing was changed")
    }

    static func require(_ header: String, matches current: String?, what: String) throws {
        guard matches(header, current) else {
            throw APIProblem(.preconditionFailed, code: "precondition_failed", id: "Data telah berubah sejak dibaca",
                             en: "Changed since it was read",
                             detail: "\(what) is no longer the version of If-Match \(header) (now \(current ?? "absent")): read it again, then change it")
        }
    }
}

/// `ETag` on every successful read that has none yet (a hash of its body), and 304 Not Modified when the
/// request's `If-None-Match` names it.
struct EntityTagMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        // A handler's tag comes URI-encoded from the generated code (a read's, or a change's new version): a tag
        // is sent as it stands.
        if let tag = response.headers[.eTag], tag.contains("%"), let plain = tag.removingPercentEncoding { response.headers[.eTag] = plain }
        guard request.method == .get || request.method == .head, response.status == .ok else { return response }
        if response.headers[.eTag] == nil {
            var collected = CollectingWriter()
            try await response.body.write(collected.self)
            _ = collected
            let bytes = try await collected.result()
            response.headers[.eTag] = EntityTag.tag(bytes)
            response.body = .init(byteBuffer: ByteBuffer(bytes: bytes))
        }
        if let wanted = request.headers[.ifNoneMatch], EntityTag.matches(wanted, response.headers[.eTag]) {
            var headers = HTTPFields()
            headers[.eTag] = response.headers[.eTag]
            return Response(status: .notModified, headers: headers)
        }
        return response
    }
}
