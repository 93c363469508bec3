package dev.authwire.samples.jwt

// The signed-JWT sample of bindings-kotlin/README.md, verbatim from the line below to the end
// of this file. ReadmeSampleTest checks both, and runs listBuckets, listApps and
// listRepositories against tests/scenarios/jwt_servers.py (main, with the real files and
// URLs, is compiled but not run).

import dev.authwire.JcaSigner
import dev.authwire.TokenManager
import dev.authwire.okhttp.authwire
import dev.authwire.pemSigner
import okhttp3.OkHttpClient
import okhttp3.Request
import java.io.File
import java.nio.file.Path
import java.security.KeyStore
import java.security.PrivateKey

fun main() {
    listBuckets(
        keyFile = Path.of("service-account.json"),
        apiUrl = "https://storage.googleapis.com/storage/v1/b?project=my-project",
    )
    listApps(
        issuerId = "57246542-96fe-1a63-e053-0824d011072a",
        keyId = "2X9R4HXF34",
        p8File = Path.of("AuthKey_2X9R4HXF34.p8"),
        apiUrl = "https://api.appstoreconnect.apple.com/v1/apps",
    )
    // Any JCA key: a PKCS#12 file here; on Android, KeyStore.getInstance("AndroidKeyStore").
    val password = checkNotNull(System.getenv("KEYSTORE_PASSWORD")).toCharArray()
    val keyStore = KeyStore.getInstance(File("github-app.p12"), password)
    listRepositories(appId = "123456", installationId = 987654, privateKey = keyStore.getKey("github-app", password) as PrivateKey)
}

private val http = OkHttpClient()

fun listBuckets(keyFile: Path, apiUrl: String) {
    // Google: the key file's RSA key signs an assertion, exchanged for an access token.
    val scopes = listOf("https://www.googleapis.com/auth/cloud-platform")
    TokenManager.googleServiceAccount(keyFile, scopes).use { tokens ->
        println(tokens.authorizationBlocking().substringBefore('.')) // Bearer ya29
        println(getStatus(apiUrl, tokens)) // 200
    }
}

fun listApps(issuerId: String, keyId: String, p8File: Path, apiUrl: String) {
    // App Store Connect: ES256 JWTs signed here, no token request; renewed within 20 minutes.
    TokenManager.appStoreConnect(issuerId, pemSigner(p8File, keyId)).use { tokens ->
        println(getStatus(apiUrl, tokens)) // 200
    }
}

fun listRepositories(appId: String, installationId: Long, privateKey: PrivateKey, apiUrl: String = "https://api.github.com") {
    // GitHub App: the JCA key signs the app's JWT (java.security.Signature, the key never
    // leaves its keystore), exchanged for an installation token.
    val signer = JcaSigner(privateKey)
    println(signer) // JcaSigner(RS256, privateKey=[redacted])
    TokenManager.githubApp(appId, installationId, signer, apiUrl).use { tokens ->
        println(tokens.tokenBlocking().value.substringBefore('_')) // ghs
        println(getStatus("$apiUrl/installation/repositories", tokens)) // 200
    }
}

fun getStatus(url: String, tokens: TokenManager): Int {
    val client = http.newBuilder().authwire(tokens).build()
    return client.newCall(Request.Builder().url(url).build()).execute().use { it.code }
}
