// The Swift quickstart of the documentation (docs/quickstart.md), verbatim from the import to
// the end. tests/run-all runs it against `authwire demo --serve`: swift run authwire-quickstart
import Authwire
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking  // URLSession on Linux
#endif

// First, in a shell: authwire demo --serve --port 8765 --key-file /tmp/authwire-demo-key.json
let key = try APIKey(contentsOf: URL(fileURLWithPath: "/tmp/authwire-demo-key.json"))
// One manager per credential, shared by the whole app (it is Sendable).
let tokens = try TokenManager.apiKeyExchange(
    tokenURL: URL(string: "http://127.0.0.1:8765/v1/token")!, apiKey: key)

let header = try await tokens.authorization()  // one token request; then from the cache
print(header.prefix { $0 != " " })  // Bearer

// URLSession: the header is set, and a 401 invalidates the token and retries once.
let request = URLRequest(url: URL(string: "http://127.0.0.1:8765/resource")!)
let (_, response) = try await URLSession.shared.data(for: request, authorizedBy: tokens)
print((response as? HTTPURLResponse)?.statusCode ?? 0)  // 200
print(tokens.stats.tokenRequests)  // 1
