import Foundation
import KinerjaAdapters
import KinerjaCore
@testable import KinerjaReports
import Testing

/// The compiled templates that render a city's documents give the very bytes the Mustache library gives,
/// so a city's template means the same whichever renders it.
@Suite struct CompiledTemplateTests {
    static let context = TemplateValue.object([
        "name": .text("Andi"), "city": .text("Palu"), "first": .text("root"), "html": .text("<b>\"a\" & 'b'</b>"),
        "flag": .flag(true), "off": .flag(false), "text": .text("x"), "blank": .text(""),
        "empty": .list([]),
        "list": .list([.object(["name": .text("satu"), "first": .flag(true)]), .object(["name": .text("dua")]),
                       .object(["name": .text("tiga"), "first": .flag(false)])]),
        "items": .list([.text("a"), .text("<b>")]),
        "person": .object(["name": .text("Budi"), "inner": .object(["name": .text("Citra")])]),
    ])

    /// Each exercises one rule of the library's tokenizer or renderer: standalone lines (and the tags that
    /// can be), whitespace before tags, comments, line ends, sections over lists, flags, texts and objects,
    /// inverted sections, names found in an enclosing value, dotted and local names, escaping, partials.
    static let snippets: [String] = [
        "Hello {{name}}!",
        "{{#items}}<li>{{.}}</li>{{/items}}",
        "\n{{#flag}}\n  yes\n{{/flag}}\n{{^flag}}\n  no\n{{/flag}}\nend",
        "\n  {{#list}}\n  - {{name}}\n  {{/list}}\n",
        "\n| {{#flag}}x{{/flag}} |\n",
        "\n  {{! a comment }}\nafter\n{{! another }} text\n",
        "\n{{#person}}{{name}} in {{city}}{{/person}}",
        "{{person.name}} {{person.inner.name}} {{#person}}{{.name}} {{.city}}|{{/person}} {{missing.x}} {{person.missing}}",
        "{{{html}}} {{&html}} {{html}} {{ html }}",
        "\n{{#empty}}never{{/empty}}{{^empty}}none{{/empty}}\n{{^list}}no list{{/list}}\n",
        "\n{{#text}}[{{.}}]{{/text}}{{#blank}}[{{.}}]{{/blank}}{{^blank}}no{{/blank}}{{#off}}off{{/off}}{{^off}}not off{{/off}}\n",
        "\n{{> p}}\n{{> missing}}\nend {{> p}} end\n",
        "\r\n{{#flag}}\r\nwin\r\n{{/flag}}\r\n",
        "  \n\t{{#flag}}  \n x \n {{/flag}}\t\nend  ",
        "{{#list}}{{#first}}F{{/first}}{{^first}}-{{/first}}{{name}},{{/list}}",
        "{{#flag}}\nX{{/flag}}{{#flag}}\nY\n{{/flag}}\n",
        "\n  {{#flag}}x\n{{/flag}}  \n  end",
        "{{# flag }}s{{/ flag }} {{flag}} {{off}}",
        "\n{{#list}}\n{{#first}}\n  first: {{name}}\n{{/first}}\n{{/list}}\n",
        "a {b} {c {{name}} }} { x",
        "\n{{#person}}\n{{#inner}}\n{{name}} of {{city}}\n{{/inner}}\n{{/person}}",
        "",
        "  ",
        "line\n  ",
        "{{\nname}} and {{name}}",
        "a{{\r\n name }}b",
        "{{person}} {{{items}}} {{items}} {{#list}}{{.}}{{/list}} {{^empty}}{{.}}{{/empty}}",
    ]

    @Test(arguments: snippets)
    func aSnippetRendersAsTheLibraryRendersIt(_ snippet: String) throws {
        let templates = try ReportTemplates(city: ["t": snippet, "p": "[{{name}}]\n"])
        #expect(templates.compiled["t"] != nil, "it compiles")
        let library = try templates.render("t", Self.context.mustacheValue)
        #expect(try templates.render("t", Self.context) == library)
    }

    /// What the compiled templates leave to the library, which still renders them.
    @Test(arguments: ["{{=<% %>=}}<% name %>", "{{uppercased(name)}}", "{{% CONTENT_TYPE: HTML}}{{html}}", "\n  {{> p}}\n", "{{<p}}{{/p}}", "{{% CONTENT_TYPE: TEXT}}{{html}}",
                      "{{$block}}x{{/block}}", "{{> q}}"])
    func whatDoesNotCompileTheLibraryRenders(_ snippet: String) throws {
        let templates = try ReportTemplates(city: ["t": snippet, "p": "[{{name}}]\n", "q": "{{=<% %>=}}<% name %>"])
        #expect(templates.compiled["t"] == nil)
        #expect(try templates.render("t", Self.context) == (try templates.render("t", Self.context.mustacheValue)))
    }

