// swift-tools-version: 6.2
// Micro-benchmarks of the rules alone (KinerjaCore), with ordo-one/benchmark: time, allocations and memory per
// iteration, percentiles from its HdrHistogram. A package of its own, so that the application's build and CI
// never build the benchmark tools; Sources/KinerjaCore is a link to the application's module (a package cannot
// name another by path whatever folder it was cloned into). Run: make bench.
import PackageDescription

let package = Package(
    name: "kinerja-micro-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The application's settings for the module (its Package.swift, `strict`).
        .target(name: "KinerjaCore", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("InternalImportsByDefault"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]),
        .executableTarget(
            name: "Parsing",
            dependencies: [
                "KinerjaCore",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Parsing",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
