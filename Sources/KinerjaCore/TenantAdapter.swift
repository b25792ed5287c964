/// A city's adapter: its profile (what differs from the national default, as YAML) and, later, code hooks
/// where data cannot say it. Adapters receive and return plain values; they never see SQL or HTTP.
public protocol TenantAdapter: Sendable {
    /// Stable name used in `tenant onboard --adapter NAME`, e.g. `makassar`.
    var name: String { get }
    /// Human name, e.g. "Kota Makassar".
    var displayName: String { get }
    /// The city's profile overlay: only the keys that differ from ``NationalProfile``.
    var profileOverlay: String { get }
}

extension TenantAdapter {
    /// The national default with this city's overlay applied, validated.
    public func effectiveProfile() throws(ProfileError) -> TenantProfile {
        try ProfileLoader.load(overlay: profileOverlay, source: "adapter \(name)")
    }
}

/// The national default itself, for a city that changes nothing.
public struct NationalAdapter: TenantAdapter {
    public init() {}
    public var name: String { "nasional" }
    public var displayName: String { "Nasional (PermenPANRB 6/2022)" }
    public var profileOverlay: String { "" }
}
