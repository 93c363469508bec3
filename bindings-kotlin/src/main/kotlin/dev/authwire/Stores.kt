package dev.authwire

import java.nio.file.Path
import kotlin.time.Duration

/**
 * A [TokenStore] in a file on this host: every process that uses the same credential and the
 * same [path] shares one token, so that N processes send one token request per token
 * lifetime instead of N. Lock files are created next to [path]. Use a local filesystem: file
 * locks on NFS or SMB are unreliable, and such a path is refused.
 *
 * ```kotlin
 * val tokens = TokenManager.apiKeyExchange(tokenUrl, keyFile, TokenOptions(store = FileStore(Path.of("/var/tmp/tokens"))))
 * ```
 *
 * The file never holds a token in clear, nor the credential: tokens are sealed with a key
 * derived from the credential before they reach a store. From Java: `new FileStore(path)`.
 *
 * @throws AuthException.InvalidConfiguration when the directory does not exist or is on a
 *   network filesystem.
 */
class FileStore private constructor(
    private val store: TokenStore,
    private val description: String,
) : TokenStore by store, AutoCloseable {
    @Throws(AuthException::class)
    constructor(path: Path) : this(storeOrAuthError { nativeFileStore(path.toString()) }, "FileStore(path=$path)")

    /** Releases the core's store (also done when garbage-collected). */
    override fun close() = (store as? AutoCloseable)?.close() ?: Unit

    /** The path; never a token. */
    override fun toString(): String = description
}

/**
 * A [TokenStore] on a Redis server, shared by every host that reaches it: the processes of a
 * fleet that use the same credential send one token request per token lifetime.
 *
 * ```kotlin
 * val store = RedisStore("redis://redis.internal:6379/0", keyPrefix = "billing:", timeout = 2.seconds)
 * ```
 *
 * No connection is made until a token is shared; a store that cannot be reached makes the
 * manager fall back to its own token requests (and report an [AuthEvent]), never fail a call.
 * From Java: `new RedisStore(url)`, or [RedisStore.create] with a `java.time.Duration`.
 *
 * @param url `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS.
 * @param keyPrefix namespaces the keys (default `authwire:`).
 * @param timeout bounds each connection attempt and reply (default one second).
 * @throws AuthException.InvalidConfiguration for a URL that is not a Redis URL (the message
 *   never contains the URL's password).
 * @throws IllegalArgumentException for a negative [timeout].
 */
class RedisStore private constructor(
    private val store: TokenStore,
    private val description: String,
) : TokenStore by store, AutoCloseable {
    @JvmOverloads
    @Throws(AuthException::class)
    constructor(url: String, keyPrefix: String? = null, timeout: Duration? = null) : this(
        storeOrAuthError { nativeRedisStore(url, keyPrefix, timeout?.let { requireNonNegative(it, "timeout").inWholeMilliseconds }) },
        "RedisStore(keyPrefix=${keyPrefix ?: "authwire:"})",
    )

    /** Releases the core's store (also done when garbage-collected). */
    override fun close() = (store as? AutoCloseable)?.close() ?: Unit

    /** The key prefix; never the URL (it may hold a password). */
    override fun toString(): String = description

    companion object {
        /** For Java: `RedisStore.create(url, "billing:", java.time.Duration.ofSeconds(2))`. */
        @JvmStatic
        @Throws(AuthException::class)
        fun create(url: String, keyPrefix: String?, timeout: java.time.Duration?): RedisStore =
            RedisStore(url, keyPrefix, timeout?.let { kotlin.time.Duration.parseIsoString(it.toString()) })
    }
}

/** A store's construction failure, as the package's error: every error a user gets is an [AuthException]. */
private inline fun storeOrAuthError(block: () -> TokenStore): TokenStore =
    try {
        block()
    } catch (e: StoreException) {
        throw AuthException.InvalidConfiguration(e.message)
    }

/** [duration], or [IllegalArgumentException] naming [what] when it is negative. */
@JvmSynthetic
internal fun requireNonNegative(duration: Duration, what: String): Duration {
    require(!duration.isNegative()) { "$what is negative ($duration); it must be zero or more" }
    return duration
}
