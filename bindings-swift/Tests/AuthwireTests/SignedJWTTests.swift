// Signed-JWT sources against REAL verifiers (tests/scenarios/jwt_servers.py, started once for
// the class): PyJWT checks the Google, GitHub and App Store Connect JWTs (signature, alg, kid,
// iss, aud, iat/exp bounds), Authlib checks private_key_jwt, and Google stand-ins whose clocks
// run 10 minutes ahead or behind check the server-time correction. A signer written in Swift
// (the JWTSigner protocol, called by the core through the FFI) passes the same verifiers.
//
// The servers need a Python with cryptography, PyJWT, Authlib and Flask: AUTHWIRE_TEST_PYTHON,
// else <repo>/.venv/bin/python; with neither the tests are skipped. The mobile core has no
// built-in signer and no HTTP client of its own: there MobileCoreTests checks the signer errors.
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The ready line of tests/scenarios/jwt_servers.py (a ``PythonServer``), with helpers for its
/// endpoints.
final class JwtServers: @unchecked Sendable {
    let ready: [String: Any]

    init(_ server: PythonServer) {
        ready = server.ready
    }

    var base: String { ready["base"] as! String }
    var authlib: String { ready["authlib"] as! String }
    var google: [String: Any] { ready["google_key_json"] as! [String: Any] }
    var github: [String: Any] { ready["github"] as! [String: Any] }
    var asc: [String: Any] { ready["asc"] as! [String: Any] }
    var clientEmail: String { google["client_email"] as! String }
    var googleKeyId: String { google["private_key_id"] as! String }

    /// A PEM of the ready line's `keys`.
    func key(_ name: String) -> String {
        (ready["keys"] as! [String: String])[name]!
    }

    /// The Google key file's JSON text, its `token_uri` on the server `skew` s off, in `namespace`.
    func googleKey(skew: Int, _ namespace: String, privateKey: String? = nil) -> String {
        var key = google
        key["token_uri"] = "\(base)/google/\(skew).\(namespace)/token"
        if let privateKey { key["private_key"] = privateKey }
        return String(decoding: try! JSONSerialization.data(withJSONObject: key), as: UTF8.self)
    }

    /// `GET url` with an optional `Authorization`: the status and the JSON body.
    func get(_ url: String, authorization: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as! HTTPURLResponse).statusCode, body)
    }

    /// The counters of `<base>/<path>/stats` (e.g. `google/0.grant`).
    func stats(_ path: String) async throws -> [String: Any] {
        let (status, body) = try await get("\(base)/\(path)/stats")
        XCTAssertEqual(status, 200, "\(body)")
        return body
    }

    /// Registers `publicPem` under `kid` (`PUT /keys/<kid>`).
    func register(kid: String, publicPem: String) async throws {
        var request = URLRequest(url: URL(string: "\(base)/keys/\(kid)")!)
        request.httpMethod = "PUT"
        request.httpBody = Data(publicPem.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        XCTAssertEqual((response as! HTTPURLResponse).statusCode, 201, String(decoding: data, as: UTF8.self))
    }

    /// The body lines of every private key the servers printed (what must never show).
    var keyMaterial: [String] {
        ["rsa_pkcs8", "rsa_pkcs1", "ec_pkcs8", "ec_sec1", "wrong_rsa_pkcs8", "ec_p384_pkcs8", "rsa_encrypted"]
            .flatMap { key($0).split(separator: "\n").map(String.init) }
            .filter { !$0.hasPrefix("-----") && $0.count >= 16 }
    }
}

/// The servers of the running class: started in `class func setUp()`, stopped in `tearDown()`.
private let jwtSlot = PythonServerSlot(
    script: "jwt_servers.py", needs: "cryptography, PyJWT, Authlib and Flask", view: JwtServers.init)

/// A signer implemented in Swift: it signs with a `pemSigner` (the only key material Swift on
/// Linux can use without swift-crypto) but is NOT the core's object, so every signature is a
/// call from Rust into Swift through the FFI. It counts its calls, and for ES256 it returns the
/// DER `ECDSA-Sig-Value` that `SecKeyCreateSignature` and JCA return, which the core converts.
final class SwiftTestSigner: JWTSigner, @unchecked Sendable, CustomStringConvertible {
    private let inner: any JWTSigner
    private let kid: String?
    private let der: Bool
    private let lock = NSLock()
    private var count = 0  // guarded by `lock`

