package dev.authwire

import java.io.IOException
import java.nio.file.Files
import java.nio.file.Path
import java.util.logging.Level
import java.util.logging.Logger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds

/**
 * A [TokenManager] for the XTD API key in the downloaded key file at [apiKeyFile]: the file is
 * read once, here, and the key's `encodedKey` is exchanged at [tokenUrl] for short-lived
 * tokens whenever one is needed.
 *
 * The same as reading the file with [ApiKey.fromFile] and passing the key to the generated
 * `TokenManager.apiKeyExchange(tokenUrl, apiKey, options)`, except that the [ApiKey] is
 * closed for you: the manager keeps its own copy of the key.
 *
 * ```kotlin
 * val tokens = TokenManager.apiKeyExchange("https://xtd.example.com/v1/token", Path.of("key.json"))
 * val header = tokens.authorization() // Bearer eyJ...
 * ```
 *
 * No request is sent until the first header is asked for. Create one manager per credential
 * and share it for the life of the application (it is thread-safe); see [TokenManager] on
 * closing it.
 *
 * @param tokenUrl the token endpoint. It must be `https://`; plain `http://` is accepted only
 *   for loopback addresses (127.0.0.0/8, `::1`, `localhost`), for tests.
 * @param options how to refresh, retry and time out; `null` for the defaults.
 * @throws AuthException.InvalidConfiguration when the file cannot be read or is not a valid
 *   key file, the URL is not acceptable, or [options] are invalid. The message never contains
 *   the key.
 */
@Throws(AuthException::class)
fun TokenManager.Companion.apiKeyExchange(
    tokenUrl: String,
    apiKeyFile: Path,
    options: TokenOptions? = null,
): TokenManager = ApiKey.fromFile(apiKeyFile).use { key -> apiKeyExchange(tokenUrl, key, options) }

/**
 * A [TokenManager] for the Google service account whose JSON key file is at [keyFile]: the
 * file is read once, here, and the core signs an RS256 assertion with its `private_key` (the
 * RFC 7523 JWT-bearer grant, `kid` = the file's `private_key_id`) and posts it to the file's
 * `token_uri` whenever a token is needed.
 *
 * The same as passing the file's text to the generated
 * `TokenManager.googleServiceAccount(keyJson, scopes, options)`.
 *
 * ```kotlin
 * val tokens = TokenManager.googleServiceAccount(
 *     Path.of("service-account.json"),
 *     listOf("https://www.googleapis.com/auth/cloud-platform"),
 * )
 * val header = tokens.authorization() // Bearer ya29....
 * ```
 *
 * @param scopes at least one OAuth scope.
 * @param options how to refresh, retry and time out; `null` for the defaults.
 * @throws AuthException.InvalidConfiguration when the file cannot be read (the message names
 *   the path and the I/O error), is not a service-account key file, its key is not a usable
 *   RSA key, or [scopes] is empty. The message never contains the key.
 */
@Throws(AuthException::class)
fun TokenManager.Companion.googleServiceAccount(
    keyFile: Path,
    scopes: List<String>,
    options: TokenOptions? = null,
): TokenManager = googleServiceAccount(readKeyFile(keyFile, "service-account key file"), scopes, options)

/**
 * A [TokenManager] that hands out self-signed JWTs for Google APIs that accept them in place
 * of an access token (no request is sent), signed with the service-account key file at
 * [keyFile]: `iss` = `sub` = the file's `client_email`, `aud` = [audience] (e.g.
 * `https://pubsub.googleapis.com/`). The same as the generated
 * `TokenManager.googleServiceAccountJwt(keyJson, audience, options)` with the file's text.
 *
 * @throws AuthException.InvalidConfiguration as [googleServiceAccount] does.
 */
@Throws(AuthException::class)
fun TokenManager.Companion.googleServiceAccountJwt(
    keyFile: Path,
    audience: String,
    options: TokenOptions? = null,
): TokenManager = googleServiceAccountJwt(readKeyFile(keyFile, "service-account key file"), audience, options)

