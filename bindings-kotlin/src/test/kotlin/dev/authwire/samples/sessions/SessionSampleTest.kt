package dev.authwire.samples.sessions

import dev.authwire.AuthException
import dev.authwire.SessionServers
import dev.authwire.okhttp.AuthwireIOException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import okhttp3.Request
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList

/**
 * The user-session sample (`SessionSample.kt`, shown in the README) against django-oauth-toolkit
 * (`tests/scenarios/session_servers.py`): a PKCE sign-in through the browser stand-in, a
 * session shared by two managers over one store, the OkHttp client's sign-in callback, a
 * hand-over, and the device flow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionSampleTest {
    private lateinit var servers: SessionServers

    @TempDir
    lateinit var dir: Path

    @BeforeAll
    fun start() {
        val missing = SessionServers.missing
        assumeTrue(missing == null) { "SessionSampleTest skipped: $missing" }
        servers = SessionServers(accessLifetimeSeconds = 2)
        assertEquals(CLIENT_ID, servers.clientId, "the sample's client id is the test servers' public client")
    }

    @AfterAll
    fun stop() {
        if (::servers.isInitialized) servers.close()
    }

    @Test
    fun `sign in, share the session, call the API, sign out`() = runBlocking {
        val server = servers.servers.getValue("dot")
        val tokens = signIn(server.authorize, server.token) { url -> servers.browser(server, url) }
        val place = SessionPlace(Files.createDirectories(dir.resolve("app")))
        val signedOut = CopyOnWriteArrayList<String>()
        session(server.token, place, tokens).use { app ->
            val client = client(app) { reason -> signedOut += reason }
            client.newCall(Request.Builder().url(server.resource).build()).execute().use { assertEquals(200, it.code) }
            // Another process of the app: the same store and key, no tokens.
            session(server.token, SessionPlace(dir.resolve("app")), null).use { widget ->
                assertTrue(widget.authorization().startsWith("Bearer "))
                signOut(app)
                delay(1_500)
                runCatching { widget.authorization() }
                delay(1_200)
                assertThrows<AuthException.SignInRequired> { widget.authorization() }
            }
            val e = assertThrows<AuthwireIOException> { client.newCall(Request.Builder().url(server.resource).build()).execute().close() }
            assertInstanceOf(AuthException.SignInRequired::class.java, e.cause)
            assertEquals(1, signedOut.size)
        }
    }

    @Test
    fun `a hand-over from another SDK`() = runBlocking {
        val server = servers.servers.getValue("authlib")
        val signedIn = servers.signIn(server)
        val tokens = handOver(signedIn.accessToken, signedIn.refreshToken, System.currentTimeMillis() + 2_000)
        session(server.token, SessionPlace(Files.createDirectories(dir.resolve("handover"))), tokens).use { session ->
            assertEquals("Bearer ${signedIn.accessToken}", session.authorization())
            delay(2_500)
            assertEquals(200, servers.resourceStatus(server, session.authorization()))
        }
    }

    @Test
    fun `the device flow sample`() = runBlocking {
        val server = servers.servers.getValue("dot")
        servers.control(server, "device/script", JSONObject().put("interval", 1))
        val printed = ByteArrayOutputStream()
        val stdout = System.out
        System.setOut(PrintStream(printed, true))
        val tokens = try {
            val waiting = async(Dispatchers.IO) { deviceSignIn(server.device, server.token) }
            val userCode = withTimeout(10_000) {
                var code: String? = null
                while (code == null) {
                    delay(100)
                    code = Regex("enter (\\S+)").find(printed.toString())?.groupValues?.get(1)
                }
                code
            }
            servers.control(server, "device/approve", JSONObject().put("user_code", userCode))
            withTimeout(15_000) { waiting.await() }
        } finally {
            System.setOut(stdout)
        }
        assertTrue(printed.toString().startsWith("Go to https://"), printed.toString())
        assertTrue(tokens.refreshToken.isNotEmpty())
    }
}
