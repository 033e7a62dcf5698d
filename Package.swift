// swift-tools-version:6.0
import PackageDescription

// One target per layer. The three C libraries are system libraries found
// through pkg-config; nothing else is linked into the shipped binary.
let package = Package(
    name: "mysql-rotator",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rotator", targets: ["rotator"])
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
        // The one list of the errorType names the function reports, below every error that uses them.
        .target(name: "ErrorTypes"),
        // Time (Deadline, clocks, UTCTime, the CallContext an invocation hands its calls)
        // and trust (the system's CA certificates).
        .target(name: "Platform"),
        // The only Swift door to libcrypto: digests, HMAC, secure random.
        .target(name: "Cryptography", dependencies: ["CCrypto"]),
        // HTTP over libcurl, and the one percent-encoder of URL pieces.
        .target(name: "CurlHTTP", dependencies: ["CCurl", "Platform"]),
        // Where AWS requests go, as the SDKs decide it (Secrets Manager, RDS).
        .target(name: "AWSEndpoint"),
        // The AWS request layer under every service client: SigV4, credentials, the
        // botocore retry table and the one request loop (AWSClient), bounded by a CallContext.
        .target(name: "AWSCore", dependencies: ["CurlHTTP", "Platform", "Cryptography"]),

        // I/O layers.
        .target(name: "LambdaRuntime", dependencies: ["CurlHTTP", "JSON", "Platform", "ErrorTypes"]),
        .target(
            name: "SecretsManager",
            dependencies: ["AWSCore", "CurlHTTP", "JSON", "Platform", "AWSEndpoint", "ErrorTypes"]),
        .target(name: "MariaDB", dependencies: ["CMariaDB", "Platform"]),
        // RDS's Query API (DescribeDBInstances/DescribeDBClusters), over AWSCore.
        .target(name: "RDS", dependencies: ["AWSCore", "CurlHTTP", "Platform", "AWSEndpoint"]),

        // The rotation domain: pure Swift over two small protocols.
        .target(name: "Rotation", dependencies: ["JSON", "Platform", "ErrorTypes", "Cryptography"]),

        // The preflight check: its decisions pure over small protocols, its probes apart.
        .target(name: "Preflight", dependencies: ["Rotation", "JSON", "ErrorTypes", "Platform"]),
        .target(
            name: "PreflightProbes",
            dependencies: ["Preflight", "Rotation", "MariaDB", "SecretsManager", "JSON", "Platform"]),

        // Configuration and the glue between the layers.
        .target(
            name: "RotationFunction",
            dependencies: [
                "LambdaRuntime", "SecretsManager", "MariaDB", "Rotation", "JSON", "Platform", "Cryptography",
                "Preflight", "PreflightProbes", "AWSEndpoint", "AWSCore", "RDS", "ErrorTypes",
            ]),

        // The executable: main.swift only.
        .executableTarget(name: "rotator", dependencies: ["RotationFunction", "LambdaRuntime"]),

        // Test support: every fake the test targets share (Hummingbird's HummingbirdTesting is the
        // pattern): the in-memory secret store, the fake database, the preflight check's world, a
        // scripted HTTP transport, a recorded retry schedule and botocore's answers (RetryOracle,
        // SigV4Oracle).
        // A plain target, built by every `swift build`, release too: nothing in it imports Testing.
        .target(
            name: "TestSupport",
            dependencies: ["Rotation", "Preflight", "AWSCore", "Platform", "CurlHTTP", "JSON", "Cryptography"],
            path: "Tests/TestSupport"),

        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "CryptographyTests", dependencies: ["Cryptography"]),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP"]),
        .testTarget(name: "LambdaRuntimeTests", dependencies: ["LambdaRuntime", "JSON", "Platform"]),
        .testTarget(
            name: "AWSCoreTests",
            dependencies: ["AWSCore", "CurlHTTP", "Cryptography", "Platform", "JSON", "TestSupport"]),
        .testTarget(
            name: "SecretsManagerTests",
            dependencies: [
                "SecretsManager", "AWSCore", "JSON", "CurlHTTP", "Platform", "Cryptography", "TestSupport",
            ]),
        .testTarget(name: "RotationTests", dependencies: ["Rotation", "JSON", "TestSupport", "Cryptography"]),
        .testTarget(
            name: "RotationFunctionTests",
            dependencies: [
                "RotationFunction", "LambdaRuntime", "SecretsManager", "AWSCore", "MariaDB", "Rotation", "JSON",
                "Platform",
                "RDS", "TestSupport", "ErrorTypes",
            ]),
        .testTarget(name: "PreflightTests", dependencies: ["Preflight", "Rotation", "JSON", "TestSupport"]),
        .testTarget(name: "AWSEndpointTests", dependencies: ["AWSEndpoint"], exclude: ["botocore-endpoints.json"]),
        .testTarget(name: "RDSTests", dependencies: ["RDS", "AWSCore", "CurlHTTP", "TestSupport"]),
        // Pure decisions of the database layer; no server needed.
        .testTarget(name: "MariaDBTests", dependencies: ["MariaDB"]),
        // Needs MariaDB and moto started by scripts/test.sh (see README).
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "MariaDB", "SecretsManager", "AWSCore", "CurlHTTP", "LambdaRuntime", "Rotation", "JSON", "Platform",
                "Cryptography",
                "RotationFunction",
            ]),
    ]
)
