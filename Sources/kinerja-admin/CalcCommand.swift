public import ArgumentParser
import Foundation
import KinerjaAdapters
public import KinerjaCore

/// Calculators for HR staff who check figures by hand: the same core functions the evaluation uses, each
/// step printed with its rule. Nothing touches the database.
struct CalcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calc", abstract: "Check a figure by hand: predikat matrix, PP 30/2019, PP 46/2011, the curve, a NIP.",
        subcommands: [PredikatCalc.self, PP30Calc.self, PP46Calc.self, CurveCalc.self, NIPCalc.self])

    enum Output: String, ExpressibleByArgument, CaseIterable { case text, json }

    static func emit(_ format: Output, text: [String], json: some Encodable) throws {
        switch format {
        case .text: print(text.joined(separator: "\n"))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(json), as: UTF8.self))
        }
    }

    static func rating(_ raw: String, _ option: String) throws -> Rating {
        switch raw.lowercased().replacingOccurrences(of: " ekspektasi", with: "").replacingOccurrences(of: "di ", with: "") {
        case "atas": return .diAtasEkspektasi
        case "sesuai": return .sesuaiEkspektasi
        case "bawah": return .diBawahEkspektasi
        default: throw CLIError("\(option) '\(raw)' is not a rating: use atas, sesuai or bawah (or 'Di Atas Ekspektasi', ...)")
        }
    }

    struct PredikatCalc: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "predikat", abstract: "Predikat kinerja pegawai from the two ratings (PermenPANRB 6/2022 matrix).")
        @Option(help: "Rating hasil kerja: atas, sesuai or bawah.") var hasil: String
        @Option(help: "Rating perilaku kerja: atas, sesuai or bawah.") var perilaku: String
        @Option(help: "text or json") var format: Output = .text

        func run() throws {
            let h = try CalcCommand.rating(hasil, "--hasil"), p = try CalcCommand.rating(perilaku, "--perilaku")
            let result = Predikat(hasilKerja: h, perilakuKerja: p)
            struct Out: Encodable { var hasilKerja: String; var perilakuKerja: String; var predikat: String }
            try CalcCommand.emit(format, text: ["hasil kerja \(h.rawValue), perilaku kerja \(p.rawValue): \(result.rawValue)"],
                                 json: Out(hasilKerja: h.rawValue, perilakuKerja: p.rawValue, predikat: result.rawValue))
        }
    }

    struct PP30Calc: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pp30", abstract: "PP 30/2019: capaian and nilai capaian of an indicator; with --perilaku, nilai kinerja and predikat.")
        @Option(help: "The target.") var target: Double
        @Option(help: "The realisasi.") var realisasi: Double
        @Flag(help: "The indicator is lower-is-better.") var lowerIsBetter = false
        @Option(help: "The perilaku score (0-120), for nilai kinerja.") var perilaku: Double?
        @Flag(help: "Peers and subordinates rated the behaviour: 60/40 instead of 70/30.") var withPeers = false
        @Flag(help: "The employee has an innovation (needed for Sangat Baik).") var innovation = false
        @Option(help: "Nilai capaian at exactly 100% (DOMAIN.md's example figure, unconfirmed).") var at100: Double = 109
        @Option(help: "text or json") var format: Output = .text

        func validate() throws {
            guard [target, realisasi, perilaku ?? 0, at100].allSatisfy(\.isFinite) else { throw ValidationError("every figure must be a finite number") }
            guard target > 0 || lowerIsBetter else { throw ValidationError("--target \(target) must be above 0") }
            guard target >= 0, realisasi >= 0 else { throw ValidationError("--target and --realisasi must be 0 or more") }
        }

        func run() throws {
            guard let r = PP30.calculate(target: target, realisasi: realisasi, lowerIsBetter: lowerIsBetter, perilaku: perilaku,
                                         withPeersAndSubordinates: withPeers, innovation: innovation, at100: at100) else {
                throw CLIError("nothing to compute for target \(target)")
            }
            var lines = r.steps.map(\.description)
            if let p = r.predikat { lines.append("predikat = \(p.rawValue)" + (p != .sangatBaik && (r.nilaiKinerja ?? 0) >= 110 ? " (Sangat Baik needs an innovation: --innovation)" : "")) }
            try CalcCommand.emit(format, text: lines, json: r)
        }
    }

    struct PP46Calc: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pp46",
            abstract: "PP 46/2011: the score of one aspect (--aspect --target --realisasi), or nilai prestasi and predikat (--skp --perilaku).")
        @Option(help: "kuantitas, kualitas, waktu or biaya.") var aspect: PP46.Aspect?
        @Option(help: "The target of the aspect.") var target: Double?
        @Option(help: "The realisasi of the aspect.") var realisasi: Double?
        @Option(help: "Nilai SKP, for nilai prestasi.") var skp: Double?
        @Option(help: "Nilai perilaku, for nilai prestasi.") var perilaku: Double?
        @Option(help: "text or json") var format: Output = .text

        func validate() throws {
            guard [target, realisasi, skp, perilaku].allSatisfy({ $0?.isFinite ?? true }) else {
                throw ValidationError("every figure must be a finite number")
            }
            let aspectGiven = aspect != nil || target != nil || realisasi != nil
            let prestasiGiven = skp != nil || perilaku != nil
            guard aspectGiven != prestasiGiven else {
                throw ValidationError("give either --aspect, --target and --realisasi, or --skp and --perilaku")
            }
            if aspectGiven && (aspect == nil || target == nil || realisasi == nil) {
                throw ValidationError("an aspect needs --aspect, --target and --realisasi")
            }
            if prestasiGiven && (skp == nil || perilaku == nil) { throw ValidationError("nilai prestasi needs --skp and --perilaku") }
            if let target, target < 0 { throw ValidationError("--target \(target) must be 0 or more") }
            if let realisasi, realisasi < 0 { throw ValidationError("--realisasi \(realisasi) must be 0 or more") }
        }

        func run() throws {
            struct Out: Encodable { var steps: [Step]; var predikat: String? }
            if let skp, let perilaku {
                let n = PP46.nilaiPrestasi(skp: skp, perilaku: perilaku)
                let step = Step("nilai prestasi", "60% x \(Step.format(skp)) + 40% x \(Step.format(perilaku))", n)
                let p = PP46.predikat(n)
                try CalcCommand.emit(format, text: [step.description, "predikat = \(p.rawValue)"], json: Out(steps: [step], predikat: p.rawValue))
                return
            }
            guard let aspect, let target, let realisasi else { return }
            guard let steps = PP46.aspect(aspect, target: target, realisasi: realisasi) else {
                throw CLIError(aspect == .biaya ? "biaya with no budget (--target 0) is skipped: it does not count"
                                                       : "--target must be above 0 for \(aspect.rawValue)")
            }
            try CalcCommand.emit(format, text: steps.map(\.description), json: Out(steps: steps, predikat: nil))
        }
    }

    struct CurveCalc: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "curve", abstract: "Check a distribution of predikat against an organisation's curve (from a profile).",
            discussion: "Example: calc curve --organisasi Baik --count 'Sangat Baik=3' --count 'Baik=10' --count 'Butuh Perbaikan=1' --adapter palu")
        @Option(help: "Predikat kinerja organisasi: Istimewa, Baik, Butuh Perbaikan, Kurang or Sangat Kurang.") var organisasi: String
        @Option(help: "PREDIKAT=N, once per predikat (Sangat Baik, Baik, Butuh Perbaikan, Kurang/Misconduct, Sangat Kurang).")
        var count: [String] = []
        @Option(help: "The adapter whose curve table to use.") var adapter: String = "nasional"
        @Option(help: "A profile file instead of an adapter.") var profile: String?
        @Option(help: "text or json") var format: Output = .text

        func run() throws {
            guard let org = PredikatOrganisasi.allCases.first(where: { $0.rawValue.lowercased() == organisasi.lowercased() }) else {
                throw CLIError("--organisasi '\(organisasi)' is not one of: \(PredikatOrganisasi.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var counts: [Predikat: Int] = [:]
            for item in count {
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let n = Int(parts[1]), n >= 0 else { throw CLIError("--count '\(item)' is not PREDIKAT=N") }
                let name = parts[0].lowercased()
                guard let p = Predikat.allCases.first(where: { $0.rawValue.lowercased() == name || ($0 == .kurang && name == "kurang") }) else {
                    throw CLIError("--count '\(item)': '\(parts[0])' is not a predikat; use one of: \(Predikat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                counts[p, default: 0] += n
            }
            let table: TenantProfile
            if let profile {
                table = try ProfileLoader.load(overlay: try String(contentsOfFile: profile, encoding: .utf8), source: profile)
            } else {
                guard let a = AdapterRegistry.named(adapter) else {
                    throw CLIError("--adapter '\(adapter)' is unknown; use one of: \(AdapterRegistry.names.joined(separator: ", "))")
                }
                table = try a.effectiveProfile()
            }
            let check = Curve.check(counts, organisasi: org, table: table.distributionCurve)
            var lines = ["organisasi \(org.rawValue), \(check.total) employee(s): " + (check.passes ? "fits the curve" : "breaks the curve")]
            lines += check.rules.map { rule in "  " + (check.breaches.contains { $0.rule == rule } ? "BREAKS " : "ok     ") + rule }
            lines += check.breaches.map { "  \($0.rule): actual \($0.actual)" }
            try CalcCommand.emit(format, text: lines, json: check)
            if !check.passes { throw ExitCode(3) }
        }
    }

    struct NIPCalc: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "nip", abstract: "Read a NIP's parts, or say which part is wrong.")
        @Argument(help: "The NIP (18 digits; spaces between groups allowed).") var nip: String
        @Option(help: "PNS or PPPK (PPPK numbers carry a code in digits 9-14).") var type: NIP.EmployeeType = .pns
        @Option(help: "text or json") var format: Output = .text

        func run() throws {
            let n: NIP
            do { n = try NIP(nip, type: type) } catch { throw CLIError(error.description) }
            struct Out: Encodable { var nip: String; var display: String; var birthDate: String; var tmt: String; var gender: String; var sequence: String }
            let d = Array(n.digits)
            let tmt = String(d[8..<12]) + "-" + String(d[12..<14])
            let out = Out(nip: n.digits, display: n.displayForm, birthDate: n.birthDate.description,
                          tmt: tmt, gender: n.gender == .male ? "L" : "P", sequence: String(d[15..<18]))
            try CalcCommand.emit(format, text: [
                "NIP \(out.display)", "  birth date   \(out.birthDate) (digits 1-8)",
                "  TMT CPNS     \(out.tmt) (digits 9-14\(type == .pppk ? ", a code for PPPK" : ""))",
                "  gender       \(out.gender) (digit 15)", "  sequence     \(out.sequence) (digits 16-18)",
            ], json: out)
        }
    }
}

extension PP46.Aspect: ExpressibleByArgument {}
extension NIP.EmployeeType: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}
