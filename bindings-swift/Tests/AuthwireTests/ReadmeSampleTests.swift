// Runs the README's Swift samples (ReadmeSamples.swift) against the scenario server, and the
// Errors sample of bindings-swift/README.md against tests/scenarios/tls_servers.py.
import Authwire
import Foundation
import XCTest

final class ReadmeSampleTests: XCTestCase {
    func testHeaderSamples() throws {
        try headerSamples()
    }

    func testListThings() async throws {
        let ns = freshNamespace()
        let server = ScenarioServer.shared
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(ns).json")
        try #"{"appClientId": "app", "appClientSecret": "s", "encodedKey": "\#(scenarioApiKey)"}"#
            .write(to: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: keyFile) }
        let status = try await listThings(
            tokenURL: server.url("ok", ns, "token"), keyFile: keyFile, apiURL: server.url("ok", ns, "resource"))
        XCTAssertEqual(status, 200)
        let stats = try await server.stats("ok", ns)
        XCTAssertEqual(stats.tokenRequests, 1)
    }

    func testCreateThing() async throws {
        let ns = freshNamespace()
        let server = ScenarioServer.shared
        let status = try await createThing(
            fetchURL: server.url("csrf", ns, "api"), writeURL: server.url("csrf", ns, "api"), user: csrfUser,
            password: csrfPassword)
        XCTAssertEqual(status, 201)
    }

    func testTokensThroughURLSession() async throws {
        let ns = freshNamespace()
        let server = ScenarioServer.shared
        let tokens = try tokensThroughURLSession(
            tokenURL: server.url("ok", ns, "token"), apiKey: try APIKey(encodedKey: scenarioApiKey))
        let header = try await tokens.authorization()
        XCTAssertEqual(header, "Bearer ok.\(ns).t1")
    }

    func testSharedTokens() async throws {
        let ns = freshNamespace()
        let server = ScenarioServer.shared
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(ns)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try APIKey(encodedKey: scenarioApiKey)
        let first = try sharedTokens(tokenURL: server.url("ok", ns, "token"), apiKey: key, directory: directory.path)
        let second = try sharedTokens(tokenURL: server.url("ok", ns, "token"), apiKey: key, directory: directory.path)
        let header = try await first.authorization()
        let same = try await second.authorization()
        XCTAssertEqual(same, header)
        let stats = try await server.stats("ok", ns)
        XCTAssertEqual(stats.tokenRequests, 1)
    }

    func testExplainFailure() async throws {
        let servers = try TLSServers.shared()
        let key = try APIKey(encodedKey: scenarioApiKey)
        let quick = TokenOptions(maxAttempts: 2, backoffInitial: .milliseconds(10), backoffMax: .milliseconds(10))
        let untrusted = try TokenManager.apiKeyExchange(
            tokenURL: servers.tokenURL("untrusted"), apiKey: key, options: quick)
        let explained = await explainFailure(untrusted)
        XCTAssertEqual(explained, "untrusted certificate")
        let unknownHost = try TokenManager.apiKeyExchange(
            tokenURL: servers.tokenURL("not_resolving"), apiKey: key, options: quick)
        let setup = await explainFailure(unknownHost)
        XCTAssertTrue(setup.hasPrefix("setup problem: no-such-host.invalid did not resolve"), setup)
        let closed = try TokenManager.apiKeyExchange(tokenURL: servers.tokenURL("closed"), apiKey: key, options: quick)
        let network = await explainFailure(closed)
        XCTAssertEqual(network, "network problem (connectionRefused), try again later")
    }

    /// bindings-swift/README.md shows explainFailure as it is in ReadmeSamples.swift.
    func testTheBindingsReadmeShowsTheErrorsSampleVerbatim() throws {
        let samples = try String(
            contentsOf: repositoryRoot.appendingPathComponent("bindings-swift/Tests/AuthwireTests/ReadmeSamples.swift"),
            encoding: .utf8)
        let readme = try String(
            contentsOf: repositoryRoot.appendingPathComponent("bindings-swift/README.md"), encoding: .utf8)
        let start = try XCTUnwrap(samples.range(of: "func explainFailure("))
        let end = try XCTUnwrap(samples.range(of: "\n}\n", range: start.upperBound..<samples.endIndex))
        let function = String(samples[start.lowerBound..<end.upperBound])
        XCTAssertTrue(readme.contains(function), "bindings-swift/README.md must show explainFailure verbatim")
    }
}
