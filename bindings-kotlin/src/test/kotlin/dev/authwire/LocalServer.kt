package dev.authwire

import okhttp3.Headers
import okhttp3.mockwebserver.Dispatcher
import okhttp3.mockwebserver.MockResponse
import okhttp3.mockwebserver.MockWebServer
import okhttp3.mockwebserver.RecordedRequest
import org.json.JSONObject
import java.net.InetAddress
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds

/** A request as the server saw it; the body is read once, as UTF-8. */
class Received(val method: String, val path: String, val headers: Headers, val body: String) {
    fun header(name: String): String? = headers[name]
}

/**
 * A real HTTP/1.1 server on 127.0.0.1 (okhttp3 mockwebserver with a [Dispatcher]): every
 * request is answered by [handler] with its 0-based sequence number, and recorded.
 *
 * The handler runs on the server's connection threads, concurrently for parallel requests.
 */
class LocalServer(private val handler: (Received, Int) -> MockResponse) : AutoCloseable {
    private val server = MockWebServer()
    private val counter = AtomicInteger()

    /** Every request received so far, in arrival order. */
    val requests: MutableList<Received> = CopyOnWriteArrayList()

    init {
        server.dispatcher = object : Dispatcher() {
            override fun dispatch(request: RecordedRequest): MockResponse {
                val received = Received(
                    request.method ?: "?",
                    request.path ?: "?",
                    request.headers,
                    request.body.readUtf8(),
                )
                requests += received
                return handler(received, counter.getAndIncrement())
            }
        }
        server.start(InetAddress.getByName("127.0.0.1"), 0)
    }

    /** The number of requests received. */
    val count: Int get() = counter.get()

    /** `http://127.0.0.1:<port><path>`: loopback, which the core accepts without TLS. */
    fun url(path: String): String = "http://127.0.0.1:${server.port}$path"

    override fun close() = server.shutdown()

    companion object {
        /** An XTD-shaped token server: token `t<n>` for the n-th request, living [lifetimeSecs]. */
        fun xtd(lifetimeSecs: Double = 300.0, delayMs: Long = 0): LocalServer = LocalServer { _, n ->
            json(200, JSONObject().put("token", "t$n").put("expirationTime", lifetimeSecs)).after(delayMs)
        }
    }
}

fun json(status: Int, body: Any?): MockResponse =
    MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body.toString())

fun text(status: Int, body: String = ""): MockResponse = MockResponse().setResponseCode(status).setBody(body)

/** Answers only after [millis] (a slow server). */
fun MockResponse.after(millis: Long): MockResponse = setHeadersDelay(millis, TimeUnit.MILLISECONDS)

/** The XTD API key used by the token manager tests (from the shared vectors' first key file). */
val TEST_KEY: String by lazy { Vectors.section("api_key_file")[0].getJSONObject("json").getString("encodedKey") }

/** An XTD token manager for [server]'s `/v1/token`. */
fun xtdManager(server: LocalServer, options: TokenOptions? = null): TokenManager =
    ApiKey.fromEncodedKey(TEST_KEY).let { TokenManager.apiKeyExchange(server.url("/v1/token"), it, options) }

/** Quick retries, so retry tests take milliseconds. */
fun fastRetries(): TokenOptions = TokenOptions(backoffInitial = 20L.milliseconds, backoffMax = 100L.milliseconds)
