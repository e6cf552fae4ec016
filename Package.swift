// swift-tools-version: 6.2
import PackageDescription

// The arrows of the design brief are enforced here: the core depends on no adapter, adapters depend on the
// core only, and the executable (composition root) is the only target that sees all of them.
let package = Package(
    name: "Lifeline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lifeline", targets: ["lifeline"]),
        .executable(name: "lifeline-authenticator", targets: ["lifeline-authenticator"]),
        .executable(name: "lifeline-agent", targets: ["lifeline-agent"]),
        .library(name: "LifelineAuthenticatorKit", targets: ["LifelineAuthenticatorKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        // Declared because the store imports them directly (they also come with sqlite-kit and postgres-kit).
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // The client library an authenticator app embeds (issue 16): Foundation and swift-crypto only, so it builds for
        // iOS and macOS too. The core imports it for the code constructions both sides must compute alike.
        .target(
            name: "LifelineAuthenticatorKit",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The reference app on the command line (tests, demos, the README tour).
        .executableTarget(
            name: "lifeline-authenticator",
            dependencies: [
                "LifelineAuthenticatorKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The reference laptop agent of offline authentication (issue 17): online authentication, offline verification.
        .executableTarget(
            name: "lifeline-agent",
            dependencies: [
                "LifelineAuthenticatorKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "LifelineCore",
            dependencies: [
                "LifelineAuthenticatorKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The system's SQLite (Debian: libsqlite3-dev), which the store uses through its C API. Why not the SQLite
        // that sqlite-nio vendors: its target (VaporCSQLite) is not a product of that package (docs/architecture.md).
        .systemLibrary(name: "SystemSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        // The system SQLite's C API under names of its own (why: LifelineSQLiteShim.h), and the one function Swift
        // cannot call (a variadic one).
        .target(name: "LifelineSQLiteShim", dependencies: ["SystemSQLite"]),
        // A JSON encoder that writes what Foundation's does, several times faster (API answers, flow state).
        .target(name: "LifelineJSON"),
        .target(
            name: "LifelineStore",
            dependencies: [
                "LifelineCore", "LifelineJSON", "LifelineSQLiteShim",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Outbox dispatcher, SMTP client and SMS HTTP gateway.
        .target(
            name: "LifelineDelivery",
            dependencies: [
                "LifelineCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "LifelineHTTP",
            dependencies: [
                "LifelineCore", "LifelineJSON", "LifelineAuthenticatorKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates"), .copy("Static"), .copy("i18n")]
        ),
        // LDAP directory adapter (OpenLDAP, Active Directory): an LDAPv3 client over SwiftNIO, BER via swift-asn1.
        .target(
            name: "LifelineLDAP",
            dependencies: [
                "LifelineCore",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The composition root: the only target that chooses concrete adapters and wires them.
        .target(
            name: "LifelineApp",
            dependencies: [
                "LifelineCore", "LifelineStore", "LifelineHTTP", "LifelineDelivery", "LifelineLDAP",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "lifeline",
            dependencies: [
                "LifelineApp", "LifelineCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test helpers shared by the test targets (helper processes); no product depends on it.
        .target(
            name: "LifelineTestSupport",
            path: "Tests/LifelineTestSupport"
        ),
        // Every storage port of the core in memory (faithful to the ports' contracts), for service tests that need
        // no database; the store contract suite runs against it too. No product depends on it.
        .target(
            name: "LifelineTestStore",
            dependencies: ["LifelineCore"],
            path: "Tests/LifelineTestStore"
        ),
        .testTarget(
            name: "LifelineAuthenticatorKitTests",
            dependencies: ["LifelineAuthenticatorKit"]
        ),
        .testTarget(
            name: "LifelineJSONTests",
            dependencies: ["LifelineJSON", "LifelineCore"]
        ),
        .testTarget(
            name: "LifelineCoreTests",
            dependencies: [
                "LifelineCore", "LifelineTestSupport", "LifelineTestStore", "LifelineAuthenticatorKit",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LifelineStoreTests",
            dependencies: [
                "LifelineCore", "LifelineStore", "LifelineApp", "LifelineDelivery", "LifelineTestStore", "LifelineAuthenticatorKit",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "LifelineDeliveryTests",
            dependencies: [
                "LifelineCore", "LifelineDelivery", "LifelineTestSupport", "LifelineTestStore",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "LifelineLDAPTests",
            dependencies: [
                "LifelineCore", "LifelineLDAP",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LifelineHTTPTests",
            dependencies: [
                "LifelineCore", "LifelineStore", "LifelineHTTP", "LifelineApp", "LifelineTestSupport", "LifelineAuthenticatorKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
