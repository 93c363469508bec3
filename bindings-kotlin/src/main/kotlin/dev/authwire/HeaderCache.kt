package dev.authwire

import java.lang.ref.ReferenceQueue
import java.lang.ref.WeakReference
import java.util.concurrent.atomic.AtomicReference

/**
 * A Kotlin-side cache of a [TokenManager]'s `Authorization` header, for hot paths: while the
 * token is before its refresh point, [authorizationBlocking] returns the header from a field without
 * calling into the core (a volatile read and two clock reads, tens of nanoseconds, instead of
 * tens of microseconds through uniffi's JNA bindings; see the README's benchmark).
 *
 * ```kotlin
 * val headers = HeaderCache.of(tokens) // one per manager; keep the reference
 * request.header(AUTHORIZATION, headers.authorizationBlocking())
 * // after the API answered 401 to that request (the same as tokens.invalidate(sentHeader)):
 * headers.invalidate(sentHeader)
 * ```
 *
 * The OkHttp integration ([dev.authwire.okhttp.AuthwireInterceptor],
 * [dev.authwire.okhttp.AuthwireAuthenticator], `OkHttpClient.Builder.authwire`) already uses
 * the manager's cache: you need this class only where you call the manager yourself in a
 * loop hot enough for a call into the core to matter (thousands of calls a second). Next to
 * an HTTP request, a plain [TokenManager.authorizationBlocking] is noise.
 *
 * **What it caches.** The header of the last token the core handed out, and until when the
 * core does not need to be asked again: the token's [AccessToken.refreshIn], counted from
 * a clock reading taken *before* the call that returned it, so the deadline never lies after
 * the core's own refresh point. Past the deadline every call asks the core again, which
 * serves the current token while its background refresh runs and the new one as soon as it
 * has it: the cache switches to a new token no later than the core does, and never serves a
 * token past its refresh point. A token whose refresh is already due (`refreshIn == ZERO`)
 * is not cached. The refresh policy, the single shared token request, retries and
 * [TokenManager.invalidate]'s bookkeeping all stay in the core.
 *
 * **Clocks.** The deadline is kept on two clocks, and the header is served only while both
 * are before it: [System.nanoTime], which no wall-clock change moves but which stops while
 * an Android device is suspended (the core's clock, `CLOCK_BOOTTIME`, keeps counting), and
 * [System.currentTimeMillis], which keeps counting through suspend but can be set back. A
 * device that slept past the refresh point asks the core on wake-up; a wall clock set back
 * cannot extend the cache beyond the `nanoTime` deadline. No entry is served for longer than
 * an hour, even that of a token that is never refreshed ([TokenManager.staticToken]).
 *
 * **Invalidation.** Invalidation and caching are one mechanism: [TokenManager.invalidate]
 * drops this cache's entry before and after the core discards the token, so once it returns
 * no call of this cache (nor the OkHttp interceptor, which reads it) serves the discarded
 * token. [invalidate] here is the same call. A concurrent call that fetched the old token
 * from the core before the invalidation does not store it back.
 *
 * **Threads.** Thread-safe; the fast path takes no lock. The entry is one immutable object
 * behind an atomic reference, replaced whole by compare-and-set, so a reader sees a header
 * with its own deadlines, never a mix. On a miss, every caller asks the core, which makes
 * concurrent callers share one token request; the first to finish stores its header.
 *
 * **Lifetime.** Get the cache with [of]: one per manager, so that everything using the same
 * manager (the OkHttp interceptor and authenticator, your own code) shares its entry and
 * its invalidations. The registry does not keep caches or managers alive: hold the cache as
 * long as you use it (a cache that was garbage-collected is replaced by an empty one, which
 * costs one call into the core). The cache never closes the manager; once the manager is
 * closed, [authorizationBlocking] throws [IllegalStateException] as the manager does.
 */
