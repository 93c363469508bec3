// Test support for user sessions: tests/scenarios/session_servers.py (real Authlib and
// django-oauth-toolkit servers with PKCE, refresh-token rotation with reuse detection, the
// device grant and revocation), its control endpoints, and a browser stand-in that reads the
// authorization endpoint's redirect without following it.
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One server of session_servers.py (`authlib` or `dot`): its endpoints, full URLs.
struct SessionServer: Sendable {
    let name: String
    let authorize: URL
    let token: URL
    let device: URL
    let revoke: URL
    let resource: URL
    let control: URL
}

/// A client registered on both servers.
struct SessionClient: Sendable {
    let clientID: String
    let clientSecret: String?
    let redirectURI: URL
    let scopes: [String]
}

/// The ready line of tests/scenarios/session_servers.py (a ``PythonServer``).
final class SessionServers: @unchecked Sendable {
    private let ready: [String: Any]

    init(_ server: PythonServer) {
        ready = server.ready
    }

    func server(_ name: String) -> SessionServer {
        let urls = ready[name] as! [String: Any]
        func url(_ key: String) -> URL { URL(string: urls[key] as! String)! }
        return SessionServer(
            name: name, authorize: url("authorize"), token: url("token"), device: url("device"), revoke: url("revoke"),
            resource: url("resource"), control: url("control"))
    }

    /// The app's client: public (no secret), redirect `com.example.app:/oauth2redirect`,
    /// scopes `openid profile read`.
    var publicClient: SessionClient { client("public_client") }
    /// The desktop client: `client_secret_basic`, redirect `http://127.0.0.1/callback`.
    var confidentialClient: SessionClient { client("confidential_client") }

    private func client(_ key: String) -> SessionClient {
        let client = ready[key] as! [String: Any]
        return SessionClient(
            clientID: client["client_id"] as! String, clientSecret: client["client_secret"] as? String,
            redirectURI: URL(string: client["redirect_uri"] as! String)!,
            scopes: (client["scope"] as! String).split(separator: " ").map(String.init))
    }
}

/// The counters of `GET {control}/stats`.
struct SessionStats: Decodable, Equatable {
    let refreshRequests: Int
    let refreshOK: Int
    let invalidGrant: Int
    let reuseDetected: Int
    let codeExchanges: Int
    let devicePolls: Int
    let revocations: Int

    enum CodingKeys: String, CodingKey {
        case refreshRequests = "refresh_requests"
        case refreshOK = "refresh_ok"
        case invalidGrant = "invalid_grant"
        case reuseDetected = "reuse_detected"
        case codeExchanges = "code_exchanges"
        case devicePolls = "device_polls"
        case revocations
    }
}

extension SessionServer {
    /// `POST {control}/<path>` with a JSON body; the answer's status.
    @discardableResult
    func control(_ path: String, _ body: [String: Any] = [:]) async throws -> Int {
        var request = URLRequest(url: control.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as! HTTPURLResponse).statusCode
    }

    func stats() async throws -> SessionStats {
        let (data, _) = try await URLSession.shared.data(from: control.appendingPathComponent("stats"))
        return try JSONDecoder().decode(SessionStats.self, from: data)
    }

    func resetStats() async throws {
        try await control("reset-stats")
    }

    /// `GET {resource}` with `authorization`; the status.
    func resourceStatus(_ authorization: String) async throws -> Int {
        var request = URLRequest(url: resource)
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as! HTTPURLResponse).statusCode
    }
}

/// The browser stand-in: `GET url` on the authorization endpoint, whose user is always signed
/// in, answers 302 to the redirect URI; this returns that `Location` without following it.
func browse(_ url: URL) async throws -> URL {
    let (_, response) = try await Browser.session.data(for: URLRequest(url: url))
    let http = response as! HTTPURLResponse
    guard (300..<400).contains(http.statusCode), let location = http.value(forHTTPHeaderField: "Location"),
        let redirect = URL(string: location, relativeTo: url)?.absoluteURL
    else {
        throw PythonServerError(description: "the authorization endpoint answered \(http.statusCode), not a redirect")
    }
    return redirect
}

/// One URLSession for the browser stand-in, whose own delegate refuses redirects (on Linux
/// task delegates' redirect callbacks are ignored).
private final class Browser: NSObject, URLSessionTaskDelegate, Sendable {
    static let session = URLSession(configuration: .ephemeral, delegate: Browser(), delegateQueue: nil)

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// `url` with its query parameter `name` set to `value`.
func replacingQueryItem(_ url: URL, _ name: String, with value: String) -> URL {
    var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
    components.queryItems = (components.queryItems ?? []).map { $0.name == name ? URLQueryItem(name: name, value: value) : $0 }
    return components.url!
}

/// The value of `url`'s query parameter `name`.
func queryItem(_ url: URL, _ name: String) -> String? {
    URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == name }?.value
}

/// A PKCE sign-in of `client` at `server` through the browser stand-in; token requests go
/// through `options` (``URLSessionTransport`` in most tests).
func signIn(
    _ server: SessionServer, _ client: SessionClient, options: TokenOptions = TokenOptions(transport: URLSessionTransport())
) async throws -> SessionTokens {
    let flow = try AuthorizationCodeFlow(
        authorizationEndpoint: server.authorize, tokenURL: server.token, clientID: client.clientID,
        redirectURI: client.redirectURI, scopes: client.scopes, clientSecret: client.clientSecret, options: options)
    return try await flow.finish(redirectURL: try await browse(flow.authorizationURL))
}

/// A transport that sends through ``URLSessionTransport`` and keeps every request and response
/// body, to find the secrets that must never be printed (verifier, code, device code, tokens).
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    private let inner = URLSessionTransport()
    private let lock = NSLock()
    private var bodies: [String] = []

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await inner.send(request)
        lock.withLock {
            bodies.append(String(decoding: request.body ?? Data(), as: UTF8.self))
            bodies.append(String(decoding: response.body, as: UTF8.self))
        }
        return response
    }

    /// Every value of a form field or JSON string field named in `names`, seen so far.
    func secrets(named names: Set<String>) -> [String] {
        let all = lock.withLock { bodies }
        var found: [String] = []
        for body in all {
            if let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] {
                for (key, value) in object where names.contains(key) {
                    if let text = value as? String { found.append(text) }
                }
            } else {
                for pair in body.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    if parts.count == 2, names.contains(parts[0]) {
                        found.append(parts[1].removingPercentEncoding ?? parts[1])
                    }
                }
            }
        }
        return found
    }
}

/// Options for a desktop app's session: the core's built-in client, except with the mobile
/// core (AUTHWIRE_SWIFT_MOBILE_CORE), which has none and needs ``URLSessionTransport``.
func desktopOptions(store: (any TokenStore)? = nil) -> TokenOptions {
    #if AUTHWIRE_MOBILE_CORE
        TokenOptions(transport: URLSessionTransport(), store: store)
    #else
        TokenOptions(store: store)
    #endif
}

/// The servers of the running test class.
let sessionServersSlot = PythonServerSlot(
    script: "session_servers.py",
    needs: "the test extra of bindings-python (Authlib, Flask, Django, django-oauth-toolkit)",
    view: SessionServers.init)
