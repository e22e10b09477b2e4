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
        .library(name: "GoalpostInvestigation", targets: ["GoalpostInvestigation"]),
        .library(name: "GoalpostDrafting", targets: ["GoalpostDrafting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
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

        // Localization, change correlation, onset, evidence, impact and the report: pure, over the engine's output.
        .target(
            name: "GoalpostInvestigation",
            dependencies: ["GoalpostModel", "GoalpostEvaluation"],
            swiftSettings: hotPathSettings
        ),

        // Outcomes from sentences: the grammar, matching against the telemetry catalog, the draft; pure.
        .target(
            name: "GoalpostDrafting",
            dependencies: ["GoalpostModel", "GoalpostEvaluation", "GoalpostDefinitions"],
            swiftSettings: swiftSettings
        ),

        // Goalpost for agents: the MCP tools, resources and prompts, answered from the API (stdio and /mcp).
        .target(
            name: "GoalpostAgents",
            dependencies: [.product(name: "MCP", package: "swift-sdk")],
            swiftSettings: swiftSettings
        ),

        // MARK: Durable state: aggregates, samples, deploys, customers, incidents (SQLite through GRDB).
        .target(
            name: "GoalpostStore",
            dependencies: [
                "GoalpostModel",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Wiring: replay and backtest, and the services of `serve` (ingest pipeline, evaluation ticks).
        .target(
            name: "GoalpostRuntime",
            dependencies: [
                "GoalpostModel", "GoalpostDefinitions", "GoalpostTelemetry", "GoalpostEvaluation", "GoalpostInvestigation", "GoalpostDrafting", "GoalpostStore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: HTTP: OTLP receiver, REST API, /metrics, health.
        .target(
            name: "GoalpostServer",
            dependencies: [
                "GoalpostModel", "GoalpostDefinitions", "GoalpostTelemetry", "GoalpostEvaluation", "GoalpostStore", "GoalpostRuntime", "GoalpostAgents",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
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
                "GoalpostInvestigation",
                "GoalpostDrafting",
                "GoalpostAgents",
                "GoalpostSimulation",
                "GoalpostRuntime",
                "GoalpostStore",
                "GoalpostServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Test support and tests.
        .target(
            name: "GoalpostTestSupport",
            dependencies: ["GoalpostModel", "GoalpostDefinitions", "GoalpostTelemetry", "GoalpostEvaluation", "GoalpostSimulation", "GoalpostRuntime", "GoalpostStore"],
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
            name: "GoalpostInvestigationTests",
            dependencies: ["GoalpostInvestigation", "GoalpostEvaluation", "GoalpostModel", "GoalpostTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostRuntimeTests",
            dependencies: [
                "GoalpostRuntime", "GoalpostSimulation", "GoalpostStore", "GoalpostTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostStoreTests",
            dependencies: ["GoalpostStore", "GoalpostTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoalpostServerTests",
            dependencies: ["GoalpostServer", "GoalpostRuntime", "GoalpostStore", "GoalpostModel", "GoalpostTestSupport"],
            resources: [.copy("Fixtures")],
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
