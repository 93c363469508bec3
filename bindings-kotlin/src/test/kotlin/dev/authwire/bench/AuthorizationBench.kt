package dev.authwire.bench

import dev.authwire.ApiKey
import dev.authwire.HeaderCache
import dev.authwire.LocalServer
import dev.authwire.TokenManager
import dev.authwire.bearerAuth
import kotlinx.coroutines.runBlocking
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CyclicBarrier
import java.util.zip.ZipFile
import kotlin.concurrent.thread

/**
 * The per-call cost of a cached `TokenManager.authorizationBlocking()` from Kotlin, for 1 and 8
 * threads, the same through the Kotlin-side [HeaderCache], and the size of the jar. Not a
 * test: run it with
 *
 *     mvn -f bindings-kotlin -Dauthwire.generate.skip=true test-compile exec:exec@bench
 *
 * (add `package -DskipTests` before `exec:exec@bench` for the jar size). System properties:
 * `authwire.bench.seconds` (measured time per case, default 3) and `authwire.bench.threads`
 * (the multi-threaded case, default 8).
 *
 * Each case runs once to warm up the JIT, then again measured. ns/call is the wall time a
 * thread spent per call; with more threads than cores the threads also wait for a core, so
 * the aggregate throughput is printed too.
 */
fun main() {
    val seconds = System.getProperty("authwire.bench.seconds")?.toDouble() ?: 3.0
    val threads = System.getProperty("authwire.bench.threads")?.toInt() ?: 8
    val cores = Runtime.getRuntime().availableProcessors()
    println("authwire Kotlin benchmark: ${"%.1f".format(seconds)} s per case, $cores cores, ${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}")

    LocalServer.xtd(lifetimeSecs = 3600.0).use { server ->
        val manager = ApiKey.fromEncodedKey("YmVuY2g6YmVuY2gtc2VjcmV0").let {
            TokenManager.apiKeyExchange(server.url("/v1/token"), it)
        }
        manager.use {
            check(it.authorizationBlocking() == "Bearer t0")
            measure("authorizationBlocking(), cached XTD token", 1, seconds) { it.authorizationBlocking() }
            measure("authorizationBlocking(), cached XTD token", threads, seconds) { it.authorizationBlocking() }
            measure("authorization() (suspend) via runBlocking", 1, seconds) { runBlocking { it.authorization() } }
            measure("tokenBlocking().value (an AccessToken copied out)", 1, seconds) { it.tokenBlocking().let { t -> t.value } }
            val cache = HeaderCache.of(it)
            measure("HeaderCache.authorizationBlocking()", 1, seconds) { cache.authorizationBlocking() }
            measure("HeaderCache.authorizationBlocking()", threads, seconds) { cache.authorizationBlocking() }
            measure("HeaderCache.authorization() (suspend), runBlocking", 1, seconds) { runBlocking { cache.authorization() } }
            check(server.count == 1) { "the benchmark sent ${server.count} token requests" }
        }
    }
    measure("bearerAuth(token): one FFI call, for scale", 1, seconds) { bearerAuth("mF_9.B5f-4.1JqM") }

    val moduleDir = Path.of(System.getProperty("authwire.moduleDir") ?: ".")
    val jar = moduleDir.resolve("target/authwire-0.1.0.jar")
    if (Files.exists(jar)) {
        val library = ZipFile(jar.toFile()).use { zip -> zip.entries().asSequence().firstOrNull { it.name.endsWith("libauthwire.so") } }
        println("jar: ${jar.fileName} ${kib(Files.size(jar))} (native library ${library?.name}: ${library?.size?.let(::kib)} uncompressed, ${library?.compressedSize?.let(::kib)} compressed)")
    } else {
        println("jar: not built (run `mvn -f bindings-kotlin package -DskipTests` first)")
    }
}

private fun kib(bytes: Long) = "%.0f KiB".format(bytes / 1024.0)

@Volatile
private var sink = 0

/** Calls [call] from [threads] threads for [seconds] (after a warm-up of the same length). */
private fun measure(name: String, threads: Int, seconds: Double, call: () -> String) {
    run(threads, seconds, call) // warm-up
    val (calls, nanos) = run(threads, seconds, call)
    val perCall = nanos.toDouble() / calls
    val throughput = calls / (nanos.toDouble() / threads) * 1e9
    println("%-45s %2d thread%s %8.0f ns/call  %6.2f M calls/s".format(name, threads, if (threads == 1) " " else "s", perCall, throughput / 1e6))
}

/** Returns the calls made and the thread-nanoseconds spent, summed over the threads. */
private fun run(threads: Int, seconds: Double, call: () -> String): Pair<Long, Long> {
    val barrier = CyclicBarrier(threads)
    val results = LongArray(threads * 2)
    (0 until threads).map { i ->
        thread(name = "bench-$i") {
            barrier.await()
            val start = System.nanoTime()
            val end = start + (seconds * 1e9).toLong()
            var calls = 0L
            var acc = 0
            var now = start
            while (now < end) {
                repeat(256) { acc += call().length }
                calls += 256
                now = System.nanoTime()
            }
            sink += acc
            results[2 * i] = calls
            results[2 * i + 1] = now - start
        }
    }.forEach { it.join() }
    return (0 until threads).sumOf { results[2 * it] } to (0 until threads).sumOf { results[2 * it + 1] }
}
