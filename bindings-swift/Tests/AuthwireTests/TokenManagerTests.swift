// The token manager through the Swift layer against the scenario server: real sockets on
// 127.0.0.1, the real core.
import Authwire
import Foundation
import XCTest

/// The token-manager scenarios, run through the core's built-in HTTP client by
/// `TokenManagerTests` and through ``URLSessionTransport`` by
/// `URLSessionTransportScenarioTests` (XCTest on Linux does not discover inherited test
/// methods, so each subclass names them).
class TokenManagerScenarios: XCTestCase {
    let server = ScenarioServer.shared

    /// The transport under test: `nil` for the built-in client.
    class var transport: HTTPTransport? { nil }

    func manager(
        _ scenario: String, _ ns: String, options: TokenOptions = TokenOptions()
    ) throws -> TokenManager {
        var options = options
        options.transport = Self.transport
        return try TokenManager.apiKeyExchange(
            tokenURL: server.url(scenario, ns, "token"), apiKey: try APIKey(encodedKey: scenarioApiKey),
            options: options)
    }

    func scenario64ConcurrentTasksShareOneTokenRequest() async throws {
        let ns = freshNamespace()
        let tokens = try manager("herd", ns)  // the server takes 200 ms to answer
        let headers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<64 { group.addTask { try await tokens.authorization() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(headers, ["Bearer herd.\(ns).t1"])
        let stats = try await server.stats("herd", ns)
        XCTAssertEqual(stats.tokenRequests, 1)
        XCTAssertEqual(tokens.stats.tokenRequests, 1)
        XCTAssertEqual(tokens.stats.waits, 64)
    }

    func scenarioTwoSecondTokensAreRefreshedBeforeTheyExpire() async throws {
        let ns = freshNamespace()
        let tokens = try manager("short", ns)
        var seen: [String] = []
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(4_500) {
            let header = try await tokens.authorization()
            if seen.last != header { seen.append(header) }
            try await Task.sleep(for: .milliseconds(20))
        }
        // A new token about every 1.5 s: t1, t2, t3 (and perhaps t4), in order.
        XCTAssertGreaterThanOrEqual(seen.count, 3, "\(seen)")
        XCTAssertLessThanOrEqual(seen.count, 4, "\(seen)")
        XCTAssertEqual(seen, (1...seen.count).map { "Bearer short.\(ns).t\($0)" })
        let requests = try await server.stats("short", ns).tokenRequests
        XCTAssertEqual(requests, seen.count)
    }

    func scenarioA503IsRetried() async throws {
        let ns = freshNamespace()
        let tokens = try manager("flaky", ns, options: TokenOptions(backoffInitial: .milliseconds(20)))
        let header = try await tokens.authorization()
        XCTAssertEqual(header, "Bearer flaky.\(ns).t1")
        let requests = try await server.stats("flaky", ns).tokenRequests
        XCTAssertEqual(requests, 2)
        XCTAssertEqual(tokens.stats.retries, 1)
    }

    func scenarioA429WithRetryAfterIsRetriedAfterTheDelay() async throws {
        let ns = freshNamespace()
        let events = EventLog()
        let tokens = try manager("ratelimit", ns, options: TokenOptions(backoffInitial: .milliseconds(20)))
        tokens.setListener { events.record($0) }
        let start = ContinuousClock.now
        let header = try await tokens.authorization()
        let waited = ContinuousClock.now - start
        XCTAssertEqual(header, "Bearer ratelimit.\(ns).t1")
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(1_000), "Retry-After: 1 was not honoured")
        let requests = try await server.stats("ratelimit", ns).tokenRequests
        XCTAssertEqual(requests, 2)
        // The retry waited for Retry-After (1000 ms, give or take the clock's rounding).
        let delays = events.typed.compactMap { event -> Duration? in
            guard case .refreshRetrying(attempt: 1, let delay, _, _) = event else { return nil }
            return delay
        }
        XCTAssertEqual(delays.count, 1, "\(events.all)")
        XCTAssertTrue(
            (Duration.milliseconds(999)...Duration.milliseconds(1_100)).contains(delays.first ?? .zero), "\(events.all)")
    }

    func scenarioA401CarriesTheServersMessageAndIsNotRetried() async throws {
        let ns = freshNamespace()
        let tokens = try manager("unauthorized", ns)
        let error = await thrownError { try await tokens.authorization() }
        guard case .unauthorized(let status, let message) = error as? AuthError else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertEqual(status, 401)
        XCTAssertEqual(message, "API key revoked by the administrator")
        XCTAssertEqual(
            error?.localizedDescription,
            "unauthorized (HTTP 401): API key revoked by the administrator; check the credentials")
        let requests = try await server.stats("unauthorized", ns).tokenRequests
        XCTAssertEqual(requests, 1)
    }

    func scenarioMalformedJsonHugeBodiesAndStallsAreTypedErrorsInTime() async throws {
        for scenario in ["malformed", "huge"] {
            let ns = freshNamespace()
            let tokens = try manager(scenario, ns)
            let start = ContinuousClock.now
            let error = await thrownError { try await tokens.authorization() }
            guard case .invalidResponse = error as? AuthError else {
                XCTFail("\(scenario): \(String(describing: error))")
                continue
            }
            XCTAssertLessThan(ContinuousClock.now - start, .seconds(2), scenario)
        }
        let ns = freshNamespace()
        let tokens = try manager("stall", ns, options: TokenOptions(requestTimeout: .milliseconds(500), maxAttempts: 2, backoffInitial: .milliseconds(20)))
        let start = ContinuousClock.now
        let error = await thrownError { try await tokens.authorization() }
        let waited = ContinuousClock.now - start
        guard case .network(.readTimeout, _) = error as? AuthError else { return XCTFail("\(String(describing: error))") }
        // Two attempts of 500 ms each, and a short backoff.
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(1_000), "\(error!)")
        XCTAssertLessThan(waited, .seconds(3))
    }

