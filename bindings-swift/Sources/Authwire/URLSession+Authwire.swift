// authwire's URLSession integration: the one place where the Swift layer talks HTTP.
import AuthwireUniFFI
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension URLRequest {
    /// Sets the `Authorization` header from `tokens`: from its cache while the token is
    /// fresh, else after the shared token request.
    ///
    /// - Throws: the token request's ``AuthError``.
    public mutating func authorize(with tokens: TokenManager) async throws {
        setValue(try await tokens.authorization(), forHTTPHeaderField: authorizationHeader)
    }

    /// Sets the headers of a CSRF-protected write: `X-CSRF-Token`, `Authorization` and the
    /// session's cookies (added to any `Cookie` header the request already has). The request
    /// stops using the URL session's cookie storage, whose cookies could replace the session
    /// cookie the CSRF token is bound to.
    public mutating func authorize(with csrf: CSRFHeaders) {
        setValue(csrf.csrfToken, forHTTPHeaderField: "X-CSRF-Token")
        setValue(csrf.authorization, forHTTPHeaderField: authorizationHeader)
        addSessionCookie(csrf.cookie)
    }

    /// Whether the method is safe (`GET`, `HEAD`, `OPTIONS`; a request without a method is a
    /// `GET`): a CSRF-protected server wants no token for it.
    var isSafeMethod: Bool {
        ["GET", "HEAD", "OPTIONS"].contains((httpMethod ?? "GET").uppercased())
    }

    /// Adds a session cookie to the request's `Cookie` header and stops the URL session's
    /// cookie storage from replacing it.
    mutating func addSessionCookie(_ cookie: String?) {
        guard let cookie else { return }
        let existing = value(forHTTPHeaderField: "Cookie").flatMap { $0.isEmpty ? nil : $0 }
        setValue(existing.map { "\($0); \(cookie)" } ?? cookie, forHTTPHeaderField: "Cookie")
        httpShouldHandleCookies = false
    }
}

extension URLSession {
    /// Sends `request` with the `Authorization` header from `tokens`. When the API answers
    /// 401, the token that request carried is invalidated and the request is sent once more
    /// with a fresh token; the second answer is returned whatever it is, so this never loops.
    /// Of many concurrent 401s for the same token only the first causes a token request.
    ///
    /// - Throws: the token request's ``AuthError``, or the `URLError` of the request.
    public func data(for request: URLRequest, authorizedBy tokens: TokenManager) async throws -> (
        Data, URLResponse
    ) {
        var request = request
        let sent = try await tokens.authorization()
        request.setValue(sent, forHTTPHeaderField: authorizationHeader)
        let first = try await send(request)
        guard (first.1 as? HTTPURLResponse)?.statusCode == 401 else { return first }
        tokens.invalidate(sent)
        let fresh = try await tokens.authorization()
        // The same token again (a static token, or a refresh that returned it): resending
        // would only repeat the 401.
        guard fresh != sent else { return first }
        request.setValue(fresh, forHTTPHeaderField: authorizationHeader)
        return try await send(request)
    }

    /// Sends a request to a CSRF-protected server.
    ///
    /// A read (`GET`, `HEAD`, `OPTIONS`) is sent with the session's Basic `Authorization` and
    /// cookies (``CSRFSession/readHeaders``), without a CSRF token and without fetching one.
    ///
    /// A write gets the session's CSRF token, cookies and credentials
    /// (``Foundation/URLRequest/authorize(with:)-(CSRFHeaders)``); when the server answers 403
    /// with `x-csrf-token: Required`, the token is invalidated, fetched again, and the request
    /// is sent once more. The second answer is returned whatever it is.
    ///
    /// - Throws: the fetch's ``AuthError``, or the `URLError` of the request.
    public func data(for request: URLRequest, csrf session: CSRFSession) async throws -> (
        Data, URLResponse
    ) {
        var request = request
        if request.isSafeMethod {
            let read = session.readHeaders
            request.setValue(read[authorizationHeader], forHTTPHeaderField: authorizationHeader)
            request.addSessionCookie(read["Cookie"])
            return try await send(request)
        }
        let sent = try await session.headers()
        request.authorize(with: sent)
        let first = try await send(request)
        guard let response = first.1 as? HTTPURLResponse, response.statusCode == 403,
            response.value(forHTTPHeaderField: "x-csrf-token")?.lowercased() == "required"
        else { return first }
        session.invalidate(sent.csrfToken)
        let fresh = try await session.headers()
        guard fresh.csrfToken != sent.csrfToken else { return first }
        request = Self.withoutCsrf(request, original: sent)
        request.authorize(with: fresh)
        return try await send(request)
    }

