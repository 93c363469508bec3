package dev.authwire

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.atomic.AtomicLong
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource

/**
 * The token manager from many threads and coroutines: blocking and `suspend` callers share
 * one token request, `suspend` calls need no runtime of the caller's and block no thread,
 * and short-lived tokens are refreshed in the background about once per lifetime.
 */
class ConcurrencyTest {
    @Test
    fun `64 coroutines on an empty cache, half blocking and half suspending, share one token request`() {
        LocalServer.xtd(delayMs = 500).use { server ->
            xtdManager(server).use { manager ->
                val start = CompletableDeferred<Unit>()
                val headers = runBlocking {
                    val calls = (0 until 64).map { i ->
                        if (i % 2 == 0) {
                            async(Dispatchers.IO) {
                                start.await()
                                manager.authorizationBlocking()
                            }
                        } else {
                            async(Dispatchers.Default) {
                                start.await()
                                manager.authorization()
                            }
                        }
                    }
                    start.complete(Unit)
                    calls.awaitAll()
                }
                assertEquals(List(64) { "Bearer t0" }, headers)
                assertEquals(1, server.count)
                val stats = manager.stats()
                assertEquals(1L, stats.tokenRequests)
                assertEquals(1L, stats.refreshes)
                assertEquals(64L, stats.waits)
            }
        }
    }

    @OptIn(ExperimentalCoroutinesApi::class)
    @Test
    fun `64 suspending calls on a single thread wait together without blocking it`() {
        LocalServer.xtd(delayMs = 500).use { server ->
            xtdManager(server).use { manager ->
                val started = TimeSource.Monotonic.markNow()
                val tokens = runBlocking {
                    withContext(Dispatchers.Default.limitedParallelism(1)) {
                        (0 until 64).map { async { manager.token().let { it.value } } }.awaitAll()
                    }
                }
                val took = started.elapsedNow()
                assertEquals(List(64) { "t0" }, tokens)
                assertEquals(1, server.count)
                // Had each call blocked the one thread, 64 calls could not all be waiting on the
                // same 500 ms request.
                assertTrue(took < 3.seconds, "took $took")
            }
        }
    }

    @Test
    fun `suspend calls work from runBlocking on the caller's thread, with no runtime to set up`() {
        LocalServer.xtd(delayMs = 50).use { server ->
            xtdManager(server).use { manager ->
                val header = runBlocking { manager.authorization() }
                assertEquals("Bearer t0", header)
                val value = runBlocking(Dispatchers.Unconfined) { manager.token().let { it.value } }
                assertEquals("t0", value)
                assertEquals(1, server.count)
            }
        }
    }

    @Test
    fun `a cancelled suspend call does not cancel the shared token request`() {
        LocalServer.xtd(delayMs = 800).use { server ->
            xtdManager(server).use { manager ->
                runBlocking {
                    assertThrows<TimeoutCancellationException> {
                        runBlocking { withTimeout(100.milliseconds) { manager.authorization() } }
                    }
                    // The request went on in the background; the next caller gets its token.
                    assertEquals("Bearer t0", manager.authorization())
                }
                assertEquals(1, server.count)
                assertEquals(1L, manager.stats().tokenRequests)
            }
        }
    }

    @Test
    fun `a failed token request reaches every waiting coroutine as the same typed error`() {
        LocalServer { _, _ ->
            json(401, org.json.JSONObject().put("message", "organization inactive")).after(300)
        }.use { server ->
            xtdManager(server).use { manager ->
                val errors = runBlocking(Dispatchers.Default) {
                    (0 until 16).map {
                        async { runCatching { manager.authorization() }.exceptionOrNull() }
                    }.awaitAll()
                }
                for (error in errors) {
                    val unauthorized = error as? AuthException.Unauthorized ?: throw AssertionError("got $error")
                    assertEquals("organization inactive", unauthorized.serverMessage)
                }
                assertEquals(1, server.count)
            }
        }
    }

