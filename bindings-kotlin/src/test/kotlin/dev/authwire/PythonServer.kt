package dev.authwire

import java.io.BufferedReader
import java.io.InputStreamReader
import java.lang.ProcessBuilder.Redirect
import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

/** The repository's root: the parent of this module (surefire's `authwire.moduleDir`). */
val repoRoot: Path by lazy {
    val module = System.getProperty("authwire.moduleDir")
        ?: error("system property authwire.moduleDir is not set; run the tests with Maven (see pom.xml)")
    Path.of(module).toAbsolutePath().normalize().parent
}

/**
 * The Python that has the test servers' packages (Authlib, Flask, Django, django-oauth-toolkit):
 * `AUTHWIRE_TEST_PYTHON`, else `<repo>/.venv/bin/python`; `null` when neither exists, with
 * the reason in [testPythonMissing].
 */
val testPython: Path? by lazy {
    val configured = System.getenv("AUTHWIRE_TEST_PYTHON")?.takeIf { it.isNotBlank() }
    val candidate = if (configured != null) Path.of(configured) else repoRoot.resolve(".venv/bin/python")
    candidate.takeIf { Files.isExecutable(it) }
}

/** Why [testPython] is `null`, for a skipped test's message. */
val testPythonMissing: String
    get() {
        val configured = System.getenv("AUTHWIRE_TEST_PYTHON")?.takeIf { it.isNotBlank() }
        return if (configured != null) {
            "AUTHWIRE_TEST_PYTHON=$configured is not an executable file"
        } else {
            "no Python with the test servers' packages: set AUTHWIRE_TEST_PYTHON to a Python with " +
                "Authlib, Flask, Django and django-oauth-toolkit (pip install -r tests/scenarios/requirements.txt), " +
                "or create ${repoRoot.resolve(".venv")}"
        }
    }

/**
 * One of the shared Python test servers of `tests/scenarios/`, as a child process: started
 * with its stdin a pipe (and [arguments] after the script), it prints one line when it
 * listens ([readyLine]) and serves until [close] closes its stdin. Its stderr goes to this
 * JVM's stderr.
 */
class PythonServer(
    python: String,
    script: Path,
    arguments: List<String> = emptyList(),
    startTimeoutSeconds: Long = 60,
) : AutoCloseable {
    private val process: Process = ProcessBuilder(listOf(python, script.toString()) + arguments)
        .directory(repoRoot.toFile())
        .redirectError(Redirect.INHERIT)
        .start()

    /** The first line the server printed. */
    val readyLine: String

    init {
        val stdout = BufferedReader(InputStreamReader(process.inputStream, StandardCharsets.UTF_8))
        val line = CompletableFuture.supplyAsync { stdout.readLine() }
        try {
            readyLine = line.get(startTimeoutSeconds, TimeUnit.SECONDS)
                ?: error("$script exited (status ${process.waitFor()}) before it was ready; see its stderr above")
        } catch (e: TimeoutException) {
            close()
            throw IllegalStateException("$script was not ready within $startTimeoutSeconds s", e)
        } catch (e: Throwable) {
            close()
            throw e
        }
    }

    override fun close() {
        runCatching { process.outputStream.close() } // the server's stdin: it stops at EOF
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroy()
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly()
        }
    }

    companion object {
        /**
         * `tests/scenarios/server.py` (standard library only): with [testPython] when there is
         * one, else `python3` from the PATH. Its base URL is `http://127.0.0.1:<port>`.
         */
        fun scenarios(): PythonServer =
            PythonServer(testPython?.toString() ?: "python3", repoRoot.resolve("tests/scenarios/server.py"))

        /** `tests/scenarios/oauth_servers.py`, with [testPython] (which must not be `null`). */
        fun oauthServers(): PythonServer =
            PythonServer(checkNotNull(testPython) { testPythonMissing }.toString(), repoRoot.resolve("tests/scenarios/oauth_servers.py"))

        /**
         * `tests/scenarios/jwt_servers.py` (PyJWT and Authlib verifiers of signed JWTs), with
         * [testPython] (which must not be `null`). Its ready line is a JSON object.
         */
        fun jwtServers(): PythonServer =
            PythonServer(checkNotNull(testPython) { testPythonMissing }.toString(), repoRoot.resolve("tests/scenarios/jwt_servers.py"))

        /**
         * `tests/scenarios/tls_servers.py --out [outDir]` (TLS servers from a fresh `trustme`
         * CA, written to `outDir/ca.pem`, and broken-network endpoints), with [testPython]
         * (which must not be `null`). Its ready line is a JSON object.
         */
        fun tlsServers(outDir: Path): PythonServer = PythonServer(
            checkNotNull(testPython) { testPythonMissing }.toString(),
            repoRoot.resolve("tests/scenarios/tls_servers.py"),
            listOf("--out", outDir.toString()),
        )
    }
}

/** The base URL of a running [PythonServer.scenarios] (its ready line is `PORT <n>`). */
val PythonServer.scenarioBaseUrl: String
    get() {
        val port = readyLine.removePrefix("PORT ").trim().toIntOrNull()
            ?: error("tests/scenarios/server.py printed '$readyLine', not 'PORT <n>'")
        return "http://127.0.0.1:$port"
    }
