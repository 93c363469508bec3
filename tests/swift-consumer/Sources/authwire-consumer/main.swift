// Uses the Authwire product the way an app does: headers, a token manager, URLRequest, errors.
import Authwire
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

func run() async throws {
    let basic = try basicAuth(userID: "Aladdin", password: "open sesame")
    precondition(basic == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", basic)
    let decoded = try decodeBasic(headerValue: basic)
    precondition(decoded.userID == "Aladdin" && decoded.password == "open sesame")
    precondition(!"\(decoded)".contains("open sesame"))

    let tokens = try TokenManager.staticToken("consumer.token", lifetime: .seconds(60))
    let header = try await tokens.authorization()
    precondition(header == "Bearer consumer.token", header)
    var request = URLRequest(url: URL(string: "https://api.example.com/things")!)
    try await request.authorize(with: tokens)
    precondition(request.value(forHTTPHeaderField: "Authorization") == header)

    do {
        _ = try bearerAuth(token: "two words")
        preconditionFailure("no error")
    } catch let error as AuthError {
        guard case .invalidInput = error else { preconditionFailure("\(error)") }
        print("typed error: \(error.localizedDescription)")
    }
    print("authwire-consumer: headers, tokens and URLRequest work; \(tokens)")
}

try await run()
