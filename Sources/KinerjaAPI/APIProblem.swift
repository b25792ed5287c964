public import Foundation
public import HTTPTypes
public import Hummingbird
public import KinerjaCore
public import KinerjaStore

/// An error at the HTTP edge: a status, a stable code, a title in Indonesian and English, and the detail
/// that names the bad value. Rendered as `application/problem+json` (RFC 9457).
public struct APIProblem: Error, HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var titleID: String
    public var titleEN: String
    public var detail: String?
    /// Seconds for `Retry-After` (429, 503).
    public var retryAfter: Int? = nil
    /// Row errors of a rejected import.
    public var rowErrors: [RowError]? = nil
    public var total: Int? = nil

    public init(_ status: HTTPResponse.Status, code: String, id: String, en: String, detail: String? = nil) {
        self.status = status
        self.code = code
        self.titleID = id
        self.titleEN = en
        self.detail = detail
    }

    public static func unauthenticated(_ detail: String) -> APIProblem {
        .init(.unauthorized, code: "unauthenticated", id: "Kredensial tidak valid", en: "Invalid credentials", detail: detail)
    }
    public static let keyRevoked = APIProblem(.unauthorized, code: "key_revoked", id: "Kunci API telah dicabut",
                                              en: "The API key has been revoked", detail: "ask the city's HR admin for a new key")
    public static func tenantSuspended(_ code: String) -> APIProblem {
        .init(.forbidden, code: "tenant_suspended", id: "Kota ditangguhkan", en: "City suspended",
              detail: "city '\(code)' is suspended; its data are kept, and access returns when it is resumed")
    }
    public static func tenantReadOnly(_ code: String) -> APIProblem {
        .init(.conflict, code: "tenant_read_only", id: "Data kota hanya dapat dibaca", en: "City is read-only",
              detail: "city '\(code)' is offboarded: its data are kept read-only until they are purged, and nothing can be changed")
    }
    public static func tenantNotGranted(_ code: String) -> APIProblem {
        .init(.forbidden, code: "tenant_not_granted", id: "Kota tidak termasuk dalam hak akses kunci ini",
              en: "The key is not granted this city", detail: "Kinerja-Tenant '\(code)' is not among this key's cities")
    }
    public static func tenantRequired(_ grants: [String]) -> APIProblem {
        .init(.badRequest, code: "tenant_required", id: "Pilih kota dengan header Kinerja-Tenant",
              en: "Choose a city with the Kinerja-Tenant header",
              detail: "this key covers several cities: send Kinerja-Tenant with one of: \(grants.joined(separator: ", "))")
    }
    public static func forbidden(_ detail: String) -> APIProblem {
        .init(.forbidden, code: "forbidden", id: "Akses ditolak", en: "Forbidden", detail: detail)
    }
    public static func notFound(_ detail: String) -> APIProblem {
        .init(.notFound, code: "not_found", id: "Tidak ditemukan", en: "Not found", detail: detail)
    }
    public static func invalid(_ detail: String) -> APIProblem {
        .init(.badRequest, code: "invalid_parameter", id: "Parameter tidak valid", en: "Invalid parameter", detail: detail)
    }
    public static func conflict(_ detail: String) -> APIProblem {
        .init(.conflict, code: "conflict", id: "Bertentangan dengan keadaan data saat ini", en: "Conflicts with the current state",
              detail: detail)
    }
    /// A database refusal that means "not now, not in this state": a concurrent change won (unique violation)
    /// or the row's state forbids it (the SKP and period guards). Their own message names the row.
    static func conflict(from error: any Error) -> APIProblem? {
        switch StoreError.sqlState(error) {
        case "23505": return .conflict("a concurrent change to the same record came first; read it again and retry")
        case "55000": return .conflict(StoreError.describe(error))
        case "25006": return .init(.conflict, code: "tenant_read_only", id: "Data kota hanya dapat dibaca", en: "City is read-only",
                                   detail: StoreError.describe(error))
        // A NUL (or a byte sequence that is not UTF-8) in a value: the database stores no such text.
        case "22021", "22P05": return .invalid("a value holds a character that cannot be stored (a NUL, \\u0000, or bytes that are not UTF-8): remove it")
        // A deadlock or serialization failure: the database ended this request to let another through.
        case "40P01", "40001": return .conflict("a concurrent change to the same records came first and nothing of this request was written: retry it")
        case "57014": return .queryTimeout("the database stopped the request after the statement timeout (KINERJA_STATEMENT_TIMEOUT_SECONDS); nothing was changed")
        default: return nil
        }
    }
    /// Password checks all taken, and as many waiting as may: a flood of logins is turned away here, and the
    /// rest of the server goes on.
    static var loginBusy: APIProblem {
        var p = APIProblem(.serviceUnavailable, code: "login_busy", id: "Terlalu banyak permintaan masuk; coba lagi sebentar lagi",
                           en: "Too many logins at once; try again in a moment",
                           detail: "every password check is taken and as many are waiting as may: send the login again in a second (Retry-After)")
        p.retryAfter = 1
        return p
    }

    public static func tooManyRequests(retryAfter: Int, rate: Double) -> APIProblem {
        var p = APIProblem(.tooManyRequests, code: "rate_limited", id: "Terlalu banyak permintaan", en: "Too many requests",
                           detail: "this key sends more than \(Int(rate)) requests a second: wait \(max(1, retryAfter)) s (Retry-After)")
        p.retryAfter = max(1, retryAfter)
        return p
    }
    public static func contentTooLarge(_ length: Int?, limit: Int?) -> APIProblem {
        .init(.contentTooLarge, code: "body_too_large", id: "Isi permintaan terlalu besar", en: "Request body too large",
              detail: "the body\(length.map { " of \($0) bytes" } ?? "") is over the limit\(limit.map { " of \($0) bytes" } ?? "") for this path")
    }
    public static func queryTimeout(_ detail: String) -> APIProblem {
        var p = APIProblem(.serviceUnavailable, code: "query_timeout", id: "Permintaan terlalu lama di basis data", en: "The database took too long",
                           detail: detail)
        p.retryAfter = 5
        return p
    }
    /// The database did not answer in time: the request did nothing, and may be sent again.
    public static func databaseUnavailable(_ detail: String) -> APIProblem {
        .init(.serviceUnavailable, code: "database_unavailable", id: "Basis data tidak dapat dihubungi; coba lagi",
              en: "Database unavailable; try again", detail: detail)
    }
    /// `retryAfter` when waiting helps (a database that does not answer); none when someone must act first (a
    /// migration to run, an unsafe role).
    public static func notReady(_ detail: String, retryAfter: Int? = nil) -> APIProblem {
        var p = APIProblem(.serviceUnavailable, code: "not_ready", id: "Layanan belum siap", en: "Service not ready", detail: detail)
        p.retryAfter = retryAfter
        return p
    }
    public static func importRejected(_ r: ImportRejected) -> APIProblem {
        var p = APIProblem(.unprocessableContent, code: "import_rejected", id: "Impor ditolak; tidak ada yang diubah",
                           en: "Import rejected; nothing was changed",
                           detail: "\(r.total) problem(s) in the file; see errors")
        p.rowErrors = r.errors
        p.total = r.total
        return p
    }
    public static let internalError = APIProblem(.internalServerError, code: "internal", id: "Kesalahan internal",
                                                 en: "Internal error", detail: "the error was logged with this request's id")

    /// The problem for a store error, without leaking another city's existence.
    public static func from(_ error: StoreError) -> APIProblem {
        switch error {
        case .notFound(let what, let key): .notFound("\(what) '\(key)' not found")
        case .invalid(let message): .invalid(message)
        case .forbidden(let message): .forbidden(message)
        case .state(let message): .conflict(message)
        case .conflict: .conflict(error.description)
        case .tenantSuspended(let code): .tenantSuspended(code)
        case .migrationsPending, .checksumMismatch: .notReady(error.description)
        // The database's address (role, host, port, name) is for the server's log, not for callers.
        case .unavailable(let message, _): .databaseUnavailable(message)
        default: .internalError
        }
    }

    struct Document: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var code: String
        var instance: String?
        var errors: [RowError]?
        var total: Int?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let english = request.headers[.acceptLanguage]?.lowercased().hasPrefix("en") ?? false
        return try response(english: english, instance: request.uri.path)
    }

    func response(english: Bool, instance: String?) throws -> Response {
        let doc = Document(type: "https://kinerja.dev/problems/\(code)", title: english ? titleEN : titleID,
                           status: Int(status.code), detail: detail, code: code, instance: instance,
                           errors: rowErrors, total: total)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if code == "database_unavailable" { headers[.retryAfter] = "5" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(doc))))
    }
}
