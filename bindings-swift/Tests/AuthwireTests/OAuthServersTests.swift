// OAuth2 client credentials against REAL authorization servers (tests/scenarios/oauth_servers.py):
// Authlib, django-oauth-toolkit and a "literal" server that compares Basic credentials without
// decoding them (as Doorkeeper and Cloud Foundry UAA do), for every client of
// tests/scenarios/oauth_clients.json. The token must pass each server's own resource
// protection, with the scope; errors are the typed OAuth errors and never show the secret.
//
// The servers need a Python with Authlib, Flask, Django and django-oauth-toolkit (the `test`
// extra of bindings-python): AUTHWIRE_TEST_PYTHON, else <repo>/.venv/bin/python; with neither
// the tests are skipped.
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One client of tests/scenarios/oauth_clients.json.
struct OAuthClient {
    let clientID: String
    let clientSecret: String
    let scope: String
    let literal: Bool
}

func oauthClients() -> [OAuthClient] {
    (loadRepositoryJSON("tests/scenarios/oauth_clients.json")["clients"] as! [[String: Any]]).map {
        OAuthClient(
            clientID: $0["client_id"] as! String, clientSecret: $0["client_secret"] as! String,
            scope: $0["scope"] as! String, literal: $0["literal"] as! Bool)
    }
}

/// The ready line of tests/scenarios/oauth_servers.py (a ``PythonServer``).
final class OAuthServers: @unchecked Sendable {
    /// Server name (`authlib`, `dot`, `literal`) to its base URL and endpoint paths.
    private let ready: [String: Any]

    init(_ server: PythonServer) {
        ready = server.ready
    }

    /// `<base of server><its path for endpoint>` (`token`, `resource`, `no_cc`), or `nil` when
    /// that server has no such endpoint.
    func url(_ server: String, _ endpoint: String, query: String = "") -> URL? {
        guard let base = ready[server] as? String,
            let path = (ready["endpoints"] as? [String: [String: Any]])?[server]?[endpoint] as? String
        else { return nil }
        return URL(string: base + path + query)
    }

    /// The client registered for the authorization-code grant only, and its servers.
    var unauthorizedClient: (id: String, secret: String, servers: [String]) {
        let client = ready["unauthorized_client"] as! [String: Any]
        return (client["client_id"] as! String, client["client_secret"] as! String, client["servers"] as! [String])
    }
}

/// The servers of the running test class: started in its `class func setUp()`, stopped in its
/// `class func tearDown()`.
private let slot = PythonServerSlot(
    script: "oauth_servers.py",
    needs: "the test extra of bindings-python (Authlib, Flask, Django, django-oauth-toolkit)",
    view: OAuthServers.init)

final class OAuthServersTests: XCTestCase {
    private var servers: OAuthServers!

    override class func setUp() {
        super.setUp()
        #if !AUTHWIRE_MOBILE_CORE
            slot.start()
        #endif
    }

    override class func tearDown() {
        slot.stop()
        super.tearDown()
    }

    override func setUpWithError() throws {
        #if AUTHWIRE_MOBILE_CORE
            throw XCTSkip("the mobile core has no built-in HTTP client")
        #else
            servers = try slot.current()
        #endif
    }

    func manager(
        _ server: String, endpoint: String = "token", clientID: String, clientSecret: String,
        scopes: [String] = ["read"], method: ClientAuthMethod
    ) throws -> TokenManager {
        try TokenManager.clientCredentials(
            tokenURL: servers.url(server, endpoint)!, clientID: clientID, clientSecret: clientSecret,
            scopes: scopes, options: TokenOptions(maxAttempts: 1), authMethod: method)
    }

