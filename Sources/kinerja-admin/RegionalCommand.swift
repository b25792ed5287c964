import ArgumentParser
import Foundation
import KinerjaStore

struct RegionalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regional",
        abstract: "Regional BKN staff's logins: add a person, grant or withdraw cities, reset a password, list, remove.",
        discussion: """
            Regional BKN staff belong to no city. They log in with NIP and password and no city \
            (POST /v1/sessions with {"nip", "password"}); the session is bkn_admin over exactly the cities granted \
            here: summaries only, nothing about a person. Every change is written to the audit log of each city \
            the person is granted (none for a person without a city). A withdrawal, a reset or a removal ends \
            the person's sessions; a running server notices within its key cache (5 s by default).
            """,
        subcommands: [Add.self, Grant.self, Ungrant.self, ResetPassword.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a regional person with a password and, optionally, their cities.",
            discussion: """
                Without --password-stdin a password is generated and printed alone on stdout (shown once; hand it \
                over in person). Example:
                  kinerja-admin regional add --nip 197901012005011002 --name "Siti Rahma" --city makassar --city palu
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "NIP of the person (18 digits).") var nip: String
        @Option(help: "Full name.") var name: String
        @Option(help: "A city code granted to the person (repeat for several).") var city: [String] = []
        @Flag(help: "Read the password from the first line of stdin instead of generating one.") var passwordStdin = false

        func run() async throws {
            let password = try newPassword(fromStdin: passwordStdin)
            let (nip, name, cities) = (nip, name, city)
            try await connection.withDatabase { db in
                try await db.platform.addRegionalPerson(nip: nip, name: name, password: password, cities: cities, actor: cliActor)
            }
            if !passwordStdin { print(password) }
            printError("regional person \(nip) added; cities: \(cities.isEmpty ? "none yet (kinerja-admin regional grant)" : cities.joined(separator: ", "))")
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grant cities to a regional person, from their next login.",
            discussion: "Example: kinerja-admin regional grant --nip 197901012005011002 --city banjarbaru")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "NIP of the person.") var nip: String
        @Option(help: "A city code (repeat for several).") var city: [String]

        func run() async throws {
            try await RegionalCommand.grant(connection, nip: nip, cities: city, granted: true)
            printError("\(nip) is granted \(city.joined(separator: ", ")) from their next login")
        }
    }

    struct Ungrant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw cities from a regional person; their open sessions lose those cities.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "NIP of the person.") var nip: String
        @Option(help: "A city code (repeat for several).") var city: [String]

        func run() async throws {
            try await RegionalCommand.grant(connection, nip: nip, cities: city, granted: false)
            printError("\(city.joined(separator: ", ")) withdrawn from \(nip); their sessions there ended")
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new password for a regional person: clears a lock and ends their open sessions.",
            discussion: "Without --password-stdin a password is generated and printed alone on stdout (shown once).")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "NIP of the person.") var nip: String
        @Flag(help: "Read the new password from the first line of stdin instead of generating one.") var passwordStdin = false

        func run() async throws {
            let password = try newPassword(fromStdin: passwordStdin)
            let nip = nip
            try await connection.withDatabase { db in
                try await db.platform.setRegionalPassword(nip: nip, password: password, actor: cliActor)
            }
            if !passwordStdin { print(password) }
            printError("password of regional person \(nip) set; any lock is cleared and open sessions are ended")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Regional people: their cities, password, lock and open sessions (all, or one with --nip).")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this NIP.") var nip: String?

        func run() async throws {
            let nip = nip
            let people = try await connection.withDatabase { db in try await db.platform.regionalPeople(nip: nip) }
            if people.isEmpty {
                printError("no regional person yet: kinerja-admin regional add --nip N --name NAME --city CODE")
                return
            }
            print(["nip", "name", "cities", "password", "failed", "locked until", "sessions"].joined(separator: "\t"))
            for p in people {
                print([p.nip, p.name, p.cities.isEmpty ? "-" : p.cities.joined(separator: ","), p.hasPassword ? "set" : "not set",
                       String(p.failedAttempts), p.lockedUntil.map { ISO8601DateFormatter().string(from: $0) } ?? "-",
                       String(p.openSessions)].joined(separator: "\t"))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a regional person: their sessions end and their grants go; the audit entries stay.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "NIP of the person.") var nip: String

        func run() async throws {
            let nip = nip
            try await connection.withDatabase { db in try await db.platform.removeRegionalPerson(nip: nip, actor: cliActor) }
            printError("regional person \(nip) removed; their sessions ended")
        }
    }

    static func grant(_ connection: ConnectionOptions, nip: String, cities: [String], granted: Bool) async throws {
        try await connection.withDatabase { db in
            try await db.platform.setRegionalGrant(nip: nip, cities: cities, granted: granted, actor: cliActor)
        }
    }
}
