package dev.authwire

import okhttp3.OkHttpClient
import org.json.JSONObject
import org.junit.jupiter.api.Assumptions.assumeTrue
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.SocketTimeoutException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyStore
import java.security.cert.CertificateFactory
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager

/**
 * `tests/scenarios/tls_servers.py`, started once for this JVM on first use (each start makes a
 * new CA) and stopped when the JVM exits. Its `--out` directory is surefire's
 * `authwire.tlsServersDir`, whose `ca.pem` is the `SSL_CERT_FILE` surefire gives this JVM: the
 * way a user trusts a private CA with the built-in client (a JVM cannot set its own
 * environment).
 */
object TlsServers {
    private val started: Pair<PythonServer, JSONObject>? by lazy {
        if (testPython == null) return@lazy null
        val dir = System.getProperty("authwire.tlsServersDir")
            ?: error("system property authwire.tlsServersDir is not set; run the tests with Maven (see pom.xml)")
        val server = PythonServer.tlsServers(Path.of(dir))
        Runtime.getRuntime().addShutdownHook(Thread { server.close() })
        server to JSONObject(server.readyLine)
    }

    /** The ready line; skips the calling test, saying why, without the test Python. */
    val info: JSONObject
        get() {
            assumeTrue(testPython != null) { "the TLS and network-failure tests need tls_servers.py: $testPythonMissing" }
            return checkNotNull(started).second
        }

    /** The endpoint [name] of the ready line (`trusted`, `untrusted`, ...), with path `/v1/token`. */
    fun tokenUrl(name: String): String = "${info.getString(name)}/v1/token"

    /** The port of endpoint [name]. */
    fun port(name: String): Int = URI(info.getString(name)).port

    /** The test CA's certificate file. */
    val caFile: Path get() = Path.of(info.getString("ca_file"))

    /** The TCP connections endpoint [name] accepted so far (failed TLS handshakes included). */
    fun accepts(name: String): Int {
        val response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI(info.getString("stats"))).build(),
            HttpResponse.BodyHandlers.ofString(),
        )
        check(response.statusCode() == 200) { response.body() }
        return JSONObject(response.body()).getJSONObject(name).getInt("accepts")
    }

    /**
     * An [OkHttpClient] that trusts the test CA and nothing else, set up the way an app trusts
     * a private CA with OkHttp: a [KeyStore] with the CA's certificate, its
     * [TrustManagerFactory]'s trust manager, and `sslSocketFactory`.
     */
    fun okHttpClientTrustingCa(): OkHttpClient {
        val ca = Files.newInputStream(caFile).use { CertificateFactory.getInstance("X.509").generateCertificate(it) }
        val store = KeyStore.getInstance(KeyStore.getDefaultType()).apply {
            load(null, null)
            setCertificateEntry("authwire-test-ca", ca)
        }
        val factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(store) }
        val trustManager = factory.trustManagers.filterIsInstance<X509TrustManager>().single()
        val context = SSLContext.getInstance("TLS").apply { init(null, arrayOf(trustManager), null) }
        return OkHttpClient.Builder().sslSocketFactory(context.socketFactory, trustManager).build()
    }
}

/**
 * A port on 127.0.0.1 where connecting times out: a listening socket that never accepts,
 * whose accept queue (backlog 1) is full, so the kernel drops further SYNs.
 */
class FullBacklog : AutoCloseable {
    private val server = ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))
    private val fillers = mutableListOf<Socket>()

    /** `http://127.0.0.1:<port>`. */
    val url: String = "http://127.0.0.1:${server.localPort}"

    init {
        // Connect until one connection is no longer taken: the queue is then full.
        while (fillers.size < 16) {
            val socket = Socket()
            try {
                socket.connect(InetSocketAddress(server.inetAddress, server.localPort), 300)
                fillers += socket
            } catch (e: SocketTimeoutException) {
                socket.close()
                break
            }
        }
        check(fillers.size < 16) { "connections to a socket that never accepts kept succeeding" }
    }

    override fun close() {
        fillers.forEach { it.close() }
        server.close()
    }
}
