package dev.authwire

import com.sun.jna.Platform
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.security.KeyPairGenerator
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** The hand-written Kotlin layer and how the generated bindings are packaged. */
class KotlinLayerTest {
    @Test
    fun `the native library is on the class path where JNA looks for it`() {
        val resource = "${Platform.RESOURCE_PREFIX}/${System.mapLibraryName("authwire")}"
        assertNotNull(javaClass.classLoader.getResource(resource), "missing class-path resource $resource")
    }

    @Test
    fun `AUTHORIZATION is the header name`() {
        assertEquals("Authorization", AUTHORIZATION)
    }

    @Test
    fun `message is the core's sentence and toString keeps the class name`() {
        val error = assertThrows<AuthException.InvalidInput> { bearerAuth("abc def") }
        assertEquals(
            "invalid input: the Bearer token contains a space at byte 3; a token must be visible ASCII (0x21-0x7E) without spaces",
            error.message,
        )
        assertEquals("dev.authwire.AuthException\$InvalidInput: ${error.message}", error.toString())
        assertEquals("invalid input: ${error.reason}", error.message)
        // What a logger or a stack trace prints first.
        assertTrue(error.stackTraceToString().startsWith("dev.authwire.AuthException\$InvalidInput: invalid input: "))
    }

    @Test
    fun `every error a user gets is an AuthException, a bad argument an IllegalArgumentException`(@TempDir dir: Path) {
        val store = assertThrows<AuthException.InvalidConfiguration> { FileStore(dir.resolve("missing/tokens")) }
        assertTrue(store.message.startsWith("invalid configuration: "), store.message)
        val negative = assertThrows<IllegalArgumentException> { TokenManager.staticToken("abc", lifetime = (-1).seconds) }
        assertEquals("lifetime is negative (-1s); it must be zero or more whole seconds", negative.message)
        // The core counts a lifetime in whole seconds: a fraction is refused, not rounded.
        val fraction = assertThrows<IllegalArgumentException> { TokenManager.staticToken("abc", lifetime = 1500.milliseconds) }
        assertEquals("lifetime is 1.5s; it must be whole seconds (the core counts a lifetime in seconds)", fraction.message)
        val infinite = assertThrows<IllegalArgumentException> { TokenManager.staticToken("abc", lifetime = Duration.INFINITE) }
        assertTrue("never expires" in infinite.message!!, infinite.message)
        val signer = JcaSigner(KeyPairGenerator.getInstance("EC").apply { initialize(256) }.generateKeyPair().private, "KEY_ID")
        for (call in listOf<() -> Unit>(
            { TokenManager.appStoreConnect("issuer", signer, lifetime = 0.5.seconds) },
            { TokenManager.jwtBearer("https://example.com/t", signer, "iss", "aud", lifetime = 90.5.seconds) },
            { TokenManager.selfSignedJwt(signer, "iss", "aud", lifetime = (-60).seconds) },
            { TokenManager.selfSignedJwt(signer, "iss", "aud", mapOf("scope" to "x"), lifetime = 10.milliseconds) },
        )) {
            val error = assertThrows<IllegalArgumentException> { call() }
            assertTrue(error.message!!.startsWith("lifetime is "), error.message)
        }
        val duration = assertThrows<IllegalArgumentException> {
            ApiKey.fromEncodedKey(TEST_KEY).let { TokenManager.apiKeyExchange("http://127.0.0.1:9/t", it, TokenOptions(requestTimeout = (-1).seconds)) }
        }
        assertTrue("requestTimeout is negative" in duration.message!!, duration.message)
    }

    /** Every variant, built in Kotlin: its fields reach the core in order (the renamed
     *  `serverMessage` included) and come back as the core's sentence. */
    @Test
    fun `message of every variant`() {
        val expected = mapOf(
            AuthException.InvalidInput("r") to "invalid input: r",
            AuthException.InvalidConfiguration("r") to "invalid configuration: r",
            AuthException.Network(NetworkErrorKind.READ_TIMEOUT, "timed out; retry later") to "network error: timed out; retry later",
            AuthException.Unauthorized(401, "bad credentials") to
                "unauthorized (HTTP 401): bad credentials; check the credentials",
            AuthException.OAuth(400, "invalid_client", "unknown client") to
                "OAuth2 error invalid_client (HTTP 400): unknown client",
            AuthException.RateLimited(1500.milliseconds) to "rate limited (HTTP 429), retry after 1500 ms; retry later",
            AuthException.RateLimited(null) to "rate limited (HTTP 429); retry later",
            AuthException.Server(503, "down") to "server error (HTTP 503): down; retry later",
            AuthException.HttpStatus(404, "no such path") to "unexpected HTTP status 404: no such path",
            AuthException.InvalidResponse("no token") to "invalid response from the server: no token",
            AuthException.RefreshLoop(5, 60.seconds) to
                "refresh loop: 5 refreshes within 60000 ms; the API keeps rejecting new tokens",
            AuthException.SignInRequired("the refresh token was refused") to "sign-in required: the refresh token was refused",
            AuthException.Cancelled("the wait was cancelled") to "cancelled: the wait was cancelled",
        )
        for ((error, sentence) in expected) {
            assertEquals(sentence, error.message)
        }
        assertEquals("bad credentials", AuthException.Unauthorized(401, "bad credentials").serverMessage)
    }

