import Yams

/// One thing wrong with a profile: where (a key path such as `behaviour360.atasan`), the bad value,
/// and what is allowed there.
public struct ProfileIssue: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var value: String
    public var allowed: String

    public init(path: String, value: String, allowed: String) {
        self.path = path
        self.value = value
        self.allowed = allowed
    }

    public var description: String { "\(path.isEmpty ? "(top level)" : path): \(value) — \(allowed)" }
}

/// All the issues of a profile that did not load.
public struct ProfileError: Error, Sendable, CustomStringConvertible {
    public var source: String
    public var issues: [ProfileIssue]
    public var description: String {
        "profile \(source) is invalid:\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Reads profiles from YAML: merges a city's overlay onto the national default, decodes, rejects unknown
/// keys and checks the values.
public enum ProfileLoader {
    /// The effective profile of an overlay: national default, then the overlay's keys on top.
    public static func load(overlay yaml: String, source: String) throws(ProfileError) -> TenantProfile {
        let base = parse(NationalProfile.yaml, source: "national default")
        let overlay: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                return try decodeAndValidate(base, source: source)
            }
            overlay = node
        } catch let error as ProfileError {
            throw error
        } catch {
            throw ProfileError(source: source, issues: [ProfileIssue(path: "", value: "not YAML", allowed: "\(error)")])
        }
        guard overlay.mapping != nil else {
            throw ProfileError(source: source, issues: [ProfileIssue(path: "", value: "a \(kind(overlay))", allowed: "a mapping of profile keys")])
        }
        return try decodeAndValidate(merge(base, overlay, adding: ["holidayDates"]), source: source)
    }

    /// The profile as YAML text.
    public static func yaml(_ profile: TenantProfile) -> String {
        (try? YAMLEncoder().encode(profile)) ?? ""
    }

    static func parse(_ yaml: String, source: String) -> Node {
        // The national default ships with the code and is covered by tests.
        try! Yams.compose(yaml: yaml)!
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "value '\(s.string)'"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }

    /// Mappings merge key by key; anything else in the overlay replaces the base, except the lists of the keys
    /// `adding` (of this mapping, not deeper), which the overlay's add to, each once: a city's holidays add to the
    /// national ones, which it observes too (and a profile written out whole and read again is the same).
    static func merge(_ base: Node, _ overlay: Node, adding: Set<String> = []) -> Node {
        guard case .mapping(let b) = base, case .mapping(let o) = overlay else { return overlay }
        var pairs: [(Node, Node)] = []
        for (key, value) in b {
            if let replacement = o[key] {
                if let name = key.string, adding.contains(name), case .sequence(let first) = value, case .sequence(let more) = replacement {
                    let known = Set(first.compactMap(\.string))
                    pairs.append((key, .sequence(Node.Sequence(Array(first) + more.filter { $0.string.map { !known.contains($0) } ?? true }))))
                } else {
                    pairs.append((key, merge(value, replacement)))
                }
            } else {
                pairs.append((key, value))
            }
        }
        for (key, value) in o where b[key] == nil { pairs.append((key, value)) }
        return .mapping(Node.Mapping(pairs))
    }

    static func decodeAndValidate(_ node: Node, source: String) throws(ProfileError) -> TenantProfile {
        var issues = unknownKeys(node, path: "", schema: schemaNode)
        let profile: TenantProfile
        do {
            profile = try YAMLDecoder().decode(TenantProfile.self, from: node)
        } catch let error as DecodingError {
            issues.append(issue(from: error, node: node))
            throw ProfileError(source: source, issues: issues)
        } catch {
            issues.append(ProfileIssue(path: "", value: "unreadable", allowed: "\(error)"))
            throw ProfileError(source: source, issues: issues)
        }
        issues += ProfileValidator.issues(in: profile)
        guard issues.isEmpty else { throw ProfileError(source: source, issues: issues) }
        return profile
    }

    /// The shape of a complete profile, used to tell which keys exist.
    nonisolated(unsafe) static let schemaNode: Node = parse(NationalProfile.yaml, source: "national default")

