// The URLSession integration against the scenario server.
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

final class URLSessionTests: XCTestCase {
    let server = ScenarioServer.shared

    func manager(_ scenario: String, _ ns: String) throws -> TokenManager {
        try TokenManager.apiKeyExchange(
            tokenURL: server.url(scenario, ns, "token"), apiKey: try APIKey(encodedKey: scenarioApiKey))
    }

    func status(_ response: URLResponse) -> Int {
        (response as! HTTPURLResponse).statusCode
    }

    func testAuthorizeSetsTheHeader() async throws {
        let ns = freshNamespace()
        let tokens = try manager("ok", ns)
        var request = URLRequest(url: server.url("ok", ns, "resource"))
        try await request.authorize(with: tokens)
        XCTAssertEqual(request.value(forHTTPHeaderField: "Authorization"), "Bearer ok.\(ns).t1")
        let (_, response) = try await URLSession.shared.data(for: request)
        XCTAssertEqual(status(response), 200)
    }

    func testA401InvalidatesTheTokenItCarriedAndRetriesOnce() async throws {
        let ns = freshNamespace()
        let tokens = try manager("ok", ns)
        let request = URLRequest(url: server.url("ok", ns, "resource"))
        let (_, first) = try await URLSession.shared.data(for: request, authorizedBy: tokens)
        XCTAssertEqual(status(first), 200)
        try await server.post("ok", ns, "revoke")
        let (data, second) = try await URLSession.shared.data(for: request, authorizedBy: tokens)
        XCTAssertEqual(status(second), 200)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"{"ok": true}"#)
        let stats = try await server.stats("ok", ns)
        XCTAssertEqual(stats.tokenRequests, 2)
        XCTAssertEqual(stats.resourceRequests, 3)
        XCTAssertEqual(stats.resource401, 1)
    }

    func test32Concurrent401sCauseOneRefresh() async throws {
        let ns = freshNamespace()
        let tokens = try manager("ok", ns)
        let request = URLRequest(url: server.url("ok", ns, "resource"))
        _ = try await tokens.authorization()
        try await server.post("ok", ns, "revoke")  // every request now carries a revoked token
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    let (_, response) = try await URLSession.shared.data(for: request, authorizedBy: tokens)
                    return (response as! HTTPURLResponse).statusCode
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        XCTAssertEqual(statuses, Array(repeating: 200, count: 32))
        let stats = try await server.stats("ok", ns)
        XCTAssertEqual(stats.tokenRequests, 2, "32 concurrent 401s must cause exactly one refresh")
        // Each request that carried the revoked token was answered 401 and sent once more; a
        // request that started after the refresh carried the fresh token at once. How many did
        // depends on timing (a warm connection pool answers the first 401 before the last task
        // has asked for its header), so only the sum is fixed.
        XCTAssertTrue((1...32).contains(stats.resource401), "\(stats.resource401)")
        XCTAssertEqual(stats.resourceRequests, 32 + stats.resource401)
        XCTAssertEqual(tokens.stats.invalidations, 1)
    }

    func testItNeverLoops() async throws {
        // The API rejects every token: one retry with a fresh token, then the 401 is returned.
        let ns = freshNamespace()
        let tokens = try manager("reject", ns)
        let request = URLRequest(url: server.url("reject", ns, "resource"))
        let (_, response) = try await URLSession.shared.data(for: request, authorizedBy: tokens)
        XCTAssertEqual(status(response), 401)
        var stats = try await server.stats("reject", ns)
        XCTAssertEqual(stats.resourceRequests, 2)
        XCTAssertEqual(stats.tokenRequests, 2)

        // A static token cannot be refreshed: no second request at all.
        let fixed = try TokenManager.staticToken("fixed-token")
        let (_, again) = try await URLSession.shared.data(for: request, authorizedBy: fixed)
        XCTAssertEqual(status(again), 401)
        stats = try await server.stats("reject", ns)
        XCTAssertEqual(stats.resourceRequests, 3)
    }

