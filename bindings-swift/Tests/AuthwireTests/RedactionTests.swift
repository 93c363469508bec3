// No secret of the vectors ever shows in what the Swift layer prints: description,
// debugDescription, String(reflecting:), dump(), error messages and events.
import Authwire
import Foundation
import XCTest

/// (section, field path) of every secret in the vectors, as in the Python suite's conftest.
private let secretFields: [(String, String)] = [
    ("basic", "password"), ("basic", "header_value"), ("basic_invalid", "password"),
    ("basic_decode_invalid", "header_value"), ("bearer", "token"), ("bearer_invalid", "token"),
    ("open_connectors", "user_secret"), ("open_connectors", "organization_secret"),
    ("open_connectors", "element_token"), ("open_connectors_invalid", "user_secret"),
    ("open_connectors_invalid", "organization_secret"), ("open_connectors_invalid", "element_token"),
    ("api_key_file", "json.appClientSecret"), ("api_key_file", "json.encodedKey"),
    ("api_key_file", "token_request_body.apiKey"), ("token_responses", "token"),
    ("token_responses", "body.token"), ("token_responses", "body.access_token"),
    ("client_auth", "client_secret"), ("scheme", "credentials"),
]

/// Every secret of at least 4 characters in the vectors (for a Basic value, its base64 part).
func vectorSecrets() -> [String] {
    var found: [String] = []
    for (section, path) in secretFields {
        for c in cases(section) {
            var value: Any? = c
            for key in path.split(separator: ".") { value = (value as? [String: Any])?[String(key)] }
            guard var secret = value as? String else { continue }
            if path == "header_value" { secret = String(secret.drop { $0 != " " }.dropFirst()) }
            if secret.count >= 4, !found.contains(secret) { found.append(secret) }
        }
    }
    return found
}

/// Everything Swift can print of `value`.
func renderings(_ value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped)
    return [String(describing: value), String(reflecting: value), dumped, "\(value)"]
}

final class RedactionTests: XCTestCase {
    func assertRedacted(
        _ value: Any, hiding secrets: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        for text in renderings(value) {
            XCTAssertTrue(text.contains("[redacted]") || text.contains("redacted"), text, file: file, line: line)
            for secret in secrets {
                XCTAssertFalse(text.contains(secret), "\(secret) shows in \(text)", file: file, line: line)
            }
        }
    }

    func testTheVectorsHoldEnoughSecrets() {
        XCTAssertGreaterThanOrEqual(vectorSecrets().count, 15)
    }

    func testTokensAndManagersHoldingEveryTokenLikeSecretPrintRedacted() async throws {
        let tokenLike = vectorSecrets().filter { (try? bearerAuth(token: $0)) != nil }
        XCTAssertGreaterThanOrEqual(tokenLike.count, 10)
        for secret in tokenLike {
            let tokens = try TokenManager.staticToken(secret)
            assertRedacted(tokens, hiding: [secret])
            let token = try await tokens.token()
            XCTAssertEqual(token.value, secret)
            assertRedacted(token, hiding: [secret])
            // The Swift-side cache holds the header: still nothing in dump().
            _ = try await tokens.authorization()
            assertRedacted(tokens, hiding: [secret])
        }
    }

    func testApiKeysPrintRedacted() throws {
        for c in cases("api_key_file") {
            let json = c["json"] as! [String: String]
            let text = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
            let secrets = [json["appClientSecret"]!, json["encodedKey"]!]
            assertRedacted(try APIKey(json: text), hiding: secrets)
            assertRedacted(try APIKey(encodedKey: json["encodedKey"]!), hiding: secrets)
        }
    }

    func testBasicCredentialsPrintTheUserButNotThePassword() throws {
        for c in cases("basic") {
            let password = c["password"] as! String
            guard password.count >= 4 else { continue }
            let credentials = try decodeBasic(
                headerValue: try basicAuth(userID: c["user_id"] as! String, password: password))
            assertRedacted(credentials, hiding: [password])
            XCTAssertTrue(String(describing: credentials).contains(c["user_id"] as! String))
        }
    }

