/// Rating hasil kerja or rating perilaku kerja (PermenPANRB 6/2022).
public enum Rating: String, Sendable, Codable, CaseIterable {
    case diAtasEkspektasi = "Di Atas Ekspektasi"
    case sesuaiEkspektasi = "Sesuai Ekspektasi"
    case diBawahEkspektasi = "Di Bawah Ekspektasi"
}

/// Predikat kinerja pegawai.
public enum Predikat: String, Sendable, Codable, CaseIterable {
    case sangatBaik = "Sangat Baik"
    case baik = "Baik"
    case butuhPerbaikan = "Butuh Perbaikan"
    case kurang = "Kurang/Misconduct"
    case sangatKurang = "Sangat Kurang"

    /// The matrix of PermenPANRB 6/2022: rows hasil kerja, columns perilaku kerja.
    public init(hasilKerja: Rating, perilakuKerja: Rating) {
        switch (hasilKerja, perilakuKerja) {
        case (.diAtasEkspektasi, .diAtasEkspektasi): self = .sangatBaik
        case (.diAtasEkspektasi, .sesuaiEkspektasi), (.sesuaiEkspektasi, .sesuaiEkspektasi),
             (.sesuaiEkspektasi, .diAtasEkspektasi): self = .baik
        case (.diAtasEkspektasi, .diBawahEkspektasi), (.sesuaiEkspektasi, .diBawahEkspektasi): self = .kurang
        case (.diBawahEkspektasi, .diBawahEkspektasi): self = .sangatKurang
        case (.diBawahEkspektasi, .sesuaiEkspektasi), (.diBawahEkspektasi, .diAtasEkspektasi): self = .butuhPerbaikan
        }
    }
}

/// Predikat kinerja organisasi: set by the leader above, it bounds the employee distribution.
public enum PredikatOrganisasi: String, Sendable, Codable, CaseIterable {
    case istimewa = "Istimewa"
    case baik = "Baik"
    case butuhPerbaikan = "Butuh Perbaikan"
    case kurang = "Kurang"
    case sangatKurang = "Sangat Kurang"
}

extension PredikatOrganisasi {
    /// The rating hasil kerja of the employee who heads the organisation (PermenPANRB 6/2022): the
    /// organisation's result is theirs. Istimewa is above expectation, Baik as expected, anything lower below.
    public var headRatingHasil: Rating {
        switch self {
        case .istimewa: .diAtasEkspektasi
        case .baik: .sesuaiEkspektasi
        case .butuhPerbaikan, .kurang, .sangatKurang: .diBawahEkspektasi
        }
    }
}

extension Predikat {
    /// The predikat of a numeric regime read on the 2022 scale, for the rules written on it (follow-ups, angka
    /// kredit): Sangat Baik and Baik as they are, Cukup as Butuh Perbaikan, Kurang as Kurang/Misconduct,
    /// Sangat Kurang and Buruk as Sangat Kurang (the project's reading, as angka kredit conversions use it).
    public init?(anyRegime text: String) {
        switch text {
        case "Cukup": self = .butuhPerbaikan
        case "Kurang": self = .kurang
        case "Buruk": self = .sangatKurang
        default: self.init(rawValue: text)
        }
    }
}
