// An app and its widget (or extension): two processes sharing one user session through a
// FileStore (the app group's container on iOS) sealed with a KeyFileSealingKey (the stand-in
// for KeychainSealingKey), against the real servers of tests/scenarios/session_servers.py with
// 2-second access tokens. The second process is this test binary run again with one test
// selected (`SessionWidgetWorker.testWorker`) and its instructions in the environment.
import Authwire
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What one process saw while it used the session.
struct WidgetReport: Codable {
    /// Calls that gave a header and whose API request answered 200.
    var ok = 0
    /// API answers other than 200, by status (after URLSession's one retry on 401).
    var statuses: [String: Int] = [:]
    /// Errors other than signInRequired, as text.
    var errors: [String] = []
    /// When the last successful call ended (seconds since 1970).
    var lastOK: Double?
    /// When the first signInRequired came (seconds since 1970).
    var signInRequiredAt: Double?
    /// The outcomes of the calls after the first signInRequired (all `signInRequired`).
    var afterEnd: [String] = []
}

/// Uses `session` every 100 ms until `deadline`, `stop` returns true, or signInRequired (then
/// three more calls, to see that it stays).
func useSession(
    _ session: TokenManager, resource: URL, until deadline: Date, stop: @Sendable () -> Bool = { false }
) async -> WidgetReport {
    var report = WidgetReport()
    while Date() < deadline, !stop() {
        do {
            let (_, response) = try await URLSession.shared.data(for: URLRequest(url: resource), authorizedBy: session)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status == 200 {
                report.ok += 1
                report.lastOK = Date().timeIntervalSince1970
            } else {
                report.statuses["\(status)", default: 0] += 1
            }
        } catch AuthError.signInRequired {
            report.signInRequiredAt = Date().timeIntervalSince1970
            for _ in 0..<3 {
                try? await Task.sleep(for: .milliseconds(100))
                do {
                    _ = try await session.authorization()
                    report.afterEnd.append("ok")
                } catch AuthError.signInRequired {
                    report.afterEnd.append("signInRequired")
                } catch {
                    report.afterEnd.append("\(error)")
                }
            }
            return report
        } catch {
            report.errors.append("\(error)")
        }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return report
}

/// The worker's instructions (JSON in AUTHWIRE_SESSION_WORKER).
struct WorkerPlan: Codable {
    let tokenURL: URL
    let clientID: String
    let store: String
    let key: String
    let resource: URL
    let deadline: Double
    let report: String
}

/// The widget process: continues the session stored by the app, uses it, writes its report.
final class SessionWidgetWorker: XCTestCase {
    func testWorker() async throws {
        guard let text = ProcessInfo.processInfo.environment["AUTHWIRE_SESSION_WORKER"] else {
            throw XCTSkip("the widget process of SessionWidgetTests; runs only when started by it")
        }
        let plan = try JSONDecoder().decode(WorkerPlan.self, from: Data(text.utf8))
        let session = try TokenManager.userSession(
            tokenURL: plan.tokenURL, clientID: plan.clientID, sealingKey: KeyFileSealingKey(path: plan.key),
            options: TokenOptions(transport: URLSessionTransport(), store: try FileStore(path: plan.store)))
        let report = await useSession(
            session, resource: plan.resource, until: Date(timeIntervalSince1970: plan.deadline))
        try JSONEncoder().encode(report).write(to: URL(fileURLWithPath: plan.report))
    }
}

/// A worker process and where its report will be.
private struct Worker {
    let process: Process
    let report: URL

    /// This test binary again, running `SessionWidgetWorker.testWorker` with `plan`.
    static func start(_ plan: WorkerPlan) throws -> Worker {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        process.arguments = ["AuthwireTests.SessionWidgetWorker/testWorker"]
        var environment = ProcessInfo.processInfo.environment
        environment["AUTHWIRE_SESSION_WORKER"] = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return Worker(process: process, report: URL(fileURLWithPath: plan.report))
    }

    func finish() async throws -> WidgetReport {
        let process = process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        XCTAssertEqual(process.terminationStatus, 0, "the widget process failed")
        return try JSONDecoder().decode(WidgetReport.self, from: Data(contentsOf: report))
    }
}

final class SessionWidgetTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        sessionServersSlot.start()
    }

    override class func tearDown() {
        sessionServersSlot.stop()
        super.tearDown()
    }

    func testAnAppAndItsWidgetShareOneSessionOnAuthlib() async throws {
        try await shareOneSession("authlib")
    }

    func testAnAppAndItsWidgetShareOneSessionOnDjangoOAuthToolkit() async throws {
        try await shareOneSession("dot")
    }

    /// ~8 s of both processes using one session (2-second tokens: several rotations) with no
    /// invalid_grant; the app signs out and the widget gets signInRequired within 1.5 s; a new
    /// sign-in, then the server revokes everything and both get signInRequired.
    private func shareOneSession(_ name: String) async throws {
        #if !os(Linux)
            // The widget process is this test binary run again, as swift-corelibs-xctest allows.
            throw XCTSkip("runs on Linux")
        #else
            let servers = try sessionServersSlot.current()
            let server = servers.server(name)
            let client = servers.publicClient
            let directory = try temporaryDirectory("authwire-widget")
            defer { try? FileManager.default.removeItem(at: directory) }
            // The app group's container: the session store and the sealing key.
            let storePath = directory.appendingPathComponent("session").path
            let keyPath = directory.appendingPathComponent("session.key").path
            func appSession(_ tokens: SessionTokens?, revocationURL: URL? = nil) throws -> TokenManager {
                try TokenManager.userSession(
                    tokenURL: server.token, clientID: client.clientID, tokens: tokens, revocationURL: revocationURL,
                    sealingKey: KeyFileSealingKey(path: keyPath),
                    options: TokenOptions(transport: URLSessionTransport(), store: try FileStore(path: storePath)))
            }
            func plan(_ seconds: Double, _ report: String) -> WorkerPlan {
                WorkerPlan(
                    tokenURL: server.token, clientID: client.clientID, store: storePath, key: keyPath,
                    resource: server.resource, deadline: Date().timeIntervalSince1970 + seconds,
                    report: directory.appendingPathComponent(report).path)
            }

            // Phase 1: the app signs in; the widget continues the stored session. No revocation
            // endpoint: the widget learns of the sign-out from the store alone (with one, the
            // revoked access token's 401 would tell it at once).
            try await server.resetStats()
            let app = try appSession(try await signIn(server, client))
            _ = try await app.authorization()
            let widget = try Worker.start(plan(30, "widget-1.json"))
            let signOutAt = Date().addingTimeInterval(8)
            let appReport = await useSession(app, resource: server.resource, until: signOutAt)
            let beforeSignOut = try await server.stats()
            let signedOut = Date().timeIntervalSince1970
            try await app.signOut()
            let widgetReport = try await widget.finish()
            print(
                "\(name) phase 1: app \(appReport), widget \(widgetReport), server \(beforeSignOut); the widget's "
                    + "signInRequired \((widgetReport.signInRequiredAt ?? 0) - signedOut) s after the sign-out")
            XCTAssertEqual(beforeSignOut.invalidGrant, 0, name)
            XCTAssertEqual(beforeSignOut.reuseDetected, 0, name)
            XCTAssertGreaterThanOrEqual(beforeSignOut.refreshOK, 3, "\(name): 8 s of 2-second tokens")
            XCTAssertEqual(appReport.errors, [], name)
            XCTAssertEqual(widgetReport.errors, [], name)
            XCTAssertGreaterThan(appReport.ok, 20, name)
            XCTAssertGreaterThan(widgetReport.ok, 20, name)
            let ended = try XCTUnwrap(widgetReport.signInRequiredAt, "\(name): the widget never saw the sign-out")
            XCTAssertLessThan(ended - signedOut, 1.5, "\(name): the widget's call ≥1.5 s after the sign-out must fail")
            XCTAssertLessThan(widgetReport.lastOK ?? 0, signedOut + 1.5, name)
            XCTAssertEqual(widgetReport.afterEnd, ["signInRequired", "signInRequired", "signInRequired"], name)
            let afterSignOut = await thrownError { try await app.authorization() }
            guard case .signInRequired? = afterSignOut as? AuthError else {
                return XCTFail("\(name): expected signInRequired, got \(String(describing: afterSignOut))")
            }
            let revocations = try await server.stats().revocations
            XCTAssertEqual(revocations, 0, name)

            // Phase 2: a new sign-in; the server revokes every token (an admin action): both
            // processes get signInRequired.
            try await server.resetStats()
            let again = try appSession(try await signIn(server, client), revocationURL: server.revoke)
            _ = try await again.authorization()
            let secondWidget = try Worker.start(plan(15, "widget-2.json"))
            let revokeAt = Date().addingTimeInterval(3)
            async let appSecond = useSession(again, resource: server.resource, until: Date().addingTimeInterval(15))
            try await Task.sleep(for: .seconds(revokeAt.timeIntervalSinceNow))
            let revoked = Date().timeIntervalSince1970
            try await server.control("revoke-all")
            let appAfterRevoke = await appSecond
            let widgetAfterRevoke = try await secondWidget.finish()
            let stats = try await server.stats()
            print(
                "\(name) phase 2: app \(appAfterRevoke), widget \(widgetAfterRevoke), server \(stats); "
                    + "signInRequired \((appAfterRevoke.signInRequiredAt ?? 0) - revoked) s (app) and "
                    + "\((widgetAfterRevoke.signInRequiredAt ?? 0) - revoked) s (widget) after the revocation")
            for (who, report) in [("app", appAfterRevoke), ("widget", widgetAfterRevoke)] {
                let at = try XCTUnwrap(report.signInRequiredAt, "\(name): the \(who) never got signInRequired")
                XCTAssertLessThan(at - revoked, 4, "\(name): the \(who)")
                XCTAssertEqual(report.errors, [], "\(name): the \(who)")
                XCTAssertGreaterThan(report.ok, 5, "\(name): the \(who) used the new session")
            }
        #endif
    }
}
