/// A value a document template reads: the document views are made of these. An object leaves out what a
/// document does not have (no `null`): a name it lacks is looked up in the enclosing values, as Mustache does.
public enum TemplateValue: Sendable {
    case text(String)
    case flag(Bool)
    case list([TemplateValue])
    case object([String: TemplateValue])

    /// An object of the values given, leaving out the missing ones.
    static func fields(_ values: [String: TemplateValue?]) -> TemplateValue {
        .object(values.compactMapValues { $0 })
    }

    /// The same value as the Mustache library reads it (``Node`` for an object), for a template it renders.
    var mustacheValue: Any {
        switch self {
        case .text(let s): s
        case .flag(let b): b
        case .list(let items): items.map(\.mustacheValue)
        case .object(let values): Node(values.mapValues(\.mustacheValue))
        }
    }
}

/// A Mustache template parsed once into a tree that renders ``TemplateValue``s with no dynamic casts: the
/// evaluation documents of a whole city are rendered with these. It is parsed by the rules of the Mustache
/// library the other reports use (swift-mustache 2, whose tokenizer this follows step by step, standalone
/// lines included), so both give the same bytes (a test compares them on every template). A template using
/// what these do not (set delimiters, inheritance, transforms, dynamic or indented partials, another content
/// type) does not compile, and the library renders it.
struct CompiledTemplate: Sendable {
    enum Path: Sendable, Equatable {
        /// `.`, or an empty name: the current value.
        case current
        /// `.a.b`: from the current value only.
        case local([String])
        /// `a.b`: `a` from the nearest enclosing value that has it, then `b` inside it.
        case climbing([String])
    }

    indirect enum Token: Sendable {
        case text(String)
        case variable(Path, escaped: Bool)
        case section(Path, [Token])
        case inverted(Path, [Token])
        case partial(String)
    }

    let tokens: [Token]
    /// The partials it names.
    let partials: Set<String>

    /// Nil when the template uses what these do not render, or does not parse.
    init?(_ text: String) {
        var scanner = Scanner(Array(text))
        guard let tokens = try? scanner.block(section: nil, newLine: true) else { return nil }
        self.tokens = tokens
        var names = Set<String>()
        func collect(_ ts: [Token]) {
            for t in ts {
                switch t {
                case .partial(let n): names.insert(n)
                case .section(_, let inner), .inverted(_, let inner): collect(inner)
                case .text, .variable: break
                }
            }
        }
        collect(tokens)
        partials = names
    }

    /// Renders with `value` as the outermost context; `partials` by name.
    func render(_ value: TemplateValue, partials: [String: CompiledTemplate]) -> String {
        var out = ""
        var stack = [value]
        Self.render(tokens, &stack, into: &out, partials: partials)
        return out
    }

    private static let escape = FastHTMLEscape()

    private static func render(_ tokens: [Token], _ stack: inout [TemplateValue], into out: inout String,
                               partials: [String: CompiledTemplate]) {
        for token in tokens {
            switch token {
            case .text(let s):
                out += s
            case .variable(let path, let escaped):
                guard let v = lookup(path, stack) else { continue }
                let text: String
                switch v {
                case .text(let s): text = s
                case .flag(let b): text = b ? "true" : "false"
                // Not meant to be written; the library writes its description, and so does this.
                case .list, .object: text = String(describing: v.mustacheValue)
                }
                out += escaped ? escape.escapeText(text) : text
            case .section(let path, let inner):
                switch lookup(path, stack) {
                case nil, .flag(false): break
                case .flag(true): render(inner, &stack, into: &out, partials: partials)
                case .list(let items):
                    for item in items {
                        stack.append(item)
                        render(inner, &stack, into: &out, partials: partials)
                        stack.removeLast()
                    }
                case .some(let v):
                    stack.append(v)
                    render(inner, &stack, into: &out, partials: partials)
                    stack.removeLast()
                }
            case .inverted(let path, let inner):
                switch lookup(path, stack) {
                case nil, .flag(false): render(inner, &stack, into: &out, partials: partials)
                case .list(let items) where items.isEmpty:
                    stack.append(.list(items))
                    render(inner, &stack, into: &out, partials: partials)
                    stack.removeLast()
                default: break
                }
            case .partial(let name):
                if let p = partials[name] { render(p.tokens, &stack, into: &out, partials: partials) }
            }
        }
    }

    private static func lookup(_ path: Path, _ stack: [TemplateValue]) -> TemplateValue? {
        func child(_ v: TemplateValue, _ names: ArraySlice<String>) -> TemplateValue? {
            var v = v
            for name in names {
                guard case .object(let values) = v, let c = values[name] else { return nil }
                v = c
            }
            return v
        }
        switch path {
        case .current: return stack.last
        case .local(let names): return stack.last.flatMap { child($0, names[...]) }
        case .climbing(let names):
            for v in stack.reversed() {
                if case .object(let values) = v, let first = values[names[0]] { return child(first, names.dropFirst()) }
            }
            return nil
        }
    }

    private struct Unsupported: Error {}

    /// The library's tokenizer, over Characters as it reads them.
    private struct Scanner {
        let chars: [Character]
        var i = 0
        init(_ chars: [Character]) { self.chars = chars }

        var atEnd: Bool { i >= chars.count }
        var current: Character { i < chars.count ? chars[i] : "\0" }

