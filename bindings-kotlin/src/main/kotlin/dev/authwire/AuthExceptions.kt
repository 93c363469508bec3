@file:JvmName("Authwire")
@file:JvmMultifileClass

package dev.authwire

/**
 * Whether authwire retries a token request that failed this way, with backoff, within the
 * manager's `maxAttempts` and time budget (the core's `networkErrorIsRetried`).
 *
 * `false` for a failure that waiting cannot fix, which fails at once after one attempt: a
 * host name that does not exist ([NetworkErrorKind.NAME_NOT_RESOLVED]), every certificate
 * failure and [NetworkErrorKind.TLS_HANDSHAKE]. `true` for the others (refused, timeouts,
 * resets, a failing proxy, [NetworkErrorKind.OTHER]).
 *
 * ```kotlin
 * catch (e: AuthException.Network) {
 *     if (e.kind.isRetried) showOfflineBanner() else reportMisconfiguration(e.message)
 * }
 * ```
 */
val NetworkErrorKind.isRetried: Boolean
    get() = networkErrorIsRetried(this)

/**
 * The kind of network failure of this error: [AuthException.Network.kind], or `null` for
 * every other error (for code that holds an [AuthException], e.g. the `cause` of an
 * `AuthwireIOException`, without matching the subclass first).
 */
val AuthException.networkKind: NetworkErrorKind?
    get() = (this as? AuthException.Network)?.kind
