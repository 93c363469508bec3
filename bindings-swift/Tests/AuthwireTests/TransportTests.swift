// URLSessionTransport and foreign transports: the same behaviour as the built-in client, and
// the core's policy over any transport (timeout, body limit, redirects, failures, secrets).
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A transport that never answers, and records whether the core cancelled it.
final class NeverAnswers: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    var wasCancelled: Bool { lock.withLock { cancelled } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            try await Task.sleep(for: .seconds(3_600))
        } catch {
            lock.withLock { cancelled = true }
            throw error
        }
        return HTTPResponse(status: 200, headers: [], body: Data())
    }
}

/// A transport that throws whatever it is given.
final class Throws: HTTPTransport, Sendable {
    let error: any Error & Sendable
    init(_ error: any Error & Sendable) { self.error = error }
    func send(_ request: HTTPRequest) async throws -> HTTPResponse { throw error }
}

/// A transport that answers 200 with a body of `size` bytes.
final class HugeBody: HTTPTransport, Sendable {
    let size: Int
    init(size: Int) { self.size = size }
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: [], body: Data(repeating: UInt8(ascii: "x"), count: size))
    }
}

struct SomeSwiftError: Error, CustomStringConvertible {
    let description: String
}

final class TransportTests: XCTestCase {
    let server = ScenarioServer.shared
    let apiKey = "transport-api-key-6c5d4e"

    func manager(_ transport: HTTPTransport, timeout: Duration = .seconds(15)) throws -> TokenManager {
        try TokenManager.apiKeyExchange(
            tokenURL: URL(string: "https://auth.example.com/v1/token?tenant=acme")!,
            apiKey: try APIKey(encodedKey: apiKey),
            options: TokenOptions(requestTimeout: timeout, maxAttempts: 1, transport: transport))
    }

    func testATransportThatNeverAnswersGivesANetworkErrorInTimeAndIsCancelled() async throws {
        let transport = NeverAnswers()
        let tokens = try manager(transport, timeout: .milliseconds(300))
        let start = ContinuousClock.now
        let error = await thrownError { try await tokens.authorization() }
        let waited = ContinuousClock.now - start
        guard case .network(.readTimeout, let reason) = error as? AuthError else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(300))
        XCTAssertLessThan(waited, .seconds(2), reason)
        // The core dropped the call: the Swift task that ran it was cancelled.
        for _ in 0..<100 where !transport.wasCancelled { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertTrue(transport.wasCancelled)
    }

    func testATransportThatThrowsGivesATypedErrorAndTheProcessKeepsWorking() async throws {
        for thrown: any Error & Sendable in [
            HTTPTransportError.network(reason: "no route to host"),
            SomeSwiftError(description: "something else broke"),
            URLError(.cannotConnectToHost),
        ] {
            let tokens = try manager(Throws(thrown))
            let error = await thrownError { try await tokens.authorization() }
            // No kind given (or not an HTTPTransportError at all): `.other`, which is retried.
            guard case .network(.other, _) = error as? AuthError else {
                XCTFail("\(thrown): \(String(describing: error))")
                continue
            }
        }
        // Still working: a manager over the scenario server.
        let ns = freshNamespace()
        let tokens = try TokenManager.apiKeyExchange(
            tokenURL: server.url("ok", ns, "token"), apiKey: try APIKey(encodedKey: scenarioApiKey),
            options: TokenOptions(transport: URLSessionTransport()))
        let header = try await tokens.authorization()
        XCTAssertEqual(header, "Bearer ok.\(ns).t1")
    }

    func testAClassifiedErrorDecidesTheRetriesAndTheMessage() async throws {
        for (kind, attempts) in [(NetworkErrorKind.certificateUntrusted, 1), (.tlsHandshake, 1), (.connectionReset, 3)] {
            let events = TypedEventLog()
            let tokens = try TokenManager.apiKeyExchange(
                tokenURL: URL(string: "https://auth.example.com/v1/token?tenant=acme")!,
                apiKey: try APIKey(encodedKey: apiKey),
                options: TokenOptions(
                    maxAttempts: 3, backoffInitial: .milliseconds(10), backoffMax: .milliseconds(10),
                    transport: Throws(HTTPTransportError.classified(kind: kind, reason: "the client's own words"))))
            tokens.setListener { events.record($0) }
            let error = await thrownError { try await tokens.authorization() }
            guard case .network(kind, let reason) = error as? AuthError else {
                XCTFail("\(kind): \(String(describing: error))")
                continue
            }
            XCTAssertEqual(tokens.stats.tokenRequests, attempts, "\(kind)")
            XCTAssertTrue(reason.contains("auth.example.com"), reason)
            XCTAssertTrue(reason.contains("(the client's own words)"), reason)
            XCTAssertEqual(events.retryingKinds, Array(repeating: kind, count: attempts - 1))
            XCTAssertEqual(events.failedKinds, [kind])
        }
    }

    func testA30MegabyteBodyIsAnInvalidResponse() async throws {
        let tokens = try manager(HugeBody(size: 30 << 20))
        let error = await thrownError { try await tokens.authorization() }
        guard case .invalidResponse = error as? AuthError else {
            return XCTFail("\(String(describing: error))")
        }
    }

