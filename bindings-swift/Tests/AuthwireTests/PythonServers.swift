// Test support: the scenario scripts that need a Python with third-party packages
// (tests/scenarios/jwt_servers.py, oauth_servers.py, tls_servers.py) as child processes. Each
// prints ONE line of JSON (its ready line) once its servers listen, and serves until its
// standard input closes. The Python is AUTHWIRE_TEST_PYTHON, else <repo>/.venv/bin/python; with
// neither the tests that need the script are skipped.
import Foundation
import XCTest

struct PythonServerError: Error, CustomStringConvertible {
    let description: String
}

/// A tests/scenarios/*.py script as a child process: started by `init`, which reads its ready
/// line; stopped by ``stop()`` (it serves until its standard input closes).
final class PythonServer: @unchecked Sendable {
    let ready: [String: Any]
    private let process: Process
    private let input: Pipe

    /// The Python to run the scripts with: AUTHWIRE_TEST_PYTHON, else <repo>/.venv/bin/python.
    static func python() -> String? {
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment["AUTHWIRE_TEST_PYTHON"],
            repositoryRoot.appendingPathComponent(".venv/bin/python").path,
        ]
        return candidates.compactMap { $0 }.first {
            !$0.isEmpty && FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// `tests/scenarios/<script> <arguments>` under `python`; `needs` names what the script
    /// imports (for the error when it exits before its ready line).
    init(script: String, arguments: [String] = [], python: String, needs: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repositoryRoot.appendingPathComponent("tests/scenarios/\(script)").path] + arguments
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                throw PythonServerError(
                    description: "tests/scenarios/\(script) exited (status \(process.terminationStatus)) "
                        + "before it printed its ready line; does \(python) have \(needs)? Its stderr is above.")
            }
            line.append(chunk)
        }
        guard let ready = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
            throw PythonServerError(
                description: "unexpected ready line from \(script): \(String(decoding: line, as: UTF8.self))")
        }
        self.ready = ready
        self.process = process
        self.input = input
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// The script of a running test class, seen through `Servers` (a view of its ready line):
/// started in the class's `class func setUp()`, stopped in its `class func tearDown()`.
/// ``current()`` throws `XCTSkip` when there is no Python, and the start-up error otherwise.
final class PythonServerSlot<Servers>: @unchecked Sendable {
    private let script: String
    private let needs: String
    private let view: (PythonServer) -> Servers
    private let lock = NSLock()
    private var server: PythonServer?  // the fields below are guarded by `lock`
    private var servers: Servers?
    private var skip: String?
    private var failure: String?

    /// `script` as in ``PythonServer/init(script:python:needs:)``; `view` wraps the started server.
    init(script: String, needs: String, view: @escaping (PythonServer) -> Servers) {
        self.script = script
        self.needs = needs
        self.view = view
    }

    func start() {
        lock.withLock {
            server = nil
            servers = nil
            skip = nil
            failure = nil
            guard let python = PythonServer.python() else {
                skip = "no Python for tests/scenarios/\(script): set AUTHWIRE_TEST_PYTHON to a Python "
                    + "with \(needs), or create \(repositoryRoot.path)/.venv"
                return
            }
            do {
                let started = try PythonServer(script: script, python: python, needs: needs)
                server = started
                servers = view(started)
            } catch {
                failure = "\(error)"
            }
        }
    }

    func stop() {
        lock.withLock {
            server?.stop()
            server = nil
            servers = nil
        }
    }

    func current() throws -> Servers {
        try lock.withLock {
            if let skip { throw XCTSkip(skip) }
            guard let servers else { throw PythonServerError(description: failure ?? "the servers are not running") }
            return servers
        }
    }
}