    @Test
    fun `parallel invalidate of the same token causes one refresh`() {
        LocalServer.xtd(delayMs = 50).use { server ->
            xtdManager(server).use { manager ->
                val first = manager.tokenBlocking().let { it.value }
                val barrier = CyclicBarrier(50)
                val discarded = java.util.concurrent.atomic.AtomicInteger()
                val failures = ConcurrentHashMap.newKeySet<String>()
                (0 until 50).map {
                    thread {
                        barrier.await()
                        if (manager.invalidate("Bearer $first")) discarded.incrementAndGet()
                        val header = manager.authorizationBlocking()
                        if (header != "Bearer t1") failures += header
                    }
                }.forEach { it.join() }
                assertEquals(emptySet<String>(), failures)
                assertEquals(1, discarded.get())
                assertEquals(2, server.count)
                assertEquals(1L, manager.stats().invalidations)
            }
        }
    }

    /**
     * Each 2-second token is handed out until 1.8 s and refreshed in the background from about
     * 1.5 s, while 8 threads and 8 coroutines keep asking: over 7 s that is 4 to 6 token
     * requests, each token served for about 1.5 s, and only the very first calls wait.
     */
    @Test
    fun `2-second tokens are refreshed about once per lifetime while callers keep calling`() {
        LocalServer.xtd(lifetimeSecs = 2.0, delayMs = 20).use { server ->
            xtdManager(server).use { manager ->
                manager.tokenBlocking().let { token ->
                    assertTrue(token.expiresIn!! in 1600.milliseconds..1800.milliseconds, "${token.expiresIn}")
                    assertTrue(token.refreshIn!! in 1000.milliseconds..1560.milliseconds, "${token.refreshIn}")
                }
                val clock = TimeSource.Monotonic.markNow()
                val runFor = 7.seconds
                // When each token was first seen, in ms since the start.
                val firstSeen = ConcurrentHashMap<String, Long>()
                val calls = AtomicLong()
                val longestCallMs = AtomicLong()
                fun record(header: String, callStarted: kotlin.time.TimeMark) {
                    calls.incrementAndGet()
                    longestCallMs.accumulateAndGet(callStarted.elapsedNow().inWholeMilliseconds) { a, b -> maxOf(a, b) }
                    firstSeen.putIfAbsent(header, clock.elapsedNow().inWholeMilliseconds)
                }
                val threads = (0 until 8).map {
                    thread {
                        while (clock.elapsedNow() < runFor) {
                            val t = TimeSource.Monotonic.markNow()
                            record(manager.authorizationBlocking(), t)
                            Thread.sleep(2)
                        }
                    }
                }
                runBlocking(Dispatchers.Default) {
                    (0 until 8).map {
                        async {
                            while (clock.elapsedNow() < runFor) {
                                val t = TimeSource.Monotonic.markNow()
                                record(manager.authorization(), t)
                                kotlinx.coroutines.delay(2)
                            }
                        }
                    }.awaitAll()
                }
                threads.forEach { it.join() }

                val requests = server.count
                val stats = manager.stats()
                val switches = firstSeen.values.sorted()
                val gaps = switches.zipWithNext { a, b -> b - a }
                println(
                    "2 s tokens, 8 threads + 8 coroutines, $runFor: ${calls.get()} calls, $requests token requests, " +
                        "${stats.waits} waited, longest call ${longestCallMs.get()} ms, token switches after $gaps ms",
                )
                assertTrue(requests in 4..6, "$requests token requests in 7 s")
                // Every token was served (but one fetched as the run ended).
                assertTrue(firstSeen.size >= requests - 1, "served ${firstSeen.keys} of $requests")
                assertEquals(0L, stats.failures)
                // The token in use changes every ~1.5 s: never later than its 1.8 s.
                for (gap in gaps) {
                    assertTrue(gap in 1200..1850, "a token was served for $gap ms: $gaps")
                }
                // Only the calls on the empty cache waited; refreshes ran in the background.
                assertTrue(stats.waits <= 16L, "${stats.waits} callers waited")
            }
        }
    }
}
