package dev.authwire

import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotSame
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.concurrent.thread

/**
 * [HeaderCache]: the Kotlin-side fast path for the `Authorization` header.
 *
 * The first tests drive the cache's deadline logic with a fake clock and fake tokens; the
 * others run it against the real core and a token server on 127.0.0.1.
 */
class HeaderCacheTest {
    /** Both clocks, moved by hand. Starts near the end of `nanoTime`'s range on purpose. */
    private class FakeClock(var nanos: Long = Long.MAX_VALUE - 10_000_000_000L, var millis: Long = 1_700_000_000_000L) :
        HeaderCache.Clock {
        override fun nanoTime() = nanos

        override fun currentTimeMillis() = millis

        fun advance(ms: Long) {
            nanos += ms * 1_000_000
            millis += ms
        }
    }

    private class FakeToken(private val header: String, private val refreshMs: Long) : NativeAccessToken(NoHandle) {
        override fun authorization() = header

        override fun value() = header.substringAfter(' ')

        override fun refreshInMs() = refreshMs

        override fun expiresInMs() = refreshMs

        override fun toString() = "FakeToken"
    }

    /**
     * A manager without a core: token n is `Bearer f<n>`, with [refreshMs]; [invalidate]
     * moves on to the next token. [duringCall] runs inside each token call (a slow core).
     */
    private class FakeManager(var refreshMs: Long, val duringCall: () -> Unit = {}) : TokenManager(NoHandle) {
        val tokenCalls = AtomicInteger()
        val asyncCalls = AtomicInteger()
        private val current = AtomicInteger()

        override fun nativeTokenBlocking(): NativeAccessToken {
            tokenCalls.incrementAndGet()
            duringCall()
            return FakeToken("Bearer f${current.get()}", refreshMs)
        }

        override suspend fun nativeToken(): NativeAccessToken {
            asyncCalls.incrementAndGet()
            duringCall()
            return FakeToken("Bearer f${current.get()}", refreshMs)
        }

        override fun invalidate(token: String): Boolean {
            current.incrementAndGet()
            return true
        }

        override fun toString() = "FakeManager"
    }

    // --- The deadline, on fake clocks --------------------------------------------------------

    @Test
    fun `serves from the cache until the refresh point, then asks the core`() {
        val clock = FakeClock()
        val manager = FakeManager(refreshMs = 1_000L)
        val cache = HeaderCache(manager, clock)
        assertEquals("Bearer f0", cache.authorizationBlocking())
        clock.advance(999)
        repeat(10) { assertEquals("Bearer f0", cache.authorizationBlocking()) }
        assertEquals(1, manager.tokenCalls.get())
        clock.advance(1) // the refresh point: ask the core
        assertEquals("Bearer f0", cache.authorizationBlocking())
        assertEquals(2, manager.tokenCalls.get())
        assertEquals("Bearer f0", cache.authorizationBlocking())
        assertEquals(2, manager.tokenCalls.get(), "cached again from the second answer")
    }

    @Test
    fun `the deadline counts from a clock read before the core call, not after it`() {
        val clock = FakeClock()
        // A core call that takes 400 ms: the token's refresh point is 1000 ms after the call began.
        val manager = FakeManager(refreshMs = 1_000L) { clock.advance(400) }
        val cache = HeaderCache(manager, clock)
        cache.authorizationBlocking()
        clock.advance(599) // 999 ms after the call began
        cache.authorizationBlocking()
        assertEquals(1, manager.tokenCalls.get())
        clock.advance(1)
        cache.authorizationBlocking()
        assertEquals(2, manager.tokenCalls.get())
    }

    @Test
    fun `a device suspend - nanoTime stopped, wall clock moved on - ends the cached entry`() {
        val clock = FakeClock()
        val manager = FakeManager(refreshMs = 60_000L)
        val cache = HeaderCache(manager, clock)
        cache.authorizationBlocking()
        clock.millis += 61_000 // an hour-long Android suspend: nanoTime did not advance
        cache.authorizationBlocking()
        assertEquals(2, manager.tokenCalls.get())
    }

    @Test
    fun `a wall clock set back does not extend the entry beyond the nanoTime deadline`() {
        val clock = FakeClock()
        val manager = FakeManager(refreshMs = 60_000L)
        val cache = HeaderCache(manager, clock)
        cache.authorizationBlocking()
        clock.advance(30_000)
        clock.millis -= 3_600_000 // NTP sets the clock back an hour
        cache.authorizationBlocking()
        assertEquals(1, manager.tokenCalls.get())
        clock.nanos += 30_000_000_000L
        cache.authorizationBlocking()
        assertEquals(2, manager.tokenCalls.get())
    }

