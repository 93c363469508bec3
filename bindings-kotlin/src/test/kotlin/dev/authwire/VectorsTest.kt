package dev.authwire

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path

/** Every header case of the shared vectors, through the Kotlin bindings. */
class VectorsTest {
    @TempDir
    lateinit var tempDir: Path

    private fun cases(section: String, body: (JSONObject) -> Unit): List<DynamicTest> =
        Vectors.section(section).map { case -> dynamicTest("$section: ${Vectors.label(case)}") { body(case) } }

    /** Runs [call], which must fail with an [AuthException] of variant [V], and returns it. */
    private inline fun <reified V : AuthException> assertFailsWith(crossinline call: () -> Any?): V {
        val error = assertThrows<AuthException> { call() }
        return assertInstanceOf(V::class.java, error, error.displayMessage)
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
        decodeBasic(value).use { credentials ->
            assertEquals(userId, credentials.userId())
            assertEquals(password, credentials.password())
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
        for (key in listOf(ApiKey.fromJson(file.toString()), ApiKey.fromFile(path.toString()), ApiKey.fromFile(path))) {
            key.use {
                assertEquals(file.getString("appClientId"), it.appClientId())
                assertEquals(file.getString("appClientSecret"), it.appClientSecret())
                assertEquals(file.getString("encodedKey"), it.encodedKey())
                assertEquals(apiKey, it.encodedKey(), "the token request sends the encodedKey")
            }
        }
        ApiKey.fromEncodedKey(apiKey).use {
            assertEquals(apiKey, it.encodedKey())
            assertNull(it.appClientId())
            assertNull(it.appClientSecret())
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