    init(pem: String, keyID: String?, der: Bool = true) throws {
        inner = try pemSigner(pem: pem)
        kid = keyID
        self.der = der
    }

    var calls: Int { lock.withLock { count } }

    var algorithm: JWTAlgorithm { inner.algorithm }
    var keyID: String? { kid }

    func sign(_ message: Data) throws -> Data {
        lock.withLock { count += 1 }
        let signature = try inner.sign(message)
        guard inner.algorithm == .es256, der else { return signature }
        precondition(signature.count == 64, "ring's ES256 signature is r || s")
        return derSignature(raw: signature)
    }

    var description: String { "SwiftTestSigner(key: [redacted])" }
}

/// A raw `r || s` ECDSA signature as DER: SEQUENCE { INTEGER r, INTEGER s }.
func derSignature(raw: Data) -> Data {
    func integer(_ bytes: Data.SubSequence) -> [UInt8] {
        var value = Array(bytes.drop { $0 == 0 })
        if value.isEmpty { value = [0] }
        if value[0] & 0x80 != 0 { value.insert(0, at: 0) }
        return [0x02, UInt8(value.count)] + value
    }
    let body = integer(raw.prefix(32)) + integer(raw.suffix(32))
    return Data([0x30, UInt8(body.count)] + body)
}

/// A signer that always refuses, as a locked keystore does.
final class RefusingSigner: JWTSigner {
    var algorithm: JWTAlgorithm { .rs256 }
    var keyID: String? { nil }
    func sign(_ message: Data) throws -> Data {
        throw SignerError.failed(reason: "the key is locked until the user authenticates")
    }
}

final class SignedJWTTests: XCTestCase {
    private var servers: JwtServers!
    private let cloudPlatform = ["https://www.googleapis.com/auth/cloud-platform"]

    override class func setUp() {
        super.setUp()
        #if !AUTHWIRE_MOBILE_CORE
            jwtSlot.start()
        #endif
    }

    override class func tearDown() {
        jwtSlot.stop()
        super.tearDown()
    }

    override func setUpWithError() throws {
        #if AUTHWIRE_MOBILE_CORE
            throw XCTSkip("the mobile core has no built-in JWT signer and no HTTP client (see MobileCoreTests)")
        #else
            servers = try jwtSlot.current()
        #endif
    }

    /// None of `value`'s renderings shows a line of a private key (the core's messages may
    /// name a PEM boundary such as `-----END PRIVATE KEY-----`, never a line of the key).
    func assertNoKeyMaterial(_ value: Any, file: StaticString = #filePath, line: UInt = #line) {
        var texts = renderings(value)
        if let error = value as? Error { texts.append(error.localizedDescription) }
        for text in texts {
            for keyLine in servers.keyMaterial {
                XCTAssertFalse(text.contains(keyLine), "key material shows in \(text)", file: file, line: line)
            }
        }
    }

    /// `body` throws `AuthError.invalidConfiguration` whose reason contains `says`.
    func assertInvalidConfiguration(
        _ says: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Any
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard case AuthError.invalidConfiguration(let reason) = error else {
                return XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertTrue(reason.contains(says), reason, file: file, line: line)
            assertNoKeyMaterial(error, file: file, line: line)
        }
    }

