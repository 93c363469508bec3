// Signed JWTs: the signer seam (the core's foreign trait `JwtSigner`), the built-in PEM signer,
// a SecKey signer for Apple platforms, and the TokenManager constructors that sign assertions.
import AuthwireUniFFI
import Foundation

#if canImport(Security)
    import Security
#endif

/// Signs JWT assertions with a private key that may never leave its keystore. Implement it in
/// Swift (it crosses into the Rust core), or use ``pemSigner(pem:keyId:)`` for a PEM key the
/// core reads itself, or ``SecKeySigner`` on Apple platforms.
///
/// - `algorithm()`: `.rs256` or `.es256`, the same for every signature.
/// - `keyId()`: the JWT header's `kid` when the server needs one (Google's `private_key_id`,
///   App Store Connect's key id), else `nil`.
/// - `sign(message:)`: signs the JWS signing input, hashing it with SHA-256 itself
///   ("SHA256withRSA" PKCS#1 v1.5 / "SHA256withECDSA"). For ES256 return the raw 64-byte
///   `r || s` or the DER `ECDSA-Sig-Value` that `SecKeyCreateSignature` produces: the core
///   converts it. Throw `SignerError.Failed(reason:)` with a reason that names no key material;
///   the caller then gets ``AuthError/invalidConfiguration(reason:)``.
///
/// Implementations must be `Sendable` (the core calls them from its own threads) and should
/// print no key material.
public typealias JwtSigner = AuthwireUniFFI.JwtSigner

/// A JWS algorithm: `.rs256` (RSASSA-PKCS1-v1_5 with SHA-256) or `.es256` (ECDSA P-256 with
/// SHA-256).
public typealias JwtAlgorithm = AuthwireUniFFI.JwtAlgorithm

/// What a ``JwtSigner`` throws when it cannot sign: `.Failed(reason:)`, a reason without key
/// material.
public typealias SignerError = AuthwireUniFFI.SignerError

/// The built-in signer over a PEM private key, read by the core (ring): PKCS#8
/// (`BEGIN PRIVATE KEY`: Google key files, Apple's `.p8`), PKCS#1 (`BEGIN RSA PRIVATE KEY`:
/// GitHub's download) or SEC1 (`BEGIN EC PRIVATE KEY`). RSA keys sign RS256, P-256 keys ES256.
/// The key stays in the core; the signer prints as `PemSigner(RS256, keyId: ..., key: [redacted])`.
///
/// - Throws: ``AuthError/invalidConfiguration(reason:)`` naming what is wrong with the key (no
///   PEM private key, truncated, password-protected, neither RSA nor P-256), never its content;
///   and always with the mobile core (the iOS build), which has no built-in signer: give a
///   host signer (``SecKeySigner``) there.
public func pemSigner(pem: String, keyId: String? = nil) throws -> any JwtSigner {
    let core = try translatingErrors { try AuthwireUniFFI.pemSigner(pem: pem, keyId: keyId) }
    return PemSigner(core: core, algorithm: core.algorithm(), keyId: keyId)
}

/// ``pemSigner(pem:keyId:)``'s signer: the core's, with a redacted description. The
/// constructors hand the core its own object back, so signing never leaves Rust.
final class PemSigner: JwtSigner, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let core: any JwtSigner
    private let jwtAlgorithm: JwtAlgorithm
    private let kid: String?

    init(core: any JwtSigner, algorithm: JwtAlgorithm, keyId: String?) {
        self.core = core
        jwtAlgorithm = algorithm
        kid = keyId
    }

    func algorithm() -> JwtAlgorithm { jwtAlgorithm }
    func keyId() -> String? { kid }
    func sign(message: Data) throws -> Data { try core.sign(message: message) }

    /// `PemSigner(RS256, keyId: <kid or nil>, key: [redacted])`.
    var description: String {
        "PemSigner(\(jwtAlgorithm == .rs256 ? "RS256" : "ES256"), keyId: \(kid ?? "nil"), key: \(redacted))"
    }
    var debugDescription: String { description }
    var customMirror: Mirror {
        Mirror(self, children: ["algorithm": jwtAlgorithm, "keyId": kid as Any, "key": redacted], displayStyle: .class)
    }
}

