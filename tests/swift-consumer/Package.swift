// swift-tools-version: 6.2
// A package that depends on authwire as an app would (by path here; by URL in an app), and
// uses it. tests/run-all builds and runs it after bindings-swift/generate.
import PackageDescription

let package = Package(
    name: "authwire-consumer",
    dependencies: [
        .package(name: "authwire", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "authwire-consumer",
            dependencies: [.product(name: "Authwire", package: "authwire")]
        ),
        // The documentation's Swift quickstart, run by tests/run-all against
        // `authwire demo --serve` (docs/quickstart.md shows main.swift verbatim).
        .executableTarget(
            name: "authwire-quickstart",
            dependencies: [.product(name: "Authwire", package: "authwire")]
        ),
    ]
)