/**
 * A [JwtSigner] over the PEM private key in the file at [pemFile] (PKCS#8 `PRIVATE KEY`, as
 * App Store Connect's `.p8` and GitHub's downloads are; PKCS#1 `RSA PRIVATE KEY`; SEC1
 * `EC PRIVATE KEY`), signed by the core: the same as the generated `pemSigner(pem, keyId)`
 * with the file's text.
 *
 * @throws AuthException.InvalidConfiguration when the file cannot be read or holds no usable
 *   key (encrypted, truncated, neither RSA nor EC P-256). The message never contains the key.
 */
@Throws(AuthException::class)
fun pemSigner(pemFile: Path, keyId: String? = null): JwtSigner = pemSigner(readKeyFile(pemFile, "private key file"), keyId)

private fun readKeyFile(file: Path, what: String): String = try {
    Files.readString(file)
} catch (e: IOException) {
    // The I/O error names the path and the cause; it cannot contain the file's contents.
    throw AuthException.InvalidConfiguration("cannot read the $what $file: ${e.javaClass.simpleName}: ${e.message}")
}

/**
 * How long this token is still handed out: [AccessToken.expiresInMs] as a [Duration],
 * measured when the token was handed out (it does not count down).
 *
 * [Duration.INFINITE] for a token that never expires (a static token without a lifetime).
 * After this time the manager no longer hands the token out, slightly before the server's
 * expiry, so that a request carrying it still arrives in time.
 */
val AccessToken.expiresIn: Duration
    get() = millisToDuration(expiresInMs())

/**
 * How long until the manager refreshes this token in the background:
 * [AccessToken.refreshInMs] as a [Duration], measured when the token was handed out.
 *
 * [Duration.ZERO] when a refresh is due; [Duration.INFINITE] for a token that is never
 * refreshed. Until then, a cache may reuse the token without asking the manager; asking costs
 * one call into the core (tens of microseconds through the JNA bindings, no network while the
 * token is cached), which only very hot loops need to avoid. [HeaderCache] is that cache.
 */
val AccessToken.refreshIn: Duration
    get() = millisToDuration(refreshInMs())

private fun millisToDuration(millis: ULong): Duration =
    if (millis > Long.MAX_VALUE.toULong()) Duration.INFINITE else millis.toLong().milliseconds

/**
 * An [AuthListener] that passes every event to [onEvent], for a lambda where the generated
 * interface needs an object:
 *
 * ```kotlin
 * tokens.setListener(AuthListener { event ->
 *     when (event) {
 *         is AuthEvent.RefreshFailed -> log.warn("token refresh failed (${event.networkKind}): ${event.reason}")
 *         else -> log.debug(event.toString())
 *     }
 * })
 * ```
 *
 * [AuthEvent.RefreshRetrying] and [AuthEvent.RefreshFailed] carry the [NetworkErrorKind] of a
 * network failure as `networkKind` (`null` for any other failure).
 *
 * Events never carry a token, key or password, so they are safe to log as they are.
 *
 * [onEvent] is called on the library's own threads (the refresh runs in the background), and
 * on the caller's thread for [AuthEvent.TokenInvalidated]: it must be thread-safe, return
 * quickly and not block. An exception it throws is logged as a warning with
 * `java.util.logging` (logger `dev.authwire`), and the event is dropped; the manager carries
 * on. (A class implementing [AuthListener] directly should not throw: the core then reports
 * the failed callback on standard error as a Rust panic message.)
 *
 * Pass `null` to `setListener` to remove the listener.
 */
@Suppress("FunctionName") // Named like the interface it creates, as `Runnable { }` would be.
fun AuthListener(onEvent: (AuthEvent) -> Unit): AuthListener = LambdaAuthListener(onEvent)

private class LambdaAuthListener(private val block: (AuthEvent) -> Unit) : AuthListener {
    override fun onEvent(event: AuthEvent) {
        try {
            block(event)
        } catch (e: Exception) {
            // Thrown back into the core it would be a panic report on stderr (caught there, so
            // the refresh goes on). java.util.logging reaches logcat on Android, too.
            Logger.getLogger("dev.authwire").log(Level.WARNING, "an AuthListener threw; the event ${event::class.simpleName} was dropped", e)
        }
    }
}
