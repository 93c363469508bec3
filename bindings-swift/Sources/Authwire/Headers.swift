import AuthwireUniFFI

/// The name of the header every builder's value goes in: `Authorization`.
public let authorizationHeader = "Authorization"

/// The HTTP Basic value for `userID` and `password` (RFC 7617): `Basic <base64(user:pass)>`,
/// UTF-8, never line-wrapped.
///
/// - Throws: ``AuthError/invalidInput(reason:)`` when the user-id contains `:` or either
///   value contains a control character; the message never quotes the password.
public func basicAuth(userID: String, password: String) throws -> String {
    try translatingErrors { try AuthwireUniFFI.basicAuth(userId: userID, password: password) }
}

/// The Bearer value for `token` (RFC 6750): `Bearer <token>`.
///
/// Any non-empty visible-ASCII token (0x21-0x7E) is accepted as providers issue them:
/// `abc=d`, Salesforce's `00D...!AR...`, X's `AAAA...%2F...`, Facebook's `123|abc`.
///
/// - Throws: ``AuthError/invalidInput(reason:)`` for an empty token, or one with a space, tab,
///   CR, LF or other control character, DEL or non-ASCII; the message names the byte
///   position, never the token.
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

/// `<scheme> <credentials>` for any other scheme (RFC 9110 §11): `credentials` is either a
/// visible-ASCII value without spaces or quotes (token68-like: `SSWS 00Qx!AQ.4%2F`), or an
/// auth-param list as it goes on the wire (`token="abc"`, `username="Mufasa", nc=00000001`).
/// To build an auth-param list from values, use `schemeAuthParams(scheme:params:)`,
/// which quotes and escapes them.
///
/// - Throws: ``AuthError/invalidInput(reason:)`` for a scheme that is not an RFC 9110 token,
///   empty or malformed credentials, or CR, LF, another control character or non-ASCII
///   anywhere.
public func schemeAuth(scheme: String, credentials: String) throws -> String {
    try translatingErrors { try AuthwireUniFFI.schemeAuth(scheme: scheme, credentials: credentials) }
}

/// `<scheme> name="value", ...` from auth-params (RFC 9110 §11.2), in the order given: every
/// value becomes a quoted string, with `"` and `\` escaped and spaces kept.
///
/// ```swift
/// let header = try schemeAuthParams(scheme: "Token", params: ["token": #"a"b\c d"#, "realm": ""])
/// // Token token="a\"b\\c d", realm=""
/// ```
///
/// - Parameters:
///   - scheme: the auth scheme, an RFC 9110 token such as `Token` or `Digest`.
///   - params: the (name, value) pairs; names are RFC 9110 tokens, values any ASCII text
///     (visible characters, space, tab), empty included.
/// - Returns: the `Authorization` header value.
/// - Throws: ``AuthError/invalidInput(reason:)`` when there is no param, the scheme or a name
///   is not a token, or a value holds CR, LF, another control character, DEL or non-ASCII.
///   The message names the parameter's position, never its value.
public func schemeAuthParams(scheme: String, params: KeyValuePairs<String, String>) throws -> String {
    try schemeAuthParams(scheme: scheme, params: params.map { ($0.key, $0.value) })
}

/// `schemeAuthParams(scheme:params:)` for pairs built at run
/// time, e.g. `try schemeAuthParams(scheme: "Token", params: [("token", token)])`; the order is
/// kept.
///
/// - Throws: as the `KeyValuePairs` variant: ``AuthError/invalidInput(reason:)``, never
///   containing a value.
public func schemeAuthParams(scheme: String, params: [(String, String)]) throws -> String {
    try translatingErrors {
        try AuthwireUniFFI.schemeAuthParamLists(
            scheme: scheme, names: params.map(\.0), values: params.map(\.1))
    }
}

/// Decodes an HTTP Basic header value (`Basic <base64>`) into its user-id and password.
///
/// - Throws: ``AuthError/invalidInput(reason:)`` when the value is not a valid Basic value.
public func decodeBasic(headerValue: String) throws -> BasicCredentials {
    let decoded = try translatingErrors { try AuthwireUniFFI.decodeBasic(headerValue: headerValue) }
    return BasicCredentials(userID: decoded.userId(), password: decoded.password())
}

/// A user-id and password decoded from a Basic header. The password never prints:
/// `description`, `debugDescription`, `String(reflecting:)` and `dump()` show `[redacted]`.
public struct BasicCredentials: Sendable, Hashable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// The user-id (the part before the first `:`).
    public let userID: String
    /// The password, in clear. Keep it out of logs.
    public let password: String

    /// Credentials from their parts.
    public init(userID: String, password: String) {
        self.userID = userID
        self.password = password
    }

    /// `BasicCredentials(userID: "...", password: [redacted])`.
    public var description: String { "BasicCredentials(userID: \(userID.debugDescription), password: \(redacted))" }
    /// As ``description``.
    public var debugDescription: String { description }
    /// The user-id, and the password as `[redacted]`.
    public var customMirror: Mirror {
        Mirror(self, children: ["userID": userID, "password": redacted], displayStyle: .struct)
    }
}

/// What every secret prints as.
let redacted = "[redacted]"