    /// The request without the cookie value `authorize(with:)` added, so the retry carries
    /// only the new session's cookies.
    private static func withoutCsrf(_ request: URLRequest, original: CSRFHeaders) -> URLRequest {
        var request = request
        if let added = original.cookie, let cookie = request.value(forHTTPHeaderField: "Cookie") {
            let rest = cookie == added ? "" : cookie.replacingOccurrences(of: "; \(added)", with: "")
            request.setValue(rest.isEmpty ? nil : rest, forHTTPHeaderField: "Cookie")
        }
        return request
    }

    private func send(_ request: URLRequest) async throws -> (Data, URLResponse) {
        try await data(for: request)
    }
}

/// Sends a manager's token requests through `URLSession`, so that the app's proxy, VPN,
/// certificate pinning (the session's delegate) and App Transport Security apply to them:
///
/// ```swift
/// let options = TokenOptions(transport: URLSessionTransport())
/// let tokens = try TokenManager.apiKeyExchange(tokenURL: url, apiKey: key, options: options)
/// ```
///
/// It never follows a redirect (the core treats a 3xx as an error, so credentials are never
/// re-sent elsewhere), stores no cookies and reads no cache. The core keeps the timeouts, the
/// body limit, HTTPS-only and the retry policy. A `URLError` becomes
/// ``HTTPTransportError/classified(kind:reason:)`` with its ``NetworkErrorKind`` (see
/// `NetworkErrorKind.init(_:)`): an unknown host or a certificate or TLS failure fails at
/// once, the other kinds are retried.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    /// A transport over `session` (default: `URLSession.shared`): its configuration (proxy,
    /// timeouts, protocol classes) applies. On Apple platforms the session itself sends the
    /// requests, so its delegate still handles authentication challenges (certificate
    /// pinning), and a task delegate refuses redirects. swift-corelibs-foundation (Linux)
    /// ignores task delegates' redirect callbacks, so there the requests go through a session
    /// made from `session.configuration` (without its cookie storage and cache) whose own
    /// delegate refuses them; every transport made from the same `session` shares that one.
    public init(session: URLSession = .shared) {
        #if canImport(FoundationNetworking)
            self.session = LinuxSessions.shared.session(from: session)
        #else
            self.session = session
        #endif
    }

    /// Sends one token request (called by the core).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let url = request.url
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        for header in request.headers {
            urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
        }
        urlRequest.httpBody = request.body
        let timeout = Double(request.timeout.components.seconds) + Double(request.timeout.components.attoseconds) / 1e18
        // The core's own timeout is what the caller sees; this one frees URLSession's resources.
        // swift-corelibs-foundation counts it in whole seconds (0.5 would time out at once).
        #if canImport(FoundationNetworking)
            urlRequest.timeoutInterval = max(timeout.rounded(.up), 1)
        #else
            urlRequest.timeoutInterval = max(timeout, 0.001)
        #endif
        urlRequest.httpShouldHandleCookies = false
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest, delegate: RefuseRedirects.shared)
        } catch let error as URLError {
            throw HTTPTransportError.classified(kind: NetworkErrorKind(error), reason: Self.reason(error))
        }
        guard let http = response as? HTTPURLResponse else {
            throw HTTPTransportError.network(reason: "URLSession returned a response that is not HTTP")
        }
        // A session whose own delegate follows redirects would answer for another URL.
        if let answered = http.url, answered != url {
            throw HTTPTransportError.network(
                reason: "URLSession followed a redirect, which authwire never does; configure the final URL")
        }
        return HTTPResponse(status: http.statusCode, headers: headers(of: http), body: data)
    }

    /// `URLError -1003: Could not resolve host: ...`: the code and URLSession's own description
    /// (libcurl's message on Linux), for the caller's message after the core's sentence.
    private static func reason(_ error: URLError) -> String {
        let message = URLErrorTexts(error).all.first ?? ""
        return message.isEmpty ? "URLError \(error.code.rawValue)" : "URLError \(error.code.rawValue): \(message)"
    }

    /// The response headers, with `Set-Cookie` split back into one header per cookie
    /// (URLSession joins repeated headers with commas, which cookies' dates also contain).
    private func headers(of response: HTTPURLResponse) -> [HTTPHeader] {
        var headers: [HTTPHeader] = []
        for (key, value) in response.allHeaderFields {
            guard let name = key as? String, let value = value as? String else { continue }
            if name.caseInsensitiveCompare("Set-Cookie") == .orderedSame, let url = response.url {
                for cookie in HTTPCookie.cookies(withResponseHeaderFields: [name: value], for: url) {
                    headers.append(HTTPHeader(name: "set-cookie", value: "\(cookie.name)=\(cookie.value)"))
                }
            } else {
                headers.append(HTTPHeader(name: name, value: value))
            }
        }
        return headers
    }
}

