// User sessions: a user signs in once (PKCE or the device grant, or any other sign-in) and the
// app lives on a refresh token that the server rotates. The protocol is the core's; this file
// gives it Swift types: `SessionTokens`, the `SealingKey` seam, `TokenManager.userSession`,
// `AuthorizationCodeFlow` and `DeviceAuthorizationFlow`.
import AuthwireUniFFI
import Foundation

/// The tokens a user session starts from: an access token, a refresh token, the access
/// token's lifetime, its scope and the OpenID Connect ID token when there is one.
///
/// Get them from ``AuthorizationCodeFlow/finish(redirectURL:)``,
/// ``DeviceAuthorizationFlow/wait()``, or any other sign-in (AppAuth, Auth0, a web login):
/// ``init(accessToken:refreshToken:expiresIn:scope:idToken:)`` or
/// ``init(tokenResponse:)``. Then start the session with
/// ``TokenManager/userSession(tokenURL:clientID:tokens:clientSecret:authMethod:revocationURL:sealingKey:options:)``.
///
/// Prints as `SessionTokens(accessToken: [redacted], refreshToken: [redacted], expiresIn: ...,
/// scope: ..., idToken: [redacted])`.
public final class SessionTokens: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let core: AuthwireUniFFI.SessionTokens

    init(core: AuthwireUniFFI.SessionTokens) {
        self.core = core
    }

    /// Tokens from a sign-in done elsewhere (AppAuth's `OIDTokenResponse`, Auth0's
    /// `Credentials`). `expiresIn` is the access token's lifetime from now (`nil`: the JWT's
    /// `exp`, else the manager's default lifetime).
    ///
    /// - Throws: ``AuthError/invalidInput(reason:)`` for an access token that cannot be sent
    ///   as a Bearer token (empty, a space, a control character, non-ASCII), or a refresh
    ///   token that is empty or has a control character; the message never shows either.
    public convenience init(
        accessToken: String, refreshToken: String, expiresIn: Duration? = nil, scope: String? = nil,
        idToken: String? = nil
    ) throws {
        let expiresInSecs = expiresIn.map { toSeconds($0, "expiresIn") }
        self.init(
            core: try translatingErrors {
                try AuthwireUniFFI.SessionTokens(
                    accessToken: accessToken, refreshToken: refreshToken, expiresInSecs: expiresInSecs, scope: scope,
                    idToken: idToken)
            })
    }

    /// Tokens from the JSON text of a token endpoint's successful answer (RFC 6749 §5.1):
    /// `access_token`, `token_type` (Bearer, or absent), `refresh_token`, and optionally
    /// `expires_in`, `scope` and `id_token`.
    ///
    /// - Throws: ``AuthError/invalidResponse(reason:)`` when the text is not such an answer
    ///   (not JSON, no `access_token` or `refresh_token`, a `token_type` other than Bearer).
    public convenience init(tokenResponse: String) throws {
        self.init(
            core: try translatingErrors { try AuthwireUniFFI.SessionTokens.fromTokenResponse(json: tokenResponse) })
    }

    /// The access token in clear. Keep it out of logs.
    public var accessToken: String { core.accessToken() }
    /// The refresh token in clear. Keep it out of logs; the session manager keeps it for you.
    public var refreshToken: String { core.refreshToken() }
    /// The access token's lifetime as the server gave it (`nil`: not given).
    public var expiresIn: Duration? { core.expiresInSecs().map { .seconds(Int64(clamping: $0)) } }
    /// The granted scope, space-separated, when the server said.
    public var scope: String? { core.scope() }
    /// The OpenID Connect ID token, when the server issued one. Keep it out of logs.
    public var idToken: String? { core.idToken() }

    /// `SessionTokens(accessToken: [redacted], refreshToken: [redacted], expiresIn: ...,
    /// scope: ..., idToken: [redacted] or nil)`.
    public var description: String {
        "SessionTokens(accessToken: \(redacted), refreshToken: \(redacted), expiresIn: "
            + "\(expiresIn.map { "\($0)" } ?? "nil"), scope: \(scope?.debugDescription ?? "nil"), idToken: "
            + "\(idToken == nil ? "nil" : redacted))"
    }
    /// As ``description``.
    public var debugDescription: String { description }
    /// The lifetime and scope only.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessToken": redacted, "refreshToken": redacted, "expiresIn": expiresIn as Any, "scope": scope as Any,
                "idToken": idToken == nil ? "nil" : redacted,
            ], displayStyle: .class)
    }
}

// MARK: - The sealing key

