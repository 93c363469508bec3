// Soak and lifecycle figures for the Swift binding: threads, open file descriptors and
// resident memory of this process before, during and after each phase. Prints figures;
// asserts nothing about speed. Linux only (it reads /proc/self). Not a test:
//   bindings-swift/generate
//   swift build -c release --product authwire-swift-soak
//   .build/release/authwire-swift-soak [--managers N] [--calls N]
//
// It starts tests/scenarios/server.py with python3 (or AUTHWIRE_SOAK_PYTHON), then:
// 1. creates --managers (default 10 000) API-key-exchange managers, each on a namespace of its
//    own, has each fetch its token (one authorizationBlocking()), then releases them all;
//    twice, so that a leak shows apart from the allocator's high-water mark;
// 2. makes --calls (default 10 000 000) header-builder calls, basicAuth and bearerAuth
//    alternating;
// 3. makes --calls cached authorizationBlocking() calls on one manager;
// 4. releases a manager while its token request waits on the server's `stall` scenario: the
//    task awaiting authorization() is cancelled and the last reference dropped. It prints
//    whether the manager was freed 1 s later and, if not, when.
//
// `start` is measured once the server runs and before any manager exists; `warm` after one
// manager has fetched a token and been released (the core's I/O threads have started). The
// verdict compares the end with both.
import Authwire
import Foundation

/// The API key tests/scenarios/server.py accepts.
let apiKey = "scenario-api-key-5f2b"

/// Threads, open file descriptors and resident memory (KiB) of this process.
struct Sample {
    var threads: Int
    var fds: Int
    var rssKiB: Int
}

func statusField(_ status: String, _ name: String) -> Int {
    for line in status.split(separator: "\n") where line.hasPrefix(name) {
        return Int(line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? -1
    }
    return -1
}

func sample() -> Sample {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    return Sample(threads: statusField(status, "Threads:"), fds: fds, rssKiB: statusField(status, "VmRSS:"))
}

extension String {
    func pad(_ width: Int) -> String { padding(toLength: max(width, count), withPad: " ", startingAt: 0) }
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

/// Prints one line at once (unbuffered, also when stdout is a pipe).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

@discardableResult
func report(_ phase: String, _ when: String) -> Sample {
    let s = sample()
    say(
        "\(phase.pad(28)) \(when.pad(7)) threads \(String(s.threads).leftPad(4))  fds \(String(s.fds).leftPad(5))  rss \(String(format: "%8.1f", Double(s.rssKiB) / 1024)) MiB"
    )
    return s
}

func delta(_ label: String, _ end: Sample, _ base: Sample) -> String {
    String(
        format: "threads %+ld, fds %+ld, RSS %+.1f MiB", end.threads - base.threads, end.fds - base.fds,
        Double(end.rssKiB - base.rssKiB) / 1024) + " (\(label))"
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func rate(_ calls: Int, _ duration: Duration) -> String {
    String(format: "%.2f M calls/s (%.0f ns/call)", Double(calls) / seconds(duration) / 1e6, seconds(duration) * 1e9 / Double(calls))
}

func argument(_ name: String, _ fallback: Int) -> Int {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let value = Int(args[i + 1]) else { return fallback }
    return value
}

@inline(never)
func consume(_ value: String) {
    if value.isEmpty { fatalError("empty header") }
}

/// Starts tests/scenarios/server.py; it stops when its stdin closes. Returns it, its stdin and its port.
func startScenarioServer() throws -> (Process, Pipe, Int) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    let python = ProcessInfo.processInfo.environment["AUTHWIRE_SOAK_PYTHON"] ?? "python3"
    process.arguments = [python, root.appendingPathComponent("tests/scenarios/server.py").path]
    let output = Pipe()
    let input = Pipe()
    process.standardOutput = output
    process.standardInput = input
    try process.run()
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) { line.append(output.fileHandleForReading.availableData) }
    let text = String(decoding: line, as: UTF8.self)
    guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
        fatalError("tests/scenarios/server.py printed \(text), not 'PORT <n>'")
    }
    return (process, input, port)
}

func manager(_ port: Int, _ scenario: String, _ namespace: String, _ options: TokenOptions = TokenOptions()) throws
    -> Authwire.TokenManager
{
    try Authwire.TokenManager.apiKeyExchange(
        tokenURL: URL(string: "http://127.0.0.1:\(port)/\(scenario)/\(namespace)/token")!,
        apiKey: try APIKey(encodedKey: apiKey), options: options)
}

let managers = argument("--managers", 10_000)
let calls = argument("--calls", 10_000_000)
let (server, serverInput, port) = try startScenarioServer()
say("authwire soak: Swift binding, \(managers) managers, \(calls) calls per call phase")