    func testGoogleServiceAccountGrantFromAKeyFilePassesPyJWT() async throws {
        let ns = "grant-\(freshNamespace())"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(ns).json")
        try servers.googleKey(skew: 0, ns).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let tokens = try TokenManager.googleServiceAccount(contentsOf: file, scopes: cloudPlatform)
        let header = try await tokens.authorization()
        XCTAssertTrue(header.hasPrefix("Bearer ya29."), header)
        let token = try await tokens.token()
        XCTAssertTrue((Duration.seconds(3597)...Duration.seconds(3599)).contains(token.expiresIn!), "\(String(describing: token.expiresIn))")
        let stats = try await servers.stats("google/0.\(ns)")
        XCTAssertEqual(stats["accepted"] as? Int, 1, "\(stats)")
        XCTAssertEqual(stats["rejected"] as? Int, 0, "\(stats)")
        let last = stats["last"] as! [String: Any]
        let jwtHeader = last["jwt_header"] as! [String: Any]
        let claims = last["jwt_claims"] as! [String: Any]
        XCTAssertEqual(jwtHeader["alg"] as? String, "RS256")
        XCTAssertEqual(jwtHeader["kid"] as? String, servers.googleKeyId)
        XCTAssertEqual(claims["iss"] as? String, servers.clientEmail)
        XCTAssertEqual(claims["aud"] as? String, "\(servers.base)/google/0.\(ns)/token")
        XCTAssertEqual(claims["scope"] as? String, cloudPlatform[0])
        XCTAssertEqual((claims["exp"] as! Int) - (claims["iat"] as! Int), 3600)
        // The token is the server's: its resource accepts it.
        let (status, _) = try await servers.get("\(servers.base)/google/0.\(ns)/resource", authorization: header)
        XCTAssertEqual(status, 200)
        assertNoKeyMaterial(tokens)
        XCTAssertEqual(tokens.stats.tokenRequests, 1)
    }

    func testGoogleSelfSignedJWTPassesPyJWTWithoutARequest() async throws {
        let audience = "https://pubsub.googleapis.com/"
        let json = servers.googleKey(skew: 0, "self")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(freshNamespace()).json")
        try json.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        for tokens in [
            try TokenManager.googleServiceAccountJWT(json: json, audience: audience),
            try TokenManager.googleServiceAccountJWT(contentsOf: file, audience: audience),
        ] {
            let header = try await tokens.authorization()
            let (status, body) = try await servers.get(
                "\(servers.base)/verify/google-self-signed?aud=\(audience)", authorization: header)
            XCTAssertEqual(status, 200, "\(body)")
            let claims = body["claims"] as! [String: Any]
            XCTAssertEqual(claims["iss"] as? String, servers.clientEmail)
            XCTAssertEqual(claims["sub"] as? String, servers.clientEmail)
            XCTAssertEqual((body["header"] as! [String: Any])["kid"] as? String, servers.googleKeyId)
            XCTAssertEqual(tokens.stats.tokenRequests, 1, "signed here, no request")
            assertNoKeyMaterial(tokens)
        }
    }

    func testAppStoreConnectJWTsFromPkcs8AndSec1KeysPassPyJWT() async throws {
        let keyID = servers.asc["key_id"] as! String
        let issuer = servers.asc["issuer_id"] as! String
        for name in ["ec_pkcs8", "ec_sec1"] {
            let signer = try pemSigner(pem: servers.key(name), keyID: keyID)
            XCTAssertEqual(signer.algorithm, .es256)
            let tokens = try TokenManager.appStoreConnect(issuerID: issuer, signer: signer)
            let (status, body) = try await servers.get(
                "\(servers.base)/verify/asc", authorization: try await tokens.authorization())
            XCTAssertEqual(status, 200, "\(name): \(body)")
            XCTAssertEqual((body["header"] as! [String: Any])["alg"] as? String, "ES256")
            XCTAssertEqual((body["header"] as! [String: Any])["kid"] as? String, keyID)
            XCTAssertEqual((body["claims"] as! [String: Any])["aud"] as? String, "appstoreconnect-v1")
            let token = try await tokens.token()
            XCTAssertLessThanOrEqual(token.expiresIn!, .seconds(1200))
            XCTAssertLessThan(token.refreshIn!, .seconds(1200))
        }
        // App Store Connect takes ES256 with a key id, for 20 minutes at most.
        let rsa = try pemSigner(pem: servers.key("rsa_pkcs8"), keyID: keyID)
        assertInvalidConfiguration("ES256") { try TokenManager.appStoreConnect(issuerID: issuer, signer: rsa) }
        let noKid = try pemSigner(pem: servers.key("ec_pkcs8"))
        assertInvalidConfiguration("key id") { try TokenManager.appStoreConnect(issuerID: issuer, signer: noKid) }
        let ec = try pemSigner(pem: servers.key("ec_pkcs8"), keyID: keyID)
        assertInvalidConfiguration("1200") {
            try TokenManager.appStoreConnect(issuerID: issuer, signer: ec, lifetime: .seconds(1201))
        }
    }

