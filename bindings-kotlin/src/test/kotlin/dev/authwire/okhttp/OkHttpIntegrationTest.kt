package dev.authwire.okhttp

import dev.authwire.AuthException
import dev.authwire.CsrfFetchMethod
import dev.authwire.CsrfSession
import dev.authwire.HeaderCache
import dev.authwire.LocalServer
import dev.authwire.Received
import dev.authwire.TokenManager
import dev.authwire.TokenOptions
import dev.authwire.after
import dev.authwire.basicAuth
import dev.authwire.json
import dev.authwire.text
import dev.authwire.xtdManager
import okhttp3.Call
import okhttp3.Callback
import okhttp3.Dispatcher
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import okio.BufferedSink
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.IOException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

/**
 * The OkHttp integration against real servers on 127.0.0.1: a token server and an API
 * (the "resource") that checks the `Authorization` header, and an SAP-style CSRF service.
 */
class OkHttpIntegrationTest {
    private val jsonType = "application/json".toMediaType()

    private fun get(url: String, configure: Request.Builder.() -> Unit = {}): Request =
        Request.Builder().url(url).apply(configure).build()

    private fun post(url: String, body: String = """{"a":1}"""): Request =
        Request.Builder().url(url).post(body.toRequestBody(jsonType)).build()

    private fun OkHttpClient.call(request: Request): Pair<Int, String> =
        newCall(request).execute().use { it.code to it.body!!.string() }

    /** An API that accepts only `Bearer <accepted>`: 200 with the header echoed, else 401. */
    private fun resource(accepted: (String?) -> Boolean): LocalServer = LocalServer { request, _ ->
        val header = request.header("Authorization")
        if (accepted(header)) text(200, "ok $header") else text(401, "token rejected")
    }

    // --- AuthwireInterceptor ----------------------------------------------------------------

    @Test
    fun `right after tokens invalidate, the interceptor sends the new token`() {
        LocalServer.xtd().use { tokenServer ->
            resource { it != null }.use { api ->
                xtdManager(tokenServer).use { tokens ->
                    val client = OkHttpClient.Builder().authwire(tokens).build()
                    assertEquals(200 to "ok Bearer t0", client.call(get(api.url("/things"))))
                    assertEquals(200 to "ok Bearer t0", client.call(get(api.url("/things"))), "from the cache")
                    // The app drops the token itself (no 401 involved): the very next request
                    // carries the new one, not the cached t0.
                    assertTrue(tokens.invalidate("Bearer t0"))
                    assertEquals(200 to "ok Bearer t1", client.call(get(api.url("/things"))))
                    assertEquals(listOf("Bearer t0", "Bearer t0", "Bearer t1"), api.requests.map { it.header("Authorization") })
                    assertEquals(2, tokenServer.count)
                }
            }
        }
    }

    @Test
    fun `the interceptor adds the manager's header, fetched once`() {
        LocalServer.xtd().use { tokens ->
            resource { it == "Bearer t0" }.use { api ->
                xtdManager(tokens).use { manager ->
                    val client = OkHttpClient.Builder().addInterceptor(AuthwireInterceptor(manager)).build()
                    repeat(3) { assertEquals(200 to "ok Bearer t0", client.call(get(api.url("/things")))) }
                    assertEquals(1, tokens.count)
                    assertEquals(List(3) { "Bearer t0" }, api.requests.map { it.header("Authorization") })
                }
            }
        }
    }

    @Test
    fun `a header set on the request wins over the interceptor`() {
        resource { true }.use { api ->
            var asked = 0
            val client = OkHttpClient.Builder().addInterceptor(AuthwireInterceptor { asked++; "Bearer from-provider" }).build()
            assertEquals(200 to "ok Bearer mine", client.call(get(api.url("/")) { header("Authorization", "Bearer mine") }))
            assertEquals(0, asked)
            assertEquals(200 to "ok Bearer from-provider", client.call(get(api.url("/"))))
        }
    }

