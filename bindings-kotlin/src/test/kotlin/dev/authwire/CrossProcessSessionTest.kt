package dev.authwire

import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.io.TempDir
import java.io.BufferedReader
import java.io.InputStreamReader
import java.lang.ProcessBuilder.Redirect
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit

/**
 * One user session shared by several JVM processes ([SessionWorker] children, each with its
 * own manager over the same [FileStore] and [KeyFileSealingKey]) against django-oauth-toolkit
 * and Authlib with rotation and reuse detection on and 2-second access tokens: no
 * `invalid_grant` under load, about one refresh per lifetime, and the end of the session (a
 * sign-out in another process, a server-side revocation) reaching every process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossProcessSessionTest {
    private lateinit var servers: SessionServers

    @TempDir
    lateinit var dir: Path

    @BeforeAll
    fun start() {
        val missing = SessionServers.missing
        assumeTrue(missing == null) { "CrossProcessSessionTest skipped: $missing" }
        servers = SessionServers(accessLifetimeSeconds = 2)
    }

    @AfterAll
    fun stop() {
        if (::servers.isInitialized) servers.close()
    }

    private class Child(args: List<String>) : AutoCloseable {
        val process: Process = ProcessBuilder(
            listOf(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.authwire.SessionWorkerKt") + args,
        ).redirectError(Redirect.INHERIT).start()
        private val out = BufferedReader(InputStreamReader(process.inputStream))

        fun line(timeoutSeconds: Long): JSONObject {
            val line = CompletableFuture.supplyAsync { out.readLine() }.get(timeoutSeconds, TimeUnit.SECONDS)
                ?: error("the child exited (${process.waitFor()}) without a line")
            return JSONObject(line)
        }

        override fun close() {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
        }
    }

    /** Signs in at [server] and stores the session in a fresh store; returns (store file, key file, manager). */
    private fun storedSession(server: SessionServers.Server, name: String): Triple<Path, Path, TokenManager> {
        val storeDir = dir.resolve("$name.session")
        val keyFile = dir.resolve("$name.key")
        val store = FileStore(storeDir)
        val session = TokenManager.userSession(
            server.token, servers.clientId, servers.signIn(server),
            revocationUrl = server.revoke,
            sealingKey = KeyFileSealingKey(keyFile),
            options = TokenOptions(store = store),
        )
        session.authorizationBlocking()
        return Triple(storeDir, keyFile, session)
    }

    @Test
    fun `three processes of 16 threads share one session without a reused refresh token`() {
        val server = servers.servers.getValue("dot")
        val (storeDir, keyFile, parent) = storedSession(server, "load")
        parent.close()
        servers.control(server, "reset-stats")
        val seconds = 12L
        val children = (1..3).map { Child(listOf("load", server.token, servers.clientId, storeDir.toString(), keyFile.toString(), "16", seconds.toString())) }
        val results = children.map { it.line(seconds + 60) }
        children.forEach { it.close() }
        val stats = servers.stats(server)
        val refreshes = stats.getInt("refresh_ok")
        println("cross-process (dot, 3 processes x 16 threads, $seconds s, 2 s tokens): $results; server: $stats; " +
            "refreshes per lifetime: ${"%.2f".format(refreshes / (seconds / 2.0))}")
        for (r in results) {
            assertEquals(0, r.getJSONObject("errors").length(), r.toString())
            assertTrue(r.getLong("calls") > 0)
        }
        assertEquals(0, stats.getInt("invalid_grant"), stats.toString())
        assertEquals(0, stats.optInt("reuse_detected"), stats.toString())
        assertTrue(refreshes in 3..(seconds.toInt()), "about one refresh per 2 s lifetime: $refreshes in $seconds s")
    }

    @Test
    fun `a sign-out in one process ends the session in another`() {
        val server = servers.servers.getValue("authlib")
        val (storeDir, keyFile, parent) = storedSession(server, "signout")
        Child(listOf("watch", server.token, servers.clientId, storeDir.toString(), keyFile.toString())).use { child ->
            assertTrue(child.line(60).getBoolean("ready"))
            val signedOut = System.currentTimeMillis()
            parent.signOutBlocking()
            parent.close()
            val seen = child.line(15).getLong("signInRequiredAt") - signedOut
            println("cross-process sign-out (authlib): the other process got SignInRequired after $seen ms")
            assertTrue(seen < 3_000, "seen after $seen ms")
        }
    }

    @Test
    fun `a server-side revocation ends the session in every process`() {
        val server = servers.servers.getValue("dot")
        val (storeDir, keyFile, parent) = storedSession(server, "revoke")
        parent.close()
        val children = (1..2).map { Child(listOf("watch", server.token, servers.clientId, storeDir.toString(), keyFile.toString())) }
        try {
            children.forEach { assertTrue(it.line(60).getBoolean("ready")) }
            val revoked = System.currentTimeMillis()
            servers.control(server, "revoke-all")
            val seen = children.map { it.line(20).getLong("signInRequiredAt") - revoked }
            println("cross-process revoke-all (dot): SignInRequired in each process after $seen ms")
            assertTrue(seen.all { it < 6_000 }, seen.toString())
        } finally {
            children.forEach { it.close() }
        }
    }
}
