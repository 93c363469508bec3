package dev.authwire

import dev.authwire.RedactionTest.Companion.assertHidden
import dev.authwire.RedactionTest.Companion.errorRenderings
import okhttp3.OkHttpClient
import okhttp3.Request
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.DynamicContainer.dynamicContainer
import org.junit.jupiter.api.DynamicNode
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.nio.file.Files
import java.nio.file.Path

/**
 * OAuth2 client credentials against real authorization servers (`tests/scenarios/oauth_servers.py`,
 * started once for the class): Authlib and django-oauth-toolkit, which percent-decode Basic
 * credentials, and a "literal" server that does not (as Doorkeeper and Cloud Foundry UAA).
 * Every client of `tests/scenarios/oauth_clients.json` (spaces, `+`, `%`, `:`, `/`, `@`, `=`,
 * non-ASCII) gets a token that the server's own resource protection accepts.
 *
 * Needs a Python with Authlib, Flask, Django and django-oauth-toolkit: `AUTHWIRE_TEST_PYTHON`,
 * else `<repo>/.venv/bin/python`; skipped when there is neither.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealOAuthServersTest {
    private class Client(val id: String, val secret: String, val scope: String, val literal: Boolean) {
        override fun toString() = id // never the secret, even in a test's name
    }

    private class Server(val name: String, val base: String, val token: String, val resource: String, val noCc: String?)

    private lateinit var process: PythonServer
    private lateinit var servers: Map<String, Server>
    private lateinit var clients: List<Client>
    private lateinit var unauthorizedClient: JSONObject
    private val http = OkHttpClient()

    @BeforeAll
    fun startServers() {
        assumeTrue(testPython != null) { "RealOAuthServersTest skipped: $testPythonMissing" }
        process = PythonServer.oauthServers()
        val ready = JSONObject(process.readyLine)
        val endpoints = ready.getJSONObject("endpoints")
        servers = listOf("authlib", "dot", "literal").associateWith { name ->
            val base = ready.getString(name)
            val paths = endpoints.getJSONObject(name)
            Server(
                name,
                base,
                base + paths.getString("token"),
                base + paths.getString("resource"),
                if (paths.isNull("no_cc")) null else base + paths.getString("no_cc"),
            )
        }
        val file = JSONObject(Files.readString(Path.of(ready.getString("clients_file")))).getJSONArray("clients")
        clients = (0 until file.length()).map { i ->
            val c = file.getJSONObject(i)
            Client(c.getString("client_id"), c.getString("client_secret"), c.getString("scope"), c.getBoolean("literal"))
        }
        unauthorizedClient = ready.getJSONObject("unauthorized_client")
    }

    @AfterAll
    fun stopServers() {
        if (::process.isInitialized) process.close()
    }

    private fun manager(
        url: String,
        client: Client,
        method: ClientAuthMethod,
        scopes: List<String> = listOf("read"),
        secret: String = client.secret,
    ) = TokenManager.clientCredentials(
        url,
        client.id,
        secret,
        scopes = scopes,
        // One attempt: an error is the server's first answer, and the test stays quick.
        options = TokenOptions(maxAttempts = 1),
        authMethod = method,
    )

    /** The token is accepted by the server's own resource protection, with the scope `read`. */
    private fun assertTokenWorks(server: Server, client: Client, method: ClientAuthMethod) {
        manager(server.token, client, method).use { tokens ->
            val header = tokens.authorizationBlocking()
            assertTrue(header.startsWith("Bearer "), header)
            val request = Request.Builder().url("${server.resource}?scope=read").header(AUTHORIZATION, header).build()
            http.newCall(request).execute().use { response ->
                val body = response.body!!.string()
                assertEquals(200, response.code, "${server.name} resource: $body")
                val answer = JSONObject(body)
                assertEquals(client.id, answer.getString("client_id"))
                assertTrue("read" in answer.getString("scope").split(' '), body)
            }
        }
    }

    @Test
    fun `the servers and clients are all there`() {
        assertEquals(12, clients.size)
        assertTrue(clients.count { it.literal } >= 10)
        assertTrue(clients.any { ':' in it.id && !it.literal })
    }

    @TestFactory
    fun `every client gets a token the server accepts, with Basic and with post`(): List<DynamicNode> =
        listOf("authlib", "dot").flatMap { name ->
            listOf(ClientAuthMethod.CLIENT_SECRET_BASIC, ClientAuthMethod.CLIENT_SECRET_POST).map { method ->
                dynamicContainer("$name $method", clients.map { client ->
                    dynamicTest(client.id) { assertTokenWorks(servers.getValue(name), client, method) }
                })
            }
        }

    @TestFactory
    fun `every literal client gets a token from the literal server with unencoded Basic, and with post`(): List<DynamicNode> =
        listOf(ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED, ClientAuthMethod.CLIENT_SECRET_POST).map { method ->
            dynamicContainer("literal $method", clients.filter { it.literal }.map { client ->
                dynamicTest(client.id) { assertTokenWorks(servers.getValue("literal"), client, method) }
            })
        }

    /** [call] fails with the OAuth error [code] and HTTP [status], and no rendering of the
     *  error shows any of [secrets]. */
    private fun assertOAuthError(status: Int, code: String, secrets: List<String>, call: () -> Any?) {
        val error = assertThrows<AuthException> { call() }
        val oauth = assertInstanceOf(AuthException.OAuth::class.java, error, error.message)
        assertEquals(code, oauth.error, error.message)
        assertEquals(status.toInt(), oauth.status, error.message)
        for (rendered in errorRenderings(error) + oauth.description) {
            for (secret in secrets) assertHidden(rendered, secret)
        }
    }

    @TestFactory
    fun `a wrong secret is invalid_client, without the secret`(): List<DynamicNode> =
        listOf(
            "authlib" to ClientAuthMethod.CLIENT_SECRET_BASIC,
            "authlib" to ClientAuthMethod.CLIENT_SECRET_POST,
            "dot" to ClientAuthMethod.CLIENT_SECRET_BASIC,
            "dot" to ClientAuthMethod.CLIENT_SECRET_POST,
            "literal" to ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED,
        ).map { (name, method) ->
            dynamicContainer("$name $method", clients.filter { name != "literal" || it.literal }.map { client ->
                dynamicTest(client.id) {
                    val wrong = "wrong-" + client.secret
                    assertOAuthError(401, "invalid_client", listOf(wrong, client.secret)) {
                        manager(servers.getValue(name).token, client, method, secret = wrong).use { it.authorizationBlocking() }
                    }
                }
            })
        }

    @TestFactory
    fun `a scope the client does not have is invalid_scope, without the secret`(): List<DynamicNode> =
        listOf(
            "authlib" to ClientAuthMethod.CLIENT_SECRET_BASIC,
            "dot" to ClientAuthMethod.CLIENT_SECRET_POST,
            "literal" to ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED,
        ).map { (name, method) ->
            dynamicContainer("$name $method", clients.filter { name != "literal" || it.literal }.map { client ->
                dynamicTest(client.id) {
                    assertOAuthError(400, "invalid_scope", listOf(client.secret)) {
                        manager(servers.getValue(name).token, client, method, scopes = listOf("admin")).use { it.authorizationBlocking() }
                    }
                }
            })
        }

    @TestFactory
    fun `an endpoint without client credentials is unsupported_grant_type, without the secret`(): List<DynamicNode> =
        listOf("authlib", "dot").flatMap { name ->
            listOf(ClientAuthMethod.CLIENT_SECRET_BASIC, ClientAuthMethod.CLIENT_SECRET_POST).map { method ->
                dynamicContainer("$name $method", clients.map { client ->
                    dynamicTest(client.id) {
                        val noCc = checkNotNull(servers.getValue(name).noCc)
                        assertOAuthError(400, "unsupported_grant_type", listOf(client.secret)) {
                            manager(noCc, client, method).use { it.authorizationBlocking() }
                        }
                    }
                })
            }
        }

    @TestFactory
    fun `a client registered without client credentials is unauthorized_client`(): List<DynamicNode> {
        val client = Client(unauthorizedClient.getString("client_id"), unauthorizedClient.getString("client_secret"), "", false)
        val names = unauthorizedClient.getJSONArray("servers").map { it as String }
        return names.map { name ->
            dynamicTest(name) {
                assertOAuthError(400, "unauthorized_client", listOf(client.secret)) {
                    manager(servers.getValue(name).token, client, ClientAuthMethod.CLIENT_SECRET_BASIC).use { it.authorizationBlocking() }
                }
            }
        }
    }

    @TestFactory
    fun `a client id with a colon cannot use unencoded Basic`(): List<DynamicNode> =
        clients.filter { ':' in it.id }.also { assertTrue(it.isNotEmpty()) }.map { client ->
            dynamicTest(client.id) {
                val error = assertThrows<AuthException> {
                    manager(servers.getValue("literal").token, client, ClientAuthMethod.CLIENT_SECRET_BASIC_UNENCODED).close()
                }
                assertInstanceOf(AuthException.InvalidConfiguration::class.java, error, error.message)
                assertTrue("':'" in error.message, error.message)
                for (rendered in errorRenderings(error)) assertHidden(rendered, client.secret)
            }
        }
}