    @Test
    fun `a token whose refresh is due (refreshInMs 0) is never cached`() {
        val clock = FakeClock()
        val manager = FakeManager(refreshMs = 0L)
        val cache = HeaderCache(manager, clock)
        repeat(5) { assertEquals("Bearer f0", cache.authorizationBlocking()) }
        assertEquals(5, manager.tokenCalls.get())
    }

    @Test
    fun `a token that is never refreshed (the core says Long MAX_VALUE ms) does not overflow the deadlines`() {
        val clock = FakeClock() // nanoTime close to Long.MAX_VALUE: the deadline wraps around
        val manager = FakeManager(refreshMs = Long.MAX_VALUE)
        val cache = HeaderCache(manager, clock)
        cache.authorizationBlocking()
        clock.advance(HeaderCache.MAX_CACHE_MS - 1)
        cache.authorizationBlocking()
        assertEquals(1, manager.tokenCalls.get(), "cached up to the one-hour cap")
        clock.advance(1)
        cache.authorizationBlocking()
        assertEquals(2, manager.tokenCalls.get(), "re-read from the core after an hour")

        // Values just below and at Long.MAX_VALUE / 1e6 ms, where a naive conversion to ns overflows.
        for (refresh in listOf(Long.MAX_VALUE / 1_000_000, Long.MAX_VALUE - 1, Long.MAX_VALUE)) {
            val big = FakeManager(refreshMs = refresh)
            val bigCache = HeaderCache(big, FakeClock())
            repeat(3) { bigCache.authorizationBlocking() }
            assertEquals(1, big.tokenCalls.get(), "refreshInMs=$refresh")
        }
    }

    @Test
    fun `the suspend variant takes the same cache and asks the core with token`() {
        val clock = FakeClock()
        val manager = FakeManager(refreshMs = 1_000L)
        val cache = HeaderCache(manager, clock)
        runBlocking {
            assertEquals("Bearer f0", cache.authorization())
            assertEquals("Bearer f0", cache.authorization())
        }
        assertEquals("Bearer f0", cache.authorizationBlocking())
        assertEquals(1 to 0, manager.asyncCalls.get() to manager.tokenCalls.get())
        clock.advance(1_000)
        runBlocking { cache.authorization() }
        assertEquals(2, manager.asyncCalls.get())
        cache.invalidate("Bearer f0")
        assertEquals("Bearer f1", runBlocking { cache.authorization() })
    }

    // --- Against the core ----------------------------------------------------------------------

    @Test
    fun `the cached header is the core's, and repeated calls send no token request`() {
        LocalServer.xtd().use { server ->
            xtdManager(server).use { manager ->
                val cache = HeaderCache.of(manager)
                assertEquals("Bearer t0", cache.authorizationBlocking())
                assertEquals(manager.authorizationBlocking(), cache.authorizationBlocking())
                assertEquals(manager.tokenBlocking().authorization, cache.authorizationBlocking())
                assertEquals("Bearer t0", runBlocking { cache.authorization() })
                repeat(10_000) { assertEquals("Bearer t0", cache.authorizationBlocking()) }
                assertEquals(1, server.count)
            }
        }
        TokenManager.staticToken("mF_9.B5f-4.1JqM").use { manager ->
            repeat(3) { assertEquals("Bearer mF_9.B5f-4.1JqM", HeaderCache.of(manager).authorizationBlocking()) }
        }
    }

    @Test
    fun `of returns one cache per manager, by identity`() {
        TokenManager.staticToken("a").use { a ->
            TokenManager.staticToken("a").use { b ->
                val cache = HeaderCache.of(a)
                assertSame(cache, HeaderCache.of(a))
                assertSame(a, cache.tokenManager)
                assertNotSame(cache, HeaderCache.of(b))
                assertFalse(cache.toString().contains("Bearer"), cache.toString())
            }
        }
    }

    @Test
    fun `a closed manager throws, even with a cached header`() {
        val manager = TokenManager.staticToken("abc")
        val cache = HeaderCache.of(manager)
        assertEquals("Bearer abc", cache.authorizationBlocking())
        manager.close()
        assertThrows<IllegalStateException> { cache.authorizationBlocking() }
        assertThrows<IllegalStateException> { runBlocking { cache.authorization() } }
    }

