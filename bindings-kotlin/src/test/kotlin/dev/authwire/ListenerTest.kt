package dev.authwire

import dev.authwire.okhttp.AuthwireIOException
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.PrintWriter
import java.io.StringWriter
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.logging.Handler
import java.util.logging.Level
import java.util.logging.LogRecord
import java.util.logging.Logger

private const val REDACTED = "[redacted]"

/**
 * A Kotlin [AuthListener] receives the manager's events from the library's threads, and no
 * event, `toString()` or error of the token manager and CSRF session shows a secret, even
 * when the server echoes the request in its error messages.
 */
class ListenerTest {
    private class Recorder : AuthListener {
        val events = ConcurrentLinkedQueue<AuthEvent>()
        val threads: MutableSet<String> = java.util.concurrent.ConcurrentHashMap.newKeySet()

        override fun onEvent(event: AuthEvent) {
            events += event
            threads += Thread.currentThread().name
        }
    }

    private fun renderings(error: Throwable): List<String> {
        val trace = StringWriter().also { error.printStackTrace(PrintWriter(it)) }.toString()
        return listOfNotNull(error.toString(), error.message, (error as? AuthException)?.message, trace)
    }

    private fun assertNoSecret(texts: List<String>, secrets: List<String>) {
        for (text in texts) {
            for (secret in secrets) {
                assertFalse(text.contains(secret), "a secret of ${secret.length} characters shows in: $text")
            }
        }
    }

    @Test
    fun `events reach a Kotlin listener and none of them, nor any error or toString, shows a secret`() {
        val token = "tok-SECRET-0"
        // The server echoes the request body, which holds the API key, in its error messages.
        LocalServer { request, n ->
            when (n) {
                0 -> json(200, JSONObject().put("token", token).put("expirationTime", 300))
                1 -> json(503, JSONObject().put("message", "echo ${request.body}"))
                else -> json(401, JSONObject().put("message", "bad key ${request.body}"))
            }
        }.use { server ->
            xtdManager(server, fastRetries()).use { manager ->
                val recorder = Recorder()
                manager.setListener(recorder)
                val access = manager.tokenBlocking()
                assertTrue(manager.invalidate(access.value))
                val error = assertThrows<AuthException.Unauthorized> { manager.authorizationBlocking() }
                assertTrue(error.serverMessage.contains(REDACTED), error.serverMessage)

                val events = recorder.events.toList()
                val kinds = events.map { it::class.simpleName }.toSet()
                assertEquals(
                    setOf("TokenRequested", "TokenRefreshed", "TokenInvalidated", "RefreshRetrying", "RefreshFailed"),
                    kinds,
                    "$events",
                )
                assertEquals(AuthEvent.TokenRequested(1), events.first())
                val refreshed = events.filterIsInstance<AuthEvent.TokenRefreshed>().single()
                assertEquals(300_000L, refreshed.lifetime.inWholeMilliseconds)
                val retrying = events.filterIsInstance<AuthEvent.RefreshRetrying>().single()
                assertTrue(retrying.reason.startsWith("server error (HTTP 503): echo"), retrying.reason)
                val failed = events.filterIsInstance<AuthEvent.RefreshFailed>().single()
                assertEquals(error.message, failed.reason)
                assertFalse(failed.servingStale)
                // The refresh runs on the library's own threads, not the caller's.
                assertTrue(recorder.threads.any { it != Thread.currentThread().name }, "${recorder.threads}")

                val texts = renderings(error) + events.map { it.toString() } + listOf(
                    manager.toString(),
                    access.toString(),
                    manager.stats().toString(),
                )
                assertNoSecret(texts, listOf(TEST_KEY, token))
                assertTrue(access.toString().contains("<redacted>"), access.toString())
                assertEquals("TokenManager(api_key_exchange, credentials=[redacted])", manager.toString())

                // Removing the listener stops the events.
                manager.setListener(null)
                val seen = recorder.events.size
                runCatching { manager.authorizationBlocking() }
                assertEquals(seen, recorder.events.size)
            }
        }
    }

    @Test
    fun `client credentials echoed in a form body do not show in the error`() {
        val secret = "cl1ent-S3CRET-value"
        LocalServer { request, _ -> json(400, JSONObject().put("error", "invalid_request").put("error_description", "got ${request.body}")) }
            .use { server ->
                val manager = TokenManager.clientCredentials(
                    server.url("/oauth/token"),
                    "my-client-id",
                    secret,
                    authMethod = ClientAuthMethod.CLIENT_SECRET_POST,
                )
                val events = ConcurrentLinkedQueue<AuthEvent>()
                manager.setListener(AuthListener { events += it })
                val error = assertThrows<AuthException.OAuth> { manager.authorizationBlocking() }
                assertTrue(error.description.contains(REDACTED), error.description)
                assertNoSecret(renderings(error) + events.map { it.toString() }, listOf(secret, "my-client-id"))
                manager.close()
            }
    }

