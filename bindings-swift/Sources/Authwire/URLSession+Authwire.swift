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
    public mutating func apply(_ csrf: CsrfHeaders) {
        setValue(csrf.csrfToken, forHTTPHeaderField: "X-CSRF-Token")
        setValue(csrf.authorization, forHTTPHeaderField: authorizationHeader)
        if let cookie = csrf.cookie {
            let existing = value(forHTTPHeaderField: "Cookie").flatMap { $0.isEmpty ? nil : $0 }
            setValue(existing.map { "\($0); \(cookie)" } ?? cookie, forHTTPHeaderField: "Cookie")
            httpShouldHandleCookies = false
        }
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

    /// Sends a CSRF-protected write: the session's CSRF token, cookies and credentials are
    /// applied (``Foundation/URLRequest/apply(_:)``); when the server answers 403 with
    /// `x-csrf-token: Required`, the token is invalidated, fetched again, and the request is
    /// sent once more. The second answer is returned whatever it is.
    ///
    /// - Throws: the fetch's ``AuthError``, or the `URLError` of the request.
    public func data(for request: URLRequest, csrf session: CsrfSession) async throws -> (
        Data, URLResponse
    ) {
        var request = request
        let sent = try await session.headers()
        request.apply(sent)
        let first = try await send(request)
        guard let response = first.1 as? HTTPURLResponse, response.statusCode == 403,
            response.value(forHTTPHeaderField: "x-csrf-token")?.lowercased() == "required"
        else { return first }
        session.invalidate(sent.csrfToken)
        let fresh = try await session.headers()
        guard fresh.csrfToken != sent.csrfToken else { return first }
        request = Self.withoutCsrf(request, original: sent)
        request.apply(fresh)
        return try await send(request)
    }

    /// The request without the cookie value `apply` added, so the retry carries only the new
    /// session's cookies.
    private static func withoutCsrf(_ request: URLRequest, original: CsrfHeaders) -> URLRequest {
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
/// body limit, HTTPS-only and the retry policy; a failure of URLSession becomes a network
/// error that the core retries.
public final class URLSessionTransport: AuthwireUniFFI.HttpTransport, Sendable {
    private let session: URLSession

    /// A transport over `session` (default: `URLSession.shared`): its configuration (proxy,
    /// timeouts, protocol classes) applies. On Apple platforms the session itself sends the
    /// requests, so its delegate still handles authentication challenges (certificate
    /// pinning), and a task delegate refuses redirects. swift-corelibs-foundation (Linux)
    /// ignores task delegates' redirect callbacks, so there the requests go through a session
    /// made from `session.configuration` (without its cookie storage and cache) whose own
    /// delegate refuses them.
    public init(session: URLSession = .shared) {
        #if canImport(FoundationNetworking)
            // Also without cookie storage: swift-corelibs-foundation stores Set-Cookie even for
            // requests that do not handle cookies, and the CSRF session cookies are the core's.
            let configuration = session.configuration
            configuration.httpCookieStorage = nil
            configuration.httpCookieAcceptPolicy = .never
            configuration.httpShouldSetCookies = false
            configuration.urlCache = nil
            self.session = URLSession(
                configuration: configuration, delegate: RefuseRedirects.shared, delegateQueue: nil)
        #else
            self.session = session
        #endif
    }

    /// Sends one token request (called by the core).
    public func send(request: HttpRequest) async throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw HttpTransportError.Network(reason: "the request URL is not valid")
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        for header in request.headers {
            urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
        }
        urlRequest.httpBody = request.body.map { Data($0) }
        // The core's own timeout is what the caller sees; this one frees URLSession's resources.
        // swift-corelibs-foundation counts it in whole seconds (0.5 would time out at once).
        #if canImport(FoundationNetworking)
            urlRequest.timeoutInterval = max((Double(request.timeoutMs) / 1000).rounded(.up), 1)
        #else
            urlRequest.timeoutInterval = max(Double(request.timeoutMs) / 1000, 0.001)
        #endif
        urlRequest.httpShouldHandleCookies = false
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest, delegate: RefuseRedirects.shared)
        } catch let error as URLError {
            throw HttpTransportError.Network(reason: "URLSession: \(error.code)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw HttpTransportError.Network(reason: "URLSession returned a response that is not HTTP")
        }
        // A session whose own delegate follows redirects would answer for another URL.
        if let answered = http.url, answered != url {
            throw HttpTransportError.Network(
                reason: "URLSession followed a redirect, which authwire never does; configure the final URL")
        }
        return HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers(of: http), body: data)
    }

    /// The response headers, with `Set-Cookie` split back into one header per cookie
    /// (URLSession joins repeated headers with commas, which cookies' dates also contain).
    private func headers(of response: HTTPURLResponse) -> [HttpHeader] {
        var headers: [HttpHeader] = []
        for (key, value) in response.allHeaderFields {
            guard let name = key as? String, let value = value as? String else { continue }
            if name.caseInsensitiveCompare("Set-Cookie") == .orderedSame, let url = response.url {
                for cookie in HTTPCookie.cookies(withResponseHeaderFields: [name: value], for: url) {
                    headers.append(HttpHeader(name: "set-cookie", value: "\(cookie.name)=\(cookie.value)"))
                }
            } else {
                headers.append(HttpHeader(name: name, value: value))
            }
        }
        return headers
    }
}

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
