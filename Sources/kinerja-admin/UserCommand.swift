import ArgumentParser
import Foundation
import KinerjaStore

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "People's logins: set or reset a password, grant city HR, see a login's state.",
        discussion: """
            Employees log in with their NIP and password (POST /v1/sessions). Their role comes from the employee
            record (pegawai; atasan when anyone reports to them) and from grants (hr_admin).
            """,
        subcommands: [ResetPassword.self, Grant.self, Ungrant.self, Show.self])

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new password for an employee: clears a lock and ends their open sessions.",
            discussion: """
                Without --password-stdin a password is generated and printed alone on stdout (shown once; hand it
                over in person). Example: kinerja-admin user reset-password --tenant makassar --nip 198503152010011001
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "NIP of the employee (18 digits).") var nip: String
        @Flag(help: "Read the new password from the first line of stdin instead of generating one.") var passwordStdin = false

        func run() async throws {
            let password = try newPassword(fromStdin: passwordStdin)
            let (code, nip) = (tenant, try EvaluateCommand.nipDigits(nip))
            try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                try await db.withTenant(t.id) { try await $0.setPassword(nip: nip, password: password, actor: cliActor) }
            }
            if !passwordStdin { print(password) }
            printError("password of \(nip) in \(code) set; any lock is cleared and open sessions are ended")
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grant an employee city HR (hr_admin) at their next login; their open sessions end.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "NIP of the employee.") var nip: String
        @Option(help: "The role granted: hr_admin.") var role: Role = .hrAdmin

        func run() async throws {
            try await UserCommand.grant(connection, tenant: tenant, nip: try EvaluateCommand.nipDigits(nip), role: role, granted: true)
            printError("\(nip) in \(tenant) is granted \(role.rawValue) from their next login")
        }
    }

    struct Ungrant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a grant; the employee's open sessions end at once.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "NIP of the employee.") var nip: String
        @Option(help: "The role withdrawn: hr_admin.") var role: Role = .hrAdmin

        func run() async throws {
            try await UserCommand.grant(connection, tenant: tenant, nip: try EvaluateCommand.nipDigits(nip), role: role, granted: false)
            printError("\(role.rawValue) withdrawn from \(nip) in \(tenant); their sessions ended")
        }
    }

    static func grant(_ connection: ConnectionOptions, tenant code: String, nip: String, role: Role, granted: Bool) async throws {
        try await connection.withDatabase { db in
            let t = try await db.platform.requireTenant(code: code)
            try await db.withTenant(t.id) { try await $0.setGrant(nip: nip, role: role, granted: granted, actor: cliActor) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A login's state: password set, failed attempts, lock, grants, open sessions.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "City code.") var tenant: String
        @Option(help: "NIP of the employee.") var nip: String

        func run() async throws {
            let (code, nip) = (tenant, try EvaluateCommand.nipDigits(nip))
            let s = try await connection.withDatabase { db in
                let t = try await db.platform.requireTenant(code: code)
                return try await db.withTenant(t.id) { try await $0.loginStatus(nip: nip) }
            }
            print("""
                nip              \(s.nip)
                password         \(s.hasPassword ? "set \(s.changedAt.map { "\($0)" } ?? "")" : "not set (kinerja-admin user reset-password)")
                failed attempts  \(s.failedAttempts)
                locked           \(s.lockedUntil.map { "until \($0)" } ?? "no")
                grants           \(s.grants.isEmpty ? "none" : s.grants.joined(separator: ", "))
                open sessions    \(s.openSessions)
                """)
        }
    }
}