    @Test
    fun `the interceptor takes any header provider, such as a Basic header built once`() {
        val header = basicAuth("alice", "open sesame")
        resource { it == header }.use { api ->
            val client = OkHttpClient.Builder().addInterceptor(AuthwireInterceptor { header }).build()
            assertEquals(200, client.call(get(api.url("/"))).first)
            // Works as a network interceptor, too.
            val network = OkHttpClient.Builder().addNetworkInterceptor(AuthwireInterceptor { header }).build()
            assertEquals(200, network.call(get(api.url("/"))).first)
        }
    }

    @Test
    fun `a failed token request fails the call with AuthwireIOException and sends nothing`() {
        LocalServer { _, _ -> json(401, JSONObject().put("message", "organization inactive")) }.use { tokens ->
            resource { true }.use { api ->
                xtdManager(tokens).use { manager ->
                    val client = OkHttpClient.Builder().authwire(manager).build()
                    val error = assertThrows<AuthwireIOException> { client.call(get(api.url("/"))) }
                    val cause = assertInstanceOf(AuthException.Unauthorized::class.java, error.cause)
                    assertEquals("organization inactive", cause.serverMessage)
                    assertEquals("unauthorized (HTTP 401): organization inactive; check the credentials", error.message)

                    // enqueue: the failure reaches onFailure, and no dispatcher thread dies.
                    val failure = CompletableFuture<IOException>()
                    client.newCall(get(api.url("/"))).enqueue(object : Callback {
                        override fun onFailure(call: Call, e: IOException) {
                            failure.complete(e)
                        }

                        override fun onResponse(call: Call, response: Response) {
                            response.close()
                            failure.completeExceptionally(AssertionError("got a response ${response.code}"))
                        }
                    })
                    assertInstanceOf(AuthwireIOException::class.java, failure.get(10, TimeUnit.SECONDS))
                    assertEquals(0, api.count)
                }
            }
        }
    }

    // --- AuthwireAuthenticator --------------------------------------------------------------

    /**
     * 32 parallel calls all carry the first token, which the API rejects: the authenticator
     * invalidates it 32 times, but only the first discards it, so the token server sees
     * exactly one refresh, and every call succeeds on its one retry with the fresh token.
     */
    @Test
    fun `32 parallel 401s with the same token cause exactly one refresh`() {
        val parallel = 32
        LocalServer.xtd(delayMs = 200).use { tokens ->
            val allCarriedT0 = CountDownLatch(parallel)
            val api = LocalServer { request, _ ->
                when (request.header("Authorization")) {
                    "Bearer t0" -> {
                        // Answer no 401 before all 32 calls have sent t0, so none can start
                        // with a fresh token: the 32 rejections are real and simultaneous.
                        allCarriedT0.countDown()
                        allCarriedT0.await(10, TimeUnit.SECONDS)
                        text(401, "token expired")
                    }
                    "Bearer t1" -> text(200, "ok")
                    else -> text(401, "unknown token")
                }
            }
            api.use {
                xtdManager(tokens).use { manager ->
                    val dispatcher = Dispatcher().apply {
                        maxRequests = 64
                        maxRequestsPerHost = 64
                    }
                    val client = OkHttpClient.Builder().dispatcher(dispatcher).authwire(manager).build()
                    val results = (0 until parallel).map { i ->
                        CompletableFuture<Response>().also { future ->
                            client.newCall(get(api.url("/things/$i"))).enqueue(object : Callback {
                                override fun onFailure(call: Call, e: IOException) {
                                    future.completeExceptionally(e)
                                }

                                override fun onResponse(call: Call, response: Response) {
                                    response.use { future.complete(it) }
                                }
                            })
                        }
                    }.map { it.get(30, TimeUnit.SECONDS) }

                    assertEquals(List(parallel) { 200 }, results.map { it.code })
                    for (response in results) {
                        assertEquals(401, response.priorResponse?.code)
                        assertEquals("Bearer t1", response.request.header("Authorization"))
                    }
                    assertEquals(2, tokens.count, "one token request, then exactly one refresh")
                    val stats = manager.stats()
                    assertEquals(2L, stats.refreshes)
                    assertEquals(1L, stats.invalidations)
                    val sent = api.requests.groupingBy { it.header("Authorization") }.eachCount()
                    assertEquals(mapOf("Bearer t0" to parallel, "Bearer t1" to parallel), sent)
                }
            }
        }
    }

