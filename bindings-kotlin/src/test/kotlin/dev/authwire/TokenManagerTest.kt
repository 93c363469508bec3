package dev.authwire

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration

/**
 * The token manager's sources and typed errors through the Kotlin bindings, against a real
 * HTTP server on 127.0.0.1 and the shared vectors (`token_responses`, `api_key_file`,
 * `token_errors`). The same behaviour as core/tests/token_manager.rs.
 */
class TokenManagerTest {
    @TempDir
    lateinit var tempDir: Path

    private inline fun <reified V : AuthException> assertFailsWith(call: () -> Any?): V {
        val error = assertThrows<AuthException> { call() }
        return assertInstanceOf(V::class.java, error, error.message)
    }

    @TestFactory
    fun `XTD exchange sends the key file's encodedKey and serves the vector token`(): List<DynamicTest> {
        val case = Vectors.section("token_responses")[0]
        return Vectors.section("api_key_file").map { file ->
            dynamicTest(Vectors.label(file)) {
                LocalServer { _, _ -> json(200, case.getJSONObject("body")) }.use { server ->
                    val keyFile = Files.writeString(tempDir.resolve("key.json"), file.getJSONObject("json").toString())
                    TokenManager.apiKeyExchange(server.url("/v1/token"), keyFile).use { manager ->
                        val token = case.getString("token")
                        assertEquals("Bearer $token", manager.authorizationBlocking())

                        val sent = server.requests.single()
                        assertEquals("POST", sent.method)
                        assertEquals("/v1/token", sent.path)
                        assertEquals("application/json", sent.header("Content-Type"))
                        val body = JSONObject(sent.body)
                        assertTrue(body.similar(file.getJSONObject("token_request_body")), sent.body)

                        // Served from the cache for its 300 s lifetime, refreshed about 30 s before the end.
                        manager.tokenBlocking().let { access ->
                            assertEquals(token, access.value)
                            assertEquals("Bearer $token", access.authorization)
                            assertTrue(access.expiresIn!!.inWholeMilliseconds in 299_000L..299_500L, "${access.expiresIn!!.inWholeMilliseconds}")
                            assertTrue(access.refreshIn!!.inWholeMilliseconds in 250_000L until 275_000L, "${access.refreshIn}")
                        }
                        repeat(100) { assertEquals("Bearer $token", manager.authorizationBlocking()) }
                        assertEquals(1, server.count)
                        assertEquals(TokenStats(1, 1, 0, 0, 1, 0), manager.stats())
                    }
                }
            }
        }
    }

    @Test
    fun `XTD exchange with an ApiKey object`() {
        LocalServer.xtd().use { server ->
            val key = ApiKey.fromEncodedKey(TEST_KEY)
            val manager = TokenManager.apiKeyExchange(server.url("/v1/token"), key)
            // The key is plain data: nothing to close, and it can build another manager.
            TokenManager.apiKeyExchange(server.url("/v1/token"), key).close()
            assertEquals("Bearer t0", manager.authorizationBlocking())
            assertEquals(TEST_KEY, JSONObject(server.requests.single().body).getString("apiKey"))
            manager.close()
        }
    }

    @Test
    fun `OAuth2 client_secret_basic percent-encodes id and secret before Basic`() {
        val case = Vectors.section("token_responses")[1]
        LocalServer { _, _ -> json(200, case.getJSONObject("body")) }.use { server ->
            val manager = TokenManager.clientCredentials(
                server.url("/oauth/token"),
                clientId = "client id:1",
                clientSecret = "s3cr&t=+",
                scopes = listOf("read", "write"),
            )
            manager.tokenBlocking().let { token ->
                assertEquals(case.getString("token"), token.value)
                // token_type "bearer" in lower case (Dropbox, SAP XSUAA): the header says Bearer.
                assertEquals("bearer", case.getJSONObject("body").getString("token_type"))
                assertEquals("Bearer 2YotnFZFEjr1zCsicMWpAA", token.authorization)
                val lifetime = case.getLong("lifetime_s") * 1000
                assertTrue(token.expiresIn!!.inWholeMilliseconds in (lifetime - 1000)..lifetime, "${token.expiresIn}")
            }
            val sent = server.requests.single()
            assertEquals("application/x-www-form-urlencoded", sent.header("Content-Type"))
            assertEquals("grant_type=client_credentials&scope=read+write", sent.body)
            decodeBasic(sent.header("Authorization")!!).let { basic ->
                // RFC 6749 §2.3.1: every byte outside A-Z a-z 0-9 - . _ ~ as %XX, a space as %20.
                assertEquals("client%20id%3A1", basic.userId)
                assertEquals("s3cr%26t%3D%2B", basic.password)
            }
            manager.close()
        }
    }