    /// Keys in `node` that the schema does not know. Lists are checked against the schema's first element;
    /// the distribution curve's keys are organisation predikat.
    static func unknownKeys(_ node: Node, path: String, schema: Node) -> [ProfileIssue] {
        switch (node, schema) {
        case (.mapping(let m), .mapping(let s)):
            var out: [ProfileIssue] = []
            for (key, value) in m {
                let name = key.string ?? "?"
                let here = path.isEmpty ? name : "\(path).\(name)"
                if path == "distributionCurve" {
                    if PredikatOrganisasi(rawValue: name) == nil {
                        out.append(ProfileIssue(path: here, value: "unknown organisation predikat '\(name)'",
                                                allowed: "one of: " + PredikatOrganisasi.allCases.map(\.rawValue).joined(separator: ", ")))
                    } else if let rule = s.values.first {
                        out += unknownKeys(value, path: here, schema: rule)
                    }
                    continue
                }
                if let sub = s[key] {
                    out += unknownKeys(value, path: here, schema: sub)
                } else if !optionalKeys.contains(name) {
                    out.append(ProfileIssue(path: here, value: "unknown key '\(name)'",
                                            allowed: "known keys here: " + s.keys.compactMap(\.string).joined(separator: ", ")))
                }
            }
            return out
        case (.sequence(let items), .sequence(let s)):
            guard let first = s.first(where: { _ in true }) else { return [] }
            return items.enumerated().flatMap { unknownKeys($0.element, path: "\(path)[\($0.offset)]", schema: first) }
        default:
            return []
        }
    }

    /// Optional keys that the national default leaves out.
    static let optionalKeys: Set<String> = ["minPercent", "maxPercent", "minCount", "target", "lowerIsBetter", "accumulation", "agreedWithEmployee", "note", "minCapaian", "kinerjaCut", "indicator"]

    static func issue(from error: DecodingError, node: Node) -> ProfileIssue {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce("") { acc, key in
                if let i = key.intValue { return "\(acc)[\(i)]" }
                return acc.isEmpty ? key.stringValue : "\(acc).\(key.stringValue)"
            }
        }
        func value(at codingPath: [any CodingKey]) -> String {
            var current: Node? = node
            for key in codingPath {
                if let i = key.intValue, let seq = current?.sequence, i < seq.count { current = seq[i] } else { current = current?.mapping?[key.stringValue] }
            }
            guard let current else { return "missing" }
            return "'\(current.string ?? kind(current))'"
        }
        switch error {
        case .typeMismatch(let type, let ctx):
            return ProfileIssue(path: path(ctx.codingPath), value: value(at: ctx.codingPath), allowed: "expected \(describe(type))")
        case .valueNotFound(let type, let ctx):
            return ProfileIssue(path: path(ctx.codingPath), value: "missing", allowed: "expected \(describe(type))")
        case .keyNotFound(let key, let ctx):
            return ProfileIssue(path: path(ctx.codingPath + [key]), value: "missing", allowed: "this key is required")
        case .dataCorrupted(let ctx):
            return ProfileIssue(path: path(ctx.codingPath), value: value(at: ctx.codingPath), allowed: allowedValues(for: ctx.codingPath) ?? ctx.debugDescription)
        @unknown default:
            return ProfileIssue(path: "", value: "unreadable", allowed: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "text"
        default: "\(type)"
        }
    }

    /// The allowed values of an enumerated key, by the last key name in the path.
    static func allowedValues(for codingPath: [any CodingKey]) -> String? {
        let names = codingPath.filter { $0.intValue == nil }.map(\.stringValue)
        let list: [String]? = switch names.last {
        case "cadence": TenantProfile.Periods.Cadence.allCases.map(\.rawValue)
        case "evaluation": TenantProfile.Periods.Evaluation.allCases.map(\.rawValue)
        case "regime": TenantProfile.RatingRegime.Regime.allCases.map(\.rawValue)
        case "aspect": TenantProfile.IndicatorTemplate.Aspect.allCases.map(\.rawValue)
        case "kind": TenantProfile.Reports.Format.Kind.allCases.map(\.rawValue)
        case "predikat", "when": Predikat.allCases.map(\.rawValue)
        default: nil
        }
        return list.map { "one of: " + $0.joined(separator: ", ") }
    }
}
