// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the two OTLP decoders (docs/fuzzing.md). A package of its own so that the root
// package, and CI, never build them. Build with the flags in docs/fuzzing.md:
//   swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
let package = Package(
    name: "goalpost-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "goalpost", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzOTLPJSON",
            dependencies: [
                .product(name: "GoalpostTelemetry", package: "goalpost"),
                .product(name: "GoalpostModel", package: "goalpost"),
            ]
        ),
        .executableTarget(
            name: "FuzzOTLPProtobuf",
            dependencies: [
                .product(name: "GoalpostTelemetry", package: "goalpost"),
                .product(name: "GoalpostModel", package: "goalpost"),
            ]
        ),
    ]
)
