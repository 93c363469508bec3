@file:JvmName("Authwire")
@file:JvmMultifileClass

package dev.authwire

import java.io.IOException
import java.nio.file.Files
import java.nio.file.Path
import java.util.logging.Level
import java.util.logging.Logger

/**
 * A [JwtSigner] over the PEM private key in the file at [path] (PKCS#8 `PRIVATE KEY`, as
 * App Store Connect's `.p8` and GitHub's downloads are; PKCS#1 `RSA PRIVATE KEY`; SEC1
 * `EC PRIVATE KEY`), signed by the core: the same as `pemSigner(pem, keyId)` with the file's
 * text. A `String` is always the key's text, never a path.
 *
 * @throws AuthException.InvalidConfiguration when the file cannot be read or holds no usable
 *   key (encrypted, truncated, neither RSA nor EC P-256). The message never contains the key.
 */
@JvmOverloads
@Throws(AuthException::class)
fun pemSigner(path: Path, keyId: String? = null): JwtSigner = pemSigner(readKeyFile(path, "private key file"), keyId)

/** [file]'s text, or [AuthException.InvalidConfiguration] naming the path and the I/O error. */
@JvmSynthetic
internal fun readKeyFile(file: Path, what: String): String = try {
    Files.readString(file)
} catch (e: IOException) {
    // The I/O error names the path and the cause; it cannot contain the file's contents.
    throw AuthException.InvalidConfiguration("cannot read the $what $file: ${e.javaClass.simpleName}: ${e.message}")
}

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