/// The stable secret that seals a user session in a shared ``TokenStore``. A rotating refresh
/// token cannot be it, so the host provides one, the same in every process that shares the
/// session: ``KeychainSealingKey`` on Apple platforms (a Keychain item in the app group's
/// access group), ``KeyFileSealingKey`` on Linux, for desktop apps and command-line tools, or
/// your own conformance.
///
/// ``key()`` is called from authwire's own threads when a session manager first uses the
/// store, and again after each failure until it succeeds; the manager then keeps the sealing
/// key derived from it for its life. So a device that locks later does not stop a running
/// session; a process that starts while the key cannot be read (a widget after a reboot,
/// before the first unlock) fails transiently until it can.
public protocol SealingKey: Sendable {
    /// The key: at least 32 bytes of random data, the same on every call.
    ///
    /// - Throws: ``StoreError/unavailable(reason:)`` when the key cannot be read right now (the
    ///   Keychain of a locked device, `errSecInteractionNotAllowed`): a transient failure, the
    ///   session stays and the call fails with ``AuthError/network(kind:reason:)`` until the
    ///   key can be read again; ``StoreError/invalidConfiguration(reason:)`` when it never can
    ///   (a missing entitlement). Never report a locked device as "no key".
    func key() throws -> Data
}

/// A ``SealingKey`` kept in a file of 32 random bytes (mode 0600), created on first use (when
/// two processes start at once, one key wins and both use it). For desktop apps, command-line
/// tools and servers, and the Linux stand-in for ``KeychainSealingKey``. Put it where only the
/// user can read it, next to the session's ``FileStore`` (not inside it); its directory must
/// exist. The core reads the file itself (the key never crosses into Swift when a manager uses
/// it), the same file as the Rust `KeyFileSealingKey` and the command-line tool's.
///
/// Prints as `KeyFileSealingKey(path: "...")`.
public final class KeyFileSealingKey: SealingKey, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key file.
    public let path: String
    let core: any AuthwireUniFFI.SealingKey

    /// The key file at `path`; nothing is read or created until the key is needed.
    public init(path: String) {
        self.path = path
        core = AuthwireUniFFI.keyFileSealingKey(path: path)
    }

    /// The key file at a `file://` URL.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when the URL is not a file URL.
    public convenience init(url: URL) throws {
        guard url.isFileURL else {
            throw AuthError.invalidConfiguration(reason: "the sealing key's URL must be a file:// URL")
        }
        self.init(path: url.path)
    }

    /// The key, read from the file; created with 32 random bytes from the operating system
    /// when there is none.
    ///
    /// - Throws: ``StoreError/unavailable(reason:)`` when the file cannot be read or created;
    ///   ``StoreError/invalidConfiguration(reason:)`` when it holds fewer than 32 bytes.
    public func key() throws -> Data {
        do {
            return try core.key()
        } catch let error as AuthwireUniFFI.StoreError {
            switch error {
            case .InvalidConfiguration(let reason): throw StoreError.invalidConfiguration(reason: reason)
            case .Unavailable(let reason): throw StoreError.unavailable(reason: reason)
            }
        }
    }

    /// `KeyFileSealingKey(path: "...")`.
    public var description: String { "KeyFileSealingKey(path: \(path.debugDescription))" }
    /// As ``description``.
    public var debugDescription: String { description }
}

/// The core's view of a host sealing key.
final class SealingKeyAdapter: AuthwireUniFFI.SealingKey {
    let host: any SealingKey

    init(_ host: any SealingKey) {
        self.host = host
    }

    func key() throws -> Data {
        do {
            return try host.key()
        } catch StoreError.unavailable(let reason) {
            throw AuthwireUniFFI.StoreError.Unavailable(reason: reason)
        } catch StoreError.invalidConfiguration(let reason) {
            throw AuthwireUniFFI.StoreError.InvalidConfiguration(reason: reason)
        } catch {
            throw AuthwireUniFFI.StoreError.Unavailable(reason: String(describing: error))
        }
    }
}

/// The sealing key to give the core: a key file's own object, else the host's key.
func coreSealingKey(_ key: any SealingKey) -> any AuthwireUniFFI.SealingKey {
    (key as? KeyFileSealingKey)?.core ?? SealingKeyAdapter(key)
}

// MARK: - The session manager

