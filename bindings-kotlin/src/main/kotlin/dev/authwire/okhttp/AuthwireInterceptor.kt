package dev.authwire.okhttp

import dev.authwire.AUTHORIZATION
import dev.authwire.AuthException
import dev.authwire.HeaderCache
import dev.authwire.TokenManager
import okhttp3.Interceptor
import okhttp3.Response

/**
 * An OkHttp [Interceptor] that adds an `Authorization` header to every request, with the
 * value [headerProvider] returns for that request.
 *
 * With a [TokenManager] (the secondary constructor), each request gets the manager's current
 * header, e.g. `Bearer eyJ...`, through the manager's [HeaderCache]: from a Kotlin field
 * while the token is before its refresh point, otherwise from the manager, after the one
 * token request that all concurrent calls share. Pair it with [AuthwireAuthenticator] so that
 * a 401 from the API discards the rejected token and the call is retried once with a fresh
 * one; [authwire] installs both:
 *
 * ```kotlin
 * val client = OkHttpClient.Builder()
 *     .addInterceptor(AuthwireInterceptor(tokens))
 *     .authenticator(AuthwireAuthenticator(tokens))
 *     .build()
 * ```
 *
 * With any other provider, e.g. a fixed header built once:
 *
 * ```kotlin
 * val header = basicAuth("alice", password)
 * val client = OkHttpClient.Builder().addInterceptor(AuthwireInterceptor { header }).build()
 * ```
 *
 * Behaviour:
 * - A request that already carries an `Authorization` header is sent as it is: a header you
 *   set on one request wins over the interceptor.
 * - [headerProvider] is called on the thread that runs the call (OkHttp's dispatcher threads
 *   for `enqueue`, the caller's for `execute`) and may block there, e.g. while a
 *   [TokenManager] fetches its first token.
 * - If the provider throws an [AuthException] (the token request failed), the call fails
 *   with an [AuthwireIOException] carrying it, and the request is not sent. Other exceptions
 *   from the provider are not caught.
 * - For a user session, give a [SignInRequiredListener]: when the session is over
 *   ([AuthException.SignInRequired]) it is told once, and the call fails as above.
 *
 * Add it with `addInterceptor` (an application interceptor) or `addNetworkInterceptor`;
 * either works with [AuthwireAuthenticator], which sets the header of its retry itself.
 *
 * @param headerProvider returns the complete header value (`Bearer ...`, `Basic ...`), and
 *   is called once per request that has no `Authorization` header yet.
 */
class AuthwireInterceptor(private val headerProvider: () -> String) : Interceptor {
    private var headerCache: HeaderCache? = null
    private var signInRequired: SignInRequiredListener? = null

    /**
     * Adds [tokenManager]'s current header to every request, from the manager's shared
     * [HeaderCache] (`HeaderCache.of(tokenManager)`), the one [AuthwireAuthenticator]
     * invalidates after a 401. The interceptor does not close the manager; it must stay open
     * while the client is used.
     *
     * The cache serves a token until its refresh point without asking the manager, and
     * `tokenManager.invalidate(token)` clears it: the next request after an invalidation
     * carries the new token.
     */
    constructor(tokenManager: TokenManager) : this(HeaderCache.of(tokenManager))

    /** Adds [headerCache]'s header ([HeaderCache.authorizationBlocking]) to every request. */
    constructor(headerCache: HeaderCache) : this(headerCache::authorizationBlocking)

    /**
     * For a user session (`TokenManager.userSession`): adds [tokenManager]'s header as the
     * one-argument constructor does, and when the session is over
     * ([AuthException.SignInRequired]) tells [onSignInRequired], once per manager, and fails
     * the call with an [AuthwireIOException] carrying that error (see [SignInRequiredListener]).
     */
    constructor(tokenManager: TokenManager, onSignInRequired: SignInRequiredListener) :
        this(HeaderCache.of(tokenManager), onSignInRequired)

    /** [headerCache]'s header, telling [onSignInRequired] when the session is over (see the other constructors). */
    constructor(headerCache: HeaderCache, onSignInRequired: SignInRequiredListener) : this(headerCache::authorizationBlocking) {
        this.headerCache = headerCache
        this.signInRequired = onSignInRequired
    }

    /** Adds the header and proceeds; see the class documentation. */
    override fun intercept(chain: Interceptor.Chain): Response {
        val request = chain.request()
        if (request.header(AUTHORIZATION) != null) {
            return chain.proceed(request)
        }
        val cache = headerCache
        val header = if (cache != null) sessionCall(cache, signInRequired, headerProvider) else authCall(headerProvider)
        return chain.proceed(request.newBuilder().header(AUTHORIZATION, header).build())
    }
}
