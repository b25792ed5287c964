import ArgumentParser
import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaReports
import Yams

struct AdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter", abstract: "City adapters and their profiles.",
        subcommands: [List.self, Show.self, Validate.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The adapters this build links.")
        @Option(help: "text, csv or json") var format: Table.Format = .text

        func run() throws {
            let rows = try AdapterRegistry.all.map { a -> [String] in
                let p = try a.effectiveProfile()
                return [a.name, a.displayName, p.periods.cadence.rawValue, p.periods.evaluatedPeriods, p.rating.regime.rawValue,
                        p.hooks.joined(separator: " ")]
            }
            print(Table(columns: ["name", "city", "cadence", "evaluated", "regime", "hooks"], rows: rows).render(format), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The effective profile of an adapter: the national default with the city's differences.")
        @Argument(help: "Adapter name (see 'adapter list').") var name: String
        @Option(help: "yaml or json") var format: ProfileFormat = .yaml

        func run() throws {
            guard let adapter = AdapterRegistry.named(name) else {
                throw CLIError("no adapter named '\(name)'; known: \(AdapterRegistry.names.joined(separator: ", "))")
            }
            print(try format.render(try adapter.effectiveProfile()), terminator: "")
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a profile file (YAML; what differs from the national default). Exits 1 naming every error.")
        @Argument(help: "Path of the profile file.") var file: String

        func run() throws {
            let profile = try loadProfile(file)
            print("\(file): valid (\(profile.name); \(profile.rating.regime.rawValue), \(profile.periods.cadence.rawValue) periods)")
        }
    }
}

enum ProfileFormat: String, ExpressibleByArgument, CaseIterable {
    case yaml, json
    func render(_ profile: TenantProfile) throws -> String {
        switch self {
        case .yaml: return ProfileLoader.yaml(profile)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(data: try encoder.encode(profile), encoding: .utf8)! + "\n"
        }
    }
}

/// Reads and validates a profile file, turning every problem into one message that names the key paths.
func loadProfile(_ path: String) throws -> TenantProfile {
    // Read through a handle, so that a pipe (`--profile <(kinerja-admin adapter show palu)`) works as a file does.
    guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd(),
          let text = String(data: data, encoding: .utf8) else {
        throw CLIError("cannot read profile file '\(path)'")
    }
    do {
        return try ProfileLoader.load(overlay: text, source: path)
    } catch {
        throw CLIError(error.description)
    }
}
