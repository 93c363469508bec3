package dev.authwire.okhttp

import dev.authwire.HttpHeader
import dev.authwire.HttpRequest
import dev.authwire.HttpResponse
import dev.authwire.HttpTransport
import dev.authwire.HttpTransportException
import dev.authwire.NetworkErrorKind
import dev.authwire.isRetried
import kotlinx.coroutines.suspendCancellableCoroutine
import okhttp3.Call
import okhttp3.Callback
import okhttp3.Headers
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import okio.Buffer
import java.io.IOException
import java.net.Proxy
import java.net.URI
import java.util.concurrent.TimeUnit
import javax.net.ssl.SSLPeerUnverifiedException
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/**
 * Sends a token manager's (or CSRF session's) token requests through [client], so that the
 * app's HTTP stack applies to them: its TLS (on Android the platform's, so HTTPS needs no
 * JNI initialisation of the core), proxies, certificate pinning, network security config,
 * interceptors and connection pool.
 *
 * ```kotlin
 * val tokens = TokenManager.apiKeyExchange(tokenUrl, apiKey, TokenOptions(transport = OkHttpTransport(client)))
 * ```
 *
 * It suspends without blocking a thread (OkHttp's `enqueue`), and cancels the OkHttp call
 * when the core gives up on it (the core's `requestTimeoutMs`, also set as the call's
 * timeout). It never follows redirects: it uses a copy of [client] with
 * `followRedirects(false)`, and the core treats a 3xx as an error.
 *
 * An [IOException] reaches the core as [HttpTransportException.Classified] with the
 * [NetworkErrorKind] it shows (its causes included), and the caller as
 * `AuthException.Network` with that `kind`. The core retries only the kinds that can recover
 * ([isRetried]); an untrusted, expired or wrong-name certificate, a failed TLS handshake or a
 * host name that does not exist fail at once. The exceptions and their kinds:
 *
 * | OkHttp / JDK exception (or a cause of it) | kind |
 * | --- | --- |
 * | `UnknownHostException` | `NAME_NOT_RESOLVED`; `NAME_RESOLUTION_TEMPORARY` when its text names a temporary resolver failure (glibc's "Temporary failure in name resolution", Android's `EAI_AGAIN`): neither platform has a typed split |
 * | `ConnectException`, `NoRouteToHostException`, `PortUnreachableException` | `CONNECTION_REFUSED` |
 * | `SocketTimeoutException` while connecting ("Connect timed out"), `ConnectException` "Connection timed out" | `CONNECT_TIMEOUT` |
 * | another `SocketTimeoutException`, OkHttp's call timeout | `READ_TIMEOUT` |
 * | `SocketException` "Connection reset" (or "Broken pipe"), `EOFException`, `ProtocolException`, "unexpected end of stream", `StreamResetException` | `CONNECTION_RESET` |
 * | `SSLPeerUnverifiedException` (OkHttp's host name check) | `CERTIFICATE_WRONG_NAME` |
 * | `SSLPeerUnverifiedException` "Certificate pinning failure!" | `CERTIFICATE_UNTRUSTED` |
 * | `CertificateExpiredException`, `CertificateNotYetValidException`, `CertPathValidatorException` (`EXPIRED`, `NOT_YET_VALID`) | `CERTIFICATE_EXPIRED` |
 * | `CertPathValidatorException` (`REVOKED`) | `CERTIFICATE_REVOKED` |
 * | another `CertPathValidatorException`, `CertPathBuilderException` (the JDK's "PKIX path building failed"), a trust manager's `CertificateException` | `CERTIFICATE_UNTRUSTED` |
 * | another `SSLHandshakeException` or `SSLException` | `TLS_HANDSHAKE` |
 * | a failed HTTP `CONNECT` tunnel or SOCKS proxy; any failure to reach the first hop when the client routes the call through a proxy | `PROXY` |
 * | any other `IOException` | `OTHER` (retried) |
 *
 * Do not add [AuthwireInterceptor] or [AuthwireAuthenticator] for the same manager to
 * [client]: the token request would then wait for itself.
 */
class OkHttpTransport(client: OkHttpClient) : HttpTransport {
    private val client: OkHttpClient = client.newBuilder()
        .followRedirects(false)
        .followSslRedirects(false)
        .build()

    /**
     * Sends [request] as given and returns the answer, any status included; called by the
     * core, which cancels the coroutine (and so the OkHttp call) when it gives up.
     *
     * @throws HttpTransportException.Classified when OkHttp fails with an [IOException],
     *   with the kind of the failure (see [OkHttpTransport]).
     */
    override suspend fun send(request: HttpRequest): HttpResponse {
        val call = client.newCall(request.toOkHttp())
        call.timeout().timeout(request.timeout.inWholeMilliseconds, TimeUnit.MILLISECONDS)
        val limit = request.maxBodyBytes.coerceAtMost(Long.MAX_VALUE - 1) + 1
        return suspendCancellableCoroutine { continuation ->
            continuation.invokeOnCancellation { call.cancel() }
            call.enqueue(object : Callback {
                override fun onFailure(call: Call, e: IOException) {
                    continuation.resumeWithException(networkError(e, request.url))
                }

                override fun onResponse(call: Call, response: Response) {
                    val result = try {
                        response.use { Result.success(it.toAuthwire(limit)) }
                    } catch (e: IOException) {
                        Result.failure(networkError(e, request.url))
                    }
                    result.fold(continuation::resume, continuation::resumeWithException)
                }
            })
        }
    }

    override fun toString(): String = "OkHttpTransport($client)"

    private fun HttpRequest.toOkHttp(): Request {
        val headerList = Headers.Builder()
        for (header in headers) headerList.add(header.name, header.value)
        // The content type is among the headers; OkHttp keeps a header given explicitly.
        val requestBody = body?.toRequestBody(null)
        return Request.Builder().url(url).headers(headerList.build()).method(method, requestBody).build()
    }

    /** The status, every header (repeated ones apart) and at most [limit] bytes of the body. */
    private fun Response.toAuthwire(limit: Long): HttpResponse {
        val buffer = Buffer()
        val source = body?.source()
        if (source != null) {
            while (buffer.size < limit) {
                if (source.read(buffer, limit - buffer.size) == -1L) break
            }
        }
        return HttpResponse(
            status = code,
            headers = headers.map { (name, value) -> HttpHeader(name, value) },
            body = buffer.readByteArray(),
        )
    }

    // The core removes every credential, and the URL's path and query, from this text.
    private fun networkError(e: IOException, url: String): HttpTransportException =
        HttpTransportException.Classified(networkErrorKind(e, throughProxy(url)), "${e.javaClass.simpleName}: ${detail(e)}")

    /**
     * [e]'s message, in short where OkHttp's runs over several lines: its host name check
     * lists the certificate's pin and subject before its names, which are what tells the
     * caller what went wrong.
     */
    private fun detail(e: IOException): String {
        val message = e.message.orEmpty()
        if (e !is SSLPeerUnverifiedException || !message.startsWith("Hostname ")) return message
        val names = Regex("""subjectAltNames: \[[^\]]*]""").find(message)?.value
        return message.substringBefore(" not verified") + " not verified" + (names?.let { " ($it)" } ?: "")
    }

    /** Whether [client] sends a call to [url] through a proxy (its own, or its selector's first choice). */
    private fun throughProxy(url: String): Boolean {
        val proxies = client.proxy?.let { listOf(it) }
            ?: runCatching { client.proxySelector.select(URI(url)) }.getOrNull().orEmpty()
        return proxies.firstOrNull()?.let { it.type() != Proxy.Type.DIRECT } ?: false
    }
}