#if canImport(FoundationNetworking)
    /// The redirect-refusing sessions of swift-corelibs-foundation, one per source session for
    /// the life of the process. Each `URLSession` there keeps its own libcurl multi handle and
    /// dispatch sources until it is invalidated, so a session per transport (a transport per
    /// manager) ties up threads and, under load, left token requests unanswered
    /// (swift-corelibs-foundation issue 3497, "Unshared URLSession on Linux ties up threads
    /// forever"). The source session is kept too, so its identifier is never reused.
    private final class LinuxSessions: @unchecked Sendable {
        static let shared = LinuxSessions()
        private let lock = NSLock()
        private var sessions: [ObjectIdentifier: (source: URLSession, refusing: URLSession)] = [:]

        func session(from source: URLSession) -> URLSession {
            lock.lock()
            defer { lock.unlock() }
            if let known = sessions[ObjectIdentifier(source)] { return known.refusing }
            // Also without cookie storage: swift-corelibs-foundation stores Set-Cookie even for
            // requests that do not handle cookies, and the CSRF session cookies are the core's.
            let configuration = source.configuration
            configuration.httpCookieStorage = nil
            configuration.httpCookieAcceptPolicy = .never
            configuration.httpShouldSetCookies = false
            configuration.urlCache = nil
            let refusing = URLSession(
                configuration: configuration, delegate: RefuseRedirects.shared, delegateQueue: nil)
            sessions[ObjectIdentifier(source)] = (source, refusing)
            return refusing
        }
    }
#endif

/// A task (or, on Linux, session) delegate that answers every redirect with "do not follow":
/// URLSession then returns the 3xx response itself.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    static let shared = RefuseRedirects()

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

