import KinerjaCore
import KinerjaStore
import Testing

@Suite struct DemoPopulationTests {
    let population = DemoPopulation(city: "makassar", employees: 600, seed: 42)

    @Test func deterministicForASeed() {
        let again = DemoPopulation(city: "makassar", employees: 600, seed: 42)
        #expect(again.people.map(\.nip) == population.people.map(\.nip))
        #expect(DemoPopulation(city: "makassar", employees: 600, seed: 43).people.map(\.nip) != population.people.map(\.nip))
    }

    @Test func sizeAndValidNIPsMatchingTheRecord() throws {
        #expect(population.people.count == 600)
        #expect(Set(population.people.map(\.nip)).count == 600, "NIPs are unique")
        for p in population.people {
            let nip = try NIP(p.nip, type: p.type)
            #expect(nip.birthDate == p.birthDate)
            #expect(nip.gender == p.gender)
        }
        #expect(population.people.contains { $0.type == .pppk } && population.people.contains { $0.type == .pns })
    }

    @Test func golonganFitsTheEmployeeType() {
        for p in population.people {
            if p.type == .pppk { #expect(!p.golongan.contains("/"), "\(p.golongan)") } else { #expect(p.golongan.contains("/"), "\(p.golongan)") }
        }
    }

    @Test func everyUnitHasAHeadAndChainsEndAtAKepalaOPD() {
        let byNIP = Dictionary(uniqueKeysWithValues: population.people.map { ($0.nip, $0) })
        let unitIDs = Set(population.units.map(\.id))
        for unit in population.units {
            #expect(population.people.contains { $0.unit == unit.id && $0.jabatanKind == "struktural" }, "\(unit.code) has no head")
        }
        for p in population.people {
            #expect(unitIDs.contains(p.unit))
            var current = p
            var steps = 0
            while let up = current.atasan {
                guard let next = byNIP[up] else { Issue.record("unknown atasan \(up)"); break }
                current = next
                steps += 1
                if steps > 10 { Issue.record("atasan chain of \(p.nip) loops"); break }
            }
            let top = population.units.first { $0.id == current.unit }
            #expect(top?.parent == nil, "the chain of \(p.nip) ends at the head of a top unit")
        }
        #expect(population.units.contains { $0.kind == "sekolah" } && population.units.contains { $0.kind == "puskesmas" })
        #expect(population.units.contains { $0.kind == "kelurahan" })
    }
}