    func testGitHubAppInstallationTokenFromAPkcs1KeyExpiresFromExpiresAt() async throws {
        let ns = "0.\(freshNamespace())"
        let signer = try pemSigner(pem: servers.key("rsa_pkcs1"))
        let tokens = try TokenManager.githubApp(
            appID: servers.github["app_id"] as! String,
            installationID: servers.github["installation_id"] as! Int, signer: signer,
            apiURL: URL(string: "\(servers.base)/github/\(ns)")!)
        let token = try await tokens.token()
        XCTAssertTrue(token.value.hasPrefix("ghs_"))
        XCTAssertTrue(
            (Duration.seconds(3595)...Duration.seconds(3601)).contains(token.expiresIn!), "expires_at: \(String(describing: token.expiresIn))")
        let stats = try await servers.stats("github/\(ns)")
        let claims = (stats["last"] as! [String: Any])["jwt_claims"] as! [String: Any]
        XCTAssertEqual(claims["iss"] as? String, "123456")
        XCTAssertEqual((claims["exp"] as! Int) - (claims["iat"] as! Int), 600)
        let (status, body) = try await servers.get(
            "\(servers.base)/github/\(ns)/installation/repositories", authorization: token.authorization)
        XCTAssertEqual(status, 200, "\(body)")
    }

    func testPrivateKeyJWTPassesAuthlibWithRS256AndES256AndAFreshJti() async throws {
        let ns = freshNamespace()
        let client = servers.ready["private_key_jwt"] as! [String: Any]
        let tokenURL = URL(string: "\(servers.authlib)/oauth/\(ns)/token")!
        for (name, kid) in [("rsa_pkcs8", nil), ("ec_pkcs8", servers.asc["key_id"] as? String)] {
            let tokens = try TokenManager.clientCredentialsPrivateKeyJWT(
                tokenURL: tokenURL, clientID: client["client_id"] as! String,
                signer: try pemSigner(pem: servers.key(name), keyID: kid), scopes: ["read"])
            let first = try await tokens.authorization()
            let (status, body) = try await servers.get(
                "\(servers.authlib)/api/resource?scope=read", authorization: first)
            XCTAssertEqual(status, 200, "\(name): \(body)")
            XCTAssertEqual(body["client_id"] as? String, client["client_id"] as? String)
            // A second assertion has its own jti: Authlib refuses a replayed one.
            XCTAssertTrue(tokens.invalidate(first))
            let second = try await tokens.authorization()
            XCTAssertNotEqual(first, second)
        }
        let (_, stats) = try await servers.get("\(servers.authlib)/oauth/\(ns)/stats")
        XCTAssertEqual(stats["accepted"] as? Int, 4, "\(stats)")
        XCTAssertEqual(stats["jti_seen"] as? Int, 4, "\(stats)")
        XCTAssertEqual(stats["jti_duplicates"] as? Int, 0, "\(stats)")
    }