extension NetworkErrorKind {
    /// The kind of a `URLError` that URLSession threw, as ``URLSessionTransport`` reports it; for
    /// your own ``HTTPTransport`` over URLSession:
    /// `throw HTTPTransportError.classified(kind: NetworkErrorKind(error), reason: error.localizedDescription)`.
    ///
    /// By code first: `.cannotFindHost` is `.nameNotResolved` (no platform tells a temporary
    /// resolver failure apart under that code; `.dnsLookupFailed` is `.nameResolutionTemporary`),
    /// `.cannotConnectToHost`, `.notConnectedToInternet` and the cellular codes are
    /// `.connectionRefused`, `.timedOut` is `.readTimeout` (`.connectTimeout` when libcurl says
    /// the connection was not open yet), `.networkConnectionLost` is `.connectionReset`,
    /// `.serverCertificateUntrusted` and `.serverCertificateHasUnknownRoot` are
    /// `.certificateUntrusted`, `.serverCertificateHasBadDate` and
    /// `.serverCertificateNotYetValid` are `.certificateExpired`, `.secureConnectionFailed` and
    /// the client-certificate codes are `.tlsHandshake`; on Apple platforms the Secure Transport
    /// code in the error's `userInfo` refines a certificate failure (host name mismatch,
    /// expiry) and a CFNetwork proxy error is `.proxy`.
    ///
    /// swift-corelibs-foundation (Linux) gives only a few codes (`.cannotFindHost`,
    /// `.cannotConnectToHost` for a refused connection, `.networkConnectionLost` for a reset,
    /// `.timedOut`) and `.unknown` for everything else, with libcurl's message as the
    /// description: that message decides (`SSL certificate problem: unable to get local issuer
    /// certificate` is `.certificateUntrusted`, `... certificate has expired` is
    /// `.certificateExpired`, `SSL: no alternative certificate subject name matches target host
    /// name` is `.certificateWrongName`, another `SSL`/`TLS` error is `.tlsHandshake`, and so
    /// on). Anything else is `.other`, which is retried.
    public init(_ error: URLError) {
        let texts = URLErrorTexts(error)
        self = Self.byCode(error.code, texts) ?? Self.byCurlMessage(texts.all) ?? .other
    }

    private static func byCode(_ code: URLError.Code, _ texts: URLErrorTexts) -> NetworkErrorKind? {
        if texts.isCFNetworkProxyError { return .proxy }
        switch code {
        // Linux: libcurl's CURLE_COULDNT_RESOLVE_HOST, the same for "no such name" and a
        // resolver that failed for now; Apple platforms also use this code for both.
        case .cannotFindHost: return .nameNotResolved
        case .dnsLookupFailed: return .nameResolutionTemporary
        case .cannotConnectToHost, .notConnectedToInternet, .internationalRoamingOff, .callIsActive,
            .dataNotAllowed:
            return .connectionRefused
        case .timedOut:
            let message = texts.all.joined(separator: " ").lowercased()
            if message.contains("resolving timed out") { return .nameResolutionTemporary }
            // libcurl: "Connection timed out after N milliseconds" (CURLE_OPERATION_TIMEDOUT
            // while connecting), "Failed to connect to ... port ...: Connection timed out"
            // (CURLE_COULDNT_CONNECT with ETIMEDOUT). Apple platforms do not say.
            if message.contains("connection timed out") || message.contains("failed to connect") {
                return .connectTimeout
            }
            return .readTimeout
        case .networkConnectionLost: return .connectionReset
        // Linux: libcurl's CURLE_GOT_NOTHING ("Empty reply from server"), a connection closed
        // before any answer.
        case .badServerResponse:
            return texts.all.contains { $0.contains("Empty reply") } ? .connectionReset : nil
        case .serverCertificateUntrusted, .serverCertificateHasUnknownRoot:
            return texts.secureTransportKind ?? .certificateUntrusted
        case .serverCertificateHasBadDate, .serverCertificateNotYetValid: return .certificateExpired
        case .secureConnectionFailed:
            return texts.secureTransportKind ?? .tlsHandshake
        case .clientCertificateRejected, .clientCertificateRequired: return .tlsHandshake
        // Linux: every libcurl error that swift-corelibs-foundation does not map, TLS included.
        case .unknown: return nil
        default: return .other
        }
    }

