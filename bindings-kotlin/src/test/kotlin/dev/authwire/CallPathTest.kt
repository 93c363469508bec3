package dev.authwire

import com.sun.jna.Memory
import com.sun.jna.Pointer
import dev.authwire.okhttp.OkHttpTransport
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import okhttp3.OkHttpClient
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.nio.charset.StandardCharsets
import java.security.KeyPairGenerator
import java.security.Signature
import java.util.Base64
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread

/**
 * The call path of the generated bindings as bindings-kotlin/patch-generated changes it: a
 * call into the core takes its `UniffiRustCallStatus` from a per-thread pool and its
 * `RustBuffer`s' memory from a per-thread ring, so it makes no JNA `Memory` for JNA's one
 * Cleaner thread. These tests count the Cleaner's entries, and run the paths where pooled and
 * reused memory could go wrong: errors after successes, a Kotlin exception inside a callback,
 * callbacks from the core's threads (JcaSigner, OkHttpTransport, a listener), `suspend` calls
 * and their cancellation, many threads, and a buffer that changes threads.
 */
class CallPathTest {
    private fun basic(user: String, password: String) =
        "Basic " + Base64.getEncoder().encodeToString("$user:$password".toByteArray(StandardCharsets.UTF_8))

    @Test
    fun `the Cleaner probe sees a JNA Memory that is made and kept`() {
        // The control for the next test: the probe can see registrations.
        val before = JnaCleanerProbe.snapshot()
        val kept = Memory(8)
        assertEquals(1, JnaCleanerProbe.newSince(before))
        kept.close()
        assertEquals(0, JnaCleanerProbe.newSince(before))
    }

    @Test
    fun `calls into the core leave nothing for JNA's Cleaner`() {
        LocalServer.xtd(lifetimeSecs = 3600.0).use { server ->
            xtdManager(server).use { manager ->
                var i = 0
                // New arguments on every call, so that no memo of recent results answers.
                val calls = linkedMapOf<String, () -> Unit>(
                    "basicAuth" to { basicAuth("user-${i++}", "password") },
                    "bearerAuth" to { bearerAuth("token-${i++}") },
                    "schemeAuthParams" to { schemeAuthParams("Token", "token" to "t-${i++}", "realm" to "api") },
                    "an AuthException from the core" to {
                        assertThrows<AuthException.InvalidInput> { basicAuth("user:${i++}", "password") }
                    },
                    "TokenManager.authorizationBlocking(), cached" to { manager.authorizationBlocking() },
                    "TokenManager.stats()" to { manager.stats() },
                    "authorization() in runBlocking" to { runBlocking { manager.authorization() } },
                )
                for ((name, call) in calls) {
                    repeat(200) { call() } // this thread's pool and ring are made on its first calls
                    // The least of three rounds: another thread of this JVM could make a Memory
                    // now and then; the unpatched bindings leave 14 to 28 per call.
                    val left = (1..3).minOf { JnaCleanerProbe.leftBy(300) { call() } }
                    assertEquals(0, left, "JNA Memory left for the Cleaner by 300 calls of $name")
                }
            }
        }
    }

    @Test
    fun `errors and successes alternate on one thread, each reported as itself`() {
        repeat(3000) { i ->
            when (i % 4) {
                0 -> assertThrows<AuthException.InvalidInput> { basicAuth("user:$i", "password") }
                1 -> assertEquals(basic("user$i", "pass $i"), basicAuth("user$i", "pass $i"))
                2 -> assertThrows<AuthException.InvalidInput> { bearerAuth("bad token $i") }
                else -> assertEquals("Bearer t$i", bearerAuth("t$i"))
            }
        }
        // An exception in Kotlin while the arguments are lowered (a lone surrogate cannot be
        // encoded), inside the call: the pooled status is given back all the same.
        repeat(100) { i ->
            assertThrows<Exception> { basicAuth("\uD800", "password") }
            assertEquals(basic("u$i", "p"), basicAuth("u$i", "p"))
        }
    }

