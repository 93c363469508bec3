// The documentation's Swift samples: the site (docs/) includes these functions verbatim by
// name (docs/hooks/samples.py), bindings-swift/README.md shows explainFailure, and
// ReadmeSampleTests runs them against the scenario server.
import Authwire
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

func headerSamples() throws {
    print(try basicAuth(userID: "Aladdin", password: "open sesame"))  // Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
    print(try bearerAuth(token: "mF_9.B5f-4.1JqM"))  // Bearer mF_9.B5f-4.1JqM
    print(try openConnectorsAuth(userSecret: "us3r", organizationSecret: "0rg"))  // User us3r, Organization 0rg
    print(try schemeAuthParams(scheme: "Token", params: ["token": "abc"]))  // Token token="abc"
    do {
        _ = try basicAuth(userID: "user:name", password: "pw")
    } catch let error as AuthError {
        print(error.localizedDescription)  // invalid input: the Basic user-id contains ':' at byte 4; ...
    }
}

func listThings(tokenURL: URL, keyFile: URL, apiURL: URL) async throws -> Int {
    // One manager per credential, shared by the whole app (it is Sendable).
    let tokens = try TokenManager.apiKeyExchange(tokenURL: tokenURL, apiKey: try APIKey(contentsOf: keyFile))
    // Events carry no secret: log them as they are.
    tokens.setListener { event in print("authwire: \(event)") }

    // From the cache at once (about 0.1 µs), else one token request shared by all callers.
    let header = try await tokens.authorization()
    print(header.prefix { $0 != " " })  // Bearer

    // URLSession: the header is set, and a 401 invalidates the token and retries once.
    let (_, response) = try await URLSession.shared.data(
        for: URLRequest(url: apiURL), authorizedBy: tokens)
    print(tokens)  // TokenManager(api_key_exchange, credentials=[redacted])
    return (response as? HTTPURLResponse)?.statusCode ?? 0  // 200
}