    @Test
    fun `isRetried is the core's answer for every kind, and networkKind reads the kind`() {
        val notRetried = setOf(
            NetworkErrorKind.NAME_NOT_RESOLVED,
            NetworkErrorKind.CERTIFICATE_UNTRUSTED,
            NetworkErrorKind.CERTIFICATE_EXPIRED,
            NetworkErrorKind.CERTIFICATE_WRONG_NAME,
            NetworkErrorKind.CERTIFICATE_REVOKED,
            NetworkErrorKind.TLS_HANDSHAKE,
        )
        assertEquals(notRetried, NetworkErrorKind.entries.filterNot { it.isRetried }.toSet())
        assertEquals(NetworkErrorKind.PROXY, AuthException.Network(NetworkErrorKind.PROXY, "r").networkKind)
        assertEquals(null, AuthException.Server(503, "down").networkKind)
    }

    @Test
    fun `values are plain data with equality and a redacted toString, nothing to close`() {
        val credentials = decodeBasic(basicAuth("alice", "pw"))
        assertEquals(BasicCredentials("alice", "pw"), credentials)
        assertEquals(BasicCredentials("alice", "pw").hashCode(), credentials.hashCode())
        val (userId, password) = credentials
        assertEquals("alice" to "pw", userId to password)
        assertEquals("BasicCredentials(userId=\"alice\", password=<redacted>)", credentials.toString())
        TokenManager.staticToken("s3cret", lifetime = 60.seconds).use { tokens ->
            val token = tokens.tokenBlocking()
            assertEquals("s3cret", token.value)
            assertEquals("Bearer s3cret", token.authorization)
            assertTrue(token.expiresIn!! <= 60.seconds, "${token.expiresIn}")
            assertTrue("s3cret" !in token.toString(), token.toString())
            assertEquals(token, tokens.tokenBlocking())
        }
        TokenManager.staticToken("forever").use { tokens ->
            assertEquals(null, tokens.tokenBlocking().expiresIn, "never expires: null")
        }
    }

    @Test
    fun `extra claims are a Map serialized as a JSON object`() {
        assertEquals(
            """{"scope":"a \"b\"","n":3,"x":1.5,"ok":true,"none":null,"list":[1,"two"],"nested":{"k":"v"}}""",
            claimsJson(mapOf("scope" to "a \"b\"", "n" to 3, "x" to 1.5, "ok" to true, "none" to null, "list" to listOf(1, "two"), "nested" to mapOf("k" to "v"))),
        )
        val error = assertThrows<IllegalArgumentException> { claimsJson(mapOf("when" to java.util.Date())) }
        assertTrue("extraClaims.when" in error.message!!, error.message)
    }

    @Test
    fun `ApiKey fromFile takes a Path`(@TempDir dir: Path) {
        val file = dir.resolve("key.json")
        file.toFile().writeText("""{"appClientId": "id", "appClientSecret": "secret", "encodedKey": "key"}""")
        val key = ApiKey.fromFile(file)
        assertEquals("key", key.encodedKey)
        assertEquals("id", key.appClientId)
        assertEquals("secret", key.appClientSecret)
        assertEquals(ApiKey.fromJson(file.toFile().readText()), key)
        assertEquals("ApiKey(appClientId=\"id\", appClientSecret=<redacted>, encodedKey=<redacted>)", key.toString())
        assertEquals("ApiKey(appClientId=null, appClientSecret=null, encodedKey=<redacted>)", ApiKey.fromEncodedKey("key").toString())
        assertTrue(ApiKey::class.java.interfaces.none { it == AutoCloseable::class.java }, "an ApiKey has nothing to close")

        val error = assertThrows<AuthException.InvalidConfiguration> { ApiKey.fromFile(dir.resolve("missing.json")) }
        assertTrue(error.message.startsWith("invalid configuration: cannot read the API-key file"), error.message)
    }
}
