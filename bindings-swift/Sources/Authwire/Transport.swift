// The transport seam: the host's HTTP stack sends the core's token requests.
import AuthwireUniFFI
import Foundation

/// Sends the core's token requests through the host's HTTP stack: ``URLSessionTransport``, or
/// your own implementation, given as `TokenOptions(transport: ...)`.
///
/// Contract: send the request as given, return every status as a response, never follow
/// redirects, and throw ``HTTPTransportError`` when no response came: preferably
/// `.classified(kind:reason:)` with the ``NetworkErrorKind`` that happened (for a `URLError`,
/// `NetworkErrorKind(urlError)`), so that failures retrying cannot fix (an untrusted
/// certificate, an unknown host) fail at once. Any other error counts as
/// `NetworkErrorKind.other`, which is retried.
public protocol HTTPTransport: Sendable {
    /// Sends one token request and returns the server's answer, body read in full.
    ///
    /// - Throws: ``HTTPTransportError`` when no response could be obtained.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// A token request for a transport to send, exactly as given. It carries credentials (in a
/// header or the body): its `description` shows the method and URL only.
public struct HTTPRequest: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// `GET`, `HEAD` or `POST`.
    public let method: String
    /// The absolute URL: `https://`, or `http://` to loopback.
    public let url: URL
    /// The request headers, in order. Send them as given; a transport may add its own
    /// (`User-Agent`, `Accept-Encoding`) but must not drop these.
    public let headers: [HTTPHeader]
    /// The request body, if any (JSON or form-urlencoded, as the headers say).
    public let body: Data?
    /// The core gives up on this request after this time (and may cancel it). Use it as the
    /// transport's own per-call timeout so that it frees its resources.
    public let timeout: Duration
    /// The core rejects a response body longer than this many bytes. A transport may stop
    /// reading after `maxBodyBytes + 1` bytes and return what it read.
    public let maxBodyBytes: Int

    /// A request from its parts.
    public init(
        method: String, url: URL, headers: [HTTPHeader], body: Data?, timeout: Duration, maxBodyBytes: Int
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// `HTTPRequest(POST https://...)`: no header or body, which may hold credentials.
    public var description: String { "HTTPRequest(\(method) \(url.absoluteString))" }
    /// As ``description``.
    public var debugDescription: String { description }
    /// The method and URL only.
    public var customMirror: Mirror {
        Mirror(self, children: ["method": method, "url": url], displayStyle: .struct)
    }
}

/// What the server answered, as a transport returns it: every status as it is, 3xx, 4xx and
/// 5xx included.
public struct HTTPResponse: Sendable, Hashable {
    /// The HTTP status code, as `HTTPURLResponse.statusCode` gives it.
    public let status: Int
    /// The response headers; a header received several times (`Set-Cookie`) appears once per
    /// value.
    public let headers: [HTTPHeader]
    /// The response body (empty for `HEAD`), decompressed if the transport negotiated
    /// compression.
    public let body: Data

    /// A response from its parts.
    public init(status: Int, headers: [HTTPHeader], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// One HTTP header of an ``HTTPRequest`` or ``HTTPResponse``. Names compare case-insensitively
/// on the wire. The values of `Authorization`, `Cookie` and `Set-Cookie` print as
/// `[redacted]`.
public struct HTTPHeader: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The header name, e.g. `content-type`.
    public let name: String
    /// The header value. In a request it may be a credential (`Authorization`).
    public let value: String

    /// A header from its name and value.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    private var printedValue: String {
        ["authorization", "cookie", "set-cookie", "proxy-authorization"].contains(name.lowercased())
            ? redacted : value.debugDescription
    }

    /// `HTTPHeader(name: value)`, credentials as `[redacted]`.
    public var description: String { "HTTPHeader(\(name): \(printedValue))" }
    /// As ``description``.
    public var debugDescription: String { description }
    /// The name, and the value unless it is a credential.
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "value": printedValue], displayStyle: .struct)
    }
}

/// Why a transport could not produce a response. `.classified(kind:reason:)` carries the
/// ``NetworkErrorKind``: the core retries it only when ``NetworkErrorKind/isRetried`` says so,
/// and the caller gets ``AuthError/network(kind:reason:)`` with that kind and the transport's
/// `reason` in the sentence. `.network(reason:)` (no kind) counts as
/// `NetworkErrorKind.other`, which is retried.
public enum HTTPTransportError: Error, Sendable, Hashable {
    /// The request could not be completed, for a reason the transport did not classify.
    case network(reason: String)
    /// The request could not be completed, and the transport knows why.
    case classified(kind: NetworkErrorKind, reason: String)
}

/// The core's view of a host transport.
final class TransportAdapter: AuthwireUniFFI.HttpTransport {
    let transport: any HTTPTransport

    init(_ transport: any HTTPTransport) {
        self.transport = transport
    }

    func send(request: AuthwireUniFFI.HttpRequest) async throws -> AuthwireUniFFI.HttpResponse {
        guard let url = URL(string: request.url) else {
            throw AuthwireUniFFI.HttpTransportError.Network(reason: "the request URL is not valid")
        }
        let swiftRequest = HTTPRequest(
            method: request.method, url: url,
            headers: request.headers.map { HTTPHeader(name: $0.name, value: $0.value) }, body: request.body,
            timeout: fromMilliseconds(request.timeoutMs), maxBodyBytes: Int(clamping: request.maxBodyBytes))
        let response: HTTPResponse
        do {
            response = try await transport.send(swiftRequest)
        } catch HTTPTransportError.network(let reason) {
            throw AuthwireUniFFI.HttpTransportError.Network(reason: reason)
        } catch HTTPTransportError.classified(let kind, let reason) {
            throw AuthwireUniFFI.HttpTransportError.Classified(kind: kind, reason: reason)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw AuthwireUniFFI.HttpTransportError.Network(reason: String(describing: error))
        }
        return AuthwireUniFFI.HttpResponse(
            status: UInt16(clamping: response.status),
            headers: response.headers.map { AuthwireUniFFI.HttpHeader(name: $0.name, value: $0.value) },
            body: response.body)
    }
}

/// The transport to give the core.
func coreTransport(_ transport: any HTTPTransport) -> any AuthwireUniFFI.HttpTransport {
    TransportAdapter(transport)
}
