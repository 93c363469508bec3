import AuthwireUniFFI
import Foundation

/// An XTD API key: the JSON file downloaded from the portal (`appClientId`,
/// `appClientSecret`, `encodedKey`), or just the encoded key. Pass it to
/// ``TokenManager/apiKeyExchange(tokenURL:apiKey:options:)``.
///
/// It never prints its secrets: `description`, `debugDescription`, `String(reflecting:)` and
/// `dump()` show `[redacted]`.
public final class APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    let core: AuthwireUniFFI.ApiKey

    /// Reads the key file's JSON text.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when it is not a key file.
    public convenience init(json: String) throws {
        self.init(core: try translatingErrors { try AuthwireUniFFI.ApiKey.fromJson(text: json) })
    }

    /// Reads the key file at a `file://` URL.
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when the URL is not a file URL,
    ///   the file cannot be read, or it is not a key file.
    public convenience init(contentsOf url: URL) throws {
        guard url.isFileURL else {
            throw AuthError.invalidConfiguration(reason: "the API-key file URL must be a file:// URL")
        }
        let core = try translatingErrors { try AuthwireUniFFI.ApiKey.fromFile(path: url.path) }
        self.init(core: core)
    }

    /// A key given as its encoded form only (the `encodedKey` field).
    ///
    /// - Throws: ``AuthError/invalidConfiguration(reason:)`` when it is empty or malformed.
    public convenience init(encodedKey: String) throws {
        self.init(
            core: try translatingErrors { try AuthwireUniFFI.ApiKey.fromEncodedKey(encodedKey: encodedKey) })
    }

    init(core: AuthwireUniFFI.ApiKey) {
        self.core = core
    }

    /// The application's client id, if the key file has one (not a secret).
    public var appClientID: String? { core.appClientId() }

    /// The application's client secret, in clear, if the key file has one. Keep it out of logs.
    public var appClientSecret: String? { core.appClientSecret() }

    /// The encoded key sent to the token endpoint, in clear. Keep it out of logs.
    public var encodedKey: String { core.encodedKey() }

    /// The core's redacted form: the client id, never a secret.
    public var description: String { core.description }
    /// As ``description``.
    public var debugDescription: String { core.description }
    /// No children: `dump()` shows the redacted description only.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
