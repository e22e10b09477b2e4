// swift-tools-version:6.1
import PackageDescription

// One list of settings for every target, as Hummingbird does: existential `any` spelled out,
// imports visible per file, Swift 6 language mode from the tools version.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// The hot path (decoding, routing, aggregation, the simulator) is optimized even in debug builds: unoptimized
// it runs about 20 times slower, which makes `swift run goalpost demo` and the test suite crawl. Allowed because
// this is the root package; nothing depends on Goalpost as a package.
let hotPathSettings: [SwiftSetting] = swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "goalpost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "goalpost", targets: ["goalpost"]),
        .library(name: "GoalpostModel", targets: ["GoalpostModel"]),
        .library(name: "GoalpostDefinitions", targets: ["GoalpostDefinitions"]),
        .library(name: "GoalpostTelemetry", targets: ["GoalpostTelemetry"]),
        .library(name: "GoalpostEvaluation", targets: ["GoalpostEvaluation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // MARK: The pure core: value types and math. No NIO, GRDB, Hummingbird or Postgres here.
        .target(
            name: "GoalpostModel",
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "GoalpostDefinitions",
            dependencies: [
                "GoalpostModel",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // zlib from the system (Debian's zlib1g-dev) for gzip-encoded OTLP bodies and recorded files.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "GoalpostTelemetry",
            dependencies: ["GoalpostModel", "CZlib"],
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "GoalpostEvaluation",
            dependencies: ["GoalpostModel"],
            swiftSettings: hotPathSettings
        ),

        // MARK: Wiring: replay and backtest now; the services of `serve` later.
        .target(
            name: "GoalpostRuntime",
            dependencies: ["GoalpostModel", "GoalpostDefinitions", "GoalpostTelemetry", "GoalpostEvaluation"],
            swiftSettings: swiftSettings
        ),

        // MARK: The seeded B2B SaaS simulator used by `demo`, `simulate` and the tests.
        .target(
            name: "GoalpostSimulation",
            dependencies: ["GoalpostModel", "GoalpostTelemetry"],
            swiftSettings: hotPathSettings
        ),

        // MARK: The binary: wiring only.
        .executableTarget(
            name: "goalpost",
            dependencies: [
                "GoalpostModel",
                "GoalpostDefinitions",
                "GoalpostTelemetry",
                "GoalpostEvaluation",
                "GoalpostSimulation",
                "GoalpostRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Test support and tests.
        .target(
            name: "GoalpostTestSupport",
            dependencies: ["GoalpostModel", "GoalpostDefinitions", "GoalpostTelemetry", "GoalpostEvaluation", "GoalpostSimulation", "GoalpostRuntime"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostModelTests",
            dependencies: ["GoalpostModel", "GoalpostTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostDefinitionsTests",
            dependencies: ["GoalpostDefinitions", "GoalpostTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostTelemetryTests",
            dependencies: ["GoalpostTelemetry", "GoalpostTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostEvaluationTests",
            dependencies: ["GoalpostEvaluation", "GoalpostTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostRuntimeTests",
            dependencies: ["GoalpostRuntime", "GoalpostSimulation", "GoalpostTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostSimulationTests",
            dependencies: ["GoalpostSimulation", "GoalpostTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostCommandTests",
            dependencies: ["GoalpostTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
