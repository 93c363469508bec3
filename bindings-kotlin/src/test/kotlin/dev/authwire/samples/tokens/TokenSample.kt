package dev.authwire.samples.tokens

// The token manager and OkHttp sample of bindings-kotlin/README.md, verbatim from the line
// below to the end of this file. ReadmeSampleTest checks both, and runs listThings and
// createOrder against local servers (main, with the real URLs, is compiled but not run).

import dev.authwire.AuthListener
import dev.authwire.CsrfSession
import dev.authwire.TokenManager
import dev.authwire.okhttp.CsrfInterceptor
import dev.authwire.okhttp.authwire
import kotlinx.coroutines.runBlocking
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import java.nio.file.Path

fun main() {
    listThings(
        tokenUrl = "https://xtd.example.com/v1/token",
        keyFile = Path.of("xtd-api-key.json"),
        apiUrl = "https://api.example.com/v1/things",
    )
    createOrder(
        serviceUrl = "https://sap.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV/",
        user = "alice",
        password = checkNotNull(System.getenv("SAP_PASSWORD")),
    )
}

fun listThings(tokenUrl: String, keyFile: Path, apiUrl: String) {
    // One manager per credential, shared by the whole app (it is thread-safe).
    TokenManager.apiKeyExchange(tokenUrl, keyFile).use { tokens ->
        // Events carry no secret: log them as they are.
        tokens.setListener(AuthListener { event -> System.err.println("authwire: $event") })

        // Blocking: from the cache at once, else one token request shared by all callers.
        val header = tokens.authorizationBlocking()
        println(header.substringBefore(' ')) // Bearer

        // Suspending, from any coroutine: no runtime to set up, no thread blocked.
        val again = runBlocking { tokens.authorization() }
        println(again == header) // true

        // OkHttp: every request gets the header; a 401 discards the token, retries once.
        val client = OkHttpClient.Builder().authwire(tokens).build()
        val code = client.newCall(Request.Builder().url(apiUrl).build()).execute().use { it.code }
        println(code) // 200
        println(tokens.stats().tokenRequests) // 1
    }
}

fun createOrder(serviceUrl: String, user: String, password: String) {
    // SAP API Management: writes need a CSRF token, fetched once and renewed on a 403.
    CsrfSession(serviceUrl, user, password).use { session ->
        val client = OkHttpClient.Builder().addInterceptor(CsrfInterceptor(session)).build()
        val order = """{"SalesOrderType": "OR"}""".toRequestBody("application/json".toMediaType())
        val request = Request.Builder().url(serviceUrl + "A_SalesOrder").post(order).build()
        val code = client.newCall(request).execute().use { it.code }
        println(code) // 201
    }
}