    @Test
    fun `JcaSigner called back from the core signs JWTs that verify, also after a signer threw`() {
        val rsa = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair()
        val signer = JcaSigner(rsa.private, "kid-1")
        val failures = AtomicInteger()
        // A Kotlin exception inside a callback: uniffi reports it to the core as an
        // unexpected error through the status the core passed in.
        val throwing = object : JwtSigner {
            override fun algorithm() = JwtAlgorithm.RS256
            override fun keyId(): String? = null
            override fun sign(message: ByteArray): ByteArray {
                failures.incrementAndGet()
                throw IllegalStateException("the keystore is gone")
            }
        }
        val failing = object : JwtSigner {
            override fun algorithm() = JwtAlgorithm.RS256
            override fun keyId(): String? = null
            override fun sign(message: ByteArray): ByteArray = throw SignerException.Failed("the keystore is locked")
        }
        val threads = (0 until 4).map { t ->
            thread(name = "signing-$t") {
                repeat(25) { i ->
                    TokenManager.selfSignedJwt(signer, "issuer@example.com", "https://api.example.com/").use { tokens ->
                        val jwt = tokens.authorizationBlocking().removePrefix("Bearer ")
                        val parts = jwt.split('.')
                        assertEquals(3, parts.size, jwt)
                        val verifier = Signature.getInstance("SHA256withRSA").apply {
                            initVerify(rsa.public)
                            update("${parts[0]}.${parts[1]}".toByteArray(StandardCharsets.US_ASCII))
                        }
                        assertTrue(verifier.verify(Base64.getUrlDecoder().decode(parts[2])), "JWT $i of thread $t")
                    }
                    if (i % 5 == 0) {
                        TokenManager.selfSignedJwt(throwing, "issuer@example.com", "https://api.example.com/").use { tokens ->
                            assertThrows<AuthException> { tokens.authorizationBlocking() }
                        }
                        TokenManager.selfSignedJwt(failing, "issuer@example.com", "https://api.example.com/").use { tokens ->
                            val error = assertThrows<AuthException.InvalidConfiguration> { tokens.authorizationBlocking() }
                            assertTrue("the keystore is locked" in error.message, error.message)
                        }
                    }
                }
            }
        }
        threads.forEach { it.join() }
        assertEquals(20, failures.get())
    }

    @Test
    fun `OkHttpTransport and a listener called back from the core's threads, request after request`() {
        // Four managers on four threads, each with its own server; eight invalidations each
        // (the core refuses a ninth refresh loop within a minute).
        val wrong = ConcurrentLinkedQueue<String>()
        (0 until 4).map { m ->
            thread(name = "okhttp-$m") {
                LocalServer.xtd(lifetimeSecs = 3600.0).use { server ->
                    val options = TokenOptions(transport = OkHttpTransport(OkHttpClient()))
                    xtdManager(server, options).use { manager ->
                        val events = ConcurrentLinkedQueue<AuthEvent>()
                        manager.setListener(AuthListener { events += it })
                        repeat(8) { i ->
                            val header = manager.authorizationBlocking()
                            if (header != "Bearer t$i") wrong += "manager $m: $header for t$i"
                            if (!manager.invalidate(header.removePrefix("Bearer "))) wrong += "manager $m: t$i not invalidated"
                        }
                        if (manager.authorizationBlocking() != "Bearer t8") wrong += "manager $m: not t8 at the end"
                        if (server.count != 9) wrong += "manager $m: ${server.count} requests"
                        // Events come from the core's threads: give the last ones time to arrive.
                        val deadline = System.nanoTime() + 5_000_000_000L
                        while (events.count { it is AuthEvent.TokenInvalidated } < 8 && System.nanoTime() < deadline) Thread.sleep(10)
                        val requested = events.filterIsInstance<AuthEvent.TokenRequested>().map { it.attempt }
                        if (requested != List(9) { 1 }) wrong += "manager $m: requested $requested"
                        val invalidated = events.count { it is AuthEvent.TokenInvalidated }
                        if (invalidated != 8) wrong += "manager $m: $invalidated invalidations in $events"
                    }
                }
            }
        }.forEach { it.join() }
        assertTrue(wrong.isEmpty(), wrong.toString())
    }