    /// Labels written into the templates: the escaped form only; `{{{l.KEY}}}` is still the unescaped label.
    @Test func inliningLeavesUnescapedLabelsToTheTemplate() throws {
        let templates = try ReportTemplates(city: ["t": "{{l.k}}|{{{l.k}}}|{{&l.k}}"])
        let value = TemplateValue.object(["l": .object(["k": .text("a<b")])])
        let plain = try templates.render("t", value)
        #expect(plain == "a&lt;b|a<b|a<b")
        #expect(try templates.inlining(["k": "a<b"]).render("t", value) == plain)
    }

    static func documents() -> [EvaluationDocument] {
        let base = ReportRenderingTests.document
        let boss = EvaluationDocument.Person(nip: "197001012000011001", name: "Dr. Sari <Kepala>", jabatan: "Kepala Dinas", golongan: nil, unit: "Dinas")
        var a = base
        a.employee.golongan = nil
        a.pejabatPenilai = boss
        a.atasanPejabatPenilai = .init(nip: "196501012000011001", name: "Wali \"Kota\"", jabatan: "Sekda", golongan: "IV/e", unit: "Setda")
        a.plans = [.init(kind: "utama", text: "Tanpa indikator", capaian: nil, indicators: []),
                   .init(kind: "tambahan", text: "Dua & tiga", capaian: 120.5, indicators: [
                       .init(text: "A", target: "3", realisasi: nil, unit: nil, capaian: nil),
                       .init(text: "B 'kutip'", target: "100 %", realisasi: 1234567.891, unit: "%", capaian: 101)])]
        a.feedback = [.init(period: "Q1", plan: "Layanan", author: "Kasi", text: "Bagus <sekali> & cepat"),
                      .init(period: "Q2", plan: "Layanan", author: "Kasi", text: "")]
        a.behaviour = .init(score: 4.25, atasan: 4, peer: 4.5, peers: 3, bawahan: 3.75, bawahans: 5)
        a.followUps = [.init(kind: "training", rule: "Diklat", due: "2027-06-30", status: "open", id: 1, detail: [:]),
                       .init(kind: "improvement", rule: "Rencana perbaikan", due: nil, status: "done", id: 2, detail: [:]),
                       .init(kind: "certificate", rule: "Sertifikat", due: nil, status: "open", id: 3, detail: ["name": "Pegawai Teladan"])]
        a.sanctions = [.init(step: "teguran lisan", status: "imposed", note: nil), .init(step: "teguran tertulis", status: "proposed", note: "Absen > 10 hari")]
        var b = base
        b.plans = []
        b.followUps = []
        b.ratingHasil = nil
        b.predikat = nil
        b.capaian = nil
        b.behaviour = .init(score: nil, atasan: nil, peer: nil, peers: nil, bawahan: nil, bawahans: nil)
        return [base, a, b]
    }

    /// Every city's per-employee reports, both languages, labels inlined or not: compiled, and the same bytes.
    @Test func everyCitysDocumentsRenderAsTheLibraryRendersThem() throws {
        var compared = 0
        for adapter in AdapterRegistry.all {
            let templates = try ReportTemplates(city: adapter.templates)
            for d in try adapter.effectiveProfile().reportDefinitions where d.source.perEmployee && d.source != .ranking {
                for language in [DocumentLanguage.id, .en] {
                    let plain = ReportRenderer(definition: d, language: language, cityName: adapter.displayName,
                                               timeZone: try adapter.effectiveProfile().timeZoneOrDefault, templates: templates,
                                               periodName: "Tahun 2026", generatedAt: Date(timeIntervalSince1970: 1_790_000_000))
                    for r in [plain, try plain.inliningLabels()] {
                        #expect(r.templates.compiled[d.template] != nil, "\(adapter.name) \(d.template) compiles")
                        for doc in Self.documents() {
                            let library = try r.templates.render(d.template, DocumentView.context(doc, renderer: r).mustacheValue)
                            #expect(try r.document(doc) == library, "\(adapter.name) \(d.id) \(language) \(doc.employee.nip)")
                            compared += 1
                        }
                    }
                }
            }
        }
        #expect(compared >= 4 * 2 * 2 * 3)
    }
}
