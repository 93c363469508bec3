package dev.authwire

import dev.authwire.okhttp.AuthwireIOException
import dev.authwire.okhttp.authwire
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import okhttp3.OkHttpClient
import okhttp3.Request
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors
import java.util.concurrent.Future
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

/**
 * User sessions against real authorization servers with rotation and reuse detection on
 * (`tests/scenarios/session_servers.py`: Authlib and django-oauth-toolkit, 2-second access
 * tokens): PKCE sign-in, refresh, the sign-in's failures, the device flow, the OkHttp
 * integration's sign-in-required path, and redaction.
 *
 * Needs a Python with the test servers' packages (see [testPython]); skipped without it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionServersTest {
    private lateinit var servers: SessionServers

    @BeforeAll
    fun start() {
        val missing = SessionServers.missing
        assumeTrue(missing == null) { "SessionServersTest skipped: $missing" }
        servers = SessionServers(accessLifetimeSeconds = 2)
    }

    @AfterAll
    fun stop() {
        if (::servers.isInitialized) servers.close()
    }

    private fun each(name: String, test: (SessionServers.Server) -> Unit) =
        listOf("authlib", "dot").map { server -> dynamicTest("$name ($server)") { test(servers.servers.getValue(server)) } }

    private fun session(server: SessionServers.Server, tokens: SessionTokens) =
        TokenManager.userSession(server.token, servers.clientId, tokens, revocationUrl = server.revoke)

    @TestFactory
    fun `PKCE sign-in, then the session refreshes after the 2-second lifetime`() = each("blocking") { server ->
        val tokens = servers.signIn(server)
        assertTrue(tokens.expiresIn!! <= 2.seconds, tokens.toString())
        session(server, tokens).use { session ->
            val first = session.authorizationBlocking()
            assertEquals("Bearer ${tokens.accessToken}", first)
            assertEquals(200, servers.resourceStatus(server, first))
            Thread.sleep(2_500)
            val second = session.authorizationBlocking()
            assertNotEquals(first, second)
            assertEquals(200, servers.resourceStatus(server, second))
            assertTrue(session.stats().refreshes >= 1, session.stats().toString())
        }
    } + each("suspending") { server ->
        runBlocking {
            val tokens = servers.codeFlow(server).use { flow -> flow.finish(servers.browser(server, flow.authorizationUrl)) }
            session(server, tokens).use { session ->
                val first = session.authorization()
                delay(2_500)
                val second = session.authorization()
                assertNotEquals(first, second)
                assertEquals(200, servers.resourceStatus(server, second))
                session.signOut()
                assertThrows<AuthException.SignInRequired> { session.authorization() }
            }
        }
    }

    @TestFactory
    fun `a tampered state, a replayed code and a refusal fail as they should`() = each("failures") { server ->
        servers.codeFlow(server).use { flow ->
            val location = servers.browser(server, flow.authorizationUrl)
            val tampered = location.replace(Regex("state=([^&]+)")) { "state=${it.groupValues[1]}x" }
            assertThrows<AuthException.InvalidResponse> { flow.finishBlocking(tampered) }
            val tokens = flow.finishBlocking(location)
            assertTrue(tokens.refreshToken.isNotEmpty())
            val replay = assertThrows<AuthException.OAuth> { flow.finishBlocking(location) }
            assertEquals("invalid_grant", replay.error)
            val code = Regex("code=([^&]+)").find(location)!!.groupValues[1]
            for (text in listOf(replay.message, replay.toString(), flow.toString())) {
                assertFalse(code in text, text)
            }
        }
        servers.codeFlow(server).use { flow ->
            val refused = servers.browser(server, flow.authorizationUrl, deny = true)
            val denied = assertThrows<AuthException.OAuth> { flow.finishBlocking(refused) }
            assertEquals("access_denied", denied.error)
        }
    }

    private fun deviceFlow(server: SessionServers.Server) =
        DeviceAuthorizationFlow(server.device, server.token, servers.clientId, servers.scopes)

    @TestFactory
    fun `device flow - pending, then approved`() = each("approve") { server ->
        servers.control(server, "device/script", JSONObject().put("interval", 1))
        deviceFlow(server).use { flow ->
            val code = flow.startBlocking()
            assertEquals(1.seconds, code.interval)
            assertTrue(code.expiresIn > 0.seconds)
            assertTrue(code.verificationUri.startsWith("https://"), code.verificationUri)
            val pool = Executors.newSingleThreadExecutor()
            try {
                val waiting: Future<SessionTokens> = pool.submit<SessionTokens> { flow.waitBlocking() }
                Thread.sleep(2_200)
                assertFalse(waiting.isDone, "still pending")
                servers.control(server, "device/approve", JSONObject().put("user_code", code.userCode))
                val tokens = waiting.get(10, TimeUnit.SECONDS)
                session(server, tokens).use { assertEquals(200, servers.resourceStatus(server, it.authorizationBlocking())) }
            } finally {
                pool.shutdownNow()
            }
        }
    }

    @TestFactory
    fun `device flow - slow_down adds 5 seconds, denied and expired fail`() = each("slow_down") { server ->
        servers.control(server, "device/script", JSONObject().put("interval", 1).put("slow_down", 1))
        deviceFlow(server).use { flow ->
            val code = flow.startBlocking()
            val started = System.nanoTime()
            runBlocking {
                val waiting = async(Dispatchers.IO) { flow.wait() }
                delay(1_500)
                servers.control(server, "device/approve", JSONObject().put("user_code", code.userCode))
                withTimeout(20_000) { waiting.await() }
            }
            val waited = (System.nanoTime() - started) / 1_000_000
            assertTrue(waited >= 5_500, "slow_down: waited $waited ms")
        }
        servers.control(server, "device/script", JSONObject().put("interval", 1))
        deviceFlow(server).use { flow ->
            val code = flow.startBlocking()
            servers.control(server, "device/deny", JSONObject().put("user_code", code.userCode))
            assertEquals("access_denied", assertThrows<AuthException.OAuth> { flow.waitBlocking() }.error)
        }
        servers.control(server, "device/script", JSONObject().put("interval", 1).put("expires_in", 2))
        deviceFlow(server).use { flow ->
            flow.startBlocking()
            assertEquals("expired_token", assertThrows<AuthException.OAuth> { flow.waitBlocking() }.error)
        }
    }

    @TestFactory
    fun `device flow - cancelling the coroutine or calling cancel stops the polls`() = each("cancel") { server ->
        servers.control(server, "device/script", JSONObject().put("interval", 1))
        deviceFlow(server).use { flow ->
            flow.startBlocking()
            runBlocking {
                val waiting = async(Dispatchers.IO) { flow.wait() }
                delay(1_500)
                waiting.cancel()
            }
            val polls = servers.stats(server).getInt("device_polls")
            Thread.sleep(2_500)
            assertEquals(polls, servers.stats(server).getInt("device_polls"), "no poll after the coroutine was cancelled")
        }
        deviceFlow(server).use { flow ->
            flow.startBlocking()
            val pool = Executors.newSingleThreadExecutor()
            try {
                val waiting = pool.submit<SessionTokens> { flow.waitBlocking() }
                Thread.sleep(1_200)
                flow.cancel()
                val e = assertThrows<java.util.concurrent.ExecutionException> { waiting.get(5, TimeUnit.SECONDS) }
                assertInstanceOf(AuthException.Cancelled::class.java, e.cause)
            } finally {
                pool.shutdownNow()
            }
        }
    }

    @TestFactory
    fun `device flow - hostile answers are refused`() = each("hostile") { server ->
        for (script in listOf(JSONObject().put("interval", 0), JSONObject().put("interval", 1_000_000_000), JSONObject().put("verification_uri", "http://evil.example/device"))) {
            servers.control(server, "device/script", script)
            deviceFlow(server).use { flow ->
                val e = assertThrows<AuthException.InvalidResponse>(script.toString()) { flow.startBlocking() }
                assertTrue(e.message.isNotEmpty())
            }
        }
        servers.control(server, "device/script", JSONObject().put("interval", 1))
    }

    @TestFactory
    fun `OkHttp - the session's header, then sign-in required once after revoke-all`() = each("okhttp") { server ->
        val tokens = servers.signIn(server)
        session(server, tokens).use { session ->
            val ended = CopyOnWriteArrayList<AuthException.SignInRequired>()
            val client = OkHttpClient.Builder().authwire(session) { ended += it }.build()
            repeat(3) {
                client.newCall(Request.Builder().url(server.resource).build()).execute().use { assertEquals(200, it.code) }
            }
            servers.control(server, "revoke-all")
            val failures = AtomicInteger()
            repeat(3) {
                val e = assertThrows<AuthwireIOException> {
                    client.newCall(Request.Builder().url(server.resource).build()).execute().use { it.code }
                }
                assertInstanceOf(AuthException.SignInRequired::class.java, e.cause)
                failures.incrementAndGet()
            }
            assertEquals(1, ended.size, "the app's callback runs once")
            assertEquals(3, failures.get())
        }
    }

    @TestFactory
    fun `nothing prints a token, a code or a refresh token`() = each("redaction") { server ->
        val events = CopyOnWriteArrayList<AuthEvent>()
        servers.codeFlow(server).use { flow ->
            val location = servers.browser(server, flow.authorizationUrl)
            val code = Regex("code=([^&]+)").find(location)!!.groupValues[1]
            val state = Regex("state=([^&]+)").find(location)!!.groupValues[1]
            val tokens = flow.finishBlocking(location)
            val texts = mutableListOf(tokens.toString(), flow.toString())
            session(server, tokens).use { session ->
                session.setListener(AuthListener { events += it })
                texts += session.toString()
                texts += session.authorizationBlocking()
                    .let { header -> listOf(session.toString(), session.stats().toString()) }
                servers.control(server, "revoke-all")
                Thread.sleep(2_200)
                val e = assertThrows<AuthException.SignInRequired> { session.authorizationBlocking() }
                texts += listOf(e.toString(), e.message)
                Thread.sleep(200)
                texts += events.map { it.toString() }
                assertTrue(events.any { it is AuthEvent.SessionEnded }, events.toString())
            }
            for (secret in listOf(tokens.accessToken, tokens.refreshToken, code, state) + listOfNotNull(tokens.idToken)) {
                for (text in texts) assertFalse(secret in text, "a secret in: $text")
            }
        }
        // A started device flow holds its device code; it prints a fixed shape without it.
        servers.control(server, "device/script", JSONObject().put("interval", 1))
        deviceFlow(server).use { flow ->
            val code = flow.startBlocking()
            assertEquals("DeviceAuthorizationFlow(client_id=\"${servers.clientId}\", device_code=[redacted])", flow.toString())
            assertFalse("device_code" in code.toString(), code.toString())
            flow.cancel()
            val cancelled = assertThrows<AuthException.Cancelled> { flow.waitBlocking() }
            assertEquals("DeviceAuthorizationFlow(client_id=\"${servers.clientId}\", device_code=[redacted])", flow.toString())
            assertTrue(cancelled.message.startsWith("cancelled: "), cancelled.message)
        }
    }
}
