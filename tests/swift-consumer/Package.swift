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
        )
    ]
)
