// Network and TLS failures, classified by kind, against REAL servers on 127.0.0.1
// (tests/scenarios/tls_servers.py: a test CA from trustme; certificates that are untrusted,
// expired or for another name; a connection reset mid-answer; a closed port) and a name in the
// `.invalid` domain, through the built-in client and through URLSessionTransport. Each case
// checks the typed kind, the attempts (the manager's `tokenRequests`, and for TLS the server's
// `accepts`), the time to fail (printed), the message (host and hint, never the API key) and
// the kind on the listener's events.
//
// The built-in client trusts the test CA through SSL_CERT_FILE, set (setenv) before the first
// manager of these tests. URLSession on Linux (swift-corelibs-foundation over libcurl) cannot be
// given a CA: FoundationNetworking reads `URLSessionCertificateAuthorityInfoFile` on Android
// only, otherwise points libcurl at the system bundle (EasyHandle.setCARootBundlePath), and it
// has no server-trust challenge; SSL_CERT_FILE and CURL_CA_BUNDLE are not read either. So
// through URLSessionTransport every certificate of the test servers is refused as untrusted (the
// chain fails before the dates or the name are checked), the trusted case is skipped, and the
// mapping of libcurl's expired and wrong-name messages is checked against the messages the same
// libcurl gives when the CA is trusted (the curl command line, `--cacert`).
//
// The servers need a Python with trustme (tests/scenarios/requirements.txt):
// AUTHWIRE_TEST_PYTHON, else <repo>/.venv/bin/python; with neither the tests are skipped.
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The ready line of tests/scenarios/tls_servers.py, started once for the whole test process
/// (each start makes a new CA, and SSL_CERT_FILE names the first one's); it stops when this
/// process ends and closes its standard input.
final class TLSServers: @unchecked Sendable {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: Result<TLSServers, Error>?

    private let server: PythonServer

    private init(_ server: PythonServer) {
        self.server = server
    }

    /// The running servers; throws `XCTSkip` when there is no Python to run them.
    static func shared() throws -> TLSServers {
        try lock.withLock {
            if let started { return try started.get() }
            let result = Result<TLSServers, Error> {
                guard let python = PythonServer.python() else {
                    throw XCTSkip(
                        "SKIPPED: no Python for tests/scenarios/tls_servers.py: set AUTHWIRE_TEST_PYTHON "
                            + "to a Python with trustme, or create \(repositoryRoot.path)/.venv")
                }
                let out = FileManager.default.temporaryDirectory
                    .appendingPathComponent("authwire-tls-\(ProcessInfo.processInfo.processIdentifier)")
                let servers = TLSServers(
                    try PythonServer(
                        script: "tls_servers.py", arguments: ["--out", out.path], python: python,
                        needs: "trustme (tests/scenarios/requirements.txt)"))
                // Before any manager of these tests exists: the built-in client reads it when a
                // manager makes its client.
                setenv("SSL_CERT_FILE", servers.caFile, 1)
                return servers
            }
            started = result
            return try result.get()
        }
    }

    /// The PEM file of the test CA.
    var caFile: String { server.ready["ca_file"] as! String }

    /// `<base of name>` (`trusted`, `untrusted`, `expired`, `wrong_name`, `reset`, `closed`,
    /// `not_resolving`).
    func base(_ name: String) -> String { server.ready[name] as! String }

    /// The token URL on the server `name`.
    func tokenURL(_ name: String) -> URL { URL(string: base(name) + "/v1/token")! }

    /// `127.0.0.1:<port>` of the server `name`.
    func hostPort(_ name: String) -> String { String(base(name).split(separator: "/").last!) }

    /// The plain-HTTP stats server, asked for over HTTPS: a TLS handshake with a server that
    /// does not speak TLS.
    var notTLS: URL {
        let stats = URL(string: server.ready["stats"] as! String)!
        return URL(string: "https://\(stats.host!):\(stats.port!)/v1/token")!
    }

    /// `accepts` (TCP connections, failed handshakes included) and `requests` (complete
    /// requests answered) of the server `name`.
    func counts(_ name: String) async throws -> (accepts: Int, requests: Int) {
        let (data, _) = try await URLSession.shared.data(from: URL(string: server.ready["stats"] as! String)!)
        let stats = try JSONSerialization.jsonObject(with: data) as! [String: [String: Int]]
        return (stats[name]!["accepts"]!, stats[name]!["requests"]!)
    }
}

