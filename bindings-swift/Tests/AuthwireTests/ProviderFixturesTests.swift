// Every documented provider token answer of tests/scenarios/providers.json, served byte for byte
// by the scenario server (`/provider/<fixture-id>.<unique>/token`), through the OAuth2 client
// credentials of the Swift layer: the header and lifetime it must give, or the typed error.
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The fixtures of tests/scenarios/providers.json.
func providerFixtures() -> [[String: Any]] {
    loadRepositoryJSON("tests/scenarios/providers.json")["fixtures"] as! [[String: Any]]
}

/// The provider-fixture scenarios, run through the built-in client by `ProviderFixturesTests`
/// and through ``URLSessionTransport`` by `ProviderFixturesURLSessionTransportTests` (XCTest on
/// Linux does not discover inherited test methods, so each subclass names them).
class ProviderFixtureScenarios: XCTestCase {
    let server = ScenarioServer.shared

    /// The transport under test: `nil` for the built-in client.
    class var transport: HTTPTransport? { nil }

    /// The token values of a fixture's body (JSON or form), which no error may show.
    func secrets(of fixture: [String: Any]) -> [String] {
        let text = fixture["body_text"] as! String
        var fields: [String: String] = [:]
        if let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
            for (key, value) in json { if let value = value as? String { fields[key] = value } }
        } else {
            for pair in text.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { fields[parts[0]] = parts[1].removingPercentEncoding ?? parts[1] }
            }
        }
        return ["access_token", "refresh_token", "mac_key", "id_token"].compactMap { fields[$0] }
            .filter { $0.count >= 4 }
    }

    func scenarioEveryProviderFixture() async throws {
        let fixtures = providerFixtures()
        XCTAssertGreaterThanOrEqual(fixtures.count, 22)
        var answered = 0
        var refused = 0
        for fixture in fixtures {
            let id = fixture["id"] as! String
            let expect = fixture["expect"] as! [String: Any]
            let ns = "\(id).\(freshNamespace())"
            let tokens = try TokenManager.clientCredentials(
                tokenURL: server.url("provider", ns, "token"), clientID: "client-id",
                clientSecret: "client-secret", options: TokenOptions(transport: Self.transport))

            if let expected = expect["authorization"] as? String {
                let header: String
                do {
                    header = try await tokens.authorization()
                } catch {
                    XCTFail("\(id): \(error)")
                    continue
                }
                XCTAssertEqual(header, expected, id)
                let token = try await tokens.token()
                XCTAssertEqual(token.authorization, expected, id)
                let lifetimeMs = ((expect["lifetime_s"] as? Double) ?? 3600) * 1000
                let expiresInMs = Double(token.expiresIn!.components.seconds) * 1000
                    + Double(token.expiresIn!.components.attoseconds) / 1e15
                XCTAssertEqual(expiresInMs, lifetimeMs, accuracy: 2000, "\(id): expires in \(String(describing: token.expiresIn))")
                // The server's resource accepts exactly that header.
                var request = URLRequest(url: server.url("provider", ns, "resource"))
                request.setValue(header, forHTTPHeaderField: "Authorization")
                let (_, response) = try await URLSession.shared.data(for: request)
                XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200, id)
                answered += 1
            } else {
                XCTAssertEqual(expect["error"] as? String, "invalid_response", id)
                let names = expect["names"] as! String
                let error = await thrownError { try await tokens.authorization() }
                guard case .invalidResponse(let reason) = error as? AuthError else {
                    XCTFail("\(id): \(String(describing: error))")
                    continue
                }
                XCTAssertTrue(reason.contains(names), "\(id): \(reason)")
                XCTAssertTrue(error!.localizedDescription.contains(names), "\(id): \(error!.localizedDescription)")
                let secrets = secrets(of: fixture)
                XCTAssertFalse(secrets.isEmpty, id)
                for text in renderings(error!) + [error!.localizedDescription] {
                    for secret in secrets { XCTAssertFalse(text.contains(secret), "\(id): \(text)") }
                }
                refused += 1
            }

            let sent = try await server.lastRequest(ns, scenario: "provider")
            XCTAssertEqual(sent.method, "POST", id)
            XCTAssertEqual(sent.headers["accept"], "application/json", id)
            XCTAssertEqual(sent.headers["content-type"], "application/x-www-form-urlencoded", id)
            XCTAssertEqual(sent.bodyText, "grant_type=client_credentials", id)
            XCTAssertEqual(sent.headers["authorization"], try basicAuth(userID: "client-id", password: "client-secret"), id)
        }
        XCTAssertEqual(answered + refused, fixtures.count)
        XCTAssertGreaterThanOrEqual(refused, 2, "the DPoP and mac fixtures")
    }
}

/// The fixtures through the core's built-in HTTP client (not in the mobile core).
final class ProviderFixturesTests: ProviderFixtureScenarios {
    override func setUpWithError() throws {
        #if AUTHWIRE_MOBILE_CORE
            throw XCTSkip("the mobile core has no built-in HTTP client")
        #endif
    }

    func testEveryProviderFixture() async throws { try await scenarioEveryProviderFixture() }
}

/// The fixtures through ``URLSessionTransport`` (also run against the mobile core: the name
/// matches tests/run-all's `TransportTests` filter).
final class ProviderFixturesURLSessionTransportTests: ProviderFixtureScenarios {
    override class var transport: HTTPTransport? { URLSessionTransport() }

    func testEveryProviderFixture() async throws { try await scenarioEveryProviderFixture() }
}