    /**
     * The same with the interceptor serving t0 from the manager's [HeaderCache]: the API
     * revokes t0 while it is cached; 32 parallel calls send it, the authenticators'
     * invalidations go through the same cache, and the token server still sees exactly one
     * refresh. Afterwards the interceptor serves t1, from the cache, without a 401.
     */
    @Test
    fun `32 parallel 401s for a token served from the shared cache cause exactly one refresh`() {
        val parallel = 32
        LocalServer.xtd(delayMs = 200).use { tokens ->
            val revoked = java.util.concurrent.atomic.AtomicBoolean(false)
            val allCarriedT0 = CountDownLatch(parallel)
            val api = LocalServer { request, _ ->
                when (request.header("Authorization")) {
                    "Bearer t0" -> if (!revoked.get()) {
                        text(200, "ok")
                    } else {
                        allCarriedT0.countDown()
                        allCarriedT0.await(10, TimeUnit.SECONDS)
                        text(401, "token revoked")
                    }
                    "Bearer t1" -> text(200, "ok")
                    else -> text(401, "unknown token")
                }
            }
            api.use {
                xtdManager(tokens).use { manager ->
                    val dispatcher = Dispatcher().apply {
                        maxRequests = 64
                        maxRequestsPerHost = 64
                    }
                    val client = OkHttpClient.Builder().dispatcher(dispatcher).authwire(manager).build()
                    assertEquals(200, client.call(get(api.url("/warm-up"))).first)
                    assertEquals("Bearer t0", HeaderCache.of(manager).authorizationBlocking())
                    revoked.set(true)

                    val results = (0 until parallel).map { i ->
                        CompletableFuture<Response>().also { future ->
                            client.newCall(get(api.url("/things/$i"))).enqueue(object : Callback {
                                override fun onFailure(call: Call, e: IOException) {
                                    future.completeExceptionally(e)
                                }

                                override fun onResponse(call: Call, response: Response) {
                                    response.use { future.complete(it) }
                                }
                            })
                        }
                    }.map { it.get(30, TimeUnit.SECONDS) }

                    assertEquals(List(parallel) { 200 }, results.map { it.code })
                    assertTrue(results.all { it.priorResponse?.code == 401 && it.request.header("Authorization") == "Bearer t1" })
                    assertEquals(2, tokens.count, "one token request, then exactly one refresh")
                    assertEquals(1L, manager.stats().invalidations)

                    // The next call takes t1 from the cache: no 401, no token request.
                    client.newCall(get(api.url("/after"))).execute().use { response ->
                        assertEquals(200, response.code)
                        assertNull(response.priorResponse)
                    }
                    assertEquals(2, tokens.count)
                    val sent = api.requests.groupingBy { it.header("Authorization") }.eachCount()
                    assertEquals(mapOf("Bearer t0" to parallel + 1, "Bearer t1" to parallel + 1), sent)
                }
            }
        }
    }

    @Test
    fun `the authenticator retries once and never loops when the API keeps answering 401`() {
        LocalServer.xtd().use { tokens ->
            resource { false }.use { api ->
                xtdManager(tokens).use { manager ->
                    val client = OkHttpClient.Builder().authwire(manager).build()
                    for (call in 1..3) {
                        client.newCall(get(api.url("/"))).execute().use { response ->
                            assertEquals(401, response.code)
                            assertEquals(401, response.priorResponse?.code)
                            assertNull(response.priorResponse?.priorResponse)
                        }
                        assertEquals(2 * call, api.count, "two requests per call")
                        assertEquals(call + 1, tokens.count, "one refresh per call")
                    }
                }
            }
        }
    }