/// Collects a manager's events as they are, from the core's threads.
final class TypedEventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [AuthEvent] = []

    func record(_ event: AuthEvent) { lock.withLock { events.append(event) } }

    var all: [AuthEvent] { lock.withLock { events } }

    /// The `networkKind` of every `refreshRetrying` event.
    var retryingKinds: [NetworkErrorKind?] {
        all.compactMap {
            if case .refreshRetrying(_, _, let kind, _) = $0 { kind } else { nil }
        }
    }

    /// The `networkKind` of every `refreshFailed` event.
    var failedKinds: [NetworkErrorKind?] {
        all.compactMap {
            if case .refreshFailed(let kind, _, _) = $0 { kind } else { nil }
        }
    }
}

/// The checks shared by the built-in client's and URLSessionTransport's tests.
struct NetworkErrorCases {
    static let encodedKey = "tls-test-key-Sw7k2"
    static let attempts = 3

    /// `nil`: the built-in client.
    let transport: (any HTTPTransport)?
    /// For the printed figures.
    let label: String

    /// What one failed `authorization()` looked like.
    struct Failure {
        let error: AuthError
        let kind: NetworkErrorKind?
        let message: String
        let took: Duration
        let requests: Int
        let events: TypedEventLog
    }

    /// A manager with a backoff long enough (400 ms) that a retry would show in the time.
    func fail(_ url: URL, file: StaticString = #filePath, line: UInt = #line) async throws -> Failure {
        let options = TokenOptions(
            requestTimeout: .milliseconds(5_000), maxAttempts: Self.attempts, backoffInitial: .milliseconds(400), backoffMax: .milliseconds(400),
            transport: transport)
        let tokens = try TokenManager.apiKeyExchange(
            tokenURL: url, apiKey: try APIKey(encodedKey: Self.encodedKey), options: options)
        let events = TypedEventLog()
        tokens.setListener { events.record($0) }
        let start = ContinuousClock.now
        let thrown = await thrownError({ try await tokens.authorization() }, file: file, line: line)
        let took = ContinuousClock.now - start
        let error = try XCTUnwrap(thrown as? AuthError, "\(String(describing: thrown))", file: file, line: line)
        let failure = Failure(
            error: error, kind: error.networkKind, message: error.localizedDescription, took: took,
            requests: tokens.stats.tokenRequests, events: events)
        print(
            "\(label) \(url.host ?? ""):\(url.port ?? 443): \(failure.kind.map { "\($0)" } ?? "not a network error") "
                + "after \(failure.requests) attempt(s) in \(took): \(failure.message)")
        return failure
    }

    /// A failure that retrying cannot fix: one attempt, no retry event, no backoff waited.
    func assertPermanent(
        _ failure: Failure, _ kind: NetworkErrorKind, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(failure.kind, kind, failure.message, file: file, line: line)
        guard case .network(kind, let reason) = failure.error else {
            return XCTFail("\(failure.error)", file: file, line: line)
        }
        XCTAssertEqual(failure.message, "network error: \(reason)", file: file, line: line)
        XCTAssertFalse(kind.isRetried, file: file, line: line)
        XCTAssertEqual(failure.requests, 1, "not retried", file: file, line: line)
        XCTAssertEqual(failure.events.retryingKinds, [], file: file, line: line)
        XCTAssertEqual(failure.events.failedKinds, [kind], file: file, line: line)
        // Well under one backoff step (400 ms), which a retry would have waited at least in part.
        XCTAssertLessThan(failure.took, .seconds(2), file: file, line: line)
        XCTAssertFalse(failure.message.contains(Self.encodedKey), file: file, line: line)
    }

