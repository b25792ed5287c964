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
        /// The schema's `enum`, when it has one.
        var allowed: [String]? = nil
    }

    /// Each operation's path template (`/v1/employees/{nip}/skp/{year}`) and parameters, by operation id.
    var operations: [String: (path: String, parameters: [Parameter])] = [:]
    /// The values a field of an operation's request body may take, where the schema lists them (`enum`): by
    /// operation id, then the field's place in the body (`["events", "*", "kind"]`; `*` an item of a list or a
    /// key of a map). A place that two schemas of the body list differently (`oneOf`) has nil: no list is sure.
    var bodyEnums: [String: [[String]: [String]?]] = [:]

    static let shared = ParameterCatalogue(text: OpenAPIDocument.text)

    init(text: String) {
        guard let document = (try? Yams.load(yaml: text)) as? [String: Any],
              let paths = document["paths"] as? [String: Any] else { return }
        let shared = ((document["components"] as? [String: Any])?["parameters"] as? [String: Any]) ?? [:]
        let schemas = ((document["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:]
        // A schema (or, from `table`, a parameter), its `$ref`s followed (a few deep: a name may stand for another).
        func resolved(_ raw: Any?, in table: [String: Any]? = nil) -> [String: Any]? {
            var s = raw as? [String: Any]
            for _ in 0..<8 {
                guard let ref = s?["$ref"] as? String, let name = ref.split(separator: "/").last else { return s }
                s = (table ?? schemas)[String(name)] as? [String: Any]
            }
            return nil
        }
        // A schema's own `enum`.
        func allowed(_ raw: Any?) -> [String]? { (resolved(raw)?["enum"] as? [Any])?.map { "\($0)" } }
        // Every place under a schema that lists its values: nested properties, items of lists, values of maps.
        func fields(_ raw: Any?, at place: [String], depth: Int, into out: inout [[String]: Set<[String]>]) {
            guard depth < 16, let s = resolved(raw) else { return }
            if let values = allowed(s) { out[place, default: []].insert(values) }
            for key in ["allOf", "oneOf", "anyOf"] {
                for sub in (s[key] as? [Any]) ?? [] { fields(sub, at: place, depth: depth + 1, into: &out) }
            }
            fields(s["items"], at: place + ["*"], depth: depth + 1, into: &out)
            fields(s["additionalProperties"], at: place + ["*"], depth: depth + 1, into: &out)
            for (name, property) in (s["properties"] as? [String: Any]) ?? [:] {
                fields(property, at: place + [name], depth: depth + 1, into: &out)
            }
        }
        func parameter(_ raw: Any) -> Parameter? {
            guard let p = resolved(raw, in: shared), let name = p["name"] as? String, let location = (p["in"] as? String).flatMap(Parameter.Location.init) else {
                return nil
            }
            let type = ((p["schema"] as? [String: Any])?["type"] as? String) ?? "string"
            return Parameter(name: name, location: location, required: (p["required"] as? Bool) ?? (location == .path), type: type,
                             allowed: allowed(p["schema"]))
        }
        for (path, item) in paths {
            guard let methods = item as? [String: Any] else { continue }
            for (_, op) in methods {
                guard let op = op as? [String: Any], let id = op["operationId"] as? String else { continue }
                operations[id] = (path, ((op["parameters"] as? [Any]) ?? []).compactMap(parameter))
                var found: [[String]: Set<[String]>] = [:]
                for (_, media) in (((op["requestBody"] as? [String: Any])?["content"] as? [String: Any]) ?? [:]) {
                    fields((media as? [String: Any])?["schema"], at: [], depth: 0, into: &found)
                }
                bodyEnums[id] = found.mapValues { $0.count == 1 ? $0.first : nil }
            }
        }
    }

    /// The values the body field at `place` (`["events", "2", "kind"]`) may take in `operation`'s request, when
    /// the spec lists them: a list's index or a map's key matches `*`, and a field the schema names matches before
    /// a map's `*` does. Nil when no place fits, or the places that fit best do not agree on one list.
    func allowed(operation: String, at place: [String]) -> [String]? {
        let fitting = (bodyEnums[operation] ?? [:]).filter { pattern, _ in
            pattern.count == place.count && zip(pattern, place).allSatisfy { $0 == "*" || $0 == $1 }
        }
        func wildcards(_ pattern: [String]) -> Int { pattern.filter { $0 == "*" }.count }
        guard let fewest = fitting.keys.map(wildcards).min() else { return nil }
        let lists = Set(fitting.filter { wildcards($0.key) == fewest }.values)
        guard lists.count == 1, let list = lists.first else { return nil }
        return list
    }

    /// What is wrong with the request's parameters for `operation`, one clause each (a required one absent, one
    /// not of its type, one outside its values), or nil when nothing is found that way.
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
            let shown = value.count > 40 ? value.prefix(40) + "..." : Substring(value)
            if let expected = Self.mismatch(value, type: p.type) {
                clauses.append("the \(p.location.rawValue) parameter '\(p.name)' must be \(expected), not '\(shown)'")
            } else if let allowed = p.allowed, !allowed.contains(value) {
                clauses.append("the \(p.location.rawValue) parameter '\(p.name)' must be one of \(allowed.joined(separator: ", ")), not '\(shown)'")
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
