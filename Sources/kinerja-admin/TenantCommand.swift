import ArgumentParser
import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Cities: onboard, list, show, suspend, resume.",
        subcommands: [Onboard.self, List.self, Show.self, Suspend.self, Resume.self])

    struct Onboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Onboard a city from a built-in adapter or from a profile file alone (no code).")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code: lower-case letters, digits, dashes (e.g. parepare).") var code: String
        @Option(help: "Display name (e.g. \"Kota Parepare\").") var name: String
        @Option(help: "Built-in adapter name (see 'adapter list').") var adapter: String?
        @Option(help: "Profile YAML file: what differs from the national default.") var profile: String?

        func validate() throws {
            guard (adapter == nil) != (profile == nil) else {
                throw ValidationError("give exactly one of --adapter NAME or --profile FILE")
            }
        }

        func run() async throws {
            let (adapterName, tenantProfile): (String, TenantProfile)
            if let adapter {
                guard let a = AdapterRegistry.named(adapter) else {
                    throw CLIError("no adapter named '\(adapter)'; known: \(AdapterRegistry.names.joined(separator: ", "))")
                }
                do { tenantProfile = try a.effectiveProfile() } catch { throw CLIError(error.description) }
                adapterName = a.name
            } else {
                tenantProfile = try loadProfile(profile!)
                adapterName = "profile"
            }
            let (code, name) = (code, name)
            let tenant = try await connection.withDatabase { db in
                try await db.platform.onboard(code: code, name: name, adapter: adapterName, profile: tenantProfile, actor: cliActor)
            }
            printError("onboarded \(tenant.code) (\(tenant.name)) with adapter \(adapterName); next: kinerja-admin apikey create --tenant \(tenant.code) --role hr_admin")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every city with its status and size.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "text, csv or json") var format: Table.Format = .text

        func run() async throws {
            let tenants = try await connection.withDatabase { db in try await db.platform.tenants() }
            let rows = tenants.map { [$0.code, $0.name, $0.adapter, $0.status.rawValue, String($0.employeeCount), String($0.profileVersion)] }
            print(Table(columns: ["code", "name", "adapter", "status", "employees", "profile_version"], rows: rows).render(format), terminator: "")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One city: its record and stored profile.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "City code.") var code: String
        @Option(help: "Profile format: yaml or json") var format: ProfileFormat = .yaml

        func run() async throws {
            let code = code
            let (tenant, profile, units) = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                let p = try await db.platform.profile(of: t.id)
                let u = try await db.withTenant(t.id) { try await $0.orgUnits().count }
                return (t, p, u)
            }
            print("""
                code: \(tenant.code)
                name: \(tenant.name)
                adapter: \(tenant.adapter)
                status: \(tenant.status.rawValue)
                employees: \(tenant.employeeCount)
                org_units: \(units)
                profile_version: \(tenant.profileVersion)
                created_at: \(tenant.createdAt)
                profile:
                """)
            print(try format.render(profile).split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend a city: its API keys are refused; its data stay untouched.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "City code.") var code: String
        func run() async throws { try await setStatus(connection, code, .suspended) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a suspended city.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "City code.") var code: String
        func run() async throws { try await setStatus(connection, code, .active) }
    }

    static func setStatus(_ connection: ConnectionOptions, _ code: String, _ status: Tenant.Status) async throws {
        let old = try await connection.withDatabase { db in try await db.platform.setStatus(code: code, to: status, actor: cliActor) }
        printError(old == status ? "\(code) was already \(status.rawValue)" : "\(code): \(old.rawValue) -> \(status.rawValue)")
    }
}

func setStatus(_ connection: ConnectionOptions, _ code: String, _ status: Tenant.Status) async throws {
    try await TenantCommand.setStatus(connection, code, status)
}
