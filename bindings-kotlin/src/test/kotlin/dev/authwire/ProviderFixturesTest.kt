package dev.authwire

import dev.authwire.RedactionTest.Companion.assertHidden
import dev.authwire.RedactionTest.Companion.errorRenderings
import dev.authwire.okhttp.OkHttpTransport
import okhttp3.OkHttpClient
import okhttp3.Request
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.DynamicContainer.dynamicContainer
import org.junit.jupiter.api.DynamicNode
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.nio.file.Files
import java.util.Base64
import java.util.UUID
import kotlin.math.abs

/**
 * Every documented provider answer of `tests/scenarios/providers.json` through
 * [TokenManager.clientCredentials], with the core's built-in HTTP client and with
 * [OkHttpTransport], against the shared scenario server (`tests/scenarios/server.py`,
 * scenario `provider`, started once for the class).
 *
 * A provider's answer must give the expected `Authorization` value and lifetime; a refused
 * token type must give [AuthException.InvalidResponse] naming the type, without the token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderFixturesTest {
    private lateinit var server: PythonServer
    private lateinit var base: String
    private val http = OkHttpClient()

    private val fixtures: List<JSONObject> by lazy {
        val file = repoRoot.resolve("tests/scenarios/providers.json")
        val array = JSONObject(Files.readString(file)).getJSONArray("fixtures")
        (0 until array.length()).map { array.getJSONObject(it) }
    }

    @BeforeAll
    fun startServer() {
        server = PythonServer.scenarios()
        base = server.scenarioBaseUrl
    }

    @AfterAll
    fun stopServer() {
        if (::server.isInitialized) server.close()
    }

    @Test
    fun `the fixtures file has every documented provider`() {
        assertTrue(fixtures.size >= 22, "${fixtures.size} fixtures")
        assertEquals(fixtures.size, fixtures.map { it.getString("id") }.toSet().size, "fixture ids are unique")
        assertTrue(fixtures.count { it.getJSONObject("expect").has("error") } >= 2, "refused token types")
    }

    @TestFactory
    fun `every provider answer through clientCredentials`(): List<DynamicNode> =
        listOf("builtin", "okhttp").map { kind ->
            dynamicContainer(kind, fixtures.map { fixture -> dynamicTest(fixture.getString("id")) { run(fixture, kind) } })
        }

    private fun run(fixture: JSONObject, kind: String) {
        val id = fixture.getString("id")
        val ns = "$id.kotlin-$kind-${UUID.randomUUID()}"
        val expect = fixture.getJSONObject("expect")
        val transport = if (kind == "okhttp") OkHttpTransport(OkHttpClient()) else null
        val manager = TokenManager.clientCredentials(
            "$base/provider/$ns/token",
            "client-id",
            "client-secret",
            options = TokenOptions(transport = transport),
        )
        manager.use {
            if (expect.has("error")) {
                assertEquals("invalid_response", expect.getString("error"))
                val error = assertThrows<AuthException> { manager.authorizationBlocking() }
                assertInstanceOf(AuthException.InvalidResponse::class.java, error, error.message)
                val names = expect.getString("names")
                assertTrue(names in error.message, "$id: '${error.message}' does not name $names")
                val token = JSONObject(fixture.getString("body_text")).getString("access_token")
                for (rendered in errorRenderings(error)) assertHidden(rendered, token)
            } else {
                val expected = expect.getString("authorization")
                assertEquals(expected, manager.authorizationBlocking(), id)
                val lifetimeMs = (if (expect.isNull("lifetime_s")) 3600.0 else expect.getDouble("lifetime_s")) * 1000
                manager.tokenBlocking().let { token ->
                    assertEquals(expected, token.authorization)
                    assertEquals(expected.removePrefix("Bearer "), token.value)
                    val expiresInMs = token.expiresIn!!.inWholeMilliseconds.toDouble()
                    assertTrue(abs(expiresInMs - lifetimeMs) <= 2000, "$id: expires in $expiresInMs ms, expected $lifetimeMs ms")
                }
                assertEquals(1L, manager.stats().tokenRequests)
                // The scenario server accepts exactly the fixture's header at the resource.
                assertEquals(200, get("/provider/$ns/resource", expected).first, "$id: the resource refused $expected")
            }
        }

        val (status, body) = get("/provider/$ns/last")
        assertEquals(200, status)
        val last = JSONObject(body)
        val headers = last.getJSONObject("headers")
        assertEquals("POST", last.getString("method"))
        assertEquals("application/json", headers.optString("accept"), "$id: the token request's Accept")
        assertTrue(headers.getString("content-type").startsWith("application/x-www-form-urlencoded"), headers.toString())
        assertEquals("grant_type=client_credentials", last.getString("body_text"))
        val basic = "Basic " + Base64.getEncoder().encodeToString("client-id:client-secret".toByteArray())
        assertEquals(basic, headers.optString("authorization"))
    }

    private fun get(path: String, authorization: String? = null): Pair<Int, String> {
        val request = Request.Builder().url(base + path).apply {
            if (authorization != null) header(AUTHORIZATION, authorization)
        }.build()
        return http.newCall(request).execute().use { it.code to it.body!!.string() }
    }
}
