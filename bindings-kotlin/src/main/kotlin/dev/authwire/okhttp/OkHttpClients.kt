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
