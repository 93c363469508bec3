// Runs the user-session samples of ReadmeSamples.swift against tests/scenarios/session_servers.py
// (the browser step and the device approval by the servers' stand-ins), and checks that
// bindings-swift/README.md shows them as they are.
import Authwire
import Foundation
import XCTest

final class SessionSampleTests: XCTestCase {
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

    func testSessionFromAnotherSDK() async throws {
        let servers = try servers()
        let server = servers.server("authlib")
        let tokens = try await signIn(server, servers.publicClient)
        let session = try sessionFromAnotherSDK(
            tokenURL: server.token, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken,
            expiresIn: .seconds(2))
        try await Task.sleep(for: .milliseconds(2200))
        let header = try await session.authorization()
        let status = try await server.resourceStatus(header)
        XCTAssertEqual(status, 200)
    }

    func testSignInWithTheBrowserStandIn() async throws {
        let server = try servers().server("dot")
        let browsed = BrowsedScheme()
        let session = try await signIn(
            authorizationEndpoint: server.authorize, tokenURL: server.token, revocationURL: server.revoke
        ) { url, scheme in
            browsed.scheme = scheme
            return try await browse(url)
        }
        XCTAssertEqual(browsed.scheme, "com.example.app")
        let header = try await session.authorization()
        let status = try await server.resourceStatus(header)
        XCTAssertEqual(status, 200)
        try await session.signOut()
    }

    func testSignInOnATV() async throws {
        let server = try servers().server("authlib")
        try await server.control("device/script", ["interval": 1])
        let session = try await signInOnATV(deviceAuthorizationURL: server.device, tokenURL: server.token) { code in
            Task {
                try await Task.sleep(for: .milliseconds(500))
                try await server.control("device/approve", ["user_code": code.userCode])
            }
        }
        let header = try await session.authorization()
        let status = try await server.resourceStatus(header)
        XCTAssertEqual(status, 200)
    }

    func testWidgetHeader() async throws {
        let servers = try servers()
        let server = servers.server("dot")
        let container = try temporaryDirectory("authwire-app-group")
        defer { try? FileManager.default.removeItem(at: container) }
        let key = KeyFileSealingKey(path: container.appendingPathComponent("session.key").path)
        // Nothing stored yet: the widget asks the user to open the app.
        let before = try await widgetHeader(appGroupContainer: container, sealingKey: key, tokenURL: server.token)
        XCTAssertNil(before)
        // The app signs in and keeps its session in the container.
        let app = try TokenManager.userSession(
            tokenURL: server.token, clientID: "authwire-app", tokens: try await signIn(server, servers.publicClient),
            revocationURL: server.revoke, sealingKey: key,
            options: desktopOptions(store: try FileStore(url: container.appendingPathComponent("session"))))
        _ = try await app.authorization()
        let header = try await widgetHeader(appGroupContainer: container, sealingKey: key, tokenURL: server.token)
        let status = try await server.resourceStatus(try XCTUnwrap(header, "the widget continues the app's session"))
        XCTAssertEqual(status, 200)
        try await app.signOut()
        let after = try await widgetHeader(appGroupContainer: container, sealingKey: key, tokenURL: server.token)
        XCTAssertNil(after)
    }

    /// bindings-swift/README.md shows the session samples as they are in ReadmeSamples.swift.
    func testTheBindingsReadmeShowsTheSessionSamplesVerbatim() throws {
        let samples = try String(
            contentsOf: repositoryRoot.appendingPathComponent("bindings-swift/Tests/AuthwireTests/ReadmeSamples.swift"),
            encoding: .utf8)
        let readme = try String(
            contentsOf: repositoryRoot.appendingPathComponent("bindings-swift/README.md"), encoding: .utf8)
        for name in ["sessionFromAnotherSDK", "signIn", "signInOnATV", "widgetHeader"] {
            let start = try XCTUnwrap(samples.range(of: "func \(name)("), name)
            let end = try XCTUnwrap(samples.range(of: "\n}\n", range: start.upperBound..<samples.endIndex), name)
            let function = String(samples[start.lowerBound..<end.upperBound])
            XCTAssertTrue(readme.contains(function), "bindings-swift/README.md must show \(name) verbatim")
        }
    }
}

/// What the browser closure was given.
private final class BrowsedScheme: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?

    var scheme: String? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
