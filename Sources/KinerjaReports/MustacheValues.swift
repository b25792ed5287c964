// Public: a conformance of a public type to a public protocol is public, so its module is imported so.
public import Mustache

// How values meet the Mustache library, which renders the table reports and pages, and the documents whose
// templates do not compile (see CompiledTemplate). It asks every value it looks up or writes whether it
// conforms to one protocol or another; these keep those casts cheap.

/// A text renders as itself at once. Without this the engine tried three casts (a template, a lambda, an
/// optional) on every text of every document, then `String(describing:)`; the output is the same.
extension String: @retroactive MustacheCustomRenderable {
    public var renderText: String { self }
    public var isNull: Bool { false }
}

/// Named values behind a concrete class (a ``TemplateValue`` object as the library reads it): the same
/// look-ups as a `[String: Any]`, but a cast of it is answered for the class alone, where the dictionary's
/// conditional conformance had the runtime check its generic arguments each time.
final class Node: MustacheParent {
    let values: [String: Any]
    init(_ values: [String: Any]) { self.values = values }
    func child(named name: String) -> Any? { values[name] }
}