    func testEveryErrorFromEverySecretIsASentenceWithoutIt() {
        for secret in vectorSecrets() {
            let attempts: [() throws -> Any] = [
                { try basicAuth(userID: "user", password: secret + "\n") },
                { try basicAuth(userID: secret + ":", password: "pw") },
                { try bearerAuth(token: secret + " x") },
                { try openConnectorsAuth(userSecret: secret + ",") },
                { try schemeAuth(scheme: "Token", credentials: secret + "\r\n") },
                { try schemeAuthParams(scheme: "Token", params: [("token", secret + "\r\nX-Evil: 1")]) },
                { try schemeAuthParams(scheme: "Token", params: [("realm", "r"), ("token", secret + "\u{0}")]) },
                { try schemeAuthParams(scheme: "Token", params: ["token": secret + "\u{7f}"]) },
                { try schemeAuthParams(scheme: "Token", params: ["token": "caf\u{e9} " + secret]) },
                { try schemeAuthParams(scheme: "Token", params: [("token", secret), ("bad name", "x")]) },
                { try schemeAuthParams(scheme: "To ken", params: ["token": secret]) },
                { try decodeBasic(headerValue: "Basic " + secret + "!") },
                { try APIKey(json: #"{"encodedKey": "\#(secret) x"}"#) },
                { try APIKey(encodedKey: secret + "\r\n") },
                { try TokenManager.staticToken(secret + " x") },
            ]
            for attempt in attempts {
                do {
                    _ = try attempt()
                    XCTFail("no error")
                } catch {
                    XCTAssertTrue(error is AuthError, "\(error)")
                    for text in renderings(error) + [error.localizedDescription] {
                        XCTAssertFalse(text.contains(secret), "\(secret) shows in \(text)")
                    }
                }
            }
        }
    }

    func testSchemeAuthParamsErrorsNeverShowAValue() {
        // The vectors' param values, and every invalid case of scheme_params_invalid with a
        // long value in place of its own.
        var values: [String] = vectorSecrets()
        for c in cases("scheme_params") + cases("scheme_params_invalid") {
            for pair in c["params"] as! [[String]] where pair[1].count >= 4 { values.append(pair[1]) }
        }
        let secret = "p4ram-secret-3e9f"
        for c in cases("scheme_params_invalid") {
            let params = (c["params"] as! [[String]]).map {
                ($0[0], $0[1].replacingOccurrences(of: "x", with: secret).replacingOccurrences(of: "caf", with: secret))
            }
            values.append(contentsOf: params.map(\.1).filter { $0.count >= 4 })
            XCTAssertThrowsError(try schemeAuthParams(scheme: c["scheme"] as! String, params: params), "\(c["why"]!)") { error in
                guard case AuthError.invalidInput = error else { return XCTFail("\(error)") }
                for text in renderings(error) + [error.localizedDescription] {
                    XCTAssertFalse(text.contains(secret), text)
                    for (_, value) in params where value.count >= 4 {
                        XCTAssertFalse(text.contains(value), text)
                    }
                }
            }
        }
        XCTAssertGreaterThanOrEqual(values.count, 20)
        for value in values {
            XCTAssertThrowsError(try schemeAuthParams(scheme: "Token", params: [("token", value + "\n")])) { error in
                for text in renderings(error) + [error.localizedDescription] {
                    XCTAssertFalse(text.contains(value), "\(value) shows in \(text)")
                }
            }
        }
    }

    func testTransportRecordsAndStoresPrintNoCredential() throws {
        let secret = "transport-secret-4d1e"
        let request = HTTPRequest(
            method: "POST", url: URL(string: "https://auth.example.com/token")!,
            headers: [HTTPHeader(name: "Authorization", value: "Basic \(secret)"), HTTPHeader(name: "Accept", value: "*/*")],
            body: Data(#"{"apiKey": "\#(secret)"}"#.utf8), timeout: .seconds(15), maxBodyBytes: 65_536)
        for text in renderings(request) {
            XCTAssertFalse(text.contains(secret), text)
            XCTAssertTrue(text.contains("HTTPRequest(POST https://auth.example.com/token)"), text)
        }
        for name in ["Authorization", "cookie", "Set-Cookie", "Proxy-Authorization"] {
            assertRedacted(HTTPHeader(name: name, value: secret), hiding: [secret])
        }
        XCTAssertTrue("\(HTTPHeader(name: "Accept", value: "*/*"))".contains("*/*"))
        #if AUTHWIRE_REDIS_STORE
            assertRedacted(
                try RedisStore(url: URL(string: "redis://:\(secret)@127.0.0.1:1")!), hiding: [secret])
        #endif
    }

    func testACsrfSessionAndItsHeadersPrintRedacted() async throws {
        let ns = freshNamespace()
        let session = try CSRFSession(
            fetchURL: ScenarioServer.shared.url("csrf", ns, "api"), userID: csrfUser, password: csrfPassword)
        assertRedacted(session, hiding: [csrfPassword])
        let headers = try await session.headers()
        let basic = String(try basicAuth(userID: csrfUser, password: csrfPassword).dropFirst(6))
        assertRedacted(headers, hiding: [csrfPassword, headers.csrfToken, headers.cookie!, basic])
        let tokens = try TokenManager.clientCredentials(
            tokenURL: ScenarioServer.shared.url("ok", ns, "token"), clientID: "client-id",
            clientSecret: "client-secret-7d1e")
        assertRedacted(tokens, hiding: ["client-secret-7d1e"])
    }

    func testServerMessagesThatEchoTheKeyAreScrubbed() async throws {
        let ns = freshNamespace()
        let key = "echoed-api-key-9a8b7c"
        try await ScenarioServer.shared.script(
            ns, status: 401, headers: ["Content-Type": "application/json"],
            body: #"{"message": "key \#(key) is not valid"}"#)
        let events = EventLog()
        let tokens = try TokenManager.apiKeyExchange(
            tokenURL: ScenarioServer.shared.url("scripted", ns, "token"), apiKey: try APIKey(encodedKey: key))
        tokens.setListener { events.record($0) }
        let error = await thrownError { try await tokens.authorization() }
        XCTAssertNotNil(error)
        for text in renderings(error!) + [error!.localizedDescription] + events.all {
            XCTAssertFalse(text.contains(key), text)
        }
    }
}
