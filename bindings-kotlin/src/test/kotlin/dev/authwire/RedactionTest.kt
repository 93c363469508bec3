package dev.authwire

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicNode
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import org.opentest4j.AssertionFailedError
import java.io.PrintWriter
import java.io.StringWriter
import java.nio.file.Files
import java.nio.file.Path
import java.util.Base64

/**
 * No secret from the inputs ever shows in `toString()` of an [ApiKey] or [BasicCredentials],
 * nor in any rendering of an [AuthException] (message, toString, displayMessage, stack
 * trace), including errors for invalid inputs that carry a secret. Where an object holds a
 * secret, its rendering shows `[redacted]`.
 */
class RedactionTest {
    @TempDir
    lateinit var tempDir: Path

    // --- ApiKey and BasicCredentials ----------------------------------------------------

    @TestFactory
    fun apiKeyFromFileContentsIsRedacted(): List<DynamicNode> = Vectors.section("api_key_file").map { case ->
        dynamicTest(Vectors.label(case)) {
            val file = case.getJSONObject("json")
            val secrets = listOf(
                file.getString("appClientSecret"),
                file.getString("encodedKey"),
                case.getJSONObject("token_request_body").getString("apiKey"),
            )
            val path = Files.writeString(tempDir.resolve("key.json"), file.toString())
            for (key in listOf(ApiKey.fromJson(file.toString()), ApiKey.fromFile(path))) {
                key.let {
                    assertObjectRedacted(it, secrets)
                    // The client id is not a secret and identifies the key.
                    assertTrue(it.toString().contains(file.getString("appClientId")), it.toString())
                }
            }
        }
    }

    @TestFactory
    fun apiKeyFromEncodedKeyIsRedacted() = forEachTokenSecret { secret ->
        ApiKey.fromEncodedKey(secret).let {
            assertEquals(secret, it.encodedKey)
            assertObjectRedacted(it, listOf(secret))
        }
    }

    @TestFactory
    fun basicCredentialsAreRedacted(): List<DynamicNode> = Vectors.section("basic").map { case ->
        dynamicTest(Vectors.label(case)) {
            val userId = case.getString("user_id")
            val password = case.getString("password")
            decodeBasic(basicAuth(userId, password)).let {
                assertObjectRedacted(it, if (password.isEmpty()) emptyList() else listOf(password))
                assertTrue(it.toString().contains(userId), it.toString())
            }
        }
    }

    @TestFactory
    fun basicCredentialsWithAVectorSecretAreRedacted() = forEachVectorSecret { secret ->
        if (secret.any { it.isISOControl() }) {
            // Such a password is refused, and the refusal does not show it.
            assertInvalidInputHides(secret) { basicAuth("alice", secret) }
        } else {
            decodeBasic(basicAuth("alice", secret)).let {
                assertEquals(secret, it.password)
                assertObjectRedacted(it, listOf(secret))
            }
        }
    }

    // --- Errors of the header builders and the parser -------------------------------------

    @Test
    fun basicAuthErrorDoesNotShowThePassword() {
        assertInvalidInputHides("SECRETPW") { basicAuth("a:b", "SECRETPW") }
    }

    @TestFactory
    fun basicAuthErrorsHideTheSecret(): List<DynamicNode> {
        val scenarios = listOf<Pair<String, (String) -> Pair<String, String>>>(
            "colon in the user-id" to { s -> "a:b" to s },
            "CR LF in the user-id" to { s -> "a\r\nX-Evil: 1" to s },
            "NUL in the user-id" to { s -> "a\u0000" to s },
            "CR LF after the password" to { s -> "alice" to s + "\r\nX-Evil: 1" },
            "DEL before the password" to { s -> "alice" to "\u007f" + s },
            "C1 control after the password" to { s -> "alice" to s + "\u0085" },
        )
        return scenarios.flatMap { (name, makeArgs) ->
            forEachVectorSecret(name) { secret ->
                val (userId, password) = makeArgs(secret)
                assertInvalidInputHides(secret) { basicAuth(userId, password) }
            }
        }
    }

    @TestFactory
    fun decodeBasicErrorsHideTheSecret() = forEachVectorSecret { secret ->
        val noColon = secret.replace(":", "")
        val notUtf8 = byteArrayOf(0xff.toByte(), 0xfe.toByte()) + secret.toByteArray(Charsets.UTF_8)
        val b64 = Base64.getEncoder()
        val cases = listOf(
            "Bearer $secret" to secret,
            "Basic $secret!" to secret,
            secret to secret,
            "Basic " + b64.encodeToString(noColon.toByteArray(Charsets.UTF_8)) to noColon,
            "Basic " + b64.encodeToString(notUtf8) to secret,
        )
        for ((value, hidden) in cases) {
            assertInvalidInputHides(hidden) { decodeBasic(value) }
            // The base64 of a Basic value is a secret too.
            val encoded = value.substringAfter(' ', "")
            if (encoded.length >= Vectors.MIN_SECRET_CHARS) {
                assertInvalidInputHides(encoded) { decodeBasic(value) }
            }
        }
    }

