// Signed JWTs: the signer seam (`JWTSigner`, adapted to the core's foreign trait), the built-in PEM signer,
// a SecKey signer for Apple platforms, and the TokenManager constructors that sign assertions.
import AuthwireUniFFI
import Foundation

#if canImport(Security)
    import Security
#endif

/// Signs JWT assertions with a private key that may never leave its keystore. Implement it in
/// Swift (it crosses into the Rust core), or use ``pemSigner(pem:keyID:)`` for a PEM key the
/// core reads itself, or ``SecKeySigner`` on Apple platforms.
///
/// Implementations must be `Sendable` (the core calls them from its own threads) and should
/// print no key material.
public protocol JWTSigner: Sendable {
    /// The algorithm of every signature: `.rs256` or `.es256`.
    var algorithm: JWTAlgorithm { get }
    /// The JWT header's `kid` when the server needs one (Google's `private_key_id`, App Store
    /// Connect's key id), else `nil`.
    var keyID: String? { get }
    /// Signs `message`, the JWS signing input, hashing it with SHA-256 itself
    /// ("SHA256withRSA" PKCS#1 v1.5 / "SHA256withECDSA"). For ES256 return the raw 64-byte
    /// `r || s` or the DER `ECDSA-Sig-Value` that `SecKeyCreateSignature` produces: the core
    /// converts it.
    ///
    /// - Throws: ``SignerError/failed(reason:)`` with a reason that names no key material; the
    ///   caller then gets ``AuthError/invalidConfiguration(reason:)``.
    func sign(_ message: Data) throws -> Data
}

/// A JWS algorithm.
public enum JWTAlgorithm: Sendable, Hashable {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256
    /// ECDSA P-256 with SHA-256.
    case es256

    init(_ core: AuthwireUniFFI.JwtAlgorithm) {
        switch core {
        case .rs256: self = .rs256
        case .es256: self = .es256
        }
    }

    var core: AuthwireUniFFI.JwtAlgorithm {
        switch self {
        case .rs256: .rs256
        case .es256: .es256
        }
    }

    /// `RS256` or `ES256`, as the JWT header's `alg` says.
    var name: String { self == .rs256 ? "RS256" : "ES256" }
}

/// What a ``JWTSigner`` throws when it cannot sign. Only signer implementations throw it:
/// the caller of a manager gets ``AuthError/invalidConfiguration(reason:)``.
public enum SignerError: Error, Sendable, Hashable {
    /// The key or the keystore refused to sign (key revoked, user authentication required,
    /// hardware unavailable); `reason` names no key material.
    case failed(reason: String)
}

/// The built-in signer over a PEM private key, read by the core (ring): PKCS#8
/// (`BEGIN PRIVATE KEY`: Google key files, Apple's `.p8`), PKCS#1 (`BEGIN RSA PRIVATE KEY`:
/// GitHub's download) or SEC1 (`BEGIN EC PRIVATE KEY`). RSA keys sign RS256, P-256 keys ES256.
/// The key stays in the core; the signer prints as `PemSigner(RS256, keyID: ..., key: [redacted])`.
///
/// - Throws: ``AuthError/invalidConfiguration(reason:)`` naming what is wrong with the key (no
///   PEM private key, truncated, password-protected, neither RSA nor P-256), never its content;
///   and always with the mobile core (the iOS build), which has no built-in signer: give a
///   host signer (``SecKeySigner``) there.
public func pemSigner(pem: String, keyID: String? = nil) throws -> any JWTSigner {
    let core = try translatingErrors { try AuthwireUniFFI.pemSigner(pem: pem, keyId: keyID) }
    return PemSigner(core: core, algorithm: JWTAlgorithm(core.algorithm()), keyID: keyID)
}

/// ``pemSigner(pem:keyID:)`` over the PEM file at a `file://` URL.
///
/// - Throws: ``AuthError/invalidConfiguration(reason:)`` when the URL is not a file URL, the
///   file cannot be read, or as ``pemSigner(pem:keyID:)``.
public func pemSigner(contentsOf url: URL, keyID: String? = nil) throws -> any JWTSigner {
    try pemSigner(pem: try readKeyFile(url, "PEM key"), keyID: keyID)
}

