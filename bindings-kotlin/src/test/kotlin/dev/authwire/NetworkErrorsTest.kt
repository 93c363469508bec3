package dev.authwire

import dev.authwire.okhttp.OkHttpTransport
import okhttp3.OkHttpClient
import okhttp3.mockwebserver.SocketPolicy
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.Proxy
import java.net.ServerSocket
import java.nio.charset.StandardCharsets
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlin.time.Duration.Companion.milliseconds

/**
 * Network and TLS failures through the built-in client (`builtin`) and through
 * [OkHttpTransport] (`okhttp`), against real servers on 127.0.0.1 (`tests/scenarios/tls_servers.py`:
 * a test CA from `trustme`, certificates that are untrusted, expired or for another name, a
 * server that resets the connection mid-answer, a closed port; see [TlsServers]) and a name
 * in the `.invalid` domain. Each case checks the typed kind, the number of attempts (and the
 * TLS handshakes the server saw), the time to fail (printed), the listener's events and the
 * message: it names the host, says what to do and never shows the API key.
 *
 * The test CA is trusted the way each client is given a private CA: the built-in client
 * through `SSL_CERT_FILE` (set by surefire), OkHttp through `sslSocketFactory` with a trust
 * manager over the CA file ([TlsServers.okHttpClientTrustingCa]).
 */
class NetworkErrorsTest {
    /** What one failed `authorization()` looked like. */
    private class Failure(val error: AuthException.Network, val took: Duration, val requests: Long, val events: List<AuthEvent>)

    /**
     * One `authorization()` for [url] through [transport] (`builtin` or `okhttp`, the latter
     * with [client]), with a backoff long enough that a retry shows in the time to fail.
     */
    private fun fail(
        transport: String,
        url: String,
        client: OkHttpClient? = null,
        connectTimeoutMs: Long = 5_000L,
        requestTimeoutMs: Long = 5_000L,
    ): Failure {
        val options = TokenOptions(
            maxAttempts = ATTEMPTS,
            backoffInitial = 400L.milliseconds,
            backoffMax = 400L.milliseconds,
            connectTimeout = connectTimeoutMs.milliseconds,
            requestTimeout = requestTimeoutMs.milliseconds,
            transport = when (transport) {
                "builtin" -> null
                "okhttp" -> OkHttpTransport(client ?: TlsServers.okHttpClientTrustingCa())
                else -> error("unknown transport $transport")
            },
        )
        val manager = ApiKey.fromEncodedKey(ENCODED_KEY).let { TokenManager.apiKeyExchange(url, it, options) }
        return manager.use {
            val events = ConcurrentLinkedQueue<AuthEvent>()
            manager.setListener(AuthListener { events += it })
            val started = TimeSource.Monotonic.markNow()
            val error = assertThrows<AuthException> { manager.authorizationBlocking() }
            val took = started.elapsedNow()
            assertInstanceOf(AuthException.Network::class.java, error, error.message)
            val failure = Failure(error as AuthException.Network, took, manager.stats().tokenRequests, events.toList())
            println("$transport $url: ${error.kind} after ${failure.requests} attempt(s) in ${took.inWholeMilliseconds} ms: ${error.message}")
            failure
        }
    }

    /** A failure that retrying cannot fix: one attempt, no retry event, no backoff waited. */
    private fun assertPermanent(failure: Failure, kind: NetworkErrorKind) {
        assertEquals(kind, failure.error.kind, failure.error.message)
        assertEquals(kind, failure.error.networkKind)
        assertFalse(kind.isRetried)
        assertEquals(1L, failure.requests, "not retried")
        assertTrue(failure.events.none { it is AuthEvent.RefreshRetrying }, "${failure.events}")
        assertEquals(listOf(kind), failure.events.filterIsInstance<AuthEvent.RefreshFailed>().map { it.networkKind }, "${failure.events}")
        // Well under one backoff step (400 ms) plus a retry.
        assertTrue(failure.took < 2.seconds, "${failure.took}")
        assertFalse(ENCODED_KEY in failure.error.message, failure.error.message)
    }

    /** A failure that may recover: every attempt made, each retry reported with its kind. */
    private fun assertRetried(failure: Failure, kind: NetworkErrorKind) {
        assertEquals(kind, failure.error.kind, failure.error.message)
        assertTrue(kind.isRetried)
        assertEquals(ATTEMPTS.toLong(), failure.requests)
        val retries = failure.events.filterIsInstance<AuthEvent.RefreshRetrying>()
        assertEquals(List(ATTEMPTS.toInt() - 1) { kind }, retries.map { it.networkKind }, "${failure.events}")
        assertEquals(listOf(kind), failure.events.filterIsInstance<AuthEvent.RefreshFailed>().map { it.networkKind })
        assertTrue(failure.error.message.endsWith("retry later"), failure.error.message)
        assertFalse(ENCODED_KEY in failure.error.message, failure.error.message)
    }

