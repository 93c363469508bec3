package dev.authwire.samples

import dev.authwire.LocalServer
import dev.authwire.Vectors
import dev.authwire.PythonServer
import dev.authwire.basicAuth
import dev.authwire.ApiKey
import dev.authwire.TlsServers
import dev.authwire.TokenManager
import dev.authwire.TokenOptions
import dev.authwire.samples.errors.authorizationOrNull
import dev.authwire.samples.jwt.listApps
import dev.authwire.samples.jwt.listBuckets
import dev.authwire.samples.jwt.listRepositories
import dev.authwire.samples.tokens.createOrder
import dev.authwire.samples.tokens.listThings
import dev.authwire.testPython
import dev.authwire.testPythonMissing
import dev.authwire.text
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyFactory
import java.security.spec.PKCS8EncodedKeySpec
import java.util.Base64
import kotlin.time.Duration.Companion.milliseconds

/**
 * The README's Kotlin samples are the sample files, verbatim, and print what their comments
 * say. A comment ending in " ..." gives the start of the line.
 *
 * - the quickstart: [ReadmeSample.kt][main];
 * - the token manager and OkHttp sample: `samples/tokens/TokenSample.kt`, run against local
 *   servers (its `main`, with the real URLs, is compiled but not run);
 * - the network-error sample: `samples/errors/ErrorSample.kt`, run against the servers of
 *   `tests/scenarios/tls_servers.py` (skipped without the test Python, see [testPython]);
 * - the signed-JWT sample: `samples/jwt/JwtSample.kt`, run against the verifiers of
 *   `tests/scenarios/jwt_servers.py` (skipped without the test Python, see [testPython]).
 */
class ReadmeSampleTest {
    private val moduleDir: Path = Path.of(
        System.getProperty("authwire.moduleDir")
            ?: error("system property authwire.moduleDir is not set; run the tests with Maven (see pom.xml)"),
    )

    /** A sample file from its first import to the end: the part the README shows. */
    private fun sample(relativePath: String): String {
        val source = Files.readString(moduleDir.resolve("src/test/kotlin/dev/authwire/samples").resolve(relativePath))
        return source.substring(source.indexOf("\nimport ") + 1).trimEnd()
    }

    private val quickstart: String by lazy { sample("ReadmeSample.kt") }
    private val tokenSample: String by lazy { sample("tokens/TokenSample.kt") }
    private val errorSample: String by lazy { sample("errors/ErrorSample.kt") }
    private val jwtSample: String by lazy { sample("jwt/JwtSample.kt") }
    private val sessionSample: String by lazy { sample("sessions/SessionSample.kt") }

    /** The README's ```kotlin blocks that start with an import, in order. */
    private val readmeSamples: List<String> by lazy {
        val readme = Files.readString(moduleDir.resolve("README.md"))
        Regex("```kotlin\\n(import .*?)```", RegexOption.DOT_MATCHES_ALL).findAll(readme)
            .map { it.groupValues[1].trimEnd() }.toList()
    }

    @Test
    fun `the README quickstart is the sample, verbatim`() {
        assertTrue(readmeSamples.isNotEmpty(), "README.md has no ```kotlin block starting with an import")
        assertEquals(quickstart, readmeSamples.first(), "README.md's Kotlin quickstart differs from ReadmeSample.kt")
    }

    @Test
    fun `the README token manager and OkHttp sample is TokenSample kt, verbatim`() {
        assertEquals(5, readmeSamples.size, "README.md should have five ```kotlin blocks starting with an import")
        assertEquals(tokenSample, readmeSamples[1], "README.md's token manager sample differs from tokens/TokenSample.kt")
    }

    @Test
    fun `the README network-error sample is ErrorSample kt, verbatim`() {
        assertEquals(5, readmeSamples.size, "README.md should have five ```kotlin blocks starting with an import")
        assertEquals(errorSample, readmeSamples[2], "README.md's network-error sample differs from errors/ErrorSample.kt")
    }

    @Test
    fun `the README signed-JWT sample is JwtSample kt, verbatim`() {
        assertEquals(5, readmeSamples.size, "README.md should have five ```kotlin blocks starting with an import")
        assertEquals(jwtSample, readmeSamples[3], "README.md's signed-JWT sample differs from jwt/JwtSample.kt")
    }

    @Test
    fun `the quickstart prints what its comments say`() {
        assertPrintsItsComments(quickstart, minimum = 6) { main() }
    }

    @Test
    fun `the README user-session sample is sessions-SessionSample kt, verbatim`() {
        assertEquals(sessionSample, readmeSamples[4], "README.md's user-session sample differs from sessions/SessionSample.kt")
    }

