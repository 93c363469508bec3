package dev.authwire.okhttp

import dev.authwire.AuthException
import dev.authwire.HeaderCache
import java.util.logging.Level
import java.util.logging.Logger

/**
 * What an app does when its user session is over (`TokenManager.userSession`): the refresh
 * token was refused (`invalid_grant`: revoked, expired, or reused), the user signed out in this
 * or another process, or no session is stored. Typically: clear the signed-in state and show
 * the sign-in screen.
 *
 * Given to [AuthwireInterceptor], [AuthwireAuthenticator] or `OkHttpClient.Builder.authwire`:
 *
 * ```kotlin
 * val client = OkHttpClient.Builder()
 *     .authwire(session) { ended -> mainHandler.post { showSignIn(ended.reason) } }
 *     .build()
 * ```
 *
 * It is called **once per manager**, on the thread of the first call that met the end of the
 * session (an OkHttp dispatcher thread for `enqueue`): post to the UI thread from there, and
 * return quickly. That call, and every later call of the client, fails with an
 * [AuthwireIOException] whose `cause` is the [AuthException.SignInRequired]; no request is sent
 * without a token. An exception it throws is logged as a warning with `java.util.logging`
 * (logger `dev.authwire`) and the call fails all the same. From Java, a lambda:
 * `AuthwireOkHttp.authwire(builder, session, ended -> showSignIn())`.
 */
fun interface SignInRequiredListener {
    /** The session ended; [error] says why (never a token). */
    fun onSignInRequired(error: AuthException.SignInRequired)
}

/**
 * Runs [block]; an [AuthException.SignInRequired] tells [listener] (once per manager, through
 * [headerCache]'s flag), and every [AuthException] becomes the [AuthwireIOException] OkHttp expects.
 */
internal inline fun <T> sessionCall(headerCache: HeaderCache, listener: SignInRequiredListener?, block: () -> T): T =
    try {
        block()
    } catch (e: AuthException) {
        if (e is AuthException.SignInRequired && listener != null && headerCache.signInRequiredReported.compareAndSet(false, true)) {
            try {
                listener.onSignInRequired(e)
            } catch (thrown: Exception) {
                Logger.getLogger("dev.authwire").log(Level.WARNING, "a SignInRequiredListener threw; the call fails with SignInRequired all the same", thrown)
            }
        }
        throw AuthwireIOException(e)
    }