    private fun assertContains(text: String, part: String) = assertTrue(part in text, "'$part' not in: $text")

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a certificate from an unknown CA fails at once and says how to trust a CA`(transport: String) {
        val before = TlsServers.accepts("untrusted")
        val failure = fail(transport, TlsServers.tokenUrl("untrusted"))
        assertPermanent(failure, NetworkErrorKind.CERTIFICATE_UNTRUSTED)
        val message = failure.error.message
        assertTrue(
            message.startsWith("network error: the TLS certificate of 127.0.0.1:${TlsServers.port("untrusted")} is not trusted (unknown issuer)"),
            message,
        )
        assertContains(message, "add your organisation's CA to the system trust store or set SSL_CERT_FILE")
        assertEquals(1, TlsServers.accepts("untrusted") - before, "one TLS handshake")
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `an expired certificate fails at once`(transport: String) {
        val before = TlsServers.accepts("expired")
        val failure = fail(transport, TlsServers.tokenUrl("expired"))
        assertPermanent(failure, NetworkErrorKind.CERTIFICATE_EXPIRED)
        val message = failure.error.message
        assertContains(message, "the TLS certificate of 127.0.0.1:${TlsServers.port("expired")} has expired or is not yet valid")
        assertContains(message, "check this device's date and time")
        assertEquals(1, TlsServers.accepts("expired") - before)
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a certificate for another name fails at once`(transport: String) {
        val before = TlsServers.accepts("wrong_name")
        val failure = fail(transport, TlsServers.tokenUrl("wrong_name"))
        assertPermanent(failure, NetworkErrorKind.CERTIFICATE_WRONG_NAME)
        val message = failure.error.message
        assertContains(message, "the TLS certificate of 127.0.0.1:${TlsServers.port("wrong_name")} was issued for another name")
        assertContains(message, "check the host name in the URL")
        assertContains(message, "wrong-name.example")
        assertEquals(1, TlsServers.accepts("wrong_name") - before)
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `the CA trusted through the client's own set-up gives a token`(transport: String) {
        val options = when (transport) {
            "builtin" -> {
                assertEquals(
                    TlsServers.caFile.toRealPath(),
                    System.getenv("SSL_CERT_FILE")?.let { java.nio.file.Path.of(it).toRealPath() },
                    "surefire sets SSL_CERT_FILE to the CA that tls_servers.py writes (see pom.xml)",
                )
                null
            }
            else -> TokenOptions(transport = OkHttpTransport(TlsServers.okHttpClientTrustingCa()))
        }
        val before = TlsServers.accepts("trusted")
        val manager = ApiKey.fromEncodedKey(ENCODED_KEY).let { TokenManager.apiKeyExchange(TlsServers.tokenUrl("trusted"), it, options) }
        manager.use {
            val header = it.authorizationBlocking()
            assertTrue(header.startsWith("Bearer tls-token-"), header)
            assertEquals(1L, it.stats().tokenRequests)
        }
        assertEquals(1, TlsServers.accepts("trusted") - before)
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a name that does not resolve fails at once`(transport: String) {
        val failure = fail(transport, TlsServers.tokenUrl("not_resolving"))
        assertPermanent(failure, NetworkErrorKind.NAME_NOT_RESOLVED)
        val message = failure.error.message
        assertTrue(message.startsWith("network error: no-such-host.invalid did not resolve (no such host name)"), message)
        assertTrue(message.endsWith("check the URL"), message)
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a closed port is retried, then reported as refused`(transport: String) {
        val failure = fail(transport, TlsServers.tokenUrl("closed"))
        assertRetried(failure, NetworkErrorKind.CONNECTION_REFUSED)
        assertContains(failure.error.message, "could not connect to http://127.0.0.1:${TlsServers.port("closed")} (refused or unreachable)")
        assertContains(failure.error.message, "check that the server is up and the port is right")
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a connection reset mid-answer is retried, then reported`(transport: String) {
        val before = TlsServers.accepts("reset")
        val failure = fail(transport, TlsServers.tokenUrl("reset"))
        assertRetried(failure, NetworkErrorKind.CONNECTION_RESET)
        assertContains(
            failure.error.message,
            "the connection to http://127.0.0.1:${TlsServers.port("reset")} was reset before the answer was complete",
        )
        assertEquals(ATTEMPTS.toInt(), TlsServers.accepts("reset") - before)
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a port that speaks plain HTTP to an https URL is a handshake failure, not retried`(transport: String) {
        // The stats server speaks plain HTTP.
        val failure = fail(transport, "https://127.0.0.1:${TlsServers.port("stats")}/v1/token")
        assertPermanent(failure, NetworkErrorKind.TLS_HANDSHAKE)
        assertContains(failure.error.message, "the TLS handshake with 127.0.0.1:${TlsServers.port("stats")} failed")
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a connection that cannot be opened in time is a connect timeout, retried`(transport: String) {
        FullBacklog().use { backlog ->
            // The built-in client takes connectTimeoutMs; OkHttp its own connectTimeout.
            val client = OkHttpClient.Builder().connectTimeout(300, TimeUnit.MILLISECONDS).build()
            val failure = fail(transport, "${backlog.url}/v1/token", client = client, connectTimeoutMs = 300L)
            assertRetried(failure, NetworkErrorKind.CONNECT_TIMEOUT)
            assertContains(failure.error.message, "could not connect to ${backlog.url} in time")
        }
    }

    @ParameterizedTest
    @ValueSource(strings = ["builtin", "okhttp"])
    fun `a server that never answers is a read timeout, retried`(transport: String) {
        LocalServer { _, _ -> text(200, "{}").setSocketPolicy(SocketPolicy.NO_RESPONSE) }.use { server ->
            // The built-in client runs into the manager's request timeout; OkHttp into its own
            // read timeout first.
            val client = OkHttpClient.Builder().readTimeout(300, TimeUnit.MILLISECONDS).build()
            val requestTimeoutMs = if (transport == "builtin") 300L else 5_000L
            val failure = fail(transport, server.url("/v1/token"), client = client, requestTimeoutMs = requestTimeoutMs)
            assertRetried(failure, NetworkErrorKind.READ_TIMEOUT)
            assertEquals(ATTEMPTS.toInt(), server.count)
        }
    }

    @Test
    fun `OkHttp through a proxy that refuses connections reports the proxy, retried`() {
        val proxy = Proxy(Proxy.Type.HTTP, InetSocketAddress("127.0.0.1", TlsServers.port("closed")))
        val client = TlsServers.okHttpClientTrustingCa().newBuilder().proxy(proxy).build()
        val failure = fail("okhttp", TlsServers.tokenUrl("trusted"), client = client)
        assertRetried(failure, NetworkErrorKind.PROXY)
        assertContains(failure.error.message, "the proxy failed the request to https://127.0.0.1:${TlsServers.port("trusted")}")
        assertContains(failure.error.message, "check the proxy settings")
    }

    @Test
    fun `OkHttp through a proxy that refuses the CONNECT tunnel reports the proxy, retried`() {
        val tunnels = AtomicInteger()
        ServerSocket(0, 50, InetAddress.getByName("127.0.0.1")).use { proxyServer ->
            // A proxy that answers every CONNECT with 403.
            val acceptor = thread(isDaemon = true) {
                while (!proxyServer.isClosed) {
                    val socket = runCatching { proxyServer.accept() }.getOrNull() ?: break
                    socket.use {
                        val head = it.getInputStream().bufferedReader(StandardCharsets.ISO_8859_1)
                        val requestLine = head.readLine().orEmpty()
                        while (head.readLine().orEmpty().isNotEmpty()) continue
                        if (requestLine.startsWith("CONNECT ")) tunnels.incrementAndGet()
                        it.getOutputStream().write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".toByteArray())
                    }
                }
            }
            val proxy = Proxy(Proxy.Type.HTTP, InetSocketAddress("127.0.0.1", proxyServer.localPort))
            val client = TlsServers.okHttpClientTrustingCa().newBuilder().proxy(proxy).build()
            val failure = fail("okhttp", TlsServers.tokenUrl("trusted"), client = client)
            assertRetried(failure, NetworkErrorKind.PROXY)
            assertContains(failure.error.message, "Unexpected response code for CONNECT: 403")
            assertEquals(ATTEMPTS.toInt(), tunnels.get())
            proxyServer.close()
            acceptor.join(2_000)
        }
    }

    private companion object {
        const val ENCODED_KEY = "tls-test-key-Vq93x"
        const val ATTEMPTS = 3
    }
}