    /// A signer written in Swift crosses the FFI for every signature, with its own registered
    /// keys: RS256 for a JWT-bearer grant (Google's verifier), a GitHub App and private_key_jwt
    /// (Authlib); ES256 returned as DER for App Store Connect and private_key_jwt.
    func testASignerWrittenInSwiftPassesPyJWTAndAuthlib() async throws {
        let ns = freshNamespace()
        let rsaKid = "swift-rsa-\(ns)"
        let ecKid = "swift-ec-\(ns)"
        try await servers.register(kid: rsaKid, publicPem: servers.key("rsa_public_pem"))
        try await servers.register(kid: ecKid, publicPem: servers.key("ec_public_pem"))
        let rsa = try SwiftTestSigner(pem: servers.key("rsa_pkcs8"), keyID: rsaKid)
        let ec = try SwiftTestSigner(pem: servers.key("ec_pkcs8"), keyID: ecKid, der: true)

        // Google's verifier, through the generic JWT-bearer grant.
        let grantURL = "\(servers.base)/google/0.swift-\(ns)/token"
        let grant = try TokenManager.jwtBearer(
            tokenURL: URL(string: grantURL)!, signer: rsa, issuer: servers.clientEmail, audience: grantURL,
            extraClaims: ["scope": "https://www.googleapis.com/auth/cloud-platform"])
        let grantHeader = try await grant.authorization()
        XCTAssertTrue(grantHeader.hasPrefix("Bearer ya29."), grantHeader)
        let grantStats = try await servers.stats("google/0.swift-\(ns)")
        XCTAssertEqual(
            ((grantStats["last"] as! [String: Any])["jwt_header"] as! [String: Any])["kid"] as? String, rsaKid)
        XCTAssertEqual(rsa.calls, 1)

        // A GitHub App.
        let github = try TokenManager.githubApp(
            appID: servers.github["app_id"] as! String,
            installationID: servers.github["installation_id"] as! Int, signer: rsa,
            apiURL: URL(string: "\(servers.base)/github/0.swift-\(ns)")!)
        let installation = try await github.token()
        XCTAssertTrue(installation.value.hasPrefix("ghs_"))
        XCTAssertEqual(rsa.calls, 2)

        // App Store Connect, ES256 as DER.
        let asc = try TokenManager.appStoreConnect(issuerID: servers.asc["issuer_id"] as! String, signer: ec)
        let (status, body) = try await servers.get("\(servers.base)/verify/asc", authorization: try await asc.authorization())
        XCTAssertEqual(status, 200, "\(body)")
        XCTAssertEqual((body["header"] as! [String: Any])["kid"] as? String, ecKid)
        XCTAssertEqual(ec.calls, 1)

        // Authlib's private_key_jwt, RS256 and ES256 (DER).
        let client = servers.ready["private_key_jwt"] as! [String: Any]
        for signer in [rsa, ec] {
            let before = signer.calls
            let tokens = try TokenManager.clientCredentialsPrivateKeyJWT(
                tokenURL: URL(string: "\(servers.authlib)/oauth/swift-\(ns)/token")!,
                clientID: client["client_id"] as! String, signer: signer)
            let header = try await tokens.authorization()
            let (status, body) = try await servers.get("\(servers.authlib)/api/resource", authorization: header)
            XCTAssertEqual(status, 200, "\(signer.algorithm): \(body)")
            XCTAssertTrue(tokens.invalidate(header))
            _ = try await tokens.authorization()
            XCTAssertEqual(signer.calls, before + 2)
        }
        // Self-signed, to an audience of our own: PyJWT's Google verifier takes any aud.
        let selfSigned = try TokenManager.selfSignedJWT(
            signer: rsa, issuer: servers.clientEmail, audience: "https://example.googleapis.com/",
            subject: servers.clientEmail)
        let (selfStatus, selfBody) = try await servers.get(
            "\(servers.base)/verify/google-self-signed?aud=https://example.googleapis.com/",
            authorization: try await selfSigned.authorization())
        XCTAssertEqual(selfStatus, 200, "\(selfBody)")
    }

    func testASignerThatThrowsIsAConfigurationErrorWithItsReason() async throws {
        let tokens = try TokenManager.selfSignedJWT(signer: RefusingSigner(), issuer: "me", audience: "you")
        let error = await thrownError { try await tokens.authorization() }
        guard case .invalidConfiguration(let reason)? = error as? AuthError else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(reason.contains("the key is locked until the user authenticates"), reason)
    }

