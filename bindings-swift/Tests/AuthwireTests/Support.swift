// Test support: the repository's files and the shared scenario server (tests/scenarios/server.py),
// a real HTTP/1.1 server on 127.0.0.1 that every test drives through its own namespace.
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The repository root, found from this file's path (bindings-swift/Tests/AuthwireTests/).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The API key the scenario server accepts (tests/scenarios/server.py, `API_KEY`).
let scenarioApiKey = "scenario-api-key-5f2b"
let csrfUser = "csrf-user"
let csrfPassword = "csrf-password-91c3"

/// The shared vectors, tests/auth-vectors.json, read afresh for each caller.
func loadVectors() -> [String: Any] {
    let data = try! Data(contentsOf: repositoryRoot.appendingPathComponent("tests/auth-vectors.json"))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// A JSON file of the repository (e.g. `tests/scenarios/providers.json`), parsed.
func loadRepositoryJSON(_ path: String) -> [String: Any] {
    let data = try! Data(contentsOf: repositoryRoot.appendingPathComponent(path))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// The cases of one section; a missing or empty section fails the test.
func cases(_ section: String, file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
    guard let cases = loadVectors()[section] as? [[String: Any]], !cases.isEmpty else {
        XCTFail("tests/auth-vectors.json has no section \(section)", file: file, line: line)
        return []
    }
    return cases
}

/// The scenario server, started once per test process. It stops when this process ends
/// (it serves until its standard input closes).
final class ScenarioServer: Sendable {
    static let shared = ScenarioServer()

    let port: Int
    private let process: Process
    private let input: Pipe

    private init() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", repositoryRoot.appendingPathComponent("tests/scenarios/server.py").path,
        ]
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try! process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            precondition(!chunk.isEmpty, "the scenario server exited before it listened")
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "),
            let port = Int(text.dropFirst(5).prefix { $0.isNumber })
        else { fatalError("unexpected first line from the scenario server: \(text)") }
        self.port = port
        self.process = process
        self.input = input
    }

    func url(_ scenario: String, _ namespace: String, _ endpoint: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)/\(scenario)/\(namespace)/\(endpoint)")!
    }

    /// The namespace's counters.
    func stats(_ scenario: String, _ namespace: String) async throws -> ScenarioStats {
        let (data, _) = try await URLSession.shared.data(from: url(scenario, namespace, "stats"))
        return try JSONDecoder().decode(ScenarioStats.self, from: data)
    }

    /// A POST to a control endpoint (`revoke`, `expire`).
    func post(_ scenario: String, _ namespace: String, _ endpoint: String) async throws {
        var request = URLRequest(url: url(scenario, namespace, endpoint))
        request.httpMethod = "POST"
        _ = try await URLSession.shared.data(for: request)
    }

    /// Scripts the reply of `/scripted/<namespace>/token`.
    func script(_ namespace: String, status: Int, headers: [String: String] = [:], body: String) async throws {
        var request = URLRequest(url: url("scripted", namespace, "script"))
        request.httpMethod = "PUT"
        request.httpBody = try JSONSerialization.data(withJSONObject: [
            "status": status, "headers": headers, "body_text": body,
        ])
        _ = try await URLSession.shared.data(for: request)
    }

    /// The last token request `/<scenario>/<namespace>/token` received (`scripted` or
    /// `provider`).
    func lastRequest(_ namespace: String, scenario: String = "scripted") async throws -> ReceivedRequest {
        let (data, _) = try await URLSession.shared.data(from: url(scenario, namespace, "last"))
        return try JSONDecoder().decode(ReceivedRequest.self, from: data)
    }
}

struct ScenarioStats: Decodable, Equatable {
    let tokenRequests: Int
    let resourceRequests: Int
    let resource401: Int
    let csrfFetches: Int
    let writes: Int
    let write403: Int
    let reads: Int
    let read401: Int
    let readsWithCsrfToken: Int
    let readsWithSessionCookie: Int

    enum CodingKeys: String, CodingKey {
        case tokenRequests = "token_requests"
        case resourceRequests = "resource_requests"
        case resource401 = "resource_401"
        case csrfFetches = "csrf_fetches"
        case writes
        case write403 = "write_403"
        case reads
        case read401 = "read_401"
        case readsWithCsrfToken = "reads_with_csrf_token"
        case readsWithSessionCookie = "reads_with_session_cookie"
    }
}

struct ReceivedRequest: Decodable {
    let method: String
    let headers: [String: String]
    let bodyText: String

    enum CodingKeys: String, CodingKey {
        case method, headers
        case bodyText = "body_text"
    }
}

/// A fresh namespace for one test.
func freshNamespace() -> String {
    UUID().uuidString.lowercased()
}

/// Collects a manager's events, from the core's threads.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [String] = []
    private var authEvents: [AuthEvent] = []

    func record(_ event: Any) {
        lock.lock()
        defer { lock.unlock() }
        events.append(String(describing: event))
        if let event = event as? AuthEvent { authEvents.append(event) }
    }

    /// The events recorded, as values.
    var typed: [AuthEvent] {
        lock.lock()
        defer { lock.unlock() }
        return authEvents
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return events
    }
}

/// Runs `body` on a thread of its own (not the cooperative pool), for the blocking APIs.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}

/// The error `body` throws, or a failure if it throws none.
func thrownError<T>(
    _ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line
) async -> Error? {
    do {
        _ = try await body()
        XCTFail("expected an error", file: file, line: line)
        return nil
    } catch {
        return error
    }
}