    @Test
    fun `the authenticator gives up at once when the fresh header is the one rejected`() {
        resource { false }.use { api ->
            TokenManager.staticToken("static-token").use { manager ->
                val client = OkHttpClient.Builder().authwire(manager).build()
                client.newCall(get(api.url("/"))).execute().use { response ->
                    assertEquals(401, response.code)
                    assertNull(response.priorResponse)
                }
                assertEquals(1, api.count)
            }
        }
    }

    @Test
    fun `an API that rejects every fresh token ends in AuthwireIOException RefreshLoop`() {
        LocalServer.xtd().use { tokens ->
            resource { false }.use { api ->
                xtdManager(tokens, TokenOptions(loopMaxInvalidations = 2)).use { manager ->
                    val client = OkHttpClient.Builder().authwire(manager).build()
                    repeat(2) { client.newCall(get(api.url("/"))).execute().close() }
                    val error = assertThrows<AuthwireIOException> { client.call(get(api.url("/"))) }
                    val cause = assertInstanceOf(AuthException.RefreshLoop::class.java, error.cause)
                    assertEquals(3, cause.refreshes)
                    assertEquals(3, tokens.count, "no token request once the loop was detected")
                    assertEquals(5, api.count)
                }
            }
        }
    }

    @Test
    fun `the authenticator alone authorizes a request that carried no header`() {
        LocalServer.xtd().use { tokens ->
            resource { it == "Bearer t0" }.use { api ->
                xtdManager(tokens).use { manager ->
                    val client = OkHttpClient.Builder().authenticator(AuthwireAuthenticator(manager)).build()
                    client.newCall(get(api.url("/"))).execute().use { response ->
                        assertEquals(200, response.code)
                        assertEquals(401, response.priorResponse?.code)
                    }
                    assertEquals(listOf(null, "Bearer t0"), api.requests.map { it.header("Authorization") })
                    assertEquals(0L, manager.stats().invalidations)
                }
            }
        }
    }

    // --- CsrfInterceptor --------------------------------------------------------------------

    /**
     * An SAP API Management-style service: `X-CSRF-Token: fetch` with the right Basic
     * credentials yields token `csrf-<n>` and a session cookie; a write needs the current token
     * and its cookie, else 403 `x-csrf-token: Required`. [expire] makes the server forget the
     * current token, as when the session times out.
     */
    private class SapService(private val credentials: String = basicAuth("alice", "pw")) : AutoCloseable {
        @Volatile
        var current: String? = null
        var fetches = 0
            private set
        val writes = mutableListOf<Received>()

        val server = LocalServer { request, n -> synchronized(this) { answer(request, n) } }

        fun expire() {
            current = null
        }

        private fun answer(request: Received, n: Int) = when {
            request.header("Authorization") != credentials -> text(401, "bad credentials")
            request.header("X-CSRF-Token") == "fetch" -> {
                fetches++
                current = "csrf-$n"
                text(200)
                    .setHeader("x-csrf-token", "csrf-$n")
                    .addHeader("Set-Cookie", "SAP_SESSIONID=s$n; Path=/; HttpOnly")
                    .addHeader("Set-Cookie", "sap-usercontext=sap-client=100; path=/")
            }
            request.method == "GET" -> text(200, "read")
            request.method == "HEAD" -> text(200)
            else -> {
                writes += request
                val token = request.header("X-CSRF-Token")
                val session = current?.removePrefix("csrf-")
                if (token != null && token == current && request.header("Cookie")?.contains("SAP_SESSIONID=s$session") == true) {
                    text(201, "created with $token")
                } else {
                    text(403, "CSRF token validation failed").setHeader("x-csrf-token", "Required")
                }
            }
        }