/// ``pemSigner(pem:keyID:)``'s signer: the core's, with a redacted description. The
/// constructors hand the core its own object back, so signing never leaves Rust.
final class PemSigner: JWTSigner, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let core: any AuthwireUniFFI.JwtSigner
    let algorithm: JWTAlgorithm
    let keyID: String?

    init(core: any AuthwireUniFFI.JwtSigner, algorithm: JWTAlgorithm, keyID: String?) {
        self.core = core
        self.algorithm = algorithm
        self.keyID = keyID
    }

    func sign(_ message: Data) throws -> Data {
        do {
            return try core.sign(message: message)
        } catch AuthwireUniFFI.SignerError.Failed(let reason) {
            throw SignerError.failed(reason: reason)
        }
    }

    /// `PemSigner(RS256, keyID: <kid or nil>, key: [redacted])`.
    var description: String {
        "PemSigner(\(algorithm.name), keyID: \(keyID ?? "nil"), key: \(redacted))"
    }
    var debugDescription: String { description }
    var customMirror: Mirror {
        Mirror(self, children: ["algorithm": algorithm, "keyID": keyID as Any, "key": redacted], displayStyle: .class)
    }
}

/// The core's view of a host signer.
final class SignerAdapter: AuthwireUniFFI.JwtSigner {
    let signer: any JWTSigner

    init(_ signer: any JWTSigner) {
        self.signer = signer
    }

    func algorithm() -> AuthwireUniFFI.JwtAlgorithm { signer.algorithm.core }
    func keyId() -> String? { signer.keyID }

    func sign(message: Data) throws -> Data {
        do {
            return try signer.sign(message)
        } catch SignerError.failed(let reason) {
            throw AuthwireUniFFI.SignerError.Failed(reason: reason)
        } catch {
            throw AuthwireUniFFI.SignerError.Failed(reason: String(describing: type(of: error)))
        }
    }
}

/// The signer to give the core: the core's own object for a ``pemSigner(pem:keyID:)`` signer
/// (no round trip through Swift per signature), else the host's.
private func coreSigner(_ signer: any JWTSigner) -> any AuthwireUniFFI.JwtSigner {
    (signer as? PemSigner)?.core ?? SignerAdapter(signer)
}

/// A JSON object's text from a claims dictionary, keys sorted.
private func claimsJSON(_ claims: [String: any Sendable]?) throws -> String? {
    guard let claims else { return nil }
    let object = claims.mapValues { $0 as Any }
    guard JSONSerialization.isValidJSONObject(object),
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    else {
        throw AuthError.invalidConfiguration(
            reason: "extraClaims must hold JSON values only (String, numbers, Bool, NSNull, arrays and dictionaries of them)")
    }
    return String(decoding: data, as: UTF8.self)
}