extension TokenManager {
    /// A user session: the app signed a user in (``AuthorizationCodeFlow``,
    /// ``DeviceAuthorizationFlow``, AppAuth, Auth0, a web login) and now lives on a refresh
    /// token that the server rotates (RFC 6749 §6). Everything a manager does applies:
    /// refresh before expiry, one shared refresh, 401 handling, events and stats.
    ///
    /// - `tokens`: the sign-in's tokens; `nil` to continue the session stored in
    ///   `options.store` (the app's next start, or its widget or extension). With no session
    ///   stored, the first call fails with ``AuthError/signInRequired(reason:)``.
    /// - `clientSecret` and `authMethod`: only for a confidential client (desktop, server);
    ///   an app is a public client (`client_id` in the form, no secret).
    /// - `revocationURL`: the RFC 7009 endpoint ``signOut()`` revokes the refresh token at.
    /// - `sealingKey`: seals the session in `options.store`; required with a store, and the
    ///   same key in every process that shares it (``KeychainSealingKey`` in the app group's
    ///   access group, ``KeyFileSealingKey``).
    ///
    /// With a store, every process that shares it shares the session: a refresh re-reads the
    /// store under its cross-process lock (a process that lost the race adopts the winner's
    /// tokens instead of spending a rotated refresh token), and the rotated refresh token is
    /// saved before the new access token is handed out. When the server refuses the refresh
    /// token (`invalid_grant`) or the user signs out anywhere, calls fail with
    /// ``AuthError/signInRequired(reason:)`` (in another process: from the call after its
    /// next look at the store, within about a second). A sealing key or store that cannot be
    /// read right now is a transient ``AuthError/network(kind:reason:)``: the session stays.
    ///
    /// Unlike other managers, a session's header is not cached on the Swift side: every call
    /// reaches the core, which is what notices a sign-out.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for a URL that is not HTTPS
    ///   (plain HTTP only to loopback), an empty client id, a store without a sealing key, no
    ///   tokens and no store, or invalid options.
    public static func userSession(
        tokenURL: URL, clientID: String, tokens: SessionTokens? = nil, clientSecret: String? = nil,
        authMethod: ClientAuthMethod = .clientSecretBasic, revocationURL: URL? = nil,
        sealingKey: (any SealingKey)? = nil, options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        let options = options.core
        return TokenManager(
            core: try translatingErrors {
                try AuthwireUniFFI.TokenManager.userSession(
                    tokenUrl: tokenURL.absoluteString, clientId: clientID, tokens: tokens?.core,
                    clientSecret: clientSecret, authMethod: authMethod, revocationUrl: revocationURL?.absoluteString,
                    sealingKey: sealingKey.map(coreSealingKey), options: options)
            }, caching: false)
    }

    /// Ends this user session everywhere: the stored session is marked ended (every process
    /// sharing it gets ``AuthError/signInRequired(reason:)`` from its next calls), this
    /// manager's tokens are dropped, and the refresh token is revoked at `revocationURL` when
    /// one was given (best effort: a revocation that fails does not fail the sign-out).
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when this manager is not a user
    ///   session; ``AuthError/network(kind:reason:)`` when the store could not be updated (this
    ///   process is signed out all the same; the others when they next refresh).
    public func signOut() async throws {
        cache.clear()
        defer { cache.clear() }
        try await translatingErrors { try await core.signOutAsync() }
    }

    /// ``signOut()`` for synchronous code. **Blocks the calling thread** during the store
    /// update and the revocation request: not from an `async` context or the main thread.
    ///
    /// - Throws: as ``signOut()``.
    public func signOutBlocking() throws {
        cache.clear()
        defer { cache.clear() }
        try translatingErrors { try core.signOut() }
    }
}

// MARK: - Sign-in: authorization code with PKCE

