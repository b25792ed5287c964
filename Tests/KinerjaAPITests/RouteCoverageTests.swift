import Foundation
import Hummingbird
import KinerjaAPI
import KinerjaTestSupport
import Testing

/// The contract and the server agree: every route the router registers is an operation of openapi.yaml, and
/// every operation there is served. Paths compare with their parameters unnamed (`{nip}`, `:nip`: `{}`).
@Suite struct RouteCoverageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func normalised(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part -> String in
            part.hasPrefix("{") || part.hasPrefix(":") || part.hasPrefix("${") ? "{}" : String(part)
        }.joined(separator: "/")
    }

    static func specText() throws -> String {
        try String(contentsOf: root.appendingPathComponent("Sources/KinerjaAPI/openapi.yaml"), encoding: .utf8)
    }

    /// "METHOD /path" for each operation of the spec.
    static func specOperations() throws -> Set<String> { Set(try specResponses().keys) }

    /// Each operation of the spec ("METHOD /path", parameters unnamed) and the statuses it documents.
    static func specResponses() throws -> [String: Set<Int>] {
        let text = try specText()
        var out: [String: Set<Int>] = [:]
        var path: String?, op: String?, inPaths = false, inResponses = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, let first = line.first, first != " ", first != "#" { inPaths = false }
            guard inPaths else { continue }
            let indent = line.prefix { $0 == " " }.count
            if indent == 2, line.hasPrefix("  /"), line.hasSuffix(":") {
                (path, op, inResponses) = (String(line.dropFirst(2).dropLast()), nil, false)
            } else if indent == 4, let path, let method = ["get", "put", "post", "delete", "patch"].first(where: { line == "    \($0):" }) {
                let name = "\(method.uppercased()) \(normalised(path))"
                (op, inResponses, out[name]) = (name, false, [])
            } else if indent == 6 {
                inResponses = line == "      responses:"
            } else if inResponses, indent == 8, let op, line.dropFirst(8).hasPrefix("'"), let code = Int(line.dropFirst(9).prefix(3)) {
                out[op, default: []].insert(code)
            }
        }
        return out
    }

    @Test func everyRouteIsInTheSpecAndEveryOperationIsServed() async throws {
        let db = try await TestDatabase.app()
        let router = try buildRouter(database: db, settings: ServerSettings(), metrics: nil)
        let served = Set(router.routes.map { "\($0.method.rawValue) \(Self.normalised("\($0.path)"))" })
        let spec = try Self.specOperations()
        #expect(spec.count >= 45, "the spec parsed: \(spec.count) operations")
        #expect(served.subtracting(spec).sorted() == [], "served but not in openapi.yaml")
        #expect(spec.subtracting(served).sorted() == [], "in openapi.yaml but not served")
    }

    /// The codes of `Problem.code`'s enum in openapi.yaml.
    static func specProblemCodes() throws -> Set<String> {
        let text = try specText()
        guard let problem = text.range(of: "\n    Problem:\n"), let list = text.range(of: "enum: [", range: problem.upperBound..<text.endIndex),
              let end = text.range(of: "]", range: list.upperBound..<text.endIndex) else { return [] }
        return Set(text[list.upperBound..<end.lowerBound].split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
    }

    /// Every `code` the server answers is in the contract's list, and the list names none it never answers: a
    /// client generated from the spec knows each one (`login_busy` was missing).
    @Test func everyProblemCodeTheServerAnswersIsInTheSpec() throws {
        let folder = Self.root.appendingPathComponent("Sources/KinerjaAPI")
        var answered: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".swift") {
            let source = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for match in source.matches(of: /code: "([a-z_]+)"/) { answered.insert(String(match.1)) }
        }
        let listed = try Self.specProblemCodes()
        #expect(answered.count >= 20 && listed.count >= 20, "answered \(answered.count), listed \(listed.count)")
        #expect(answered.subtracting(listed).sorted() == [], "answered, but not in Problem.code of openapi.yaml")
        #expect(listed.subtracting(answered).sorted() == [], "in Problem.code of openapi.yaml, but never answered")
    }
}
