// Every case of tests/auth-vectors.json through the Swift layer, the same vectors that the
// Rust, Python and Kotlin suites read.
import Authwire
import Foundation
import XCTest

final class VectorsTests: XCTestCase {
    func testBasicVectorsBuildAndDecode() throws {
        for c in cases("basic") {
            let user = c["user_id"] as! String
            let password = c["password"] as! String
            let value = try basicAuth(userId: user, password: password)
            if let expected = c["header_value"] as? String {
                XCTAssertEqual(value, expected, "\(c["source"]!)")
            } else {
                // "check": never line-wrapped, and it decodes back.
                XCTAssertFalse(value.contains("\r") || value.contains("\n"), "\(c["source"]!)")
            }
            let decoded = try decodeBasic(headerValue: value)
            XCTAssertEqual(decoded.userId, user)
            XCTAssertEqual(decoded.password, password)
        }
    }

    func testInvalidBasicInputIsATypedErrorWithoutThePassword() {
        for c in cases("basic_invalid") {
            let password = c["password"] as! String
            XCTAssertThrowsError(try basicAuth(userId: c["user_id"] as! String, password: password)) { error in
                guard case AuthError.invalidInput = error else {
                    return XCTFail("\(c["why"]!): \(error)")
                }
                XCTAssertTrue(error.localizedDescription.hasPrefix("invalid input: "), error.localizedDescription)
                if password.count >= 4 { XCTAssertFalse(error.localizedDescription.contains(password)) }
            }
        }
    }

    func testUndecodableBasicValuesAreTypedErrors() {
        for c in cases("basic_decode_invalid") {
            XCTAssertThrowsError(try decodeBasic(headerValue: c["header_value"] as! String)) { error in
                guard case AuthError.invalidInput = error else { return XCTFail("\(error)") }
            }
        }
    }

    func testBearerVectors() throws {
        for c in cases("bearer") {
            XCTAssertEqual(try bearerAuth(token: c["token"] as! String), c["header_value"] as? String)
        }
        for c in cases("bearer_invalid") {
            XCTAssertThrowsError(try bearerAuth(token: c["token"] as! String), "\(c["why"]!)") { error in
                guard case AuthError.invalidInput = error else { return XCTFail("\(error)") }
            }
        }
    }

    func testOpenConnectorsVectors() throws {
        for c in cases("open_connectors") {
            let value = try openConnectorsAuth(
                userSecret: c["user_secret"] as! String,
                organizationSecret: c["organization_secret"] as? String,
                elementToken: c["element_token"] as? String)
            XCTAssertEqual(value, c["header_value"] as? String, "\(c["source"]!)")
        }
        for c in cases("open_connectors_invalid") {
            XCTAssertThrowsError(
                try openConnectorsAuth(
                    userSecret: c["user_secret"] as! String,
                    organizationSecret: c["organization_secret"] as? String,
                    elementToken: c["element_token"] as? String), "\(c["why"]!)"
            ) { error in
                guard case AuthError.invalidInput = error else { return XCTFail("\(error)") }
            }
        }
    }

    func testSchemeAuth() throws {
        XCTAssertEqual(try schemeAuth(scheme: "Token", credentials: "abc"), "Token abc")
        XCTAssertThrowsError(try schemeAuth(scheme: "Bad Scheme", credentials: "abc"))
        XCTAssertThrowsError(try schemeAuth(scheme: "Token", credentials: "abc\r\nX-Evil: 1"))
    }

    func testApiKeyFilesFromJsonTextAndFromAFileURL() throws {
        for c in cases("api_key_file") {
            let json = c["json"] as! [String: String]
            let encoded = (c["token_request_body"] as! [String: String])["apiKey"]!
            let text = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)

            let fromJson = try ApiKey(json: text)
            XCTAssertEqual(fromJson.appClientId, json["appClientId"])
            XCTAssertEqual(fromJson.appClientSecret(), json["appClientSecret"])
            XCTAssertEqual(fromJson.encodedKey(), encoded)

            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("authwire-key-\(UUID().uuidString).json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let fromFile = try ApiKey(contentsOf: file)
            XCTAssertEqual(fromFile.encodedKey(), encoded)
            XCTAssertEqual(fromFile.appClientId, json["appClientId"])

            let fromKey = try ApiKey(encodedKey: encoded)
            XCTAssertEqual(fromKey.encodedKey(), encoded)
            XCTAssertNil(fromKey.appClientId)
        }
    }

