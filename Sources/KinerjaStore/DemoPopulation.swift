public import Foundation
public import KinerjaCore

/// A deterministic, realistic city for demos and tests: a tree of OPDs (Dinas Pendidikan with schools,
/// Dinas Kesehatan with puskesmas, kecamatan with kelurahan, ...) and employees with valid NIPs whose
/// ages and golongan agree with the NIP, Indonesian names, and atasan chains up to the kepala OPD.
public struct DemoPopulation: Sendable {
    public struct Unit: Sendable {
        public var id: UUID
        public var parent: UUID?
        public var code: String
        public var name: String
        public var kind: String
    }

    public struct Person: Sendable {
        public var nip: String
        public var name: String
        public var gelarDepan: String?
        public var gelarBelakang: String?
        public var type: NIP.EmployeeType
        public var jabatanKind: String
        public var jabatanLevel: String?
        public var jabatanName: String
        public var golongan: String
        public var unit: UUID
        public var atasan: String?
        public var email: String
        public var birthDate: CivilDate
        public var gender: Gender
    }

    public var units: [Unit] = []
    public var people: [Person] = []

    /// Fewest employees a demo city can have: one head for every unit of the smallest tree, and some staff.
    public static let minimumEmployees = 150

    /// The city the demo seeds; `reference` is the year ages and service are counted to.
    public init(city: String, employees: Int, seed: UInt64, reference year: Int = 2026) {
        var g = Generator(city: city, seed: seed, year: year)
        g.build(employees: max(employees, Self.minimumEmployees))
        units = g.units
        people = g.people
    }
}

/// SplitMix64: small, fast, and the same sequence on every platform for a given seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uuid() -> UUID {
        let a = next(), b = next()
        var bytes = withUnsafeBytes(of: a.bigEndian) { Array($0) } + withUnsafeBytes(of: b.bigEndian) { Array($0) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) < p * 10_000 }
}
