package dev.authwire.bench

import dev.authwire.ApiKey
import dev.authwire.TokenManager
import dev.authwire.TokenOptions
import dev.authwire.basicAuth
import dev.authwire.bearerAuth
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import java.io.BufferedReader
import java.io.InputStreamReader
import java.lang.ProcessBuilder.Redirect
import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.LockSupport
import kotlin.time.Duration.Companion.milliseconds

/**
 * Soak and lifecycle figures for the Kotlin binding: threads, open file descriptors and
 * resident memory of this JVM (plus its heap in use after a GC) before, during and after each
 * phase. Prints figures; asserts nothing about speed. Linux only (it reads `/proc/self`). Not
 * a test: run it with
 *
 *     mvn -f bindings-kotlin -DskipTests package
 *     mvn -f bindings-kotlin -Dauthwire.generate.skip=true test-compile exec:exec@soak
 *
 * System properties: `authwire.soak.managers` (default 10 000), `authwire.soak.calls`
 * (default 10 000 000), `authwire.soak.rate` (default 10 000 calls a second) and
 * `authwire.soak.rateSeconds` (default 60). It starts `tests/scenarios/server.py` with `python3`
 * (or `AUTHWIRE_SOAK_PYTHON`), then:
 *
 * 1. creates that many API-key-exchange managers, each on a namespace of its own, has each
 *    fetch its token (one `authorization()`), then closes them all; twice, so that a leak
 *    shows apart from the allocator's high-water mark;
 * 2. makes that many header-builder calls, `basicAuth` and `bearerAuth` alternating, each with
 *    other arguments than the last 4 095 (so that every call reaches the core);
 *    2b. then header-builder calls at a steady rate (10 000 a second for 60 s), the load of a
 *    service that builds a header per request, sampled every 10 s without a GC: the JNA
 *    `Memory` each call used to leave for JNA's one Cleaner thread piled up at this rate;
 * 3. makes that many cached `authorization()` calls on one manager;
 * 4. closes a manager while its token request waits on the server's `stall` scenario (the
 *    awaiting coroutine was cancelled by a timeout; the refresh goes on in the core until the
 *    close).
 *
 * The Maven execution runs it with a fixed, pre-touched heap (`-Xms256m -Xmx256m
 * -XX:+AlwaysPreTouch`): a JVM's resident memory also grows when the GC decides to commit more
 * heap, which is not a leak; with the heap fixed, resident memory moves with native memory.
 *
 * `start` is measured once the server runs and before any manager exists; `warm` after one
 * manager has fetched a token and been closed (the core's I/O threads have started). The
 * verdict compares the end with both. A JVM's threads (JIT compiler, GC) and resident memory
 * also move on their own.
 */