    @Test
    fun `invalidate through the cache takes effect at once`() {
        LocalServer.xtd().use { server ->
            xtdManager(server).use { manager ->
                val cache = HeaderCache.of(manager)
                assertEquals("Bearer t0", cache.authorizationBlocking())
                assertTrue(cache.invalidate("Bearer t0"))
                assertEquals("Bearer t1", cache.authorizationBlocking())
                assertEquals("Bearer t1", manager.authorizationBlocking())
                // An old token changes nothing in the core; the cache re-reads the current one.
                assertFalse(cache.invalidate("t0"))
                assertEquals("Bearer t1", cache.authorizationBlocking())
                assertEquals(2, server.count)

                // A direct manager.invalidate clears the cache too: one mechanism.
                assertTrue(manager.invalidate("t1"))
                assertEquals("Bearer t2", cache.authorizationBlocking(), "the cache never serves an invalidated token")
                assertEquals(3, server.count)
            }
        }
    }

    /**
     * Wraps a real manager: records every call that reached the core (when it started and
     * ended, what it returned) and runs [afterToken] after the core answered a token call,
     * before the cache sees the answer.
     */
    private class RecordingManager(val real: TokenManager, val afterToken: (String) -> Unit = {}) : TokenManager(NoHandle) {
        class CoreCall(val startNanos: Long, val endNanos: Long, val header: String, val refreshInMs: Long)

        val calls: MutableList<CoreCall> = CopyOnWriteArrayList()

        override fun nativeTokenBlocking(): NativeAccessToken {
            val start = System.nanoTime()
            val token = real.nativeTokenBlocking()
            val header = token.authorization()
            calls += CoreCall(start, System.nanoTime(), header, token.refreshInMs())
            afterToken(header)
            return token
        }

        override suspend fun nativeToken(): NativeAccessToken {
            val start = System.nanoTime()
            val token = real.nativeToken()
            calls += CoreCall(start, System.nanoTime(), token.authorization(), token.refreshInMs())
            return token
        }

        override fun invalidate(token: String): Boolean = real.invalidate(token)

        override fun toString() = "RecordingManager"
    }

    /**
     * The race [HeaderCache.invalidate] must win: a caller missed the cache and got the old
     * token t0 from the core; before it stores it, another thread invalidates t0. The stale
     * header must not be stored: the next call gets t1. Made deterministic with latches in
     * the three orders that matter.
     */
    @Test
    fun `a refill that fetched the old token before the invalidation does not store it`() {
        // 1. The refill read t0 before invalidate began, and stores after it returned.
        LocalServer.xtd().use { server ->
            xtdManager(server).use { real ->
                val fetched = CountDownLatch(1)
                val proceed = CountDownLatch(1)
                val manager = RecordingManager(real) { header ->
                    if (header == "Bearer t0") {
                        fetched.countDown()
                        proceed.await(10, TimeUnit.SECONDS)
                    }
                }
                val cache = HeaderCache(manager, HeaderCache.Clock.SystemClock)
                var raced: String? = null
                val refill = thread { raced = cache.authorizationBlocking() }
                assertTrue(fetched.await(10, TimeUnit.SECONDS))
                assertTrue(cache.invalidate("Bearer t0"))
                proceed.countDown()
                refill.join()
                assertEquals("Bearer t0", raced, "the concurrent caller gets what the core gave it")
                assertEquals("Bearer t1", cache.authorizationBlocking())
                assertEquals(2, server.count)
            }
        }
        // 2. and 3. The refill began after invalidate cleared the cache but got t0 from the
        // core before the core discarded it; it stores before (2) or after (3) invalidate returns.
        for (storesBeforeInvalidateReturns in listOf(true, false)) {
            LocalServer.xtd().use { server ->
                xtdManager(server).use { real ->
                    real.authorizationBlocking() // t0 is the core's current token
                    val fetched = CountDownLatch(1)
                    val proceed = CountDownLatch(1)
                    lateinit var cache: HeaderCache
                    var racing = false // set before the refill thread starts, which publishes it
                    var refill: Thread? = null
                    val manager = object : TokenManager(NoHandle) {
                        override fun nativeTokenBlocking(): NativeAccessToken {
                            val token = real.nativeTokenBlocking()
                            if (token.authorization() == "Bearer t0" && racing) {
                                fetched.countDown()
                                proceed.await(10, TimeUnit.SECONDS)
                            }
                            return token
                        }

                        override fun invalidate(token: String): Boolean {
                            // Between the cache's first clear and the core's invalidation:
                            racing = true
                            refill = thread { cache.authorizationBlocking() }
                            assertTrue(fetched.await(10, TimeUnit.SECONDS))
                            if (storesBeforeInvalidateReturns) {
                                proceed.countDown()
                                refill!!.join()
                            }
                            return real.invalidate(token)
                        }

                        override fun toString() = "RacingManager"
                    }
                    cache = HeaderCache(manager, HeaderCache.Clock.SystemClock)
                    assertEquals("Bearer t0", cache.authorizationBlocking())
                    assertTrue(cache.invalidate("Bearer t0"))
                    proceed.countDown()
                    refill!!.join()
                    assertEquals("Bearer t1", cache.authorizationBlocking(), "stores before invalidate returns: $storesBeforeInvalidateReturns")
                    assertEquals(2, server.count)
                }
            }
        }
    }

