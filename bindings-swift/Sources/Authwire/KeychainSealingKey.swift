// The Keychain sealing key of Apple platforms. Security.framework does not exist on Linux, so
// this file has never been compiled or run: it is untested.
#if canImport(Security)
    import Foundation
    import Security

    /// A ``SealingKey`` kept in the Keychain: 32 random bytes in a generic-password item
    /// (`kSecClassGenericPassword`, `service`, account `authwire-sealing-key`), created on first
    /// use with `SecItemAdd` and `kSecAttrAccessibleAfterFirstUnlock`, in the Keychain access
    /// group `accessGroup` so that an app and its extensions (widget, share extension, File
    /// Provider) share one key, and with it one session in a ``FileStore`` of the app group's
    /// container.
    ///
    /// ```swift
    /// let key = KeychainSealingKey(service: "com.example.app.session", accessGroup: "TEAMID.com.example.shared")
    /// ```
    ///
    /// Before the first unlock after a reboot the Keychain answers
    /// `errSecInteractionNotAllowed`: ``key()`` then throws ``StoreError/unavailable(reason:)``,
    /// a transient failure (the session stays; calls fail with
    /// ``AuthError/network(kind:reason:)`` until the device is unlocked).
    ///
    /// **Untested.** Security.framework exists only on Apple platforms, and this package is
    /// built and tested on Linux only: this type has never been compiled or run. Its Linux
    /// stand-in in the tests is ``KeyFileSealingKey`` and a Swift ``SealingKey`` that throws
    /// ``StoreError/unavailable(reason:)`` while "locked".
    ///
    /// Prints as `KeychainSealingKey(service: "...", accessGroup: "...")`.
    public final class KeychainSealingKey: SealingKey, CustomStringConvertible, CustomDebugStringConvertible {
        /// The item's `kSecAttrService`.
        public let service: String
        /// The Keychain access group (`kSecAttrAccessGroup`) shared by the app and its
        /// extensions (`<team id>.<group>`, listed in their `keychain-access-groups`
        /// entitlement); `nil`: the app's default group.
        public let accessGroup: String?
        /// The item's `kSecAttrAccount`.
        public let account: String

        /// The key of the item (`service`, `account`) in `accessGroup`; nothing is read or
        /// created until the key is needed.
        public init(service: String, accessGroup: String? = nil, account: String = "authwire-sealing-key") {
            self.service = service
            self.accessGroup = accessGroup
            self.account = account
        }

        /// The key, read from the Keychain; created (32 bytes from `SecRandomCopyBytes`) when
        /// the item does not exist. When another process creates it at the same moment, its
        /// key wins and is returned.
        ///
        /// - Throws: ``StoreError/unavailable(reason:)`` for `errSecInteractionNotAllowed` (the
        ///   device has not been unlocked since it started) and other Keychain failures;
        ///   ``StoreError/invalidConfiguration(reason:)`` for `errSecMissingEntitlement` (the
        ///   access group is not in the app's entitlements) and an item shorter than 32 bytes.
        public func key() throws -> Data {
            if let existing = try read() { return existing }
            var bytes = [UInt8](repeating: 0, count: 32)
            let random = SecRandomCopyBytes(kSecRandomDefault, bytes.count, &bytes)
            guard random == errSecSuccess else {
                throw StoreError.unavailable(reason: "SecRandomCopyBytes failed (\(random))")
            }
            var attributes = baseQuery()
            attributes[kSecValueData as String] = Data(bytes)
            attributes[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlock
            for index in bytes.indices { bytes[index] = 0 }
            let added = SecItemAdd(attributes as CFDictionary, nil)
            switch added {
            case errSecSuccess, errSecDuplicateItem:
                // The item as stored: ours, or the one another process added first.
                guard let stored = try read() else {
                    throw StoreError.unavailable(reason: "the Keychain item vanished after it was added")
                }
                return stored
            default:
                throw Self.error(added, "SecItemAdd")
            }
        }

        /// The stored key, or `nil` when there is no item.
        private func read() throws -> Data? {
            var query = baseQuery()
            query[kSecReturnData as String] = true
            query[kSecMatchLimit as String] = kSecMatchLimitOne
            var result: CFTypeRef?
            let status = SecItemCopyMatching(query as CFDictionary, &result)
            switch status {
            case errSecSuccess:
                guard let data = result as? Data else {
                    throw StoreError.unavailable(reason: "the Keychain returned no data for the sealing key")
                }
                guard data.count >= 32 else {
                    throw StoreError.invalidConfiguration(reason: "the Keychain's sealing key holds fewer than 32 bytes")
                }
                return data
            case errSecItemNotFound:
                return nil
            default:
                throw Self.error(status, "SecItemCopyMatching")
            }
        }

        private func baseQuery() -> [String: Any] {
            var query: [String: Any] = [
                kSecClass as String: kSecClassGenericPassword,
                kSecAttrService as String: service,
                kSecAttrAccount as String: account,
                kSecUseDataProtectionKeychain as String: true,
            ]
            if let accessGroup { query[kSecAttrAccessGroup as String] = accessGroup }
            return query
        }

        private static func error(_ status: OSStatus, _ call: String) -> StoreError {
            switch status {
            case errSecInteractionNotAllowed:
                return .unavailable(
                    reason: "\(call): the Keychain is locked (errSecInteractionNotAllowed); the session is kept")
            case errSecMissingEntitlement:
                return .invalidConfiguration(
                    reason: "\(call): errSecMissingEntitlement; add the access group to keychain-access-groups")
            default:
                return .unavailable(reason: "\(call) failed (OSStatus \(status))")
            }
        }

        /// `KeychainSealingKey(service: "...", accessGroup: "...")`.
        public var description: String {
            "KeychainSealingKey(service: \(service.debugDescription), accessGroup: \(accessGroup?.debugDescription ?? "nil"))"
        }
        /// As ``description``.
        public var debugDescription: String { description }
    }
#endif
