@file:JvmName("Authwire")
@file:JvmMultifileClass

package dev.authwire

import java.io.IOException
import java.nio.channels.FileChannel
import java.nio.file.FileAlreadyExistsException
import java.nio.file.FileSystems
import java.nio.file.Files
import java.nio.file.NoSuchFileException
import java.nio.file.Path
import java.nio.file.StandardOpenOption
import java.nio.file.attribute.PosixFilePermission
import java.nio.file.attribute.PosixFilePermissions
import java.security.SecureRandom
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration

/**
 * The tokens a user session starts from ([TokenManager.userSession]): an access token, a
 * refresh token, how long the access token lives, its scope, and the OpenID Connect ID token
 * when there is one. Plain, immutable data; nothing to close.
 *
 * Get them from [AuthorizationCodeFlow.finish], [DeviceAuthorizationFlow.wait], or any other
 * sign-in (AppAuth, Auth0, a web login), with this constructor or from the token endpoint's
 * JSON with [fromTokenResponse]:
 *
 * ```kotlin
 * val tokens = SessionTokens(accessToken = state.accessToken!!, refreshToken = state.refreshToken!!, expiresIn = 1.hours)
 * ```
 *
 * Printing it never shows a token:
 * `SessionTokens(accessToken=<redacted>, refreshToken=<redacted>, expiresIn=1h, scope="openid", idToken=<redacted>)`.
 * From Java: `new SessionTokens(accessToken, refreshToken)`, or [create] with a
 * `java.time.Duration`.
 *
 * @param accessToken the access token, sent as `Bearer <accessToken>`.
 * @param refreshToken the refresh token the session lives on (the server may rotate it).
 * @param expiresIn the access token's lifetime from now, in whole seconds (a fraction of a
 *   second is dropped); `null` when unknown (the manager's default lifetime, or the JWT's `exp`).
 * @param scope the granted scope, space-separated, if the server said.
 * @param idToken the OpenID Connect ID token, if any. authwire does not validate it.
 * @throws AuthException.InvalidInput for an access token that cannot be sent as a Bearer token
 *   (empty, a space, a control character, non-ASCII), or an empty refresh token or one with a
 *   control character. The message never contains a token.
 * @throws IllegalArgumentException for a negative or infinite [expiresIn].
 */
class SessionTokens @JvmOverloads @Throws(AuthException::class) constructor(
    accessToken: String,
    refreshToken: String,
    expiresIn: Duration? = null,
    scope: String? = null,
    idToken: String? = null,
) {
    /** The access token. Keep it out of logs. */
    val accessToken: String = accessToken

    /** The refresh token. Keep it out of logs. */
    val refreshToken: String = refreshToken

    /**
     * The access token's lifetime as the server announced it, in whole seconds, or `null`.
     * It does not count down.
     */
    val expiresIn: Duration? = expiresIn?.let {
        require(!it.isNegative()) { "expiresIn is negative ($it); it must be zero or more" }
        require(it.isFinite()) { "expiresIn is infinite; pass null when the lifetime is unknown" }
        it.inWholeSeconds.seconds
    }

    /** The granted scope, space-separated, or `null`. */
    val scope: String? = scope

    /**
     * The OpenID Connect ID token, or `null`. authwire does not validate it: check its
     * signature, `iss`, `aud` and `nonce` ([AuthorizationCodeFlow.nonce]) before trusting its claims.
     */
    val idToken: String? = idToken

    init {
        // The core checks the tokens (and says what is wrong, never the value).
        toNative().close()
    }

    /** [expiresIn] as a `java.time.Duration`, for Java (`getExpiresIn()`); `null` when unknown. */
    @get:JvmName("getExpiresIn")
    val javaExpiresIn: java.time.Duration?
        get() = expiresIn?.let { java.time.Duration.ofSeconds(it.inWholeSeconds) }

    /** Equal when every field is equal. */
    override fun equals(other: Any?): Boolean =
        other is SessionTokens && other.accessToken == accessToken && other.refreshToken == refreshToken &&
            other.expiresIn == expiresIn && other.scope == scope && other.idToken == idToken

    /** Consistent with [equals]. */
    override fun hashCode(): Int = listOf(accessToken, refreshToken, expiresIn, scope, idToken).hashCode()

    /** Shows the lifetime and the scope, never a token. */
    override fun toString(): String =
        "SessionTokens(accessToken=<redacted>, refreshToken=<redacted>, expiresIn=$expiresIn, " +
            "scope=${scope?.let { "\"$it\"" }}, idToken=${if (idToken != null) "<redacted>" else "null"})"

    /** The core's handle for these tokens (what a session is built from); the caller closes it. */
    @JvmSynthetic
    internal fun toNative(): NativeSessionTokens {
        return NativeSessionTokens(accessToken, refreshToken, expiresIn?.inWholeSeconds, scope, idToken)
    }

    /** The factories (Java: `SessionTokens.fromTokenResponse(json)`, `SessionTokens.create(...)`). */
    companion object {
        /**
         * The tokens of a token endpoint's successful answer, as JSON text (RFC 6749 §5.1):
         * `access_token`, `token_type` (Bearer, or absent), `refresh_token`, and optionally
         * `expires_in`, `scope` and `id_token`.
         *
         * @throws AuthException.InvalidResponse when the text is not such an answer (not JSON,
         *   no `access_token` or `refresh_token`, a `token_type` other than Bearer).
         */
        @JvmStatic
        @Throws(AuthException::class)
        fun fromTokenResponse(json: String): SessionTokens = from(NativeSessionTokens.fromTokenResponse(json))

        /**
         * For Java: the tokens with a `java.time.Duration` [expiresIn] (whole seconds; `null`
         * when unknown), as the Kotlin constructor.
         *
         * @throws AuthException.InvalidInput as the constructor.
         * @throws IllegalArgumentException for a negative [expiresIn].
         */
        @JvmStatic
        @Throws(AuthException::class)
        fun create(accessToken: String, refreshToken: String, expiresIn: java.time.Duration?, scope: String?, idToken: String?): SessionTokens =
            SessionTokens(accessToken, refreshToken, expiresIn?.toKotlinDuration(), scope, idToken)

        /** Copies [native]'s fields and frees it. */
        @JvmSynthetic
        internal fun from(native: NativeSessionTokens): SessionTokens = native.use {
            SessionTokens(it.accessToken(), it.refreshToken(), it.expiresInSecs()?.seconds, it.scope(), it.idToken())
        }
    }
}

