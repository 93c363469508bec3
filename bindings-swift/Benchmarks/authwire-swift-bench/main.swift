// Prints what the Swift layer costs per call (a benchmark, not a test):
//   swift run -c release authwire-swift-bench
// Run bindings-swift/generate first. Figures vary with the machine and its load.
import Authwire
import AuthwireUniFFI
import Foundation

@inline(never)
func consume(_ value: String) {
    if value.isEmpty { fatalError("empty header") }
}

/// A duration in nanoseconds.
func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

/// Nanoseconds per call of `body`, best of five rounds of `iterations` calls.
func measure(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try body() }
        best = min(best, nanoseconds(ContinuousClock.now - start) / Double(iterations))
    }
    return best
}

/// As `measure`, for an async body.
func measureAsync(_ iterations: Int, _ body: () async throws -> Void) async rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try await body() }
        best = min(best, nanoseconds(ContinuousClock.now - start) / Double(iterations))
    }
    return best
}

/// As `measureAsync`, with the body isolated to the main actor (an app's UI code).
@MainActor
func measureOnMain(_ iterations: Int, _ body: @MainActor () async throws -> Void) async rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try await body() }
        best = min(best, nanoseconds(ContinuousClock.now - start) / Double(iterations))
    }
    return best
}

/// Nanoseconds per call with `threads` threads calling at once (wall time × threads / calls).
func measureThreads(_ threads: Int, _ iterations: Int, _ body: @escaping @Sendable () throws -> Void) -> Double {
    let group = DispatchGroup()
    let start = ContinuousClock.now
    for _ in 0..<threads {
        group.enter()
        Thread {
            for _ in 0..<iterations { try! body() }
            group.leave()
        }.start()
    }
    group.wait()
    return nanoseconds(ContinuousClock.now - start) / Double(iterations)
}

func row(_ name: String, _ threads: Int, _ nanos: Double) {
    let cell = nanos < 1_000 ? String(format: "%.0f ns", nanos) : String(format: "%.2f µs", nanos / 1_000)
    print(name.padding(toLength: 78, withPad: " ", startingAt: 0), String(threads).leftPad(7), cell.leftPad(12))
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

/// Starts tests/scenarios/server.py (a local keep-alive token server) and returns its port.
func startScenarioServer() throws -> (Process, Int) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", root.appendingPathComponent("tests/scenarios/server.py").path]
    let output = Pipe()
    process.standardOutput = output
    process.standardInput = Pipe()
    try process.run()
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) { line.append(output.fileHandleForReading.availableData) }
    let text = String(decoding: line, as: UTF8.self)
    return (process, Int(text.dropFirst(5).prefix { $0.isNumber })!)
}

/// Microseconds per token request as a caller sees it (invalidate, then authorization():
/// the refresh machinery, the transport and the local server), median of 5 runs of 200.
func tokenRequestCost(port: Int, transport: HTTPTransport?) async throws -> Double {
    let ns = UUID().uuidString
    let tokens = try Authwire.TokenManager.apiKeyExchange(
        tokenURL: URL(string: "http://127.0.0.1:\(port)/ok/\(ns)/token")!,
        apiKey: try APIKey(encodedKey: "scenario-api-key-5f2b"),
        options: TokenOptions(loopMaxInvalidations: 1_000_000, transport: transport))
    var header = try await tokens.authorization()
    var runs: [Double] = []
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<200 {
            tokens.invalidate(header)
            header = try await tokens.authorization()
        }
        runs.append(nanoseconds(ContinuousClock.now - start) / 1_000 / 200)
    }
    return runs.sorted()[2]
}

let tokens = try Authwire.TokenManager.staticToken("bench.token.value")
let generated = try AuthwireUniFFI.TokenManager.staticToken(token: "bench.token.value", lifetimeSecs: nil)
_ = try tokens.authorizationBlocking()

print("case".padding(toLength: 78, withPad: " ", startingAt: 0), "threads".leftPad(7), "per call".leftPad(12))
row("TokenManager.authorization() (async, cached header, on the main actor)", 1,
    try await measureOnMain(1_000_000) { consume(try await tokens.authorization()) })
row("TokenManager.authorization() (async, cached header, in a task)", 1,
    try await Task.detached { try await measureAsync(1_000_000) { consume(try await tokens.authorization()) } }.value)
row("TokenManager.authorizationBlocking() (cached header)", 1,
    try measure(1_000_000) { consume(try tokens.authorizationBlocking()) })
row("TokenManager.authorizationBlocking() (cached header)", 8,
    measureThreads(8, 250_000) { consume(try tokens.authorizationBlocking()) })