    /**
     * A server echoing the `Authorization` header puts the Basic value's base64 part in its
     * error text: the core scrubs that form too, not only the raw id and secret.
     */
    @Test
    fun `a server echoing the Authorization header does not show the Basic credentials`() {
        val secret = "cl1ent-S3CRET-value"
        val echo = { request: Received, _: Int ->
            json(400, JSONObject().put("error", "invalid_client").put("error_description", "got ${request.header("Authorization")?.substringAfter(' ')}"))
        }
        LocalServer(echo).use { server ->
            TokenManager.clientCredentials(server.url("/oauth/token"), "my-client-id", secret).use { manager ->
                val error = assertThrows<AuthException.OAuth> { manager.authorizationBlocking() }
                assertNoSecret(renderings(error), listOf(basicAuth("my-client-id", secret).substringAfter(' ')))
            }
        }
        LocalServer(echo).use { server ->
            CsrfSession(server.url("/sap"), "alice", "pa55-SECRET", fetchMethod = CsrfFetchMethod.GET).use { session ->
                val error = assertThrows<AuthException> { session.headersBlocking() }
                assertNoSecret(renderings(error), listOf(basicAuth("alice", "pa55-SECRET").substringAfter(' ')))
            }
        }
    }

    @Test
    fun `CSRF session and headers print no credential, token or cookie`() {
        LocalServer { _, n ->
            text(200).setHeader("x-csrf-token", "csrf-SECRET-$n").addHeader("Set-Cookie", "SAP_SESSIONID=sess-SECRET-$n; Path=/")
        }.use { server ->
            CsrfSession(server.url("/sap/api"), "alice", "pa55-SECRET").use { session ->
                val events = ConcurrentLinkedQueue<AuthEvent>()
                session.setListener(AuthListener { events += it })
                session.headersBlocking().let { headers ->
                    assertEquals("csrf-SECRET-0", headers.csrfToken)
                    assertEquals(
                        "CsrfHeaders(csrfToken=<redacted>, cookie=<redacted>, authorization=<redacted>)",
                        headers.toString(),
                    )
                    val texts = listOf(headers.toString(), session.toString()) + events.map { it.toString() }
                    assertNoSecret(texts, listOf("csrf-SECRET-0", "sess-SECRET-0", "pa55-SECRET", basicAuth("alice", "pa55-SECRET")))
                }
                assertTrue(events.any { it is AuthEvent.TokenRefreshed }, "$events")
            }
        }
    }

    @Test
    fun `AuthwireIOException shows the core's sentence, never the secret`() {
        LocalServer { request, _ -> json(401, JSONObject().put("message", "bad key ${request.body}")) }.use { server ->
            xtdManager(server).use { manager ->
                val error = assertThrows<AuthException> { manager.authorizationBlocking() }
                val wrapped = AuthwireIOException(error)
                assertEquals(error.message, wrapped.message)
                assertNoSecret(renderings(wrapped), listOf(TEST_KEY))
            }
        }
    }

    @Test
    fun `a listener that throws does not break the manager, and its exception is logged`() {
        val logger = Logger.getLogger("dev.authwire")
        val logged = ConcurrentLinkedQueue<LogRecord>()
        val handler = object : Handler() {
            override fun publish(record: LogRecord) {
                logged += record
            }

            override fun flush() {}

            override fun close() {}
        }
        logger.addHandler(handler)
        val useParent = logger.useParentHandlers
        logger.useParentHandlers = false
        try {
            LocalServer.xtd().use { server ->
                xtdManager(server).use { manager ->
                    manager.setListener(AuthListener { throw IllegalStateException("listener bug") })
                    assertEquals("Bearer t0", manager.authorizationBlocking())
                    assertTrue(manager.invalidate("Bearer t0"))
                    assertEquals("Bearer t1", manager.authorizationBlocking())
                    assertEquals(2, server.count)
                }
            }
        } finally {
            logger.removeHandler(handler)
            logger.useParentHandlers = useParent
        }
        assertTrue(logged.size >= 4, "${logged.map { it.message }}")
        val record = logged.first()
        assertEquals(Level.WARNING, record.level)
        assertEquals("listener bug", record.thrown?.message)
    }
}
