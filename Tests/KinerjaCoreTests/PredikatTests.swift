import KinerjaCore
import Testing

/// The matrix of PermenPANRB 6/2022 as DOMAIN.md gives it (rows hasil kerja, columns perilaku).
@Suite struct PredikatTests {
    static let matrix: [(Rating, Rating, Predikat)] = [
        (.diAtasEkspektasi, .diBawahEkspektasi, .kurang),
        (.diAtasEkspektasi, .sesuaiEkspektasi, .baik),
        (.diAtasEkspektasi, .diAtasEkspektasi, .sangatBaik),
        (.sesuaiEkspektasi, .diBawahEkspektasi, .kurang),
        (.sesuaiEkspektasi, .sesuaiEkspektasi, .baik),
        (.sesuaiEkspektasi, .diAtasEkspektasi, .baik),
        (.diBawahEkspektasi, .diBawahEkspektasi, .sangatKurang),
        (.diBawahEkspektasi, .sesuaiEkspektasi, .butuhPerbaikan),
        (.diBawahEkspektasi, .diAtasEkspektasi, .butuhPerbaikan),
    ]

    @Test(arguments: matrix)
    func cell(_ hasil: Rating, _ perilaku: Rating, _ expected: Predikat) {
        #expect(Predikat(hasilKerja: hasil, perilakuKerja: perilaku) == expected)
    }

    @Test func namesAsUsersSayThem() {
        #expect(Predikat.kurang.rawValue == "Kurang/Misconduct")
        #expect(Rating.diAtasEkspektasi.rawValue == "Di Atas Ekspektasi")
    }
}
