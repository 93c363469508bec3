// The rules of docs/api/conventions.md for Swift, held by the compiler and by reflection:
// - `tableSample()` calls every Swift name of the concept table: it compiles only while the
//   public surface spells them as the table does (acronyms uniformly cased, `Duration`, `Int`,
//   properties for data, labelled arguments);
// - the reflection checks walk values of every public enum and record type and fail on an
//   UpperCamel enum case, an unsigned associated value or property, or a name with a
//   mixed-case acronym (`Id`, `Jwt`, `Http`, `Api`, `Csrf`) or a unit suffix (`Ms`, `Secs`);
// - `testTheChecksFailOnABreach` runs the same checks on types that break each rule, so a
//   check that stopped finding anything would fail there.
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A host signer as the table writes it: `algorithm` and `keyID` are properties.
private final class TableSigner: JWTSigner {
    let algorithm: JWTAlgorithm = .es256
    let keyID: String? = "kid-1"
    func sign(_ message: Data) throws -> Data { throw SignerError.failed(reason: "not a real key") }
}

/// A host transport as the table writes it.
private final class TableTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw HTTPTransportError.classified(kind: .connectionRefused, reason: "no network here")
    }
}

/// A host store as the table writes it (`ttl` a `Duration`, lowerCamel error cases).
private final class TableStore: TokenStore {
    func read(key: String) throws -> Data? { throw StoreError.unavailable(reason: "down") }
    func write(key: String, value: Data, ttl: Duration) throws { throw StoreError.unavailable(reason: "down") }
    func compareAndDelete(key: String, expected: Data) throws -> Bool { false }
    func tryLock(key: String, owner: String, ttl: Duration) throws -> Bool { false }
    func unlock(key: String, owner: String) throws {}
}

