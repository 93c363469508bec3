package dev.authwire

import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import org.json.JSONObject
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/**
 * `tests/scenarios/session_servers.py` as a child process: Authlib and django-oauth-toolkit with
 * refresh-token rotation and reuse detection, PKCE required, the device flow, and a control
 * endpoint per server (approve or deny a device code, script hostile answers, revoke every
 * token, read the counters). Its ready line is a JSON object; see the script's docstring.
 */
class SessionServers(accessLifetimeSeconds: Int = 2) : AutoCloseable {
    /** The endpoints of one server (`authlib` or `dot`). */
    class Server(val name: String, json: JSONObject) {
        val base: String = json.getString("base")
        val authorize: String = json.getString("authorize")
        val token: String = json.getString("token")
        val device: String = json.getString("device")
        val revoke: String = json.getString("revoke")
        val resource: String = json.getString("resource")
        val control: String = json.getString("control")

        override fun toString() = name
    }

    private val process = PythonServer(
        checkNotNull(testPython) { testPythonMissing }.toString(),
        script,
        listOf("--access-lifetime", accessLifetimeSeconds.toString()),
    )
    private val ready = JSONObject(process.readyLine)

    /** Authlib and django-oauth-toolkit, by name. */
    val servers: Map<String, Server> = listOf("authlib", "dot").associateWith { Server(it, ready.getJSONObject(it)) }

    /** The public client (an app: no secret). */
    val clientId: String = ready.getJSONObject("public_client").getString("client_id")
    val redirectUri: String = ready.getJSONObject("public_client").getString("redirect_uri")
    val scopes: List<String> = ready.getJSONObject("public_client").getString("scope").split(' ')

    /** A client that follows no redirect: the browser stand-in reads `Location` itself. */
    val http: OkHttpClient = OkHttpClient.Builder().followRedirects(false).followSslRedirects(false)
        .readTimeout(30, TimeUnit.SECONDS).build()

    /** POSTs [body] to `{control}/[path]`; the answer's JSON (an empty object when there is none). */
    fun control(server: Server, path: String, body: JSONObject = JSONObject()): JSONObject {
        val request = Request.Builder().url("${server.control}/$path")
            .post(body.toString().toRequestBody("application/json".toMediaType())).build()
        http.newCall(request).execute().use { response ->
            val text = response.body!!.string()
            check(response.isSuccessful) { "control $path: ${response.code} $text" }
            return if (text.isBlank()) JSONObject() else JSONObject(text)
        }
    }

    /** The server's counters (`refresh_requests`, `refresh_ok`, `invalid_grant`, ...). */
    fun stats(server: Server): JSONObject {
        http.newCall(Request.Builder().url("${server.control}/stats").build()).execute().use { response ->
            return JSONObject(response.body!!.string())
        }
    }

    /**
     * The browser step: GETs the authorization endpoint with [authorizationUrl]'s query (the
     * test user consents, or refuses with [deny]) and returns the redirect's `Location`.
     */
    fun browser(server: Server, authorizationUrl: String, deny: Boolean = false): String {
        val query = authorizationUrl.substringAfter('?')
        val url = "${server.authorize}?$query" + if (deny) "&deny=1" else ""
        http.newCall(Request.Builder().url(url).build()).execute().use { response ->
            check(response.code in 300..399) { "authorize: ${response.code} ${response.body?.string()}" }
            return checkNotNull(response.header("Location")) { "authorize: no Location" }
        }
    }

    /** A PKCE flow of the public client at [server]. */
    fun codeFlow(server: Server, options: TokenOptions? = null): AuthorizationCodeFlow =
        AuthorizationCodeFlow(server.authorize, server.token, clientId, redirectUri, scopes, options = options)

    /** Signs the test user in at [server] with PKCE. */
    fun signIn(server: Server): SessionTokens = codeFlow(server).use { flow ->
        flow.finishBlocking(browser(server, flow.authorizationUrl))
    }

    /** GETs the resource with [authorization]; the status. */
    fun resourceStatus(server: Server, authorization: String): Int =
        http.newCall(Request.Builder().url(server.resource).header(AUTHORIZATION, authorization).build()).execute().use { it.code }

    override fun close() = process.close()

    companion object {
        val script: java.nio.file.Path get() = repoRoot.resolve("tests/scenarios/session_servers.py")

        /** Why the servers cannot run here, or `null` when they can. */
        val missing: String?
            get() = when {
                testPython == null -> testPythonMissing
                !Files.exists(script) -> "$script does not exist yet"
                else -> null
            }
    }
}
