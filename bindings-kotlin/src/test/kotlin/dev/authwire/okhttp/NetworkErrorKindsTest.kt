package dev.authwire.okhttp

import dev.authwire.NetworkErrorKind
import okhttp3.internal.http2.ErrorCode
import okhttp3.internal.http2.StreamResetException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import java.io.EOFException
import java.io.IOException
import java.io.InterruptedIOException
import java.net.ConnectException
import java.net.NoRouteToHostException
import java.net.SocketException
import java.net.SocketTimeoutException
import java.net.UnknownHostException
import java.security.cert.CertPathValidatorException
import java.security.cert.CertificateException
import java.security.cert.CertificateNotYetValidException
import javax.net.ssl.SSLHandshakeException
import javax.net.ssl.SSLPeerUnverifiedException

/**
 * The rows of [OkHttpTransport]'s mapping that the real servers of `NetworkErrorsTest` cannot
 * produce on this machine (a revoked certificate, Android's exceptions, a temporary DNS
 * failure, HTTP/2 stream resets, pinning), with the exceptions the JDK, Android and OkHttp
 * throw for them, nested as they nest them.
 */
class NetworkErrorKindsTest {
    private fun handshake(cause: Throwable) = SSLHandshakeException(cause.toString()).apply { initCause(cause) }

    private fun kindOf(error: IOException, throughProxy: Boolean = false) = networkErrorKind(error, throughProxy)

    @Test
    fun `certificate failures by the JDK's and Android's exceptions`() {
        val revoked = CertPathValidatorException("revoked", null, null, -1, CertPathValidatorException.BasicReason.REVOKED)
        assertEquals(NetworkErrorKind.CERTIFICATE_REVOKED, kindOf(handshake(CertificateException(revoked))))
        val notYetValid = CertPathValidatorException("not yet valid", null, null, -1, CertPathValidatorException.BasicReason.NOT_YET_VALID)
        assertEquals(NetworkErrorKind.CERTIFICATE_EXPIRED, kindOf(handshake(CertificateException(notYetValid))))
        assertEquals(NetworkErrorKind.CERTIFICATE_EXPIRED, kindOf(handshake(CertificateNotYetValidException("NotBefore: ..."))))
        // Android (Conscrypt): "Trust anchor for certification path not found."
        val noAnchor = CertPathValidatorException("Trust anchor for certification path not found.")
        assertEquals(NetworkErrorKind.CERTIFICATE_UNTRUSTED, kindOf(handshake(CertificateException(noAnchor))))
        // A custom trust manager that refuses.
        assertEquals(NetworkErrorKind.CERTIFICATE_UNTRUSTED, kindOf(handshake(CertificateException("not pinned"))))
        // The JDK's own host name check, when a socket factory turns endpoint identification on.
        val noSan = CertificateException("No subject alternative names matching IP address 127.0.0.1 found")
        assertEquals(NetworkErrorKind.CERTIFICATE_WRONG_NAME, kindOf(handshake(noSan)))
        assertEquals(
            NetworkErrorKind.CERTIFICATE_UNTRUSTED,
            kindOf(SSLPeerUnverifiedException("Certificate pinning failure!\n  Peer certificate chain: ...")),
        )
        assertEquals(NetworkErrorKind.CERTIFICATE_WRONG_NAME, kindOf(SSLPeerUnverifiedException("Hostname a.example not verified")))
        assertEquals(NetworkErrorKind.TLS_HANDSHAKE, kindOf(SSLHandshakeException("Received fatal alert: handshake_failure")))
    }

    @Test
    fun `names, connections, timeouts and resets`() {
        assertEquals(
            NetworkErrorKind.NAME_RESOLUTION_TEMPORARY,
            kindOf(UnknownHostException("auth.example.com: Temporary failure in name resolution")),
        )
        // Android: the GaiException's message, as the cause.
        val android = UnknownHostException("Unable to resolve host \"auth.example.com\": No address associated with hostname")
            .apply { initCause(IOException("android_getaddrinfo failed: EAI_AGAIN (Try again)")) }
        assertEquals(NetworkErrorKind.NAME_RESOLUTION_TEMPORARY, kindOf(android))
        assertEquals(NetworkErrorKind.NAME_NOT_RESOLVED, kindOf(UnknownHostException("auth.example.com: Name or service not known")))
        assertEquals(NetworkErrorKind.CONNECTION_REFUSED, kindOf(NoRouteToHostException("No route to host")))
        val kernelTimeout = ConnectException("Failed to connect to /10.1.2.3:443").apply { initCause(ConnectException("Connection timed out")) }
        assertEquals(NetworkErrorKind.CONNECT_TIMEOUT, kindOf(kernelTimeout))
        // Android's connect timeout.
        assertEquals(
            NetworkErrorKind.CONNECT_TIMEOUT,
            kindOf(SocketTimeoutException("failed to connect to /10.1.2.3 (port 443) from /10.0.0.2 (port 41234) after 10000ms")),
        )
        assertEquals(NetworkErrorKind.READ_TIMEOUT, kindOf(SocketTimeoutException("timeout")))
        assertEquals(NetworkErrorKind.READ_TIMEOUT, kindOf(InterruptedIOException("timeout")))
        assertEquals(NetworkErrorKind.CONNECTION_RESET, kindOf(StreamResetException(ErrorCode.INTERNAL_ERROR)))
        assertEquals(NetworkErrorKind.CONNECTION_RESET, kindOf(IOException("unexpected end of stream on http://x/...").apply { initCause(EOFException()) }))
        assertEquals(NetworkErrorKind.CONNECTION_RESET, kindOf(SocketException("Broken pipe")))
        assertEquals(NetworkErrorKind.OTHER, kindOf(IOException("Canceled")))
    }

    @Test
    fun `the proxy's failures`() {
        assertEquals(NetworkErrorKind.PROXY, kindOf(IOException("Failed to authenticate with proxy")))
        assertEquals(NetworkErrorKind.PROXY, kindOf(SocketException("SOCKS: Connection refused")))
        // Through a proxy, the first hop is the proxy.
        assertEquals(NetworkErrorKind.PROXY, kindOf(UnknownHostException("proxy.corp: Name or service not known"), throughProxy = true))
        assertEquals(NetworkErrorKind.PROXY, kindOf(SocketTimeoutException("Connect timed out"), throughProxy = true))
        // ... but the server's certificate is still the server's.
        assertEquals(NetworkErrorKind.CERTIFICATE_WRONG_NAME, kindOf(SSLPeerUnverifiedException("Hostname a.example not verified"), throughProxy = true))
    }

}