let start = report("0 process", "start")
do {
    let warmUp = try manager(port, "ok", "warm-up")
    consume(try warmUp.authorizationBlocking())
}
Thread.sleep(forTimeInterval: 0.2)
let warm = report("0 process", "warm")

// Phase 1: many managers, each fetching its token, then all released; twice, so that a leak
// (growth in each round) shows apart from the allocator's high-water mark.
var began = ContinuousClock.now
for round in 1...2 {
    let phase = "1 managers, round \(round)"
    report(phase, "start")
    began = ContinuousClock.now
    var alive: [Authwire.TokenManager] = []
    alive.reserveCapacity(managers)
    for i in 0..<managers {
        let m = try manager(port, "ok", "soak-\(round)-\(i)")
        consume(try m.authorizationBlocking())
        alive.append(m)
    }
    let created = ContinuousClock.now - began
    report(phase, "middle")
    alive = []
    Thread.sleep(forTimeInterval: 0.5)
    report(phase, "end")
    say(
        String(
            format: "  phase 1: %ld managers created with a token each in %.1f s (%.0f managers/s)", managers,
            seconds(created), Double(managers) / seconds(created)))
}

// Phase 2: header builders.
report("2 header builders", "start")
began = ContinuousClock.now
for i in 0..<calls {
    if i == calls / 2 { report("2 header builders", "middle") }
    if i % 2 == 0 {
        consume(try basicAuth(userID: "soak-user", password: "soak-password"))
    } else {
        consume(try bearerAuth(token: "mF_9.B5f-4.1JqM"))
    }
}
let buildersRate = rate(calls, ContinuousClock.now - began)
report("2 header builders", "end")
say("  phase 2: \(buildersRate) (middle sample included)")

// Phase 3: cached authorizationBlocking() on one manager.
var cachedRate = ""
do {
    let one = try manager(port, "ok", "soak-cached")
    consume(try one.authorizationBlocking())
    report("3 cached authorization()", "start")
    began = ContinuousClock.now
    for i in 0..<calls {
        if i == calls / 2 { report("3 cached authorization()", "middle") }
        consume(try one.authorizationBlocking())
    }
    cachedRate = rate(calls, ContinuousClock.now - began)
    report("3 cached authorization()", "end")
    say("  phase 3: \(cachedRate) (middle sample included)")
    say("  phase 3: token requests of that manager: \(one.stats.tokenRequests)")
}

// Phase 4: a manager released while its token request is in flight. The request gives up
// after requestTimeout, one attempt: the time by which the manager is freed at the latest.
let requestTimeout: Duration = .seconds(5)
let beforeStall = report("4 drop in flight", "start")
nonisolated(unsafe) weak var weakStalled: Authwire.TokenManager?
let finished = DispatchSemaphore(value: 0)
do {
    let stalled = try manager(port, "stall", "soak-in-flight", TokenOptions(requestTimeout: requestTimeout, maxAttempts: 1))
    weakStalled = stalled
    let task = Task.detached {
        defer { finished.signal() }
        _ = try? await stalled.authorization()
    }
    Thread.sleep(forTimeInterval: 0.3)
    task.cancel()
}
report("4 drop in flight", "middle")
let dropped = ContinuousClock.now
Thread.sleep(forTimeInterval: 1.0)
let afterDrop = report("4 drop in flight", "end")
say(
    "  phase 4: released with its request in flight, its task cancelled; no crash; 1.0 s later the manager is "
        + (weakStalled == nil ? "freed" : "still alive (the cancelled task still awaits the core's request)")
        + "; \(delta("vs phase start", afterDrop, beforeStall))")
if weakStalled != nil {
    finished.wait()
    Thread.sleep(forTimeInterval: 0.2)
    let freedAt = ContinuousClock.now - dropped
    let afterTimeout = report("4 drop in flight", "freed")
    say(
        String(format: "  phase 4: the awaiting task ended %.1f s after the release (request timeout %ld ms); manager ", seconds(freedAt), Int(requestTimeout.components.seconds * 1000))
            + (weakStalled == nil ? "freed" : "STILL ALIVE") + "; \(delta("vs phase start", afterTimeout, beforeStall))")
}

let end = report("0 process", "end")
say("rate: phase 2 header builders \(buildersRate)")
say("rate: phase 3 cached authorization() \(cachedRate)")
say("verdict: \(delta("end vs start", end, start)); \(delta("end vs warm", end, warm))")

try serverInput.fileHandleForWriting.close()
server.waitUntilExit()