/// One sign-in with the authorization code grant and PKCE (RFC 7636, `S256`): the protocol
/// half. The browser step is the app's (`ASWebAuthenticationSession` on iOS and macOS, the
/// system browser with a loopback redirect on a desktop):
///
/// 1. Open ``authorizationURL`` in the browser. It carries a fresh `state`, the PKCE
///    challenge, and a ``nonce`` when the `openid` scope is asked.
/// 2. When the browser comes back to the redirect URI, pass the whole URL to
///    ``finish(redirectURL:)``: it checks `state`, turns an `error` into
///    ``AuthError/oauth(status:error:description:)``, exchanges the code with the verifier
///    (one attempt, no retry: a code is single-use) and returns the ``SessionTokens``.
///
/// The verifier never leaves the core. Prints as `AuthorizationCodeFlow(client_id=...,
/// redirect_uri=..., state=[redacted], verifier=[redacted])`.
public final class AuthorizationCodeFlow: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let core: AuthwireUniFFI.AuthorizationCodeFlow
    /// The URL to open in the browser: the authorization endpoint with `response_type=code`,
    /// `client_id`, `redirect_uri`, `scope`, `state`, `code_challenge` (S256) and, with the
    /// `openid` scope, `nonce`. The same for the life of this sign-in.
    public let authorizationURL: URL

    /// A new sign-in (fresh `state`, verifier and `nonce`) at the server's
    /// `authorizationEndpoint` and `tokenURL`. `redirectURI` is registered for the client: a
    /// private-use scheme (`com.example.app:/oauth2redirect`), a claimed `https` URL, or a
    /// loopback URL. `clientSecret` (with `authMethod`) only for a confidential client.
    /// `options` apply to the code exchange (its `transport`: ``URLSessionTransport``).
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for an endpoint that is not HTTPS
    ///   (plain HTTP only to loopback), an empty client id, a redirect URI that is not
    ///   absolute, an invalid scope or invalid options.
    public init(
        authorizationEndpoint: URL, tokenURL: URL, clientID: String, redirectURI: URL, scopes: [String] = [],
        clientSecret: String? = nil, authMethod: ClientAuthMethod = .clientSecretBasic,
        options: TokenOptions = TokenOptions()
    ) throws {
        let options = options.core
        let core = try translatingErrors {
            try AuthwireUniFFI.AuthorizationCodeFlow(
                authorizationUrl: authorizationEndpoint.absoluteString, tokenUrl: tokenURL.absoluteString,
                clientId: clientID, redirectUri: redirectURI.absoluteString, scopes: scopes,
                clientSecret: clientSecret, authMethod: authMethod, options: options)
        }
        guard let url = URL(string: core.authorizationUrl()) else {
            throw AuthError.invalidConfiguration(
                reason: "the authorization URL built from the endpoint is not a valid URL for Foundation")
        }
        self.core = core
        authorizationURL = url
    }

    /// The `nonce` sent with the `openid` scope, to compare with the ID token's `nonce` claim
    /// when you validate it; `nil` without `openid`.
    public var nonce: String? { core.nonce() }

    /// The sign-in's end: checks `redirectURL` (the whole URL the browser came back with) and
    /// exchanges its code with the PKCE verifier, awaited without blocking a thread.
    ///
    /// - Throws: ``AuthError/invalidResponse(reason:)`` when the redirect is not for this
    ///   sign-in (another redirect URI, a `state` that does not match, a repeated parameter,
    ///   no code) or the answer is not a Bearer token answer with a refresh token;
    ///   ``AuthError/oauth(status:error:description:)`` for an `error` in the redirect (status
    ///   302, e.g. `access_denied` when the user refused) or from the token endpoint (400
    ///   `invalid_grant` for a replayed code or a wrong verifier); network errors.
    public func finish(redirectURL: URL) async throws -> SessionTokens {
        SessionTokens(
            core: try await translatingErrors { try await core.finishAsync(redirectUrl: redirectURL.absoluteString) })
    }

    /// ``finish(redirectURL:)`` for synchronous code. **Blocks the calling thread** during the
    /// code exchange.
    ///
    /// - Throws: as ``finish(redirectURL:)``.
    public func finishBlocking(redirectURL: URL) throws -> SessionTokens {
        SessionTokens(core: try translatingErrors { try core.finish(redirectUrl: redirectURL.absoluteString) })
    }

    /// `AuthorizationCodeFlow(client_id=..., redirect_uri=..., state=[redacted], verifier=[redacted])`.
    public var description: String { core.description }
    /// As ``description``.
    public var debugDescription: String { core.description }
    /// No children: `dump()` shows the redacted description only (the authorization URL
    /// carries the `state`).
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}

// MARK: - Sign-in: the device authorization grant

/// What to show the user while a ``DeviceAuthorizationFlow`` waits: the code to type and
/// where. None of it is secret (the device code stays inside the flow).
public struct DeviceCode: Sendable, Hashable {
    /// The code the user types at the verification URI, e.g. `WDJB-MJHT`.
    public let userCode: String
    /// Where the user goes, on another device: always `https`.
    public let verificationURI: URL
    /// The verification URI with the code in it (for a QR code), when the server gives one.
    public let verificationURIComplete: URL?
    /// How long the code is valid.
    public let expiresIn: Duration
    /// How often the flow polls the token endpoint.
    public let interval: Duration

    init(_ core: AuthwireUniFFI.DeviceCode) throws {
        guard let uri = URL(string: core.verificationUri) else {
            throw AuthError.invalidResponse(reason: "the device authorization's verification_uri is not a valid URL")
        }
        userCode = core.userCode
        verificationURI = uri
        verificationURIComplete = core.verificationUriComplete.flatMap { URL(string: $0) }
        expiresIn = .seconds(Int64(clamping: core.expiresInSecs))
        interval = .seconds(Int64(clamping: core.intervalSecs))
    }
}

