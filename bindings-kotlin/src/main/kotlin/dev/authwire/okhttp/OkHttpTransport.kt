package dev.authwire.okhttp

import dev.authwire.HttpHeader
import dev.authwire.HttpRequest
import dev.authwire.HttpResponse
import dev.authwire.HttpTransport
import dev.authwire.HttpTransportException
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
import java.util.concurrent.TimeUnit
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
 * `followRedirects(false)`, and the core treats a 3xx as an error. An [IOException] reaches
 * the core as [HttpTransportException.Network] and the caller as `AuthException.Network`,
 * which the core retries.
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
     * @throws HttpTransportException.Network when OkHttp fails with an [IOException].
     */
    override suspend fun send(request: HttpRequest): HttpResponse {
        val call = client.newCall(request.toOkHttp())
        call.timeout().timeout(request.timeoutMs.toLong(), TimeUnit.MILLISECONDS)
        val limit = request.maxBodyBytes.toLong().coerceAtMost(Long.MAX_VALUE - 1) + 1
        return suspendCancellableCoroutine { continuation ->
            continuation.invokeOnCancellation { call.cancel() }
            call.enqueue(object : Callback {
                override fun onFailure(call: Call, e: IOException) {
                    continuation.resumeWithException(networkError(e))
                }

                override fun onResponse(call: Call, response: Response) {
                    val result = try {
                        response.use { Result.success(it.toAuthwire(limit)) }
                    } catch (e: IOException) {
                        Result.failure(networkError(e))
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
            status = code.toUShort(),
            headers = headers.map { (name, value) -> HttpHeader(name, value) },
            body = buffer.readByteArray(),
        )
    }

    // The core removes every credential, and the URL's path and query, from this text.
    private fun networkError(e: IOException): HttpTransportException =
        HttpTransportException.Network("${e.javaClass.simpleName}: ${e.message}")
}
