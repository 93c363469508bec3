import AuthwireUniFFI

/// The name of the header every builder's value goes in: `Authorization`.
public let authorizationHeader = "Authorization"

/// The HTTP Basic value for `userId` and `password` (RFC 7617): `Basic <base64(user:pass)>`,
/// UTF-8, never line-wrapped.
///
/// - Throws: ``AuthError/invalidInput(reason:)`` when the user-id contains `:` or either
///   value contains a control character; the message never quotes the password.
public func basicAuth(userId: String, password: String) throws -> String {
    try translatingErrors { try AuthwireUniFFI.basicAuth(userId: userId, password: password) }
}

/// The Bearer value for `token` (RFC 6750): `Bearer <token>`.
///
/// - Throws: ``AuthError/invalidInput(reason:)`` when `token` is not an RFC 6750 `b64token`.
public func bearerAuth(token: String) throws -> String {
    try translatingErrors { try AuthwireUniFFI.bearerAuth(token: token) }
}

/// SAP Open Connectors' composite value: `User <secret>, Organization <secret>,
/// Element <token>`, each part present when given.
///
/// - Throws: ``AuthError/invalidInput(reason:)`` for an empty user secret, a value with a
///   comma, whitespace or control character.
public func openConnectorsAuth(
    userSecret: String, organizationSecret: String? = nil, elementToken: String? = nil
) throws -> String {
    try translatingErrors {
        try AuthwireUniFFI.openConnectorsAuth(
            userSecret: userSecret, organizationSecret: organizationSecret,
            elementToken: elementToken)
    }
}

/// `<scheme> <credentials>` for any other scheme (RFC 9110 `token` and `token68`).
///
/// - Throws: ``AuthError/invalidInput(reason:)`` for an invalid scheme or credentials.
public func schemeAuth(scheme: String, credentials: String) throws -> String {
    try translatingErrors { try AuthwireUniFFI.schemeAuth(scheme: scheme, credentials: credentials) }
}

/// Decodes an HTTP Basic header value (`Basic <base64>`) into its user-id and password.
///
/// - Throws: ``AuthError/invalidInput(reason:)`` when the value is not a valid Basic value.
public func decodeBasic(headerValue: String) throws -> BasicCredentials {
    let decoded = try translatingErrors { try AuthwireUniFFI.decodeBasic(headerValue: headerValue) }
    return BasicCredentials(userId: decoded.userId(), password: decoded.password())
}

/// A user-id and password decoded from a Basic header. The password never prints:
/// `description`, `debugDescription`, `String(reflecting:)` and `dump()` show `[redacted]`.
public struct BasicCredentials: Sendable, Hashable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// The user-id (the part before the first `:`).
    public let userId: String
    /// The password, in clear. Keep it out of logs.
    public let password: String

    /// Credentials from their parts.
    public init(userId: String, password: String) {
        self.userId = userId
        self.password = password
    }

    /// `BasicCredentials(userId: "...", password: [redacted])`.
    public var description: String { "BasicCredentials(userId: \(userId.debugDescription), password: \(redacted))" }
    /// As ``description``.
    public var debugDescription: String { description }
    /// The user-id, and the password as `[redacted]`.
    public var customMirror: Mirror {
        Mirror(self, children: ["userId": userId, "password": redacted], displayStyle: .struct)
    }
}

/// What every secret prints as.
let redacted = "[redacted]"