    @Test
    fun `OAuth2 client_secret_post, and the JWT exp as lifetime when the body has no expiry`() {
        val case = Vectors.section("token_responses")[2]
        LocalServer { _, _ -> json(200, case.getJSONObject("body")) }.use { server ->
            val manager = TokenManager.clientCredentials(
                server.url("/oauth/token"),
                "cid",
                "csecret",
                authMethod = ClientAuthMethod.CLIENT_SECRET_POST,
            )
            manager.tokenBlocking().let { token ->
                assertEquals("Bearer ${case.getString("token")}", token.authorization)
                // No expires_in: the JWT's exp - iat (300 s) is the lifetime.
                val lifetime = (case.getLong("jwt_exp") - case.getLong("jwt_iat")) * 1000
                assertTrue(token.expiresIn!!.inWholeMilliseconds in (lifetime - 1000)..lifetime, "${token.expiresIn}")
            }
            val sent = server.requests.single()
            assertNull(sent.header("Authorization"))
            assertEquals("grant_type=client_credentials&client_id=cid&client_secret=csecret", sent.body)
            manager.close()
        }
    }

    @Test
    fun `custom exchange reads configured fields, headers and an epoch expiry`() {
        val expiresAt = System.currentTimeMillis() / 1000 + 120
        LocalServer { _, _ ->
            json(200, JSONObject().put("data", JSONObject().put("jwt", "abc.def.ghi").put("validUntil", expiresAt)))
        }.use { server ->
            val manager = TokenManager.customExchange(
                server.url("/auth"),
                requestBody = """{"user": "u", "key": "k-secret"}""",
                tokenField = "data.jwt",
                expiryField = "data.validUntil",
                expiryFormat = ExpiryFormat.EPOCH_SECONDS,
                headers = mapOf("X-Api-Version" to "2"),
                scheme = "Token",
            )
            manager.tokenBlocking().let { token ->
                assertEquals("Token abc.def.ghi", token.authorization)
                assertTrue(token.expiresIn!!.inWholeMilliseconds in 117_000L..120_000L, "${token.expiresIn!!.inWholeMilliseconds}")
            }
            val sent = server.requests.single()
            assertEquals("2", sent.header("X-Api-Version"))
            assertEquals("""{"user": "u", "key": "k-secret"}""", sent.body)
            manager.close()
        }
    }

    @Test
    fun `a static token is served without requests and ignores invalidate`() {
        TokenManager.staticToken("mF_9.B5f-4.1JqM").use { manager ->
            assertEquals("Bearer mF_9.B5f-4.1JqM", manager.authorizationBlocking())
            assertFalse(manager.invalidate("mF_9.B5f-4.1JqM"))
            assertEquals("Bearer mF_9.B5f-4.1JqM", manager.authorizationBlocking())
            assertEquals(0L, manager.stats().tokenRequests)
            manager.tokenBlocking().let {
                assertEquals(null, it.expiresIn, "never expires")
                assertEquals(null, it.refreshIn, "never refreshed")
            }
        }
        TokenManager.staticToken("abc", lifetime = Duration.parse("60s")).use { manager ->
            manager.tokenBlocking().let { assertTrue(it.expiresIn!!.inWholeSeconds in 53L..60L, "${it.expiresIn}") }
        }
        assertFailsWith<AuthException.InvalidInput> { TokenManager.staticToken("a b") }
    }

    @Test
    fun `invalidate takes the whole header or the bare token`() {
        LocalServer.xtd().use { server ->
            xtdManager(server).use { manager ->
                assertEquals("Bearer t0", manager.authorizationBlocking())
                assertTrue(manager.invalidate("Bearer t0"))
                assertEquals("Bearer t1", manager.authorizationBlocking())
                assertTrue(manager.invalidate("t1"))
                assertEquals("Bearer t2", manager.authorizationBlocking())
                // A token that was already replaced changes nothing.
                assertFalse(manager.invalidate("t0"))
                assertEquals(3, server.count)
                assertEquals(2L, manager.stats().invalidations)
            }
        }
    }

    @Test
    fun `401 is AuthException Unauthorized with the server's message, not retried`() {
        val case = Vectors.section("token_errors")[0]
        LocalServer { _, _ -> json(401, case.getJSONObject("body")) }.use { server ->
            xtdManager(server, fastRetries()).use { manager ->
                val error = assertFailsWith<AuthException.Unauthorized> { manager.authorizationBlocking() }
                assertEquals(401.toInt(), error.status)
                assertEquals("Unauthorized", error.serverMessage)
                assertEquals("unauthorized (HTTP 401): Unauthorized; check the credentials", error.message)
                assertEquals(1, server.count)
                assertEquals(1L, manager.stats().failures)
            }
        }
    }

