// Uses the Authwire product the way an app does: headers, a token manager, URLRequest, errors.
import Authwire
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A signer of the app's own, as an outside package writes one: `algorithm` and `keyID` are
/// properties, failures are `SignerError.failed(reason:)`.
final class AppSigner: JWTSigner {
    let algorithm: JWTAlgorithm = .es256
    let keyID: String? = "app-key"
    func sign(_ message: Data) throws -> Data { throw SignerError.failed(reason: "the key is in another castle") }
}

/// A transport of the app's own: `Int` status, `Duration` timeout, lowerCamel error cases.
final class AppTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let _: Duration = request.timeout
        let _: Int = request.maxBodyBytes
        throw HTTPTransportError.classified(kind: .connectionRefused, reason: "offline")
    }
}

/// A sealing key of the app's own (a locked device): `key()` gives `Data`, a transient failure
/// is `StoreError.unavailable(reason:)`.
final class AppSealingKey: SealingKey {
    func key() throws -> Data { throw StoreError.unavailable(reason: "the device is locked") }
}

func run() async throws {
    let basic = try basicAuth(userID: "Aladdin", password: "open sesame")
    precondition(basic == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", basic)
    let decoded = try decodeBasic(headerValue: basic)
    precondition(decoded.userID == "Aladdin" && decoded.password == "open sesame")
    precondition(!"\(decoded)".contains("open sesame"))

    let tokens = try TokenManager.staticToken("consumer.token", lifetime: .seconds(60))
    let header = try await tokens.authorization()
    precondition(header == "Bearer consumer.token", header)
    var request = URLRequest(url: URL(string: "https://api.example.com/things")!)
    try await request.authorize(with: tokens)
    precondition(request.value(forHTTPHeaderField: "Authorization") == header)

    // Options in Durations and Ints, the app's transport, "never expires" as nil.
    let options = TokenOptions(requestTimeout: .seconds(2), maxAttempts: 1, transport: AppTransport())
    let offline = try TokenManager.apiKeyExchange(
        tokenURL: URL(string: "https://auth.example.com/token")!, apiKey: try APIKey(encodedKey: "k"), options: options)
    do {
        _ = try await offline.authorization()
        preconditionFailure("no error")
    } catch AuthError.network(let kind, _) {
        precondition(kind == .connectionRefused, "\(kind)")
    }
    let forever = try await TokenManager.staticToken("forever.token").token()
    precondition(forever.expiresIn == nil)
    let signed = try TokenManager.selfSignedJWT(
        signer: AppSigner(), issuer: "app", audience: "api", lifetime: .seconds(300), extraClaims: ["tenant": "acme"])
    do {
        _ = try await signed.authorization()
        preconditionFailure("no error")
    } catch let error as AuthError {
        guard case .invalidConfiguration = error else { preconditionFailure("\(error)") }
    }
    let status: (AuthError) -> Int? = {
        if case .unauthorized(let status, _) = $0 { return status }
        return nil
    }
    precondition(status(.unauthorized(status: 401, serverMessage: "no")) == 401)

    do {
        _ = try bearerAuth(token: "two words")
        preconditionFailure("no error")
    } catch let error as AuthError {
        guard case .invalidInput = error else { preconditionFailure("\(error)") }
        print("typed error: \(error.localizedDescription)")
    }
    // A user session from tokens obtained elsewhere; its errors are typed cases.
    let sessionTokens = try SessionTokens(accessToken: "at.consumer", refreshToken: "rt.consumer", expiresIn: .seconds(60))
    precondition(!"\(sessionTokens)".contains("rt.consumer"))
    let session = try TokenManager.userSession(
        tokenURL: URL(string: "https://auth.example.com/token")!, clientID: "app", tokens: sessionTokens,
        sealingKey: AppSealingKey())
    let sessionHeader = try await session.authorization()
    precondition(sessionHeader == "Bearer at.consumer", sessionHeader)
    try await session.signOut()
    do {
        _ = try await session.authorization()
        preconditionFailure("no error")
    } catch AuthError.signInRequired(let reason) {
        print("signed out: \(reason)")
    }
    print("authwire-consumer: headers, tokens and URLRequest work; \(tokens)")
}

try await run()
