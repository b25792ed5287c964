public import Foundation
import Mustache

/// The Mustache templates a city's reports use: the core's (in this module's resources) and the city
/// adapter's own on top, a city's template replacing the core's of the same name. Templates include one
/// another as partials (`{{> dokumen-evaluasi}}`).
public struct ReportTemplates: Sendable {
    let library: MustacheLibrary
    public let names: Set<String>

    /// The core's templates, by name (file name without `.mustache`).
    public static let core: [String: String] = {
        guard let dir = Bundle.module.url(forResource: "Templates", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil) else { return [:] }
        var out: [String: String] = [:]
        for f in files where f.pathExtension == "mustache" {
            out[f.deletingPathExtension().lastPathComponent] = try? String(contentsOf: f, encoding: .utf8)
        }
        return out
    }()

    /// `city`: the adapter's templates by name. A template that does not parse is named in the error.
    public init(city: [String: String] = [:]) throws(ReportError) {
        var library = MustacheLibrary()
        let all = Self.core.merging(city) { _, theirs in theirs }
        for (name, text) in all {
            do { try library.register(text, named: name) } catch {
                throw ReportError("template '\(name)'\(city[name] != nil ? " (the city's)" : "") does not parse: \(error)")
            }
        }
        self.library = library
        self.names = Set(all.keys)
    }

    /// Renders template `name` with `context`.
    public func render(_ name: String, _ context: Any) throws(ReportError) -> String {
        guard names.contains(name), let out = library.render(context, withTemplate: name) else {
            throw ReportError("template '\(name)' is neither the city's nor the core's (known: \(names.sorted().joined(separator: ", ")))")
        }
        return out
    }
}

/// A report that cannot be made, saying why.
public struct ReportError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