/**
 * A [SealingKey] kept in a file of 32 random bytes (mode 0600), created on first use: for
 * desktop apps, CLIs and servers, and the stand-in for the Keychain and Android Keystore keys
 * where those do not exist. Every process that shares a session (the same store) must use the
 * same key file. Put it where only the user can read it, next to (not inside) the store's
 * directory; the directory must exist.
 *
 * ```kotlin
 * val session = TokenManager.userSession(tokenUrl, "my-app", tokens,
 *     sealingKey = KeyFileSealingKey(dir.resolve("session.key")),
 *     options = TokenOptions(store = FileStore(dir.resolve("session"))))
 * ```
 *
 * The file has the same format as the other languages' `KeyFileSealingKey` (32 raw bytes), so a
 * Kotlin, Python, Swift and Rust process can share one session. When two processes create it at
 * once, one key wins and both use it. From Java: `new KeyFileSealingKey(path)`.
 */
class KeyFileSealingKey(
    /** The key file. */
    val path: Path,
) : SealingKey {
    /**
     * The key: the file's bytes, after creating the file with 32 random bytes when there is none.
     *
     * @throws StoreException.Unavailable when the file cannot be read or created now (the
     *   session stays; authwire tries again later).
     * @throws StoreException.InvalidConfiguration when the file holds fewer than 32 bytes.
     */
    @Throws(StoreException::class)
    override fun key(): ByteArray {
        read()?.let { return it }
        val key = ByteArray(KEY_BYTES).also { RANDOM.nextBytes(it) }
        val tmp = path.resolveSibling("${path.fileName}.tmp${ProcessHandle.current().pid()}-${Thread.currentThread().id}")
        try {
            val options = setOf(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
            val channel = if (POSIX) {
                FileChannel.open(tmp, options, PosixFilePermissions.asFileAttribute(setOf(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)))
            } else {
                FileChannel.open(tmp, options)
            }
            channel.use {
                it.write(java.nio.ByteBuffer.wrap(key))
                it.force(true)
            }
            // A hard link fails if the key file appeared meanwhile: then the other key wins.
            try {
                Files.createLink(path, tmp)
            } catch (_: FileAlreadyExistsException) {
            } catch (_: UnsupportedOperationException) {
                try {
                    Files.move(tmp, path)
                } catch (_: FileAlreadyExistsException) {
                }
            }
        } catch (e: IOException) {
            throw StoreException.Unavailable("cannot create the sealing key file: ${e.javaClass.simpleName}")
        } finally {
            key.fill(0)
            runCatching { Files.deleteIfExists(tmp) }
        }
        return read() ?: throw StoreException.Unavailable("cannot read the sealing key file: it disappeared")
    }

    private fun read(): ByteArray? {
        val bytes = try {
            Files.readAllBytes(path)
        } catch (_: NoSuchFileException) {
            return null
        } catch (e: IOException) {
            throw StoreException.Unavailable("cannot read the sealing key file: ${e.javaClass.simpleName}")
        }
        if (bytes.size < KEY_BYTES) {
            bytes.fill(0)
            throw StoreException.InvalidConfiguration("the sealing key file holds fewer than $KEY_BYTES bytes")
        }
        return bytes
    }

    /** The path; never the key. */
    override fun toString(): String = "KeyFileSealingKey(path=$path)"

    private companion object {
        const val KEY_BYTES = 32
        val RANDOM = SecureRandom()
        val POSIX = "posix" in FileSystems.getDefault().supportedFileAttributeViews()
    }
}

/**
 * A [SealingKey] that returns what [key] returns, for a lambda where the generated interface
 * needs an object:
 *
 * ```kotlin
 * val sealingKey = SealingKey { myVault.sessionKey() ?: throw StoreException.Unavailable("the vault is locked") }
 * ```
 *
 * [key] is called on authwire's own threads whenever the session's store is used: it must be
 * thread-safe and return the same at least 32 random bytes every time. Throw
 * [StoreException.Unavailable] when the key cannot be read now (a locked device: the session
 * stays and is tried again), [StoreException.InvalidConfiguration] when it never can. From Java,
 * implement the interface (a lambda does not convert to it).
 */
@Suppress("FunctionName") // Named like the interface it creates, as `Runnable { }` would be.
fun SealingKey(key: () -> ByteArray): SealingKey = LambdaSealingKey(key)

private class LambdaSealingKey(private val block: () -> ByteArray) : SealingKey {
    override fun key(): ByteArray = block()

    override fun toString(): String = "SealingKey(<lambda>)"
}
