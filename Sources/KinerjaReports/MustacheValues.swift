// Public: a conformance of a public type to a public protocol is public, so its module is imported so.
public import Mustache

// How the documents' values meet the template engine. It asks every value it looks up or writes whether it
// conforms to one protocol or another; a city's document set makes tens of millions of such casts, and
// their cost was most of the time of rendering it.

/// A text renders as itself at once. Without this the engine tried three casts (a template, a lambda, an
/// optional) on every text of every document, then `String(describing:)`; the output is the same.
extension String: @retroactive MustacheCustomRenderable {
    public var renderText: String { self }
    public var isNull: Bool { false }
}

/// A document's named values behind a concrete class: the same look-ups as a `[String: Any]`, but a cast of
/// it is answered for the class alone, where the dictionary's conditional conformance had the runtime check
/// its generic arguments each time.
final class Node: MustacheParent {
    let values: [String: Any]
    init(_ values: [String: Any]) { self.values = values }
    func child(named name: String) -> Any? { values[name] }
}