    /**
     * 2-second tokens (handed out until 1.8 s, refreshed from about 1.5 s) while threads call
     * the cache for about 5 s. Checked for every token:
     * - no call *served from the cache* started after the token's refresh point (an upper
     *   bound from the core's own answer: end of the core call + its `refreshInMs`), nor
     *   after the token server received the request for the next token (which the core
     *   sends at or after that refresh point);
     * - no call at all returned a token after the core first handed out its successor.
     */
    @Test
    fun `with 2-second tokens the cache switches no later than the core and never serves past the refresh point`() {
        val received = ConcurrentHashMap<Int, Long>() // token n -> when the server received its request
        LocalServer { _, n ->
            received[n] = System.nanoTime()
            json(200, JSONObject().put("token", "t$n").put("expirationTime", 2.0)).after(20)
        }.use { server ->
            xtdManager(server).use { real ->
                val manager = RecordingManager(real)
                val cache = HeaderCache(manager, HeaderCache.Clock.SystemClock)
                val lastHitStart = ConcurrentHashMap<String, Long>() // served from the cache
                val lastCallStart = ConcurrentHashMap<String, Long>() // served either way
                val hits = AtomicLong()
                val runUntil = System.nanoTime() + 5_000_000_000L
                val callers = (0 until 3).map {
                    thread {
                        while (true) {
                            val coreCallsBefore = manager.calls.size
                            val start = System.nanoTime()
                            if (start > runUntil) break
                            val header = if (it == 2) runBlocking { cache.authorization() } else cache.authorizationBlocking()
                            lastCallStart.merge(header, start, ::maxOf)
                            // No core call at all during this one: it was a cache hit. (A core
                            // call by another thread meanwhile only makes this check skip a hit.)
                            if (manager.calls.size == coreCallsBefore) {
                                lastHitStart.merge(header, start, ::maxOf)
                                hits.incrementAndGet()
                            }
                            if (it == 0) Thread.onSpinWait() else Thread.sleep(0, 200_000)
                        }
                    }
                }
                callers.forEach { it.join() }

                val calls = manager.calls.toList()
                val tokens = calls.map { it.header }.distinct()
                println(
                    "HeaderCache, 2 s tokens, 3 callers, 5 s: ${hits.get()} cache hits, ${calls.size} core calls, " +
                        "${server.count} token requests, tokens ${tokens.size}",
                )
                assertTrue(tokens.size in 3..5, "$tokens")
                assertEquals(tokens, tokens.sortedBy { it.removePrefix("Bearer t").toInt() })
                assertTrue(hits.get() > 10 * calls.size, "${hits.get()} hits for ${calls.size} core calls")
                for (header in tokens) {
                    val n = header.removePrefix("Bearer t").toInt()
                    // The refresh point is at most the end of any core call that returned the
                    // token plus the refreshInMs it reported (0 once the refresh is due), + 1 ms
                    // as the core truncates to whole milliseconds.
                    val refreshPoint = calls.filter { it.header == header }.minOf { it.endNanos + (it.refreshInMs.toLong() + 1) * 1_000_000 }
                    lastHitStart[header]?.let { last ->
                        assertTrue(last <= refreshPoint, "$header served from the cache ${(last - refreshPoint) / 1e6} ms after its refresh point")
                        received[n + 1]?.let { next ->
                            assertTrue(last <= next, "$header served from the cache ${(last - next) / 1e6} ms after the request for t${n + 1}")
                        }
                    }
                    // The successor, as the core first handed it out (to the cache or anyone).
                    val successor = calls.filter { it.header == "Bearer t${n + 1}" }.minOfOrNull { it.endNanos } ?: continue
                    val last = lastCallStart.getValue(header)
                    assertTrue(last < successor, "$header returned by a call that started ${(last - successor) / 1e6} ms after the core had t${n + 1}")
                }
            }
        }
    }
}
