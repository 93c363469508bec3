package dev.authwire.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authwire.AuthException;
import dev.authwire.AuthorizationCodeFlow;
import dev.authwire.DeviceAuthorizationFlow;
import dev.authwire.DeviceCode;
import dev.authwire.FileStore;
import dev.authwire.KeyFileSealingKey;
import dev.authwire.SealingKey;
import dev.authwire.SessionTokens;
import dev.authwire.TokenManager;
import dev.authwire.TokenOptions;
import dev.authwire.okhttp.AuthwireIOException;
import dev.authwire.okhttp.AuthwireOkHttp;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * User sessions from Java, through the blocking surface: {@code SessionTokens}, {@code
 * TokenManager.userSession}, {@code KeyFileSealingKey} and a lambda {@code SealingKey}, {@code
 * signOutBlocking}, and the OkHttp client's sign-in-required callback. A real token endpoint on
 * 127.0.0.1 (MockWebServer) that rotates the refresh token and refuses a stale one with {@code
 * invalid_grant}, and an API that checks the header.
 */
class JavaSessionTest {
    /** The refresh token the server accepts now; {@code rt<n>} goes with {@code at<n>}. */
    private final AtomicInteger generation = new AtomicInteger();
    private volatile boolean revoked = false;
    private final List<String> apiAuthorizations = new CopyOnWriteArrayList<>();
    private MockWebServer server;

    @TempDir
    Path tempDir;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getPath();
                if (path.startsWith("/device")) {
                    return new MockResponse().setHeader("Content-Type", "application/json")
                            .setBody("{\"device_code\":\"dc-SECRET\",\"user_code\":\"ABCD-EFGH\",\"verification_uri\":\"https://example.com/device\",\"expires_in\":600,\"interval\":1}");
                }
                if (path.startsWith("/token")) {
                    String body = request.getBody().readUtf8();
                    int current = generation.get();
                    if (revoked || !body.contains("refresh_token=rt" + current)) {
                        return new MockResponse().setResponseCode(400)
                                .setHeader("Content-Type", "application/json")
                                .setBody("{\"error\":\"invalid_grant\"}");
                    }
                    int next = current + 1;
                    generation.set(next);
                    return new MockResponse().setHeader("Content-Type", "application/json")
                            .setBody("{\"access_token\":\"at" + next + "\",\"token_type\":\"Bearer\",\"refresh_token\":\"rt" + next + "\",\"expires_in\":2}");
                }
                String authorization = request.getHeader("Authorization");
                apiAuthorizations.add(authorization);
                boolean ok = !revoked && ("Bearer at" + generation.get()).equals(authorization);
                return new MockResponse().setResponseCode(ok ? 200 : 401);
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdown();
    }

    private String url(String path) {
        return server.url(path).toString();
    }

    @Test
    void sessionTokensFromJava() throws Exception {
        SessionTokens tokens = SessionTokens.create("at0", "rt0", Duration.ofSeconds(60), "read", null);
        assertEquals("at0", tokens.getAccessToken());
        assertEquals("rt0", tokens.getRefreshToken());
        assertEquals(Duration.ofSeconds(60), tokens.getExpiresIn());
        assertEquals("read", tokens.getScope());
        assertFalse(tokens.toString().contains("rt0"), tokens.toString());
        assertEquals(new SessionTokens("at0", "rt0").getRefreshToken(), "rt0");
        SessionTokens parsed = SessionTokens.fromTokenResponse("{\"access_token\":\"a\",\"refresh_token\":\"r\",\"expires_in\":5}");
        assertEquals(Duration.ofSeconds(5), parsed.getExpiresIn());
        assertThrows(AuthException.InvalidInput.class, () -> new SessionTokens("", "r"));
    }

    @Test
    void theSignInFlowsFromJava() throws Exception {
        try (AuthorizationCodeFlow flow = new AuthorizationCodeFlow(url("/authorize"), url("/token"), "app", "com.example.app:/cb", List.of("openid"))) {
            String authorizationUrl = flow.getAuthorizationUrl();
            assertTrue(authorizationUrl.contains("code_challenge_method=S256"), authorizationUrl);
            assertTrue(flow.getNonce() != null);
            Matcher state = Pattern.compile("state=([^&]+)").matcher(authorizationUrl);
            assertTrue(state.find());
            AuthException.OAuth denied = assertThrows(AuthException.OAuth.class,
                    () -> flow.finishBlocking("com.example.app:/cb?error=access_denied&state=" + state.group(1)));
            assertEquals("access_denied", denied.getError());
        }
        try (DeviceAuthorizationFlow flow = new DeviceAuthorizationFlow(url("/device"), url("/token"), "app")) {
            DeviceCode code = flow.startBlocking();
            assertEquals("ABCD-EFGH", code.getUserCode());
            assertEquals(Duration.ofSeconds(1), code.getInterval());
            assertEquals(Duration.ofSeconds(600), code.getExpiresIn());
            assertFalse(flow.toString().contains("dc-SECRET"), flow.toString());
            flow.cancel();
            assertThrows(AuthException.Cancelled.class, flow::waitBlocking);
        }
    }

    @Test
    void aSessionRefreshesRotatesAndSignsOut() throws Exception {
        SealingKey key = new KeyFileSealingKey(tempDir.resolve("session.key"));
        try (FileStore store = new FileStore(tempDir.resolve("session"));
                TokenManager session = TokenManager.userSession(url("/token"), "app",
                        SessionTokens.create("at0", "rt0", Duration.ofSeconds(2), null, null), null, null, null, key,
                        TokenOptions.builder().store(store).build())) {
            assertEquals("Bearer at0", session.authorizationBlocking());
            Thread.sleep(2_500);
            String refreshed = session.authorizationBlocking();
            assertNotEquals("Bearer at0", refreshed);
            assertEquals("Bearer at" + generation.get(), refreshed);
            session.signOutBlocking();
            assertThrows(AuthException.SignInRequired.class, session::authorizationBlocking);
        }
    }

    @Test
    void aLambdaSealingKeyAndTheOkHttpSignInCallback() throws Exception {
        SealingKey key = () -> new byte[32];
        AtomicInteger signIns = new AtomicInteger();
        try (FileStore store = new FileStore(tempDir.resolve("session"));
                TokenManager session = TokenManager.userSession(url("/token"), "app",
                        new SessionTokens("at0", "rt0"), null, null, null, key,
                        TokenOptions.builder().store(store).maxAttempts(1).build())) {
            OkHttpClient client = AuthwireOkHttp.authwire(new OkHttpClient.Builder(), session, ended -> signIns.incrementAndGet()).build();
            Request request = new Request.Builder().url(url("/api")).build();
            try (Response response = client.newCall(request).execute()) {
                assertEquals(200, response.code());
            }
            assertEquals("Bearer at0", apiAuthorizations.get(0));
            revoked = true;
            for (int i = 0; i < 2; i++) {
                AuthwireIOException e = assertThrows(AuthwireIOException.class, () -> client.newCall(request).execute().close());
                assertInstanceOf(AuthException.SignInRequired.class, e.getCause());
            }
            assertEquals(1, signIns.get());
        }
    }
}
