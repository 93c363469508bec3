package dev.authwire.bench

import dev.authwire.ApiKey
import dev.authwire.TokenManager
import dev.authwire.TokenOptions
import dev.authwire.okhttp.OkHttpTransport
import okhttp3.OkHttpClient
import java.io.BufferedInputStream
import java.io.InputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread

/**
 * The cost of one token request through the core's built-in client (reqwest) and through
 * [OkHttpTransport], against the same local keep-alive token server ([TokenServer]: one write
 * per response and TCP_NODELAY, so that no delayed-ACK stall hides the client's cost). Not a
 * test: run it with
 *
 *     mvn -f bindings-kotlin -Dauthwire.generate.skip=true test-compile exec:exec@bench-transport
 *
 * Each iteration invalidates the current token and asks for the header again: one whole
 * token request as a caller sees it (the core's refresh machinery, the transport, the
 * server). System property `authwire.bench.requests` (default 2000 per transport).
 */
fun main() {
    val count = System.getProperty("authwire.bench.requests")?.toInt() ?: 2000
    println("authwire transport benchmark: $count token requests each, ${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}")
    TokenServer().use { server ->
        val builtin = measure("built-in (reqwest, rustls)", server, count, null)
        val okhttp = measure("OkHttpTransport", server, count, OkHttpTransport(OkHttpClient()))
        println("%-32s %+8.0f µs vs built-in (%.2fx)".format("", okhttp - builtin, okhttp / builtin))
    }
    // OkHttp's and uniffi's non-daemon threads would keep the JVM alive.
    System.exit(0)
}

private fun measure(name: String, server: TokenServer, count: Int, transport: OkHttpTransport?): Double {
    val options = TokenOptions(loopMaxInvalidations = 1_000_000, transport = transport)
    val manager = ApiKey.fromEncodedKey("YmVuY2g6YmVuY2gtc2VjcmV0").let {
        TokenManager.apiKeyExchange(server.url("/v1/token"), it, options)
    }
    return manager.use {
        var header = it.authorizationBlocking()
        // Warm-up: the JIT, the connection pool.
        repeat(count / 4) { _ ->
            it.invalidate(header)
            header = it.authorizationBlocking()
        }
        val runs = (0 until 5).map { _ ->
            val started = System.nanoTime()
            repeat(count / 5) { _ ->
                it.invalidate(header)
                header = it.authorizationBlocking()
            }
            (System.nanoTime() - started) / 1000.0 / (count / 5)
        }
        val median = runs.sorted()[2]
        println("%-32s %8.0f µs per token request (runs: %s)".format(name, median, runs.joinToString { r -> "%.0f".format(r) }))
        median
    }
}

/** HTTP/1.1 with keep-alive on 127.0.0.1: every request gets a fresh XTD-shaped token. */
private class TokenServer : AutoCloseable {
    private val socket = ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))
    private val serial = AtomicInteger()

    init {
        thread(isDaemon = true) {
            while (!socket.isClosed) {
                val connection = runCatching { socket.accept() }.getOrNull() ?: break
                thread(isDaemon = true) { serve(connection) }
            }
        }
    }

    fun url(path: String) = "http://127.0.0.1:${socket.localPort}$path"

    private fun serve(connection: Socket) = connection.use {
        it.tcpNoDelay = true
        val input = BufferedInputStream(it.getInputStream())
        val output = it.getOutputStream()
        while (true) {
            val head = readHead(input) ?: return
            val length = head.lines().firstOrNull { line -> line.startsWith("content-length:", ignoreCase = true) }
                ?.substringAfter(':')?.trim()?.toInt() ?: 0
            input.readNBytes(length)
            val body = "{\"token\":\"t${serial.getAndIncrement()}\",\"expirationTime\":3600}"
            output.write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n$body".toByteArray(),
            )
            output.flush()
        }
    }

    private fun readHead(input: InputStream): String? {
        val head = StringBuilder()
        while (!head.endsWith("\r\n\r\n")) {
            val byte = input.read()
            if (byte == -1) return null
            head.append(byte.toChar())
        }
        return head.toString()
    }

    override fun close() = socket.close()
}