    @TestFactory
    fun tokenBuilderErrorsHideTheSecret(): List<DynamicNode> {
        val scenarios = listOf<Pair<String, (String) -> Any>>(
            "bearer: space" to { s -> bearerAuth("$s x") },
            "bearer: CR LF" to { s -> bearerAuth(s + "\r\nX-Evil: 1") },
            "bearer: tab" to { s -> bearerAuth("$s\tx") },
            "bearer: DEL" to { s -> bearerAuth("$s\u007f") },
            "bearer: non-ASCII" to { s -> bearerAuth("${s}é") },
            "bearer: NUL" to { s -> bearerAuth("\u0000$s") },
            "scheme: invalid scheme" to { s -> schemeAuth("Bad Scheme", s) },
            // Not "$s x": for a secret ending in '=' that is the auth-param `name= x` (RFC 9110 BWS).
            "scheme: space" to { s -> schemeAuth("Token", "x $s") },
            "scheme: LF" to { s -> schemeAuth("Token", s + "\n") },
            "scheme: unterminated quote" to { s -> schemeAuth("Token", "token=\"$s") },
            "scheme: CR LF in a quoted value" to { s -> schemeAuth("Token", "token=\"$s\"\r\nX-Evil: 1") },
            "scheme: non-ASCII in a quoted value" to { s -> schemeAuth("Token", "token=\"${s}é\"") },
            "oc: comma in user" to { s -> openConnectorsAuth("$s,x") },
            "oc: space in org" to { s -> openConnectorsAuth(s, organizationSecret = "$s x") },
            "oc: CR LF in element" to { s ->
                openConnectorsAuth(s, organizationSecret = s, elementToken = s + "\r\nX-Evil: 1")
            },
            "oc: empty org" to { s -> openConnectorsAuth(s, organizationSecret = "", elementToken = s) },
            "oc: empty user" to { s -> openConnectorsAuth("", organizationSecret = s, elementToken = s) },
        )
        return scenarios.flatMap { (name, call) ->
            forEachTokenSecret(name) { secret -> assertInvalidInputHides(secret) { call(secret) } }
        }
    }

    @TestFactory
    fun schemeAuthParamsErrorsHideTheValues(): List<DynamicNode> {
        // Each call refuses a list in which a vector secret is a value, valid or not.
        val scenarios = listOf<Pair<String, (String) -> Any>>(
            "CR LF in the value" to { s -> schemeAuthParams("Token", "token" to s + "\r\nX-Evil: 1") },
            "LF before the value" to { s -> schemeAuthParams("Token", "token" to "\n" + s) },
            "NUL in the value" to { s -> schemeAuthParams("Token", "token" to "$s\u0000") },
            "DEL in the value" to { s -> schemeAuthParams("Token", "token" to "$s\u007f") },
            "non-ASCII in the value" to { s -> schemeAuthParams("Token", "token" to "${s}é") },
            "C1 control in the value" to { s -> schemeAuthParams("Token", "token" to "$s\u0085") },
            "valid value, then an invalid name" to { s -> schemeAuthParams("Token", "token" to s, "bad name" to "x") },
            "valid value, then an invalid value" to { s -> schemeAuthParams("Token", "token" to s, "realm" to "x\r\n") },
            "invalid scheme" to { s -> schemeAuthParams("Bad Scheme", "token" to s) },
            "empty scheme, list" to { s -> schemeAuthParams("", listOf("token" to s)) },
            "invalid value, map" to { s -> schemeAuthParams("Token", mapOf("a" to "1", "token" to s + "\r\n")) },
            "lists of different lengths" to { s -> schemeAuthParamLists("Token", listOf("token", "realm"), listOf(s)) },
        )
        return scenarios.flatMap { (name, call) ->
            forEachVectorSecret(name) { secret -> assertInvalidInputHides(secret) { call(secret) } }
        }
    }

