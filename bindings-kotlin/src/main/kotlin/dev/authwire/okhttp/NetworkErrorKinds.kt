package dev.authwire.okhttp

import dev.authwire.NetworkErrorKind
import okhttp3.internal.http2.ConnectionShutdownException
import okhttp3.internal.http2.StreamResetException
import java.io.EOFException
import java.io.IOException
import java.io.InterruptedIOException
import java.net.ConnectException
import java.net.NoRouteToHostException
import java.net.PortUnreachableException
import java.net.ProtocolException
import java.net.SocketException
import java.net.SocketTimeoutException
import java.net.UnknownHostException
import java.security.cert.CertPathBuilderException
import java.security.cert.CertPathValidatorException
import java.security.cert.CertificateException
import java.security.cert.CertificateExpiredException
import java.security.cert.CertificateNotYetValidException
import javax.net.ssl.SSLException
import javax.net.ssl.SSLHandshakeException
import javax.net.ssl.SSLPeerUnverifiedException

/**
 * The kind of an OkHttp failure, from [error] and its causes (the table is in
 * [OkHttpTransport]'s documentation). [throughProxy] says that the call's route goes through
 * a proxy, so a failure to reach the first hop (its name, refused, connect timeout) is the
 * proxy's.
 *
 * The order matters, as one chain can show several: the certificate's fault first (a
 * certificate exception under the handshake exception), then any other handshake failure,
 * the proxy, the first hop, timeouts, a connection that broke off, and last any other TLS
 * failure (a reset while reading TLS records is a reset, not a handshake failure).
 */
internal fun networkErrorKind(error: IOException, throughProxy: Boolean): NetworkErrorKind {
    val chain = causes(error)
    certificateKind(chain)?.let { return it }
    if (chain.any { it is SSLHandshakeException }) return NetworkErrorKind.TLS_HANDSHAKE
    if (chain.any { it.isProxyFailure() }) return NetworkErrorKind.PROXY
    val connectKind = connectKind(chain)
    if (connectKind != null) return if (throughProxy) NetworkErrorKind.PROXY else connectKind
    if (chain.any { it is SocketTimeoutException || (it is InterruptedIOException && it.message == "timeout") }) {
        return NetworkErrorKind.READ_TIMEOUT
    }
    if (chain.any { it.isReset() }) return NetworkErrorKind.CONNECTION_RESET
    if (chain.any { it is SSLException }) return NetworkErrorKind.TLS_HANDSHAKE
    return NetworkErrorKind.OTHER
}

/** [error] and its causes, outermost first (at most 16, in case of a cycle). */
private fun causes(error: Throwable): List<Throwable> {
    val chain = mutableListOf<Throwable>()
    var current: Throwable? = error
    while (current != null && chain.size < 16 && current !in chain) {
        chain += current
        current = current.cause
    }
    return chain
}

/** The certificate's fault, when the chain shows one. */
private fun certificateKind(chain: List<Throwable>): NetworkErrorKind? {
    if (chain.any { it is CertificateExpiredException || it is CertificateNotYetValidException }) {
        return NetworkErrorKind.CERTIFICATE_EXPIRED
    }
    chain.filterIsInstance<CertPathValidatorException>().firstOrNull()?.let { invalid ->
        return when (invalid.reason) {
            CertPathValidatorException.BasicReason.EXPIRED,
            CertPathValidatorException.BasicReason.NOT_YET_VALID,
            -> NetworkErrorKind.CERTIFICATE_EXPIRED
            CertPathValidatorException.BasicReason.REVOKED -> NetworkErrorKind.CERTIFICATE_REVOKED
            else -> NetworkErrorKind.CERTIFICATE_UNTRUSTED
        }
    }
    if (chain.any { it is CertPathBuilderException }) return NetworkErrorKind.CERTIFICATE_UNTRUSTED
    val certificate = chain.filterIsInstance<CertificateException>().firstOrNull()
    if (certificate != null) {
        val message = certificate.message.orEmpty()
        if (message.startsWith("No subject alternative") || message.startsWith("No name matching")) {
            return NetworkErrorKind.CERTIFICATE_WRONG_NAME
        }
        if (chain.any { it is SSLHandshakeException }) return NetworkErrorKind.CERTIFICATE_UNTRUSTED
    }
    chain.filterIsInstance<SSLPeerUnverifiedException>().firstOrNull()?.let { unverified ->
        // OkHttp's CertificatePinner and its host name check both throw this exception.
        return if (unverified.message.orEmpty().startsWith("Certificate pinning failure")) {
            NetworkErrorKind.CERTIFICATE_UNTRUSTED
        } else {
            NetworkErrorKind.CERTIFICATE_WRONG_NAME
        }
    }
    return null
}