    func testARedirectIsAnErrorAndNeverFollowed() async throws {
        let ns = freshNamespace()
        let tokens = try TokenManager.apiKeyExchange(
            tokenURL: server.url("redirect", ns, "token"), apiKey: try APIKey(encodedKey: scenarioApiKey),
            options: TokenOptions(transport: URLSessionTransport()))
        let error = await thrownError { try await tokens.authorization() }
        guard case .httpStatus(302, _) = error as? AuthError else {
            return XCTFail("\(String(describing: error))")
        }
        let redirected = try await server.stats("ok", ns)
        XCTAssertEqual(redirected.tokenRequests, 0, "the redirect was followed")
    }

    func testSecretsNeverShowInATransportsErrors() async throws {
        let echoes: [any Error & Sendable] = [
            HTTPTransportError.network(reason: "refused body {\"apiKey\": \"\(apiKey)\"}"),
            SomeSwiftError(description: "failed with \(apiKey) at /v1/token?tenant=acme"),
        ]
        for thrown in echoes {
            let events = EventLog()
            let tokens = try manager(Throws(thrown))
            tokens.setListener { events.record($0) }
            let error = await thrownError { try await tokens.authorization() }
            XCTAssertNotNil(error)
            for text in renderings(error!) + [error!.localizedDescription] + events.all {
                XCTAssertFalse(text.contains(apiKey), text)
                XCTAssertFalse(text.contains("tenant=acme"), text)
            }
        }
    }

    func testTheCsrfCycleThroughURLSessionTransport() async throws {
        let ns = freshNamespace()
        let session = try CSRFSession(
            fetchURL: server.url("csrf", ns, "api"), userID: csrfUser, password: csrfPassword,
            options: TokenOptions(transport: URLSessionTransport()))
        var write = URLRequest(url: server.url("csrf", ns, "api"))
        write.httpMethod = "POST"
        let (_, created) = try await URLSession.shared.data(for: write, csrf: session)
        XCTAssertEqual((created as! HTTPURLResponse).statusCode, 201)
        try await server.post("csrf", ns, "expire")
        let (_, again) = try await URLSession.shared.data(for: write, csrf: session)
        XCTAssertEqual((again as! HTTPURLResponse).statusCode, 201)
        let stats = try await server.stats("csrf", ns)
        XCTAssertEqual(stats.csrfFetches, 2)
        XCTAssertEqual(stats.write403, 1)
    }
}

#if AUTHWIRE_MOBILE_CORE
    /// Only against the mobile core (tests/run-all builds it for this run): it has no HTTP
    /// client of its own, so a manager needs a transport.
    final class MobileCoreTests: XCTestCase {
        func testAManagerWithoutATransportIsAConfigurationError() throws {
            XCTAssertThrowsError(
                try TokenManager.apiKeyExchange(
                    tokenURL: ScenarioServer.shared.url("ok", freshNamespace(), "token"),
                    apiKey: try APIKey(encodedKey: scenarioApiKey))
            ) { error in
                guard case AuthError.invalidConfiguration(let reason) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains("transport"), reason)
            }
            XCTAssertEqual(try TokenManager.staticToken("abc").authorizationBlocking(), "Bearer abc")
        }

        /// No built-in signer (no ring): the PEM-based sources say so, and a host signer
        /// (a JWTSigner written in Swift, as SecKeySigner is on iOS) is what signs.
        func testWithoutAHostSignerTheSignedSourcesAreAConfigurationError() throws {
            let pem = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
            let keyJSON = String(
                decoding: try JSONSerialization.data(withJSONObject: [
                    "type": "service_account", "private_key": pem, "private_key_id": "k",
                    "client_email": "svc@example.iam.gserviceaccount.com",
                ]), as: UTF8.self)
            let attempts: [(String, () throws -> Any)] = [
                ("pemSigner", { try pemSigner(pem: pem, keyID: "k") }),
                ("googleServiceAccount", { try TokenManager.googleServiceAccount(json: keyJSON, scopes: ["s"]) }),
                ("googleServiceAccountJWT", { try TokenManager.googleServiceAccountJWT(json: keyJSON, audience: "a") }),
            ]
            for (what, attempt) in attempts {
                XCTAssertThrowsError(try attempt(), what) { error in
                    guard case AuthError.invalidConfiguration(let reason) = error else { return XCTFail("\(what): \(error)") }
                    XCTAssertTrue(reason.contains("no built-in JWT signer"), "\(what): \(reason)")
                    XCTAssertTrue(reason.contains("JwtSigner"), "\(what): \(reason)")  // the core's word
                    XCTAssertFalse(reason.contains("MIIBVQ"), reason)
                }
            }
            // A host signer works: the self-signed JWT needs no request, so no transport.
            let tokens = try TokenManager.selfSignedJWT(
                signer: FixedSignatureSigner(), issuer: "me", audience: "you")
            XCTAssertTrue(try tokens.authorizationBlocking().hasPrefix("Bearer eyJ"))
        }
    }

    /// A stand-in host signer for the mobile core (which cannot verify anything here).
    private final class FixedSignatureSigner: JWTSigner {
        var algorithm: JWTAlgorithm { .rs256 }
        var keyID: String? { "host" }
        func sign(_ message: Data) throws -> Data { Data(repeating: 7, count: 256) }
    }
#endif