    @Test
    fun `an OAuth2 error body is AuthException OAuth with its fields`() {
        val case = Vectors.section("token_errors").single { it.getString("kind").startsWith("oauth") }
        LocalServer { _, _ -> json(case.getInt("status"), case.getJSONObject("body")) }.use { server ->
            val manager = TokenManager.clientCredentials(server.url("/oauth/token"), "id", "secret")
            val error = assertFailsWith<AuthException.OAuth> { manager.tokenBlocking() }
            assertEquals(400.toInt(), error.status)
            assertEquals("invalid_client", error.error)
            assertEquals("Client authentication failed", error.description)
            assertEquals("OAuth2 error invalid_client (HTTP 400): Client authentication failed", error.message)
            assertEquals(1, server.count, "a 400 is not retried")
            manager.close()
        }
    }

    @TestFactory
    fun `every token error vector maps to its kind and retry rule`(): List<DynamicTest> =
        Vectors.section("token_errors").map { case ->
            dynamicTest(Vectors.label(case)) {
                val status = case.getInt("status")
                LocalServer { _, _ ->
                    var reply = when {
                        case.has("body_text") -> text(status, case.getString("body_text"))
                        case.isNull("body") -> text(status)
                        else -> json(status, case.getJSONObject("body"))
                    }
                    case.optJSONObject("headers")?.let { headers ->
                        for (name in headers.keySet()) {
                            // Keep the rate-limit case quick; waiting for Retry-After is the core's test.
                            reply = reply.setHeader(name, if (name == "Retry-After") "0" else headers.getString(name))
                        }
                    }
                    reply
                }.use { server ->
                    xtdManager(server, fastRetries().copy(maxAttempts = 2)).use { manager ->
                        val error = assertThrows<AuthException> { manager.authorizationBlocking() }
                        val kind = when (error) {
                            is AuthException.Unauthorized -> "unauthorized"
                            is AuthException.OAuth -> "oauth error ${error.error}"
                            is AuthException.RateLimited -> "rate limited"
                            is AuthException.Server -> "server"
                            is AuthException.InvalidResponse -> "invalid response"
                            else -> "unexpected ${error.message}"
                        }
                        assertEquals(case.getString("kind"), kind)
                        assertEquals(case.getBoolean("retry"), server.count > 1, "retried: ${server.count} requests")
                    }
                }
            }
        }

    @Test
    fun `a 503 is retried, then the token is served`() {
        LocalServer { _, n ->
            if (n == 0) text(503, "busy") else json(200, JSONObject().put("token", "ok").put("expirationTime", 300))
        }.use { server ->
            xtdManager(server, fastRetries()).use { manager ->
                assertEquals("Bearer ok", manager.authorizationBlocking())
                val stats = manager.stats()
                assertEquals(Triple(2L, 1L, 0L), Triple(stats.tokenRequests, stats.retries, stats.failures))
            }
        }
    }

    @Test
    fun `HTTPS is required except for loopback`() {
        ApiKey.fromEncodedKey(TEST_KEY).let { key ->
            assertFailsWith<AuthException.InvalidConfiguration> {
                TokenManager.apiKeyExchange("http://example.com/v1/token", key)
            }
        }
        assertFailsWith<AuthException.InvalidConfiguration> {
            TokenManager.clientCredentials("http://example.com/oauth/token", "id", "secret")
        }
        assertFailsWith<AuthException.InvalidConfiguration> { CsrfSession("http://example.com/", "u", "p") }
        assertFailsWith<AuthException.InvalidConfiguration> {
            TokenManager.clientCredentials("https://example.com/oauth/token", "id", "secret", options = TokenOptions(maxAttempts = 0))
        }
    }

    @Test
    fun `the Path factory reports an unreadable key file as InvalidConfiguration`() {
        val error = assertFailsWith<AuthException.InvalidConfiguration> {
            TokenManager.apiKeyExchange("https://example.com/v1/token", tempDir.resolve("missing.json"))
        }
        assertTrue(error.message.startsWith("invalid configuration: cannot read the API-key file"), error.message)
    }

    @Test
    fun `a closed manager throws instead of touching freed memory`() {
        val manager = TokenManager.staticToken("abc")
        manager.close()
        assertThrows<IllegalStateException> { manager.authorizationBlocking() }
    }
}
