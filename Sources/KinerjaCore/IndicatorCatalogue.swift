import Foundation

/// The indicator templates a city's profile offers an employee when drafting an SKP.
public enum IndicatorCatalogue {
    /// What a template's `appliesTo` entries are matched against.
    public struct Position: Sendable, Equatable {
        public var jabatanName: String
        /// struktural, fungsional or pelaksana.
        public var jabatanKind: String
        /// JPT, Administrator or Pengawas.
        public var jabatanLevel: String?
        /// The employee's unit and every unit above it (names and codes), up to the OPD.
        public var units: [String]

        public init(jabatanName: String, jabatanKind: String, jabatanLevel: String?, units: [String]) {
            self.jabatanName = jabatanName
            self.jabatanKind = jabatanKind
            self.jabatanLevel = jabatanLevel
            self.units = units
        }
    }

    /// Whether one `appliesTo` entry names this position. Case does not matter. An entry matches the jabatan
    /// kind or level exactly, a unit (or a unit above) by name or code exactly, or the jabatan name as a whole
    /// or as its first words ("Guru" matches "Guru Ahli Muda", not "Pengawas Guru").
    public static func matches(_ entry: String, _ p: Position) -> Bool {
        let e = entry.trimmingCharacters(in: .whitespaces).lowercased()
        guard !e.isEmpty else { return false }
        if e == p.jabatanKind.lowercased() || e == p.jabatanLevel?.lowercased() { return true }
        if p.units.contains(where: { $0.lowercased() == e }) { return true }
        let name = p.jabatanName.lowercased()
        return name == e || name.hasPrefix(e + " ")
    }

    /// The templates offered for `position`, in the profile's order.
    public static func templates(_ all: [TenantProfile.IndicatorTemplate], for position: Position) -> [TenantProfile.IndicatorTemplate] {
        all.filter { t in t.appliesTo.contains { matches($0, position) } }
    }

    /// A template as an indicator of a draft.
    public static func iki(from t: TenantProfile.IndicatorTemplate) -> SKP.IKI {
        let dimension = SKP.Dimension(rawValue: t.aspect.rawValue) ?? .kuantitas
        return SKP.IKI(text: t.iki, dimension: dimension, targetValue: t.target, targetUnit: t.unit,
                       lowerIsBetter: t.lowerIsBetter ?? false, accumulation: t.accumulation, templateID: t.id)
    }
}