    func testTheCsrfWriteFlowFetchesAgainOnceAfterA403() async throws {
        let ns = freshNamespace()
        let session = try CSRFSession(
            fetchURL: server.url("csrf", ns, "api"), userID: csrfUser, password: csrfPassword)
        var write = URLRequest(url: server.url("csrf", ns, "api"))
        write.httpMethod = "POST"
        write.httpBody = Data(#"{"name": "thing"}"#.utf8)

        let (_, created) = try await URLSession.shared.data(for: write, csrf: session)
        XCTAssertEqual(status(created), 201)
        let (_, again) = try await URLSession.shared.data(for: write, csrf: session)
        XCTAssertEqual(status(again), 201)
        var stats = try await server.stats("csrf", ns)
        XCTAssertEqual(stats.csrfFetches, 1)

        // The server ends the session: the next write answers 403 x-csrf-token: Required, the
        // session fetches once more and the write is sent again with the new token and cookie.
        try await server.post("csrf", ns, "expire")
        let (_, retried) = try await URLSession.shared.data(for: write, csrf: session)
        XCTAssertEqual(status(retried), 201)
        stats = try await server.stats("csrf", ns)
        XCTAssertEqual(stats.csrfFetches, 2)
        XCTAssertEqual(stats.write403, 1)
        XCTAssertEqual(stats.writes, 4)
        XCTAssertEqual(session.stats.tokenRequests, 2)
    }

    func testACsrfReadCarriesBasicAndCookiesAndFetchesNoToken() async throws {
        let ns = freshNamespace()
        let session = try CSRFSession(
            fetchURL: server.url("csrf", ns, "api"), userID: csrfUser, password: csrfPassword)
        // Reads before any write: Basic only, no fetch, for each safe method (a request
        // without a method is a GET).
        for method in [nil, "GET", "HEAD", "OPTIONS", "get"] {
            var read = URLRequest(url: server.url("csrf", ns, "api"))
            read.httpMethod = method
            let (_, response) = try await URLSession.shared.data(for: read, csrf: session)
            XCTAssertEqual(status(response), 200, method ?? "no method")
        }
        var stats = try await server.stats("csrf", ns)
        XCTAssertEqual(stats.reads, 5)
        XCTAssertEqual(stats.read401, 0)
        XCTAssertEqual(stats.readsWithCsrfToken, 0)
        XCTAssertEqual(stats.csrfFetches, 0)
        XCTAssertEqual(session.stats.tokenRequests, 0)

        // After a write, a read also carries the session's cookie, still without a token.
        var write = URLRequest(url: server.url("csrf", ns, "api"))
        write.httpMethod = "PUT"
        let (_, written) = try await URLSession.shared.data(for: write, csrf: session)
        XCTAssertEqual(status(written), 201)
        let (_, read) = try await URLSession.shared.data(
            for: URLRequest(url: server.url("csrf", ns, "api")), csrf: session)
        XCTAssertEqual(status(read), 200)
        stats = try await server.stats("csrf", ns)
        XCTAssertEqual(stats.reads, 6)
        XCTAssertEqual(stats.readsWithCsrfToken, 0)
        XCTAssertEqual(stats.readsWithSessionCookie, 1)
        XCTAssertEqual(stats.csrfFetches, 1)
        XCTAssertEqual(session.readHeaders["Authorization"], try basicAuth(userID: csrfUser, password: csrfPassword))

        // Wrong credentials: the read is sent and answered 401, still without a fetch.
        let wrong = try CSRFSession(
            fetchURL: server.url("csrf", ns, "api"), userID: csrfUser, password: "wrong-password")
        let (_, refused) = try await URLSession.shared.data(
            for: URLRequest(url: server.url("csrf", ns, "api")), csrf: wrong)
        XCTAssertEqual(status(refused), 401)
        stats = try await server.stats("csrf", ns)
        XCTAssertEqual(stats.read401, 1)
        XCTAssertEqual(stats.csrfFetches, 1)
    }

    func testWrongCsrfCredentialsAreUnauthorized() async throws {
        let ns = freshNamespace()
        let session = try CSRFSession(
            fetchURL: server.url("csrf", ns, "api"), userID: csrfUser, password: "wrong-password")
        let error = await thrownError { try await session.headers() }
        guard case .unauthorized(401, _) = error as? AuthError else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertThrowsError(try session.headersBlocking())
        // A HEAD answer has no body; with GET the server's message comes through.
        let withGet = try CSRFSession(
            fetchURL: server.url("csrf", ns, "api"), userID: csrfUser, password: "wrong-password",
            fetchMethod: .get)
        let getError = await thrownError { try await withGet.headers() }
        guard case .unauthorized(401, let message) = getError as? AuthError else {
            return XCTFail("\(String(describing: getError))")
        }
        XCTAssertEqual(message, "wrong user or password")
    }
}
