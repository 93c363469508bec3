// User sessions against REAL authorization servers (tests/scenarios/session_servers.py):
// Authlib and django-oauth-toolkit with PKCE required, refresh-token rotation with reuse
// detection, the device grant and revocation; access tokens live 2 s. Token requests go
// through URLSessionTransport, as in an app. Skipped without a Python that has the servers'
// packages (AUTHWIRE_TEST_PYTHON, else <repo>/.venv/bin/python).
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A SealingKey implemented in Swift that stands in for the Keychain of a locked device:
/// while `locked`, it throws `StoreError.unavailable`, as `KeychainSealingKey` does for
/// `errSecInteractionNotAllowed`.
final class LockableSealingKey: SealingKey, @unchecked Sendable {
    private let lock = NSLock()
    private var isLocked = false
    private var reads = 0
    private let bytes = Data((0..<32).map { _ in UInt8.random(in: 0...255) })

    var locked: Bool {
        get { lock.withLock { isLocked } }
        set { lock.withLock { isLocked = newValue } }
    }

    var readCount: Int { lock.withLock { reads } }

    func key() throws -> Data {
        try lock.withLock {
            reads += 1
            if isLocked {
                throw StoreError.unavailable(reason: "the Keychain is locked (errSecInteractionNotAllowed)")
            }
            return bytes
        }
    }
}

