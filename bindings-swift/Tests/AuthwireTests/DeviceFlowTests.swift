// The device authorization grant (RFC 8628) against REAL Authlib and django-oauth-toolkit
// servers (tests/scenarios/session_servers.py): the user approves, refuses or lets the code
// expire; the server asks to slow down; the app cancels; hostile answers are refused.
import Authwire
import Foundation
import XCTest

final class DeviceFlowTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        sessionServersSlot.start()
    }

    override class func tearDown() {
        sessionServersSlot.stop()
        super.tearDown()
    }

    private func servers() throws -> SessionServers {
        // Also with the mobile core (AUTHWIRE_SWIFT_MOBILE_CORE): every token request goes
        // through URLSessionTransport.
        try sessionServersSlot.current()
    }

    private static let names = ["authlib", "dot"]

    /// A device flow of the public client at `server`, its next answer scripted with `script`.
    private func flow(_ server: SessionServer, script: [String: Any] = [:]) async throws -> DeviceAuthorizationFlow {
        if !script.isEmpty {
            let status = try await server.control("device/script", script)
            XCTAssertEqual(status, 200)
        }
        let client = try servers().publicClient
        return try DeviceAuthorizationFlow(
            deviceAuthorizationURL: server.device, tokenURL: server.token, clientID: client.clientID,
            scopes: ["read"], options: TokenOptions(transport: URLSessionTransport()))
    }

    func testPendingThenApproved() async throws {
        for name in Self.names {
            let server = try servers().server(name)
            try await server.resetStats()
            let flow = try await flow(server, script: ["interval": 1])
            let code = try await flow.start()
            XCTAssertEqual(code.interval, .seconds(1), name)
            XCTAssertEqual(code.expiresIn, .seconds(1800), name)
            XCTAssertEqual(code.verificationURI.scheme, "https", name)
            XCTAssertFalse(code.userCode.isEmpty, name)
            let waiting = Task { try await flow.wait() }
            try await Task.sleep(for: .milliseconds(1600))
            let approved = try await server.control("device/approve", ["user_code": code.userCode])
            XCTAssertEqual(approved, 200, name)
            let tokens = try await waiting.value
            let stats = try await server.stats()
            XCTAssertGreaterThanOrEqual(stats.devicePolls, 2, "\(name): at least one pending answer")
            // The tokens start a session that refreshes.
            let session = try TokenManager.userSession(
                tokenURL: server.token, clientID: try servers().publicClient.clientID, tokens: tokens,
                options: TokenOptions(transport: URLSessionTransport()))
            try await Task.sleep(for: .milliseconds(2200))
            let header = try await session.authorization()
            XCTAssertNotEqual(header, "Bearer \(tokens.accessToken)", name)
            let status = try await server.resourceStatus(header)
            XCTAssertEqual(status, 200, name)
        }
    }

    func testSlowDownAddsFiveSeconds() async throws {
        for name in Self.names {
            let server = try servers().server(name)
            try await server.resetStats()
            let flow = try await flow(server, script: ["interval": 1, "slow_down": 1])
            let code = try await flow.start()
            let started = ContinuousClock.now
            let waiting = Task { try await flow.wait() }
            try await Task.sleep(for: .milliseconds(1500))
            try await server.control("device/approve", ["user_code": code.userCode])
            _ = try await waiting.value
            let elapsed = ContinuousClock.now - started
            // Poll at 1 s (slow_down), the next one 1 + 5 s later.
            XCTAssertGreaterThanOrEqual(elapsed, .seconds(6), name)
            XCTAssertLessThan(elapsed, .seconds(9), name)
            let stats = try await server.stats()
            XCTAssertEqual(stats.devicePolls, 2, name)
        }
    }

    func testDeniedIsAccessDenied() async throws {
        for name in Self.names {
            let server = try servers().server(name)
            let flow = try await flow(server, script: ["interval": 1])
            let code = try await flow.start()
            let waiting = Task { try await flow.wait() }
            try await Task.sleep(for: .milliseconds(300))
            try await server.control("device/deny", ["user_code": code.userCode])
            let error = await thrownError { try await waiting.value }
            guard case .oauth(_, let oauthError, _)? = error as? AuthError else {
                return XCTFail("\(name): expected oauth, got \(String(describing: error))")
            }
            XCTAssertEqual(oauthError, "access_denied", name)
        }
    }

    func testAnExpiredCodeIsExpiredToken() async throws {
        for name in Self.names {
            let server = try servers().server(name)
            let flow = try await flow(server, script: ["interval": 1, "expires_in": 2])
            let code = try await flow.start()
            XCTAssertEqual(code.expiresIn, .seconds(2), name)
            let started = ContinuousClock.now
            let error = await thrownError { try await flow.wait() }
            guard case .oauth(_, let oauthError, _)? = error as? AuthError else {
                return XCTFail("\(name): expected oauth, got \(String(describing: error))")
            }
            XCTAssertEqual(oauthError, "expired_token", name)
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), name)
        }
    }

    func testCancelStopsTheWait() async throws {
        let server = try servers().server("authlib")
        // The default interval, 5 s: a stop within a second is the cancellation.
        let flow = try await flow(server)
        _ = try await flow.start()
        let started = ContinuousClock.now
        let waiting = Task { try await flow.wait() }
        try await Task.sleep(for: .milliseconds(300))
        flow.cancel()
        let error = await thrownError { try await waiting.value }
        guard case .cancelled? = error as? AuthError else {
            return XCTFail("expected cancelled, got \(String(describing: error))")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        // And any later wait.
        let later = await thrownError { try await flow.wait() }
        guard case .cancelled? = later as? AuthError else {
            return XCTFail("expected cancelled, got \(String(describing: later))")
        }
    }

    func testTaskCancellationStopsTheWait() async throws {
        let server = try servers().server("dot")
        let flow = try await flow(server)
        _ = try await flow.start()
        let started = ContinuousClock.now
        let waiting = Task { try await flow.wait() }
        try await Task.sleep(for: .milliseconds(300))
        waiting.cancel()
        let error = await thrownError { try await waiting.value }
        guard case .cancelled? = error as? AuthError else {
            return XCTFail("expected cancelled, got \(String(describing: error))")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
    }

    func testTheBlockingWaitStopsOnCancelFromAnotherThread() async throws {
        let server = try servers().server("authlib")
        let flow = try await flow(server)
        _ = try await onOwnThread { try flow.startBlocking() }
        Task {
            try await Task.sleep(for: .milliseconds(300))
            flow.cancel()
        }
        let error = await thrownError { try await onOwnThread { try flow.waitBlocking() } }
        guard case .cancelled? = error as? AuthError else {
            return XCTFail("expected cancelled, got \(String(describing: error))")
        }
    }

    func testHostileAnswersAreRefused() async throws {
        let hostile: [[String: Any]] = [
            ["interval": 0], ["interval": 1_000_000_000], ["verification_uri": "http://example.com/device"],
        ]
        for name in Self.names {
            let server = try servers().server(name)
            for script in hostile {
                let flow = try await flow(server, script: script)
                let error = await thrownError { try await flow.start() }
                guard case .invalidResponse? = error as? AuthError else {
                    return XCTFail("\(name) \(script): expected invalidResponse, got \(String(describing: error))")
                }
            }
        }
    }

    func testWaitBeforeStartIsAConfigurationError() async throws {
        let flow = try DeviceAuthorizationFlow(
            deviceAuthorizationURL: URL(string: "https://auth.example.com/device")!,
            tokenURL: URL(string: "https://auth.example.com/token")!, clientID: "tv-app", options: desktopOptions())
        let error = await thrownError { try await flow.wait() }
        guard case .invalidConfiguration? = error as? AuthError else {
            return XCTFail("expected invalidConfiguration, got \(String(describing: error))")
        }
    }
}