    func scenarioAnInvalidateStormCausesOneRefresh() async throws {
        let ns = freshNamespace()
        let tokens = try manager("ok", ns)
        let first = try await tokens.authorization()
        let discarded = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { tokens.invalidate(first) } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        XCTAssertEqual(discarded, 1)
        let fresh = try await tokens.authorization()
        XCTAssertEqual(fresh, "Bearer ok.\(ns).t2")
        let requests = try await server.stats("ok", ns).tokenRequests
        XCTAssertEqual(requests, 2)
    }

    func scenarioTheCachedHeaderIsServedWithoutAskingTheServerAndInvalidateDropsIt() async throws {
        let ns = freshNamespace()
        let tokens = try manager("ok", ns)
        let first = try await tokens.authorization()
        for _ in 0..<1_000 {
            let again = try await tokens.authorization()
            XCTAssertEqual(again, first)
        }
        XCTAssertEqual(try tokens.authorizationBlocking(), first)
        XCTAssertTrue(tokens.invalidate(first))
        XCTAssertEqual(try tokens.authorizationBlocking(), "Bearer ok.\(ns).t2")
        let requests = try await server.stats("ok", ns).tokenRequests
        XCTAssertEqual(requests, 2)
    }

    func scenarioTheBlockingVariantWorksFromPlainThreads() async throws {
        let ns = freshNamespace()
        let tokens = try manager("herd", ns)
        let headers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await onOwnThread { try tokens.authorizationBlocking() } } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(headers, ["Bearer herd.\(ns).t1"])
        let token = try await onOwnThread { try tokens.tokenBlocking() }
        XCTAssertEqual(token.value, "herd.\(ns).t1")
        let requests = try await server.stats("herd", ns).tokenRequests
        XCTAssertEqual(requests, 1)
    }

    func scenarioTheListenerClosureReceivesEvents() async throws {
        let ns = freshNamespace()
        let events = EventLog()
        let tokens = try manager("ok", ns)
        tokens.setListener { events.record($0) }
        let header = try await tokens.authorization()
        tokens.invalidate(header)
        _ = try await tokens.authorization()
        tokens.setListener(nil)
        tokens.invalidate(try await tokens.authorization())
        let names = events.all.map { String($0.prefix { $0 != "(" }) }
        XCTAssertEqual(Array(names.prefix(2)), ["tokenRequested", "tokenRefreshed"], "\(names)")
        // invalidate starts the refresh at once, on the core's threads: its tokenRequested may
        // be delivered before tokenInvalidated.
        XCTAssertEqual(
            names.dropFirst(2).sorted(), ["tokenInvalidated", "tokenRefreshed", "tokenRequested"], "\(names)")
        XCTAssertEqual(names.last, "tokenRefreshed", "\(names)")
        XCTAssertFalse(events.all.contains { $0.contains("ok.\(ns)") }, "an event carried the token")
    }

    func scenarioStaticTokensAndConfigurationErrors() async throws {
        let tokens = try TokenManager.staticToken("abc.def")
        let header = try await tokens.authorization()
        XCTAssertEqual(header, "Bearer abc.def")
        XCTAssertFalse(tokens.invalidate(header))
        XCTAssertThrowsError(try TokenManager.staticToken("not a token")) { error in
            guard case AuthError.invalidInput = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(
            try TokenManager.apiKeyExchange(
                tokenURL: URL(string: "http://example.com/token")!, apiKey: try APIKey(encodedKey: "k"))
        ) { error in
            guard case AuthError.invalidConfiguration = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.localizedDescription.contains("https"), error.localizedDescription)
        }
    }

    func scenarioCustomExchangeReadsConfiguredFields() async throws {
        let ns = freshNamespace()
        let expiresAt = Int(Date().timeIntervalSince1970) + 120
        try await server.script(
            ns, status: 200, headers: ["Content-Type": "application/json"],
            body: #"{"data": {"jwt": "abc.def.ghi", "validUntil": \#(expiresAt)}}"#)
        let tokens = try TokenManager.customExchange(
            tokenURL: server.url("scripted", ns, "token"), requestBody: #"{"user": "u", "key": "k-secret"}"#,
            tokenField: "data.jwt", expiryField: "data.validUntil", expiryFormat: .epochSeconds,
            headers: ["X-Api-Version": "2"], scheme: "Token", options: TokenOptions(transport: Self.transport))
        let token = try await tokens.token()
        XCTAssertEqual(token.authorization, "Token abc.def.ghi")
        XCTAssertGreaterThan(token.expiresIn!, .seconds(110))
        XCTAssertLessThanOrEqual(token.expiresIn!, .seconds(121))
        let sent = try await server.lastRequest(ns)
        XCTAssertEqual(sent.headers["x-api-version"], "2")
        XCTAssertEqual(sent.bodyText, #"{"user": "u", "key": "k-secret"}"#)
    }
}

final class TokenManagerTests: TokenManagerScenarios {
    func test64ConcurrentTasksShareOneTokenRequest() async throws { try await scenario64ConcurrentTasksShareOneTokenRequest() }
    func testTwoSecondTokensAreRefreshedBeforeTheyExpire() async throws { try await scenarioTwoSecondTokensAreRefreshedBeforeTheyExpire() }
    func testA503IsRetried() async throws { try await scenarioA503IsRetried() }
    func testA429WithRetryAfterIsRetriedAfterTheDelay() async throws { try await scenarioA429WithRetryAfterIsRetriedAfterTheDelay() }
    func testA401CarriesTheServersMessageAndIsNotRetried() async throws { try await scenarioA401CarriesTheServersMessageAndIsNotRetried() }
    func testMalformedJsonHugeBodiesAndStallsAreTypedErrorsInTime() async throws { try await scenarioMalformedJsonHugeBodiesAndStallsAreTypedErrorsInTime() }
    func testAnInvalidateStormCausesOneRefresh() async throws { try await scenarioAnInvalidateStormCausesOneRefresh() }
    func testTheCachedHeaderIsServedWithoutAskingTheServerAndInvalidateDropsIt() async throws { try await scenarioTheCachedHeaderIsServedWithoutAskingTheServerAndInvalidateDropsIt() }
    func testTheBlockingVariantWorksFromPlainThreads() async throws { try await scenarioTheBlockingVariantWorksFromPlainThreads() }
    func testTheListenerClosureReceivesEvents() async throws { try await scenarioTheListenerClosureReceivesEvents() }
    func testStaticTokensAndConfigurationErrors() async throws { try await scenarioStaticTokensAndConfigurationErrors() }
    func testCustomExchangeReadsConfiguredFields() async throws { try await scenarioCustomExchangeReadsConfiguredFields() }
}

final class URLSessionTransportScenarioTests: TokenManagerScenarios {
    override class var transport: HTTPTransport? { URLSessionTransport() }

    func test64ConcurrentTasksShareOneTokenRequest() async throws { try await scenario64ConcurrentTasksShareOneTokenRequest() }
    func testTwoSecondTokensAreRefreshedBeforeTheyExpire() async throws { try await scenarioTwoSecondTokensAreRefreshedBeforeTheyExpire() }
    func testA503IsRetried() async throws { try await scenarioA503IsRetried() }
    func testA429WithRetryAfterIsRetriedAfterTheDelay() async throws { try await scenarioA429WithRetryAfterIsRetriedAfterTheDelay() }
    func testA401CarriesTheServersMessageAndIsNotRetried() async throws { try await scenarioA401CarriesTheServersMessageAndIsNotRetried() }
    func testMalformedJsonHugeBodiesAndStallsAreTypedErrorsInTime() async throws { try await scenarioMalformedJsonHugeBodiesAndStallsAreTypedErrorsInTime() }
    func testAnInvalidateStormCausesOneRefresh() async throws { try await scenarioAnInvalidateStormCausesOneRefresh() }
    func testTheCachedHeaderIsServedWithoutAskingTheServerAndInvalidateDropsIt() async throws { try await scenarioTheCachedHeaderIsServedWithoutAskingTheServerAndInvalidateDropsIt() }
    func testTheBlockingVariantWorksFromPlainThreads() async throws { try await scenarioTheBlockingVariantWorksFromPlainThreads() }
    func testTheListenerClosureReceivesEvents() async throws { try await scenarioTheListenerClosureReceivesEvents() }
    func testStaticTokensAndConfigurationErrors() async throws { try await scenarioStaticTokensAndConfigurationErrors() }
    func testCustomExchangeReadsConfiguredFields() async throws { try await scenarioCustomExchangeReadsConfiguredFields() }
}
