package dev.authwire.okhttp

import dev.authwire.AUTHORIZATION
import dev.authwire.AuthException
import dev.authwire.CsrfHeaders
import dev.authwire.CsrfSession
import okhttp3.Interceptor
import okhttp3.Request
import okhttp3.Response

/**
 * An OkHttp [Interceptor] for CSRF-protected write calls, as SAP API Management requires
 * them: it adds the headers of [session] (`X-CSRF-Token`, `Cookie` with the session cookies,
 * and `Authorization` with the session's HTTP Basic credentials) to every write request, and
 * fetches a new CSRF token when the server no longer accepts the current one.
 *
 * ```kotlin
 * val session = CsrfSession("https://sap.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV/", user, password)
 * val client = OkHttpClient.Builder().addInterceptor(CsrfInterceptor(session)).build()
 * client.newCall(Request.Builder().url(ordersUrl).post(body).build()).execute()
 * ```
 *
 * Behaviour:
 * - Write requests are all but the safe methods `GET`, `HEAD`, `OPTIONS` and `TRACE`. A
 *   safe request is sent with the session's Basic `Authorization` and the session cookies the
 *   interceptor has seen so far, and without a CSRF token: no token is fetched for it (the
 *   same in every language, docs/api/conventions.md).
 * - The session fetches its token on first use (`X-CSRF-Token: fetch`, HEAD by default) and
 *   keeps it; concurrent calls share one fetch.
 * - `X-CSRF-Token` and `Authorization` replace any value the request had; the session's
 *   cookies are appended to a `Cookie` header the request already has. If the client has a
 *   `CookieJar` that returns cookies for the URL, OkHttp replaces the `Cookie` header with the
 *   jar's cookies: use the default `CookieJar.NO_COOKIES` with this interceptor.
 * - When a write is answered 403 with `x-csrf-token: Required`, the token it carried is
 *   invalidated ([CsrfSession.invalidate]) and the request is sent once more with a freshly
 *   fetched token. If that is rejected too, its 403 is returned: no loop. A request whose
 *   body is one-shot cannot be sent twice: its 403 is returned after the invalidation (which
 *   starts the fetch of a new token for the next write).
 * - If the fetch fails, the call fails with an [AuthwireIOException] carrying the
 *   [AuthException] (e.g. [AuthException.Unauthorized] for wrong credentials).
 *
 * Add it with `addInterceptor` (an application interceptor): the retry sends the request a
 * second time, which network interceptors may not do.
 *
 * @param session the session whose headers to add. The interceptor does not close it; it
 *   must stay open while the client is used.
 */
class CsrfInterceptor(private val session: CsrfSession) : Interceptor {
    /** Adds the CSRF headers to a write request and handles the 403; see the class documentation. */
    override fun intercept(chain: Interceptor.Chain): Response {
        val request = chain.request()
        if (request.method.uppercase() in SAFE_METHODS) {
            return chain.proceed(withSessionAuth(request))
        }
        val headers = authCall { session.headersBlocking() }
        val csrfToken = headers.csrfToken
        val withCsrf = withHeaders(request, headers)
        val response = chain.proceed(withCsrf)
        if (!isTokenRequired(response)) {
            return response
        }
        session.invalidate(csrfToken)
        if (request.body?.isOneShot() == true) {
            return response
        }
        response.close()
        val retry = withHeaders(request, authCall { session.headersBlocking() })
        return chain.proceed(retry)
    }

    /** The session cookies of the last headers this interceptor got, for safe requests. */
    @Volatile
    private var lastCookie: String? = null

    private fun withHeaders(request: Request, headers: CsrfHeaders): Request {
        val cookie = headers.cookie
        lastCookie = cookie
        return withCookie(
            request.newBuilder()
                .header(CSRF_TOKEN, headers.csrfToken)
                .header(AUTHORIZATION, headers.authorization),
            request,
            cookie,
        ).build()
    }

    /** A safe request: the session's Basic header and known cookies, no CSRF token, no fetch. */
    private fun withSessionAuth(request: Request): Request {
        val builder = request.newBuilder()
        session.basicAuthorization?.let { builder.header(AUTHORIZATION, it) }
        return withCookie(builder, request, lastCookie).build()
    }

    private fun withCookie(builder: Request.Builder, request: Request, cookie: String?): Request.Builder {
        if (cookie != null) {
            val existing = request.header(COOKIE)
            builder.header(COOKIE, if (existing.isNullOrEmpty()) cookie else "$existing; $cookie")
        }
        return builder
    }

    private fun isTokenRequired(response: Response): Boolean =
        response.code == 403 && response.headers(CSRF_TOKEN).any { it.trim().equals("Required", ignoreCase = true) }

    private companion object {
        const val CSRF_TOKEN = "X-CSRF-Token"
        const val COOKIE = "Cookie"
        val SAFE_METHODS = setOf("GET", "HEAD", "OPTIONS", "TRACE")
    }
}