    @TestFactory
    fun invalidVectorErrorsHideTheirValues(): List<DynamicNode> {
        val calls = mutableListOf<Triple<String, () -> Any, List<String>>>()
        for (case in Vectors.section("basic_invalid")) {
            val userId = case.getString("user_id")
            val password = case.getString("password")
            calls += Triple("basic_invalid: ${Vectors.label(case)}", { basicAuth(userId, password) }, listOf(userId, password))
        }
        for (case in Vectors.section("bearer_invalid")) {
            val token = case.getString("token")
            calls += Triple("bearer_invalid: ${Vectors.label(case)}", { bearerAuth(token) }, listOf(token))
        }
        for (case in Vectors.section("scheme_invalid")) {
            val scheme = case.getString("scheme")
            val credentials = case.getString("credentials")
            calls += Triple("scheme_invalid: ${Vectors.label(case)}", { schemeAuth(scheme, credentials) }, listOf(credentials))
        }
        for (case in Vectors.section("scheme_params_invalid")) {
            val scheme = case.getString("scheme")
            val array = case.getJSONArray("params")
            val params = (0 until array.length()).map { array.getJSONArray(it).getString(0) to array.getJSONArray(it).getString(1) }
            calls += Triple(
                "scheme_params_invalid: ${Vectors.label(case)}",
                { schemeAuthParams(scheme, params) },
                params.map { it.second },
            )
        }
        for (case in Vectors.section("open_connectors_invalid")) {
            val user = case.getString("user_secret")
            val org = case.stringOrNull("organization_secret")
            val element = case.stringOrNull("element_token")
            calls += Triple(
                "open_connectors_invalid: ${Vectors.label(case)}",
                { openConnectorsAuth(user, organizationSecret = org, elementToken = element) },
                listOfNotNull(user, org, element),
            )
        }
        for (case in Vectors.section("basic_decode_invalid")) {
            val value = case.getString("header_value")
            calls += Triple(
                "basic_decode_invalid: ${Vectors.label(case)}",
                { decodeBasic(value) },
                listOf(value, value.substringAfter(' ', "")),
            )
        }
        check(calls.size >= 27) { "too few invalid cases: ${calls.size}" }
        return calls.map { (name, call, values) ->
            dynamicTest(name) {
                // Even a value too short to check is refused.
                assertThrows<AuthException.InvalidInput> { call() }
                for (value in values.filter { it.length >= Vectors.MIN_SECRET_CHARS }) {
                    assertInvalidInputHides(value, call)
                }
            }
        }
    }

    // --- Errors of API-key files ----------------------------------------------------------