    /// A failure that may recover: every attempt made, each retry reported with its kind.
    func assertRetried(
        _ failure: Failure, _ kind: NetworkErrorKind, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(failure.kind, kind, failure.message, file: file, line: line)
        XCTAssertTrue(kind.isRetried, file: file, line: line)
        XCTAssertEqual(failure.requests, Self.attempts, file: file, line: line)
        XCTAssertEqual(
            failure.events.retryingKinds, Array(repeating: kind, count: Self.attempts - 1), file: file,
            line: line)
        XCTAssertEqual(failure.events.failedKinds, [kind], file: file, line: line)
        XCTAssertTrue(failure.message.hasSuffix("retry later"), failure.message, file: file, line: line)
        XCTAssertFalse(failure.message.contains(Self.encodedKey), file: file, line: line)
    }

    /// A certificate refused at once, after one TCP connection and no request sent over it;
    /// `expected` as the kind, the message naming the host.
    func certificateRefused(
        _ name: String, _ expected: NetworkErrorKind, says: String, hint: String, file: StaticString = #filePath,
        line: UInt = #line
    ) async throws {
        let servers = try TLSServers.shared()
        let before = try await servers.counts(name)
        let failure = try await fail(servers.tokenURL(name), file: file, line: line)
        assertPermanent(failure, expected, file: file, line: line)
        XCTAssertTrue(
            failure.message.hasPrefix("network error: the TLS certificate of \(servers.hostPort(name)) \(says)"),
            failure.message, file: file, line: line)
        XCTAssertTrue(failure.message.contains(hint), failure.message, file: file, line: line)
        let after = try await servers.counts(name)
        XCTAssertEqual(after.accepts - before.accepts, 1, "one TLS handshake", file: file, line: line)
        XCTAssertEqual(after.requests - before.requests, 0, "nothing sent", file: file, line: line)
    }

    static let untrustedHint = "add your organisation's CA to the system trust store or set SSL_CERT_FILE"

    func untrusted() async throws {
        try await certificateRefused(
            "untrusted", .certificateUntrusted, says: "is not trusted (unknown issuer)", hint: Self.untrustedHint)
    }

    func notResolving() async throws {
        let servers = try TLSServers.shared()
        let failure = try await fail(servers.tokenURL("not_resolving"))
        assertPermanent(failure, .nameNotResolved)
        XCTAssertTrue(
            failure.message.hasPrefix("network error: no-such-host.invalid did not resolve (no such host name)"),
            failure.message)
        XCTAssertTrue(failure.message.hasSuffix("check the URL"), failure.message)
    }

    func closed() async throws {
        let servers = try TLSServers.shared()
        let failure = try await fail(servers.tokenURL("closed"))
        assertRetried(failure, .connectionRefused)
        XCTAssertTrue(
            failure.message.hasPrefix("network error: could not connect to \(servers.base("closed"))"), failure.message)
        XCTAssertTrue(failure.message.contains("(refused or unreachable)"), failure.message)
        let counts = try await servers.counts("closed")
        XCTAssertEqual(counts.accepts, 0)
    }

    func reset() async throws {
        let servers = try TLSServers.shared()
        let before = try await servers.counts("reset")
        let failure = try await fail(servers.tokenURL("reset"))
        assertRetried(failure, .connectionReset)
        XCTAssertTrue(
            failure.message.hasPrefix(
                "network error: the connection to \(servers.base("reset")) was reset before the answer was complete"),
            failure.message)
        let after = try await servers.counts("reset")
        XCTAssertEqual(after.accepts - before.accepts, Int(Self.attempts))
        XCTAssertEqual(after.requests - before.requests, Int(Self.attempts))
    }

    func notTLS() async throws {
        let servers = try TLSServers.shared()
        let failure = try await fail(servers.notTLS)
        assertPermanent(failure, .tlsHandshake)
        XCTAssertTrue(failure.message.contains("the TLS handshake with 127.0.0.1:"), failure.message)
        XCTAssertTrue(failure.message.contains("check that the URL points to an HTTPS endpoint"), failure.message)
    }
}

