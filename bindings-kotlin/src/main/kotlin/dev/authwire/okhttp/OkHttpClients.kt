@file:JvmName("AuthwireOkHttp")

package dev.authwire.okhttp

import dev.authwire.HeaderCache
import dev.authwire.TokenManager
import okhttp3.OkHttpClient

/**
 * Authorizes every request of the client being built with [tokenManager]'s tokens: adds an
 * [AuthwireInterceptor] (the `Authorization` header) and sets an [AuthwireAuthenticator]
 * (a 401 discards the rejected token and retries once with a fresh one). Both share the
 * manager's [HeaderCache], so requests take the header from a Kotlin field until the token's
 * refresh point, and a 401 clears it for every request at once.
 *
 * ```kotlin
 * val client = OkHttpClient.Builder().authwire(tokens).build()
 * ```
 *
 * This replaces an authenticator set before. The manager is not closed by the client; keep it
 * open while the client is used. From Java: `AuthwireOkHttp.authwire(builder, tokens)`.
 */
fun OkHttpClient.Builder.authwire(tokenManager: TokenManager): OkHttpClient.Builder {
    val headerCache = HeaderCache.of(tokenManager)
    return addInterceptor(AuthwireInterceptor(headerCache))
        .authenticator(AuthwireAuthenticator(headerCache))
}

/**
 * [authwire] for a user session (`TokenManager.userSession`): every request gets the session's
 * header, a 401 retries once with a fresh token, and when the session is over
 * ([dev.authwire.AuthException.SignInRequired]: the refresh token was refused, or the user
 * signed out here or in another process) [onSignInRequired] is told once, e.g. to show the
 * sign-in screen, and the call fails with an [AuthwireIOException] carrying that error.
 *
 * ```kotlin
 * val client = OkHttpClient.Builder()
 *     .authwire(session) { ended -> mainHandler.post { showSignIn(ended.reason) } }
 *     .build()
 * ```
 *
 * From Java: `AuthwireOkHttp.authwire(builder, session, ended -> showSignIn())`.
 */
fun OkHttpClient.Builder.authwire(tokenManager: TokenManager, onSignInRequired: SignInRequiredListener): OkHttpClient.Builder {
    val headerCache = HeaderCache.of(tokenManager)
    return addInterceptor(AuthwireInterceptor(headerCache, onSignInRequired))
        .authenticator(AuthwireAuthenticator(headerCache, onSignInRequired))
}