    @Test
    fun `the token sample prints what its comments say, against local servers`(@TempDir dir: Path) {
        val keyFile = Files.writeString(dir.resolve("xtd-api-key.json"), Vectors.section("api_key_file")[0].getJSONObject("json").toString())
        val sapCredentials = basicAuth("alice", "s3cret")
        LocalServer.xtd().use { tokens ->
            LocalServer { request, _ ->
                if (request.header("Authorization") == "Bearer t0") text(200, "[]") else text(401)
            }.use { api ->
                LocalServer { request, n ->
                    when {
                        request.header("Authorization") != sapCredentials -> text(401)
                        request.header("X-CSRF-Token") == "fetch" ->
                            text(200).setHeader("x-csrf-token", "csrf-$n").setHeader("Set-Cookie", "SAP_SESSIONID=s$n; Path=/")
                        request.header("X-CSRF-Token") == "csrf-0" && request.header("Cookie") == "SAP_SESSIONID=s0" -> text(201)
                        else -> text(403).setHeader("x-csrf-token", "Required")
                    }
                }.use { sap ->
                    assertPrintsItsComments(tokenSample, minimum = 5) {
                        listThings(tokens.url("/v1/token"), keyFile, api.url("/v1/things"))
                        createOrder(sap.url("/sap/opu/odata/sap/API_SALES_ORDER_SRV/"), "alice", "s3cret")
                    }
                    assertEquals("/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder", sap.requests.last().path)
                }
            }
        }
    }

    @Test
    fun `the network-error sample prints what its comments say, against the TLS servers`() {
        fun manager(name: String) = ApiKey.fromEncodedKey("sample-key").let {
            TokenManager.apiKeyExchange(TlsServers.tokenUrl(name), it, TokenOptions(maxAttempts = 2, backoffInitial = 10L.milliseconds, backoffMax = 10L.milliseconds))
        }
        assertPrintsItsComments(errorSample, minimum = 3) {
            for (name in listOf("untrusted", "closed", "not_resolving")) {
                manager(name).use { assertEquals(null, authorizationOrNull(it)) }
            }
        }
        // The test CA is trusted through SSL_CERT_FILE (see TlsServers): a token, nothing printed.
        val printed = captureStdout {
            manager("trusted").use { assertTrue(authorizationOrNull(it).orEmpty().startsWith("Bearer tls-token-")) }
        }
        assertEquals("", printed)
    }

    @Test
    fun `the signed-JWT sample prints what its comments say, against the JWT verifiers`(@TempDir dir: Path) {
        assumeTrue(testPython != null) { "the signed-JWT sample needs jwt_servers.py: $testPythonMissing" }
        PythonServer.jwtServers().use { server ->
            val ready = JSONObject(server.readyLine)
            val base = ready.getString("base")
            val keys = ready.getJSONObject("keys")
            val google = ready.getJSONObject("google_key_json").put("token_uri", "$base/google/0.sample/token")
            val keyFile = Files.writeString(dir.resolve("service-account.json"), google.toString())
            val asc = ready.getJSONObject("asc")
            val p8File = Files.writeString(dir.resolve("AuthKey.p8"), keys.getString("ec_pkcs8"))
            // GitHub's stand-in takes the server's RSA key when the JWT has no kid: read it with JCA.
            val der = Base64.getDecoder().decode(keys.getString("rsa_pkcs8").lines().filterNot { it.startsWith("-----") }.joinToString(""))
            val rsaKey = KeyFactory.getInstance("RSA").generatePrivate(PKCS8EncodedKeySpec(der))
            val github = ready.getJSONObject("github")
            assertPrintsItsComments(jwtSample, minimum = 6) {
                listBuckets(keyFile, "$base/google/0.sample/resource")
                listApps(asc.getString("issuer_id"), asc.getString("key_id"), p8File, "$base/verify/asc")
                listRepositories(github.getString("app_id"), github.getLong("installation_id"), rsaKey, github.getString("api"))
            }
        }
    }

    private fun assertPrintsItsComments(sample: String, minimum: Int, run: () -> Unit) {
        val expected = sample.lines().mapNotNull { PRINTED.find(it)?.groupValues?.get(1) }
        assertTrue(expected.size >= minimum, "too few commented println lines: $expected")

        val printed = captureStdout(run).lines().dropLastWhile { it.isEmpty() }
        assertEquals(expected.size, printed.size, "printed:\n${printed.joinToString("\n")}")
        for ((want, got) in expected.zip(printed)) {
            if (want.endsWith(" ...")) {
                assertTrue(got.startsWith(want.removeSuffix(" ...")), "expected '$want', printed '$got'")
            } else {
                assertEquals(want, got)
            }
        }
    }

    private companion object {
        val PRINTED = Regex("""^\s*println\(.*\) // (.*)$""")

        fun captureStdout(body: () -> Unit): String {
            val original = System.out
            val buffer = ByteArrayOutputStream()
            System.setOut(PrintStream(buffer, true, Charsets.UTF_8))
            try {
                body()
            } finally {
                System.setOut(original)
            }
            return buffer.toString(Charsets.UTF_8)
        }
    }
}