#if !AUTHWIRE_MOBILE_CORE
    /// The built-in client (reqwest over rustls): the core classifies its failures.
    final class NetworkErrorsBuiltInClientTests: XCTestCase {
        let cases = NetworkErrorCases(transport: nil, label: "built-in")

        func testACertificateFromAnUnknownCAFailsAtOnceAndSaysHowToTrustIt() async throws {
            try await cases.untrusted()
        }

        func testAnExpiredCertificateFailsAtOnce() async throws {
            try await cases.certificateRefused(
                "expired", .certificateExpired, says: "has expired or is not yet valid",
                hint: "check this device's date and time")
        }

        func testACertificateForAnotherNameFailsAtOnce() async throws {
            try await cases.certificateRefused(
                "wrong_name", .certificateWrongName, says: "was issued for another name",
                hint: "check the host name in the URL")
        }

        func testTheCATrustedThroughSSLCertFileGivesAToken() async throws {
            let servers = try TLSServers.shared()
            let before = try await servers.counts("trusted")
            let tokens = try TokenManager.apiKeyExchange(
                tokenURL: servers.tokenURL("trusted"), apiKey: try APIKey(encodedKey: NetworkErrorCases.encodedKey))
            let header = try await tokens.authorization()
            XCTAssertTrue(header.hasPrefix("Bearer tls-token-"), header)
            XCTAssertEqual(tokens.stats.tokenRequests, 1)
            let after = try await servers.counts("trusted")
            XCTAssertEqual(after.requests - before.requests, 1)
        }

        func testANameThatDoesNotResolveFailsAtOnce() async throws {
            try await cases.notResolving()
        }

        func testAClosedPortIsRetriedThenReportedAsRefused() async throws {
            try await cases.closed()
        }

        func testAConnectionResetMidAnswerIsRetriedThenReported() async throws {
            try await cases.reset()
        }

        func testAServerThatDoesNotSpeakTLSFailsTheHandshakeAtOnce() async throws {
            try await cases.notTLS()
        }
    }
#endif

/// URLSessionTransport: URLSession's errors mapped to kinds by the Swift layer
/// (`NetworkErrorKind(urlError)`). Also run against the mobile core (tests/run-all).
final class NetworkErrorsThroughURLSessionTransportTests: XCTestCase {
    let cases = NetworkErrorCases(transport: URLSessionTransport(), label: "URLSessionTransport")

    func testACertificateFromAnUnknownCAFailsAtOnceAndSaysHowToTrustIt() async throws {
        try await cases.untrusted()
    }

    // Linux: URLSession cannot be given the test CA (see the top of this file), so the chain
    // check fails first and libcurl reports "unable to get local issuer certificate" for the
    // expired and wrong-name servers too. testLibcurlsOwnMessagesGiveTheKinds checks what
    // libcurl says about them once the CA is trusted.
    #if canImport(FoundationNetworking)
        func testAnExpiredCertificateFromTheUntrustedTestCAFailsAtOnceAsUntrusted() async throws {
            try await cases.certificateRefused(
                "expired", .certificateUntrusted, says: "is not trusted (unknown issuer)",
                hint: NetworkErrorCases.untrustedHint)
        }

        func testACertificateForAnotherNameFromTheUntrustedTestCAFailsAtOnceAsUntrusted() async throws {
            try await cases.certificateRefused(
                "wrong_name", .certificateUntrusted, says: "is not trusted (unknown issuer)",
                hint: NetworkErrorCases.untrustedHint)
        }

        func testTheCATrustedThroughURLSessionGivesAToken() throws {
            throw XCTSkip(
                "URLSession on Linux cannot trust a CA of its own: swift-corelibs-foundation reads "
                    + "URLSessionCertificateAuthorityInfoFile on Android only and gives no server-trust challenge")
        }
    #endif

    func testANameThatDoesNotResolveFailsAtOnce() async throws {
        try await cases.notResolving()
    }

    func testAClosedPortIsRetriedThenReportedAsRefused() async throws {
        try await cases.closed()
    }

    func testAConnectionResetMidAnswerIsRetriedThenReported() async throws {
        try await cases.reset()
    }

    func testAServerThatDoesNotSpeakTLSFailsTheHandshakeAtOnce() async throws {
        try await cases.notTLS()
    }

