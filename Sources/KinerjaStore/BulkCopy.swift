import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Rows for `COPY ... FROM STDIN` in PostgreSQL's text format, written in chunks.
struct CopyText {
    /// `nil` is written as `\N`; tabs, newlines and backslashes are escaped.
    static func line(_ fields: [String?]) -> String {
        fields.map { field in
            guard let f = field else { return "\\N" }
            guard f.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return f }
            return f.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        }.joined(separator: "\t") + "\n"
    }
}

extension TenantTransaction {
    /// Copies rows into a temporary staging table (dropped at commit). COPY does not write to tables under
    /// row-level security, so bulk writes stage here and move with one `INSERT ... SELECT`, which RLS checks.
    func copyIntoStaging(table: String, columns: [String], rows: [[String?]]) async throws {
        var buffer = ByteBuffer()
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            for row in rows {
                buffer.writeString(CopyText.line(row))
                if buffer.readableBytes > 256 * 1024 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }
}