row("generated TokenManager.authorization(), a plain call into the core", 1,
    try measure(200_000) { consume(try generated.authorization()) })
row("generated TokenManager.authorization(), a plain call into the core", 8,
    measureThreads(8, 50_000) { consume(try generated.authorization()) })
row("generated TokenManager.authorizationAsync(), a plain async call, in a task", 1,
    try await Task.detached { try await measureAsync(50_000) { consume(try await generated.authorizationAsync()) } }.value)
row("basicAuth(userID:password:)", 1,
    try measure(200_000) { consume(try Authwire.basicAuth(userID: "Aladdin", password: "open sesame")) })
row("bearerAuth(token:)", 1, try measure(200_000) { consume(try Authwire.bearerAuth(token: "mF_9.B5f-4.1JqM")) })

let (server, port) = try startScenarioServer()
let builtIn = try await Task.detached { try await tokenRequestCost(port: port, transport: nil) }.value
let viaURLSession = try await Task.detached {
    try await tokenRequestCost(port: port, transport: URLSessionTransport())
}.value
server.terminate()
print("")
print("one token request (invalidate, then authorization()), local keep-alive server   µs per request")
print("built-in client (reqwest)".padding(toLength: 78, withPad: " ", startingAt: 0), String(format: "%.0f", builtIn).leftPad(20))
print("URLSessionTransport".padding(toLength: 78, withPad: " ", startingAt: 0), String(format: "%.0f", viaURLSession).leftPad(20))

// Signing cost per JWT assertion (RS256 with RSA-2048, ES256 with P-256), keys from openssl.

/// A fresh PKCS#8 PEM private key from `openssl genpkey`.
func generateKey(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl", "genpkey"] + arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// A signer written in Swift over the built-in one: the core calls back into Swift to sign.
final class ForwardingSigner: Authwire.JWTSigner {
    let inner: any Authwire.JWTSigner
    init(_ inner: any Authwire.JWTSigner) { self.inner = inner }
    var algorithm: JWTAlgorithm { inner.algorithm }
    var keyID: String? { inner.keyID }
    func sign(_ message: Data) throws -> Data { try inner.sign(message) }
}

/// Microseconds per new self-signed JWT as a caller sees it (invalidate, then
/// authorizationBlocking(): claims, signing, base64url, the refresh machinery), median of 5
/// runs of `iterations`.
func selfSignedCost(_ signer: any Authwire.JWTSigner, _ iterations: Int) throws -> Double {
    let tokens = try Authwire.TokenManager.selfSignedJWT(
        signer: signer, issuer: "bench@example.iam.gserviceaccount.com", audience: "https://example.googleapis.com/",
        options: TokenOptions(loopMaxInvalidations: 1_000_000))
    var header = try tokens.authorizationBlocking()
    var runs: [Double] = []
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for _ in 0..<iterations {
            tokens.invalidate(header)
            header = try tokens.authorizationBlocking()
        }
        runs.append(nanoseconds(ContinuousClock.now - start) / 1_000 / Double(iterations))
    }
    return runs.sorted()[2]
}

// The mobile core has no built-in signer: pemSigner says so, and the section is skipped.
do {
    let message = Data(String(repeating: "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJiZW5jaCJ9", count: 8).utf8)
    print("")
    print("signing one JWT assertion (built-in signer, ring)".padding(toLength: 78, withPad: " ", startingAt: 0),
        "µs per assertion".leftPad(20))
    for (name, arguments, iterations) in [
        ("RS256, RSA-2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], 200),
        ("ES256, P-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], 1_000),
    ] {
        let signer = try Authwire.pemSigner(pem: try generateKey(arguments))
        let direct = try measure(iterations) { _ = try signer.sign(message) } / 1_000
        let perToken = try selfSignedCost(signer, iterations)
        let hosted = try selfSignedCost(ForwardingSigner(signer), iterations)
        print("\(name): signer.sign(_:) from Swift".padding(toLength: 78, withPad: " ", startingAt: 0),
            String(format: "%.1f", direct).leftPad(20))
        print("\(name): selfSignedJWT, invalidate + authorizationBlocking()".padding(toLength: 78, withPad: " ", startingAt: 0),
            String(format: "%.1f", perToken).leftPad(20))
        print("\(name): the same through a JWTSigner written in Swift".padding(toLength: 78, withPad: " ", startingAt: 0),
            String(format: "%.1f", hosted).leftPad(20))
    }
} catch Authwire.AuthError.invalidConfiguration(let reason) {
    print("signing benchmark skipped: \(reason)")
}
