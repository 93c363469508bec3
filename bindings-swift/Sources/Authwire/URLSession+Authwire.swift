// authwire's URLSession integration: the one place where the Swift layer talks HTTP.
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
