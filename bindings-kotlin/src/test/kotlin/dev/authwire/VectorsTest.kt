package dev.authwire

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path

/**
 * Every header case of the shared vectors, through the Kotlin bindings and the Kotlin layer
 * ([schemeAuthParams]), and the `client_auth` cases through [TokenManager.clientCredentials]
 * against a real HTTP server on 127.0.0.1.
 */
class VectorsTest {
    @TempDir
    lateinit var tempDir: Path

    private fun cases(section: String, body: (JSONObject) -> Unit): List<DynamicTest> =
        Vectors.section(section).map { case -> dynamicTest("$section: ${Vectors.label(case)}") { body(case) } }

    /** Runs [call], which must fail with an [AuthException] of variant [V], and returns it. */
    private inline fun <reified V : AuthException> assertFailsWith(crossinline call: () -> Any?): V {
        val error = assertThrows<AuthException> { call() }
        return assertInstanceOf(V::class.java, error, error.message)
    }

    @TestFactory
    fun basic() = cases("basic") { case ->
        val userId = case.getString("user_id")
        val password = case.getString("password")
        val value = basicAuth(userId, password)
        val expected = case.stringOrNull("header_value")
        if (expected != null) {
            assertEquals(expected, value)
        } else {
            // "value has no CR or LF and decodes back to user_id:password"
            assertFalse(value.contains('\r') || value.contains('\n'), value)
        }
        decodeBasic(value).let { credentials ->
            assertEquals(userId, credentials.userId)
            assertEquals(password, credentials.password)
        }
    }

    @TestFactory
    fun basicInvalid() = cases("basic_invalid") { case ->
        assertFailsWith<AuthException.InvalidInput> {
            basicAuth(case.getString("user_id"), case.getString("password"))
        }
    }

    @TestFactory
    fun basicDecodeInvalid() = cases("basic_decode_invalid") { case ->
        assertFailsWith<AuthException.InvalidInput> { decodeBasic(case.getString("header_value")) }
    }

    @TestFactory
    fun bearer() = cases("bearer") { case ->
        assertEquals(case.getString("header_value"), bearerAuth(case.getString("token")))
    }

    @TestFactory
    fun bearerInvalid() = cases("bearer_invalid") { case ->
        assertFailsWith<AuthException.InvalidInput> { bearerAuth(case.getString("token")) }
    }

    @Test
    fun `sections have at least the documented cases`() {
        val minimum = mapOf(
            "bearer" to 7,
            "bearer_invalid" to 8,
            "scheme" to 4,
            "scheme_invalid" to 7,
            "scheme_params" to 2,
            "scheme_params_invalid" to 4,
            "client_auth" to 9,
        )
        for ((section, count) in minimum) {
            val found = Vectors.section(section).size
            assertTrue(found >= count, "$section has $found cases, expected at least $count")
        }
        // Providers' tokens are visible ASCII, not only RFC 6750 b64tokens.
        val tokens = Vectors.section("bearer").map { it.getString("token") }
        for (shape in listOf("abc=d", "!", "%2B", "|")) {
            assertTrue(tokens.any { shape in it }, "no valid bearer case with '$shape'")
        }
    }

    @TestFactory
    fun scheme() = cases("scheme") { case ->
        assertEquals(case.getString("header_value"), schemeAuth(case.getString("scheme"), case.getString("credentials")))
    }

    @TestFactory
    fun schemeInvalid() = cases("scheme_invalid") { case ->
        assertFailsWith<AuthException.InvalidInput> { schemeAuth(case.getString("scheme"), case.getString("credentials")) }
    }

    private fun params(case: JSONObject): List<Pair<String, String>> {
        val array = case.getJSONArray("params")
        return (0 until array.length()).map { i ->
            val pair = array.getJSONArray(i)
            check(pair.length() == 2) { "a param is not a [name, value] pair: $pair" }
            pair.getString(0) to pair.getString(1)
        }
    }

    /** The same params through every overload of [schemeAuthParams] and the generated
     *  function; the map only when no name repeats (a map keeps one value per name). */
    private fun everyOverload(scheme: String, params: List<Pair<String, String>>): List<Pair<String, () -> String>> {
        val overloads = mutableListOf<Pair<String, () -> String>>(
            "vararg" to { schemeAuthParams(scheme, *params.toTypedArray()) },
            "list" to { schemeAuthParams(scheme, params) },
            "generated" to { schemeAuthParamLists(scheme, params.map { it.first }, params.map { it.second }) },
        )
        if (params.map { it.first }.toSet().size == params.size) {
            overloads += "map" to { schemeAuthParams(scheme, params.toMap()) }
        }
        return overloads
    }

    @TestFactory
    fun schemeParams() = cases("scheme_params") { case ->
        val scheme = case.getString("scheme")
        val expected = case.getString("header_value")
        for ((overload, call) in everyOverload(scheme, params(case))) {
            assertEquals(expected, call(), overload)
        }
        // What the builder quotes, schemeAuth accepts as auth-params.
        assertEquals(expected, schemeAuth(scheme, expected.substringAfter(' ')))
    }

