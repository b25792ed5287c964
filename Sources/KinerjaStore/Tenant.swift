public import Foundation

/// A city as the platform knows it.
public struct Tenant: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case active, suspended
        /// Read-only until ``Tenant/retainUntil``; then `tenant purge` may remove its data.
        case offboarded
        /// Its data were removed; the record stays so the code is never given to another city.
        case purged
    }

    public var id: TenantID
    public var code: String
    public var name: String
    public var adapter: String
    public var status: Status
    public var profileVersion: Int
    public var createdAt: Date
    public var employeeCount: Int
    /// For an offboarded city: the first moment its data may be purged.
    public var retainUntil: Date?

    enum CodingKeys: String, CodingKey { case code, name, adapter, status, profileVersion, createdAt, employeeCount, id, retainUntil }
}

extension TenantID: Codable {
    public init(from decoder: any Decoder) throws { self.init(try UUID(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try uuid.encode(to: encoder) }
}

/// Tenant codes: lower-case letters, digits and dashes, starting with a letter, 2-40 characters.
public enum TenantCode {
    public static func check(_ code: String) throws(StoreError) {
        let ok = code.count >= 2 && code.count <= 40 && code.first!.isLowercase && code.first!.isASCII
            && code.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
        guard ok else {
            throw .invalid("city code '\(code)' is not allowed: use 2-40 lower-case letters, digits or dashes, starting with a letter (e.g. parepare)")
        }
    }
}
