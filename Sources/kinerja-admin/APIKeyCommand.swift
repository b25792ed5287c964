public import ArgumentParser
import Foundation
import KinerjaReports
public import KinerjaStore

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "API keys: opaque, stored only as a hash, listable and revocable.",
        subcommands: [Create.self, List.self, Scope.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key. Prints the token alone on stdout (shown once); the rest goes to stderr.",
            discussion: "Example: TOKEN=$(kinerja-admin apikey create --tenant makassar --role hr_admin --label 'BKPSDM')")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code; for bkn_admin a comma-separated list of the cities granted.") var tenant: String
        @Option(help: "bkn_admin (regional: its cities' summaries, no person), hr_admin (the city), atasan, pegawai or integrator.") var role: Role
        @Option(help: "A note to tell keys apart (who or what uses it).") var label: String = ""
        @Option(help: "NIP of the employee the key acts for (atasan and pegawai).") var nip: String?
        @Option(name: .customLong("scope"), help: "For integrator keys, repeatable: attendance, complaints, realisasi, employees (default: these four); siasn (the final results for SIASN, named people: only when listed).")
        var scopes: [String] = []

        func run() async throws {
            let codes = tenant.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let (role, label, nip, scopes) = (role, label, nip, scopes)
            let (token, prefix) = try await connection.withDatabase { db in
                var ids: [TenantID] = []
                for code in codes { ids.append(try await db.platform.requireTenant(code: code).id) }
                let made = try await db.createAPIKey(tenants: ids, role: role, label: label, employeeNIP: nip, scopes: scopes, actor: cliActor)
                return (made.token, APIToken.prefix(made.token))
            }
            print(token)
            printError("created \(role.rawValue) key \(prefix)… for \(codes.joined(separator: ", ")); it is shown once, store it now")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A city's keys: prefix, role, label, scopes, last use.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "text, csv or json") var format: Table.Format = .text

        func run() async throws {
            let code = tenant
            let keys = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.apiKeys() }
            }
            let rows = keys.map { k in
                [k.prefix, k.role.rawValue, k.label, k.employeeNIP ?? "", k.grantedScopes.joined(separator: ","), "\(k.createdAt)",
                 k.lastUsedAt.map { "\($0)" } ?? "never", k.revokedAt.map { "revoked \($0)" } ?? "active"]
            }
            print(Table(columns: ["prefix", "role", "label", "nip", "scopes", "created_at", "last_used", "state"], rows: rows)
                .render(format), terminator: "")
        }
    }

    struct Scope: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grant an integrator key more scopes, or take some away; the token stays the same.",
            discussion: """
                Servers apply the change when their cached look-up of the key expires (--auth-cache-seconds, 5 s by \
                default). A key that lists no scopes holds attendance, complaints, realisasi and employees, and keeps \
                them when one is added.
                Example: kinerja-admin apikey scope --tenant makassar kin_AbCdEfGh --add siasn
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code the key belongs to.") var tenant: String
        @Argument(help: "Key prefix (kin_xxxxxxxx, from 'apikey list') or id.") var key: String
        @Option(name: .customLong("add"), help: "A scope to grant, repeatable: attendance, complaints, realisasi, employees, siasn.")
        var added: [String] = []
        @Option(name: .customLong("remove"), help: "A scope to take away, repeatable.") var removed: [String] = []

        func validate() throws {
            if added.isEmpty && removed.isEmpty { throw ValidationError("give --add or --remove (a scope each, repeatable)") }
        }

        func run() async throws {
            let (code, key, added, removed) = (tenant, key, added, removed)
            let changed = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.changeAPIKeyScopes(key, add: added, remove: removed, actor: cliActor) }
            }
            let (before, after) = (changed.before.joined(separator: ", "), changed.after.joined(separator: ", "))
            if Set(changed.before) == Set(changed.after) {
                printError("\(changed.key.prefix) (\(changed.key.label)) already holds \(after); nothing changed")
            } else {
                printError("\(changed.key.prefix) (\(changed.key.label)): \(before) -> \(after); servers apply it within their key cache time (5 s by default)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key by its prefix (from 'apikey list'); a bkn_admin key is revoked in every city it covers.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code the key belongs to.") var tenant: String
        @Argument(help: "Key prefix (kin_xxxxxxxx) or id.") var key: String

        func run() async throws {
            let (code, key) = (tenant, key)
            let revoked = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.revokeAPIKey(key, actor: cliActor) }
            }
            printError("revoked \(revoked.key.prefix) (\(revoked.key.role.rawValue)) in \(revoked.cities.joined(separator: ", "))")
        }
    }
}

extension Role: ExpressibleByArgument {}
