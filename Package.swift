// swift-tools-version:6.0
import PackageDescription

// One target per layer. The three C libraries are system libraries found
// through pkg-config; nothing else is linked into the shipped binary.
let package = Package(
    name: "mysql-rotator",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rotator", targets: ["rotator"]),
    ],
    targets: [
        // C libraries, with static inline shims for the variadic calls.
        .systemLibrary(
            name: "CMariaDB", pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),

        // Plain Swift building blocks.
        .target(name: "JSON"),
        .target(name: "CurlHTTP", dependencies: ["CCurl"]),

        // I/O layers.
        .target(name: "LambdaRuntime", dependencies: ["CurlHTTP", "JSON"]),
        .target(name: "SecretsManager", dependencies: ["CurlHTTP", "JSON", "CCrypto"]),
        .target(name: "MariaDB", dependencies: ["CMariaDB"]),
        // RDS's Query API (DescribeDBInstances/DescribeDBClusters), signed by SecretsManager's SigV4 signer.
        .target(name: "RDS", dependencies: ["CurlHTTP", "SecretsManager"]),

        // The rotation domain: pure Swift over two small protocols.
        .target(name: "Rotation", dependencies: ["JSON"]),

        // The thin executable: configuration and the glue between layers.
        .executableTarget(
            name: "rotator",
            dependencies: ["LambdaRuntime", "SecretsManager", "RDS", "MariaDB", "Rotation", "JSON", "CCrypto"]),

        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP"]),
        .testTarget(name: "LambdaRuntimeTests", dependencies: ["LambdaRuntime", "JSON"]),
        .testTarget(name: "SecretsManagerTests", dependencies: ["SecretsManager", "JSON", "CurlHTTP"]),
        .testTarget(name: "RotationTests", dependencies: ["Rotation", "JSON"]),
        .testTarget(name: "RDSTests", dependencies: ["RDS", "SecretsManager", "CurlHTTP"]),
        // Needs MariaDB and moto started by scripts/test.sh (see README).
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["MariaDB", "SecretsManager", "CurlHTTP", "LambdaRuntime", "Rotation", "JSON", "rotator"]),
    ]
)