    func testInvalidApiKeyFilesAreConfigurationErrors() throws {
        for c in cases("api_key_file_invalid") {
            XCTAssertThrowsError(try ApiKey(json: c["text"] as! String), "\(c["why"]!)") { error in
                guard case AuthError.invalidConfiguration = error else { return XCTFail("\(error)") }
                XCTAssertTrue(error.localizedDescription.hasPrefix("invalid configuration: "))
            }
        }
        XCTAssertThrowsError(try ApiKey(contentsOf: URL(string: "https://example.com/key.json")!)) { error in
            guard case AuthError.invalidConfiguration = error else { return XCTFail("\(error)") }
        }
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID()).json")
        XCTAssertThrowsError(try ApiKey(contentsOf: missing)) { error in
            guard case AuthError.invalidConfiguration = error else { return XCTFail("\(error)") }
        }
    }

    func testXtdTokenResponseVector() async throws {
        let c = cases("token_responses")[0]
        let ns = freshNamespace()
        let server = ScenarioServer.shared
        let body = String(decoding: try JSONSerialization.data(withJSONObject: c["body"]!), as: UTF8.self)
        try await server.script(ns, status: 200, headers: ["Content-Type": "application/json"], body: body)
        let keyCase = cases("api_key_file")[0]
        let keyText = String(
            decoding: try JSONSerialization.data(withJSONObject: keyCase["json"]!), as: UTF8.self)
        let tokens = try TokenManager.apiKeyExchange(
            tokenURL: server.url("scripted", ns, "token"), apiKey: try ApiKey(json: keyText))

        let header = try await tokens.authorization()
        XCTAssertEqual(header, "Bearer \(c["token"] as! String)")
        let sent = try await server.lastRequest(ns)
        XCTAssertEqual(sent.method, "POST")
        XCTAssertEqual(sent.headers["content-type"], "application/json")
        let sentBody = try JSONSerialization.jsonObject(with: Data(sent.bodyText.utf8)) as! [String: String]
        XCTAssertEqual(sentBody, keyCase["token_request_body"] as! [String: String])
        let token = try await tokens.token()
        XCTAssertEqual(token.value, c["token"] as? String)
        XCTAssertGreaterThan(token.expiresIn, .seconds(298))
        XCTAssertLessThanOrEqual(token.expiresIn, .seconds(300))
        XCTAssertGreaterThan(token.refreshIn, .seconds(240))
        XCTAssertLessThan(token.refreshIn, token.expiresIn)
        let again = try await tokens.authorization()
        XCTAssertEqual(again, header)
        let stats = try await server.stats("scripted", ns)
        XCTAssertEqual(stats.tokenRequests, 1)
    }

    func testOAuthTokenResponseVectors() async throws {
        let server = ScenarioServer.shared
        // RFC 6749 §5.1: client_secret_basic, form-urlencoded before Basic; the token type
        // "example" becomes the scheme.
        let rfc = cases("token_responses")[1]
        let ns = freshNamespace()
        try await server.script(
            ns, status: 200, headers: ["Content-Type": "application/json"],
            body: String(decoding: try JSONSerialization.data(withJSONObject: rfc["body"]!), as: UTF8.self))
        let tokens = try TokenManager.clientCredentials(
            tokenURL: server.url("scripted", ns, "token"), clientId: "client id:1",
            clientSecret: "s3cr&t=+", scopes: ["read", "write"])
        let header = try await tokens.authorization()
        XCTAssertEqual(header, "example \(rfc["token"] as! String)")
        let sent = try await server.lastRequest(ns)
        XCTAssertEqual(sent.bodyText, "grant_type=client_credentials&scope=read+write")
        let credentials = try decodeBasic(headerValue: sent.headers["authorization"] ?? "")
        XCTAssertEqual(credentials.userId, "client+id%3A1")
        XCTAssertEqual(credentials.password, "s3cr%26t%3D%2B")

        // No expiry in the body: the JWT's exp - iat; client_secret_post.
        let jwt = cases("token_responses")[2]
        let ns2 = freshNamespace()
        try await server.script(
            ns2, status: 200, headers: ["Content-Type": "application/json"],
            body: String(decoding: try JSONSerialization.data(withJSONObject: jwt["body"]!), as: UTF8.self))
        let posted = try TokenManager.clientCredentials(
            tokenURL: server.url("scripted", ns2, "token"), clientId: "cid", clientSecret: "csecret",
            authMethod: .clientSecretPost)
        let token = try await posted.token()
        XCTAssertEqual(token.authorization, "Bearer \(jwt["token"] as! String)")
        let lifetime = (jwt["jwt_exp"] as! Int) - (jwt["jwt_iat"] as! Int)
        XCTAssertGreaterThan(token.expiresIn, .seconds(lifetime - 2))
        XCTAssertLessThanOrEqual(token.expiresIn, .seconds(lifetime))
        let sentPost = try await server.lastRequest(ns2)
        XCTAssertNil(sentPost.headers["authorization"])
        XCTAssertEqual(sentPost.bodyText, "grant_type=client_credentials&client_id=cid&client_secret=csecret")
    }

    func testEveryTokenErrorVectorMapsToItsKindAndRetryRule() async throws {
        let server = ScenarioServer.shared
        for c in cases("token_errors") {
            let ns = freshNamespace()
            var headers = (c["headers"] as? [String: String]) ?? [:]
            // Keep the rate-limit case quick: waiting for Retry-After has its own test.
            if headers["Retry-After"] != nil { headers["Retry-After"] = "0" }
            let body: String
            if let text = c["body_text"] as? String {
                body = text
            } else if let json = c["body"], !(json is NSNull) {
                body = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
            } else {
                body = ""
            }
            try await server.script(ns, status: c["status"] as! Int, headers: headers, body: body)
            let tokens = try TokenManager.apiKeyExchange(
                tokenURL: server.url("scripted", ns, "token"), apiKey: try ApiKey(encodedKey: "k"),
                options: TokenOptions(maxAttempts: 2, backoffInitialMs: 10))
            let error = await thrownError { try await tokens.authorization() }
            XCTAssertEqual(error.map(kind), c["kind"] as? String, "\(c["source"]!)")
            let requests = try await server.stats("scripted", ns).tokenRequests
            XCTAssertEqual(requests > 1, c["retry"] as? Bool, "\(c["source"]!)")
            XCTAssertFalse(error?.localizedDescription.contains("\n") ?? true)
        }
    }

    func testTheCsrfVectorIsTheSessionProtocol() async throws {
        // tests/auth-vectors.json "csrf": fetch with X-CSRF-Token: fetch and Basic, then the
        // write carries the token, the cookies and Basic; 403 + x-csrf-token: Required expires.
        let vector = loadVectors()["csrf"] as! [String: Any]
        let fetch = vector["fetch_request_headers"] as! [String: String]
        XCTAssertEqual(fetch["X-CSRF-Token"], "fetch")
        let ns = freshNamespace()
        let session = try CsrfSession(
            fetchURL: ScenarioServer.shared.url("csrf", ns, "api"), userId: csrfUser, password: csrfPassword)
        let headers = try await session.headers()
        let write = vector["write_request_headers"] as! [String: String]
        XCTAssertEqual(Set(headers.fields.keys), Set(write.keys))
        XCTAssertEqual(headers.authorization, try basicAuth(userId: csrfUser, password: csrfPassword))
        XCTAssertEqual(headers.cookie, "SESSION=s1")
    }
}

/// The vectors' name for an error's kind.
func kind(_ error: Error) -> String {
    switch error as? AuthError {
    case .unauthorized: "unauthorized"
    case .oauth(_, let code, _): "oauth error \(code)"
    case .rateLimited: "rate limited"
    case .server: "server"
    case .invalidResponse: "invalid response"
    case .network: "network"
    case .httpStatus: "http status"
    case .invalidInput: "invalid input"
    case .invalidConfiguration: "invalid configuration"
    case .refreshLoop: "refresh loop"
    case nil: "not an AuthError: \(error)"
    }
}