/// A temporary directory, removed by `cleanup`.
func temporaryDirectory(_ prefix: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

final class SessionTests: XCTestCase {
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

    private let urlSession = TokenOptions(transport: URLSessionTransport())

    // MARK: - PKCE sign-in, then the session

    func testPKCESignInAndRefreshOnAuthlib() async throws {
        try await pkceSignInAndRefresh("authlib")
    }

    func testPKCESignInAndRefreshOnDjangoOAuthToolkit() async throws {
        try await pkceSignInAndRefresh("dot")
    }

    private func pkceSignInAndRefresh(_ name: String) async throws {
        let servers = try servers()
        let server = servers.server(name)
        let client = servers.publicClient
        try await server.resetStats()
        let flow = try AuthorizationCodeFlow(
            authorizationEndpoint: server.authorize, tokenURL: server.token, clientID: client.clientID,
            redirectURI: client.redirectURI, scopes: client.scopes, options: urlSession)
        let url = flow.authorizationURL
        XCTAssertEqual(queryItem(url, "code_challenge_method"), "S256")
        XCTAssertEqual(queryItem(url, "response_type"), "code")
        XCTAssertEqual(queryItem(url, "redirect_uri"), "com.example.app:/oauth2redirect")
        XCTAssertNotNil(flow.nonce, "openid is among the scopes")
        XCTAssertEqual(queryItem(url, "nonce"), flow.nonce)
        let redirect = try await browse(url)
        XCTAssertEqual(redirect.scheme, "com.example.app")
        let tokens = try await flow.finish(redirectURL: redirect)
        XCTAssertEqual(tokens.expiresIn, .seconds(2))
        XCTAssertTrue(tokens.scope?.contains("read") ?? false, "\(tokens)")
        XCTAssertFalse(tokens.refreshToken.isEmpty)

        let session = try TokenManager.userSession(
            tokenURL: server.token, clientID: client.clientID, tokens: tokens, revocationURL: server.revoke,
            options: urlSession)
        let events = EventLog()
        session.setListener { events.record($0) }
        let first = try await session.authorization()
        XCTAssertEqual(first, "Bearer \(tokens.accessToken)")
        let firstStatus = try await server.resourceStatus(first)
        XCTAssertEqual(firstStatus, 200)

        // The access token lives 2 s: past it, the refresh token (rotated by the server)
        // gives a new one.
        try await Task.sleep(for: .milliseconds(2200))
        let second = try await session.authorization()
        XCTAssertNotEqual(second, first)
        let secondStatus = try await server.resourceStatus(second)
        XCTAssertEqual(secondStatus, 200)
        try await Task.sleep(for: .milliseconds(2200))
        let third = try await session.authorization()
        XCTAssertNotEqual(third, second)
        let thirdStatus = try await server.resourceStatus(third)
        XCTAssertEqual(thirdStatus, 200)
        var stats = try await server.stats()
        XCTAssertEqual(stats.codeExchanges, 1)
        XCTAssertGreaterThanOrEqual(stats.refreshOK, 2)
        XCTAssertEqual(stats.invalidGrant, 0)
        XCTAssertEqual(stats.reuseDetected, 0)

        // Sign-out revokes the refresh token and ends the session here.
        try await session.signOut()
        stats = try await server.stats()
        XCTAssertEqual(stats.revocations, 1)
        let error = await thrownError { try await session.authorization() }
        guard case .signInRequired(let reason)? = error as? AuthError else {
            return XCTFail("expected signInRequired, got \(String(describing: error))")
        }
        XCTAssertFalse(reason.isEmpty)
        XCTAssertTrue(
            events.typed.contains { if case .tokenRefreshed = $0 { true } else { false } }, "\(events.all)")
    }

    func testATamperedStateIsAnInvalidResponseAndTheRealRedirectStillFinishes() async throws {
        for name in ["authlib", "dot"] {
            let servers = try servers()
            let server = servers.server(name)
            let client = servers.publicClient
            let flow = try AuthorizationCodeFlow(
                authorizationEndpoint: server.authorize, tokenURL: server.token, clientID: client.clientID,
                redirectURI: client.redirectURI, scopes: client.scopes, options: urlSession)
            let redirect = try await browse(flow.authorizationURL)
            let tampered = replacingQueryItem(redirect, "state", with: "forged-state-0123456789")
            let error = await thrownError { try await flow.finish(redirectURL: tampered) }
            guard case .invalidResponse(let reason)? = error as? AuthError else {
                return XCTFail("\(name): expected invalidResponse, got \(String(describing: error))")
            }
            XCTAssertTrue(reason.contains("state"), reason)
            XCTAssertFalse(reason.contains(queryItem(redirect, "code")!), reason)
            // No request was sent for the forged redirect: the real one still works.
            let tokens = try await flow.finish(redirectURL: redirect)
            XCTAssertFalse(tokens.accessToken.isEmpty)
        }
    }

    func testAReplayedCodeIsInvalidGrant() async throws {
        for name in ["authlib", "dot"] {
            let servers = try servers()
            let server = servers.server(name)
            let client = servers.publicClient
            let flow = try AuthorizationCodeFlow(
                authorizationEndpoint: server.authorize, tokenURL: server.token, clientID: client.clientID,
                redirectURI: client.redirectURI, scopes: client.scopes, options: urlSession)
            let redirect = try await browse(flow.authorizationURL)
            _ = try await flow.finish(redirectURL: redirect)
            let error = await thrownError { try await flow.finish(redirectURL: redirect) }
            guard case .oauth(let status, let code, _)? = error as? AuthError else {
                return XCTFail("\(name): expected oauth, got \(String(describing: error))")
            }
            XCTAssertEqual(status, 400, name)
            XCTAssertEqual(code, "invalid_grant", name)
        }
    }

    func testARefusalIsAccessDenied() async throws {
        for name in ["authlib", "dot"] {
            let servers = try servers()
            let server = servers.server(name)
            let client = servers.publicClient
            let flow = try AuthorizationCodeFlow(
                authorizationEndpoint: server.authorize, tokenURL: server.token, clientID: client.clientID,
                redirectURI: client.redirectURI, scopes: client.scopes, options: urlSession)
            let refused = URL(string: flow.authorizationURL.absoluteString + "&deny=1")!
            let redirect = try await browse(refused)
            let error = await thrownError { try await flow.finish(redirectURL: redirect) }
            guard case .oauth(let status, let code, _)? = error as? AuthError else {
                return XCTFail("\(name): expected oauth, got \(String(describing: error))")
            }
            XCTAssertEqual(status, 302, name)
            XCTAssertEqual(code, "access_denied", name)
        }
    }

    func testAConfidentialClientSignsInWithTheBlockingCalls() async throws {
        let servers = try servers()
        let server = servers.server("authlib")
        let client = servers.confidentialClient
        let secret = try XCTUnwrap(client.clientSecret)
        let flow = try AuthorizationCodeFlow(
            authorizationEndpoint: server.authorize, tokenURL: server.token, clientID: client.clientID,
            redirectURI: client.redirectURI, scopes: client.scopes, clientSecret: secret, options: desktopOptions())
        XCTAssertNil(flow.nonce, "no openid scope")
        let redirect = try await browse(flow.authorizationURL)
        let tokens = try await onOwnThread { try flow.finishBlocking(redirectURL: redirect) }
        let session = try TokenManager.userSession(
            tokenURL: server.token, clientID: client.clientID, tokens: tokens, clientSecret: secret,
            revocationURL: server.revoke, options: desktopOptions())
        try await Task.sleep(for: .milliseconds(2200))
        let header = try await onOwnThread { try session.authorizationBlocking() }
        XCTAssertNotEqual(header, "Bearer \(tokens.accessToken)")
        let status = try await server.resourceStatus(header)
        XCTAssertEqual(status, 200)
        try await onOwnThread { try session.signOutBlocking() }
        let error = await thrownError { try await onOwnThread { try session.authorizationBlocking() } }
        guard case .signInRequired? = error as? AuthError else {
            return XCTFail("expected signInRequired, got \(String(describing: error))")
        }
    }

    func testRevokingTheSessionOnTheServerIsSignInRequired() async throws {
        for name in ["authlib", "dot"] {
            let servers = try servers()
            let server = servers.server(name)
            let client = servers.publicClient
            let tokens = try await signIn(server, client)
            let session = try TokenManager.userSession(
                tokenURL: server.token, clientID: client.clientID, tokens: tokens, options: urlSession)
            let events = EventLog()
            session.setListener { events.record($0) }
            _ = try await session.authorization()
            try await server.control("revoke-all")
            try await Task.sleep(for: .milliseconds(2200))
            let error = await thrownError { try await session.authorization() }
            guard case .signInRequired? = error as? AuthError else {
                return XCTFail("\(name): expected signInRequired, got \(String(describing: error))")
            }
            // Not retried, and every later call answers the same at once.
            let again = await thrownError { try await session.authorization() }
            XCTAssertEqual(again as? AuthError, error as? AuthError)
            XCTAssertTrue(
                events.typed.contains { if case .sessionEnded = $0 { true } else { false } }, "\(name): \(events.all)")
        }
    }

    func testASignOutReachesAnotherManagerThroughTheStoreAlone() async throws {
        // No revocation endpoint: the only news of the sign-out is the stored session, which
        // the other manager (as another process would) looks at once a second.
        let servers = try servers()
        let server = servers.server("dot")
        let client = servers.publicClient
        let directory = try temporaryDirectory("authwire-session-signout")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = KeyFileSealingKey(path: directory.appendingPathComponent("session.key").path)
        let options = TokenOptions(
            transport: URLSessionTransport(), store: try FileStore(path: directory.appendingPathComponent("session").path))
        let app = try TokenManager.userSession(
            tokenURL: server.token, clientID: client.clientID, tokens: try await signIn(server, client), sealingKey: key,
            options: options)
        _ = try await app.authorization()
        let other = try TokenManager.userSession(
            tokenURL: server.token, clientID: client.clientID, sealingKey: key, options: options)
        _ = try await other.authorization()
        try await app.signOut()
        try await Task.sleep(for: .milliseconds(1500))
        _ = try? await other.authorization()  // may still answer: its look at the store starts here
        try await Task.sleep(for: .milliseconds(200))
        let error = await thrownError { try await other.authorization() }
        guard case .signInRequired? = error as? AuthError else {
            return XCTFail("expected signInRequired, got \(String(describing: error))")
        }
    }

    // MARK: - Handover from another SDK

    func testTokensFromAnotherSDKStartASession() async throws {
        let servers = try servers()
        let server = servers.server("dot")
        let client = servers.publicClient
        let signedIn = try await signIn(server, client)
        // What an AppAuth or Auth0 app holds: the token response's JSON, or its fields.
        let json = try JSONSerialization.data(withJSONObject: [
            "access_token": signedIn.accessToken, "token_type": "Bearer", "expires_in": 2,
            "refresh_token": signedIn.refreshToken, "scope": signedIn.scope ?? "",
        ])
        let fromJSON = try SessionTokens(tokenResponse: String(decoding: json, as: UTF8.self))
        XCTAssertEqual(fromJSON.refreshToken, signedIn.refreshToken)
        XCTAssertEqual(fromJSON.expiresIn, .seconds(2))
        let fields = try SessionTokens(
            accessToken: signedIn.accessToken, refreshToken: signedIn.refreshToken, expiresIn: .seconds(2))
        XCTAssertNil(fields.idToken)
        let session = try TokenManager.userSession(
            tokenURL: server.token, clientID: client.clientID, tokens: fields, options: urlSession)
        try await Task.sleep(for: .milliseconds(2200))
        let header = try await session.authorization()
        let status = try await server.resourceStatus(header)
        XCTAssertEqual(status, 200)
    }

    func testSessionTokensRefuseWhatIsNotASessionAnswer() {
        for json in [
            "not json", #"{"access_token": "at", "token_type": "Bearer"}"#,
            #"{"access_token": "at", "token_type": "DPoP", "refresh_token": "rt"}"#,
        ] {
            XCTAssertThrowsError(try SessionTokens(tokenResponse: json)) { error in
                guard case .invalidResponse = error as? AuthError else { return XCTFail("\(json): \(error)") }
            }
        }
        XCTAssertThrowsError(try SessionTokens(accessToken: "a b", refreshToken: "rt")) { error in
            guard case .invalidInput = error as? AuthError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try SessionTokens(accessToken: "at", refreshToken: "")) { error in
            guard case .invalidInput = error as? AuthError else { return XCTFail("\(error)") }
        }
    }

    func testMisconfiguredSessionsAndSignOutOfAnotherManager() throws {
        let tokenURL = URL(string: "https://auth.example.com/token")!
        let directory = try temporaryDirectory("authwire-session-config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FileStore(path: directory.appendingPathComponent("session").path)
        // A store without a sealing key, and neither tokens nor a store.
        for make in [
            { try TokenManager.userSession(tokenURL: tokenURL, clientID: "app", options: TokenOptions(store: store)) },
            { try TokenManager.userSession(tokenURL: tokenURL, clientID: "app") },
            {
                try TokenManager.userSession(
                    tokenURL: URL(string: "http://auth.example.com/token")!, clientID: "app",
                    tokens: try SessionTokens(accessToken: "at", refreshToken: "rt"))
            },
        ] {
            XCTAssertThrowsError(try make()) { error in
                guard case .invalidConfiguration = error as? AuthError else { return XCTFail("\(error)") }
            }
        }
        let notASession = try TokenManager.staticToken("abc")
        XCTAssertThrowsError(try notASession.signOutBlocking()) { error in
            guard case .invalidConfiguration = error as? AuthError else { return XCTFail("\(error)") }
        }
    }

    func testNoStoredSessionIsSignInRequired() async throws {
        let directory = try temporaryDirectory("authwire-session-empty")
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try TokenManager.userSession(
            tokenURL: URL(string: "https://auth.example.com/token")!, clientID: "app",
            sealingKey: KeyFileSealingKey(path: directory.appendingPathComponent("key").path),
            options: desktopOptions(store: try FileStore(path: directory.appendingPathComponent("session").path)))
        let error = await thrownError { try await session.authorization() }
        guard case .signInRequired? = error as? AuthError else {
            return XCTFail("expected signInRequired, got \(String(describing: error))")
        }
    }

    func testAKeyFileIsCreatedOnceForConcurrentCallers() async throws {
        let directory = try temporaryDirectory("authwire-key-file")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("session.key").path
        let keys = try await withThrowingTaskGroup(of: Data.self) { group in
            for _ in 0..<8 {
                group.addTask { try await onOwnThread { try KeyFileSealingKey(path: path).key() } }
            }
            return try await group.reduce(into: [Data]()) { $0.append($1) }
        }
        XCTAssertEqual(keys.count, 8)
        XCTAssertTrue(keys.allSatisfy { $0.count == 32 && $0 == keys[0] })
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["session.key"])
        // A file of fewer than 32 bytes is a configuration error, not a new key.
        let short = directory.appendingPathComponent("short.key")
        try Data([1, 2, 3]).write(to: short)
        XCTAssertThrowsError(try KeyFileSealingKey(path: short.path).key()) { error in
            guard case .invalidConfiguration? = error as? StoreError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try KeyFileSealingKey(url: URL(string: "https://example.com/key")!))
    }

    // MARK: - The locked Keychain, simulated

    func testALockedSealingKeyKeepsTheSessionAndFailsTransiently() async throws {
        let servers = try servers()
        let server = servers.server("authlib")
        let client = servers.publicClient
        try await server.resetStats()
        let directory = try temporaryDirectory("authwire-session-locked")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = LockableSealingKey()
        let options = TokenOptions(
            transport: URLSessionTransport(), store: try FileStore(path: directory.appendingPathComponent("session").path))
        let tokens = try await signIn(server, client)
        let app = try TokenManager.userSession(
            tokenURL: server.token, clientID: client.clientID, tokens: tokens, sealingKey: key, options: options)
        let signedIn = try await app.authorization()
        XCTAssertGreaterThan(key.readCount, 0, "the session was sealed into the store")

        // The device locks. A process that starts now (the widget, after a reboot) cannot read
        // the key: its calls fail transiently, never with "no session stored", and the session
        // stays.
        key.locked = true
        let widget = try TokenManager.userSession(
            tokenURL: server.token, clientID: client.clientID, sealingKey: key, options: options)
        for _ in 0..<3 {
            let locked = await thrownError { try await widget.authorization() }
            guard case .network(_, let reason)? = locked as? AuthError else {
                return XCTFail("expected a transient (network) error while locked, got \(String(describing: locked))")
            }
            XCTAssertTrue(reason.contains("errSecInteractionNotAllowed"), reason)
            try await Task.sleep(for: .milliseconds(300))
        }
        // The app, which read the key before the device locked, keeps its session going past
        // the access token's expiry (it keeps the key derived from it).
        try await Task.sleep(for: .milliseconds(1500))
        let appHeader = try await app.authorization()
        XCTAssertNotEqual(appHeader, signedIn)
        let appStatus = try await server.resourceStatus(appHeader)
        XCTAssertEqual(appStatus, 200)

        // Unlocked: the widget continues the same session (no new sign-in).
        key.locked = false
        let widgetHeader = try await eventually { try await widget.authorization() }
        let widgetStatus = try await server.resourceStatus(widgetHeader)
        XCTAssertEqual(widgetStatus, 200)
        let stats = try await server.stats()
        XCTAssertEqual(stats.codeExchanges, 1)
        XCTAssertEqual(stats.invalidGrant, 0)
        XCTAssertEqual(stats.reuseDetected, 0)
    }

    /// `body`'s value, retried every 100 ms for up to 5 s while it throws a transient error.
    private func eventually<T>(_ body: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            do {
                return try await body()
            } catch AuthError.network where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
