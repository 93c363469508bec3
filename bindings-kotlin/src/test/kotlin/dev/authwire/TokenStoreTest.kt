package dev.authwire

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList

/**
 * Token stores through the Kotlin bindings: the built-in file store shared by several
 * managers, a store written in Kotlin (the TokenStore interface across the FFI), and a store
 * that fails without failing a caller. The fleet tests with real processes are in
 * core/tests/store_fleet.rs.
 */
class TokenStoreTest {
    @TempDir
    lateinit var tempDir: Path

    @Test
    fun `managers with the same file store share one token, sealed at rest`() {
        LocalServer.xtd().use { server ->
            val path = tempDir.resolve("tokens")
            val options = TokenOptions(store = FileStore(path))
            xtdManager(server, options).use { first ->
                xtdManager(server, TokenOptions(store = FileStore(path))).use { second ->
                    assertEquals("Bearer t0", first.authorizationBlocking())
                    assertEquals("Bearer t0", second.authorizationBlocking())
                    assertEquals(1, server.count)
                }
            }
            val raw = Files.readString(path)
            assertFalse(raw.contains("t0\"") || raw.contains(TEST_KEY), raw)
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)))
        }
    }

    @Test
    fun `a file store in a missing directory is refused`() {
        // A store's failure is the package's error, like every other.
        val error = assertThrows<AuthException.InvalidConfiguration> {
            FileStore(tempDir.resolve("missing/tokens"))
        }
        assertTrue(error.reason.contains("does not exist"), error.reason)
        assertTrue(error.message.startsWith("invalid configuration: "), error.message)
    }

    /** A store in a map, as one over any shared storage would look. */
    private class MapStore : TokenStore {
        val values = ConcurrentHashMap<String, ByteArray>()
        val locks = ConcurrentHashMap<String, String>()
        val calls = CopyOnWriteArrayList<String>()

        override fun read(key: String): ByteArray? = values[key].also { calls += "read" }

        override fun write(key: String, value: ByteArray, ttlMs: Long) {
            calls += "write"
            values[key] = value
        }

        override fun compareAndDelete(key: String, expected: ByteArray): Boolean {
            calls += "compareAndDelete"
            val current = values[key] ?: return false
            return current.contentEquals(expected) && values.remove(key, current)
        }

        override fun tryLock(key: String, owner: String, ttlMs: Long): Boolean {
            calls += "tryLock"
            return locks.putIfAbsent(key, owner) == null
        }

        override fun unlock(key: String, owner: String) {
            calls += "unlock"
            locks.remove(key, owner)
        }
    }

    @Test
    fun `a store written in Kotlin shares the token across managers`() {
        LocalServer.xtd().use { server ->
            val store = MapStore()
            xtdManager(server, TokenOptions(store = store)).use { first ->
                xtdManager(server, TokenOptions(store = store)).use { second ->
                    assertEquals("Bearer t0", first.authorizationBlocking())
                    assertEquals("Bearer t0", second.authorizationBlocking())
                    assertEquals(1, server.count)
                    assertTrue(store.calls.containsAll(listOf("read", "tryLock", "write", "unlock")), "${store.calls}")
                    // One 401 seen by both: one new token for the two.
                    assertTrue(first.invalidate("Bearer t0"))
                    assertEquals("Bearer t1", first.authorizationBlocking())
                    assertTrue(second.invalidate("Bearer t0"))
                    assertEquals("Bearer t1", second.authorizationBlocking())
                    assertEquals(2, server.count)
                }
            }
        }
    }

    private class BrokenStore : TokenStore {
        override fun read(key: String): ByteArray? = throw StoreException.Unavailable("down")
        override fun write(key: String, value: ByteArray, ttlMs: Long) = throw IllegalStateException("bug")
        override fun compareAndDelete(key: String, expected: ByteArray): Boolean = throw IllegalStateException("bug")
        override fun tryLock(key: String, owner: String, ttlMs: Long): Boolean = throw IllegalStateException("bug")
        override fun unlock(key: String, owner: String) = throw IllegalStateException("bug")
    }

    @Test
    fun `a failing store never fails a caller and says so in an event`() {
        LocalServer.xtd().use { server ->
            xtdManager(server, TokenOptions(store = BrokenStore())).use { manager ->
                val events = CopyOnWriteArrayList<AuthEvent>()
                manager.setListener(AuthListener { events += it })
                assertEquals("Bearer t0", manager.authorizationBlocking())
                assertTrue(events.any { it is AuthEvent.StoreUnavailable }, "$events")
            }
        }
    }
}