class HeaderCache internal constructor(
    /** The manager whose header this cache holds. */
    val tokenManager: TokenManager,
    private val clock: Clock,
) {
    /**
     * Whether an OkHttp client's `SignInRequiredListener` was already told that this manager's
     * user session ended (it is told once per manager).
     */
    @JvmSynthetic
    internal val signInRequiredReported = java.util.concurrent.atomic.AtomicBoolean()

    /** The cached header, or an empty entry. Replaced whole, by compare-and-set. */
    private val entry = AtomicReference(Entry.empty())

    /**
     * The `Authorization` header value, e.g. `Bearer eyJ...`, the same as
     * [TokenManager.authorizationBlocking] returns: from this cache while the token is before
     * its refresh point, else from the core (which may block for the shared token request, as
     * [TokenManager.authorizationBlocking] does).
     *
     * @throws AuthException when the token request fails, as [TokenManager.authorizationBlocking].
     * @throws IllegalStateException when the manager was closed.
     */
    @Throws(AuthException::class)
    fun authorizationBlocking(): String {
        val current = entry.get()
        if (current.isFresh(clock) && !tokenManager.uniffiIsDestroyed) {
            return current.header!!
        }
        // Both clocks are read before the core call, so the deadline cannot lie after the
        // core's refresh point however long the call takes.
        val nanos = clock.nanoTime()
        val millis = clock.currentTimeMillis()
        return tokenManager.nativeTokenBlocking().use { store(current, nanos, millis, it) }
    }

    /**
     * The header, suspending: from this cache while the token is before its refresh point,
     * else awaits [TokenManager.token] without blocking a thread. Cancelling the caller
     * cancels only its wait, as with [TokenManager.authorization].
     *
     * @throws AuthException when the token request fails.
     * @throws IllegalStateException when the manager was closed.
     */
    @Throws(AuthException::class)
    suspend fun authorization(): String {
        val current = entry.get()
        if (current.isFresh(clock) && !tokenManager.uniffiIsDestroyed) {
            return current.header!!
        }
        val nanos = clock.nanoTime()
        val millis = clock.currentTimeMillis()
        return tokenManager.nativeToken().use { store(current, nanos, millis, it) }
    }

    /**
     * After the API answered 401 to a request that carried [token] (the bare token or the
     * whole `Bearer ...` value): the same as [TokenManager.invalidate], which drops the cached
     * header at once, discards the token and starts one refresh only if it is still the
     * manager's current token. Returns whether this call discarded the token.
     *
     * When it returns, no call of this cache serves the header that was cached before, and
     * a call that fetched the old token concurrently does not store it. Of many parallel
     * 401s for the same token only the first causes a refresh, as with the manager.
     */
    // TokenManager.invalidate (bindings-kotlin/patch-generated) clears this cache before the
    // core discards the token, and again after it, dropping what a refill may have stored in
    // between with a token it got from the core before the core discarded it (its
    // compare-and-set succeeded between the two clears; one that comes later fails, as the
    // entry has changed).
    // (Cleared here as well, for a TokenManager subclass that overrides invalidate.)
    fun invalidate(token: String): Boolean {
        clear()
        val discarded = tokenManager.invalidate(token)
        clear()
        return discarded
    }

    /**
     * Drops the cached header: the next call asks the core. [TokenManager.invalidate] does
     * this itself; a call that is fetching a header concurrently does not store it.
     */
    fun clear() {
        // A new object each time: its identity is the generation that makes a concurrent
        // refill's compare-and-set fail.
        entry.set(Entry.empty())
    }

    /** Shows the manager, never the header. */
    override fun toString(): String = "HeaderCache(tokenManager=$tokenManager)"

    /**
     * Stores [token]'s header unless the entry changed since the caller read [before]
     * (another refill stored one, or [clear]/[invalidate] ran), and returns the header.
     * [nanos] and [millis] were read before the call into the core that returned [token].
     */
    private fun store(before: Entry, nanos: Long, millis: Long, token: NativeAccessToken): String {
        val header = token.authorization()
        val refreshIn = token.refreshInMs()
        if (refreshIn > 0L) {
            // At most MAX_CACHE_MS: no overflow for a token that is never refreshed
            // (refreshInMs() == Long.MAX_VALUE), and a bound for any clock oddity.
            val millisToCache = if (refreshIn > MAX_CACHE_MS) MAX_CACHE_MS else refreshIn
            val fresh = Entry(header, nanos + millisToCache * NANOS_PER_MILLI, millis + millisToCache)
            entry.compareAndSet(before, fresh)
        }
        return header
    }

    /**
     * One cached header with its deadlines on both clocks, or an empty entry
     * (`header == null`). Immutable: published whole through the atomic reference.
     */
    private class Entry(val header: String?, val nanoDeadline: Long, val millisDeadline: Long) {
        fun isFresh(clock: Clock): Boolean =
            header != null &&
                clock.nanoTime() - nanoDeadline < 0 && // overflow-safe, as nanoTime requires
                clock.currentTimeMillis() < millisDeadline

        companion object {
            fun empty() = Entry(null, 0, 0)
        }
    }

    /** The two clocks; the tests substitute their own. */
    internal interface Clock {
        fun nanoTime(): Long
        fun currentTimeMillis(): Long

        object SystemClock : Clock {
            override fun nanoTime(): Long = java.lang.System.nanoTime()
            override fun currentTimeMillis(): Long = java.lang.System.currentTimeMillis()
        }
    }

    companion object {
        /** The longest an entry is served without asking the core: one hour. */
        internal const val MAX_CACHE_MS: Long = 3_600_000
        private const val NANOS_PER_MILLI: Long = 1_000_000

        /**
         * The cache of [tokenManager]: the same object for the same manager (by identity)
         * for as long as someone holds it, so that the OkHttp interceptor, the authenticator
         * and your own code share one entry and its invalidations.
         *
         * Takes a lock to look the manager up: call it once and keep the cache, not once
         * per request.
         */
        @JvmStatic
        fun of(tokenManager: TokenManager): HeaderCache = Registry.of(tokenManager)

        /** Clears [tokenManager]'s cache, if it has one; called by [TokenManager.invalidate]. */
        @JvmSynthetic
        internal fun clearFor(tokenManager: TokenManager) {
            Registry.existing(tokenManager)?.clear()
        }
    }

    /**
     * Manager → cache, by identity, holding neither: the key is a weak reference to the
     * manager, the value a weak reference to the cache (which holds its manager, so a
     * strong value would keep the key alive forever).
     */
    private object Registry {
        private val queue = ReferenceQueue<TokenManager>()
        private val caches = HashMap<Key, WeakReference<HeaderCache>>()

        @Synchronized
        fun existing(tokenManager: TokenManager): HeaderCache? = caches[Key(tokenManager, null)]?.get()

        @Synchronized
        fun of(tokenManager: TokenManager): HeaderCache {
            while (true) {
                val dead = queue.poll() ?: break
                caches.remove(dead)
            }
            caches[Key(tokenManager, null)]?.get()?.let { return it }
            val cache = HeaderCache(tokenManager, Clock.SystemClock)
            caches[Key(tokenManager, queue)] = WeakReference(cache)
            return cache
        }

        private class Key(tokenManager: TokenManager, queue: ReferenceQueue<TokenManager>?) :
            WeakReference<TokenManager>(tokenManager, queue) {
            private val hash = System.identityHashCode(tokenManager)

            override fun hashCode(): Int = hash

            override fun equals(other: Any?): Boolean =
                other === this || (other is Key && other.hash == hash && get().let { it != null && it === other.get() })
        }
    }
}
