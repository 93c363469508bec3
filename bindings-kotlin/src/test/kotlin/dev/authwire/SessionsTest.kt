package dev.authwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.net.URI
import java.net.URLDecoder
import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermission
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * User sessions without a server: [SessionTokens] (validation, JSON, redaction),
 * [KeyFileSealingKey] and a custom [SealingKey], the configuration errors of
 * [TokenManager.userSession], and the checks [AuthorizationCodeFlow.finish] makes on the
 * redirect before it sends anything. The flows against real servers are in [SessionServersTest].
 */
class SessionsTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `session tokens are plain data that never print a token`() {
        val tokens = SessionTokens("access-AAA", "refresh-BBB", expiresIn = 1.hours, scope = "openid read", idToken = "id-CCC")
        assertEquals("access-AAA", tokens.accessToken)
        assertEquals("refresh-BBB", tokens.refreshToken)
        assertEquals(1.hours, tokens.expiresIn)
        assertEquals(java.time.Duration.ofHours(1), tokens.javaExpiresIn)
        assertEquals("openid read", tokens.scope)
        assertEquals("id-CCC", tokens.idToken)
        assertEquals(
            "SessionTokens(accessToken=<redacted>, refreshToken=<redacted>, expiresIn=1h, scope=\"openid read\", idToken=<redacted>)",
            tokens.toString(),
        )
        assertEquals(tokens, SessionTokens("access-AAA", "refresh-BBB", 3600.seconds, "openid read", "id-CCC"))
        // Whole seconds, as the core counts them.
        assertEquals(2.seconds, SessionTokens("a", "r", expiresIn = 2500.milliseconds).expiresIn)
        val bare = SessionTokens("a", "r")
        assertNull(bare.expiresIn)
        assertEquals("SessionTokens(accessToken=<redacted>, refreshToken=<redacted>, expiresIn=null, scope=null, idToken=null)", bare.toString())
    }

    @Test
    fun `bad tokens are refused without showing them`() {
        for ((access, refresh) in listOf("" to "r", "has space" to "r", "a" to "", "a" to "line\nbreak-SECRET")) {
            val e = assertThrows<AuthException.InvalidInput> { SessionTokens(access, refresh) }
            assertFalse("SECRET" in e.message, e.message)
        }
        assertThrows<IllegalArgumentException> { SessionTokens("a", "r", expiresIn = (-1).seconds) }
        assertThrows<IllegalArgumentException> { SessionTokens.create("a", "r", java.time.Duration.ofSeconds(-1), null, null) }
    }

    @Test
    fun `tokens from a token endpoint's JSON`() {
        val tokens = SessionTokens.fromTokenResponse(
            """{"access_token":"at-1","token_type":"Bearer","refresh_token":"rt-1","expires_in":120,"scope":"read","id_token":"idt"}""",
        )
        assertEquals(SessionTokens("at-1", "rt-1", 120.seconds, "read", "idt"), tokens)
        val noRefresh = assertThrows<AuthException.InvalidResponse> {
            SessionTokens.fromTokenResponse("""{"access_token":"at-SECRET","token_type":"Bearer"}""")
        }
        assertTrue("refresh_token" in noRefresh.message, noRefresh.message)
        assertFalse("SECRET" in noRefresh.message)
        assertThrows<AuthException.InvalidResponse> {
            SessionTokens.fromTokenResponse("""{"access_token":"at","token_type":"mac","refresh_token":"rt"}""")
        }
        assertThrows<AuthException.InvalidResponse> { SessionTokens.fromTokenResponse("not json") }
    }

    @Test
    fun `a key file is 32 random bytes, private, stable, and shared by concurrent creators`() {
        val path = dir.resolve("session.key")
        val key = KeyFileSealingKey(path)
        assertEquals("KeyFileSealingKey(path=$path)", key.toString())
        val first = key.key()
        assertEquals(32, first.size)
        assertArrayEquals(first, key.key())
        assertArrayEquals(first, KeyFileSealingKey(path).key())
        assertEquals(setOf(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(path))
        assertFalse(first.all { it == 0.toByte() })

        // Sixteen threads create a fresh key file at once: one key wins, everyone gets it.
        val racePath = dir.resolve("race.key")
        val threads = 16
        val barrier = CyclicBarrier(threads)
        val pool = Executors.newFixedThreadPool(threads)
        try {
            val keys = (1..threads).map { pool.submit<ByteArray> { barrier.await(); KeyFileSealingKey(racePath).key() } }.map { it.get(10, TimeUnit.SECONDS) }
            for (k in keys) assertArrayEquals(keys.first(), k)
            assertArrayEquals(keys.first(), Files.readAllBytes(racePath))
        } finally {
            pool.shutdownNow()
        }
        Files.list(dir).use { files -> assertEquals(setOf("session.key", "race.key"), files.map { it.fileName.toString() }.toList().toSet()) }

        Files.write(dir.resolve("short.key"), ByteArray(8))
        assertThrows<StoreException.InvalidConfiguration> { KeyFileSealingKey(dir.resolve("short.key")).key() }
        assertThrows<StoreException.Unavailable> { KeyFileSealingKey(dir.resolve("missing-dir/x.key")).key() }
    }

    @Test
    fun `the configuration errors of a user session`() {
        val tokens = SessionTokens("at", "rt", 60.seconds)
        FileStore(dir.resolve("session")).use { store ->
            val noKey = assertThrows<AuthException.InvalidConfiguration> {
                TokenManager.userSession("http://127.0.0.1:9/token", "app", tokens, options = TokenOptions(store = store))
            }
            assertTrue("sealing" in noKey.message, noKey.message)
        }
        assertThrows<AuthException.InvalidConfiguration> { TokenManager.userSession("http://127.0.0.1:9/token", "app") }
        assertThrows<AuthException.InvalidConfiguration> { TokenManager.userSession("http://example.com/token", "app", tokens) }
        assertThrows<AuthException.InvalidConfiguration> { TokenManager.userSession("http://127.0.0.1:9/token", "", tokens) }
        // Signing out is for user sessions only.
        TokenManager.staticToken("t").use { plain ->
            assertThrows<AuthException.InvalidConfiguration> { plain.signOutBlocking() }
            assertThrows<AuthException.InvalidConfiguration> { runBlocking { plain.signOut() } }
        }
    }

    @Test
    fun `continuing a session from an empty store asks for a sign-in`() {
        FileStore(dir.resolve("session")).use { store ->
            TokenManager.userSession(
                "http://127.0.0.1:9/token",
                "app",
                sealingKey = KeyFileSealingKey(dir.resolve("session.key")),
                options = TokenOptions(store = store, maxAttempts = 1),
            ).use { session ->
                val e = assertThrows<AuthException.SignInRequired> { session.authorizationBlocking() }
                assertTrue(e.message.startsWith("sign-in required: "), e.message)
                assertEquals(e.message, "sign-in required: ${e.reason}")
                assertThrows<AuthException.SignInRequired> { runBlocking { session.authorization() } }
            }
        }
    }

    @Test
    fun `a session starts from handed-over tokens and a custom key, and signs out`() {
        var calls = 0
        val key = object : SealingKey {
            override fun key(): ByteArray {
                calls++
                return ByteArray(32) { it.toByte() }
            }
        }
        FileStore(dir.resolve("session")).use { store ->
            TokenManager.userSession(
                "http://127.0.0.1:9/token",
                "app",
                SessionTokens("at-handed-over", "rt-handed-over", 1.hours),
                sealingKey = key,
                options = TokenOptions(store = store),
            ).use { session ->
                assertEquals("Bearer at-handed-over", session.authorizationBlocking())
                assertEquals("at-handed-over", session.tokenBlocking().value)
                assertFalse("handed-over" in session.toString(), session.toString())
                session.signOutBlocking()
                assertThrows<AuthException.SignInRequired> { session.authorizationBlocking() }
            }
        }
        assertTrue(calls > 0, "the custom key was used")
    }

    @Test
    fun `a custom key that cannot be read now keeps the session`() {
        val key = SealingKey { throw StoreException.Unavailable("the device is locked") }
        FileStore(dir.resolve("session")).use { store ->
            TokenManager.userSession(
                "http://127.0.0.1:9/token",
                "app",
                SessionTokens("at-1", "rt-1", 1.hours),
                sealingKey = key,
                options = TokenOptions(store = store),
            ).use { session ->
                // The store cannot be sealed now: the session goes on with its own tokens.
                assertEquals("Bearer at-1", session.authorizationBlocking())
            }
        }
    }

    private fun codeFlow(scopes: List<String> = listOf("openid", "read")) = AuthorizationCodeFlow(
        "http://127.0.0.1:9/authorize",
        "http://127.0.0.1:9/token",
        "app",
        "com.example.app:/oauth2redirect",
        scopes,
    )

    private fun query(url: String): Map<String, String> = URI(url).rawQuery.split('&').associate {
        val (k, v) = it.split('=', limit = 2)
        URLDecoder.decode(k, StandardCharsets.UTF_8) to URLDecoder.decode(v, StandardCharsets.UTF_8)
    }

    @Test
    fun `the authorization URL carries PKCE, state and nonce`() {
        codeFlow().use { flow ->
            val url = flow.authorizationUrl
            assertTrue(url.startsWith("http://127.0.0.1:9/authorize?"), url)
            val q = query(url)
            assertEquals("code", q["response_type"])
            assertEquals("app", q["client_id"])
            assertEquals("com.example.app:/oauth2redirect", q["redirect_uri"])
            assertEquals("openid read", q["scope"])
            assertEquals("S256", q["code_challenge_method"])
            assertEquals(43, q.getValue("code_challenge").length)
            assertTrue(q.getValue("state").length >= 16)
            assertEquals(flow.nonce, q["nonce"])
            assertNotNull(flow.nonce)
            // The flow prints neither its state nor its verifier.
            assertFalse(q.getValue("state") in flow.toString(), flow.toString())
        }
        codeFlow(listOf("read")).use { flow ->
            assertNull(flow.nonce)
            assertFalse("nonce=" in flow.authorizationUrl)
        }
    }

    @Test
    fun `a redirect that is not this sign-in's is refused before anything is sent`() {
        codeFlow().use { flow ->
            val state = query(flow.authorizationUrl).getValue("state")
            val tampered = assertThrows<AuthException.InvalidResponse> {
                flow.finishBlocking("com.example.app:/oauth2redirect?code=CODE-SECRET&state=${state}x")
            }
            assertFalse("CODE-SECRET" in tampered.message, tampered.message)
            assertThrows<AuthException.InvalidResponse> { flow.finishBlocking("com.example.other:/cb?code=c&state=$state") }
            assertThrows<AuthException.InvalidResponse> { flow.finishBlocking("com.example.app:/oauth2redirect?state=$state") }
            assertThrows<AuthException.InvalidResponse> {
                runBlocking { flow.finish("com.example.app:/oauth2redirect?code=a&code=b&state=$state") }
            }
            val denied = assertThrows<AuthException.OAuth> {
                flow.finishBlocking("com.example.app:/oauth2redirect?error=access_denied&error_description=no&state=$state")
            }
            assertEquals("access_denied", denied.error)
            assertEquals(302, denied.status)
        }
    }

    @Test
    fun `a device flow waits only after it started, and cancel ends it`() {
        DeviceAuthorizationFlow("http://127.0.0.1:9/device", "http://127.0.0.1:9/token", "app", listOf("read")).use { flow ->
            assertFalse("device_code=" in flow.toString().replace("device_code=[redacted]", ""), flow.toString())
            assertThrows<AuthException.InvalidConfiguration> { flow.waitBlocking() }
            flow.cancel()
            assertThrows<AuthException> { runBlocking { flow.wait() } }
        }
    }

    @Test
    fun `the session events and errors exist as the others do`() {
        val ended = AuthEvent.SessionEnded("the refresh token was refused")
        assertTrue("refused" in ended.toString(), ended.toString())
        assertEquals("sign-in required: gone", AuthException.SignInRequired("gone").message)
        assertEquals("cancelled: stop", AuthException.Cancelled("stop").message)
    }
}