    @Test
    fun `suspend calls, cancelled and not, on many coroutines`() {
        LocalServer.xtd(lifetimeSecs = 3600.0, delayMs = 1500).use { server ->
            xtdManager(server).use { manager ->
                runBlocking {
                    // Cancelled while the core waits on the slow server.
                    val cancelled = (0 until 16).map {
                        async(Dispatchers.Default) { withTimeoutOrNull(200) { manager.authorization() } }
                    }.awaitAll()
                    assertTrue(cancelled.all { it == null }, "$cancelled")
                    // Builders on the same dispatcher threads meanwhile.
                    val built = (0 until 64).map { i ->
                        async(Dispatchers.Default) { basicAuth("u$i", "p") }
                    }.awaitAll()
                    assertEquals((0 until 64).map { basic("u$it", "p") }, built)
                    // The request the cancelled callers started goes on and serves everyone.
                    val headers = (0 until 32).map {
                        async(if (it % 2 == 0) Dispatchers.Default else Dispatchers.IO) { manager.authorization() }
                    }.awaitAll()
                    assertEquals(List(32) { "Bearer t0" }, headers)
                }
                assertEquals(1, server.count)
                assertNull(runBlocking { withTimeoutOrNull(1) { kotlinx.coroutines.delay(1000) } })
            }
        }
    }

    @Test
    fun `eight threads of builders and errors get their own results`() {
        val threads = 8
        val barrier = CyclicBarrier(threads)
        val wrong = ConcurrentLinkedQueue<String>()
        (0 until threads).map { t ->
            thread(name = "builders-$t") {
                barrier.await()
                for (i in 0 until 4000) {
                    val user = "u$t-$i"
                    when (i % 5) {
                        0 -> basicAuth(user, "p$i").let { if (it != basic(user, "p$i")) wrong += "basicAuth $user" }
                        1 -> bearerAuth("tok$t.$i").let { if (it != "Bearer tok$t.$i") wrong += "bearerAuth $t $i" }
                        2 -> schemeAuthParams("Token", "token" to user).let {
                            if (it != "Token token=\"$user\"") wrong += "schemeAuthParams $user"
                        }
                        3 -> try {
                            basicAuth("$user:", "p")
                            wrong += "no error for $user"
                        } catch (e: AuthException.InvalidInput) {
                            // expected
                        }
                        else -> decodeBasic(basic(user, "p$i")).let {
                            if (it.userId != user || it.password != "p$i") wrong += "decodeBasic $user"
                        }
                    }
                }
            }
        }.forEach { it.join() }
        assertTrue(wrong.isEmpty(), wrong.take(10).toString())
    }

    @Test
    fun `the builders' memo answers repeated arguments with the core's result, never keeps errors, never prints`() {
        val password = "memo-SECRET-password"
        val first = basicAuth("memo-user", password)
        assertEquals(basic("memo-user", password), first)
        // Repeated: the same result (from the memo), also for other string objects with the
        // same characters, and never the result of other arguments sharing a slot.
        repeat(1000) { i ->
            assertEquals(first, basicAuth(String("memo-user".toCharArray()), password))
            assertEquals(basic("memo-$i", password), basicAuth("memo-$i", password))
            assertEquals("Bearer memo.$i", bearerAuth("memo.$i"))
        }
        // Errors are not kept: the same bad arguments fail every time.
        repeat(3) { assertThrows<AuthException.InvalidInput> { basicAuth("memo:user", password) } }
        repeat(3) { assertThrows<AuthException.InvalidInput> { bearerAuth("memo token") } }
        // Nothing of what it holds shows.
        for (memo in listOf(UniffiBuilderMemo.BASIC, UniffiBuilderMemo.BEARER)) {
            assertEquals("UniffiBuilderMemo(256 entries)", memo.toString())
        }
        // Bounded: a fixed table of 256 entries.
        val entries = UniffiBuilderMemo::class.java.getDeclaredField("entries").apply { isAccessible = true }
        assertEquals(256, (entries.get(UniffiBuilderMemo.BASIC) as Array<*>).size)
    }

    @Test
    fun `a buffer made on one thread and passed to the core on another moves to that thread's memory`() {
        val buffer = FfiConverterString.lower("made on the test thread")
        val madeAt = Pointer.nativeValue(buffer.pointer)
        var text: String? = null
        var passedAt = 0L
        thread(name = "other") {
            assertEquals("Bearer x", bearerAuth("x")) // this thread's ring exists
            text = FfiConverterString.lift(buffer) // reads it, then frees it: passed by value
            passedAt = Pointer.nativeValue(buffer.pointer)
        }.join()
        assertEquals("made on the test thread", text)
        assertNotEquals(madeAt, passedAt)
        assertFalse(passedAt == 0L)
    }
}