    /// libcurl's messages (its error buffer, which swift-corelibs-foundation keeps as the
    /// description), as libcurl 7.88 over OpenSSL 3 words them; GnuTLS's wording is covered
    /// where it differs.
    private static func byCurlMessage(_ texts: [String]) -> NetworkErrorKind? {
        let message = texts.joined(separator: " ")
        let lower = message.lowercased()
        func has(_ words: String...) -> Bool { words.contains { lower.contains($0.lowercased()) } }
        // "Could not resolve proxy: ...", "Received HTTP code 407 from proxy after CONNECT",
        // "CONNECT tunnel failed, response 403", "Proxy CONNECT aborted".
        if has("proxy", "CONNECT tunnel") { return .proxy }
        // "SSL certificate problem: certificate has expired" / "... is not yet valid".
        if has("certificate") && has("expired", "not yet valid", "not activated") { return .certificateExpired }
        if has("certificate revoked", "certificate has been revoked") { return .certificateRevoked }
        // "SSL: no alternative certificate subject name matches target host name '127.0.0.1'",
        // "SSL: certificate subject name '...' does not match target host name '...'".
        if has("target host name") { return .certificateWrongName }
        // "SSL certificate problem: unable to get local issuer certificate" (or "self-signed
        // certificate in certificate chain", ...); GnuTLS: "server verification failed: ...".
        if has("SSL certificate problem", "server verification failed", "certificate verify failed") {
            return .certificateUntrusted
        }
        // "Recv failure: Connection reset by peer" (when the errno was not ECONNRESET),
        // "transfer closed with 95 bytes remaining to read", "OpenSSL SSL_connect:
        // SSL_ERROR_SYSCALL in connection to ...": the connection broke off.
        if has(
            "connection reset", "Recv failure", "Send failure", "transfer closed", "Empty reply",
            "SSL_ERROR_SYSCALL", "Connection died")
        {
            return .connectionReset
        }
        if has("Resolving timed out") { return .nameResolutionTemporary }
        if has("Connection timed out") { return .connectTimeout }
        if has("timed out", "Timeout was reached") { return .readTimeout }
        if has("Could not resolve host") { return .nameNotResolved }
        // "Failed to connect to 10.0.0.1 port 443 after 3 ms: No route to host" (an errno other
        // than ECONNREFUSED, which has its own code).
        if has("Failed to connect", "Couldn't connect", "No route to host", "Network is unreachable") {
            return .connectionRefused
        }
        // "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number", "SSL connect
        // error", "TLS connect error: ...".
        if message.contains("SSL") || message.contains("TLS") { return .tlsHandshake }
        return nil
    }
}

/// What a `URLError` says about itself: the descriptions of the error and of its underlying
/// errors, and the codes Apple platforms add.
struct URLErrorTexts {
    /// The descriptions, the error's own first (on Linux: libcurl's message).
    let all: [String]
    /// The first Secure Transport code (`_kCFStreamErrorCodeKey`) of the chain, as a kind.
    let secureTransportKind: NetworkErrorKind?
    /// Whether the chain has a CFNetwork proxy error (`kCFErrorHTTPProxyConnectionFailure`,
    /// `kCFErrorHTTPBadProxyCredentials`, the PAC file errors,
    /// `kCFErrorHTTPSProxyConnectionFailure`, an unexpected answer to CONNECT).
    let isCFNetworkProxyError: Bool

    init(_ error: URLError) {
        var all: [String] = []
        var secureTransport: NetworkErrorKind?
        var proxy = false
        var next: NSError? = error as NSError
        var depth = 0
        while let current = next, depth < 8 {
            if let text = current.userInfo[NSLocalizedDescriptionKey] as? String, !text.isEmpty,
                !all.contains(text)
            {
                all.append(text)
            }
            if secureTransport == nil, let code = current.userInfo["_kCFStreamErrorCodeKey"] as? Int {
                secureTransport = Self.secureTransportKind(code)
            }
            if current.domain == "kCFErrorDomainCFNetwork", (306...311).contains(current.code) {
                proxy = true
            }
            next = current.userInfo[NSUnderlyingErrorKey] as? NSError
            depth += 1
        }
        self.all = all
        self.secureTransportKind = secureTransport
        self.isCFNetworkProxyError = proxy
    }

    /// Secure Transport's certificate codes (SecureTransport.h).
    private static func secureTransportKind(_ code: Int) -> NetworkErrorKind? {
        switch code {
        case -9843: .certificateWrongName  // errSSLHostNameMismatch
        case -9814, -9815: .certificateExpired  // errSSLCertExpired, errSSLCertNotYetValid
        // errSSLXCertChainInvalid, errSSLBadCert, errSSLUnknownRootCert, errSSLNoRootCert
        case -9807, -9808, -9812, -9813: .certificateUntrusted
        default: nil
        }
    }
}
