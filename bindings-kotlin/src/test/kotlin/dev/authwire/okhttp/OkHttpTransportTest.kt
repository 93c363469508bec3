package dev.authwire.okhttp

import dev.authwire.ApiKey
import dev.authwire.AuthException
import dev.authwire.CsrfSession
import dev.authwire.HttpRequest
import dev.authwire.HttpResponse
import dev.authwire.HttpTransport
import dev.authwire.HttpTransportException
import dev.authwire.LocalServer
import dev.authwire.NetworkErrorKind
import dev.authwire.TEST_KEY
import dev.authwire.TokenManager
import dev.authwire.TokenOptions
import dev.authwire.basicAuth
import dev.authwire.json
import dev.authwire.text
import dev.authwire.xtdManager
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.runBlocking
import okhttp3.Call
import okhttp3.EventListener
import okhttp3.OkHttpClient
import okhttp3.mockwebserver.SocketPolicy
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlin.time.Duration.Companion.milliseconds

/**
 * The token-manager scenarios through the core's built-in client and through
 * [OkHttpTransport], against a real HTTP server on 127.0.0.1; then the policy the core keeps
 * whatever a Kotlin transport does (never answers, throws, returns 30 MB, leaks secrets).
 */
class OkHttpTransportTest {
    private fun options(kind: String, timeoutMs: Long = 15_000L, attempts: Int = 4): TokenOptions = TokenOptions(
        backoffInitial = 20L.milliseconds,
        backoffMax = 100L.milliseconds,
        requestTimeout = timeoutMs.milliseconds,
        maxAttempts = attempts,
        transport = if (kind == "okhttp") OkHttpTransport(OkHttpClient()) else null,
    )

