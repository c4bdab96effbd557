package larkstatus.conformance;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.lark.oapi.Client;
import com.lark.oapi.core.httpclient.IHttpTransport;
import com.lark.oapi.core.httpclient.OkHttpTransport;
import com.lark.oapi.core.request.RawRequest;
import com.lark.oapi.core.request.SelfBuiltTenantAccessTokenReq;
import com.lark.oapi.core.response.BaseResponse;
import com.lark.oapi.core.response.RawResponse;
import com.lark.oapi.core.response.TenantAccessTokenResp;
import com.lark.oapi.core.utils.Jsons;
import com.lark.oapi.core.utils.OKHttps;
import com.lark.oapi.service.auth.v3.model.InternalTenantAccessTokenReq;
import com.lark.oapi.service.auth.v3.model.InternalTenantAccessTokenReqBody;
import com.lark.oapi.service.auth.v3.model.InternalTenantAccessTokenResp;
import com.lark.oapi.service.personal_settings.v1.model.BatchCloseSystemStatusReq;
import com.lark.oapi.service.personal_settings.v1.model.BatchCloseSystemStatusReqBody;
import com.lark.oapi.service.personal_settings.v1.model.BatchCloseSystemStatusResp;
import com.lark.oapi.service.personal_settings.v1.model.BatchOpenSystemStatusReq;
import com.lark.oapi.service.personal_settings.v1.model.BatchOpenSystemStatusReqBody;
import com.lark.oapi.service.personal_settings.v1.model.BatchOpenSystemStatusResp;
import com.lark.oapi.service.personal_settings.v1.model.CreateSystemStatusReq;
import com.lark.oapi.service.personal_settings.v1.model.CreateSystemStatusResp;
import com.lark.oapi.service.personal_settings.v1.model.DeleteSystemStatusReq;
import com.lark.oapi.service.personal_settings.v1.model.DeleteSystemStatusResp;
import com.lark.oapi.service.personal_settings.v1.model.ListSystemStatusReq;
import com.lark.oapi.service.personal_settings.v1.model.ListSystemStatusResp;
import com.lark.oapi.service.personal_settings.v1.model.PatchSystemStatusReq;
import com.lark.oapi.service.personal_settings.v1.model.PatchSystemStatusReqBody;
import com.lark.oapi.service.personal_settings.v1.model.PatchSystemStatusResp;
import com.lark.oapi.service.personal_settings.v1.model.SystemStatus;
import com.lark.oapi.service.personal_settings.v1.model.SystemStatusI18nName;
import com.lark.oapi.service.personal_settings.v1.model.SystemStatusUserOpenParam;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lifecycle of conformance/sdks/README.md ("The scenario protocol") with the Java SDK only.
 *
 * <p>stdout carries only the {@code STEP <name> <json>} lines and {@code DONE}; everything else
 * (the SDK's slf4j logs, the {@code [trace]} lines of the pass-through transport below) goes to
 * stderr. Step payloads are serialized with the SDK's own Gson ({@link Jsons#DEFAULT}), so the
 * SDK model objects come out under their {@code @SerializedName} wire names with the Java types
 * the SDK parsed them into.
 */
public final class Scenario {

    private static final String OTHER_USER = "ou_00000000000000000000000000000000";

    public static void main(String[] args) throws Exception {
        String baseUrl = env("LARK_BASE_URL");
        String appId = env("LARK_APP_ID");
        String appSecret = env("LARK_APP_SECRET");
        String userId = env("LARK_USER_ID");

        // The SDK's own OkHttp transport, wrapped only to log each exchange on stderr (method, URL,
        // the JSON body exactly as the SDK serializes it, status, Content-Type, X-Tt-Logid); it
        // changes nothing. Token caching is the SDK's default (LocalCache + TokenManager).
        Client client = Client.newBuilder(appId, appSecret)
                .openBaseUrl(baseUrl)
                .httpTransport(new TracingTransport(new OkHttpTransport(OKHttps.defaultClient)))
                .build();

        // --- token -------------------------------------------------------------------------
        // The generated auth v3 API: client.auth().tenantAccessToken().internal(...). Its response
        // class is BaseResponse<EmptyData>: the top-level tenant_access_token/expire have no field,
        // so the token is only in the raw body. Called for the record (stderr).
        InternalTenantAccessTokenResp v3 = client.auth().tenantAccessToken().internal(
                InternalTenantAccessTokenReq.newBuilder()
                        .internalTenantAccessTokenReqBody(InternalTenantAccessTokenReqBody.newBuilder()
                                .appId(appId).appSecret(appSecret).build())
                        .build());
        trace("auth.v3 tenantAccessToken().internal: success=" + v3.success() + " code=" + v3.getCode()
                + " msg=" + v3.getMsg() + " getData()=" + v3.getData()
                + " (token only in the raw body: " + rawField(v3, "tenant_access_token").isPresent() + ")");
        // The SDK's typed token API: client.ext().getTenantAccessTokenBySelfBuiltApp(...) returns
        // core.response.TenantAccessTokenResp with getTenantAccessToken()/getExpire().
        TenantAccessTokenResp tok = client.ext().getTenantAccessTokenBySelfBuiltApp(
                SelfBuiltTenantAccessTokenReq.newBuilder().appId(appId).appSecret(appSecret).build());
        must("token", tok);
        String token = tok.getTenantAccessToken();
        trace("ext().getTenantAccessTokenBySelfBuiltApp: expire=" + tok.getExpire()
                + " same token as auth.v3 call: " + rawField(v3, "tenant_access_token").map(e -> e.getAsString().equals(token)).orElse(false));
        step("token", map("prefix", token == null ? null : token.substring(0, Math.min(2, token.length()))));

        // --- create ------------------------------------------------------------------------
        // The first API call: the SDK's TokenManager fetches its own token here (ext() does not
        // fill its cache) and caches it for expire - 180 s.
        CreateSystemStatusResp created = client.personalSettings().v1().systemStatus().create(
                CreateSystemStatusReq.newBuilder()
                        .systemStatus(SystemStatus.newBuilder()
                                .title("出差中")
                                .i18nTitle(SystemStatusI18nName.newBuilder().enUs("Travelling").build())
                                .iconKey("GeneralBusinessTrip")
                                .color("ORANGE")
                                .priority(3)
                                .build())
                        .build());
        must("create", created);
        trace("create: getRequestId()=" + created.getRequestId() + " (X-Tt-Logid)");
        SystemStatus status = created.getData().getSystemStatus();
        String id = status.getSystemStatusId();
        step("create", map("system_status", status));

        // --- list --------------------------------------------------------------------------
        // The Java SDK (2.5.3) has no pagination iterator for this API (nor any listByIterator in
        // the SDK), so this is a page_token loop: follow page_token while has_more.
        int pages = 0;
        List<String> titles = new ArrayList<>();
        String pageToken = null;
        boolean more;
        do {
            ListSystemStatusReq.Builder b = ListSystemStatusReq.newBuilder().pageSize(1);
            if (pageToken != null) {
                b.pageToken(pageToken);
            }
            ListSystemStatusResp page = client.personalSettings().v1().systemStatus().list(b.build());
            must("list", page);
            pages++;
            if (page.getData().getItems() != null) {
                for (SystemStatus s : page.getData().getItems()) {
                    titles.add(s.getTitle());
                }
            }
            more = Boolean.TRUE.equals(page.getData().getHasMore());
            pageToken = page.getData().getPageToken();
            trace("list page " + pages + ": has_more=" + page.getData().getHasMore() + " page_token=" + pageToken);
            if (more && (pageToken == null || pageToken.isEmpty())) {
                fail("list: has_more is true but no page_token");
            }
            if (pages > 50) {
                fail("list: more than 50 pages of size 1");
            }
        } while (more);
        step("list", map("pages", pages, "titles", titles));

        // --- patch -------------------------------------------------------------------------
        PatchSystemStatusResp patched = client.personalSettings().v1().systemStatus().patch(
                PatchSystemStatusReq.newBuilder()
                        .systemStatusId(id)
                        .patchSystemStatusReqBody(PatchSystemStatusReqBody.newBuilder()
                                .systemStatus(SystemStatus.newBuilder()
                                        .title("差旅中").color("RED").iconKey("Coffee").build())
                                .updateFields(new String[]{"TITLE", "COLOR"})
                                .build())
                        .build());
        must("patch", patched);
        step("patch", map("system_status", patched.getData().getSystemStatus()));

        // --- batch_open --------------------------------------------------------------------
        // SystemStatusUserOpenParam.Builder.endTime(String): the Java SDK's model types end_time as
        // a String, so it goes on the wire as a JSON string.
        String endTime = String.valueOf(System.currentTimeMillis() / 1000 + 3600);
        BatchOpenSystemStatusResp opened = client.personalSettings().v1().systemStatus().batchOpen(
                BatchOpenSystemStatusReq.newBuilder()
                        .systemStatusId(id)
                        .userIdType("open_id")
                        .batchOpenSystemStatusReqBody(BatchOpenSystemStatusReqBody.newBuilder()
                                .userList(new SystemStatusUserOpenParam[]{
                                        SystemStatusUserOpenParam.newBuilder().userId(userId).endTime(endTime).build(),
                                        SystemStatusUserOpenParam.newBuilder().userId(OTHER_USER).endTime(endTime).build()})
                                .build())
                        .build());
        must("batch_open", opened);
        // What the server put on the wire for end_time, before Gson read it into a String field
        // (Gson would coerce a JSON number into that String silently).
        trace("batch_open: raw result_list[0].end_time is a JSON "
                + rawJson(opened).map(j -> describe(j.getAsJsonObject().getAsJsonObject("data")
                        .getAsJsonArray("result_list").get(0).getAsJsonObject().get("end_time"))).orElse("?"));
        step("batch_open", map(
                "end_time_type", "string",
                "sent_end_time", endTime,
                "result_list", opened.getData().getResultList()));

        // --- batch_close -------------------------------------------------------------------
        BatchCloseSystemStatusResp closed = client.personalSettings().v1().systemStatus().batchClose(
                BatchCloseSystemStatusReq.newBuilder()
                        .systemStatusId(id)
                        .userIdType("open_id")
                        .batchCloseSystemStatusReqBody(BatchCloseSystemStatusReqBody.newBuilder()
                                .userList(new String[]{userId})
                                .build())
                        .build());
        must("batch_close", closed);
        step("batch_close", map("result_list", closed.getData().getResultList()));

        // --- error -------------------------------------------------------------------------
        // A duplicate name: read through the SDK's error API (success()/getCode()/getMsg(), plus
        // getError() and getRequestId() for the record). The SDK does not throw on HTTP 400.
        CreateSystemStatusResp dup = client.personalSettings().v1().systemStatus().create(
                CreateSystemStatusReq.newBuilder()
                        .systemStatus(SystemStatus.newBuilder()
                                .title("差旅中").iconKey("Coffee").priority(4).build())
                        .build());
        if (dup.success()) {
            fail("error: the duplicate create succeeded");
        }
        trace("error: http=" + dup.getRawResponse().getStatusCode()
                + " getRequestId()=" + dup.getRequestId()
                + " getError().getLogId()=" + (dup.getError() == null ? null : dup.getError().getLogId())
                + " getError()=" + Jsons.DEFAULT.toJson(dup.getError()));
        step("error", map("code", dup.getCode(), "msg", dup.getMsg()));

        // --- delete ------------------------------------------------------------------------
        DeleteSystemStatusResp deleted = client.personalSettings().v1().systemStatus().delete(
                DeleteSystemStatusReq.newBuilder().systemStatusId(id).build());
        trace("delete: data=" + Jsons.DEFAULT.toJson(deleted.getData()));
        step("delete", map("code", deleted.getCode()));

        System.out.println("DONE");
        System.out.flush();
    }

    // ---------------------------------------------------------------------------------------

    private static void step(String name, Object payload) {
        System.out.println("STEP " + name + " " + Jsons.DEFAULT.toJson(payload));
        System.out.flush();
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static void must(String what, BaseResponse<?> resp) {
        if (!resp.success()) {
            fail(what + ": code=" + resp.getCode() + " msg=" + resp.getMsg() + " logId=" + resp.getRequestId()
                    + " body=" + new String(resp.getRawResponse().getBody(), StandardCharsets.UTF_8));
        }
    }

    private static java.util.Optional<JsonElement> rawJson(BaseResponse<?> resp) {
        try {
            return java.util.Optional.of(JsonParser.parseString(
                    new String(resp.getRawResponse().getBody(), StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static java.util.Optional<JsonElement> rawField(BaseResponse<?> resp, String field) {
        return rawJson(resp).map(j -> j.getAsJsonObject().get(field));
    }

    private static String describe(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonPrimitive()) {
            return (e.getAsJsonPrimitive().isString() ? "string " : e.getAsJsonPrimitive().isNumber() ? "number " : "boolean ") + e;
        }
        return e.isJsonArray() ? "array" : "object";
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            fail("missing environment variable " + name);
        }
        return v;
    }

    private static void trace(String msg) {
        System.err.println("[trace] " + msg);
    }

    private static void fail(String msg) {
        System.err.println("scenario failed: " + msg);
        System.exit(1);
    }

    /** Pass-through {@link IHttpTransport}: logs each exchange on stderr, changes nothing. */
    private static final class TracingTransport implements IHttpTransport {
        private final IHttpTransport inner;

        TracingTransport(IHttpTransport inner) {
            this.inner = inner;
        }

        @Override
        public RawResponse execute(RawRequest request) throws Exception {
            RawResponse resp = inner.execute(request);
            String body = request.getBody() == null ? ""
                    : " body=" + Jsons.DEFAULT.toJson(request.getBody()).replaceAll("(\"app_secret\":\")[^\"]*", "$1***");
            trace(request.getHttpMethod() + " " + request.getReqUrl() + body
                    + " -> " + resp.getStatusCode()
                    + " content-type=" + first(resp, "Content-Type")
                    + " X-Tt-Logid=" + first(resp, "X-Tt-Logid")
                    + " X-Request-Id=" + first(resp, "X-Request-Id"));
            return resp;
        }

        private static String first(RawResponse resp, String header) {
            List<String> v = resp.getHeaders().get(header);
            return v == null || v.isEmpty() ? "-" : v.get(0);
        }
    }
}
