// swift-tools-version:6.0
// pumpgw: a monitoring gateway for secondary-supply (booster) pump stations.
// No package dependencies: Foundation, Dispatch, and C system libraries
// (libmodbus, sqlite3, zlib, OpenSSL) reached through `systemLibrary` targets.
import PackageDescription

let package = Package(
    name: "pumpgw",
    products: [
        .executable(name: "pumpgw", targets: ["pumpgw"]),
    ],
    targets: [
        // C libraries, as Debian ships them (apt: libmodbus-dev, libsqlite3-dev, zlib1g-dev).
        .systemLibrary(name: "CModbus", pkgConfig: "libmodbus",
                       providers: [.apt(["libmodbus-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // OpenSSL 3, for the feed's own bounded HTTPS client (apt: libssl-dev).
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),

        // One module per pipeline stage (see README "Architecture").
        .target(name: "Logging"),
        // What every stage passes on: samples, health, alarm events. No dependencies.
        .target(name: "Telemetry"),
        // Service, ServiceRunner, SignalQueue: one lifecycle for every long-lived part.
        .target(name: "Lifecycle", dependencies: ["Logging"]),
        // Socket mechanics shared by Modbus, Feed and HTTPServer: Deadline, TCP connect, poll, errno text.
        .target(name: "Sockets"),
        .target(name: "Modbus", dependencies: ["Sockets"]),
        // Profiles depends on Modbus: the loader builds each device's PollOptions, handed whole to the client.
        .target(name: "Profiles", dependencies: ["Modbus", "Sockets"]),
        .target(name: "Decoding", dependencies: ["Profiles", "Telemetry"]),
        .target(name: "Rules", dependencies: ["Profiles", "Decoding", "Telemetry"]),
        .target(name: "Store", dependencies: ["CSQLite", "CZlib", "Profiles", "Telemetry"]),
        .target(name: "Feed", dependencies: ["COpenSSL", "Sockets", "Profiles", "Telemetry", "Lifecycle", "Logging"]),
        .target(name: "Simulator", dependencies: ["CModbus", "Modbus", "Profiles", "Decoding"]),
        .target(name: "HTTPServer", dependencies: ["Sockets"]),
        .target(name: "Gateway", dependencies: ["Modbus", "Profiles", "Decoding", "Rules", "Store", "Feed", "Lifecycle", "Logging", "Telemetry",
                                                "HTTPServer"]),
        .executableTarget(name: "pumpgw",
                          dependencies: ["Gateway", "Simulator", "Profiles", "Decoding", "Modbus",
                                         "Rules", "Store", "Feed", "Lifecycle", "Logging", "Telemetry", "HTTPServer"]),

        // Running the pumpgw binary from tests, shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "Profiles", "Telemetry"]),
        .testTarget(name: "ProfilesTests", dependencies: ["Profiles", "TestSupport"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "Decoding", "Profiles", "Telemetry"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Decoding", "Rules", "TestSupport", "Telemetry"]),
        .testTarget(name: "FeedTests", dependencies: ["Feed", "Decoding", "Profiles", "Rules", "Logging", "TestSupport", "Telemetry"]),
        .testTarget(name: "LifecycleTests", dependencies: ["Lifecycle", "Logging"]),
        .testTarget(name: "ModbusTests", dependencies: ["Modbus", "Sockets", "CSQLite", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Lifecycle", "Profiles", "Decoding", "Rules", "Logging", "Telemetry",
                                                         "Store", "Feed", "Modbus", "TestSupport", "HTTPServer"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Profiles", "Simulator", "Gateway", "Decoding", "Rules", "Store", "Modbus",
                                                                "Logging", "Telemetry", "TestSupport"],
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