    private inline fun <reified V : AuthException> assertFailsWith(call: () -> Any?): V {
        val error = assertThrows<AuthException> { call() }
        return assertInstanceOf(V::class.java, error, error.message)
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a herd of blocking and suspending callers shares one request`(kind: String) {
        LocalServer.xtd(delayMs = 300).use { server ->
            xtdManager(server, options(kind)).use { manager ->
                val start = CompletableDeferred<Unit>()
                val headers = runBlocking {
                    val calls = (0 until 48).map { i ->
                        async(if (i % 2 == 0) Dispatchers.IO else Dispatchers.Default) {
                            start.await()
                            if (i % 2 == 0) manager.authorizationBlocking() else manager.authorization()
                        }
                    }
                    start.complete(Unit)
                    calls.awaitAll()
                }
                assertEquals(List(48) { "Bearer t0" }, headers)
                assertEquals(1, server.count)
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `2-second tokens are refreshed about once per lifetime`(kind: String) {
        LocalServer.xtd(lifetimeSecs = 2.0, delayMs = 20).use { server ->
            xtdManager(server, options(kind)).use { manager ->
                val runFor = 4.5.seconds
                val started = TimeSource.Monotonic.markNow()
                val threads = (0 until 8).map {
                    thread {
                        while (started.elapsedNow() < runFor) {
                            assertTrue(manager.authorizationBlocking().startsWith("Bearer t"))
                            Thread.sleep(2)
                        }
                    }
                }
                threads.forEach { it.join() }
                // A new token every 1.5 s to 1.8 s (see ConcurrencyTest).
                assertTrue(server.count in 3..5, "${server.count} token requests")
                assertEquals(0L, manager.stats().failures)
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `503 and 429 with Retry-After are retried`(kind: String) {
        LocalServer { _, n ->
            when (n) {
                0 -> text(503, "busy")
                1 -> json(429, JSONObject().put("message", "slow down")).setHeader("Retry-After", "1")
                else -> json(200, JSONObject().put("token", "ok").put("expirationTime", 300))
            }
        }.use { server ->
            xtdManager(server, options(kind)).use { manager ->
                val started = TimeSource.Monotonic.markNow()
                assertEquals("Bearer ok", manager.authorizationBlocking())
                assertTrue(started.elapsedNow() >= 1.seconds)
                assertEquals(3, server.count)
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a 401 carries the server's message`(kind: String) {
        LocalServer { _, _ -> json(401, JSONObject().put("message", "organization inactive")) }.use { server ->
            xtdManager(server, options(kind)).use { manager ->
                val error = assertFailsWith<AuthException.Unauthorized> { manager.authorizationBlocking() }
                assertEquals("organization inactive", error.serverMessage)
                assertEquals(1, server.count)
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `malformed JSON, a huge body and a stalled server give typed errors in time`(kind: String) {
        LocalServer { _, _ -> text(200, "{\"token\": ") }.use { server ->
            xtdManager(server, options(kind)).use { manager ->
                assertFailsWith<AuthException.InvalidResponse> { manager.authorizationBlocking() }
            }
        }
        LocalServer { _, _ -> text(200, "x".repeat(200_000)) }.use { server ->
            xtdManager(server, options(kind)).use { manager ->
                val error = assertFailsWith<AuthException.InvalidResponse> { manager.authorizationBlocking() }
                assertTrue("65536" in error.message, error.message)
            }
        }
        // NO_RESPONSE: the server reads the request and never answers (and still shuts down at once).
        LocalServer { _, _ -> text(200, "{}").setSocketPolicy(SocketPolicy.NO_RESPONSE) }.use { server ->
            xtdManager(server, options(kind, timeoutMs = 300L, attempts = 2)).use { manager ->
                val started = TimeSource.Monotonic.markNow()
                assertFailsWith<AuthException.Network> { manager.authorizationBlocking() }
                assertTrue(started.elapsedNow() < 2.5.seconds, "${started.elapsedNow()}")
                assertEquals(2, server.count)
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `an invalidate storm causes one refresh`(kind: String) {
        LocalServer.xtd(delayMs = 50).use { server ->
            xtdManager(server, options(kind)).use { manager ->
                val first = manager.authorizationBlocking()
                val barrier = CyclicBarrier(32)
                val discarded = AtomicInteger()
                val threads = (0 until 32).map {
                    thread {
                        barrier.await()
                        if (manager.invalidate(first)) discarded.incrementAndGet()
                        assertEquals("Bearer t1", manager.authorizationBlocking())
                    }
                }
                threads.forEach { it.join() }
                assertEquals(1, discarded.get())
                assertEquals(2, server.count)
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `the CSRF cycle`(kind: String) {
        LocalServer { request, n ->
            if (request.method == "HEAD" && request.header("x-csrf-token") == "fetch") {
                text(200).setHeader("x-csrf-token", "csrf-$n")
                    .addHeader("Set-Cookie", "SAP_SESSIONID=s$n; Path=/; HttpOnly")
                    .addHeader("Set-Cookie", "sap-usercontext=sap-client=100; path=/")
            } else {
                text(400, "unexpected")
            }
        }.use { server ->
            CsrfSession(server.url("/sap/api"), "alice", "pw", options(kind)).use { session ->
                session.headersBlocking().let { headers ->
                    assertEquals("csrf-0", headers.csrfToken)
                    assertEquals("SAP_SESSIONID=s0; sap-usercontext=sap-client=100", headers.cookie)
                }
                assertTrue(session.invalidate("csrf-0"))
                session.headersBlocking().let { assertEquals("csrf-1", it.csrfToken) }
                assertEquals(2, server.count)
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a 302 is an error and never followed`(kind: String) {
        LocalServer { request, _ ->
            if (request.path == "/v1/token") {
                text(302).setHeader("Location", "/elsewhere")
            } else {
                json(200, JSONObject().put("token", "followed").put("expirationTime", 300))
            }
        }.use { server ->
            // The client follows redirects; the transport's copy of it does not.
            val transport = if (kind == "okhttp") OkHttpTransport(OkHttpClient.Builder().followRedirects(true).build()) else null
            xtdManager(server, TokenOptions(transport = transport)).use { manager ->
                val error = assertFailsWith<AuthException.HttpStatus> { manager.authorizationBlocking() }
                assertEquals(302.toInt(), error.status)
                assertTrue("never follows" in error.message, error.message)
                assertEquals(listOf("/v1/token"), server.requests.map { it.path })
            }
        }
    }

    @Test
    fun `OkHttpTransport's call is cancelled when the core gives up on a server that never answers`() {
        val cancelled = CountDownLatch(1)
        val client = OkHttpClient.Builder()
            .eventListener(object : EventListener() {
                override fun canceled(call: Call) = cancelled.countDown()
            })
            .build()
        LocalServer { _, _ -> text(200, "{}").setSocketPolicy(SocketPolicy.NO_RESPONSE) }.use { server ->
            val options = TokenOptions(transport = OkHttpTransport(client), requestTimeout = 300L.milliseconds, maxAttempts = 1)
            xtdManager(server, options).use { manager ->
                val started = TimeSource.Monotonic.markNow()
                assertFailsWith<AuthException.Network> { manager.authorizationBlocking() }
                assertTrue(started.elapsedNow() < 2.seconds, "${started.elapsedNow()}")
                assertTrue(cancelled.await(2, TimeUnit.SECONDS), "the OkHttp call was not cancelled")
            }
        }
    }

    // --- The policy the core keeps, whatever a Kotlin transport does -------------------------

    private fun managerThrough(transport: HttpTransport, timeoutMs: Long = 15_000L, attempts: Int = 4) =
        ApiKey.fromEncodedKey(TEST_KEY).let {
            TokenManager.apiKeyExchange(
                "http://127.0.0.1:9/t",
                it,
                TokenOptions(
                    transport = transport,
                    requestTimeout = timeoutMs.milliseconds,
                    maxAttempts = attempts,
                    backoffInitial = 10L.milliseconds,
                    backoffMax = 20L.milliseconds,
                ),
            )
        }

    private fun ok(body: ByteArray = "{\"token\": \"t-ok\", \"expirationTime\": 300}".toByteArray()) =
        HttpResponse(200, emptyList(), body)

    @Test
    fun `a transport that never answers gets the core's timeout and its coroutine is cancelled`() {
        val calls = AtomicInteger()
        val cancelled = CountDownLatch(2)
        val silent = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse {
                calls.incrementAndGet()
                try {
                    awaitCancellation()
                } finally {
                    cancelled.countDown()
                }
            }
        }
        managerThrough(silent, timeoutMs = 300L, attempts = 2).use { manager ->
            val started = TimeSource.Monotonic.markNow()
            val error = assertFailsWith<AuthException.Network> { manager.authorizationBlocking() }
            assertTrue(started.elapsedNow() < 2.seconds, "${started.elapsedNow()}")
            assertEquals(NetworkErrorKind.READ_TIMEOUT, error.kind)
            assertEquals("network error: http://127.0.0.1:9 did not answer in time (no answer within 300 ms): retry later", error.message)
            assertEquals(2, calls.get())
            assertTrue(cancelled.await(2, TimeUnit.SECONDS), "the core's drop cancelled the coroutine")
        }
    }

    @Test
    fun `a transport that throws gives a typed error and the manager keeps working`() {
        val calls = AtomicInteger()
        val flaky = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse {
                if (calls.getAndIncrement() < 2) throw IllegalStateException("the proxy is down")
                return ok()
            }
        }
        managerThrough(flaky, attempts = 2).use { manager ->
            val error = assertFailsWith<AuthException.Network> { manager.authorizationBlocking() }
            assertTrue("failed unexpectedly" in error.message, error.message)
            assertTrue("the proxy is down" in error.message, error.message)
            val deadline = TimeSource.Monotonic.markNow() + 3.seconds
            while (true) {
                try {
                    assertEquals("Bearer t-ok", manager.authorizationBlocking())
                    break
                } catch (e: AuthException) {
                    assertTrue(deadline.hasNotPassedNow(), "did not recover: ${e.message}")
                    Thread.sleep(20)
                }
            }
        }
    }

    @Test
    fun `a transport's Classified kind decides the retry, and a plain Network error is OTHER and retried`() {
        fun throwing(error: HttpTransportException, calls: AtomicInteger) = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse {
                calls.incrementAndGet()
                throw error
            }
        }
        val classifiedCalls = AtomicInteger()
        val pinned = HttpTransportException.Classified(NetworkErrorKind.CERTIFICATE_UNTRUSTED, "the server's key is not pinned")
        managerThrough(throwing(pinned, classifiedCalls), attempts = 3).use { manager ->
            val error = assertFailsWith<AuthException.Network> { manager.authorizationBlocking() }
            assertEquals(NetworkErrorKind.CERTIFICATE_UNTRUSTED, error.kind)
            assertEquals(1, classifiedCalls.get(), "not retried")
            assertTrue("the server's key is not pinned" in error.message, error.message)
        }
        val plainCalls = AtomicInteger()
        managerThrough(throwing(HttpTransportException.Network("gone"), plainCalls), attempts = 3).use { manager ->
            val error = assertFailsWith<AuthException.Network> { manager.authorizationBlocking() }
            assertEquals(NetworkErrorKind.OTHER, error.kind)
            assertEquals(3, plainCalls.get(), "retried")
        }
    }

    @Test
    fun `a 30 MB body from a transport is an invalid response`() {
        val huge = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse = ok(ByteArray(30 shl 20))
        }
        managerThrough(huge).use { manager ->
            val error = assertFailsWith<AuthException.InvalidResponse> { manager.authorizationBlocking() }
            assertTrue("65536" in error.message, error.message)
        }
    }

    @Test
    fun `OkHttpTransport maps an IOException to the transport error with its kind, without secrets`() {
        // Nothing listens on port 9: OkHttp fails with a ConnectException.
        val key = TEST_KEY
        val url = "http://127.0.0.1:9/t?tenant=acme-secret-tenant"
        val options = TokenOptions(transport = OkHttpTransport(OkHttpClient()), maxAttempts = 1)
        val manager = ApiKey.fromEncodedKey(key).let { TokenManager.apiKeyExchange(url, it, options) }
        manager.use {
            val error = assertFailsWith<AuthException.Network> { it.authorizationBlocking() }
            assertEquals(NetworkErrorKind.CONNECTION_REFUSED, error.kind)
            assertTrue("ConnectException" in error.message, error.message)
            assertFalse("acme-secret-tenant" in error.message, error.message)
        }
    }

    @Test
    fun `no secret in any error a transport produces`() {
        fun echo(request: HttpRequest): String =
            "refused ${request.url} ${request.headers.joinToString { it.value }} ${request.body?.decodeToString()}"
        val typed = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse =
                throw HttpTransportException.Network(echo(request))
        }
        val untyped = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse = throw RuntimeException(echo(request))
        }
        val url = "http://127.0.0.1:9/t?tenant=acme-secret-tenant"
        val basic = basicAuth("alice", "pa55word!").removePrefix("Basic ")
        for (transport in listOf(typed, untyped)) {
            val options = TokenOptions(transport = transport, maxAttempts = 1)
            val errors = listOf(
                assertThrows<AuthException> {
                    ApiKey.fromEncodedKey(TEST_KEY).let { TokenManager.apiKeyExchange(url, it, options) }.use { it.authorizationBlocking() }
                },
                assertThrows<AuthException> {
                    CsrfSession(url, "alice", "pa55word!", options).use { it.headersBlocking() }
                },
                assertThrows<AuthException> {
                    TokenManager.clientCredentials(url, "my-client", "s3cr3t-value", options = options).use { it.authorizationBlocking() }
                },
            )
            for (error in errors) {
                assertInstanceOf(AuthException.Network::class.java, error)
                for (text in listOf(error.message, error.toString(), error.message ?: "")) {
                    assertTrue("[redacted]" in text, text)
                    for (secret in listOf(TEST_KEY, "pa55word!", basic, "s3cr3t-value", "acme-secret-tenant")) {
                        assertFalse(secret in text, "$secret leaked: $text")
                    }
                }
            }
        }
    }
}
