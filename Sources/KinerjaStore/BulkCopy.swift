import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Rows for `COPY ... FROM STDIN` in PostgreSQL's text format, written in chunks.
struct CopyText {
    /// One line written straight into `buffer`: `nil` as `\N`; tabs, newlines and backslashes escaped.
    static func write(_ fields: [String?], into buffer: inout ByteBuffer) {
        for (i, field) in fields.enumerated() {
            if i > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            guard let f = field else {
                buffer.writeStaticString("\\N")
                continue
            }
            let u = f.utf8
            guard u.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
                buffer.writeString(f)
                continue
            }
            for byte in u {
                switch byte {
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }
}

extension TenantTransaction {
    /// Copies rows into a temporary staging table (dropped at commit). COPY does not write to tables under
    /// row-level security, so bulk writes stage here and move with one `INSERT ... SELECT`, which RLS checks.
    func copyIntoStaging(table: String, columns: [String], rows: [[String?]]) async throws {
        var buffer = ByteBuffer()
        try connection.requireOpen()
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            for row in rows {
                CopyText.write(row, into: &buffer)
                if buffer.readableBytes > 256 * 1024 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }
}
