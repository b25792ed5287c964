import Foundation
import HTTPTypes
import Hummingbird
import KinerjaStore
import Logging
import NIOCore
import OpenAPIRuntime

private let hexDigits = Array("0123456789abcdef".utf8)

/// The outermost middleware: gives every request an id (echoed in `X-Request-Id`), logs it, and turns
/// every error into a problem document. Unexpected errors are logged and answered with a plain 500.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = request.headers[.requestID].flatMap { $0.count <= 64 ? $0 : nil } ?? Self.newRequestID()
        var context = context
        context.logger[metadataKey: "request_id"] = "\(requestID)"
        let english = request.headers[.acceptLanguage]?.lowercased().hasPrefix("en") ?? false
        var response: Response
        let fields = AccessLogFields()
        do {
            response = try await AccessLogFields.$current.withValue(fields) { try await next(request, context) }
        } catch {
            let problem = Self.problem(for: error, logger: context.logger, path: request.uri.path)
            response = try problem.response(english: english, instance: request.uri.path)
            // A login turned away in a flood is expected, and its access line says so: not an error each.
            if problem.status.code >= 500 && problem.code != "login_busy" {
                context.logger.error("request failed", metadata: Self.loggable(error).merging(["path": "\(Self.loggable(request.uri.path))"]) { $1 })
            }
        }
        response.headers[.requestID] = requestID
        for field in fields.headers where response.headers[field.name] == nil { response.headers.append(field) }
        // The generated code writes header values URI-encoded; a Location is a path as it stands.
        if let location = response.headers[.location], location.hasPrefix("%2F"), let plain = location.removingPercentEncoding {
            response.headers[.location] = plain
        }
        // The generated code names a text type without its charset; every text answer here is UTF-8, which a
        // client decoding the text would not assume (ISO-8859-1 was text's default in HTTP/1.1's first RFC).
        if let type = response.headers[.contentType], type == "text/csv" || type == "text/html" {
            response.headers[.contentType] = type + "; charset=utf-8"
        }
        context.logger.info("request", metadata: fields.metadata.merging([
            "method": "\(request.method)", "path": "\(Self.loggable(request.uri.path))", "status": "\(response.status.code)",
        ]) { $1 })
        return response
    }

    /// A random (version 4) UUID in lower case, as `UUID().uuidString.lowercased()` gives, in a fifth of its
    /// time (0.9 µs against 4.7 µs here): every request without an `X-Request-Id` of its own takes one.
    static func newRequestID() -> String {
        var random = SystemRandomNumberGenerator()
        let high = (random.next() as UInt64) & ~0xF000 | 0x4000  // version 4
        let low = (random.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000  // variant 10
        return String(unsafeUninitializedCapacity: 36) { out in
            var i = 0
            func put(_ value: UInt64, _ count: Int) {
                for shift in stride(from: (count - 1) * 4, through: 0, by: -4) {
                    out[i] = hexDigits[Int((value >> UInt64(shift)) & 0xF)]
                    i += 1
                }
            }
            func dash() { out[i] = UInt8(ascii: "-"); i += 1 }
            put(high >> 32, 8); dash(); put(high >> 16, 4); dash(); put(high, 4); dash(); put(low >> 48, 4); dash(); put(low, 12)
            return i
        }
    }

    /// The path as the logs may show it: a behaviour rating's path names whom the caller rates, and the log line
    /// names the caller's key, so together they would tell who rated whom. That path is logged as its template.
    /// The router reads `/v1/me/feedback/2026/q1/NIP/` and `//v1/me//feedback/...` as the same route, so the path
    /// is judged by its segments, empty ones left out and percent-escapes read.
    static func loggable(_ path: String) -> String {
        let segments = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        guard segments.map({ $0.lowercased() }).starts(with: ["v1", "me", "feedback"]) else { return path }
        // The year and the period stay when they are what the route has there (2026, Y, S1, Q3, M11).
        guard segments.count == 6, segments[3].count == 4, segments[3].allSatisfy(\.isNumber), segments[4].count <= 3,
              segments[4].allSatisfy({ $0.isLetter || $0.isNumber }) else { return "/v1/me/feedback/{year}/{period}/{nip}" }
        return "/v1/me/feedback/\(segments[3])/\(segments[4])/{nip}"
    }

    /// A failed request's error as the log may show it. The generated code's `ServerError` describes the whole
    /// request, its `Authorization` header (the caller's key) and its decoded body (names, NIPs) included: only
    /// the operation and the error under it are logged, a database error without the row it refused.
    static func loggable(_ error: any Error) -> Logger.Metadata {
        guard let s = error as? ServerError else { return ["error": "\(StoreError.loggable(error))"] }
        return ["operation": "\(s.operationID)", "cause": "\(s.causeDescription)", "error": "\(StoreError.loggable(s.underlyingError))"]
    }

    /// A body the generated code could not decode, named by the field (`jabatanKind`, `items.0.nip`) with the
    /// values it may take; a query parameter or header outside its values, named with them from the spec; nil
    /// when nothing names a field (a top-level value), for the generic description.
    static func problem(for error: DecodingError, operation: String, request: HTTPRequest? = nil) -> APIProblem? {
        func field(_ path: [any CodingKey]) -> String { path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case .typeMismatch(_, let ctx) where ctx.codingPath.isEmpty, .valueNotFound(_, let ctx) where ctx.codingPath.isEmpty:
            return nil
        case .dataCorrupted(let ctx) where ctx.debugDescription.contains("invalid String value "):
            let value = ctx.debugDescription.components(separatedBy: "invalid String value ").last ?? ""
            // A parameter's value (the path is empty): the spec names the parameter and its values.
            if ctx.codingPath.isEmpty, let request, let clauses = ParameterCatalogue.shared.explain(operation: operation, request: request) {
                return .invalid("\(clauses) (\(operation))")
            }
            let at = ctx.codingPath.isEmpty ? "" : " for \(field(ctx.codingPath))"
            if !ctx.codingPath.isEmpty,
               let allowed = ParameterCatalogue.shared.allowed(operation: operation, at: ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }) {
                return .invalid("value '\(value)'\(at) is not allowed in \(operation): it must be one of \(allowed.joined(separator: ", "))")
            }
            return .invalid("value '\(value)'\(at) is not allowed in \(operation); the allowed values are in /openapi.yaml")
        case .dataCorrupted(let ctx) where ctx.codingPath.isEmpty && ctx.debugDescription.contains("not valid JSON"):
            return .invalid("the body is not valid JSON (\(operation))")
        case .dataCorrupted(let ctx) where ctx.codingPath.isEmpty:
            return nil
        case .dataCorrupted(let ctx):
            return .invalid("\(field(ctx.codingPath)): \(ctx.debugDescription) (\(operation))")
        case .keyNotFound(let key, let ctx):
            return .invalid("\(field(ctx.codingPath + [key])) is required (\(operation))")
        case .typeMismatch(let type, let ctx), .valueNotFound(let type, let ctx):
            return .invalid("\(field(ctx.codingPath)) must be \(Self.jsonType(type)) (\(operation))")
        @unknown default:
            return nil
        }
    }

    static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int32.Type, is Int64.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        default: "of the type /openapi.yaml gives"
        }
    }

    /// The connection to the database lost while a request was answered (a restart, a network fault): 503, as
    /// during the outage that follows, not 500.
    static var connectionLost: APIProblem {
        APIProblem.databaseUnavailable("the database ended the connection while this request was answered (it restarted, or the "
                                               + "network failed): what had not committed is not kept; send it again once GET /ready answers 200")
    }

    static func problem(for error: any Error, logger: Logger, path: String) -> APIProblem {
        if StoreError.connectionLost((error as? ServerError)?.underlyingError ?? error) { return connectionLost }
        switch error {
        case let p as APIProblem: return p
        case let s as StoreError: return APIProblem.from(s)
        case let r as ImportRejected: return APIProblem.importRejected(r)
        case let s as ServerError:
            if let p = s.underlyingError as? APIProblem { return p }
            if let r = s.underlyingError as? ImportRejected { return APIProblem.importRejected(r) }
            if let st = s.underlyingError as? StoreError { return APIProblem.from(st) }
            if let conflict = APIProblem.conflict(from: s.underlyingError) { return conflict }
            // The generated code rejects input that breaks the contract before a handler runs.
            // Only a request the generated code could not decode: a handler's own decoding (of stored JSON) is a fault.
            if s.httpStatus.code < 500, let d = s.underlyingError as? DecodingError, let p = Self.problem(for: d, operation: s.operationID, request: s.request) {
                return p
            }
            // A parameter (query, path, header) the generated code refused without naming it, or naming only the
            // first of several missing: named from the spec, each of them.
            if s.httpStatus.code < 500, let clauses = ParameterCatalogue.shared.explain(operation: s.operationID, request: s.request) {
                return .invalid("\(clauses) (\(s.operationID))")
            }
            if s.httpStatus.code < 500 {
                return .invalid("\(s.causeDescription) (\(s.operationID))")
            }
            return .internalError
        case is NIOTooManyBytesError:
            return .contentTooLarge(nil, limit: nil)
        case let h as HTTPError:
            return APIProblem(h.status, code: h.status == .notFound ? "not_found" : "invalid_parameter",
                              id: h.status == .notFound ? "Tidak ditemukan" : "Permintaan tidak valid",
                              en: h.status == .notFound ? "Not found" : "Bad request", detail: h.body ?? path)
        default:
            return APIProblem.conflict(from: error) ?? .internalError
        }
    }
}
