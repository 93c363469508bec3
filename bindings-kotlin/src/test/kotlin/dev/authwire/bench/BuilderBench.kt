package dev.authwire.bench

import dev.authwire.ApiKey
import dev.authwire.HeaderCache
import dev.authwire.JnaCleanerProbe
import dev.authwire.LocalServer
import dev.authwire.TokenManager
import dev.authwire.basicAuth
import dev.authwire.bearerAuth
import dev.authwire.schemeAuthParams
import okhttp3.Credentials
import java.lang.management.ManagementFactory
import java.nio.charset.StandardCharsets
import java.util.Base64

/**
 * The header builders side by side in one run: `basicAuth`, `bearerAuth` and
 * `schemeAuthParams` against OkHttp's `Credentials.basic` and plain string concatenation,
 * and a cached `TokenManager.authorizationBlocking()` without [HeaderCache] (and with it, for scale).
 * For each call through the core it also prints the JNA `Memory` objects left for JNA's
 * Cleaner per call (see [JnaCleanerProbe]). Prints figures; asserts nothing. Run it with
 *
 *     mvn -f bindings-kotlin -Dauthwire.generate.skip=true test-compile exec:exec@bench-builders
 *
 * System property `authwire.bench.seconds`: measured time per case (default 3), after a
 * warm-up of the same length, on one thread.
 *
 * ns/call is wall time; cpu ns is this thread's CPU time per call, the steadier figure on a
 * machine that runs other work. "repeated" calls pass the same arguments every time; "new" calls cycle through 65 536
 * different user ids or tokens, more than any memo of recent results holds, so every call
 * reaches the core.
 */
fun main() {
    val seconds = System.getProperty("authwire.bench.seconds")?.toDouble() ?: 3.0
    println("authwire Kotlin builder benchmark: ${"%.1f".format(seconds)} s per case, one thread, ${Runtime.getRuntime().availableProcessors()} cores, ${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}")
    println("%-52s %10s %10s %14s".format("call", "ns/call", "cpu ns", "Cleaner/call"))

    val user = "Aladdin"
    val password = "open sesame"
    val token = "mF_9.B5f-4.1JqM"
    val users = Array(DISTINCT) { "user-$it" }
    val tokens = Array(DISTINCT) { "mF_9.B5f-4.$it" }
    var i = 0

    measure("basicAuth, repeated", seconds, cleaner = true) { basicAuth(user, password) }
    measure("basicAuth, new input", seconds, cleaner = true) { basicAuth(users[i++ and MASK], password) }
    measure("okhttp3.Credentials.basic", seconds) { Credentials.basic(user, password) }
    measure("\"Basic \" + Base64(user:password)", seconds) {
        "Basic " + Base64.getEncoder().encodeToString("$user:$password".toByteArray(StandardCharsets.UTF_8))
    }
    measure("bearerAuth, repeated", seconds, cleaner = true) { bearerAuth(token) }
    measure("bearerAuth, new input", seconds, cleaner = true) { bearerAuth(tokens[i++ and MASK]) }
    measure("\"Bearer \" + token", seconds) { "Bearer " + tokens[i++ and MASK] }
    measure("schemeAuthParams, repeated", seconds, cleaner = true) { schemeAuthParams("Token", "token" to token) }
    measure("schemeAuthParams, new input", seconds, cleaner = true) { schemeAuthParams("Token", "token" to tokens[i++ and MASK]) }
    measure("\"Token token=\\\"\" + token + \"\\\"\"", seconds) { "Token token=\"" + tokens[i++ and MASK] + "\"" }

    LocalServer.xtd(lifetimeSecs = 3600.0).use { server ->
        ApiKey.fromEncodedKey("YmVuY2g6YmVuY2gtc2VjcmV0").let {
            TokenManager.apiKeyExchange(server.url("/v1/token"), it)
        }.use { manager ->
            check(manager.authorizationBlocking() == "Bearer t0")
            measure("TokenManager.authorizationBlocking(), cached, no HeaderCache", seconds, cleaner = true) { manager.authorizationBlocking() }
            val cache = HeaderCache.of(manager)
            measure("HeaderCache.authorizationBlocking()", seconds) { cache.authorizationBlocking() }
            check(server.count == 1) { "the benchmark sent ${server.count} token requests" }
        }
    }
}

private const val DISTINCT = 65_536
private const val MASK = DISTINCT - 1

@Volatile
private var sink = 0

/**
 * Calls [call] for [seconds] to warm up, then for [seconds] measured, and prints ns per call;
 * with [cleaner], also the Cleaner entries that 10 000 more calls left, per call.
 */
private fun measure(name: String, seconds: Double, cleaner: Boolean = false, call: () -> String) {
    run(seconds, call)
    val cpu = ManagementFactory.getThreadMXBean()
    val cpuStart = cpu.currentThreadCpuTime
    val (calls, nanos) = run(seconds, call)
    val cpuNanos = cpu.currentThreadCpuTime - cpuStart
    val perCall = if (cleaner) {
        val n = 10_000
        "%.2f".format(JnaCleanerProbe.leftBy(n) { sink += call().length }.toDouble() / n)
    } else {
        "-"
    }
    println("%-52s %10.0f %10.0f %14s".format(name, nanos.toDouble() / calls, cpuNanos.toDouble() / calls, perCall))
}

/** Returns the calls made and the nanoseconds they took. */
private fun run(seconds: Double, call: () -> String): Pair<Long, Long> {
    val start = System.nanoTime()
    val end = start + (seconds * 1e9).toLong()
    var calls = 0L
    var acc = 0
    var now = start
    while (now < end) {
        repeat(64) { acc += call().length }
        calls += 64
        now = System.nanoTime()
    }
    sink += acc
    return calls to now - start
}
