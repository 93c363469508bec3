package dev.authwire

import dev.authwire.RedactionTest.Companion.errorRenderings
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyFactory
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.PrivateKey
import java.security.spec.ECGenParameterSpec
import java.security.spec.PKCS8EncodedKeySpec
import java.util.Base64
import java.util.Collections
import java.util.UUID

/**
 * The signed-JWT token sources against real verifiers on 127.0.0.1
 * (`tests/scenarios/jwt_servers.py`, started once for the class): PyJWT checks the Google,
 * GitHub and App Store Connect JWTs (signature, algorithm, `kid`, `iss`, `aud`, `iat`/`exp`
 * bounds), Authlib checks `private_key_jwt`, and Google stand-ins whose clocks run 10 minutes
 * ahead or behind check the server-time correction. Every source is signed by the core's
 * built-in signer ([pemSigner]) and by [JcaSigner]: over keys generated in JCA (their public
 * keys registered with `PUT /keys/<kid>`) and over the server's PEM keys parsed by JCA.
 *
 * Needs a Python with cryptography, PyJWT, Authlib and Flask: `AUTHWIRE_TEST_PYTHON`, else
 * `<repo>/.venv/bin/python`; skipped when there is neither.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignedJwtTest {
    private lateinit var process: PythonServer
    private lateinit var info: JSONObject
    private lateinit var base: String
    private lateinit var authlib: String
    private val http = OkHttpClient()

    // Keys made by JCA, their public keys registered with the server under these kids.
    private lateinit var jcaRsa: KeyPair
    private lateinit var jcaEc: KeyPair
    private val rsaKid = "jca-rsa-${UUID.randomUUID()}"
    private val ecKid = "jca-ec-${UUID.randomUUID()}"

    /** Every private key's base64 lines, which no rendering may contain. */
    private val secretLines = Collections.synchronizedSet(mutableSetOf<String>())

    @TempDir
    lateinit var dir: Path

    @BeforeAll
    fun startServers() {
        assumeTrue(testPython != null) { "SignedJwtTest skipped: $testPythonMissing" }
        process = PythonServer.jwtServers()
        info = JSONObject(process.readyLine)
        base = info.getString("base")
        authlib = info.getString("authlib")
        for (name in listOf("rsa_pkcs8", "rsa_pkcs1", "ec_pkcs8", "ec_sec1", "wrong_rsa_pkcs8", "ec_p384_pkcs8", "rsa_encrypted")) {
            secretLines += key(name).lines().filter { it.isNotBlank() && !it.startsWith("-----") }
        }
        jcaRsa = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair()
        jcaEc = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
        for (pair in listOf(jcaRsa, jcaEc)) remember(pair.private)
        // One as DER (JCA's getEncoded), one as PEM: the server takes both.
        putKey(rsaKid, jcaRsa.public.encoded, "application/octet-stream")
        putKey(ecKid, pem("PUBLIC KEY", jcaEc.public.encoded).toByteArray(), "application/x-pem-file")
    }

    @AfterAll
    fun stopServers() {
        if (::process.isInitialized) process.close()
    }

    // --- helpers ----------------------------------------------------------------------------

    private fun key(name: String): String = info.getJSONObject("keys").getString(name)

    private val googleKid: String get() = info.getJSONObject("google_key_json").getString("private_key_id")
    private val clientEmail: String get() = info.getJSONObject("google_key_json").getString("client_email")
    private val ascKid: String get() = info.getJSONObject("asc").getString("key_id")
    private val ascIssuer: String get() = info.getJSONObject("asc").getString("issuer_id")
    private val github: JSONObject get() = info.getJSONObject("github")
    private val pkjwt: JSONObject get() = info.getJSONObject("private_key_jwt")

    /** The Google key file, its token endpoint on the server whose clock is [skew] s off. */
    private fun googleKey(skew: Int, namespace: String): JSONObject =
        JSONObject(info.getJSONObject("google_key_json").toString())
            .put("token_uri", "$base/google/$skew.$namespace/token")

    private fun googleKeyFile(skew: Int, namespace: String): Path =
        Files.writeString(dir.resolve("google-$skew-$namespace.json"), googleKey(skew, namespace).toString())

    private fun remember(key: PrivateKey) {
        secretLines += Base64.getMimeEncoder(64, "\n".toByteArray()).encodeToString(key.encoded).lines()
        secretLines += Base64.getEncoder().encodeToString(key.encoded)
    }

    private fun pem(type: String, der: ByteArray): String =
        "-----BEGIN $type-----\n" + Base64.getMimeEncoder(64, "\n".toByteArray()).encodeToString(der) + "\n-----END $type-----\n"

    /** A PKCS#8 PEM of the ready line, as a JCA key. */
    private fun jcaKey(pkcs8Pem: String, algorithm: String): PrivateKey {
        val body = pkcs8Pem.lines().filter { !it.startsWith("-----") }.joinToString("")
        return KeyFactory.getInstance(algorithm).generatePrivate(PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)))
    }

    private fun putKey(kid: String, body: ByteArray, type: String) {
        val request = Request.Builder().url("$base/keys/$kid").put(body.toRequestBody(type.toMediaType())).build()
        http.newCall(request).execute().use { assertEquals(201, it.code, it.body!!.string()) }
    }

    private fun get(url: String, authorization: String? = null): Pair<Int, String> {
        val request = Request.Builder().url(url).apply { if (authorization != null) header(AUTHORIZATION, authorization) }.build()
        return http.newCall(request).execute().use { it.code to it.body!!.string() }
    }

    private fun stats(path: String): JSONObject {
        val (code, body) = get("$base/$path/stats")
        assertEquals(200, code, body)
        return JSONObject(body)
    }

    private fun authlibStats(namespace: String): JSONObject {
        val (code, body) = get("$authlib/oauth/$namespace/stats")
        assertEquals(200, code, body)
        return JSONObject(body)
    }

    private fun assertNoKeyMaterial(vararg texts: String) {
        for (text in texts) {
            // Lines long enough not to match by chance (a PEM's last line may be a few characters).
            for (line in secretLines.filter { it.length >= 16 }) {
                assertFalse(line in text, "a rendering shows key material: $text")
            }
        }
    }

    private fun assertNoKeyMaterial(error: Throwable) = assertNoKeyMaterial(*errorRenderings(error).toTypedArray())

    /** The Google JWT-bearer grant as the Google verifier checks it, for any signer. */
    private fun googleJwtBearer(signer: JwtSigner, skew: Int, namespace: String, options: TokenOptions? = null): TokenManager {
        val url = "$base/google/$skew.$namespace/token"
        return TokenManager.jwtBearer(
            url,
            signer,
            issuer = clientEmail,
            audience = url,
            extraClaims = mapOf("scope" to "https://www.googleapis.com/auth/cloud-platform"),
            options = options,
        )
    }

    private fun assertGoogleGrant(tokens: TokenManager, namespace: String, kid: String, lifetime: Long) {
        val header = tokens.authorizationBlocking()
        assertTrue(header.startsWith("Bearer ya29."), header)
        val (code, body) = get("$base/google/$namespace/resource", header)
        assertEquals(200, code, body)
        val stats = stats("google/$namespace")
        assertEquals(1, stats.getInt("accepted"), "$stats")
        assertEquals(0, stats.getInt("rejected"), "$stats")
        val last = stats.getJSONObject("last")
        assertEquals("RS256", last.getJSONObject("jwt_header").getString("alg"))
        assertEquals(kid, last.getJSONObject("jwt_header").getString("kid"))
        val claims = last.getJSONObject("jwt_claims")
        assertEquals(clientEmail, claims.getString("iss"))
        assertEquals("$base/google/$namespace/token", claims.getString("aud"))
        assertEquals("https://www.googleapis.com/auth/cloud-platform", claims.getString("scope"))
        assertEquals(lifetime, claims.getLong("exp") - claims.getLong("iat"))
        assertNoKeyMaterial(tokens.toString(), header)
    }

    private fun assertAppStoreConnect(signer: JwtSigner, kid: String) {
        TokenManager.appStoreConnect(ascIssuer, signer).use { tokens ->
            val (code, body) = get("$base/verify/asc", tokens.authorizationBlocking())
            assertEquals(200, code, body)
            val verified = JSONObject(body)
            assertEquals("ES256", verified.getJSONObject("header").getString("alg"))
            assertEquals(kid, verified.getJSONObject("header").getString("kid"))
            assertEquals("appstoreconnect-v1", verified.getJSONObject("claims").getString("aud"))
            assertEquals(ascIssuer, verified.getJSONObject("claims").getString("iss"))
            tokens.tokenBlocking().let { token ->
                assertTrue(token.expiresIn!!.inWholeMilliseconds <= 1_200_000L && token.refreshIn!!.inWholeMilliseconds < 1_200_000L, "${token.expiresIn!!.inWholeMilliseconds}")
            }
            assertEquals(0L, tokens.stats().failures)
        }
    }

    private fun assertGoogleSelfSigned(tokens: TokenManager, audience: String) {
        tokens.use {
            val (code, body) = get("$base/verify/google-self-signed?aud=$audience", it.authorizationBlocking())
            assertEquals(200, code, body)
            val claims = JSONObject(body).getJSONObject("claims")
            assertEquals(clientEmail, claims.getString("iss"))
            assertEquals(clientEmail, claims.getString("sub"))
            assertEquals(audience, claims.getString("aud"))
        }
    }

    private fun assertGithubApp(signer: JwtSigner, namespace: String, kid: String?) {
        val api = "$base/github/0.$namespace"
        TokenManager.githubApp(github.getString("app_id"), github.getLong("installation_id").toLong(), signer, api).use { tokens ->
            tokens.tokenBlocking().let { token ->
                assertTrue(token.value.startsWith("ghs_"), "a GitHub installation token")
                // The expiry comes from `expires_at`, one hour after the server's now.
                assertTrue(token.expiresIn!!.inWholeMilliseconds in 3_595_000L..3_601_000L, "${token.expiresIn!!.inWholeMilliseconds}")
            }
            val (code, body) = get("$api/installation/repositories", tokens.authorizationBlocking())
            assertEquals(200, code, body)
        }
        val last = stats("github/0.$namespace").getJSONObject("last")
        val claims = last.getJSONObject("jwt_claims")
        assertEquals("123456", claims.get("iss"), "the app id as a JSON string")
        assertEquals(600, claims.getLong("exp") - claims.getLong("iat"))
        assertEquals("RS256", last.getJSONObject("jwt_header").getString("alg"))
        assertEquals(kid, last.getJSONObject("jwt_header").optString("kid", null))
    }

    /** Two assertions with their own `jti`, both accepted by Authlib, whose token its resource server accepts. */
    private fun assertPrivateKeyJwt(signer: JwtSigner, namespace: String) {
        val tokenUrl = "$authlib/oauth/$namespace/token"
        TokenManager.clientCredentialsPrivateKeyJwt(tokenUrl, pkjwt.getString("client_id"), signer, listOf("read")).use { tokens ->
            val first = tokens.authorizationBlocking()
            val (code, body) = get("$authlib/api/resource?scope=read", first)
            assertEquals(200, code, "$signer: $body")
            assertEquals(pkjwt.getString("client_id"), JSONObject(body).getString("client_id"))
            // A second assertion has its own jti: Authlib refuses a replayed one.
            assertTrue(tokens.invalidate(first))
            val second = tokens.authorizationBlocking()
            assertNotEquals(first, second)
            assertEquals(2L, tokens.stats().tokenRequests)
        }
        val stats = authlibStats(namespace)
        assertEquals(2, stats.getInt("accepted"), "$stats")
        assertEquals(2, stats.getInt("jti_seen"), "$stats")
        assertEquals(0, stats.getInt("jti_duplicates"), "$stats")
        assertEquals(signer.algorithm().name, stats.getJSONObject("last").getJSONObject("jwt_header").getString("alg"))
    }

    // --- the built-in signer (pemSigner) ------------------------------------------------------

    @Test
    fun `Google service account grant from a key file passes PyJWT`() {
        TokenManager.googleServiceAccount(googleKeyFile(0, "grant"), listOf("https://www.googleapis.com/auth/cloud-platform")).use { tokens ->
            assertGoogleGrant(tokens, "0.grant", googleKid, lifetime = 3600)
            tokens.tokenBlocking().let { assertTrue(it.expiresIn!!.inWholeMilliseconds in 3_597_000L..3_599_000L, "${it.expiresIn!!.inWholeMilliseconds}") }
            assertEquals(1L, tokens.stats().tokenRequests)
        }
        // The generated constructor, from the key file's text.
        TokenManager.googleServiceAccount(googleKey(0, "grant-text").toString(), listOf("https://www.googleapis.com/auth/cloud-platform")).use { tokens ->
            assertGoogleGrant(tokens, "0.grant-text", googleKid, lifetime = 3600)
        }
    }

    @Test
    fun `Google self-signed JWT passes PyJWT without a token request`() {
        val audience = "https://pubsub.googleapis.com/"
        TokenManager.googleServiceAccountJwt(googleKeyFile(0, "self"), audience).use { tokens ->
            assertGoogleSelfSigned(tokens, audience)
        }
        TokenManager.googleServiceAccountJwt(googleKey(0, "self").toString(), audience).use { tokens ->
            tokens.authorizationBlocking()
            assertEquals(1L, tokens.stats().tokenRequests, "signed here, no request")
            assertEquals(0, stats("verify/google-self-signed").getInt("rejected"))
        }
    }

    @Test
    fun `App Store Connect JWTs from PKCS8, SEC1 and p8 file keys pass PyJWT`() {
        assertAppStoreConnect(pemSigner(key("ec_pkcs8"), ascKid), ascKid)
        assertAppStoreConnect(pemSigner(key("ec_sec1"), ascKid), ascKid)
        val p8 = Files.writeString(dir.resolve("AuthKey_$ascKid.p8"), key("ec_pkcs8"))
        assertAppStoreConnect(pemSigner(p8, ascKid), ascKid)
    }

    @Test
    fun `GitHub App installation token from a PKCS1 key, expiry from expires_at`() {
        assertGithubApp(pemSigner(key("rsa_pkcs1")), "pem", kid = null)
    }

    @Test
    fun `private_key_jwt passes Authlib with RS256 and ES256 and a fresh jti`() {
        assertPrivateKeyJwt(pemSigner(key("rsa_pkcs8")), "pem-rs256")
        assertPrivateKeyJwt(pemSigner(key("ec_pkcs8"), ascKid), "pem-es256")
    }

    // --- JcaSigner ------------------------------------------------------------------------

    @Test
    fun `JcaSigner with JCA-generated keys registered by kid passes every verifier`() {
        val rsa = JcaSigner(jcaRsa.private, rsaKid)
        val ec = JcaSigner(jcaEc.private, ecKid)
        assertEquals(JwtAlgorithm.RS256, rsa.algorithm())
        assertEquals(JwtAlgorithm.ES256, ec.algorithm())
        assertEquals("SHA256withRSA", rsa.signatureAlgorithm)
        assertEquals("SHA256withECDSA", ec.signatureAlgorithm)

        assertAppStoreConnect(ec, ecKid)
        googleJwtBearer(rsa, 0, "jca").use { tokens -> assertGoogleGrant(tokens, "0.jca", rsaKid, lifetime = 180) }
        val audience = "https://pubsub.googleapis.com/"
        assertGoogleSelfSigned(TokenManager.selfSignedJwt(rsa, clientEmail, audience, subject = clientEmail), audience)
        assertGithubApp(rsa, "jca", kid = rsaKid)
        assertPrivateKeyJwt(rsa, "jca-rs256")
        assertPrivateKeyJwt(ec, "jca-es256")
    }

    @Test
    fun `JcaSigner with the server's PKCS8 keys parsed by JCA passes every verifier`() {
        val rsaKey = jcaKey(key("rsa_pkcs8"), "RSA")
        val ecKey = jcaKey(key("ec_pkcs8"), "EC")
        assertAppStoreConnect(JcaSigner(ecKey, ascKid), ascKid)
        googleJwtBearer(JcaSigner(rsaKey, googleKid), 0, "jca-pem").use { tokens ->
            assertGoogleGrant(tokens, "0.jca-pem", googleKid, lifetime = 180)
        }
        // No kid: GitHub and Authlib take the built-in keys.
        assertGithubApp(JcaSigner(rsaKey), "jca-pem", kid = null)
        assertPrivateKeyJwt(JcaSigner(rsaKey), "jca-pem-rs256")
        assertPrivateKeyJwt(JcaSigner(ecKey), "jca-pem-es256")
    }

    // --- server clocks ----------------------------------------------------------------------

    @Test
    fun `a server clock ten minutes off is learned from Date and the assertion signed again`() {
        for (skew in listOf(600, -600)) {
            for (kind in listOf("pem", "jca")) {
                val namespace = "skew${if (skew > 0) "ahead" else "behind"}-$kind"
                val events = Collections.synchronizedList(mutableListOf<AuthEvent>())
                val tokens = when (kind) {
                    "pem" -> TokenManager.googleServiceAccount(googleKeyFile(skew, namespace), listOf("https://www.googleapis.com/auth/cloud-platform"))
                    else -> googleJwtBearer(JcaSigner(jcaRsa.private, rsaKid), skew, namespace)
                }
                tokens.use {
                    it.setListener(AuthListener { event -> events += event })
                    var started = System.nanoTime()
                    val first = it.authorizationBlocking()
                    val firstMs = (System.nanoTime() - started) / 1e6
                    val stats = it.stats()
                    assertEquals(2L to 1L, stats.tokenRequests to stats.retries, "skew $skew, $kind")
                    val retrying = events.filterIsInstance<AuthEvent.RefreshRetrying>().single()
                    assertEquals(kotlin.time.Duration.ZERO, retrying.delay)
                    assertTrue("clock" in retrying.reason, retrying.reason)
                    // The next token request is signed with the server's time at once.
                    assertTrue(it.invalidate(first))
                    started = System.nanoTime()
                    it.authorizationBlocking()
                    val secondMs = (System.nanoTime() - started) / 1e6
                    assertEquals(3L, it.stats().tokenRequests, "skew $skew, $kind")
                    assertEquals(1L, it.stats().retries, "skew $skew, $kind")
                    val server = stats("google/$skew.$namespace")
                    assertEquals(2 to 1, server.getInt("accepted") to server.getInt("rejected"), "$server")
                    println(
                        "SignedJwtTest: server clock %+d s, %s signer: first token in %.1f ms (rejected, then re-signed), next in %.1f ms (accepted at once)"
                            .format(skew, if (kind == "pem") "pemSigner" else "JcaSigner", firstMs, secondMs),
                    )
                }
            }
        }
    }

    // --- errors and redaction ---------------------------------------------------------------

    @Test
    fun `bad PEM keys are InvalidConfiguration naming the problem, without key material`() {
        val rsa = key("rsa_pkcs8")
        for ((pem, says) in listOf(
            key("ec_p384_pkcs8") to "neither an RSA key nor a P-256",
            key("rsa_encrypted") to "password-protected",
            rsa.substring(0, rsa.length / 2) to "truncated",
            "not a key" to "no PEM private key",
        )) {
            val error = assertThrows<AuthException.InvalidConfiguration> { pemSigner(pem) }
            assertTrue(says in error.message, error.message)
            assertNoKeyMaterial(error)
        }
        // The same through a file and through a Google key file.
        val p384 = Files.writeString(dir.resolve("p384.pem"), key("ec_p384_pkcs8"))
        assertNoKeyMaterial(assertThrows<AuthException.InvalidConfiguration> { pemSigner(p384) })
        val encrypted = googleKey(0, "bad").put("private_key", key("rsa_encrypted")).toString()
        val error = assertThrows<AuthException.InvalidConfiguration> {
            TokenManager.googleServiceAccount(encrypted, listOf("s"))
        }
        assertTrue("password-protected" in error.message, error.message)
        assertNoKeyMaterial(error)
        // A file that cannot be read names the path, not a key.
        val missing = dir.resolve("missing.json")
        val unreadable = assertThrows<AuthException.InvalidConfiguration> { TokenManager.googleServiceAccount(missing, listOf("s")) }
        assertTrue(missing.toString() in unreadable.message, unreadable.message)
        assertThrows<AuthException.InvalidConfiguration> { pemSigner(missing) }
        // A service-account file of the wrong kind names the field.
        val wrongKind = assertThrows<AuthException.InvalidConfiguration> {
            TokenManager.googleServiceAccount("""{"type": "authorized_user"}""", listOf("s"))
        }
        assertTrue("authorized_user" in wrongKind.message, wrongKind.message)
    }

    @Test
    fun `JcaSigner refuses keys other than RSA and P-256 with InvalidConfiguration`() {
        val p384 = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp384r1")) }.generateKeyPair().private
        val parsedP384 = jcaKey(key("ec_p384_pkcs8"), "EC")
        val ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().private
        val dsa = KeyPairGenerator.getInstance("DSA").apply { initialize(2048) }.generateKeyPair().private
        for ((key, says) in listOf(p384 to "384-bit curve", parsedP384 to "384-bit curve", ed25519 to "EdDSA", dsa to "DSA")) {
            remember(key)
            val error = assertThrows<AuthException.InvalidConfiguration> { JcaSigner(key, "kid") }
            assertTrue(says in error.message && ("P-256" in error.message), error.message)
            assertNoKeyMaterial(error)
        }
        assertThrows<AuthException.InvalidConfiguration> { JcaSigner(jcaRsa.private, keyId = "") }
    }

    @Test
    fun `App Store Connect with an RSA signer or without a kid is InvalidConfiguration`() {
        for (signer in listOf(pemSigner(key("rsa_pkcs8"), ascKid), JcaSigner(jcaRsa.private, rsaKid))) {
            val error = assertThrows<AuthException.InvalidConfiguration> { TokenManager.appStoreConnect(ascIssuer, signer) }
            assertTrue("ES256" in error.message, error.message)
            assertNoKeyMaterial(error)
        }
        for (signer in listOf(pemSigner(key("ec_pkcs8")), JcaSigner(jcaEc.private))) {
            val error = assertThrows<AuthException.InvalidConfiguration> { TokenManager.appStoreConnect(ascIssuer, signer) }
            assertTrue("key id" in error.message, error.message)
        }
    }

    @Test
    fun `a wrong key is refused by the server as OAuth invalid_grant without key material`() {
        // The key file's kid with another key: the built-in signer, then JCA keys.
        val wrongFile = googleKey(0, "wrong-pem").put("private_key", key("wrong_rsa_pkcs8")).toString()
        val unknownJca = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair().private
        remember(unknownJca)
        val managers = listOf(
            "0.wrong-pem" to TokenManager.googleServiceAccount(wrongFile, listOf("s")),
            "0.wrong-jca" to googleJwtBearer(JcaSigner(unknownJca, googleKid), 0, "wrong-jca"),
            // A registered kid naming another key (the EC one: the wrong type) or another RSA key.
            "0.wrong-kid" to googleJwtBearer(JcaSigner(jcaRsa.private, googleKid), 0, "wrong-kid"),
            "0.wrong-type" to googleJwtBearer(JcaSigner(jcaRsa.private, ecKid), 0, "wrong-type"),
        )
        for ((namespace, tokens) in managers) {
            tokens.use {
                val error = assertThrows<AuthException.OAuth> { it.authorizationBlocking() }
                assertEquals(400.toInt(), error.status)
                assertEquals("invalid_grant", error.error, namespace)
                assertTrue("Signature" in error.description, error.description)
                assertNoKeyMaterial(error)
                assertNoKeyMaterial(it.toString())
                assertEquals(1, stats("google/$namespace").getInt("rejected"))
            }
        }
    }

    @Test
    fun `GitHub refusing the app JWT is Unauthorized without key material`() {
        val unknown = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair().private
        remember(unknown)
        val api = "$base/github/0.wrong"
        TokenManager.githubApp(github.getString("app_id"), github.getLong("installation_id").toLong(), JcaSigner(unknown), api).use { tokens ->
            val error = assertThrows<AuthException.Unauthorized> { tokens.authorizationBlocking() }
            assertTrue("could not be decoded" in error.message, error.message)
            assertNoKeyMaterial(error)
        }
    }

    @Test
    fun `a wrong audience is refused and not retried`() {
        for (signer in listOf(pemSigner(key("rsa_pkcs8"), googleKid), JcaSigner(jcaRsa.private, rsaKid))) {
            val url = "$base/google/0.aud/token"
            TokenManager.jwtBearer(
                url,
                signer,
                issuer = clientEmail,
                audience = "https://wrong.example/token",
                extraClaimsJson = """{"scope": "s"}""",
            ).use { tokens ->
                val error = assertThrows<AuthException.OAuth> { tokens.authorizationBlocking() }
                assertTrue("audience" in error.message, error.message)
                assertEquals(1L, tokens.stats().tokenRequests, "refused, not retried")
                assertNoKeyMaterial(error)
            }
        }
    }

    @Test
    fun `a host signer that fails makes the token request fail with its reason`() {
        val failing = object : JwtSigner {
            override fun algorithm() = JwtAlgorithm.RS256
            override fun keyId(): String? = googleKid
            override fun sign(message: ByteArray): ByteArray = throw SignerException.Failed("the keystore is locked")
        }
        googleJwtBearer(failing, 0, "failing", TokenOptions(maxAttempts = 1)).use { tokens ->
            val error = assertThrows<AuthException> { tokens.authorizationBlocking() }
            assertInstanceOf(AuthException.InvalidConfiguration::class.java, error, error.message)
            assertTrue("the keystore is locked" in error.message, error.message)
            assertEquals(0, stats("google/0.failing").getInt("requests"), "nothing was sent")
        }
    }

    @Test
    fun `signers and managers print no key material`() {
        val jca = JcaSigner(jcaEc.private, ecKid)
        assertEquals("JcaSigner(ES256, keyId=$ecKid, privateKey=[redacted])", jca.toString())
        assertEquals("JcaSigner(RS256, privateKey=[redacted])", JcaSigner(jcaRsa.private).toString())
        val pem = pemSigner(key("rsa_pkcs8"), googleKid)
        TokenManager.googleServiceAccount(googleKey(0, "print").toString(), listOf("s")).use { google ->
            TokenManager.appStoreConnect(ascIssuer, jca).use { asc ->
                asc.authorizationBlocking()
                google.authorizationBlocking()
                assertNoKeyMaterial(jca.toString(), pem.toString(), google.toString(), asc.toString(), google.stats().toString())
            }
        }
    }
}
