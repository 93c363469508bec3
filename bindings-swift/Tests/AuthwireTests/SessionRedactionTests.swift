// No secret of a user session ever shows in what the Swift layer prints (description,
// debugDescription, String(reflecting:), dump()): the tokens, the authorization code, the
// PKCE verifier and challenge, the state, the device code. The secrets are the real ones of
// sign-ins at tests/scenarios/session_servers.py, read off the wire by a recording transport.
import Authwire
import Foundation
import XCTest

final class SessionRedactionTests: XCTestCase {
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

    private func assertHides(
        _ secrets: [String], in values: [Any], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertFalse(secrets.isEmpty, file: file, line: line)
        for value in values {
            for text in renderings(value) {
                for secret in secrets where secret.count >= 8 {
                    XCTAssertFalse(text.contains(secret), "a secret shows in \(text)", file: file, line: line)
                }
            }
        }
    }

    func testSessionTokensPrintNoToken() throws {
        let tokens = try SessionTokens(
            accessToken: "access-0f9e8d7c6b5a", refreshToken: "refresh-1a2b3c4d5e6f", expiresIn: .seconds(3600),
            scope: "read", idToken: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.")
        assertHides(["access-0f9e8d7c6b5a", "refresh-1a2b3c4d5e6f", "eyJhbGciOiJub25lIn0"], in: [tokens])
        XCTAssertEqual(
            tokens.description,
            #"SessionTokens(accessToken: [redacted], refreshToken: [redacted], expiresIn: 3600.0 seconds, scope: "read", idToken: [redacted])"#
        )
        let parsed = try SessionTokens(
            tokenResponse: #"{"access_token": "access-0f9e8d7c6b5a", "token_type": "bearer", "refresh_token": "refresh-1a2b3c4d5e6f"}"#)
        assertHides(["access-0f9e8d7c6b5a", "refresh-1a2b3c4d5e6f"], in: [parsed])
        XCTAssertTrue(parsed.description.contains("idToken: nil"), parsed.description)
    }

    func testASignInAndItsSessionPrintNoSecret() async throws {
        let servers = try servers()
        for name in ["authlib", "dot"] {
            let server = servers.server(name)
            let client = servers.publicClient
            let wire = RecordingTransport()
            let options = TokenOptions(transport: wire)
            let flow = try AuthorizationCodeFlow(
                authorizationEndpoint: server.authorize, tokenURL: server.token, clientID: client.clientID,
                redirectURI: client.redirectURI, scopes: client.scopes, options: options)
            let url = flow.authorizationURL
            let redirect = try await browse(url)
            let replayed = try await flow.finish(redirectURL: redirect)
            let replayError = await thrownError { try await flow.finish(redirectURL: redirect) }
            let forged = await thrownError {
                try await flow.finish(redirectURL: replacingQueryItem(redirect, "state", with: "forged-state-0123456789"))
            }
            let session = try TokenManager.userSession(
                tokenURL: server.token, clientID: client.clientID, tokens: replayed, revocationURL: server.revoke,
                options: options)
            let events = EventLog()
            session.setListener { events.record($0) }
            _ = try await session.authorization()
            try await Task.sleep(for: .milliseconds(2200))
            _ = try await session.authorization()
            try await server.control("revoke-all")
            try await Task.sleep(for: .milliseconds(2200))
            let ended = await thrownError { try await session.authorization() }
            guard case .signInRequired? = ended as? AuthError else {
                return XCTFail("\(name): expected signInRequired, got \(String(describing: ended))")
            }

            var secrets = wire.secrets(named: ["code", "code_verifier", "access_token", "refresh_token"])
            secrets += [
                queryItem(url, "state")!, queryItem(url, "code_challenge")!, queryItem(url, "nonce")!,
                queryItem(redirect, "code")!,
            ]
            XCTAssertGreaterThanOrEqual(secrets.count, 10, "\(name): \(secrets.count)")
            let values: [Any] = [flow, replayed, session, replayError as Any, forged as Any, ended as Any] + events.typed
            assertHides(secrets, in: values)
            for error in [replayError, forged, ended] {
                let text = (error as? AuthError)?.localizedDescription ?? ""
                for secret in secrets where secret.count >= 8 {
                    XCTAssertFalse(text.contains(secret), "\(name): a secret shows in \(text)")
                }
            }
            XCTAssertTrue(flow.description.contains("[redacted]"), flow.description)
        }
    }

    func testADeviceFlowPrintsNoDeviceCode() async throws {
        let servers = try servers()
        for name in ["authlib", "dot"] {
            let server = servers.server(name)
            let wire = RecordingTransport()
            try await server.control("device/script", ["interval": 1])
            let flow = try DeviceAuthorizationFlow(
                deviceAuthorizationURL: server.device, tokenURL: server.token,
                clientID: servers.publicClient.clientID, scopes: ["read"], options: TokenOptions(transport: wire))
            let code = try await flow.start()
            let waiting = Task { try await flow.wait() }
            try await Task.sleep(for: .milliseconds(1300))
            try await server.control("device/approve", ["user_code": code.userCode])
            let tokens = try await waiting.value
            // A second flow that the user refuses, for its error.
            try await server.control("device/script", ["interval": 1])
            let refused = try DeviceAuthorizationFlow(
                deviceAuthorizationURL: server.device, tokenURL: server.token,
                clientID: servers.publicClient.clientID, scopes: ["read"], options: TokenOptions(transport: wire))
            let refusedCode = try await refused.start()
            try await server.control("device/deny", ["user_code": refusedCode.userCode])
            let denied = await thrownError { try await refused.wait() }
            guard case .oauth? = denied as? AuthError else {
                return XCTFail("\(name): expected oauth, got \(String(describing: denied))")
            }
            let secrets = wire.secrets(named: ["device_code", "access_token", "refresh_token"])
            XCTAssertGreaterThanOrEqual(secrets.count, 4, "\(name): \(secrets.count)")
            assertHides(secrets, in: [flow, refused, tokens, code, denied as Any])
            XCTAssertTrue(flow.description.contains("[redacted]"), flow.description)
        }
    }

    func testKeysAndEventsPrintNoKey() throws {
        let directory = try temporaryDirectory("authwire-key-print")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = KeyFileSealingKey(path: directory.appendingPathComponent("session.key").path)
        let bytes = try key.key()
        XCTAssertEqual(bytes.count, 32)
        XCTAssertEqual(try key.key(), bytes, "the same key on every call")
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        for text in renderings(key) {
            XCTAssertFalse(text.contains(hex), text)
            XCTAssertFalse(text.contains(bytes.base64EncodedString()), text)
        }
        XCTAssertEqual(AuthEvent.sessionEnded(reason: "signed out").description, #"sessionEnded(reason: "signed out")"#)
    }
}
