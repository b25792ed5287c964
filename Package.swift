// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// One adapter target per city: `adapters/<City>/`, module `Adapter<City>`.
let cities = ["Makassar", "Pematangsiantar", "Banjarbaru", "Palu"]

let package = Package(
    name: "kinerja",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kinerja-server", targets: ["kinerja-server"]),
        .executable(name: "kinerja-admin", targets: ["kinerja-admin"]),
        .executable(name: "kinerja-ceiling", targets: ["kinerja-ceiling"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        // Up to the next minor: KinerjaDatabase reads the pool's own error type (_ConnectionPoolModule, whose API
        // is not promised to stay) and works around the pool's behaviour as 1.33 has it.
        .package(url: "https://github.com/vapor/postgres-nio.git", .upToNextMinor(from: "1.33.0")),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(
            url: "https://github.com/apple/swift-configuration.git", from: "1.4.0",
            traits: ["CommandLineArguments", "YAML"]
        ),
    ],
    targets: [
        .target(
            name: "KinerjaCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "KinerjaStore",
            dependencies: [
                "KinerjaCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // The pool's error type, which PostgresNIO passes on as it is (KinerjaDatabase.poolError).
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: strict
        ),
        .target(
            name: "KinerjaAPI",
            dependencies: [
                "KinerjaCore", "KinerjaStore", "KinerjaReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("openapi.yaml")],
            swiftSettings: strict,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "KinerjaReports",
            dependencies: ["KinerjaCore", .product(name: "Mustache", package: "swift-mustache")],
            resources: [.copy("Templates")],
            swiftSettings: strict
        ),
        .target(
            name: "KinerjaAdapters",
            dependencies: ["KinerjaCore"] + cities.map { .target(name: "Adapter\($0)") },
            swiftSettings: strict
        ),
        .executableTarget(
            name: "kinerja-server",
            dependencies: [
                "KinerjaAPI", "KinerjaStore", "KinerjaAdapters", "KinerjaCore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "kinerja-admin",
            dependencies: [
                "KinerjaCore", "KinerjaStore", "KinerjaReports", "KinerjaAdapters",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // Benchmarks/load.sh's baseline: Hummingbird + PostgresClient answering SELECT 1, nothing more.
        .executableTarget(
            name: "kinerja-ceiling",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Ceiling",
            swiftSettings: strict
        ),
        .target(
            name: "KinerjaTestSupport",
            dependencies: [
                "KinerjaStore", "KinerjaCore", "KinerjaAdapters",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/KinerjaTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "KinerjaCoreTests", dependencies: ["KinerjaCore"], swiftSettings: strict),
        .testTarget(
            name: "KinerjaStoreTests",
            dependencies: [
                "KinerjaStore", "KinerjaAdapters", "KinerjaTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KinerjaAPITests",
            dependencies: [
                "KinerjaAPI", "KinerjaStore", "KinerjaAdapters", "KinerjaCore", "KinerjaTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "KinerjaReportsTests", dependencies: ["KinerjaReports", "KinerjaCore", "KinerjaAdapters", "KinerjaTestSupport"], swiftSettings: strict),
        .testTarget(name: "KinerjaAdaptersTests", dependencies: ["KinerjaAdapters", "KinerjaCore"], swiftSettings: strict),
    ] + cities.map { city in
        .target(
            name: "Adapter\(city)",
            dependencies: ["KinerjaCore"],
            path: "adapters/\(city)",
            // The city's report templates (Mustache), read by name at run time.
            resources: [.copy("templates")],
            swiftSettings: strict
        )
    }
)