fun main() {
    val managers = System.getProperty("authwire.soak.managers")?.toInt() ?: 10_000
    val calls = System.getProperty("authwire.soak.calls")?.toLong() ?: 10_000_000L
    val steadyRate = System.getProperty("authwire.soak.rate")?.toLong() ?: 10_000L
    val steadySeconds = System.getProperty("authwire.soak.rateSeconds")?.toLong() ?: 60L
    val root = Path.of(System.getProperty("authwire.moduleDir") ?: "bindings-kotlin").toAbsolutePath().normalize().parent
    val python = System.getenv("AUTHWIRE_SOAK_PYTHON") ?: "python3"
    val server = ProcessBuilder(python, root.resolve("tests/scenarios/server.py").toString())
        .redirectError(Redirect.INHERIT)
        .start()
    val line = BufferedReader(InputStreamReader(server.inputStream, StandardCharsets.UTF_8)).readLine()
    val port = line?.removePrefix("PORT ")?.trim()?.toIntOrNull()
        ?: error("tests/scenarios/server.py printed '$line', not 'PORT <n>'")
    println("authwire soak: Kotlin on ${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}, $managers managers, $calls calls per call phase")

    val start = report("0 process", "start")
    manager(port, "ok", "warm-up").use { it.authorizationBlocking() }
    Thread.sleep(200)
    val warm = report("0 process", "warm")

    // Phase 1: many managers, each fetching its token, then all closed; twice, so that a leak
    // (growth in each round) shows apart from the allocator's high-water mark.
    var began = System.nanoTime()
    for (round in 1..2) {
        val phase = "1 managers, round $round"
        report(phase, "start")
        began = System.nanoTime()
        val alive = ArrayList<TokenManager>(managers)
        for (i in 0 until managers) {
            val m = manager(port, "ok", "soak-$round-$i")
            sink += m.authorizationBlocking().length
            alive.add(m)
        }
        val created = (System.nanoTime() - began) / 1e9
        report(phase, "middle")
        alive.forEach { it.close() }
        alive.clear()
        Thread.sleep(500)
        report(phase, "end")
        println("  phase 1: $managers managers created with a token each in ${"%.1f".format(created)} s (${"%.0f".format(managers / created)} managers/s)")
    }

    // Phase 2: header builders, with arguments that change from call to call (4 096 of each,
    // more than the builders' memo of recent results holds), so that every call reaches the core.
    val users = Array(4096) { "soak-user-$it" }
    val tokens = Array(4096) { "mF_9.B5f-4.$it" }
    val buildersStart = report("2 header builders", "start")
    began = System.nanoTime()
    for (i in 0 until calls) {
        if (i == calls / 2) report("2 header builders", "middle", gc = false)
        sink += if (i % 2 == 0L) basicAuth(users[(i % users.size).toInt()], "soak-password").length else bearerAuth(tokens[(i % tokens.size).toInt()]).length
    }
    val builders = System.nanoTime() - began
    val buildersEnd = report("2 header builders", "end")
    val buildersRate = rate(calls, builders)
    println("  phase 2: $buildersRate (middle sample included); ${delta("end vs phase start", buildersEnd, buildersStart)}")

    // Phase 2b: header builders at a steady rate, as a service that builds one per request.
    val steadyStart = report("2b steady builders", "start")
    began = System.nanoTime()
    var made = 0L
    var nextSample = 10L
    while (true) {
        val elapsed = System.nanoTime() - began
        if (elapsed >= steadySeconds * 1_000_000_000L) break
        val due = elapsed * steadyRate / 1_000_000_000L
        // At most 1 000 calls before the clock is read again: a program that cannot keep up
        // still stops on time, and shows its rate below the target.
        var batch = 0
        while (made < due && batch < 1_000) {
            sink += if (made % 2 == 0L) basicAuth(users[(made % users.size).toInt()], "soak-password").length else bearerAuth(tokens[(made % tokens.size).toInt()]).length
            made++
            batch++
        }
        if (elapsed >= nextSample * 1_000_000_000L) {
            report("2b steady builders", "${nextSample}s", gc = false)
            nextSample += 10
        }
        if (made >= due) LockSupport.parkNanos(1_000_000L)
    }
    val steadyElapsed = (System.nanoTime() - began) / 1e9
    val steadyEnd = report("2b steady builders", "end")
    println("  phase 2b: $made calls in ${"%.1f".format(steadyElapsed)} s (${"%.0f".format(made / steadyElapsed)} calls/s, target $steadyRate/s); ${delta("end vs phase start", steadyEnd, steadyStart)}")

    // Phase 3: cached authorization() on one manager.
    val cachedRate = manager(port, "ok", "soak-cached").use { one ->
        one.authorizationBlocking()
        report("3 cached authorization()", "start")
        began = System.nanoTime()
        for (i in 0 until calls) {
            if (i == calls / 2) report("3 cached authorization()", "middle", gc = false)
            sink += one.authorizationBlocking().length
        }
        val cached = System.nanoTime() - began
        report("3 cached authorization()", "end")
        println("  phase 3: ${rate(calls, cached)} (middle sample included)")
        println("  phase 3: token requests of that manager: ${one.stats().tokenRequests}")
        rate(calls, cached)
    }

    // Phase 4: a manager closed while its token request is in flight.
    val beforeStall = report("4 drop in flight", "start")
    val stalled = manager(port, "stall", "soak-in-flight", TokenOptions(requestTimeout = 60_000L.milliseconds))
    val answered = runBlocking { withTimeoutOrNull(300) { stalled.authorization() } }
    check(answered == null) { "the stall scenario never answers" }
    report("4 drop in flight", "middle")
    val dropped = System.nanoTime()
    stalled.close()
    Thread.sleep(1000)
    val afterDrop = report("4 drop in flight", "end")
    println("  phase 4: closed with its request in flight; no crash; ${"%.1f".format((System.nanoTime() - dropped) / 1e9)} s later ${delta("vs phase start", afterDrop, beforeStall)}")

    val end = report("0 process", "end")
    println("rate: phase 2 header builders $buildersRate")
    println("rate: phase 2b steady builders ${"%.0f".format(made / steadyElapsed)} calls/s for ${"%.0f".format(steadyElapsed)} s")
    println("rate: phase 3 cached authorization() $cachedRate")
    println("verdict: ${delta("end vs start", end, start)}; ${delta("end vs warm", end, warm)}")
    check(sink != 0)

    server.outputStream.close() // the server's stdin: it stops at EOF
    if (!server.waitFor(10, TimeUnit.SECONDS)) server.destroy()
}

/** The API key `tests/scenarios/server.py` accepts. */
private const val API_KEY = "scenario-api-key-5f2b"

@Volatile
private var sink = 0

private fun manager(port: Int, scenario: String, namespace: String, options: TokenOptions? = null): TokenManager =
    ApiKey.fromEncodedKey(API_KEY).let { key ->
        TokenManager.apiKeyExchange("http://127.0.0.1:$port/$scenario/$namespace/token", key, options)
    }

/** Threads, open file descriptors, resident memory and heap in use (KiB) of this JVM. */
private data class Sample(val threads: Long, val fds: Long, val rssKib: Long, val heapKib: Long)

private fun statusField(status: List<String>, name: String): Long =
    status.firstOrNull { it.startsWith(name) }?.removePrefix(name)?.trim()?.split(" ")?.first()?.toLongOrNull() ?: -1

/** Prints and returns a [Sample]; with [gc], after a full collection (the heap figure is then the live heap). */
private fun report(phase: String, `when`: String, gc: Boolean = true): Sample {
    if (gc) System.gc()
    val status = Files.readAllLines(Path.of("/proc/self/status"))
    val fds = Files.list(Path.of("/proc/self/fd")).use { it.count() }
    val runtime = Runtime.getRuntime()
    val s = Sample(statusField(status, "Threads:"), fds, statusField(status, "VmRSS:"), (runtime.totalMemory() - runtime.freeMemory()) / 1024)
    println("%-28s %-7s threads %4d  fds %5d  rss %8.1f MiB  heap %6.1f MiB".format(phase, `when`, s.threads, s.fds, s.rssKib / 1024.0, s.heapKib / 1024.0))
    return s
}

private fun delta(label: String, end: Sample, base: Sample): String =
    "threads %+d, fds %+d, RSS %+.1f MiB, heap %+.1f MiB (%s)".format(
        end.threads - base.threads, end.fds - base.fds, (end.rssKib - base.rssKib) / 1024.0, (end.heapKib - base.heapKib) / 1024.0, label,
    )

private fun rate(calls: Long, nanos: Long): String =
    "%.2f M calls/s (%.0f ns/call)".format(calls / (nanos / 1e9) / 1e6, nanos.toDouble() / calls)