/** OkHttp's HTTP CONNECT tunnel and the JDK's SOCKS client report these. */
private fun Throwable.isProxyFailure(): Boolean {
    val message = message.orEmpty()
    return message.startsWith("Unexpected response code for CONNECT") ||
        message.startsWith("Failed to authenticate with proxy") ||
        message.startsWith("TLS tunnel buffered too many bytes") ||
        (this is SocketException && message.contains("SOCKS"))
}

/** A failure to reach the first hop: resolving its name, connecting, or connecting in time. */
private fun connectKind(chain: List<Throwable>): NetworkErrorKind? {
    chain.filterIsInstance<UnknownHostException>().firstOrNull()?.let { unknown ->
        // Neither the JDK nor Android has a typed temporary/permanent split: both report every
        // resolver failure as UnknownHostException. Only the text tells them apart: the JDK on
        // Linux appends glibc's gai_strerror ("Temporary failure in name resolution" for
        // EAI_AGAIN), Android's cause is a GaiException naming EAI_AGAIN (untested: no Android
        // here). Android is known to report a device without any network as EAI_NODATA, which
        // lands here as not resolved, not retried.
        val texts = causes(unknown).mapNotNull { it.message }
        val temporary = texts.any { "Temporary failure in name resolution" in it || "EAI_AGAIN" in it }
        return if (temporary) NetworkErrorKind.NAME_RESOLUTION_TEMPORARY else NetworkErrorKind.NAME_NOT_RESOLVED
    }
    if (chain.any { it is ConnectException || it is NoRouteToHostException || it is PortUnreachableException }) {
        // The kernel's own connect timeout (no SYN-ACK within its retries) is a ConnectException too.
        val timedOut = chain.any { it is ConnectException && it.message.orEmpty().contains("timed out", ignoreCase = true) }
        return if (timedOut) NetworkErrorKind.CONNECT_TIMEOUT else NetworkErrorKind.CONNECTION_REFUSED
    }
    if (chain.any { it is SocketTimeoutException && it.isConnectTimeout() }) return NetworkErrorKind.CONNECT_TIMEOUT
    return null
}

/**
 * Whether this timeout was thrown while the TCP connection was being opened: by
 * `java.net.Socket.connect` (the JDK's "Connect timed out", Android's "failed to connect to
 * ... after ...ms"), as opposed to a read on an open connection ("Read timed out", okio's
 * "timeout").
 */
private fun SocketTimeoutException.isConnectTimeout(): Boolean {
    val message = message.orEmpty()
    return message.equals("connect timed out", ignoreCase = true) ||
        message.startsWith("failed to connect to", ignoreCase = true) ||
        stackTrace.any { it.className == "java.net.Socket" && it.methodName == "connect" }
}

/** The connection broke off before the answer was complete. */
private fun Throwable.isReset(): Boolean {
    if (this is EOFException || this is ProtocolException) return true
    if (this is StreamResetException || this is ConnectionShutdownException) return true
    val message = message.orEmpty()
    if (message.startsWith("unexpected end of stream")) return true
    return this is SocketException &&
        (message.contains("reset", ignoreCase = true) || message.contains("Broken pipe") || message.contains("abort"))
}