    func testServerClocksTenMinutesOffAreLearnedFromDateAndTheAssertionSignedAgain() async throws {
        for skew in [600, -600] {
            let ns = "skew\(abs(skew))-\(freshNamespace())"
            let tokens = try TokenManager.googleServiceAccount(
                json: servers.googleKey(skew: skew, ns), scopes: cloudPlatform)
            let events = EventLog()
            tokens.setListener { events.record($0) }
            let clock = ContinuousClock()
            var first = ""
            let firstTime = try await clock.measure { first = try await tokens.authorization() }
            XCTAssertEqual(tokens.stats.tokenRequests, 2, "skew \(skew)")
            XCTAssertEqual(tokens.stats.retries, 1, "skew \(skew)")
            XCTAssertTrue(events.all.contains { $0.contains("clock") }, "\(events.all)")
            // The next token request is signed with the server's time at once.
            XCTAssertTrue(tokens.invalidate(first))
            let secondTime = try await clock.measure { _ = try await tokens.authorization() }
            XCTAssertEqual(tokens.stats.tokenRequests, 3, "skew \(skew)")
            XCTAssertEqual(tokens.stats.retries, 1, "skew \(skew)")
            let stats = try await servers.stats("google/\(skew).\(ns)")
            XCTAssertEqual(stats["accepted"] as? Int, 2, "\(stats)")
            XCTAssertEqual(stats["rejected"] as? Int, 1, "\(stats)")
            print(
                String(
                    format: "server clock %+d s: first token in %.1f ms (rejected, then re-signed), next in %.1f ms (accepted at once)",
                    skew, Double(firstTime.components.attoseconds) / 1e15 + Double(firstTime.components.seconds) * 1e3,
                    Double(secondTime.components.attoseconds) / 1e15 + Double(secondTime.components.seconds) * 1e3))
        }
    }

    func testBadKeysAreInvalidConfigurationWithoutKeyMaterial() throws {
        let rsa = servers.key("rsa_pkcs8")
        for (pem, says) in [
            (servers.key("ec_p384_pkcs8"), "neither an RSA key nor a P-256"),
            (servers.key("rsa_encrypted"), "password-protected"),
            (String(rsa.prefix(rsa.count / 2)), "truncated"),
            ("not a key", "no PEM private key"),
        ] {
            assertInvalidConfiguration(says) { try pemSigner(pem: pem) }
            // In a key file too.
            assertInvalidConfiguration(says) {
                try TokenManager.googleServiceAccount(
                    json: self.servers.googleKey(skew: 0, "bad", privateKey: pem), scopes: self.cloudPlatform)
            }
        }
        assertInvalidConfiguration("authorized_user") {
            try TokenManager.googleServiceAccount(json: #"{"type": "authorized_user"}"#, scopes: ["s"])
        }
        assertInvalidConfiguration("file://") {
            try TokenManager.googleServiceAccount(contentsOf: URL(string: "https://example.com/key.json")!, scopes: ["s"])
        }
        assertInvalidConfiguration("cannot be read") {
            try TokenManager.googleServiceAccountJWT(
                contentsOf: URL(fileURLWithPath: "/nonexistent/key-\(freshNamespace()).json"), audience: "a")
        }
        let signer = try pemSigner(pem: rsa)
        assertInvalidConfiguration("JSON values") {
            try TokenManager.selfSignedJWT(signer: signer, issuer: "i", audience: "a", extraClaims: ["when": Date()])
        }
        assertInvalidConfiguration("RS256") {
            try TokenManager.githubApp(appID: "1", installationID: 2, signer: try pemSigner(pem: self.servers.key("ec_pkcs8")))
        }
    }

    func testAssertionsTheServersRejectAreTypedErrorsWithoutKeyMaterial() async throws {
        // The wrong private key: Google's verifier refuses the signature.
        let wrong = try TokenManager.googleServiceAccount(
            json: servers.googleKey(skew: 0, "wrong-\(freshNamespace())", privateKey: servers.key("wrong_rsa_pkcs8")),
            scopes: ["s"])
        let error = await thrownError { try await wrong.authorization() }
        guard case .oauth(let status, let code, let description)? = error as? AuthError else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertEqual(status, 400)
        XCTAssertEqual(code, "invalid_grant")
        XCTAssertTrue(description.contains("Signature"), description)
        assertNoKeyMaterial(error!)
        assertNoKeyMaterial(wrong)

        // A wrong audience, through the generic JWT-bearer grant: refused, not retried.
        let signer = try pemSigner(pem: servers.key("rsa_pkcs8"), keyID: servers.googleKeyId)
        let tokens = try TokenManager.jwtBearer(
            tokenURL: URL(string: "\(servers.base)/google/0.aud-\(freshNamespace())/token")!, signer: signer,
            issuer: servers.clientEmail, audience: "https://wrong.example/token", extraClaims: ["scope": "s"])
        let audience = await thrownError { try await tokens.authorization() }
        guard case .oauth(400, "invalid_grant", let why)? = audience as? AuthError else {
            return XCTFail("\(String(describing: audience))")
        }
        XCTAssertTrue(why.contains("audience"), why)
        XCTAssertEqual(tokens.stats.tokenRequests, 1, "refused, not retried")

        // A signer with the wrong key on Authlib: invalid_client.
        let client = servers.ready["private_key_jwt"] as! [String: Any]
        let pkjwt = try TokenManager.clientCredentialsPrivateKeyJWT(
            tokenURL: URL(string: client["token_url"] as! String)!, clientID: client["client_id"] as! String,
            signer: try pemSigner(pem: servers.key("wrong_rsa_pkcs8")))
        let refused = await thrownError { try await pkjwt.authorization() }
        guard case .oauth(_, "invalid_client", _)? = refused as? AuthError else {
            return XCTFail("\(String(describing: refused))")
        }
        assertNoKeyMaterial(refused!)
    }

    func testAnRS256SourceSharesThroughAStoreAndAnES256OneIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jwt-store-\(freshNamespace())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FileStore(path: directory.appendingPathComponent("tokens").path)
        let ns = "store-\(freshNamespace())"
        let key = servers.googleKey(skew: 0, ns)
        let first = try TokenManager.googleServiceAccount(json: key, scopes: cloudPlatform, options: TokenOptions(store: store))
        let second = try TokenManager.googleServiceAccount(json: key, scopes: cloudPlatform, options: TokenOptions(store: store))
        let header = try await first.authorization()
        let same = try await second.authorization()
        XCTAssertEqual(header, same)
        let stats = try await servers.stats("google/0.\(ns)")
        XCTAssertEqual(stats["accepted"] as? Int, 1, "one request for both")
        let es256 = try pemSigner(pem: servers.key("ec_pkcs8"), keyID: "2X9R4HXF34")
        assertInvalidConfiguration("ES256") {
            try TokenManager.clientCredentialsPrivateKeyJWT(
                tokenURL: URL(string: "\(self.servers.authlib)/oauth/token")!, clientID: "authwire-pkjwt",
                signer: es256, options: TokenOptions(store: store))
        }
    }

