@file:JvmName("Authwire")
@file:JvmMultifileClass

package dev.authwire

import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds

/**
 * A token a [TokenManager] handed out ([TokenManager.token]): plain, immutable data, nothing to
 * close. Printing it never shows the token:
 * `AccessToken(value=<redacted>, expiresIn=59m 59.5s, refreshIn=53m 59s)`.
 */
class AccessToken internal constructor(
    /** The bare token, e.g. `eyJ...`. */
    val value: String,
    /** The whole `Authorization` value, e.g. `Bearer eyJ...`. */
    val authorization: String,
    /**
     * How long the manager still hands this token out, measured when it was handed out (it
     * does not count down); `null` for a token that never expires (a static token without a
     * lifetime). The manager stops handing it out slightly before the server's expiry, so
     * that a request carrying it still arrives in time.
     */
    @get:JvmName("getExpiresIn")
    val expiresIn: Duration?,
    /**
     * How long until the manager refreshes this token in the background, measured when it was
     * handed out: [Duration.ZERO] when a refresh is due, `null` for a token that is never
     * refreshed. Until then a cache may reuse the token without asking the manager
     * ([HeaderCache] is that cache).
     */
    @get:JvmName("getRefreshIn")
    val refreshIn: Duration?,
) {
    /** Equal when the same token is sent the same way ([value] and [authorization]); the durations are not compared. */
    override fun equals(other: Any?): Boolean =
        other is AccessToken && other.value == value && other.authorization == authorization

    /** Consistent with [equals]. */
    override fun hashCode(): Int = 31 * value.hashCode() + authorization.hashCode()

    /** Shows the durations, never the token. */
    override fun toString(): String = "AccessToken(value=<redacted>, expiresIn=$expiresIn, refreshIn=$refreshIn)"

    internal companion object {
        /** Copies [native]'s fields and frees it. */
        @JvmSynthetic
        fun from(native: NativeAccessToken): AccessToken = native.use {
            AccessToken(it.value(), it.authorization(), millisOrNever(it.expiresInMs()), millisOrNever(it.refreshInMs()))
        }

        /** `null` for the core's "never" (u64::MAX, read as [Long.MAX_VALUE]). */
        @JvmSynthetic
        fun millisOrNever(millis: Long): Duration? = if (millis == Long.MAX_VALUE) null else millis.milliseconds
    }
}

/**
 * The user id and password of a Basic header ([decodeBasic]): plain, immutable data. Printing
 * it shows the user id, never the password: `BasicCredentials(userId="Aladdin", password=<redacted>)`.
 */
class BasicCredentials(
    /** The user id (before the first `:`). */
    val userId: String,
    /** The password (after the first `:`). */
    val password: String,
) {
    /** Equal when every field is equal. */
    override fun equals(other: Any?): Boolean =
        other is BasicCredentials && other.userId == userId && other.password == password

    /** Consistent with [equals]. */
    override fun hashCode(): Int = 31 * userId.hashCode() + password.hashCode()

    /** Shows the user id, never the password. */
    override fun toString(): String = "BasicCredentials(userId=\"$userId\", password=<redacted>)"

    /** `val (userId, password) = decodeBasic(header)`. */
    operator fun component1(): String = userId

    /** `val (userId, password) = decodeBasic(header)`. */
    operator fun component2(): String = password
}

/**
 * The headers of a CSRF-protected write ([CsrfSession.headers]): plain, immutable data.
 * Printing it never shows a value: `CsrfHeaders(csrfToken=<redacted>, cookie=<redacted>, authorization=<redacted>)`.
 */
class CsrfHeaders internal constructor(
    /** The `X-CSRF-Token` value; also what to pass to [CsrfSession.invalidate] after a 403. */
    val csrfToken: String,
    /** The `Cookie` value with the session cookies, or `null` when the server set none. */
    val cookie: String?,
    /** The `Authorization` value (the session's HTTP Basic credentials). */
    val authorization: String,
) {
    /** The headers by name (`X-CSRF-Token`, `Authorization`, and `Cookie` when there are cookies). */
    fun toMap(): Map<String, String> = buildMap {
        put("X-CSRF-Token", csrfToken)
        cookie?.let { put("Cookie", it) }
        put(AUTHORIZATION, authorization)
    }

    /** Equal when every field is equal. */
    override fun equals(other: Any?): Boolean =
        other is CsrfHeaders && other.csrfToken == csrfToken && other.cookie == cookie && other.authorization == authorization

    /** Consistent with [equals]. */
    override fun hashCode(): Int = (31 * csrfToken.hashCode() + cookie.hashCode()) * 31 + authorization.hashCode()

    /** Never shows a value. */
    override fun toString(): String =
        "CsrfHeaders(csrfToken=<redacted>, cookie=${if (cookie != null) "<redacted>" else "null"}, authorization=<redacted>)"

    internal companion object {
        /** Copies [native]'s fields and frees it. */
        @JvmSynthetic
        fun from(native: NativeCsrfHeaders): CsrfHeaders = native.use {
            CsrfHeaders(it.csrfToken(), it.cookie(), it.authorization())
        }
    }
}

/**
 * Decodes a Basic value (`Basic <base64>`, scheme case-insensitive) back into its user id and
 * password. It accepts exactly what [basicAuth] builds.
 *
 * ```kotlin
 * val (userId, password) = decodeBasic(request.getHeader(AUTHORIZATION))
 * ```
 *
 * @throws AuthException.InvalidInput for a value that is not a valid Basic header; the message
 *   never contains the value.
 */
@Throws(AuthException::class)
fun decodeBasic(headerValue: String): BasicCredentials =
    nativeDecodeBasic(headerValue).use { BasicCredentials(it.userId(), it.password()) }