    #if canImport(FoundationNetworking)
        /// libcurl's messages for the expired and wrong-name certificates, which URLSession on
        /// Linux cannot reach (it cannot trust the test CA): the curl command line, linked to the
        /// same libcurl as FoundationNetworking, with `--cacert`; each message made into the
        /// `URLError` that FoundationNetworking makes of it (code `.unknown`, the message as the
        /// description, and again in an underlying NSError).
        func testLibcurlsOwnMessagesGiveTheKinds() async throws {
            let servers = try TLSServers.shared()
            guard let curl = ["/usr/bin/curl", "/bin/curl"].first(where: FileManager.default.isExecutableFile)
            else { throw XCTSkip("no curl command line to ask libcurl with") }
            let expected: [(URL, NetworkErrorKind)] = [
                (servers.tokenURL("untrusted"), .certificateUntrusted),
                (servers.tokenURL("expired"), .certificateExpired),
                (servers.tokenURL("wrong_name"), .certificateWrongName),
                (servers.notTLS, .tlsHandshake),
            ]
            for (url, kind) in expected {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: curl)
                process.arguments = ["-sS", "--cacert", servers.caFile, "-X", "POST", url.absoluteString]
                let errors = Pipe()
                process.standardError = errors
                process.standardOutput = Pipe()
                try process.run()
                let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                // "curl: (60) SSL certificate problem: certificate has expired\nMore details ..."
                let first = stderr.split(separator: "\n").first.map(String.init) ?? ""
                let message = first.replacingOccurrences(of: #"^curl: \(\d+\) "#, with: "", options: .regularExpression)
                XCTAssertNotEqual(process.terminationStatus, 0, "\(url): \(stderr)")
                let error = URLError(
                    .unknown,
                    userInfo: [
                        NSLocalizedDescriptionKey: message,
                        NSUnderlyingErrorKey: NSError(
                            domain: NSURLErrorDomain, code: URLError.unknown.rawValue,
                            userInfo: [NSLocalizedDescriptionKey: message]),
                    ])
                print("libcurl: \(message) -> \(NetworkErrorKind(error))")
                XCTAssertEqual(NetworkErrorKind(error), kind, message)
            }
        }
    #endif
}

/// `NetworkErrorKind` itself: whether each kind is retried, and the kind of the `URLError`s
/// that URLSession throws on each platform.
final class NetworkErrorKindTests: XCTestCase {
    func testTheKindsThatCannotRecoverAreNotRetried() {
        let notRetried: Set<NetworkErrorKind> = [
            .nameNotResolved, .certificateUntrusted, .certificateExpired, .certificateWrongName,
            .certificateRevoked, .tlsHandshake,
        ]
        let retried: Set<NetworkErrorKind> = [
            .nameResolutionTemporary, .connectionRefused, .connectTimeout, .readTimeout, .connectionReset, .proxy,
            .other,
        ]
        for kind in notRetried { XCTAssertFalse(kind.isRetried, "\(kind)") }
        for kind in retried { XCTAssertTrue(kind.isRetried, "\(kind)") }
    }

    /// A `URLError` as FoundationNetworking makes it from libcurl (`MultiHandle`): the message
    /// as the description, and again in an underlying NSError.
    private func linux(_ code: URLError.Code, _ message: String) -> URLError {
        URLError(
            code,
            userInfo: [
                NSLocalizedDescriptionKey: message,
                NSUnderlyingErrorKey: NSError(
                    domain: NSURLErrorDomain, code: code.rawValue, userInfo: [NSLocalizedDescriptionKey: message]),
            ])
    }

