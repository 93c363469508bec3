package dev.authwire.okhttp

import dev.authwire.AUTHORIZATION
import dev.authwire.AuthException
import dev.authwire.HeaderCache
import dev.authwire.TokenManager
import okhttp3.Authenticator
import okhttp3.Request
import okhttp3.Response
import okhttp3.Route

/**
 * An OkHttp [Authenticator] for APIs that answer 401 when a token is rejected before its
 * expiry (revoked, or the server's clock disagrees): it discards the token the failed request
 * carried and retries the request once with a fresh one from [tokenManager].
 *
 * Install it together with [AuthwireInterceptor] (or with [authwire], which does both):
 *
 * ```kotlin
 * val client = OkHttpClient.Builder()
 *     .addInterceptor(AuthwireInterceptor(tokens))
 *     .authenticator(AuthwireAuthenticator(tokens))
 *     .build()
 * ```
 *
 * It works through the manager's [HeaderCache] (`HeaderCache.of(tokenManager)`), the one
 * [AuthwireInterceptor] serves from, so that its invalidation reaches the interceptor at once.
 * On a 401 it:
 * 1. passes the failed request's `Authorization` value to [TokenManager.invalidate], which
 *    drops the cached header and discards the token. Only the first of many
 *    parallel 401s for the same token discards it and starts a refresh; for the others the
 *    token was already replaced, and they just take the new one. So 32 parallel calls
 *    rejected with the same token cause one token request, not 32.
 * 2. waits for the manager's current header ([HeaderCache.authorizationBlocking]) and returns the
 *    failed request with that header, which OkHttp sends once more.
 *
 * It never loops. It gives up, and the caller receives the 401 response, when:
 * - the 401 answers a retry: some earlier response of the same call was already a 401;
 * - the fresh header is the one the failed request carried (e.g. a static token, which
 *   [TokenManager.invalidate] cannot replace).
 *
 * If the API keeps rejecting fresh tokens, the manager's refresh-loop guard stops refreshing
 * (see `TokenOptions.loopMaxInvalidations`): the call then fails with an
 * [AuthwireIOException] whose cause is [AuthException.RefreshLoop]. If the token request
 * fails, the call fails with an [AuthwireIOException] carrying that error.
 *
 * A request that carried no `Authorization` header is retried once with the manager's
 * header, without discarding anything. Proxy challenges (407) are not handled: it is meant
 * for `OkHttpClient.Builder.authenticator`, not `proxyAuthenticator`. OkHttp itself does not
 * retry a request whose body is one-shot.
 *
 * @param headerCache the cache of the manager whose tokens the API rejected. The
 *   authenticator does not close the manager; it must stay open while the client is used.
 */
class AuthwireAuthenticator @JvmOverloads constructor(
    private val headerCache: HeaderCache,
    /**
     * For a user session: told once per manager when the fresh token cannot be had because
     * the session is over ([AuthException.SignInRequired]); `null` for none.
     */
    private val onSignInRequired: SignInRequiredListener? = null,
) : Authenticator {
    /** The authenticator of [tokenManager], working through `HeaderCache.of(tokenManager)`. */
    constructor(tokenManager: TokenManager) : this(HeaderCache.of(tokenManager))

    /**
     * For a user session (`TokenManager.userSession`): the authenticator of [tokenManager], and
     * when the refresh after a 401 finds the session over ([AuthException.SignInRequired]),
     * [onSignInRequired] is told once per manager and the call fails with an
     * [AuthwireIOException] carrying that error (see [SignInRequiredListener]).
     */
    constructor(tokenManager: TokenManager, onSignInRequired: SignInRequiredListener) :
        this(HeaderCache.of(tokenManager), onSignInRequired)

    /** Decides the retry of one 401 response; see the class documentation. */
    override fun authenticate(route: Route?, response: Response): Request? {
        if (response.code != 401 || isRetry(response)) {
            return null
        }
        val request = response.request
        val sent = request.header(AUTHORIZATION)
        if (sent != null) {
            headerCache.invalidate(sent)
        }
        val fresh = try {
            sessionCall(headerCache, onSignInRequired) { headerCache.authorizationBlocking() }
        } catch (e: AuthwireIOException) {
            response.close()
            throw e
        }
        if (fresh == sent) {
            return null
        }
        return request.newBuilder().header(AUTHORIZATION, fresh).build()
    }

    /** Whether an earlier response of this call was a 401, which this authenticator answered. */
    private fun isRetry(response: Response): Boolean =
        generateSequence(response.priorResponse) { it.priorResponse }.any { it.code == 401 }
}