/// One sign-in with the device authorization grant (RFC 8628): for TVs, command-line tools
/// and devices without a browser.
///
/// 1. ``start()`` asks the server for a code and returns the ``DeviceCode`` to show: "go to
///    `verificationURI` and type `userCode`".
/// 2. ``wait()`` polls the token endpoint at the server's interval (5 s when it names none),
///    keeps waiting while the user has not decided, adds 5 s on each `slow_down`, and returns
///    the ``SessionTokens`` once the user approves. `access_denied` and `expired_token` (or
///    the code's lifetime running out) end it with ``AuthError/oauth(status:error:description:)``.
///    ``cancel()``, or cancelling the `Task` that awaits ``wait()``, ends it with
///    ``AuthError/cancelled(reason:)``.
///
/// Prints as `DeviceAuthorizationFlow(client_id=..., device_code=[redacted])`.
public final class DeviceAuthorizationFlow: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let core: AuthwireUniFFI.DeviceAuthorizationFlow

    /// A device sign-in at the server's `deviceAuthorizationURL` (RFC 8628 §3.1), then
    /// `tokenURL`. `clientSecret` (with `authMethod`) only for a confidential client. No
    /// request is sent until ``start()``.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` for an endpoint that is not HTTPS
    ///   (plain HTTP only to loopback), an empty client id, an invalid scope or invalid
    ///   options.
    public init(
        deviceAuthorizationURL: URL, tokenURL: URL, clientID: String, scopes: [String] = [],
        clientSecret: String? = nil, authMethod: ClientAuthMethod = .clientSecretBasic,
        options: TokenOptions = TokenOptions()
    ) throws {
        let options = options.core
        core = try translatingErrors {
            try AuthwireUniFFI.DeviceAuthorizationFlow(
                deviceAuthorizationUrl: deviceAuthorizationURL.absoluteString, tokenUrl: tokenURL.absoluteString,
                clientId: clientID, scopes: scopes, clientSecret: clientSecret, authMethod: authMethod,
                options: options)
        }
    }

    /// Asks the server for a code (RFC 8628 §3.1); returns what to show the user.
    ///
    /// - Throws: ``AuthError/invalidResponse(reason:)`` for an answer without a device or user
    ///   code, a verification URI that is not `https`, an `interval` of 0 or over an hour, or
    ///   an `expires_in` outside 1 s to 1 day; ``AuthError/oauth(status:error:description:)``
    ///   for the server's error; network errors.
    public func start() async throws -> DeviceCode {
        try DeviceCode(try await translatingErrors { try await core.startAsync() })
    }

    /// ``start()`` for synchronous code. **Blocks the calling thread** during the request.
    ///
    /// - Throws: as ``start()``.
    public func startBlocking() throws -> DeviceCode {
        try DeviceCode(try translatingErrors { try core.start() })
    }

    /// Polls until the user approves; returns the session's tokens. Cancelling the awaiting
    /// `Task` stops the wait (and any later one), as ``cancel()`` does.
    ///
    /// - Throws: ``AuthError/oauth(status:error:description:)`` with `access_denied` (the user
    ///   refused) or `expired_token` (the code expired, also when its lifetime ran out here);
    ///   ``AuthError/cancelled(reason:)`` after ``cancel()`` or the task's cancellation;
    ///   ``AuthError/invalidResponse(reason:)`` for an answer without a refresh token;
    ///   ``AuthError/invalidConfiguration(reason:)`` before ``start()``.
    public func wait() async throws -> SessionTokens {
        let core = core
        return SessionTokens(
            core: try await withTaskCancellationHandler {
                try await translatingErrors { try await core.waitAsync() }
            } onCancel: {
                core.cancel()
            })
    }

    /// ``wait()`` for synchronous code. **Blocks the calling thread** until the user decides,
    /// the code expires or ``cancel()`` is called (from another thread).
    ///
    /// - Throws: as ``wait()``.
    public func waitBlocking() throws -> SessionTokens {
        SessionTokens(core: try translatingErrors { try core.wait() })
    }

    /// Stops a wait under way (it fails with ``AuthError/cancelled(reason:)``) and any later
    /// one. Callable from any thread.
    public func cancel() {
        core.cancel()
    }

    /// `DeviceAuthorizationFlow(client_id=..., device_code=[redacted])`.
    public var description: String { core.description }
    /// As ``description``.
    public var debugDescription: String { core.description }
    /// No children: `dump()` shows the redacted description only.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