        override fun close() = server.close()
    }

    @Test
    fun `CSRF fetch, write, 403 and refetch cycle`() {
        SapService().use { sap ->
            CsrfSession(sap.server.url("/sap/api"), "alice", "pw").use { session ->
                val client = OkHttpClient.Builder().addInterceptor(CsrfInterceptor(session)).build()
                val url = sap.server.url("/sap/api/orders")

                // A read (a safe method) gets the session's Basic header, no CSRF token, no fetch.
                assertEquals(200 to "read", client.call(get(url)))
                assertEquals(0, sap.fetches)
                assertNull(sap.server.requests.last().header("X-CSRF-Token"))
                assertEquals(basicAuth("alice", "pw"), sap.server.requests.last().header("Authorization"))
                assertNull(sap.server.requests.last().header("Cookie"), "no session cookies yet")

                // The first write fetches (HEAD, X-CSRF-Token: fetch, Basic) and sends the token.
                assertEquals(201 to "created with csrf-1", client.call(post(url)))
                val fetch = sap.server.requests[1]
                assertEquals("HEAD", fetch.method)
                assertEquals("fetch", fetch.header("X-CSRF-Token"))
                val write = sap.writes.single()
                assertEquals("csrf-1", write.header("X-CSRF-Token"))
                assertEquals("SAP_SESSIONID=s1; sap-usercontext=sap-client=100", write.header("Cookie"))
                assertEquals(basicAuth("alice", "pw"), write.header("Authorization"))
                assertEquals("""{"a":1}""", write.body)

                // Reads now carry the session cookies too, still without a token or a fetch.
                client.newCall(Request.Builder().url(url).head().build()).execute().use { assertEquals(200, it.code) }
                assertEquals("SAP_SESSIONID=s1; sap-usercontext=sap-client=100", sap.server.requests.last().header("Cookie"))
                assertNull(sap.server.requests.last().header("X-CSRF-Token"))

                // Further writes (PUT, PATCH, DELETE too) reuse the token.
                assertEquals(201, client.call(Request.Builder().url(url).put("{}".toRequestBody(jsonType)).build()).first)
                assertEquals(201, client.call(Request.Builder().url(url).patch("{}".toRequestBody(jsonType)).build()).first)
                assertEquals(201, client.call(Request.Builder().url(url).delete().build()).first)
                assertEquals(1, sap.fetches)

                // The server forgets the token: 403 Required → invalidate, refetch, one retry.
                sap.expire()
                assertEquals(201 to "created with csrf-8", client.call(post(url)))
                assertEquals(2, sap.fetches)
                assertEquals(listOf("csrf-1", "csrf-8"), sap.writes.takeLast(2).map { it.header("X-CSRF-Token") })
                assertEquals(2L, session.stats().refreshes)
                assertEquals(1L, session.stats().invalidations)
            }
        }
    }

    @Test
    fun `a write rejected again after the refetch returns its 403, no loop`() {
        // A service whose writes always fail CSRF validation.
        LocalServer { request, n ->
            if (request.header("X-CSRF-Token") == "fetch") {
                text(200).setHeader("x-csrf-token", "csrf-$n")
            } else {
                text(403).setHeader("x-csrf-token", "Required")
            }
        }.use { server ->
            CsrfSession(server.url("/sap"), "alice", "pw").use { session ->
                val client = OkHttpClient.Builder().addInterceptor(CsrfInterceptor(session)).build()
                client.newCall(post(server.url("/sap/orders"))).execute().use { response ->
                    assertEquals(403, response.code)
                    assertEquals("Required", response.header("x-csrf-token"))
                }
                // fetch, write, fetch, write: then the 403 is the caller's.
                assertEquals(listOf("HEAD", "POST", "HEAD", "POST"), server.requests.map { it.method })
                assertEquals(null, server.requests[1].header("Cookie"), "no cookies were set")
            }
        }
    }

