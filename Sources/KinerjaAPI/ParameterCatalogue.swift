import Foundation
import HTTPTypes
import Yams

/// The parameters of each operation, as `openapi.yaml` declares them, to name the one a request got wrong. The
/// generated code refuses a missing required query parameter, or one that is not of its type, with an error
/// that names neither the parameter nor the value (`valueNotFound String - at : Value not found`); from the
/// request and this catalogue the problem says which, and why.
struct ParameterCatalogue: Sendable {
    struct Parameter: Sendable, Equatable {
        enum Location: String, Sendable { case query, path, header }
        var name: String
        var location: Location
        var required: Bool
        /// The schema's `type` (`string`, `integer`, `number`, `boolean`).
        var type: String
    }

    /// Each operation's path template (`/v1/employees/{nip}/skp/{year}`) and parameters, by operation id.
    var operations: [String: (path: String, parameters: [Parameter])] = [:]

    static let shared = ParameterCatalogue(text: OpenAPIDocument.text)

    init(text: String) {
        guard let document = (try? Yams.load(yaml: text)) as? [String: Any],
              let paths = document["paths"] as? [String: Any] else { return }
        let shared = ((document["components"] as? [String: Any])?["parameters"] as? [String: Any]) ?? [:]
        func parameter(_ raw: Any) -> Parameter? {
            var p = raw as? [String: Any]
            if let ref = p?["$ref"] as? String, let name = ref.split(separator: "/").last {
                p = shared[String(name)] as? [String: Any]
            }
            guard let p, let name = p["name"] as? String, let location = (p["in"] as? String).flatMap(Parameter.Location.init) else {
                return nil
            }
            let type = ((p["schema"] as? [String: Any])?["type"] as? String) ?? "string"
            return Parameter(name: name, location: location, required: (p["required"] as? Bool) ?? (location == .path), type: type)
        }
        for (path, item) in paths {
            guard let methods = item as? [String: Any] else { continue }
            for (_, op) in methods {
                guard let op = op as? [String: Any], let id = op["operationId"] as? String else { continue }
                operations[id] = (path, ((op["parameters"] as? [Any]) ?? []).compactMap(parameter))
            }
        }
    }

    /// What is wrong with the request's parameters for `operation`, one clause each (a required one absent, one
    /// not of its type), or nil when nothing is found that way.
    func explain(operation: String, request: HTTPRequest) -> String? {
        guard let (template, parameters) = operations[operation] else { return nil }
        let full = request.path ?? ""
        let (path, query) = full.firstIndex(of: "?").map { (String(full[..<$0]), String(full[full.index(after: $0)...])) } ?? (full, "")
        // Read as the generated code reads a form query (`+` a space, percent-escapes decoded), by hand: a query
        // that is not valid percent-encoding (a lone `%`) must not stop the explanation, or the process.
        var given: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decoded(parts[0]), value = parts.count > 1 ? Self.decoded(parts[1]) : ""
            if given[name] == nil { given[name] = value }
        }
        // The path's values by the template's names; segments compared as the router does, empty ones left out.
        let segments = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        let names = template.split(separator: "/")
        var inPath: [String: String] = [:]
        if segments.count == names.count {
            for (name, value) in zip(names, segments) where name.hasPrefix("{") { inPath[String(name.dropFirst().dropLast())] = value }
        }
        var clauses: [String] = []
        for p in parameters {
            let value: String?
            switch p.location {
            case .query: value = given[p.name]
            case .path: value = inPath[p.name]
            case .header: value = HTTPField.Name(p.name).flatMap { request.headerFields[$0] }
            }
            guard let value else {
                if p.required, p.location != .path { clauses.append("the \(p.location.rawValue) parameter '\(p.name)' is required") }
                continue
            }
            if let expected = Self.mismatch(value, type: p.type) {
                let shown = value.count > 40 ? value.prefix(40) + "..." : Substring(value)
                clauses.append("the \(p.location.rawValue) parameter '\(p.name)' must be \(expected), not '\(shown)'")
            }
        }
        return clauses.isEmpty ? nil : clauses.joined(separator: "; ")
    }

    /// A query's name or value as text: `+` is a space, a percent-escape its byte; text that is not valid
    /// percent-encoding is kept as sent.
    static func decoded(_ raw: Substring) -> String {
        let spaced = raw.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// What `value` should have been when it is not of `type`; nil when it is.
    static func mismatch(_ value: String, type: String) -> String? {
        switch type {
        case "integer": Int(value) == nil ? "a whole number" : nil
        case "number": Double(value) == nil ? "a number" : nil
        case "boolean": ["true", "false"].contains(value) ? nil : "true or false"
        default: nil
        }
    }
}