        mutating func read(while keep: (Character) -> Bool) -> String {
            var s = ""
            while i < chars.count, keep(chars[i]) { s.append(chars[i]); i += 1 }
            return s
        }

        mutating func read(_ literal: String) -> Bool {
            let l = Array(literal)
            guard i + l.count <= chars.count, Array(chars[i..<i + l.count]) == l else { return false }
            i += l.count
            return true
        }

        /// Text up to a newline (not read) or `{{` (read: `tag` is true), or the end.
        mutating func text() -> (String, tag: Bool) {
            var s = ""
            while i < chars.count {
                let c = chars[i]
                if c == "\n" || c == "\r\n" { return (s, false) }
                if c == "{" {
                    if read("{{") { return (s, true) }
                    s.append(c)
                }
                else { s.append(c) }
                i += 1
            }
            return (s, false)
        }

        /// A tag alone on its line (from a line start, only spaces and tabs to the line's end): its line
        /// break is read with it.
        mutating func standalone(_ newLine: Bool) -> Bool {
            guard newLine else { return false }
            if atEnd { return true }
            var j = i
            while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
            guard j < chars.count, chars[j].isNewline else { return false }
            i = j + 1
            return true
        }

        static let nameChars = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*")
        static let partialChars = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*/")
        static let configChars = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?*")

        mutating func name() throws -> Path {
            _ = read { $0.isWhitespace }
            let text = read { Self.nameChars.contains($0) }
            _ = read { $0.isWhitespace }
            guard read("}}"), !text.contains("("), !text.contains(")") else { throw Unsupported() }
            if text == "." { return .current }
            let names = text.split(separator: ".").map(String.init)
            if names.isEmpty { return .current }
            return text.first == "." ? .local(names) : .climbing(names)
        }

        mutating func partialName() throws -> String {
            _ = read { $0.isWhitespace }
            let text = read { Self.partialChars.contains($0) }
            _ = read { $0.isWhitespace }
            guard read("}}") else { throw Unsupported() }
            return text
        }

        /// The tokens up to the end, or to the close of `section`.
        mutating func block(section: Path?, newLine start: Bool) throws -> [Token] {
            var tokens: [Token] = []
            var newLine = start
            var space = ""
            while !atEnd {
                if newLine { space = read { $0 == " " || $0 == "\t" } }
                let (text, tag) = text()
                // A line break straight after `{{` ends the line there too: the library keeps the text and the
                // break, and drops the `{{` (the rest of that "tag" is text).
                if !atEnd, current.isNewline {
                    tokens.append(.text(space + text + String(current)))
                    newLine = true
                    i += 1
                    continue
                }
                if !text.isEmpty {
                    tokens.append(.text(space + text))
                    space = ""
                    newLine = false
                }
                guard tag else { break }
                guard !atEnd else { throw Unsupported() }
                var setNewLine = false
                switch current {
                case "#", "^":
                    let inverted = current == "^"
                    i += 1
                    let path = try name()
                    if standalone(newLine) {
                        setNewLine = true
                    } else if !space.isEmpty {
                        tokens.append(.text(space))
                        space = ""
                    }
                    let inner = try block(section: path, newLine: setNewLine)
                    tokens.append(inverted ? .inverted(path, inner) : .section(path, inner))
                case "/":
                    i += 1
                    guard let section, try name() == section else { throw Unsupported() }
                    if !standalone(newLine), !space.isEmpty { tokens.append(.text(space)) }
                    return tokens
                case "!":
                    i += 1
                    while !atEnd, !read("}}") { i += 1 }
                    setNewLine = standalone(newLine)
                case "{":
                    if !space.isEmpty { tokens.append(.text(space)); space = "" }
                    i += 1
                    let path = try name()
                    guard read("}") else { throw Unsupported() }
                    tokens.append(.variable(path, escaped: false))
                case "&":
                    if !space.isEmpty { tokens.append(.text(space)); space = "" }
                    i += 1
                    tokens.append(.variable(try name(), escaped: false))
                case ">":
                    i += 1
                    _ = read { $0.isWhitespace }
                    guard current != "*" else { throw Unsupported() }
                    let partial = try partialName()
                    if !space.isEmpty { tokens.append(.text(space)) }
                    if standalone(newLine) {
                        setNewLine = true
                        // An indented standalone partial indents each of its lines: the library renders it.
                        guard space.isEmpty else { throw Unsupported() }
                    }
                    tokens.append(.partial(partial))
                    space = ""
                case "%":
                    i += 1
                    _ = read { $0.isWhitespace }
                    let variable = read { Self.configChars.contains($0) }
                    _ = read { $0.isWhitespace }
                    guard read(":") else { throw Unsupported() }
                    _ = read { $0.isWhitespace }
                    let value = read { Self.configChars.contains($0) }
                    _ = read { $0.isWhitespace }
                    // The HTML escape of every registered template is the only one these write (the library's own
                    // HTML escape differs on a character joined with a combining mark).
                    guard read("}}"), variable == "CONTENT_TYPE", value == FastHTMLEscape.name else {
                        throw Unsupported()
                    }
                    setNewLine = standalone(newLine)
                case "<", "$", "=":
                    throw Unsupported()
                default:
                    if !space.isEmpty { tokens.append(.text(space)); space = "" }
                    tokens.append(.variable(try name(), escaped: true))
                }
                newLine = setNewLine
            }
            guard section == nil else { throw Unsupported() }
            return tokens
        }
    }
}
