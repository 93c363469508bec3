package dev.authwire.samples.transport

// The transport sample of the root README.md: the function tokensThroughOkHttp, verbatim
// (tests/run-all checks it). TransportSampleTest runs it against a local server.

import dev.authwire.TokenManager
import dev.authwire.TokenOptions
import dev.authwire.okhttp.OkHttpTransport
import okhttp3.OkHttpClient
import java.nio.file.Path
import kotlin.time.Duration.Companion.seconds

fun tokensThroughOkHttp(tokenUrl: String, keyFile: Path, client: OkHttpClient): TokenManager {
    // Token requests go through the app's OkHttpClient: its TLS (on Android the platform's,
    // with no JNI set-up of the core), proxy, certificate pinning and network security config.
    // It suspends on OkHttp's own threads and never follows redirects.
    val options = TokenOptions(transport = OkHttpTransport(client), requestTimeout = 10.seconds)
    return TokenManager.apiKeyExchange(tokenUrl, keyFile, options)
}