/// The text of a key file at a `file://` URL; the error names neither the file's content
/// nor (beyond its path) anything else.
func readKeyFile(_ url: URL, _ what: String) throws -> String {
    guard url.isFileURL else {
        throw AuthError.invalidConfiguration(reason: "the \(what) file URL must be a file:// URL")
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
        throw AuthError.invalidConfiguration(reason: "the \(what) file \(url.path) cannot be read")
    }
    return String(decoding: data, as: UTF8.self)
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
    ///   ``jwtBearer(tokenURL:signer:issuer:audience:subject:scopes:extraClaims:lifetime:options:)``
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
                try AuthwireUniFFI.TokenManager.googleServiceAccount(keyJson: json, scopes: scopes, options: options.core)
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
                    keyJson: json, audience: audience, options: options.core)
            })
    }

    /// A GitHub App installation: an RS256 JWT (`iss` the app id, 10 minutes) exchanged at
    /// `POST <apiURL>/app/installations/<installationID>/access_tokens` for a one-hour
    /// installation token whose expiry comes from `expires_at`. `apiURL` defaults to
    /// `https://api.github.com` (GitHub Enterprise Server: `https://HOST/api/v3`). The signer is
    /// usually `try pemSigner(pem: <the downloaded .pem>)`.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for an empty app id, a signer that
    ///   is not RS256, a non-HTTPS API URL or invalid options. A negative installation id is a
    ///   programmer error (a precondition).
    public static func githubApp(
        appID: String, installationID: Int, signer: any JWTSigner, apiURL: URL? = nil,
        options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        let installation = UInt64(nonNegative: installationID, "installationID")
        return TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.githubApp(
                    appId: appID, installationId: installation, signer: coreSigner(signer),
                    apiUrl: apiURL?.absoluteString, options: options.core)
            })
    }

    /// App Store Connect (and the other Apple APIs that take its tokens): an ES256 JWT with
    /// `iss` the issuer id, `aud` `appstoreconnect-v1` and the signer's key id as `kid`, living
    /// `lifetime` (at most 20 minutes), used as the bearer token; signed again before it
    /// expires. The signer is `try pemSigner(pem: <AuthKey_XXXX.p8>, keyID: "XXXX")`, or a
    /// ``SecKeySigner`` over a Secure Enclave key (P-256) with its key id.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when the signer is not ES256 or
    ///   has no key id, the issuer id is empty, or the lifetime is over 20 minutes.
    public static func appStoreConnect(
        issuerID: String, signer: any JWTSigner, lifetime: Duration = .seconds(1200),
        options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        let lifetimeSecs = toSeconds(lifetime, "lifetime")
        return TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.appStoreConnect(
                    issuerId: issuerID, signer: coreSigner(signer), lifetimeSecs: lifetimeSecs, options: options.core)
            })
    }

    /// A JWT signed here and sent as the bearer token itself, with no token request: `iss`,
    /// `aud`, optional `sub`, `iat` and `exp` (`lifetime`), the signer's key id as `kid`,
    /// and `extraClaims` (JSON values by claim name). Signed again before it expires.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for an empty issuer or audience,
    ///   extra claims that are not a JSON object or set a registered claim, or a lifetime
    ///   under 10 s.
    public static func selfSignedJWT(
        signer: any JWTSigner, issuer: String, audience: String, subject: String? = nil,
        lifetime: Duration = .seconds(3600), extraClaims: [String: any Sendable]? = nil,
        options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        let lifetimeSecs = toSeconds(lifetime, "lifetime")
        let claims = try claimsJSON(extraClaims)
        return TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.selfSignedJwt(
                    signer: coreSigner(signer), issuer: issuer, audience: audience, subject: subject,
                    lifetimeSecs: lifetimeSecs, extraClaims: claims, options: options.core)
            })
    }

    /// OAuth2 client credentials with `private_key_jwt` client authentication (RFC 7523 §2.2):
    /// a signed `client_assertion` (`iss` = `sub` = the client id, `aud` the token endpoint, a
    /// unique `jti`, two minutes) instead of a secret.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a non-HTTPS URL, an empty
    ///   client id, an invalid scope or invalid options.
    public static func clientCredentialsPrivateKeyJWT(
        tokenURL: URL, clientID: String, signer: any JWTSigner, scopes: [String] = [],
        options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.clientCredentialsPrivateKeyJwt(
                    tokenUrl: tokenURL.absoluteString, clientId: clientID, signer: coreSigner(signer),
                    scopes: scopes, options: options.core)
            })
    }

    /// Any RFC 7523 §2.1 JWT-bearer grant: `POST tokenURL` with an assertion of `issuer`,
    /// `audience`, optional `subject` and `extraClaims` (JSON values by claim name), living
    /// `lifetime`, and the form's `scope` when `scopes` are given. Salesforce: `issuer` the
    /// consumer key, `subject` the user name, `audience` `https://login.salesforce.com`.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a non-HTTPS URL, an empty
    ///   issuer or audience, invalid extra claims or scopes, a lifetime under 10 s, or
    ///   invalid options.
    public static func jwtBearer(
        tokenURL: URL, signer: any JWTSigner, issuer: String, audience: String, subject: String? = nil,
        scopes: [String] = [], extraClaims: [String: any Sendable]? = nil, lifetime: Duration = .seconds(180),
        options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        let lifetimeSecs = toSeconds(lifetime, "lifetime")
        let claims = try claimsJSON(extraClaims)
        return TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.jwtBearer(
                    tokenUrl: tokenURL.absoluteString, signer: coreSigner(signer), issuer: issuer,
                    audience: audience, subject: subject, scopes: scopes, extraClaims: claims,
                    lifetimeSecs: lifetimeSecs, options: options.core)
            })
    }

    private static func keyFile(_ url: URL) throws -> String {
        try readKeyFile(url, "service-account key")
    }
}

