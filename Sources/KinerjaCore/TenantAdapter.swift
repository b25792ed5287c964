public import Foundation
/// A city's adapter: its profile (what differs from the national default, as YAML) and, later, code hooks
/// where data cannot say it. Adapters receive and return plain values; they never see SQL or HTTP.
public protocol TenantAdapter: Sendable {
    /// Stable name used in `tenant onboard --adapter NAME`, e.g. `makassar`.
    var name: String { get }
    /// Human name, e.g. "Kota Makassar".
    var displayName: String { get }
    /// The city's profile overlay: only the keys that differ from ``NationalProfile``.
    var profileOverlay: String { get }
    /// The city's own report templates (Mustache) by name, from `adapters/<City>/templates/`; a name the
    /// core also has replaces the core's for this city.
    var templates: [String: String] { get }
}

extension TenantAdapter {
    public var templates: [String: String] { [:] }

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

/// Reads an adapter's templates from its resource bundle (`adapters/<City>/templates/*.mustache`).
public enum TemplateFolder {
    public static func load(_ bundle: Bundle, folder: String = "templates") -> [String: String] {
        guard let dir = bundle.url(forResource: folder, withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil) else { return [:] }
        var out: [String: String] = [:]
        for f in files where f.pathExtension == "mustache" {
            out[f.deletingPathExtension().lastPathComponent] = try? String(contentsOf: f, encoding: .utf8)
        }
        return out
    }
}