    func testLibcurlsCodesAndMessagesOnLinux() {
        // The first five as URLSession gave them against tls_servers.py (libcurl 7.88.1,
        // OpenSSL 3.0.19); the others are libcurl's wording of the same failures.
        let cases: [(URLError, NetworkErrorKind)] = [
            (linux(.unknown, "SSL certificate problem: unable to get local issuer certificate"), .certificateUntrusted),
            (linux(.networkConnectionLost, "Recv failure: Connection reset by peer"), .connectionReset),
            (
                linux(.cannotConnectToHost, "Failed to connect to 127.0.0.1 port 46749 after 0 ms: Couldn't connect to server"),
                .connectionRefused
            ),
            (linux(.cannotFindHost, "Could not resolve host: no-such-host.invalid"), .nameNotResolved),
            (linux(.unknown, "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number"), .tlsHandshake),
            (linux(.unknown, "SSL certificate problem: certificate has expired"), .certificateExpired),
            (linux(.unknown, "SSL certificate problem: certificate is not yet valid"), .certificateExpired),
            (linux(.unknown, "SSL certificate problem: certificate revoked"), .certificateRevoked),
            (linux(.unknown, "SSL certificate problem: self-signed certificate in certificate chain"), .certificateUntrusted),
            (
                linux(.unknown, "SSL: no alternative certificate subject name matches target host name '127.0.0.1'"),
                .certificateWrongName
            ),
            (
                linux(.unknown, "SSL: certificate subject name 'a.example' does not match target host name 'b.example'"),
                .certificateWrongName
            ),
            (linux(.unknown, "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to 127.0.0.1:443 "), .connectionReset),
            (linux(.unknown, "transfer closed with 95 bytes remaining to read"), .connectionReset),
            (linux(.badServerResponse, "Empty reply from server"), .connectionReset),
            (linux(.unknown, "Failed to connect to 10.0.0.1 port 443 after 3 ms: No route to host"), .connectionRefused),
            (linux(.unknown, "Could not resolve proxy: proxy.example"), .proxy),
            (linux(.unknown, "Received HTTP code 407 from proxy after CONNECT"), .proxy),
            (linux(.timedOut, "Connection timed out after 2001 milliseconds"), .connectTimeout),
            (linux(.timedOut, "Failed to connect to 10.0.0.1 port 443 after 2001 ms: Connection timed out"), .connectTimeout),
            (linux(.timedOut, "Operation timed out after 2000 milliseconds with 0 bytes received"), .readTimeout),
            (linux(.timedOut, "Resolving timed out after 2000 milliseconds"), .nameResolutionTemporary),
            (linux(.unknown, "something libcurl has not said before"), .other),
        ]
        for (error, kind) in cases {
            XCTAssertEqual(NetworkErrorKind(error), kind, error.localizedDescription)
        }
    }

    func testURLSessionsCodes() {
        let cases: [(URLError.Code, NetworkErrorKind)] = [
            (.cannotFindHost, .nameNotResolved), (.dnsLookupFailed, .nameResolutionTemporary),
            (.cannotConnectToHost, .connectionRefused), (.notConnectedToInternet, .connectionRefused),
            (.dataNotAllowed, .connectionRefused), (.timedOut, .readTimeout),
            (.networkConnectionLost, .connectionReset), (.serverCertificateUntrusted, .certificateUntrusted),
            (.serverCertificateHasUnknownRoot, .certificateUntrusted), (.serverCertificateHasBadDate, .certificateExpired),
            (.serverCertificateNotYetValid, .certificateExpired), (.secureConnectionFailed, .tlsHandshake),
            (.clientCertificateRejected, .tlsHandshake), (.clientCertificateRequired, .tlsHandshake),
            (.cancelled, .other), (.badURL, .other), (.unknown, .other),
        ]
        for (code, kind) in cases {
            XCTAssertEqual(NetworkErrorKind(URLError(code)), kind, "\(code.rawValue)")
        }
    }

    /// Apple platforms put Secure Transport's code (`_kCFStreamErrorCodeKey`) in `userInfo`,
    /// and CFNetwork's proxy errors in the underlying error.
    func testApplePlatformsDetails() {
        func certificate(_ code: URLError.Code, streamCode: Int) -> URLError {
            URLError(code, userInfo: ["_kCFStreamErrorCodeKey": streamCode, "_kCFStreamErrorDomainKey": 3])
        }
        XCTAssertEqual(NetworkErrorKind(certificate(.serverCertificateUntrusted, streamCode: -9843)), .certificateWrongName)
        XCTAssertEqual(NetworkErrorKind(certificate(.serverCertificateUntrusted, streamCode: -9813)), .certificateUntrusted)
        XCTAssertEqual(NetworkErrorKind(certificate(.secureConnectionFailed, streamCode: -9814)), .certificateExpired)
        XCTAssertEqual(NetworkErrorKind(certificate(.secureConnectionFailed, streamCode: -9806)), .tlsHandshake)
        let proxy = URLError(
            .cannotConnectToHost, userInfo: [NSUnderlyingErrorKey: NSError(domain: "kCFErrorDomainCFNetwork", code: 310)])
        XCTAssertEqual(NetworkErrorKind(proxy), .proxy)
    }
}