    /// `GET <server>/api/resource?scope=read` with `header`: the status and the JSON body.
    func resource(_ server: String, _ header: String) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: servers.url(server, "resource", query: "?scope=read")!)
        request.setValue(header, forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as! HTTPURLResponse).statusCode, body)
    }

    /// Every client gets a token with `method` and the server's resource accepts it.
    func assertEveryClientIsAccepted(
        on server: String, with methods: [ClientAuthMethod], clients: [OAuthClient],
        file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        XCTAssertFalse(clients.isEmpty, file: file, line: line)
        for client in clients {
            for method in methods {
                let what = "\(server), \(method), client \(client.clientID.debugDescription)"
                let tokens = try manager(
                    server, clientID: client.clientID, clientSecret: client.clientSecret, method: method)
                let header: String
                do {
                    header = try await tokens.authorization()
                } catch {
                    XCTFail("\(what): \(error)", file: file, line: line)
                    continue
                }
                XCTAssertTrue(header.hasPrefix("Bearer "), what, file: file, line: line)
                let (status, body) = try await resource(server, header)
                XCTAssertEqual(status, 200, "\(what): \(body)", file: file, line: line)
                XCTAssertEqual(body["client_id"] as? String, client.clientID, what, file: file, line: line)
                let scopes = ((body["scope"] as? String) ?? "").split(separator: " ")
                XCTAssertTrue(scopes.contains("read"), "\(what): \(body)", file: file, line: line)
            }
        }
    }

    /// `error` is `.oauth(status, code, _)` and none of its renderings shows a secret.
    func assertOAuthError(
        _ error: Error?, status: Int, code: String, hiding secrets: [String], _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let error else { return XCTFail("\(what): no error", file: file, line: line) }
        guard case .oauth(let gotStatus, let gotCode, _) = error as? AuthError else {
            return XCTFail("\(what): \(error)", file: file, line: line)
        }
        XCTAssertEqual(gotStatus, status, what, file: file, line: line)
        XCTAssertEqual(gotCode, code, what, file: file, line: line)
        XCTAssertTrue(error.localizedDescription.contains(code), error.localizedDescription, file: file, line: line)
        for text in renderings(error) + [error.localizedDescription] {
            for secret in secrets where !secret.isEmpty {
                XCTAssertFalse(text.contains(secret), "\(what): the secret shows in \(text)", file: file, line: line)
            }
        }
    }

    func testEveryClientOnAuthlibWithPercentEncodedBasicAndWithPost() async throws {
        try await assertEveryClientIsAccepted(
            on: "authlib", with: [.clientSecretBasic, .clientSecretPost], clients: oauthClients())
    }

    func testEveryClientOnDjangoOAuthToolkitWithPercentEncodedBasicAndWithPost() async throws {
        try await assertEveryClientIsAccepted(
            on: "dot", with: [.clientSecretBasic, .clientSecretPost], clients: oauthClients())
    }

    func testEveryLiteralClientOnTheLiteralServerWithUnencodedBasic() async throws {
        let literal = oauthClients().filter(\.literal)
        XCTAssertGreaterThanOrEqual(literal.count, 8)
        try await assertEveryClientIsAccepted(on: "literal", with: [.clientSecretBasicUnencoded], clients: literal)
    }

    func testAWrongSecretIsInvalidClientAndNeverShowsTheSecret() async throws {
        let runs: [(String, [ClientAuthMethod], [OAuthClient])] = [
            ("authlib", [.clientSecretBasic, .clientSecretPost], oauthClients()),
            ("dot", [.clientSecretBasic, .clientSecretPost], oauthClients()),
            ("literal", [.clientSecretBasicUnencoded, .clientSecretPost], oauthClients().filter(\.literal)),
        ]
        for (server, methods, clients) in runs {
            for client in clients {
                for method in methods {
                    let wrong = "wrong-\(client.clientSecret)-7q"
                    let what = "\(server), \(method), client \(client.clientID.debugDescription)"
                    let tokens = try manager(server, clientID: client.clientID, clientSecret: wrong, method: method)
                    let error = await thrownError { try await tokens.authorization() }
                    assertOAuthError(
                        error, status: 401, code: "invalid_client", hiding: [wrong, client.clientSecret], what)
                }
            }
        }
    }

    func testAScopeOutsideTheClientsIsInvalidScope() async throws {
        let client = oauthClients()[0]
        for (server, method) in [
            ("authlib", ClientAuthMethod.clientSecretBasic), ("authlib", .clientSecretPost),
            ("dot", .clientSecretBasic), ("dot", .clientSecretPost), ("literal", .clientSecretBasicUnencoded),
        ] {
            let tokens = try manager(
                server, clientID: client.clientID, clientSecret: client.clientSecret, scopes: ["admin"],
                method: method)
            let error = await thrownError { try await tokens.authorization() }
            assertOAuthError(error, status: 400, code: "invalid_scope", hiding: [client.clientSecret], "\(server), \(method)")
        }
    }

    func testAnEndpointWithoutTheGrantIsUnsupportedGrantType() async throws {
        let client = oauthClients()[1]
        XCTAssertNil(servers.url("literal", "no_cc"))
        for server in ["authlib", "dot"] {
            for method in [ClientAuthMethod.clientSecretBasic, .clientSecretPost] {
                let tokens = try manager(
                    server, endpoint: "no_cc", clientID: client.clientID, clientSecret: client.clientSecret,
                    method: method)
                let error = await thrownError { try await tokens.authorization() }
                assertOAuthError(
                    error, status: 400, code: "unsupported_grant_type", hiding: [client.clientSecret],
                    "\(server), \(method)")
            }
        }
    }

    func testAClientWithoutTheGrantIsUnauthorizedClient() async throws {
        let client = servers.unauthorizedClient
        XCTAssertFalse(client.servers.isEmpty)
        for server in client.servers {
            let tokens = try manager(server, clientID: client.id, clientSecret: client.secret, method: .clientSecretBasic)
            let error = await thrownError { try await tokens.authorization() }
            assertOAuthError(error, status: 400, code: "unauthorized_client", hiding: [client.secret], server)
        }
    }

    func testAColonInTheClientIdCannotUseUnencodedBasic() throws {
        let withColon = oauthClients().filter { $0.clientID.contains(":") }
        XCTAssertGreaterThanOrEqual(withColon.count, 2)
        for client in withColon {
            XCTAssertFalse(client.literal, client.clientID)
            XCTAssertThrowsError(
                try manager(
                    "literal", clientID: client.clientID, clientSecret: client.clientSecret,
                    method: .clientSecretBasicUnencoded)
            ) { error in
                guard case AuthError.invalidConfiguration(let reason) = error else {
                    return XCTFail("\(client.clientID): \(error)")
                }
                XCTAssertTrue(reason.contains("':'"), reason)
                for text in renderings(error) + [error.localizedDescription] {
                    XCTAssertFalse(text.contains(client.clientSecret), text)
                }
            }
            // The percent-encoded Basic and the form carry it.
            XCTAssertNoThrow(
                try manager("dot", clientID: client.clientID, clientSecret: client.clientSecret, method: .clientSecretBasic))
        }
    }
}
