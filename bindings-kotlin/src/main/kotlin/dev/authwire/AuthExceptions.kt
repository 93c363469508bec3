package dev.authwire

/**
 * The sentence that says what went wrong and what to do about it, for people to read and for
 * logs, e.g. `invalid input: the Bearer token contains a space at byte 3; a token must be
 * visible ASCII (0x21-0x7E) without spaces`. It never contains a secret.
 *
 * This is the same text as [AuthException.toString] (the core's own wording, the same in
 * every language), and so what `println(e)` and a stack trace's first line show. Prefer it to
 * [AuthException.message], which uniffi generates as a list of the variant's fields
 * (`reason=...`, `status=401, serverMessage=...`) with no variant name.
 *
 * To act on an error, match the variant instead of parsing the text:
 *
 * ```kotlin
 * try {
 *     bearerAuth(token)
 * } catch (e: AuthException) {
 *     when (e) {
 *         is AuthException.InvalidInput -> log.warn(e.displayMessage)
 *         else -> throw e
 *     }
 * }
 * ```
 *
 * Variant fields named `message` in the core (the server's message of
 * [AuthException.Unauthorized], [AuthException.Server] and [AuthException.HttpStatus]) are
 * called `serverMessage` in Kotlin, because [Throwable.message] is taken.
 */
val AuthException.displayMessage: String
    get() = toString()

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
 *     if (e.kind.isRetried) showOfflineBanner() else reportMisconfiguration(e.displayMessage)
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
