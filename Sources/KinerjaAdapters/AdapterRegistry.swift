public import KinerjaCore
import AdapterBanjarbaru
import AdapterMakassar
import AdapterPalu
import AdapterPematangsiantar

/// Every adapter the build links, by name. The core never imports an adapter; this module does.
public enum AdapterRegistry {
    /// The national default first, then the cities.
    public static let all: [any TenantAdapter] = [
        NationalAdapter(), MakassarAdapter(), PematangsiantarAdapter(), BanjarbaruAdapter(), PaluAdapter(),
    ]

    /// The four demo cities with their tenant codes.
    public static let demoCities: [any TenantAdapter] = Array(all.dropFirst())

    public static func named(_ name: String) -> (any TenantAdapter)? {
        all.first { $0.name == name.lowercased() }
    }

    public static var names: [String] { all.map(\.name) }
}
