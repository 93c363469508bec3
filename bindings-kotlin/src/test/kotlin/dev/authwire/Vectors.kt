package dev.authwire

import org.json.JSONObject
import java.nio.file.Files
import java.nio.file.Path

/**
 * The shared test vectors, `tests/auth-vectors.json` at the repository root. Surefire passes
 * its path as the system property `authwire.vectors` (see pom.xml).
 *
 * A missing or empty section fails the test that asks for it, so no case is ever skipped
 * silently.
 */
object Vectors {
    /** Values shorter than this ("x", "o") occur in any sentence by chance. */
    const val MIN_SECRET_CHARS = 4

    private val B64TOKEN = Regex("[A-Za-z0-9\\-._~+/]+=*")

    val path: Path by lazy {
        val property = System.getProperty("authwire.vectors")
            ?: error("system property authwire.vectors is not set; run the tests with Maven (see pom.xml)")
        Path.of(property).toAbsolutePath().normalize()
    }

    private val root: JSONObject by lazy { JSONObject(Files.readString(path)) }

    /** The cases of a section, each a fresh copy so no test can change another's data. */
    fun section(name: String): List<JSONObject> {
        val cases = root.optJSONArray(name)
        check(cases != null && cases.length() > 0) { "$path: the section '$name' is missing or empty" }
        return (0 until cases.length()).map { JSONObject(cases.getJSONObject(it).toString()) }
    }

    /** The case's name: its `source`, its `why` for an invalid case, or its `client_id` (`client_auth`). */
    fun label(case: JSONObject): String =
        case.optString("source").ifEmpty { case.optString("why") }.ifEmpty { case.optString("client_id") }.ifEmpty {
            error("a vectors case has neither 'source' nor 'why' nor 'client_id': $case")
        }

    /** (section, field path) of every secret in the vectors. */
    private val SECRET_FIELDS = listOf(
        "basic" to "password",
        "basic" to "header_value",
        "basic_invalid" to "password",
        "basic_decode_invalid" to "header_value",
        "bearer" to "token",
        "bearer_invalid" to "token",
        "open_connectors" to "user_secret",
        "open_connectors" to "organization_secret",
        "open_connectors" to "element_token",
        "open_connectors_invalid" to "user_secret",
        "open_connectors_invalid" to "organization_secret",
        "open_connectors_invalid" to "element_token",
        "scheme" to "credentials",
        "scheme_invalid" to "credentials",
        "client_auth" to "client_secret",
        "api_key_file" to "json.appClientSecret",
        "api_key_file" to "json.encodedKey",
        "api_key_file" to "token_request_body.apiKey",
    )

    /**
     * Every secret of at least [MIN_SECRET_CHARS] characters in the header and API-key
     * sections, by a label naming where it was found first. For a Basic value the secret is
     * its base64 part.
     */
    val secrets: Map<String, String> by lazy {
        val found = linkedMapOf<String, String>()
        for ((sectionName, fieldPath) in SECRET_FIELDS) {
            for (case in section(sectionName)) {
                var value: Any? = case
                for (key in fieldPath.split('.')) {
                    value = (value as? JSONObject)?.opt(key)
                }
                var secret = value as? String ?: continue
                if (fieldPath == "header_value") secret = secret.substringAfter(' ', "")
                if (secret.length >= MIN_SECRET_CHARS && secret !in found.values) {
                    found["$sectionName[${label(case)}].$fieldPath"] = secret
                }
            }
        }
        found
    }

    /**
     * The [secrets] that are also RFC 6750 b64tokens: usable as Bearer tokens and API keys, and
     * free of the `!`, `%`, `|`, `"` that some scenarios below add to make a value invalid.
     */
    val tokenSecrets: Map<String, String> by lazy {
        secrets.filterValues { B64TOKEN.matches(it) }.also {
            check(it.size >= 8) { "too few token-like secrets in the vectors: ${it.keys}" }
        }
    }
}

/** A JSON string field, or `null` when it is absent or JSON `null`. */
fun JSONObject.stringOrNull(key: String): String? = if (isNull(key)) null else getString(key)
