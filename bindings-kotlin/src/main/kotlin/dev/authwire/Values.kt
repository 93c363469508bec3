@file:JvmName("Authwire")
@file:JvmMultifileClass

package dev.authwire

import java.nio.file.Path
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
 * An XTD API key: the downloaded key file's `appClientId`, `appClientSecret` and `encodedKey`,
 * as plain, immutable data (nothing to close). The `encodedKey` is what the token exchange sends
 * as `{"apiKey": ...}` ([TokenManager.apiKeyExchange]). Printing it shows the client id, never a
 * secret: `ApiKey(appClientId="app-1", appClientSecret=<redacted>, encodedKey=<redacted>)`.
 *
 * ```kotlin
 * val key = ApiKey.fromFile(Path.of("key.json"))
 * val tokens = TokenManager.apiKeyExchange(tokenUrl, key)
 * ```
 */
class ApiKey private constructor(
    /** The `appClientId`, or `null` for a key made with [fromEncodedKey]. */
    val appClientId: String?,
    /** The `appClientSecret` in clear, or `null` for a key made with [fromEncodedKey]. Keep it out of logs. */
    val appClientSecret: String?,
    /** The `encodedKey` in clear: the value sent as `{"apiKey": ...}`. Keep it out of logs. */
    val encodedKey: String,
) {
    /** Equal when every field is equal. */
    override fun equals(other: Any?): Boolean =
        other is ApiKey && other.appClientId == appClientId && other.appClientSecret == appClientSecret && other.encodedKey == encodedKey

    /** Consistent with [equals]. */
    override fun hashCode(): Int = (31 * appClientId.hashCode() + appClientSecret.hashCode()) * 31 + encodedKey.hashCode()

    /** Shows the client id, never a secret. */
    override fun toString(): String =
        "ApiKey(appClientId=${appClientId?.let { "\"$it\"" }}, appClientSecret=${if (appClientSecret != null) "<redacted>" else "null"}, encodedKey=<redacted>)"

    /** The core's handle for this key (what a manager is built from); the caller closes it. */
    @JvmSynthetic
    internal fun toNative(): NativeApiKey = NativeApiKey.fromEncodedKey(encodedKey)

    /** The factories (Java: `ApiKey.fromFile(path)`, `ApiKey.fromJson(text)`, `ApiKey.fromEncodedKey(key)`). */
    companion object {
        /**
         * Reads an XTD API key from the downloaded key file at [path] (UTF-8 JSON with the
         * fields `appClientId`, `appClientSecret` and `encodedKey`). For the file's text, use
         * [fromJson].
         *
         * @throws AuthException.InvalidConfiguration when the file cannot be read or is not a
         *   valid key file. The message names the path or the field that is wrong, never a value.
         */
        @JvmStatic
        @Throws(AuthException::class)
        fun fromFile(path: Path): ApiKey = fromJson(readKeyFile(path, "API-key file"))

        /**
         * Parses the text of a downloaded key file (a JSON object with `appClientId`,
         * `appClientSecret` and `encodedKey`). For a file on disk, use [fromFile].
         *
         * @throws AuthException.InvalidConfiguration when the text is not a JSON object or a
         *   field is missing, not a string, or empty. The message names the field, never its value.
         */
        @JvmStatic
        @Throws(AuthException::class)
        fun fromJson(text: String): ApiKey = from(NativeApiKey.fromJson(text))

        /**
         * Wraps an `encodedKey`, for callers who hold only the key, not the whole file
         * ([appClientId] and [appClientSecret] are `null`).
         *
         * @throws AuthException.InvalidConfiguration when the key is empty or contains
         *   whitespace or a control character.
         */
        @JvmStatic
        @Throws(AuthException::class)
        fun fromEncodedKey(encodedKey: String): ApiKey = from(NativeApiKey.fromEncodedKey(encodedKey))

        /** Copies [native]'s fields and frees it. */
        private fun from(native: NativeApiKey): ApiKey = native.use {
            ApiKey(it.appClientId(), it.appClientSecret(), it.encodedKey())
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