    @TestFactory
    fun schemeParamsInvalid() = cases("scheme_params_invalid") { case ->
        for ((overload, call) in everyOverload(case.getString("scheme"), params(case))) {
            val error = assertThrows<AuthException>(overload) { call() }
            assertInstanceOf(AuthException.InvalidInput::class.java, error, "$overload: ${error.message}")
        }
    }

    @Test
    fun `schemeAuthParams keeps the order, repeats and tabs, and refuses lists of different lengths`() {
        assertEquals("Digest b=\"2\", a=\"1\", b=\"3\"", schemeAuthParams("Digest", "b" to "2", "a" to "1", "b" to "3"))
        assertEquals("Token a=\"x\ty\"", schemeAuthParams("Token", "a" to "x\ty"))
        assertEquals(
            "Custom z=\"1\", y=\"2\", x=\"3\"",
            schemeAuthParams("Custom", linkedMapOf("z" to "1", "y" to "2", "x" to "3")),
        )
        assertEquals("Token a=\"\"", schemeAuthParams("Token", listOf("a" to "")))
        assertFailsWith<AuthException.InvalidInput> { schemeAuthParams("Token") }
        assertFailsWith<AuthException.InvalidInput> { schemeAuthParams("Token", emptyMap()) }
        assertFailsWith<AuthException.InvalidInput> { schemeAuthParamLists("Token", listOf("a", "b"), listOf("1")) }
    }

    @TestFactory
    fun clientAuth(): List<DynamicTest> {
        val server = LocalServer { _, _ -> json(200, JSONObject().put("access_token", "t").put("token_type", "Bearer")) }
        fun manager(case: JSONObject, method: ClientAuthMethod) = TokenManager.clientCredentials(
            server.url("/oauth/token"),
            case.getString("client_id"),
            case.getString("client_secret"),
            authMethod = method,
        )
        fun sent(case: JSONObject, method: ClientAuthMethod): Received {
            val before = server.count
            manager(case, method).use { assertEquals("Bearer t", it.authorizationBlocking()) }
            assertEquals(before + 1, server.count)
            return server.requests.last()
        }
        return cases("client_auth") { case ->
            val basic = sent(case, ClientAuthMethod.CLIENT_SECRET_BASIC)
            assertEquals(case.getString("basic"), basic.header("Authorization"))
            assertEquals("grant_type=client_credentials", basic.body)
            assertEquals("application/json", basic.header("Accept"))

            val post = sent(case, ClientAuthMethod.CLIENT_SECRET_POST)
            assertNull(post.header("Authorization"))
            assertEquals(case.getString("post_body"), post.body)

            val unencoded = case.stringOrNull("basic_unencoded")
            if (unencoded != null) {
                val sentUnencoded = sent(case, ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED)
                assertEquals(unencoded, sentUnencoded.header("Authorization"))
                assertEquals("grant_type=client_credentials", sentUnencoded.body)
            } else {
                val before = server.count
                val error = assertFailsWith<AuthException.InvalidConfiguration> {
                    manager(case, ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED)
                }
                assertTrue("':'" in error.message, error.message)
                assertFalse(case.getString("client_secret") in error.message, error.message)
                assertEquals(before, server.count, "nothing is sent")
            }
        } + dynamicTest("client_auth: the server stops") { server.close() }
    }

    @TestFactory
    fun openConnectors() = cases("open_connectors") { case ->
        val value = openConnectorsAuth(
            case.getString("user_secret"),
            organizationSecret = case.stringOrNull("organization_secret"),
            elementToken = case.stringOrNull("element_token"),
        )
        assertEquals(case.getString("header_value"), value)
    }

    @TestFactory
    fun openConnectorsInvalid() = cases("open_connectors_invalid") { case ->
        assertFailsWith<AuthException.InvalidInput> {
            openConnectorsAuth(
                case.getString("user_secret"),
                organizationSecret = case.stringOrNull("organization_secret"),
                elementToken = case.stringOrNull("element_token"),
            )
        }
    }

    @TestFactory
    fun apiKeyFile() = cases("api_key_file") { case ->
        val file = case.getJSONObject("json")
        val apiKey = case.getJSONObject("token_request_body").getString("apiKey")
        val path = Files.writeString(tempDir.resolve("key.json"), file.toString())
        for (key in listOf(ApiKey.fromJson(file.toString()), ApiKey.fromFile(path))) {
            key.let {
                assertEquals(file.getString("appClientId"), it.appClientId)
                assertEquals(file.getString("appClientSecret"), it.appClientSecret)
                assertEquals(file.getString("encodedKey"), it.encodedKey)
                assertEquals(apiKey, it.encodedKey, "the token request sends the encodedKey")
            }
        }
        ApiKey.fromEncodedKey(apiKey).let {
            assertEquals(apiKey, it.encodedKey)
            assertNull(it.appClientId)
            assertNull(it.appClientSecret)
        }
    }

    @TestFactory
    fun apiKeyFileInvalid() = cases("api_key_file_invalid") { case ->
        val text = case.getString("text")
        assertFailsWith<AuthException.InvalidConfiguration> { ApiKey.fromJson(text) }
        val path = Files.writeString(tempDir.resolve("key.json"), text)
        assertFailsWith<AuthException.InvalidConfiguration> { ApiKey.fromFile(path) }
    }
}
