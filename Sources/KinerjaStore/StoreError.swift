import Foundation
public import PostgresNIO

/// What the store can refuse, with the offending values. The edges (HTTP, CLI) turn these into problem
/// documents and exit codes.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(what: String, key: String)
    case conflict(what: String, key: String)
    case invalid(String)
    /// The actor may not do this to this row.
    case forbidden(String)
    /// Not in the row's present state (an SKP that is not a draft, a closed period).
    case state(String)
    case tenantSuspended(code: String)
    case configuration(String)
    case migrationsPending([Int])
    case checksumMismatch(version: Int, name: String)
    case database(String)
    /// The database could not be reached in time (down, restarting, or every connection busy): try again.
    /// `address` names the database it tried (role, host, port, name; never the password) for the server's log
    /// and the CLI; a caller of the API hears the message alone.
    case unavailable(String, address: String? = nil)

    public var description: String {
        switch self {
        case .notFound(let what, let key): "\(what) '\(key)' not found"
        case .conflict(let what, let key): "\(what) '\(key)' already exists"
        case .invalid(let message): message
        case .forbidden(let message): message
        case .state(let message): message
        case .tenantSuspended(let code): "city '\(code)' is suspended"
        case .configuration(let message): message
        case .migrationsPending(let versions): "migrations pending: \(versions.map(String.init).joined(separator: ", "))"
        case .checksumMismatch(let version, let name):
            "migration \(version) (\(name)) was changed after it was applied: its checksum differs from the recorded one"
        case .database(let message): message
        case .unavailable(let message, let address): address.map { "\(message) (\($0))" } ?? message
        }
    }

    /// The server's SQLSTATE and message from a PostgresNIO error, or its description.
    public static func describe(_ error: any Error) -> String {
        let error = innermost(error)
        if let e = error as? PSQLError, let message = e.serverInfo?[.message] {
            let state = e.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        if let e = error as? StoreError { return e.description }
        return String(describing: error)
    }

    /// `describe(error)` as a caller may read it: without the database's address (role, host, port, name) that
    /// a connection failure names for the server's log.
    public static func publicDescription(_ error: any Error) -> String {
        if case .unavailable(let message, _)? = innermost(error) as? StoreError { return message }
        return describe(error)
    }

    /// An error as a log line may show it. For a database error: its code, SQLSTATE, message, the table, column
    /// and constraint it names, and the statement's text (its values are masked), never its DETAIL or the row it
    /// shows (`Key (tenant_id, nip)=(...)`, `Failing row contains (...)`: names, comments, a password hash), nor a
    /// value that could not be decoded.
    public static func loggable(_ error: any Error) -> String {
        if let t = error as? PostgresTransactionError, let inner = t.closureError ?? t.commitError ?? t.beginError {
            return loggable(inner) + (t.rollbackError.map { "; the rollback failed too: \(loggable($0))" } ?? "")
        }
        if let e = error as? PSQLError {
            var out = "PSQLError(code: \(e.code)"
            let fields: [(String, PSQLError.ServerInfo.Field)] = [
                ("sqlState", .sqlState), ("message", .message), ("schema", .schemaName), ("table", .tableName),
                ("column", .columnName), ("constraint", .constraintName), ("hint", .hint), ("where", .locationContext),
                ("routine", .routine),
            ]
            for (name, field) in fields { if let value = e.serverInfo?[field] { out += ", \(name): \(value)" } }
            if let underlying = e.underlying { out += ", underlying: \(underlying)" }
            if let query = e.query { out += ", query: \(query.sql)" }
            return out + ")"
        }
        if let d = error as? PostgresDecodingError {
            return "PostgresDecodingError(code: \(d.code), column: \(d.columnName) (\(d.columnIndex)), as: \(d.targetType), "
                + "postgresType: \(d.postgresType), at: \(d.file):\(d.line))"
        }
        return String(reflecting: error)
    }

    /// Whether `error` says the connection to the database was lost while the work ran: the server shut down or
    /// restarted (57P01-57P03), a connection fault (class 08), or the driver's own word that the connection
    /// closed. Not the database refusing the work: asked again once it answers, the same request may succeed.
    /// A message the driver did not expect closes the connection too: PgBouncer's FATAL "server conn crashed?"
    /// (08P01, its server's session ended mid-transaction) arrives so, without the server's fields, or, for a
    /// statement sent while the driver was closing the connection over it, as the client's own closing.
    public static func connectionLost(_ error: any Error) -> Bool {
        guard let e = innermost(error) as? PSQLError else { return false }
        if let state = e.serverInfo?[.sqlState] { return ["57P01", "57P02", "57P03"].contains(state) || state.hasPrefix("08") }
        return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
                .unexpectedBackendMessage].contains(e.code)
    }

    /// The SQLSTATE of a server error, if it is one.
    public static func sqlState(_ error: any Error) -> String? {
        (innermost(error) as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The error a transaction's work, its `commit` or its `begin` threw, out of the driver's
    /// `PostgresTransactionError` around it (however deeply wrapped); any other error as it is.
    public static func innermost(_ error: any Error) -> any Error {
        var error = error
        while let t = error as? PostgresTransactionError, let inner = t.closureError ?? t.commitError ?? t.beginError { error = inner }
        return error
    }
}
