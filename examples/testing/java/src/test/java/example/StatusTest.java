package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.lark.oapi.Client;
import com.lark.oapi.core.cache.ICache;
import com.lark.oapi.service.personal_settings.v1.model.BatchOpenSystemStatusReq;
import com.lark.oapi.service.personal_settings.v1.model.BatchOpenSystemStatusReqBody;
import com.lark.oapi.service.personal_settings.v1.model.BatchOpenSystemStatusResp;
import com.lark.oapi.service.personal_settings.v1.model.SystemStatusUserOpenParam;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Testing a Java app against larkstatus with JUnit 5: the built server (node <repo>/dist/main.js,
 * {@code npm run build} once in the repository root) starts before the tests on a free port whose
 * URL it writes to a port file; every test resets the emulator, opens a status with the official
 * SDK and checks what the user's profile shows through the admin API.
 */
class StatusTest {
    // The demo seed (examples/seed.yaml): tenant Acme, its app, the status 出差.
    static final String TENANT_KEY = "a1b2c3d4e5f60718";
    static final String APP_ID = "cli_a1b2c3d4e5f60718";
    static final String APP_SECRET = "dev-secret-please-change";
    static final String TRIP = "7101214603622940001";
    static final String ADMIN_TOKEN = "java-example-admin-token";

    static Process server;
    static String baseUrl;
    static final HttpClient http = HttpClient.newHttpClient();
    Client client;

    @BeforeAll
    static void startLarkstatus() throws Exception {
        // Maven runs the tests in the project's folder: the repository root is three levels up.
        Path root = Path.of("../../..").toAbsolutePath().normalize();
        Path portFile = Files.createTempDirectory("larkstatus-java-").resolve("url");
        server = new ProcessBuilder("node", root.resolve("dist/main.js").toString(),
                "--db", "sqlite::memory:", "--port", "0", "--port-file", portFile.toString(),
                "--admin-token", ADMIN_TOKEN, "--log-level", "warn", "--shutdown-grace", "0")
                .inheritIO()
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(portFile)) {
            if (!server.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("larkstatus did not start (see its output above)");
            }
            Thread.sleep(20);
        }
        baseUrl = Files.readString(portFile).trim();
    }

    @AfterAll
    static void stopLarkstatus() throws Exception {
        server.destroy(); // SIGTERM: the server drains and removes its port file
        server.waitFor(20, TimeUnit.SECONDS);
    }

    /** Calls the admin API; answers its JSON (null for an empty answer). */
    static JsonElement admin(String method, String path, String json) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(baseUrl + "/admin/v1" + path))
                .header("Authorization", "Bearer " + ADMIN_TOKEN);
        if (json == null) {
            req.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            req.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(res.statusCode() < 300, method + " " + path + ": " + res.statusCode() + " " + res.body());
        return res.body().isEmpty() ? null : JsonParser.parseString(res.body());
    }

    static JsonObject userStatus(String userId) throws Exception {
        return admin("GET", "/tenants/" + TENANT_KEY + "/users/" + userId + "/status", null).getAsJsonObject();
    }

    /** A token cache of one test: a reset voids every token, and the SDK's default cache is process-wide. */
    static final class TestCache implements ICache {
        private final Map<String, String> values = new ConcurrentHashMap<>();

        @Override
        public String get(String key) {
            return values.get(key);
        }

        @Override
        public void set(String key, String value, int expire, TimeUnit unit) {
            values.put(key, value);
        }
    }

    @BeforeEach
    void resetAndConnect() throws Exception {
        admin("POST", "/emulator/reset", null);
        client = Client.newBuilder(APP_ID, APP_SECRET).openBaseUrl(baseUrl).tokenCache(new TestCache()).build();
    }

    void openTrip(String userId, long endTime) throws Exception {
        BatchOpenSystemStatusResp res = client.personalSettings().v1().systemStatus().batchOpen(
                BatchOpenSystemStatusReq.newBuilder()
                        .systemStatusId(TRIP)
                        .userIdType("user_id")
                        .batchOpenSystemStatusReqBody(BatchOpenSystemStatusReqBody.newBuilder()
                                .userList(new SystemStatusUserOpenParam[]{
                                        SystemStatusUserOpenParam.newBuilder().userId(userId).endTime(String.valueOf(endTime)).build()})
                                .build())
                        .build());
        assertTrue(res.success(), res.getCode() + " " + res.getMsg());
        assertEquals("success_show", res.getData().getResultList()[0].getResult());
    }

    @Test
    void anOpenedStatusShowsUntilItsEndTime() throws Exception {
        JsonObject before = userStatus("u001");
        assertTrue(before.get("shown").isJsonNull(), "after a reset u001 shows nothing");
        long end = before.get("now_ms").getAsLong() / 1000 + 3600;
        openTrip("u001", end);

        JsonObject shown = userStatus("u001").getAsJsonObject("shown");
        assertNotNull(shown);
        assertEquals(TRIP, shown.get("system_status_id").getAsString());
        assertEquals(String.valueOf(end), shown.get("end_time").getAsString());

        // Two hours later on the emulator's clock the end time has passed: the profile shows nothing.
        admin("POST", "/emulator/clock", "{\"advance\": \"2h\"}");
        assertTrue(userStatus("u001").get("shown").isJsonNull());
    }

    @Test
    void resetPutsTheSeedBack() throws Exception {
        openTrip("u004", userStatus("u004").get("now_ms").getAsLong() / 1000 + 3600);
        assertEquals(TRIP, userStatus("u004").getAsJsonObject("shown").get("system_status_id").getAsString());
        admin("POST", "/emulator/reset", null);
        assertTrue(userStatus("u004").get("shown").isJsonNull());
    }
}
