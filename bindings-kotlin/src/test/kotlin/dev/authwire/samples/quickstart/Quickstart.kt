package dev.authwire.samples.quickstart

// The Kotlin quickstart of the documentation (docs/quickstart.md), verbatim from the line below
// to the end of this file. tests/run-all runs it (QuickstartTest) against `authwire demo --serve`.

import dev.authwire.TokenManager
import dev.authwire.okhttp.authwire
import okhttp3.OkHttpClient
import okhttp3.Request
import java.nio.file.Path

// First, in a shell: authwire demo --serve --port 8765 --key-file /tmp/authwire-demo-key.json
fun main() {
    // One manager per credential, shared by the whole app (it is thread-safe).
    TokenManager.apiKeyExchange("http://127.0.0.1:8765/v1/token", Path.of("/tmp/authwire-demo-key.json")).use { tokens ->
        val header = tokens.authorizationBlocking() // one token request; then from the cache
        println(header.substringBefore(' ')) // Bearer

        // OkHttp: every request gets the header; a 401 discards the token and retries once.
        val client = OkHttpClient.Builder().authwire(tokens).build()
        val request = Request.Builder().url("http://127.0.0.1:8765/resource").build()
        println(client.newCall(request).execute().use { it.code }) // 200
        println(tokens.stats().tokenRequests) // 1
    }
}
