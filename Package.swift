// swift-tools-version:6.1
import PackageDescription

let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Chronicle",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "chronicle", targets: ["chronicle"]),
        .library(name: "ChronicleCore", targets: ["ChronicleCore"]),
        .library(name: "ChronicleStore", targets: ["ChronicleStore"]),
        .library(name: "ChronicleViews", targets: ["ChronicleViews"]),
        .library(name: "ChronicleApp", targets: ["ChronicleApp"]),
        .library(name: "ChronicleProjection", targets: ["ChronicleProjection"]),
        .library(name: "ChronicleRedis", targets: ["ChronicleRedis"]),
        .library(name: "ChronicleTesting", targets: ["ChronicleTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // C: LZ4 from the system (liblz4-dev).
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        // C: SHA-256 from the system's libcrypto (libssl-dev), hardware-accelerated where the CPU can.
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // C: the SQLite settings that only a variadic C call (sqlite3_config) can make.
        .systemLibrary(
            name: "CSQLiteSettings",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // C: swapping two directories in one step (renameat2 RENAME_EXCHANGE, behind a variadic syscall).
        .systemLibrary(name: "CFileExchange"),
        // C: the Redis client hiredis from the system (libhiredis-dev; Debian's 0.14 speaks RESP2 and has no TLS).
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // The pure core: commands, events, states, deciders, the coded language. No I/O, no clock.
        .target(
            name: "ChronicleCore",
            swiftSettings: strictness
        ),
        // The SQLite event log.
        .target(
            name: "ChronicleStore",
            dependencies: [
                "ChronicleCore",
                "CLZ4",
                "CCrypto",
                "CSQLiteSettings",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictness
        ),
        // What people read, as pure functions of the reducers' states: YAML, JSON and table
        // rendering, the per-field changes between two states.
        .target(
            name: "ChronicleViews",
            dependencies: ["ChronicleCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictness
        ),
        // The projector runtime: a view's sink, checkpoint and journal, catching up, following,
        // people's edits read back into the log, the rebuild swapped in on a version change.
        .target(
            name: "ChronicleProjection",
            dependencies: ["ChronicleCore", "ChronicleStore", "ChronicleViews", "ChronicleApp", "ChronicleRedis", "CFileExchange"],
            swiftSettings: strictness
        ),
        // The runtime of the commands: the appender's read/commit/ack loop, following the log,
        // configuration files.
        .target(
            name: "ChronicleApp",
            dependencies: [
                "ChronicleCore",
                "ChronicleStore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictness
        ),
        // The Redis client: connection URLs (and where a password may come from), a pipelined
        // connection over hiredis, replies and errors.
        .target(
            name: "ChronicleRedis",
            dependencies: ["ChronicleCore", "CHiredis"],
            swiftSettings: strictness
        ),
        // Test support: in-memory log, fixed clock, process runner, a real redis-server.
        .target(
            name: "ChronicleTesting",
            dependencies: ["ChronicleCore", "ChronicleStore", "ChronicleRedis"],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "chronicle",
            dependencies: [
                "ChronicleCore",
                "ChronicleRedis",
                "ChronicleStore",
                "ChronicleViews",
                "ChronicleApp",
                "ChronicleProjection",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictness
        ),
        // Benchmarks (run by tools/bench, never by the tests).
        .executableTarget(
            name: "ChronicleBench",
            dependencies: [
                "ChronicleCore",
                "ChronicleStore",
                "ChronicleApp",
                "ChronicleProjection",
                "ChronicleRedis",
                "ChronicleTesting",
                "CHiredis",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "ChronicleCoreTests",
            dependencies: ["ChronicleCore", "ChronicleTesting"],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "ChronicleStoreTests",
            dependencies: [
                "ChronicleCore", "ChronicleStore", "ChronicleTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "ChronicleProjectionTests",
            dependencies: [
                "ChronicleCore", "ChronicleStore", "ChronicleViews", "ChronicleProjection", "ChronicleTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "ChronicleRedisTests",
            dependencies: ["ChronicleRedis", "ChronicleTesting"],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "ChronicleAppTests",
            dependencies: [
                "ChronicleCore", "ChronicleStore", "ChronicleViews", "ChronicleApp", "ChronicleProjection", "ChronicleTesting", "chronicle",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictness
        ),
    ]
)