    func testSignersAndManagersPrintNoKeyMaterial() throws {
        for (name, kid) in [("rsa_pkcs8", "kid-1"), ("rsa_pkcs1", nil), ("ec_pkcs8", "2X9R4HXF34"), ("ec_sec1", nil)] {
            let signer = try pemSigner(pem: servers.key(name), keyID: kid)
            for text in renderings(signer) {
                XCTAssertTrue(text.contains("[redacted]"), text)
                XCTAssertTrue(text.contains(signer.algorithm == .rs256 ? "RS256" : "ES256"), text)
            }
            assertNoKeyMaterial(signer)
            let tokens = try TokenManager.selfSignedJWT(signer: signer, issuer: "i", audience: "a")
            assertNoKeyMaterial(tokens)
            XCTAssertTrue(String(describing: tokens).contains("redacted"), String(describing: tokens))
        }
        assertNoKeyMaterial(try TokenManager.googleServiceAccount(json: servers.googleKey(skew: 0, "print"), scopes: ["s"]))
    }

    func testTheReadmeSampleSignsAppStoreConnectTokens() async throws {
        let tokens = try appStoreConnectTokens(
            p8: servers.key("ec_pkcs8"), keyID: servers.asc["key_id"] as! String,
            issuerID: servers.asc["issuer_id"] as! String)
        let (status, body) = try await servers.get(
            "\(servers.base)/verify/asc", authorization: try await tokens.authorization())
        XCTAssertEqual(status, 200, "\(body)")
    }
}
