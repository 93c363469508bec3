package dev.authwire.okhttp

import dev.authwire.AuthException
import java.io.IOException

/**
 * The call failed because no credential could be had: the token request or CSRF fetch failed
 * with [cause], so the request was not sent (or, after a 401, not sent again).
 *
 * OkHttp reports failures of interceptors and authenticators as [IOException]s: this one
 * reaches your `Callback.onFailure` or is thrown by `Call.execute()` like any network
 * failure. Match [cause] to decide what to do, e.g. [AuthException.Unauthorized] means the
 * credentials themselves were rejected, [AuthException.Network] that the token server could
 * not be reached (its `kind` says how, and `kind.isRetried` whether waiting can help):
 *
 * ```kotlin
 * try {
 *     client.newCall(request).execute().use { response -> ... }
 * } catch (e: AuthwireIOException) {
 *     when (e.cause) {
 *         is AuthException.Unauthorized -> showLoginProblem()
 *         else -> retryLater()
 *     }
 * }
 * ```
 *
 * The message is [cause]'s message (the core's sentence): it never contains a secret.
 */
class AuthwireIOException(
    /** The error of the token request or CSRF fetch. */
    override val cause: AuthException,
) : IOException(cause.message, cause)

/** Runs [block], turning an [AuthException] into the [IOException] OkHttp expects. */
internal inline fun <T> authCall(block: () -> T): T =
    try {
        block()
    } catch (e: AuthException) {
        throw AuthwireIOException(e)
    }
