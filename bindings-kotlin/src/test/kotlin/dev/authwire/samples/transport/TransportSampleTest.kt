package dev.authwire.samples.transport

import dev.authwire.LocalServer
import dev.authwire.Vectors
import okhttp3.Interceptor
import okhttp3.OkHttpClient
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.atomic.AtomicInteger

/** The README's transport sample sends its token request through the given OkHttpClient. */
class TransportSampleTest {
    @Test
    fun `tokensThroughOkHttp sends the token request through the app's client`(@TempDir dir: Path) {
        val keyFile = Files.writeString(
            dir.resolve("key.json"),
            Vectors.section("api_key_file")[0].getJSONObject("json").toString(),
        )
        val seen = AtomicInteger()
        val client = OkHttpClient.Builder()
            .addInterceptor(Interceptor { chain -> seen.incrementAndGet(); chain.proceed(chain.request()) })
            .build()
        LocalServer.xtd().use { server ->
            tokensThroughOkHttp(server.url("/v1/token"), keyFile, client).use { tokens ->
                assertEquals("Bearer t0", tokens.authorizationBlocking())
                assertEquals(1, seen.get(), "the app's interceptor saw the token request")
            }
        }
    }
}
