package dev.authwire

import com.sun.jna.Platform
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

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
    fun `displayMessage is the core's sentence and message lists the fields`() {
        val error = assertThrows<AuthException.InvalidInput> { bearerAuth("abc def") }
        assertEquals(
            "invalid input: the Bearer token contains a space at byte 3; a token must be visible ASCII (0x21-0x7E) without spaces",
            error.displayMessage,
        )
        assertEquals(error.toString(), error.displayMessage)
        assertEquals("reason=${error.reason}", error.message)
    }

    /** Every variant, built in Kotlin: its fields reach the core in order (the renamed
     *  `serverMessage` included) and come back as the core's sentence. */
    @Test
    fun `displayMessage of every variant`() {
        val expected = mapOf(
            AuthException.InvalidInput("r") to "invalid input: r",
            AuthException.InvalidConfiguration("r") to "invalid configuration: r",
            AuthException.Network(NetworkErrorKind.READ_TIMEOUT, "timed out; retry later") to "network error: timed out; retry later",
            AuthException.Unauthorized(401u, "bad credentials") to
                "unauthorized (HTTP 401): bad credentials; check the credentials",
            AuthException.OAuth(400u, "invalid_client", "unknown client") to
                "OAuth2 error invalid_client (HTTP 400): unknown client",
            AuthException.RateLimited(1500uL) to "rate limited (HTTP 429), retry after 1500 ms; retry later",
            AuthException.RateLimited(null) to "rate limited (HTTP 429); retry later",
            AuthException.Server(503u, "down") to "server error (HTTP 503): down; retry later",
            AuthException.HttpStatus(404u, "no such path") to "unexpected HTTP status 404: no such path",
            AuthException.InvalidResponse("no token") to "invalid response from the server: no token",
            AuthException.RefreshLoop(5u, 60000uL) to
                "refresh loop: 5 refreshes within 60000 ms; the API keeps rejecting new tokens",
        )
        for ((error, sentence) in expected) {
            assertEquals(sentence, error.displayMessage)
        }
        assertEquals("bad credentials", AuthException.Unauthorized(401u, "bad credentials").serverMessage)
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
        assertEquals(null, AuthException.Server(503u, "down").networkKind)
    }

    @Test
    fun `a closed object throws instead of touching freed memory`() {
        val credentials = decodeBasic(basicAuth("alice", "pw"))
        credentials.close()
        assertThrows<IllegalStateException> { credentials.toString() }
        assertThrows<IllegalStateException> { credentials.password() }
    }

    @Test
    fun `ApiKey fromFile takes a Path`(@TempDir dir: Path) {
        val file = dir.resolve("key.json")
        file.toFile().writeText("""{"appClientId": "id", "appClientSecret": "secret", "encodedKey": "key"}""")
        ApiKey.fromFile(file).use { assertEquals("key", it.encodedKey()) }

        val error = assertThrows<AuthException.InvalidConfiguration> { ApiKey.fromFile(dir.resolve("missing.json")) }
        assertTrue(error.displayMessage.startsWith("invalid configuration: cannot read the API-key file"), error.displayMessage)
    }
}