/// Every Swift name of the concept table, called as the table writes it. Compiling it is the
/// check; running it checks the values that need no server.
private func tableSample(directory: URL) async throws {
    // Headers.
    let basic = try basicAuth(userID: "Aladdin", password: "open sesame")
    _ = try bearerAuth(token: "abc")
    _ = try schemeAuth(scheme: "SSWS", credentials: "00Qx")
    _ = try schemeAuthParams(scheme: "Token", params: ["token": "abc"])
    _ = try schemeAuthParams(scheme: "Token", params: [("token", "abc")])
    let credentials: BasicCredentials = try decodeBasic(headerValue: basic)
    let _: String = credentials.userID
    let _: String = credentials.password

    // API keys: a file (URL) vs its text, data as properties.
    let keyFile = directory.appendingPathComponent("key.json")
    try Data(#"{"appClientId": "app", "appClientSecret": "s", "encodedKey": "k"}"#.utf8).write(to: keyFile)
    let key = try APIKey(contentsOf: keyFile)
    let sameKey = try APIKey(json: String(decoding: try Data(contentsOf: keyFile), as: UTF8.self))
    let _: String? = key.appClientID
    let _: String? = key.appClientSecret
    let _: String = sameKey.encodedKey

    // Options: Durations, Ints, the host's transport and store.
    let store = try FileStore(path: directory.appendingPathComponent("tokens").path)
    _ = try FileStore(url: directory.appendingPathComponent("tokens-2"))
    var options = TokenOptions(requestTimeout: .seconds(15), maxAttempts: 3, transport: URLSessionTransport())
    options.store = store
    options.defaultLifetime = .seconds(3600)
    let _: (any HTTPTransport)? = options.transport
    _ = TokenOptions(transport: TableTransport(), store: TableStore())

    // The manager, its header, its token ("never expires" is nil), counters, events.
    let tokens = try TokenManager.staticToken("abc.def", lifetime: nil)
    let _: String = try await tokens.authorization()
    let _: String = try tokens.authorizationBlocking()
    let token: AccessToken = try await tokens.token()
    let _: Duration? = token.expiresIn
    precondition(token.expiresIn == nil, "a static token without a lifetime never expires")
    let _: String = token.value
    tokens.invalidate(token.authorization)
    let _: Int = tokens.stats.tokenRequests
    tokens.setListener { (event: AuthEvent) in
        if case .refreshRetrying(let attempt, let delay, _, _) = event {
            let _: Int = attempt
            let _: Duration = delay
        }
    }
    _ = try TokenManager.staticToken("abc.def", lifetime: .seconds(60))
    _ = try TokenManager.clientCredentials(
        tokenURL: URL(string: "https://auth.example.com/token")!, clientID: "id", clientSecret: "secret",
        options: options)
    _ = try TokenManager.apiKeyExchange(tokenURL: URL(string: "https://auth.example.com/token")!, apiKey: key)

    // Signers and signed JWTs: `JWTSigner`, `keyID`, `Duration` lifetimes, claims as a map.
    let signer: any JWTSigner = TableSigner()
    let _: JWTAlgorithm = signer.algorithm
    let _: String? = signer.keyID
    _ = try TokenManager.selfSignedJWT(
        signer: signer, issuer: "iss", audience: "aud", lifetime: .seconds(600), extraClaims: ["tenant": "acme"])
    _ = try TokenManager.appStoreConnect(issuerID: "issuer", signer: signer, lifetime: .seconds(1200))
    _ = try TokenManager.jwtBearer(
        tokenURL: URL(string: "https://auth.example.com/token")!, signer: signer, issuer: "iss", audience: "aud",
        extraClaims: ["scope": "s", "n": 1], lifetime: .seconds(180))
    let pemFile: (URL, String?) throws -> any JWTSigner = { try pemSigner(contentsOf: $0, keyID: $1) }
    let pemText: (String, String?) throws -> any JWTSigner = { try pemSigner(pem: $0, keyID: $1) }
    _ = (pemFile, pemText)
    let githubApp: (String, Int, any JWTSigner) throws -> TokenManager = {
        try TokenManager.githubApp(appID: $0, installationID: $1, signer: $2)
    }
    _ = githubApp

    // CSRF: the session, its headers as properties, reads without a token.
    let session = try CSRFSession(
        fetchURL: URL(string: "https://sap.example.com/api")!, userID: "user", password: "pw", fetchMethod: .head)
    let _: [String: String] = session.readHeaders
    let headers: (CSRFSession) async throws -> CSRFHeaders = { try await $0.headers() }
    _ = headers
    var request = URLRequest(url: URL(string: "https://api.example.com/")!)
    try await request.authorize(with: tokens)
    let authorize: (inout URLRequest, CSRFHeaders) -> Void = { $0.authorize(with: $1) }
    _ = authorize

    // Errors: `Int` status, `Duration` waits, lowerCamel cases everywhere.
    let errors: [AuthError] = [
        .unauthorized(status: 401, serverMessage: "no"), .rateLimited(retryAfter: .seconds(2)),
        .refreshLoop(refreshes: 10, window: .seconds(60)),
    ]
    for error in errors {
        switch error {
        case .unauthorized(let status, _): let _: Int = status
        case .rateLimited(let retryAfter): let _: Duration? = retryAfter
        case .refreshLoop(let refreshes, let window):
            let _: Int = refreshes
            let _: Duration = window
        default: break
        }
    }
    let _: [any Error] = [
        HTTPTransportError.network(reason: "r"), SignerError.failed(reason: "r"), StoreError.invalidConfiguration(reason: "r"),
    ]
    let response = HTTPResponse(status: 200, headers: [HTTPHeader(name: "a", value: "b")], body: Data())
    let _: Int = response.status

    // User sessions: `Duration` lifetimes, `URL`s, `clientID`, async calls with `*Blocking`
    // twins, a host `SealingKey`.
    let sessionTokens = try SessionTokens(
        accessToken: "at", refreshToken: "rt", expiresIn: .seconds(3600), scope: "read", idToken: nil)
    let _: Duration? = sessionTokens.expiresIn
    let _: String = sessionTokens.refreshToken
    let _: String? = sessionTokens.idToken
    _ = try SessionTokens(tokenResponse: #"{"access_token": "at", "token_type": "Bearer", "refresh_token": "rt"}"#)
    let sealingKey: any SealingKey = KeyFileSealingKey(path: directory.appendingPathComponent("session.key").path)
    let _: Data = try sealingKey.key()
    _ = try KeyFileSealingKey(url: directory.appendingPathComponent("session.key"))
    let userSession = try TokenManager.userSession(
        tokenURL: URL(string: "https://auth.example.com/token")!, clientID: "app", tokens: sessionTokens,
        revocationURL: URL(string: "https://auth.example.com/revoke")!, sealingKey: TableSealingKey(),
        options: TokenOptions(store: store))
    let signOut: (TokenManager) async throws -> Void = { try await $0.signOut() }
    let signOutBlocking: (TokenManager) throws -> Void = { try $0.signOutBlocking() }
    _ = (userSession, signOut, signOutBlocking)
    let flow = try AuthorizationCodeFlow(
        authorizationEndpoint: URL(string: "https://auth.example.com/authorize")!,
        tokenURL: URL(string: "https://auth.example.com/token")!, clientID: "app",
        redirectURI: URL(string: "com.example.app:/oauth2redirect")!, scopes: ["openid"])
    let _: URL = flow.authorizationURL
    let _: String? = flow.nonce
    let finish: (AuthorizationCodeFlow, URL) async throws -> SessionTokens = { try await $0.finish(redirectURL: $1) }
    let finishBlocking: (AuthorizationCodeFlow, URL) throws -> SessionTokens = { try $0.finishBlocking(redirectURL: $1) }
    _ = (finish, finishBlocking)
    let device = try DeviceAuthorizationFlow(
        deviceAuthorizationURL: URL(string: "https://auth.example.com/device")!,
        tokenURL: URL(string: "https://auth.example.com/token")!, clientID: "tv", scopes: ["read"])
    let start: (DeviceAuthorizationFlow) async throws -> DeviceCode = { try await $0.start() }
    let wait: (DeviceAuthorizationFlow) async throws -> SessionTokens = { try await $0.wait() }
    let blocking: (DeviceAuthorizationFlow) throws -> (DeviceCode, SessionTokens) = {
        (try $0.startBlocking(), try $0.waitBlocking())
    }
    _ = (start, wait, blocking)
    device.cancel()
    let showCode: (DeviceCode) -> (String, URL, URL?, Duration, Duration) = {
        ($0.userCode, $0.verificationURI, $0.verificationURIComplete, $0.expiresIn, $0.interval)
    }
    _ = showCode
    for error in [AuthError.signInRequired(reason: "r"), AuthError.cancelled(reason: "r")] {
        switch error {
        case .signInRequired(let reason), .cancelled(let reason): let _: String = reason
        default: break
        }
    }
}

/// A host sealing key as the table writes it (`key()` returns `Data`, throws `StoreError`).
private final class TableSealingKey: SealingKey {
    func key() throws -> Data { throw StoreError.unavailable(reason: "locked") }
}

/// What the reflection checks found wrong, one sentence per breach.
private func breaches(ofEnumValue value: Any) -> [String] {
    let typeName = String(describing: type(of: value))
    var found: [String] = []
    let mirror = Mirror(reflecting: value)
    // A case with a payload reflects as one child labelled with the case name; a case
    // without one prints as its name.
    let caseName = mirror.children.first?.label ?? String(describing: value)
    if let first = caseName.first, first.isUppercase {
        found.append("\(typeName).\(caseName): an enum case must be lowerCamelCase")
    }
    found += badNames([caseName], in: typeName)
    if let payload = mirror.children.first?.value {
        // Several associated values reflect as a labelled tuple; a single one as itself.
        let tuple = Mirror(reflecting: payload)
        let values =
            tuple.displayStyle == .tuple
            ? tuple.children.map { ($0.label, $0.value) } : [(label: String?.none, value: payload)]
        for (label, fieldValue) in values {
            if let label, !label.hasPrefix(".") { found += badNames([label], in: "\(typeName).\(caseName)") }
            if isUnsigned(fieldValue) {
                found.append("\(typeName).\(caseName)(\(label ?? "_")): \(type(of: fieldValue)) is unsigned; use Int")
            }
        }
    }
    return found
}

/// Breaches among a record's stored properties (its default mirror).
private func breaches(ofRecord value: Any) -> [String] {
    let typeName = String(describing: type(of: value))
    var found = badNames([typeName], in: "type")
    for child in Mirror(reflecting: value).children {
        guard let label = child.label else { continue }
        found += badNames([label], in: typeName)
        if isUnsigned(child.value) {
            found.append("\(typeName).\(label): \(type(of: child.value)) is unsigned; use Int")
        }
    }
    return found
}

private func isUnsigned(_ value: Any) -> Bool {
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
        // `nil` of any type would match `is UInt?`: look at the wrapped value, or at the type.
        guard let wrapped = mirror.children.first?.value else {
            return ["UInt", "UInt8", "UInt16", "UInt32", "UInt64"].map { "Optional<\($0)>" }
                .contains(String(describing: type(of: value)))
        }
        return isUnsigned(wrapped)
    }
    switch value {
    case is UInt, is UInt8, is UInt16, is UInt32, is UInt64: return true
    default: return false
    }
}

/// Names with a mixed-case acronym (`clientId`, `JwtSigner`, `HttpHeader`, `ApiKey`,
/// `CsrfSession`, `tokenUrl`) or a unit suffix (`timeoutMs`, `lifetimeSecs`).
private func badNames(_ names: [String], in context: String) -> [String] {
    let acronym = try! NSRegularExpression(pattern: "(Id|Jwt|Http|Api|Csrf|Url|Json)([A-Z]|$)")
    let unit = try! NSRegularExpression(pattern: "[a-z](Ms|Secs|Millis)$")
    return names.flatMap { name -> [String] in
        let range = NSRange(name.startIndex..., in: name)
        var found: [String] = []
        if acronym.firstMatch(in: name, range: range) != nil {
            found.append("\(context): \(name) mixes an acronym's case (ID, JWT, HTTP, API, CSRF, URL, JSON)")
        }
        if unit.firstMatch(in: name, range: range) != nil {
            found.append("\(context): \(name) carries a unit; use Duration")
        }
        return found
    }
}

final class ConventionsTests: XCTestCase {
    func testTheTableSampleCompilesAndRuns() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("authwire-conventions-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await tableSample(directory: directory)
    }

    /// A value of every case of every public enum (errors, events, kinds).
    static var enumValues: [Any] {
        let kind = NetworkErrorKind.connectionRefused
        var values: [Any] = [
            AuthError.invalidInput(reason: "r"), AuthError.invalidConfiguration(reason: "r"),
            AuthError.network(kind: kind, reason: "r"), AuthError.unauthorized(status: 401, serverMessage: "m"),
            AuthError.oauth(status: 400, error: "invalid_client", description: "d"),
            AuthError.rateLimited(retryAfter: .seconds(1)), AuthError.server(status: 500, serverMessage: "m"),
            AuthError.httpStatus(status: 404, serverMessage: "m"), AuthError.invalidResponse(reason: "r"),
            AuthError.refreshLoop(refreshes: 10, window: .seconds(60)),
            HTTPTransportError.network(reason: "r"), HTTPTransportError.classified(kind: kind, reason: "r"),
            SignerError.failed(reason: "r"),
            StoreError.unavailable(reason: "r"), StoreError.invalidConfiguration(reason: "r"),
            AuthEvent.tokenRequested(attempt: 1), AuthEvent.tokenRefreshed(lifetime: .seconds(1), refreshIn: nil),
            AuthEvent.refreshRetrying(attempt: 1, delay: .seconds(1), networkKind: kind, reason: "r"),
            AuthEvent.refreshFailed(networkKind: nil, reason: "r", servingStale: true), AuthEvent.tokenInvalidated,
            AuthEvent.storeTokenAdopted(age: .seconds(1)), AuthEvent.storeUnavailable(reason: "r", retryIn: .seconds(1)),
            AuthEvent.storeRecovered, AuthEvent.storeEntryRejected(reason: "r"), AuthEvent.storeWaitTimedOut(waited: .seconds(1)),
            AuthEvent.sessionEnded(reason: "r"), AuthError.signInRequired(reason: "r"), AuthError.cancelled(reason: "r"),
            JWTAlgorithm.rs256, JWTAlgorithm.es256, CSRFFetchMethod.head, CSRFFetchMethod.get,
            ClientAuthMethod.clientSecretBasic, ClientAuthMethod.clientSecretPost, ClientAuthMethod.clientSecretBasicUnencoded,
            ExpiryFormat.secondsFromNow, ExpiryFormat.epochSeconds, ExpiryFormat.epochMilliseconds, ExpiryFormat.rfc3339,
        ]
        let kinds: [NetworkErrorKind] = [
            .nameNotResolved, .nameResolutionTemporary, .connectionRefused, .connectTimeout, .readTimeout,
            .connectionReset, .certificateUntrusted, .certificateExpired, .certificateWrongName, .certificateRevoked,
            .tlsHandshake, .proxy, .other,
        ]
        values += kinds.map { $0 as Any }
        return values
    }

    func testEnumCasesAreLowerCamelWithoutUnsignedValues() {
        let found = Self.enumValues.flatMap(breaches(ofEnumValue:))
        XCTAssertEqual(found, [], found.joined(separator: "\n"))
    }

    func testRecordsHaveNoUnsignedPropertiesOrUnitNames() throws {
        let records: [Any] = [
            TokenOptions(),
            HTTPResponse(status: 200, headers: [], body: Data()),
            BasicCredentials(userID: "u", password: "p"),
        ]
        let found = records.flatMap(breaches(ofRecord:))
        XCTAssertEqual(found, [], found.joined(separator: "\n"))
    }

    func testPublicTypeNamesSpellAcronymsUniformly() {
        let types: [Any.Type] = [
            APIKey.self, (any JWTSigner).self, JWTAlgorithm.self, (any HTTPTransport).self, HTTPRequest.self,
            HTTPResponse.self,
            HTTPHeader.self, HTTPTransportError.self, CSRFSession.self, CSRFHeaders.self, CSRFFetchMethod.self,
            SignerError.self, StoreError.self, (any TokenStore).self, FileStore.self, TokenOptions.self, TokenStats.self,
            AuthEvent.self, AuthError.self, AccessToken.self, TokenManager.self, URLSessionTransport.self,
            BasicCredentials.self, NetworkErrorKind.self, SessionTokens.self, (any SealingKey).self,
            KeyFileSealingKey.self, AuthorizationCodeFlow.self, DeviceAuthorizationFlow.self, DeviceCode.self,
        ]
        let found = types.flatMap { badNames([String(describing: $0)], in: "type") }
        XCTAssertEqual(found, [], found.joined(separator: "\n"))
    }

    /// The checks themselves: each finds the breach it is there for.
    func testTheChecksFailOnABreach() {
        enum Legacy { case Failed(code: UInt16), timedOut(timeoutMs: Int, reason: String), ok, later(UInt64?, String) }
        struct HttpOptions {
            let requestTimeoutMs: UInt64
            let clientId: String
        }
        XCTAssertEqual(
            breaches(ofEnumValue: Legacy.Failed(code: 1)),
            ["Legacy.Failed: an enum case must be lowerCamelCase", "Legacy.Failed(code): UInt16 is unsigned; use Int"])
        XCTAssertEqual(
            breaches(ofEnumValue: Legacy.timedOut(timeoutMs: 1, reason: "r")), ["Legacy.timedOut: timeoutMs carries a unit; use Duration"])
        XCTAssertEqual(breaches(ofEnumValue: Legacy.ok), [])
        XCTAssertEqual(
            breaches(ofEnumValue: Legacy.later(nil, "r")), ["Legacy.later(.0): Optional<UInt64> is unsigned; use Int"])
        XCTAssertEqual(
            breaches(ofRecord: HttpOptions(requestTimeoutMs: 1, clientId: "c")),
            [
                "type: HttpOptions mixes an acronym's case (ID, JWT, HTTP, API, CSRF, URL, JSON)",
                "HttpOptions: requestTimeoutMs carries a unit; use Duration",
                "HttpOptions.requestTimeoutMs: UInt64 is unsigned; use Int",
                "HttpOptions: clientId mixes an acronym's case (ID, JWT, HTTP, API, CSRF, URL, JSON)",
            ])
    }
}
