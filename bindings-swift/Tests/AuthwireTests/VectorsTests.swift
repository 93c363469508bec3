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
            let value = try basicAuth(userID: user, password: password)
            if let expected = c["header_value"] as? String {
                XCTAssertEqual(value, expected, "\(c["source"]!)")
            } else {
                // "check": never line-wrapped, and it decodes back.
                XCTAssertFalse(value.contains("\r") || value.contains("\n"), "\(c["source"]!)")
            }
            let decoded = try decodeBasic(headerValue: value)
            XCTAssertEqual(decoded.userID, user)
            XCTAssertEqual(decoded.password, password)
        }
    }

    func testInvalidBasicInputIsATypedErrorWithoutThePassword() {
        for c in cases("basic_invalid") {
            let password = c["password"] as! String
            XCTAssertThrowsError(try basicAuth(userID: c["user_id"] as! String, password: password)) { error in
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
        // Any non-empty visible-ASCII token, as providers issue them (Salesforce '!', X '%2F',
        // Facebook '|', an inner '=').
        XCTAssertGreaterThanOrEqual(cases("bearer").count, 7)
        for c in cases("bearer") {
            XCTAssertEqual(try bearerAuth(token: c["token"] as! String), c["header_value"] as? String, "\(c["source"]!)")
            // The same rule for a static token.
            XCTAssertEqual(
                try TokenManager.staticToken(c["token"] as! String).authorizationBlocking(),
                c["header_value"] as? String)
        }
        XCTAssertGreaterThanOrEqual(cases("bearer_invalid").count, 8)
        for c in cases("bearer_invalid") {
            let token = c["token"] as! String
            XCTAssertThrowsError(try bearerAuth(token: token), "\(c["why"]!)") { error in
                guard case AuthError.invalidInput(let reason) = error else { return XCTFail("\(error)") }
                if !token.isEmpty {
                    XCTAssertTrue(reason.contains("byte"), "the message names the byte position: \(reason)")
                    XCTAssertFalse(reason.contains(token), reason)
                }
            }
            XCTAssertThrowsError(try TokenManager.staticToken(token), "\(c["why"]!)") { error in
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

    func testSchemeVectors() throws {
        // token68-like values and RFC 9110 auth-param lists.
        XCTAssertGreaterThanOrEqual(cases("scheme").count, 4)
        for c in cases("scheme") {
            XCTAssertEqual(
                try schemeAuth(scheme: c["scheme"] as! String, credentials: c["credentials"] as! String),
                c["header_value"] as? String, "\(c["source"]!)")
        }
        XCTAssertGreaterThanOrEqual(cases("scheme_invalid").count, 7)
        for c in cases("scheme_invalid") {
            XCTAssertThrowsError(
                try schemeAuth(scheme: c["scheme"] as! String, credentials: c["credentials"] as! String),
                "\(c["why"]!)"
            ) { error in
                guard case AuthError.invalidInput = error else { return XCTFail("\(c["why"]!): \(error)") }
                XCTAssertTrue(error.localizedDescription.hasPrefix("invalid input: "), error.localizedDescription)
            }
        }
    }

    /// A vector's params, `[[name, value], ...]`, as pairs in their order.
    func pairs(_ c: [String: Any]) -> [(String, String)] {
        (c["params"] as! [[String]]).map { ($0[0], $0[1]) }
    }

    func testSchemeParamsVectorsThroughBothOverloads() throws {
        let valid = cases("scheme_params")
        XCTAssertGreaterThanOrEqual(valid.count, 2)
        for c in valid {
            XCTAssertEqual(
                try schemeAuthParams(scheme: c["scheme"] as! String, params: pairs(c)), c["header_value"] as? String,
                "\(c["source"]!)")
        }
        // KeyValuePairs is written as a literal: the vectors' two cases, spelled out.
        XCTAssertEqual(pairs(valid[0]).map { [$0.0, $0.1] }, [["token", "abc"]])
        XCTAssertEqual(try schemeAuthParams(scheme: "Token", params: ["token": "abc"]), valid[0]["header_value"] as? String)
        XCTAssertEqual(pairs(valid[1]).map { [$0.0, $0.1] }, [["token", #"a"b\c d"#], ["realm", ""]])
        XCTAssertEqual(
            try schemeAuthParams(scheme: "Token", params: ["token": #"a"b\c d"#, "realm": ""]), valid[1]["header_value"] as? String)
        // The order given is kept, and a name may repeat.
        XCTAssertEqual(try schemeAuthParams(scheme: "Digest", params: ["b": "2", "a": "1", "b": "3"]), #"Digest b="2", a="1", b="3""#)
        XCTAssertEqual(try schemeAuthParams(scheme: "Digest", params: [("b", "2"), ("a", "1")]), #"Digest b="2", a="1""#)
        // What it builds, schemeAuth accepts as it is.
        for c in valid {
            let header = try schemeAuthParams(scheme: c["scheme"] as! String, params: pairs(c))
            let credentials = String(header.drop { $0 != " " }.dropFirst())
            XCTAssertEqual(try schemeAuth(scheme: c["scheme"] as! String, credentials: credentials), header)
        }
    }

    func testInvalidSchemeParamsAreTypedErrorsWithoutTheValue() throws {
        let invalid = cases("scheme_params_invalid")
        XCTAssertGreaterThanOrEqual(invalid.count, 4)
        for c in invalid {
            let params = pairs(c)
            XCTAssertThrowsError(try schemeAuthParams(scheme: c["scheme"] as! String, params: params), "\(c["why"]!)") { error in
                guard case AuthError.invalidInput = error else { return XCTFail("\(c["why"]!): \(error)") }
                for (_, value) in params where value.count >= 3 {
                    for text in renderings(error) + [error.localizedDescription] {
                        XCTAssertFalse(text.contains(value), text)
                    }
                }
            }
        }
        // The KeyValuePairs overload throws the same errors.
        XCTAssertThrowsError(try schemeAuthParams(scheme: "Token", params: [:] as KeyValuePairs<String, String>)) { error in
            guard case AuthError.invalidInput = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try schemeAuthParams(scheme: "Token", params: ["token": "x\r\nX-Evil: 1"])) { error in
            guard case AuthError.invalidInput = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try schemeAuthParams(scheme: "To ken", params: ["token": "x"])) { error in
            guard case AuthError.invalidInput = error else { return XCTFail("\(error)") }
        }
    }

    func testClientAuthVectorsReachTheServerByteForByte() async throws {
        let server = ScenarioServer.shared
        let vectors = cases("client_auth")
        XCTAssertGreaterThanOrEqual(vectors.count, 9)
        #if AUTHWIRE_MOBILE_CORE
            let transports: [HTTPTransport?] = [URLSessionTransport()]
        #else
            let transports: [HTTPTransport?] = [nil, URLSessionTransport()]
        #endif
        for transport in transports {
            for c in vectors {
                let id = c["client_id"] as! String
                let secret = c["client_secret"] as! String
                func sent(_ method: ClientAuthMethod) async throws -> ReceivedRequest {
                    let ns = freshNamespace()
                    try await server.script(
                        ns, status: 200, headers: ["Content-Type": "application/json"],
                        body: #"{"access_token": "t", "token_type": "Bearer"}"#)
                    let tokens = try TokenManager.clientCredentials(
                        tokenURL: server.url("scripted", ns, "token"), clientID: id, clientSecret: secret,
                        options: TokenOptions(transport: transport), authMethod: method)
                    let header = try await tokens.authorization()
                    XCTAssertEqual(header, "Bearer t")
                    return try await server.lastRequest(ns)
                }
                let basic = try await sent(.clientSecretBasic)
                XCTAssertEqual(basic.headers["authorization"], c["basic"] as? String, id)
                XCTAssertEqual(basic.bodyText, "grant_type=client_credentials", id)
                // The default is the percent-encoded Basic.
                let ns = freshNamespace()
                try await server.script(
                    ns, status: 200, headers: ["Content-Type": "application/json"],
                    body: #"{"access_token": "t", "token_type": "Bearer"}"#)
                _ = try await TokenManager.clientCredentials(
                    tokenURL: server.url("scripted", ns, "token"), clientID: id, clientSecret: secret,
                    options: TokenOptions(transport: transport)
                ).authorization()
                let byDefault = try await server.lastRequest(ns)
                XCTAssertEqual(byDefault.headers["authorization"], c["basic"] as? String, id)

                let post = try await sent(.clientSecretPost)
                XCTAssertNil(post.headers["authorization"], id)
                XCTAssertEqual(post.bodyText, c["post_body"] as? String, id)

                if let expected = c["basic_unencoded"] as? String {
                    let unencoded = try await sent(.clientSecretBasicUnencoded)
                    XCTAssertEqual(unencoded.headers["authorization"], expected, id)
                    XCTAssertEqual(unencoded.bodyText, "grant_type=client_credentials", id)
                } else {
                    XCTAssertThrowsError(
                        try TokenManager.clientCredentials(
                            tokenURL: server.url("scripted", freshNamespace(), "token"), clientID: id,
                            clientSecret: secret, options: TokenOptions(transport: transport),
                            authMethod: .clientSecretBasicUnencoded), id
                    ) { error in
                        guard case AuthError.invalidConfiguration(let reason) = error else {
                            return XCTFail("\(id): \(error)")
                        }
                        XCTAssertTrue(reason.contains("':'"), reason)
                        for text in renderings(error) + [error.localizedDescription] {
                            XCTAssertFalse(text.contains(secret), text)
                        }
                    }
                }
            }
        }
    }

    func testApiKeyFilesFromJsonTextAndFromAFileURL() throws {
        for c in cases("api_key_file") {
            let json = c["json"] as! [String: String]
            let encoded = (c["token_request_body"] as! [String: String])["apiKey"]!
            let text = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)

            let fromJson = try APIKey(json: text)
            XCTAssertEqual(fromJson.appClientID, json["appClientId"])
            XCTAssertEqual(fromJson.appClientSecret, json["appClientSecret"])
            XCTAssertEqual(fromJson.encodedKey, encoded)

            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("authwire-key-\(UUID().uuidString).json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let fromFile = try APIKey(contentsOf: file)
            XCTAssertEqual(fromFile.encodedKey, encoded)
            XCTAssertEqual(fromFile.appClientID, json["appClientId"])

            let fromKey = try APIKey(encodedKey: encoded)
            XCTAssertEqual(fromKey.encodedKey, encoded)
            XCTAssertNil(fromKey.appClientID)
        }
    }

    func testInvalidApiKeyFilesAreConfigurationErrors() throws {
        for c in cases("api_key_file_invalid") {
            XCTAssertThrowsError(try APIKey(json: c["text"] as! String), "\(c["why"]!)") { error in
                guard case AuthError.invalidConfiguration = error else { return XCTFail("\(error)") }
                XCTAssertTrue(error.localizedDescription.hasPrefix("invalid configuration: "))
            }
        }
        XCTAssertThrowsError(try APIKey(contentsOf: URL(string: "https://example.com/key.json")!)) { error in
            guard case AuthError.invalidConfiguration = error else { return XCTFail("\(error)") }
        }
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID()).json")
        XCTAssertThrowsError(try APIKey(contentsOf: missing)) { error in
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
            tokenURL: server.url("scripted", ns, "token"), apiKey: try APIKey(json: keyText))

        let header = try await tokens.authorization()
        XCTAssertEqual(header, "Bearer \(c["token"] as! String)")
        let sent = try await server.lastRequest(ns)
        XCTAssertEqual(sent.method, "POST")
        XCTAssertEqual(sent.headers["content-type"], "application/json")
        let sentBody = try JSONSerialization.jsonObject(with: Data(sent.bodyText.utf8)) as! [String: String]
        XCTAssertEqual(sentBody, keyCase["token_request_body"] as! [String: String])
        let token = try await tokens.token()
        XCTAssertEqual(token.value, c["token"] as? String)
        XCTAssertGreaterThan(token.expiresIn!, .seconds(298))
        XCTAssertLessThanOrEqual(token.expiresIn!, .seconds(300))
        XCTAssertGreaterThan(token.refreshIn!, .seconds(240))
        XCTAssertLessThan(token.refreshIn!, token.expiresIn!)
        let again = try await tokens.authorization()
        XCTAssertEqual(again, header)
        let stats = try await server.stats("scripted", ns)
        XCTAssertEqual(stats.tokenRequests, 1)
    }

    func testOAuthTokenResponseVectors() async throws {
        let server = ScenarioServer.shared
        // RFC 6749 §5.1: client_secret_basic, percent-encoded before Basic; the token type
        // "bearer" in lower case is Bearer.
        let rfc = cases("token_responses")[1]
        let ns = freshNamespace()
        try await server.script(
            ns, status: 200, headers: ["Content-Type": "application/json"],
            body: String(decoding: try JSONSerialization.data(withJSONObject: rfc["body"]!), as: UTF8.self))
        let tokens = try TokenManager.clientCredentials(
            tokenURL: server.url("scripted", ns, "token"), clientID: "client id:1",
            clientSecret: "s3cr&t=+", scopes: ["read", "write"])
        let header = try await tokens.authorization()
        XCTAssertEqual(header, "Bearer \(rfc["token"] as! String)")
        let rfcToken = try await tokens.token()
        let rfcLifetime = rfc["lifetime_s"] as! Int
        XCTAssertGreaterThan(rfcToken.expiresIn!, .seconds(rfcLifetime - 2))
        XCTAssertLessThanOrEqual(rfcToken.expiresIn!, .seconds(rfcLifetime))
        let sent = try await server.lastRequest(ns)
        XCTAssertEqual(sent.bodyText, "grant_type=client_credentials&scope=read+write")
        XCTAssertEqual(sent.headers["accept"], "application/json")
        let credentials = try decodeBasic(headerValue: sent.headers["authorization"] ?? "")
        XCTAssertEqual(credentials.userID, "client%20id%3A1")
        XCTAssertEqual(credentials.password, "s3cr%26t%3D%2B")

        // No expiry in the body: the JWT's exp - iat; client_secret_post.
        let jwt = cases("token_responses")[2]
        let ns2 = freshNamespace()
        try await server.script(
            ns2, status: 200, headers: ["Content-Type": "application/json"],
            body: String(decoding: try JSONSerialization.data(withJSONObject: jwt["body"]!), as: UTF8.self))
        let posted = try TokenManager.clientCredentials(
            tokenURL: server.url("scripted", ns2, "token"), clientID: "cid", clientSecret: "csecret",
            authMethod: .clientSecretPost)
        let token = try await posted.token()
        XCTAssertEqual(token.authorization, "Bearer \(jwt["token"] as! String)")
        let lifetime = (jwt["jwt_exp"] as! Int) - (jwt["jwt_iat"] as! Int)
        XCTAssertGreaterThan(token.expiresIn!, .seconds(lifetime - 2))
        XCTAssertLessThanOrEqual(token.expiresIn!, .seconds(lifetime))
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
                tokenURL: server.url("scripted", ns, "token"), apiKey: try APIKey(encodedKey: "k"),
                options: TokenOptions(maxAttempts: 2, backoffInitial: .milliseconds(10)))
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
        let session = try CSRFSession(
            fetchURL: ScenarioServer.shared.url("csrf", ns, "api"), userID: csrfUser, password: csrfPassword)
        let headers = try await session.headers()
        let write = vector["write_request_headers"] as! [String: String]
        XCTAssertEqual(Set(headers.fields.keys), Set(write.keys))
        XCTAssertEqual(headers.authorization, try basicAuth(userID: csrfUser, password: csrfPassword))
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
    case .signInRequired: "sign in required"
    case .cancelled: "cancelled"
    case nil: "not an AuthError: \(error)"
    }
}
