package dev.authwire.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authwire.AccessToken;
import dev.authwire.ApiKey;
import dev.authwire.AuthEvent;
import dev.authwire.AuthException;
import dev.authwire.Authwire;
import dev.authwire.BasicCredentials;
import dev.authwire.LocalServerKt;
import dev.authwire.TokenManager;
import dev.authwire.TokenOptions;
import dev.authwire.okhttp.AuthwireAuthenticator;
import dev.authwire.okhttp.AuthwireIOException;
import dev.authwire.okhttp.AuthwireInterceptor;
import dev.authwire.okhttp.AuthwireOkHttp;
import dev.authwire.okhttp.OkHttpTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main flows of the JVM artifact, called from Java: no {@code Companion}, no mangled
 * names, no unsigned types. A real token server and API on 127.0.0.1 (MockWebServer).
 */
class JavaCallerTest {
    /** Token requests answered so far; the n-th token is {@code t<n>}. */
    private final AtomicInteger tokenRequests = new AtomicInteger();
    /** The Authorization header of every API request, in order. */
    private final List<String> apiAuthorizations = new CopyOnWriteArrayList<>();
    /** Whether the token server answers 401 (wrong credentials). */
    private volatile boolean rejectCredentials = false;
    private MockWebServer server;

    @TempDir
    Path tempDir;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if ("/v1/token".equals(request.getPath())) {
                    if (rejectCredentials) {
                        return new MockResponse().setResponseCode(401).setBody("bad key");
                    }
                    int n = tokenRequests.getAndIncrement();
                    return new MockResponse()
                            .setHeader("Content-Type", "application/json")
                            .setBody("{\"token\": \"t" + n + "\", \"expirationTime\": 300}");
                }
                apiAuthorizations.add(request.getHeader("Authorization"));
                return new MockResponse().setBody("ok");
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdown();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getPort() + path;
    }

    private Path keyFile() throws IOException {
        Path file = tempDir.resolve("key.json");
        Files.writeString(file, "{\"appClientId\": \"app\", \"appClientSecret\": \"secret\", \"encodedKey\": \""
                + LocalServerKt.getTEST_KEY() + "\"}");
        return file;
    }

    @Test
    void headersFromJava() throws Exception {
        String basic = Authwire.basicAuth("Aladdin", "open sesame");
        assertEquals("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", basic);
        assertEquals("Bearer mF_9.B5f-4.1JqM", Authwire.bearerAuth("mF_9.B5f-4.1JqM"));
        assertEquals("User us3r", Authwire.openConnectorsAuth("us3r"));

        BasicCredentials credentials = Authwire.decodeBasic(basic);
        assertEquals("Aladdin", credentials.getUserId());
        assertEquals("open sesame", credentials.getPassword());
        assertEquals(new BasicCredentials("Aladdin", "open sesame"), credentials);
        assertFalse(credentials.toString().contains("open sesame"), credentials.toString());
    }

    @Test
    void errorsAreAuthExceptionsWithTheSentence() throws Exception {
        AuthException.InvalidInput error =
                assertThrows(AuthException.InvalidInput.class, () -> Authwire.basicAuth("alice", "pa55\r\nX-Evil: 1"));
        assertTrue(error.getMessage().startsWith("invalid input: "), error.getMessage());
        assertTrue(error.toString().startsWith("dev.authwire.AuthException$InvalidInput: invalid input: "), error.toString());
        assertFalse(error.getMessage().contains("pa55"), error.getMessage());

        // Catching the base class works for every kind.
        try {
            Authwire.bearerAuth("has space");
        } catch (AuthException e) {
            assertTrue(e instanceof AuthException.InvalidInput);
        }
        // A bad argument of Java's own kind: a negative or sub-second lifetime.
        assertThrows(IllegalArgumentException.class, () -> TokenManager.staticToken("abc", Duration.ofSeconds(-1)));
        IllegalArgumentException fraction =
                assertThrows(IllegalArgumentException.class, () -> TokenManager.staticToken("abc", Duration.ofMillis(1500)));
        assertTrue(fraction.getMessage().contains("whole seconds"), fraction.getMessage());
    }

    @Test
    void lifetimesAreJavaDurations() throws Exception {
        try (TokenManager tokens = TokenManager.staticToken("abc", Duration.ofMinutes(1))) {
            AccessToken token = tokens.tokenBlocking();
            assertEquals("Bearer abc", token.getAuthorization());
            assertFalse(token.getExpiresIn() == null, "a lifetime: expires");
        }
        try (TokenManager tokens = TokenManager.staticToken("abc")) {
            assertNull(tokens.tokenBlocking().getExpiresIn(), "no lifetime: never expires");
        }
        try (TokenManager tokens = TokenManager.staticToken("abc", null)) {
            assertNull(tokens.tokenBlocking().getExpiresIn(), "null: never expires");
        }
    }

    @Test
    void tokenManagerBlockingAndOkHttp() throws Exception {
        try (TokenManager tokens = TokenManager.apiKeyExchange(url("/v1/token"), keyFile())) {
            assertEquals("Bearer t0", tokens.authorizationBlocking());
            AccessToken token = tokens.tokenBlocking();
            assertEquals("t0", token.getValue());
            assertEquals("Bearer t0", token.getAuthorization());
            assertFalse(token.toString().contains("t0"), token.toString());

            OkHttpClient client = new OkHttpClient.Builder()
                    .addInterceptor(new AuthwireInterceptor(tokens))
                    .authenticator(new AuthwireAuthenticator(tokens))
                    .build();
            try (Response response = client.newCall(new Request.Builder().url(url("/api")).build()).execute()) {
                assertEquals(200, response.code());
            }
            // The same with the one-call installer.
            OkHttpClient installed = AuthwireOkHttp.authwire(new OkHttpClient.Builder(), tokens).build();
            try (Response response = installed.newCall(new Request.Builder().url(url("/api")).build()).execute()) {
                assertEquals(200, response.code());
            }
            assertEquals(List.of("Bearer t0", "Bearer t0"), apiAuthorizations);

            // Invalidation reaches the interceptor's cache at once.
            assertTrue(tokens.invalidate("Bearer t0"));
            try (Response response = client.newCall(new Request.Builder().url(url("/api")).build()).execute()) {
                assertEquals(200, response.code());
            }
            assertNotEquals("Bearer t0", apiAuthorizations.get(2));
            long requests = tokens.stats().getTokenRequests();
            assertEquals(2L, requests);
        }
    }

    @Test
    void tokenRequestsThroughOkHttpWithJavaDurations() throws Exception {
        TokenOptions options = TokenOptions.builder()
                .transport(new OkHttpTransport(new OkHttpClient()))
                .requestTimeout(Duration.ofSeconds(10))
                .connectTimeout(Duration.ofSeconds(2))
                .maxAttempts(2)
                .build();
        ApiKey key = ApiKey.fromEncodedKey(LocalServerKt.getTEST_KEY());
        assertEquals(LocalServerKt.getTEST_KEY(), key.getEncodedKey());
        assertNull(key.getAppClientId());
        assertEquals(key, ApiKey.fromEncodedKey(LocalServerKt.getTEST_KEY()));
        List<Duration> lifetimes = new CopyOnWriteArrayList<>();
        try (TokenManager tokens = TokenManager.apiKeyExchange(url("/v1/token"), key, options)) {
            // An event's duration, as a java.time.Duration (its Kotlin property is a kotlin.time.Duration).
            tokens.setListener(event -> {
                if (event instanceof AuthEvent.TokenRefreshed) {
                    lifetimes.add(((AuthEvent.TokenRefreshed) event).getLifetime());
                }
            });
            assertEquals("Bearer t0", tokens.authorizationBlocking());
        }
        assertEquals(List.of(Duration.ofSeconds(300)), lifetimes);
        assertThrows(IllegalArgumentException.class, () -> TokenOptions.builder().requestTimeout(Duration.ofSeconds(-1)));
    }

    @Test
    void rejectedCredentialsAreCaughtBySubclass() throws Exception {
        rejectCredentials = true;
        try (TokenManager tokens = TokenManager.apiKeyExchange(url("/v1/token"), keyFile())) {
            AuthException.Unauthorized error = assertThrows(AuthException.Unauthorized.class, tokens::authorizationBlocking);
            int status = error.getStatus();
            assertEquals(401, status);
            assertEquals("bad key", error.getServerMessage());
            assertTrue(error.getMessage().startsWith("unauthorized (HTTP 401)"), error.getMessage());

            // Through OkHttp the same error is the cause of an AuthwireIOException.
            OkHttpClient client = AuthwireOkHttp.authwire(new OkHttpClient.Builder(), tokens).build();
            AuthwireIOException failure = assertThrows(AuthwireIOException.class,
                    () -> client.newCall(new Request.Builder().url(url("/api")).build()).execute());
            assertTrue(failure.getCause() instanceof AuthException.Unauthorized);
            assertEquals(failure.getCause().getMessage(), failure.getMessage());
        }
    }
}
