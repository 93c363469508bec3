// Runs the README's Swift samples (ReadmeSamples.swift) against the scenario server.
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
            tokenURL: server.url("ok", ns, "token"), apiKey: try ApiKey(encodedKey: scenarioApiKey))
        let header = try await tokens.authorization()
        XCTAssertEqual(header, "Bearer ok.\(ns).t1")
    }

    func testSharedTokens() async throws {
        let ns = freshNamespace()
        let server = ScenarioServer.shared
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(ns)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try ApiKey(encodedKey: scenarioApiKey)
        let first = try sharedTokens(tokenURL: server.url("ok", ns, "token"), apiKey: key, directory: directory.path)
        let second = try sharedTokens(tokenURL: server.url("ok", ns, "token"), apiKey: key, directory: directory.path)
        let header = try await first.authorization()
        let same = try await second.authorization()
        XCTAssertEqual(same, header)
        let stats = try await server.stats("ok", ns)
        XCTAssertEqual(stats.tokenRequests, 1)
    }
}