/// The signer to give the core: the core's own object for a ``pemSigner(pem:keyId:)`` signer
/// (no round trip through Swift per signature), else the host's.
private func coreSigner(_ signer: any JwtSigner) -> any JwtSigner {
    (signer as? PemSigner)?.core ?? signer
}

extension TokenManager {
    /// A Google service account from its JSON key file: the RFC 7523 §2.1 JWT-bearer grant to
    /// the file's `token_uri` with `scopes` (e.g. `https://www.googleapis.com/auth/cloud-platform`).
    /// The RS256 assertion carries the key's `private_key_id` as `kid`. When the server's
    /// `Date` shows the device clock is off, a rejected assertion is signed again once with
    /// the server's time.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when the URL is not a file URL,
    ///   the file cannot be read or is not a service-account key (naming the field, never the
    ///   key), no scope is given, or with the mobile core (no built-in signer: use
    ///   ``jwtBearer(tokenURL:signer:issuer:audience:subject:scopes:extraClaims:lifetimeSecs:options:)``
    ///   with a host signer there).
    public static func googleServiceAccount(
        contentsOf url: URL, scopes: [String], options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        try googleServiceAccount(json: try keyFile(url), scopes: scopes, options: options)
    }

    /// ``googleServiceAccount(contentsOf:scopes:options:)`` from the key file's JSON text.
    ///
    /// - Throws: as ``googleServiceAccount(contentsOf:scopes:options:)``.
    public static func googleServiceAccount(
        json: String, scopes: [String], options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.googleServiceAccount(keyJson: json, scopes: scopes, options: options)
            })
    }

    /// A Google service account's self-signed JWT, used as the bearer token for the API named
    /// by `audience` (e.g. `https://pubsub.googleapis.com/`): no token request is sent; a new
    /// JWT is signed before the old one expires.
    ///
    /// - Throws: as ``googleServiceAccount(contentsOf:scopes:options:)``, and for an empty audience.
    public static func googleServiceAccountJWT(
        contentsOf url: URL, audience: String, options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        try googleServiceAccountJWT(json: try keyFile(url), audience: audience, options: options)
    }

    /// ``googleServiceAccountJWT(contentsOf:audience:options:)`` from the key file's JSON text.
    ///
    /// - Throws: as ``googleServiceAccountJWT(contentsOf:audience:options:)``.
    public static func googleServiceAccountJWT(
        json: String, audience: String, options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.googleServiceAccountJwt(
                    keyJson: json, audience: audience, options: options)
            })
    }

    /// A GitHub App installation: an RS256 JWT (`iss` the app id, 10 minutes) exchanged at
    /// `POST <apiURL>/app/installations/<installationId>/access_tokens` for a one-hour
    /// installation token whose expiry comes from `expires_at`. `apiURL` defaults to
    /// `https://api.github.com` (GitHub Enterprise Server: `https://HOST/api/v3`). The signer is
    /// usually `try pemSigner(pem: <the downloaded .pem>)`.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for an empty app id, a signer that
    ///   is not RS256, a non-HTTPS API URL or invalid options.
    public static func githubApp(
        appId: String, installationId: UInt64, signer: any JwtSigner, apiURL: URL? = nil,
        options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.githubApp(
                    appId: appId, installationId: installationId, signer: coreSigner(signer),
                    apiUrl: apiURL?.absoluteString, options: options)
            })
    }

    /// App Store Connect (and the other Apple APIs that take its tokens): an ES256 JWT with
    /// `iss` the issuer id, `aud` `appstoreconnect-v1` and the signer's key id as `kid`, living
    /// `lifetimeSecs` (at most 1200), used as the bearer token; signed again before it expires.
    /// The signer is `try pemSigner(pem: <AuthKey_XXXX.p8>, keyId: "XXXX")`, or a
    /// ``SecKeySigner`` over a Secure Enclave key (P-256) with its key id.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when the signer is not ES256 or
    ///   has no key id, the issuer id is empty, or the lifetime is over 20 minutes.
    public static func appStoreConnect(
        issuerId: String, signer: any JwtSigner, lifetimeSecs: UInt64 = 1200,
        options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.appStoreConnect(
                    issuerId: issuerId, signer: coreSigner(signer), lifetimeSecs: lifetimeSecs, options: options)
            })
    }

    /// A JWT signed here and sent as the bearer token itself, with no token request: `iss`,
    /// `aud`, optional `sub`, `iat` and `exp` (`lifetimeSecs`), the signer's key id as `kid`,
    /// and `extraClaims` (the JSON text of an object). Signed again before it expires.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for an empty issuer or audience,
    ///   extra claims that are not a JSON object or set a registered claim, or a lifetime
    ///   under 10 s.
    public static func selfSignedJWT(
        signer: any JwtSigner, issuer: String, audience: String, subject: String? = nil,
        lifetimeSecs: UInt64 = 3600, extraClaims: String? = nil, options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.selfSignedJwt(
                    signer: coreSigner(signer), issuer: issuer, audience: audience, subject: subject,
                    lifetimeSecs: lifetimeSecs, extraClaims: extraClaims, options: options)
            })
    }

    /// OAuth2 client credentials with `private_key_jwt` client authentication (RFC 7523 §2.2):
    /// a signed `client_assertion` (`iss` = `sub` = the client id, `aud` the token endpoint, a
    /// unique `jti`, two minutes) instead of a secret.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a non-HTTPS URL, an empty
    ///   client id, an invalid scope or invalid options.
    public static func clientCredentialsPrivateKeyJWT(
        tokenURL: URL, clientId: String, signer: any JwtSigner, scopes: [String] = [],
        options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.clientCredentialsPrivateKeyJwt(
                    tokenUrl: tokenURL.absoluteString, clientId: clientId, signer: coreSigner(signer),
                    scopes: scopes, options: options)
            })
    }

    /// Any RFC 7523 §2.1 JWT-bearer grant: `POST tokenURL` with an assertion of `issuer`,
    /// `audience`, optional `subject` and `extraClaims` (JSON object text), living
    /// `lifetimeSecs`, and the form's `scope` when `scopes` are given. Salesforce: `issuer` the
    /// consumer key, `subject` the user name, `audience` `https://login.salesforce.com`.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a non-HTTPS URL, an empty
    ///   issuer or audience, invalid extra claims or scopes, a lifetime under 10 s, or
    ///   invalid options.
    public static func jwtBearer(
        tokenURL: URL, signer: any JwtSigner, issuer: String, audience: String, subject: String? = nil,
        scopes: [String] = [], extraClaims: String? = nil, lifetimeSecs: UInt64 = 180,
        options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.jwtBearer(
                    tokenUrl: tokenURL.absoluteString, signer: coreSigner(signer), issuer: issuer,
                    audience: audience, subject: subject, scopes: scopes, extraClaims: extraClaims,
                    lifetimeSecs: lifetimeSecs, options: options)
            })
    }

    /// The text of a key file at a `file://` URL; the error names neither the file's content
    /// nor (beyond its path) anything else.
    private static func keyFile(_ url: URL) throws -> String {
        guard url.isFileURL else {
            throw AuthError.invalidConfiguration(reason: "the service-account key file URL must be a file:// URL")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AuthError.invalidConfiguration(
                reason: "the service-account key file \(url.path) cannot be read")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

#if canImport(Security)
    /// A ``JwtSigner`` over a `SecKey` private key: a Secure Enclave key
    /// (`kSecAttrTokenIDSecureEnclave`, always P-256, so ES256: App Store Connect-style APIs)
    /// or a keychain RSA key (RS256). Signs with `SecKeyCreateSignature`
    /// (`.rsaSignatureMessagePKCS1v15SHA256` / `.ecdsaSignatureMessageX962SHA256`, which hash
    /// the message themselves); the DER ECDSA signature is converted by the core. The key never
    /// leaves the keychain or the enclave.
    ///
    /// **UNTESTED**: this project has no macOS or iOS machine; it is compiled only where the
    /// `Security` framework exists, never on the Linux CI. The Linux suite proves the same path
    /// with a Swift signer of its own.
    ///
    /// Prints as `SecKeySigner(ES256, keyId: ..., key: [redacted])`.
    public final class SecKeySigner: JwtSigner, @unchecked Sendable, CustomStringConvertible,
        CustomDebugStringConvertible, CustomReflectable
    {
        // `SecKey` is an immutable, thread-safe CF object.
        private let key: SecKey
        private let jwtAlgorithm: JwtAlgorithm
        private let secAlgorithm: SecKeyAlgorithm
        private let kid: String?

        /// A signer over `privateKey` (RSA, 2048 bits or more, or EC P-256), its JWT `kid`
        /// being `keyId`.
        ///
        /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for another key type or size,
        ///   or a key that cannot sign with the algorithm.
        public init(privateKey: SecKey, keyId: String? = nil) throws {
            let attributes = (SecKeyCopyAttributes(privateKey) as? [String: Any]) ?? [:]
            let type = attributes[kSecAttrKeyType as String] as? String
            let bits = (attributes[kSecAttrKeySizeInBits as String] as? NSNumber)?.intValue ?? 0
            if type == (kSecAttrKeyTypeRSA as String) {
                guard bits >= 2048 else {
                    throw AuthError.invalidConfiguration(reason: "the SecKey is an RSA key of \(bits) bits; RS256 needs 2048 or more")
                }
                jwtAlgorithm = .rs256
                secAlgorithm = .rsaSignatureMessagePKCS1v15SHA256
            } else if type == (kSecAttrKeyTypeECSECPrimeRandom as String) {
                guard bits == 256 else {
                    throw AuthError.invalidConfiguration(reason: "the SecKey is an EC key of \(bits) bits; ES256 needs P-256")
                }
                jwtAlgorithm = .es256
                secAlgorithm = .ecdsaSignatureMessageX962SHA256
            } else {
                throw AuthError.invalidConfiguration(reason: "the SecKey is neither an RSA key nor a P-256 EC key")
            }
            guard SecKeyIsAlgorithmSupported(privateKey, .sign, secAlgorithm) else {
                throw AuthError.invalidConfiguration(reason: "the SecKey cannot sign (is it a private key?)")
            }
            key = privateKey
            kid = keyId
        }

        public func algorithm() -> JwtAlgorithm { jwtAlgorithm }
        public func keyId() -> String? { kid }

        /// Signs with `SecKeyCreateSignature`; a refusal (user authentication required, key
        /// unavailable) throws `SignerError.Failed` with the Security framework's reason.
        public func sign(message: Data) throws -> Data {
            var error: Unmanaged<CFError>?
            guard let signature = SecKeyCreateSignature(key, secAlgorithm, message as CFData, &error) else {
                let reason = error.map { ($0.takeRetainedValue() as Error).localizedDescription } ?? "no reason given"
                throw SignerError.Failed(reason: "SecKeyCreateSignature failed: \(reason)")
            }
            return signature as Data
        }

        /// `SecKeySigner(ES256, keyId: <kid or nil>, key: [redacted])`.
        public var description: String {
            "SecKeySigner(\(jwtAlgorithm == .rs256 ? "RS256" : "ES256"), keyId: \(kid ?? "nil"), key: \(redacted))"
        }
        /// As ``description``.
        public var debugDescription: String { description }
        /// The algorithm and key id; the key as `[redacted]`.
        public var customMirror: Mirror {
            Mirror(
                self, children: ["algorithm": jwtAlgorithm, "keyId": kid as Any, "key": redacted],
                displayStyle: .class)
        }
    }
#endif
