package dev.authwire

import org.json.JSONObject
import java.nio.file.Path
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.concurrent.thread

/**
 * A child process of [CrossProcessSessionTest]: continues the user session stored in a
 * [FileStore] (sealed with a [KeyFileSealingKey]) that the test process signed in, and reports
 * on stdout, one JSON object per line.
 *
 * `load TOKEN_URL CLIENT_ID STORE_FILE KEY_FILE THREADS SECONDS`: THREADS threads ask for the
 * header for SECONDS seconds; prints `{"calls", "errors": {type: count}, "headers"}` (headers:
 * the distinct access tokens this process saw).
 *
 * `watch TOKEN_URL CLIENT_ID STORE_FILE KEY_FILE`: prints `{"ready": true}` after its first
 * header, then asks every 100 ms until the session ends; prints `{"signInRequiredAt": epoch ms}`.
 */
fun main(args: Array<String>) {
    val (mode, tokenUrl, clientId, storeFile, keyFile) = args
    FileStore(Path.of(storeFile)).use { store ->
        TokenManager.userSession(
            tokenUrl,
            clientId,
            sealingKey = KeyFileSealingKey(Path.of(keyFile)),
            options = TokenOptions(store = store),
        ).use { session ->
            when (mode) {
                "load" -> load(session, args[5].toInt(), args[6].toLong())
                "watch" -> watch(session)
                else -> error("unknown mode $mode")
            }
        }
    }
}

private fun load(session: TokenManager, threads: Int, seconds: Long) {
    val calls = AtomicLong()
    val errors = ConcurrentHashMap<String, AtomicLong>()
    val headers = ConcurrentHashMap.newKeySet<String>()
    val end = System.nanoTime() + seconds * 1_000_000_000
    val workers = (1..threads).map {
        thread {
            while (System.nanoTime() < end) {
                try {
                    headers += session.authorizationBlocking()
                    calls.incrementAndGet()
                } catch (e: AuthException) {
                    errors.computeIfAbsent(e.javaClass.simpleName) { AtomicLong() }.incrementAndGet()
                }
                Thread.sleep(10)
            }
        }
    }
    workers.forEach { it.join() }
    println(JSONObject().put("calls", calls.get()).put("errors", JSONObject(errors.mapValues { it.value.get() })).put("headers", headers.size))
}

private fun watch(session: TokenManager) {
    session.authorizationBlocking()
    println(JSONObject().put("ready", true))
    System.out.flush()
    while (true) {
        try {
            session.authorizationBlocking()
        } catch (e: AuthException.SignInRequired) {
            println(JSONObject().put("signInRequiredAt", System.currentTimeMillis()))
            return
        } catch (e: AuthException) {
            println(JSONObject().put("error", e.javaClass.simpleName))
        }
        Thread.sleep(100)
    }
}