    @TestFactory
    fun apiKeyFileErrorsHideTheSecret(): List<DynamicNode> {
        fun keyFile(appClientId: String, appClientSecret: Any, encodedKey: Any): String = JSONObject()
            .put("appClientId", appClientId)
            .put("appClientSecret", appClientSecret)
            .put("encodedKey", encodedKey)
            .toString()

        val scenarios = listOf<Pair<String, (String) -> String>>(
            "invalid JSON after the secrets" to { s -> keyFile("client", s, s).dropLast(1) + ", oops" },
            "trailing text after a valid file" to { s -> keyFile("client", s, s) + " trailing" },
            "unterminated object" to { s -> """{"appClientSecret": "$s", "encodedKey": "$s"""" },
            "invalid escape after the secret" to { s -> """{"appClientId": "c", "encodedKey": "$s\q"}""" },
            "missing encodedKey" to { s -> JSONObject().put("appClientId", "c").put("appClientSecret", s).toString() },
            "secret inside an array" to { s -> keyFile("c", JSONArray().put(s), "k") },
            "secret inside an object" to { s -> keyFile("c", "s", JSONObject().put("value", s)) },
            "whitespace in appClientSecret" to { s -> keyFile("c", "$s x", "k") },
            "LF in encodedKey" to { s -> keyFile("c", "s", s + "\n") },
            "empty appClientId" to { s -> keyFile("", s, s) },
            "an array, not an object" to { s -> JSONArray().put(s).toString() },
            "a string, not an object" to { s -> JSONObject.quote(s) },
            "the secret alone" to { s -> s },
        )
        return scenarios.flatMap { (name, makeText) ->
            forEachTokenSecret(name) { secret ->
                val text = makeText(secret)
                assertInvalidConfigurationHides(secret) { ApiKey.fromJson(text) }
                val path = Files.writeString(tempDir.resolve("key.json"), text)
                assertInvalidConfigurationHides(secret) { ApiKey.fromFile(path) }
            }
        }
    }

    @TestFactory
    fun apiKeyNumericSecretIsHidden() = listOf("appClientSecret", "encodedKey").map { field ->
        dynamicTest(field) {
            // Beyond Long and exact in no double: written as JSON text, not through JSONObject.
            val number = "9876543210123456789"
            val fields = mapOf("appClientId" to "\"c\"", "appClientSecret" to "\"s\"", "encodedKey" to "\"k\"") +
                (field to number)
            val document = fields.entries.joinToString(", ", "{", "}") { (key, value) -> "\"$key\": $value" }
            assertInvalidConfigurationHides(number) { ApiKey.fromJson(document) }
        }
    }

    @TestFactory
    fun apiKeyInvalidEncodedKeyIsHidden(): List<DynamicNode> =
        listOf("space" to " x", "CR LF" to "\r\n", "tab" to "\t").flatMap { (name, suffix) ->
            forEachTokenSecret(name) { secret ->
                assertInvalidConfigurationHides(secret) { ApiKey.fromEncodedKey(secret + suffix) }
            }
        }

    @Test
    fun `the checks themselves catch a shown secret`() {
        assertThrows<AssertionFailedError> { assertHidden("token=SECRET-1", "SECRET-1") }
        assertThrows<AssertionFailedError> { assertHidden("""password="pw\r\nX"""", "pw\r\nX") }
        assertThrows<AssertionFailedError> { assertObjectRedacted("ApiKey(secrets=hidden)", emptyList()) }
        assertThrows<AssertionFailedError> { assertInvalidInputHides("abc def") { throw AuthException.InvalidInput("abc def") } }
        assertThrows<AssertionFailedError> { assertInvalidInputHides("abc def") { "no error" } }
    }

    // --- Helpers ------------------------------------------------------------------------

    private fun forEachVectorSecret(prefix: String? = null, body: (String) -> Unit): List<DynamicNode> =
        Vectors.secrets.map { (label, secret) ->
            dynamicTest(if (prefix == null) label else "$prefix: $label") { body(secret) }
        }

    private fun forEachTokenSecret(prefix: String? = null, body: (String) -> Unit): List<DynamicNode> =
        Vectors.tokenSecrets.map { (label, secret) ->
            dynamicTest(if (prefix == null) label else "$prefix: $label") { body(secret) }
        }

    companion object {
        private const val REDACTED = "[redacted]"

        /** [secret] as Rust's `{:?}` would escape it inside quotes. */
        private fun rustDebugEscaped(secret: String): String = buildString {
            for (c in secret) {
                when {
                    c == '\t' -> append("\\t")
                    c == '\r' -> append("\\r")
                    c == '\n' -> append("\\n")
                    c == '\\' -> append("\\\\")
                    c == '"' -> append("\\\"")
                    c == '\u0000' -> append("\\0")
                    c.isISOControl() -> append("\\u{").append(Integer.toHexString(c.code)).append('}')
                    else -> append(c)
                }
            }
        }

        fun assertHidden(rendered: String, secret: String) {
            for (form in setOf(secret, rustDebugEscaped(secret))) {
                assertFalse(
                    rendered.contains(form),
                    "a rendering shows a secret of ${secret.length} characters: $rendered",
                )
            }
        }

        /** Every way an exception is commonly turned into text. */
        fun errorRenderings(error: Throwable): List<String> {
            val trace = StringWriter().also { error.printStackTrace(PrintWriter(it)) }.toString()
            return listOfNotNull(
                error.toString(),
                error.message,
                error.localizedMessage,
                (error as? AuthException)?.message,
                trace,
            )
        }

        private inline fun <reified V : AuthException> assertErrorHides(
            secret: String,
            prefix: String,
            call: () -> Any?,
        ) {
            val error = assertThrows<AuthException> { call() }
            assertInstanceOf(V::class.java, error, error.message)
            assertTrue(error.message.startsWith(prefix), error.message)
            for (rendered in errorRenderings(error)) {
                assertHidden(rendered, secret)
            }
        }

        fun assertInvalidInputHides(secret: String, call: () -> Any?) =
            assertErrorHides<AuthException.InvalidInput>(secret, "invalid input: ", call)

        fun assertInvalidConfigurationHides(secret: String, call: () -> Any?) =
            assertErrorHides<AuthException.InvalidConfiguration>(secret, "invalid configuration: ", call)

        fun assertObjectRedacted(value: Any, secrets: List<String>) {
            for (rendered in listOf(value.toString(), "$value", java.util.Objects.toString(value))) {
                // The core's objects print [redacted]; the Kotlin value classes <redacted> (docs/api/conventions.md).
                assertTrue(rendered.contains(REDACTED) || rendered.contains("<redacted>"), rendered)
                for (secret in secrets) {
                    assertHidden(rendered, secret)
                }
            }
        }
    }
}