#if canImport(Security)
    /// A ``JWTSigner`` over a `SecKey` private key: a Secure Enclave key
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
    /// Prints as `SecKeySigner(ES256, keyID: ..., key: [redacted])`.
    public final class SecKeySigner: JWTSigner, @unchecked Sendable, CustomStringConvertible,
        CustomDebugStringConvertible, CustomReflectable
    {
        // `SecKey` is an immutable, thread-safe CF object.
        private let key: SecKey
        /// The algorithm of every signature: `.rs256` for an RSA key, `.es256` for P-256.
        public let algorithm: JWTAlgorithm
        private let secAlgorithm: SecKeyAlgorithm
        /// The JWT header's `kid`, if given.
        public let keyID: String?

        /// A signer over `privateKey` (RSA, 2048 bits or more, or EC P-256), its JWT `kid`
        /// being `keyID`.
        ///
        /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for another key type or size,
        ///   or a key that cannot sign with the algorithm.
        public init(privateKey: SecKey, keyID: String? = nil) throws {
            let attributes = (SecKeyCopyAttributes(privateKey) as? [String: Any]) ?? [:]
            let type = attributes[kSecAttrKeyType as String] as? String
            let bits = (attributes[kSecAttrKeySizeInBits as String] as? NSNumber)?.intValue ?? 0
            if type == (kSecAttrKeyTypeRSA as String) {
                guard bits >= 2048 else {
                    throw AuthError.invalidConfiguration(reason: "the SecKey is an RSA key of \(bits) bits; RS256 needs 2048 or more")
                }
                algorithm = .rs256
                secAlgorithm = .rsaSignatureMessagePKCS1v15SHA256
            } else if type == (kSecAttrKeyTypeECSECPrimeRandom as String) {
                guard bits == 256 else {
                    throw AuthError.invalidConfiguration(reason: "the SecKey is an EC key of \(bits) bits; ES256 needs P-256")
                }
                algorithm = .es256
                secAlgorithm = .ecdsaSignatureMessageX962SHA256
            } else {
                throw AuthError.invalidConfiguration(reason: "the SecKey is neither an RSA key nor a P-256 EC key")
            }
            guard SecKeyIsAlgorithmSupported(privateKey, .sign, secAlgorithm) else {
                throw AuthError.invalidConfiguration(reason: "the SecKey cannot sign (is it a private key?)")
            }
            key = privateKey
            self.keyID = keyID
        }

        /// Signs with `SecKeyCreateSignature`; a refusal (user authentication required, key
        /// unavailable) throws ``SignerError/failed(reason:)`` with the Security framework's reason.
        public func sign(_ message: Data) throws -> Data {
            var error: Unmanaged<CFError>?
            guard let signature = SecKeyCreateSignature(key, secAlgorithm, message as CFData, &error) else {
                let reason = error.map { ($0.takeRetainedValue() as Error).localizedDescription } ?? "no reason given"
                throw SignerError.failed(reason: "SecKeyCreateSignature failed: \(reason)")
            }
            return signature as Data
        }

        /// `SecKeySigner(ES256, keyID: <kid or nil>, key: [redacted])`.
        public var description: String {
            "SecKeySigner(\(algorithm.name), keyID: \(keyID ?? "nil"), key: \(redacted))"
        }
        /// As ``description``.
        public var debugDescription: String { description }
        /// The algorithm and key id; the key as `[redacted]`.
        public var customMirror: Mirror {
            Mirror(
                self, children: ["algorithm": algorithm, "keyID": keyID as Any, "key": redacted],
                displayStyle: .class)
        }
    }
#endif
