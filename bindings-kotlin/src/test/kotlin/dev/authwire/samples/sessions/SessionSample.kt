package dev.authwire.samples.sessions

import dev.authwire.AuthException
import dev.authwire.AuthorizationCodeFlow
import dev.authwire.DeviceAuthorizationFlow
import dev.authwire.FileStore
import dev.authwire.KeyFileSealingKey
import dev.authwire.SessionTokens
import dev.authwire.TokenManager
import dev.authwire.TokenOptions
import dev.authwire.okhttp.authwire
import okhttp3.OkHttpClient
import java.nio.file.Path
import kotlin.time.Duration.Companion.milliseconds

/** Your app's client id at the authorization server (a public client: no secret). */
const val CLIENT_ID = "authwire-app"

/** Where the session lives: the store and its sealing key, shared by every process of the app. */
class SessionPlace(dir: Path) {
    val store = FileStore(dir.resolve("session"))
    val sealingKey = KeyFileSealingKey(dir.resolve("session.key"))
}

/** 1. Sign in with PKCE: open the URL in the browser (Custom Tabs), finish with the redirect. */
suspend fun signIn(authorizeUrl: String, tokenUrl: String, openBrowser: suspend (String) -> String): SessionTokens =
    AuthorizationCodeFlow(authorizeUrl, tokenUrl, CLIENT_ID, "com.example.app:/oauth2redirect", listOf("openid", "profile", "read")).use { flow ->
        val redirect = openBrowser(flow.authorizationUrl) // the URL the browser came back with
        flow.finish(redirect)
    }

/** 1b. Or take over a sign-in done elsewhere (AppAuth's AuthState, Auth0's Credentials). */
fun handOver(accessToken: String, refreshToken: String, expiresAtMillis: Long): SessionTokens =
    SessionTokens(accessToken, refreshToken, expiresIn = (expiresAtMillis - System.currentTimeMillis()).coerceAtLeast(0).milliseconds)

/** 1c. Or, on a device without a browser (a CLI, a TV), the device flow. */
suspend fun deviceSignIn(deviceUrl: String, tokenUrl: String): SessionTokens =
    DeviceAuthorizationFlow(deviceUrl, tokenUrl, CLIENT_ID, listOf("profile")).use { flow ->
        val code = flow.start()
        println("Go to ${code.verificationUri} and enter ${code.userCode}")
        flow.wait() // polls every code.interval; cancel the coroutine to stop
    }

/** 2. The session: this process, or another one of the app, with the same store and key. */
fun session(tokenUrl: String, place: SessionPlace, tokens: SessionTokens? = null): TokenManager =
    TokenManager.userSession(
        tokenUrl, CLIENT_ID, tokens, // null: continue the session stored by any process
        sealingKey = place.sealingKey,
        options = TokenOptions(store = place.store),
    )

/** 3. Calls carry the session's token; when the session is over, back to the sign-in. */
fun client(session: TokenManager, showSignIn: (String) -> Unit): OkHttpClient =
    OkHttpClient.Builder()
        .authwire(session) { ended -> showSignIn(ended.reason) }
        .build()

/** 4. Sign out everywhere: every process sharing the store gets SignInRequired. */
suspend fun signOut(session: TokenManager) {
    try {
        session.signOut()
    } catch (e: AuthException.Network) {
        println("signed out here; the store could not be updated: ${e.message}")
    }
}