    @Test
    fun `a 403 without x-csrf-token Required is returned as it is`() {
        LocalServer { request, n ->
            if (request.header("X-CSRF-Token") == "fetch") text(200).setHeader("x-csrf-token", "csrf-$n") else text(403, "forbidden")
        }.use { server ->
            CsrfSession(server.url("/sap"), "alice", "pw").use { session ->
                val client = OkHttpClient.Builder().addInterceptor(CsrfInterceptor(session)).build()
                assertEquals(403 to "forbidden", client.call(post(server.url("/sap/orders"))))
                assertEquals(2, server.count)
                assertEquals(0L, session.stats().invalidations)
            }
        }
    }

    @Test
    fun `a one-shot body is not sent twice, but the token is still invalidated`() {
        SapService().use { sap ->
            CsrfSession(sap.server.url("/sap/api"), "alice", "pw").use { session ->
                val client = OkHttpClient.Builder().addInterceptor(CsrfInterceptor(session)).build()
                val url = sap.server.url("/sap/api/orders")
                assertEquals(201, client.call(post(url)).first)
                sap.expire()
                val oneShot = object : RequestBody() {
                    override fun contentType() = jsonType

                    override fun writeTo(sink: BufferedSink) {
                        sink.writeUtf8("{}")
                    }

                    override fun isOneShot() = true
                }
                assertEquals(403, client.call(Request.Builder().url(url).post(oneShot).build()).first)
                assertEquals(1, sap.writes.count { it.body == "{}" }, "the one-shot body was sent once")
                assertEquals(1L, session.stats().invalidations)
                // invalidate() started the refetch; the next write uses its token and succeeds.
                assertEquals(201, client.call(post(url)).first)
                assertEquals(2, sap.fetches)
            }
        }
    }

    @Test
    fun `the session cookies are appended to a Cookie header the request has`() {
        SapService().use { sap ->
            CsrfSession(sap.server.url("/sap/api"), "alice", "pw", fetchMethod = CsrfFetchMethod.GET).use { session ->
                val client = OkHttpClient.Builder().addInterceptor(CsrfInterceptor(session)).build()
                val request = Request.Builder().url(sap.server.url("/sap/api/orders"))
                    .header("Cookie", "theme=dark")
                    .post("{}".toRequestBody(jsonType))
                    .build()
                assertEquals(201, client.call(request).first)
                assertEquals("GET", sap.server.requests.first().method)
                assertEquals("theme=dark; SAP_SESSIONID=s0; sap-usercontext=sap-client=100", sap.writes.single().header("Cookie"))
            }
        }
    }

    @Test
    fun `wrong CSRF credentials fail the write with AuthwireIOException Unauthorized`() {
        SapService().use { sap ->
            CsrfSession(sap.server.url("/sap/api"), "alice", "wrong").use { session ->
                val client = OkHttpClient.Builder().addInterceptor(CsrfInterceptor(session)).build()
                val error = assertThrows<AuthwireIOException> { client.call(post(sap.server.url("/sap/api/orders"))) }
                assertInstanceOf(AuthException.Unauthorized::class.java, error.cause)
                assertFalse(error.message!!.contains("wrong"), error.message)
                assertTrue(sap.writes.isEmpty())
            }
        }
    }

    @Test
    fun `CSRF and a token manager together - reads and writes authorized`() {
        // Reads through AuthwireInterceptor with a fixed Basic header, writes through CsrfInterceptor.
        SapService().use { sap ->
            CsrfSession(sap.server.url("/sap/api"), "alice", "pw").use { session ->
                val client = OkHttpClient.Builder()
                    .addInterceptor(CsrfInterceptor(session))
                    .addInterceptor(AuthwireInterceptor { basicAuth("alice", "pw") })
                    .build()
                val url = sap.server.url("/sap/api/orders")
                assertEquals(200 to "read", client.call(get(url)))
                assertEquals(201, client.call(post(url)).first)
            }
        }
    }
}
