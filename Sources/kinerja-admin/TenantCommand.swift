import ArgumentParser
import Foundation
import KinerjaAdapters
import KinerjaCore
import KinerjaReports
import KinerjaStore

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Cities: onboard, list, show, update-profile, suspend, resume; export, import, offboard, purge.",
        subcommands: [Onboard.self, List.self, Show.self, UpdateProfile.self, Suspend.self, Resume.self,
                      Export.self, Import.self, Offboard.self, Purge.self])

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
            let rows = tenants.map {
                [$0.code, $0.name, $0.adapter, $0.status.rawValue, String($0.employeeCount), String($0.profileVersion),
                 $0.retainUntil.map(isoDay) ?? ""]
            }
            print(Table(columns: ["code", "name", "adapter", "status", "employees", "profile_version", "kept_until"], rows: rows)
                .render(format), terminator: "")
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
                """)
            if let until = tenant.retainUntil { print("kept_until: \(until)") }
            print("profile:")
            print(try format.render(profile).split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    struct UpdateProfile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update-profile",
            abstract: "Replace a city's profile: from its built-in adapter as this release has it, or from a file.",
            discussion: """
                The new profile is validated first (every problem named by its key path). Its version goes up by one; \
                the city's audit log records the keys that changed and the profile replaced. Evaluations run from then \
                on use it and record its version; results already computed keep the version they were computed with; \
                dashboards are computed again at their next request. The same profile again changes nothing. An \
                offboarded city keeps its profile. --dry-run names the keys that would change and writes nothing.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "City code.") var code: String
        @Flag(help: "The city's built-in adapter's profile, as this release has it.") var adapter = false
        @Option(help: "Profile YAML file: what differs from the national default ('tenant show CODE' prints the one in force).")
        var profile: String?
        @Flag(help: "Name the keys that would change; write nothing.") var dryRun = false

        func validate() throws {
            guard adapter != (profile != nil) else { throw ValidationError("give exactly one of --adapter or --profile FILE") }
        }

        func run() async throws {
            let (code, fromAdapter, file, dryRun) = (code, adapter, profile, dryRun)
            let (version, changed) = try await connection.withDatabase { db -> (Int, [String]) in
                let tenant = try await db.platform.requireTenant(code: code)
                let new: TenantProfile
                if fromAdapter {
                    guard let a = AdapterRegistry.named(tenant.adapter) else {
                        throw CLIError(tenant.adapter == "profile"
                            ? "\(code) was onboarded from a profile file, not a built-in adapter: give --profile FILE"
                            : "\(code)'s adapter '\(tenant.adapter)' is not in this build (known: \(AdapterRegistry.names.joined(separator: ", "))): give --profile FILE")
                    }
                    do { new = try a.effectiveProfile() } catch { throw CLIError("\(error)") }
                } else {
                    new = try loadProfile(file!)
                }
                return try await db.platform.updateProfile(code: code, profile: new, actor: cliActor, dryRun: dryRun)
            }
            if changed.isEmpty {
                printError("\(code): the profile is unchanged (version \(version))")
            } else if dryRun {
                printError("\(code): would change \(changed.joined(separator: ", ")) (version \(version - 1) to \(version)); nothing written")
            } else {
                printError("\(code): profile version \(version - 1) to \(version); changed: \(changed.joined(separator: ", "))")
            }
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

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one city's complete data to a versioned archive file (owner role).",
            discussion: """
                Every tenant table, the profile versions and the audit log, from one consistent snapshot, as JSON \
                lines with a row count and SHA-256 per table and one over the whole file. The city keeps running; \
                the file appears only when complete. Restore it with 'tenant import'.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "Archive file to write (replaced if it exists).") var out: String

        func run() async throws {
            let (code, url) = (tenant, URL(fileURLWithPath: out))
            let started = ContinuousClock.now
            let result = try await connection.withOwnerDatabase { db in
                try await TenantArchiver(owner: db).export(code: code, to: url, actor: cliActor) { t in
                    printError("  \(t.table): \(t.rows) rows")
                }
            }
            let rows = result.tables.reduce(0) { $0 + $1.rows }
            printError("exported \(code): \(rows) rows in \(result.tables.count) tables, \(result.bytes) bytes, sha256 \(result.sha256), \(elapsed(since: started))")
            print(url.path)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a city archive into a code not in use here (owner role).",
            discussion: """
                Checks the file's digests, writes every table in one transaction, reads each table back and \
                compares it with the archive before committing: any difference or error leaves the database as \
                it was. Other cities are not touched. API keys whose token already opens another city here are \
                imported revoked. Needs the owner role to hold SET on session_replication_role \
                (deploy/postgres/bootstrap.sql grants it).
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Archive written by 'tenant export'.") var file: String
        @Option(name: .customLong("as"), help: "City code to import as (default: the archive's own).") var code: String?

        func run() async throws {
            let (url, code) = (URL(fileURLWithPath: file), code)
            let started = ContinuousClock.now
            let result = try await connection.withOwnerDatabase { db in
                try await TenantArchiver(owner: db).importArchive(from: url, as: code, actor: cliActor) { t in
                    printError("  \(t.table): \(t.rows) rows, checked")
                }
            }
            let rows = result.tables.reduce(0) { $0 + $1.rows }
            printError("imported \(result.tenant.code) (\(result.tenant.name)): \(rows) rows in \(result.tables.count) tables, status \(result.tenant.status.rawValue), \(elapsed(since: started))")
            if result.revokedKeys > 0 {
                printError("\(result.revokedKeys) API key(s) already open another city here and were imported revoked: create new ones with 'kinerja-admin apikey create --tenant \(result.tenant.code)'")
            }
        }
    }

    struct Offboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Offboard a city: its data stay read-only for its profile's retention, then may be purged.",
            discussion: """
                Reads keep working (API keys and the CLI); every write is refused by the database. The retention \
                is the profile's retention.offboardedDays. 'tenant resume' undoes it until the purge. Audited.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "City code.") var code: String

        func run() async throws {
            let code = code
            let until = try await connection.withDatabase { db in try await db.platform.offboard(code: code, actor: cliActor) }
            printError("\(code) is offboarded: read-only, kept until \(isoDay(until)); then 'kinerja-admin tenant purge \(code)'")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an offboarded city's data after its retention (owner role; cannot be undone).",
            discussion: """
                Refused before the retention ends. Asks for the city code again (or give --confirm CODE). The city \
                record stays with status purged, so its code is never reused, and the purge's audit entry says \
                how many rows went from each table. Export the city first if its data may be needed again.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "City code.") var code: String
        @Option(help: "The city code again, to confirm without a prompt.") var confirm: String?

        func run() async throws {
            var answer = confirm
            if answer == nil {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw CLIError("purging \(code) deletes its data for good: confirm with --confirm \(code)")
                }
                FileHandle.standardError.write(Data("Type the city code to delete all data of \(code): ".utf8))
                answer = readLine()?.trimmingCharacters(in: .whitespaces)
            }
            guard answer == code else { throw CLIError("confirmation '\(answer ?? "")' is not '\(code)': nothing was deleted") }
            let code = code
            let removed = try await connection.withOwnerDatabase { db in try await TenantArchiver(owner: db).purge(code: code, actor: cliActor) }
            for r in removed where r.rows > 0 { printError("  \(r.table): \(r.rows) rows deleted") }
            printError("purged \(code): \(removed.reduce(0) { $0 + $1.rows }) rows deleted; the city record stays as purged")
        }
    }

    static func setStatus(_ connection: ConnectionOptions, _ code: String, _ status: Tenant.Status) async throws {
        let old = try await connection.withDatabase { db in try await db.platform.setStatus(code: code, to: status, actor: cliActor) }
        printError(old == status ? "\(code) was already \(status.rawValue)" : "\(code): \(old.rawValue) -> \(status.rawValue)")
    }
}

func setStatus(_ connection: ConnectionOptions, _ code: String, _ status: Tenant.Status) async throws {
    try await TenantCommand.setStatus(connection, code, status)
}

/// 2026-11-24: the day part of a moment, in UTC.
func isoDay(_ date: Date) -> String { String(ISO8601DateFormatter().string(from: date).prefix(10)) }

func elapsed(since start: ContinuousClock.Instant) -> String {
    let d = ContinuousClock.now - start
    return String(format: "%.1f s", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
}
