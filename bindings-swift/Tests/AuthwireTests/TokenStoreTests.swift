// Token stores from Swift: the built-in FileStore (and RedisStore on Linux), and a store
// written in Swift, which proves that the TokenStore trait works across the FFI.
import Authwire
import Foundation
import XCTest

/// A store in memory, written in Swift: values with a TTL and named locks.
final class MemoryStore: TokenStore, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: (Data, ContinuousClock.Instant)] = [:]
    private var locks: [String: (String, ContinuousClock.Instant)] = [:]
    private(set) var writes = 0

    var storedValues: [Data] { lock.withLock { values.values.map(\.0) } }

    func read(key: String) throws -> Data? {
        lock.withLock {
            guard let (value, until) = values[key], ContinuousClock.now < until else { return nil }
            return value
        }
    }

    func write(key: String, value: Data, ttl: Duration) throws {
        lock.withLock {
            values[key] = (value, .now + ttl)
            writes += 1
        }
    }

    func compareAndDelete(key: String, expected: Data) throws -> Bool {
        lock.withLock {
            guard values[key]?.0 == expected else { return false }
            values[key] = nil
            return true
        }
    }

    func tryLock(key: String, owner: String, ttl: Duration) throws -> Bool {
        lock.withLock {
            if let (_, until) = locks[key], ContinuousClock.now < until { return false }
            locks[key] = (owner, .now + ttl)
            return true
        }
    }

    func unlock(key: String, owner: String) throws {
        lock.withLock {
            if locks[key]?.0 == owner { locks[key] = nil }
        }
    }
}

/// A store that always fails.
final class BrokenStore: TokenStore, Sendable {
    func read(key: String) throws -> Data? { throw StoreError.unavailable(reason: "disk on fire") }
    func write(key: String, value: Data, ttl: Duration) throws { throw StoreError.unavailable(reason: "disk on fire") }
    func compareAndDelete(key: String, expected: Data) throws -> Bool { throw SomeSwiftError(description: "boom") }
    func tryLock(key: String, owner: String, ttl: Duration) throws -> Bool { throw SomeSwiftError(description: "boom") }
    func unlock(key: String, owner: String) throws {}
}

final class TokenStoreTests: XCTestCase {
    let server = ScenarioServer.shared

    /// Two managers of the same credential, as two processes would hold them.
    func twoManagers(_ ns: String, stores: (TokenStore, TokenStore)) throws -> (TokenManager, TokenManager) {
        func manager(_ store: TokenStore) throws -> TokenManager {
            try TokenManager.apiKeyExchange(
                tokenURL: server.url("herd", ns, "token"), apiKey: try APIKey(encodedKey: scenarioApiKey),
                options: TokenOptions(store: store))
        }
        return (try manager(stores.0), try manager(stores.1))
    }

    func assertShared(_ stores: (TokenStore, TokenStore)) async throws {
        let ns = freshNamespace()
        let (first, second) = try twoManagers(ns, stores: stores)
        async let a = first.authorization()
        async let b = second.authorization()
        let (headerA, headerB) = try await (a, b)
        XCTAssertEqual(headerA, headerB)
        var requests = try await server.stats("herd", ns).tokenRequests
        XCTAssertEqual(requests, 1, "two managers sharing a store made \(requests) token requests")

        // A 401 seen by both: compare-and-delete, one new token for the two.
        first.invalidate(headerA)
        second.invalidate(headerB)
        let (freshA, freshB) = (try await first.authorization(), try await second.authorization())
        XCTAssertEqual(freshA, freshB)
        XCTAssertNotEqual(freshA, headerA)
        requests = try await server.stats("herd", ns).tokenRequests
        XCTAssertEqual(requests, 2)
    }

    func testTwoManagersShareAFileStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("authwire-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tokens").path
        try await assertShared((try FileStore(path: path), try FileStore(path: path)))
        // At rest: neither the token nor the API key in clear.
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertFalse(text.contains(scenarioApiKey), name)
            XCTAssertFalse(text.contains("herd."), name)
        }
    }

    func testAStoreWrittenInSwiftWorksAcrossTheFFI() async throws {
        let store = MemoryStore()
        try await assertShared((store, store))
        XCTAssertGreaterThanOrEqual(store.writes, 2)
        for value in store.storedValues {
            XCTAssertFalse(String(decoding: value, as: UTF8.self).contains("herd."), "a token was stored in clear")
        }
    }

    func testABrokenStoreNeverFailsACaller() async throws {
        let ns = freshNamespace()
        let events = EventLog()
        let tokens = try TokenManager.apiKeyExchange(
            tokenURL: server.url("ok", ns, "token"), apiKey: try APIKey(encodedKey: scenarioApiKey),
            options: TokenOptions(store: BrokenStore()))
        tokens.setListener { events.record($0) }
        let header = try await tokens.authorization()
        XCTAssertEqual(header, "Bearer ok.\(ns).t1")
        XCTAssertTrue(events.all.contains { $0.hasPrefix("storeUnavailable") }, "\(events.all)")
    }

    func testAFileStoreInAMissingDirectoryIsAConfigurationError() {
        XCTAssertThrowsError(try FileStore(path: "/no/such/directory/tokens")) { error in
            guard case AuthError.invalidConfiguration = error else { return XCTFail("\(error)") }
        }
    }

    #if AUTHWIRE_REDIS_STORE
        func testTwoManagersShareARedisStore() async throws {
            guard let url = ProcessInfo.processInfo.environment["AUTHWIRE_TEST_REDIS_URL"] else {
                print("SKIPPED TokenStoreTests.testTwoManagersShareARedisStore: AUTHWIRE_TEST_REDIS_URL is not set (tests/run-all sets it when redis-server is installed)")
                throw XCTSkip("AUTHWIRE_TEST_REDIS_URL is not set")
            }
            let prefix = "authwire-swift-\(UUID())"
            try await assertShared(
                (try RedisStore(url: URL(string: url)!, keyPrefix: prefix), try RedisStore(url: URL(string: url)!, keyPrefix: prefix)))
        }
    #endif
}
