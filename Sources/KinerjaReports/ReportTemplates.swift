public import Foundation
import Mustache

/// The Mustache templates a city's reports use: the core's (in this module's resources) and the city
/// adapter's own on top, a city's template replacing the core's of the same name. Templates include one
/// another as partials (`{{> dokumen-evaluasi}}`).
public struct ReportTemplates: Sendable {
    let library: MustacheLibrary
    public let names: Set<String>
    /// Each template's text as registered, for ``inlining(_:)``.
    let texts: [String: String]
    /// The templates that render ``TemplateValue``s themselves (see ``CompiledTemplate``), with every partial
    /// they name; the library renders the others.
    let compiled: [String: CompiledTemplate]

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
        _ = Self.registerEscaper
        for (name, text) in all {
            // Every template escapes for HTML as the library does, a byte at a time (FastHTMLEscape).
            do { try library.register(FastHTMLEscape.pragma + text, named: name) } catch {
                throw ReportError("template '\(name)'\(city[name] != nil ? " (the city's)" : "") does not parse: \(error)")
            }
        }
        self.library = library
        self.names = Set(all.keys)
        self.texts = all
        self.compiled = Self.compile(all)
    }

    init(library: MustacheLibrary, names: Set<String>, texts: [String: String]) {
        (self.library, self.names, self.texts) = (library, names, texts)
        self.compiled = Self.compile(texts)
    }

    /// Each template as registered (the escaping pragma first) that compiles, less those naming a partial
    /// that does not.
    static func compile(_ texts: [String: String]) -> [String: CompiledTemplate] {
        var out = texts.compactMapValues { CompiledTemplate(FastHTMLEscape.pragma + $0) }
        while let broken = out.first(where: { _, t in t.partials.contains { texts[$0] != nil && out[$0] == nil } })?.key {
            out[broken] = nil
        }
        return out
    }

    /// The same templates with each plain `{{l.KEY}}` replaced by the label's text, escaped: a document set
    /// renders its labels once instead of looking each up again in every document.
    func inlining(_ labels: [String: String]) throws(ReportError) -> ReportTemplates {
        var library = MustacheLibrary()
        var texts: [String: String] = [:]
        let escape = FastHTMLEscape()
        for (name, text) in self.texts {
            var out = ""
            var rest = Substring(text)
            while let open = rest.range(of: "{{l.") {
                out += rest[..<open.lowerBound]
                guard let close = rest[open.upperBound...].range(of: "}}") else { out += rest[open.lowerBound...]; rest = ""; break }
                let key = String(rest[open.upperBound..<close.lowerBound])
                // `{{{l.KEY}}}` (unescaped) stays a tag: only the escaped form is written in.
                let triple = open.lowerBound > rest.startIndex && rest[rest.index(before: open.lowerBound)] == "{"
                if !triple, let label = labels[key], !key.contains(where: { $0 == " " || $0 == "{" }) {
                    out += escape.escapeText(label)
                } else {
                    out += rest[open.lowerBound..<close.upperBound]
                }
                rest = rest[close.upperBound...]
            }
            out += rest
            texts[name] = out
            do { try library.register(FastHTMLEscape.pragma + out, named: name) } catch {
                throw ReportError("template '\(name)' does not parse once its labels are written in: \(error)")
            }
        }
        return ReportTemplates(library: library, names: names, texts: texts)
    }

    /// Renders template `name` with `value`: compiled when it compiles, else by the library.
    public func render(_ name: String, _ value: TemplateValue) throws(ReportError) -> String {
        if let template = compiled[name] { return template.render(value, partials: compiled) }
        return try render(name, value.mustacheValue)
    }

    /// Renders template `name` with `context` by the library.
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


/// HTML escaping as Mustache's own (`<`, `>`, `&`, `"`, `'`), over UTF-8 bytes, and with nothing to copy for
/// a value that has none of them (most names, figures and dates): the library's escapes Character by
/// Character through a dictionary, a fifth of the time of rendering a city's documents.
struct FastHTMLEscape: MustacheContentType {
    static let name = "KINERJA_HTML"
    static let pragma = "{{% CONTENT_TYPE: \(name)}}"

    func escapeText(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        for b in utf8 {
            switch b {
            case 0x3C: out.append(contentsOf: Array("&lt;".utf8))
            case 0x3E: out.append(contentsOf: Array("&gt;".utf8))
            case 0x26: out.append(contentsOf: Array("&amp;".utf8))
            case 0x22: out.append(contentsOf: Array("&quot;".utf8))
            case 0x27: out.append(contentsOf: Array("&#39;".utf8))
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension ReportTemplates {
    static let registerEscaper: Void = MustacheContentTypes.register(FastHTMLEscape(), named: FastHTMLEscape.name)
}
