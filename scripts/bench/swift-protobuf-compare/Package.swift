// swift-tools-version:6.1
import PackageDescription

// Measures swift-protobuf's generated types against Goalpost's hand-written OTLP protobuf decoder on the
// same bytes (scripts/bench/otlp-protobuf.sh --swift-protobuf). A package of its own so that the root
// package, and CI, never build swift-protobuf.
let package = Package(
    name: "swift-protobuf-compare",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(name: "goalpost", path: "../../.."),
    ],
    targets: [
        .executableTarget(
            name: "SwiftProtobufCompare",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GoalpostTelemetry", package: "goalpost"),
                .product(name: "GoalpostModel", package: "goalpost"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
        ),
    ]
)
