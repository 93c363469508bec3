import AuthwireUniFFI
public func basicAuth(userId: String, password: String) throws -> String {
    try AuthwireUniFFI.basicAuth(userId: userId, password: password)
}