func createThing(fetchURL: URL, writeURL: URL, user: String, password: String) async throws -> Int {
    // SAP API Management: fetch the CSRF token (HEAD, X-CSRF-Token: fetch), send it with the
    // session cookies; after a 403 with x-csrf-token: Required, fetch again once and resend.
    let session = try CSRFSession(fetchURL: fetchURL, userID: user, password: password)
    var write = URLRequest(url: writeURL)
    write.httpMethod = "POST"
    write.httpBody = Data(#"{"name": "thing"}"#.utf8)
    let (_, response) = try await URLSession.shared.data(for: write, csrf: session)
    return (response as? HTTPURLResponse)?.statusCode ?? 0  // 201
}

func tokensThroughURLSession(tokenURL: URL, apiKey: APIKey) throws -> TokenManager {
    // Token requests go through URLSession: the app's proxy, VPN, App Transport Security and
    // the session delegate's certificate pinning apply; redirects are never followed. With the
    // mobile core (no TLS stack of its own, XCFramework) a transport is required.
    let options = TokenOptions(requestTimeout: .seconds(10), transport: URLSessionTransport(session: .shared))
    return try TokenManager.apiKeyExchange(tokenURL: tokenURL, apiKey: apiKey, options: options)
}

func sharedTokens(tokenURL: URL, apiKey: APIKey, directory: String) throws -> TokenManager {
    // In every process of the host: the same credential, the same store (on Linux, many
    // hosts: RedisStore(url: redisURL)). One token request per lifetime for them all.
    let options = TokenOptions(store: try FileStore(path: "\(directory)/tokens"))
    return try TokenManager.apiKeyExchange(tokenURL: tokenURL, apiKey: apiKey, options: options)
}

func appStoreConnectTokens(p8: String, keyID: String, issuerID: String) throws -> TokenManager {
    // p8: the text of AuthKey_<keyID>.p8 from App Store Connect, signed by the core (ES256).
    // On iOS (the mobile core has no built-in signer) use a Secure Enclave or keychain key:
    // SecKeySigner(privateKey: key, keyID: keyID), or your own JWTSigner conformance.
    let signer = try pemSigner(pem: p8, keyID: keyID)
    print(signer)  // PemSigner(ES256, keyID: 2X9R4HXF34, key: [redacted])
    return try TokenManager.appStoreConnect(issuerID: issuerID, signer: signer)
}

func explainFailure(_ tokens: TokenManager) async -> String {
    do {
        return try await tokens.authorization()
    } catch AuthError.network(.certificateUntrusted, _) {
        // A private CA or a TLS-inspecting proxy: trust its CA (on Linux: SSL_CERT_FILE).
        return "untrusted certificate"
    } catch AuthError.network(let kind, let reason) where !kind.isRetried {
        // Certificates, TLS, a host name that does not exist: failed at once, fix the setup.
        return "setup problem: \(reason)"
    } catch AuthError.network(let kind, _) {
        // Refused, timed out, reset...: authwire has retried already; try again later.
        return "network problem (\(kind)), try again later"
    } catch {
        return "\(error)"
    }
}

func sessionFromAnotherSDK(tokenURL: URL, accessToken: String, refreshToken: String, expiresIn: Duration) throws
    -> TokenManager
{
    // The tokens of a sign-in done with AppAuth (OIDTokenResponse) or Auth0 (Credentials):
    // from now on authwire refreshes them, saves each rotated refresh token and shares them.
    let tokens = try SessionTokens(accessToken: accessToken, refreshToken: refreshToken, expiresIn: expiresIn)
    return try TokenManager.userSession(
        tokenURL: tokenURL, clientID: "authwire-app", tokens: tokens,
        options: TokenOptions(transport: URLSessionTransport()))
}

func signIn(
    authorizationEndpoint: URL, tokenURL: URL, revocationURL: URL,
    browser: (_ url: URL, _ callbackScheme: String) async throws -> URL
) async throws -> TokenManager {
    let options = TokenOptions(transport: URLSessionTransport())
    let flow = try AuthorizationCodeFlow(
        authorizationEndpoint: authorizationEndpoint, tokenURL: tokenURL, clientID: "authwire-app",
        redirectURI: URL(string: "com.example.app:/oauth2redirect")!, scopes: ["openid", "profile", "read"],
        options: options)
    let callback = try await browser(flow.authorizationURL, "com.example.app")
    let tokens = try await flow.finish(redirectURL: callback)
    return try TokenManager.userSession(
        tokenURL: tokenURL, clientID: "authwire-app", tokens: tokens, revocationURL: revocationURL, options: options)
}

func signInOnATV(deviceAuthorizationURL: URL, tokenURL: URL, show: (DeviceCode) -> Void) async throws
    -> TokenManager
{
    let options = TokenOptions(transport: URLSessionTransport())
    let flow = try DeviceAuthorizationFlow(
        deviceAuthorizationURL: deviceAuthorizationURL, tokenURL: tokenURL, clientID: "authwire-app",
        scopes: ["read"], options: options)
    let code = try await flow.start()
    show(code)  // "Go to \(code.verificationURI) and enter \(code.userCode)"
    // Polls until the user approves; cancelling the Task (the user gave up) stops it.
    let tokens = try await flow.wait()
    return try TokenManager.userSession(tokenURL: tokenURL, clientID: "authwire-app", tokens: tokens, options: options)
}

func widgetHeader(appGroupContainer: URL, sealingKey: any SealingKey, tokenURL: URL) async throws -> String? {
    // The app and its widget open the same session: a FileStore in the app group's container,
    // sealed with a key both can read (on iOS: KeychainSealingKey(service:accessGroup:)).
    // Whichever refreshes first rotates the refresh token; the other adopts the result.
    let store = try FileStore(url: appGroupContainer.appendingPathComponent("session"))
    let session = try TokenManager.userSession(
        tokenURL: tokenURL, clientID: "authwire-app", sealingKey: sealingKey,
        options: TokenOptions(transport: URLSessionTransport(), store: store))
    do {
        return try await session.authorization()
    } catch AuthError.signInRequired {
        return nil  // Signed out, here or in the app: show "Open the app to sign in".
    }
}
