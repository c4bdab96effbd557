"""The lifecycle with the vendor's Python SDK (lark-oapi) only; see conformance/sdks/README.md,
"The scenario protocol". Prints `STEP <name> <compact JSON>` per step, then `DONE`."""
import json
import os
import sys
import time

import lark_oapi as lark
from lark_oapi.api.auth.v3 import InternalTenantAccessTokenRequest, InternalTenantAccessTokenRequestBody
from lark_oapi.api.personal_settings.v1 import *


def wire(obj):
    """The SDK's model object as JSON values, through the SDK's own serializer (lark.JSON.marshal):
    field names and value types are what the SDK parsed from the server (the SDK does not coerce
    values to its type hints, so a string stays a string)."""
    return json.loads(lark.JSON.marshal(obj))


def step(name, value):
    print(f"STEP {name} {json.dumps(value, ensure_ascii=False, separators=(',', ':'))}", flush=True)


def fail(what, response):
    """Stops the scenario on an unexpected failure, showing the raw answer."""
    body = response.raw.content.decode("utf-8", "replace") if response.raw is not None else ""
    sys.stderr.write(f"{what} failed: code={response.code} msg={response.msg} log_id={response.get_log_id()} body={body}\n")
    sys.exit(1)


def main():
    base_url = os.environ["LARK_BASE_URL"]
    app_id = os.environ["LARK_APP_ID"]
    app_secret = os.environ["LARK_APP_SECRET"]
    user_id = os.environ["LARK_USER_ID"]

    # The client manages its own tenant token (it calls the same endpoint through its TokenManager).
    client = lark.Client.builder() \
        .app_id(app_id) \
        .app_secret(app_secret) \
        .domain(base_url) \
        .log_level(lark.LogLevel.INFO) \
        .build()
    ss = client.personal_settings.v1.system_status

    # token: through the SDK's auth API. Its response model (InternalTenantAccessTokenResponse) expects
    # the token under `data`, but the endpoint answers with top-level fields (as the real one does), so
    # `response.data` is None: the token is read from the raw body, as the vendor's own docs suggest.
    tok_resp = client.auth.v3.tenant_access_token.internal(
        InternalTenantAccessTokenRequest.builder()
        .request_body(InternalTenantAccessTokenRequestBody.builder().app_id(app_id).app_secret(app_secret).build())
        .build())
    if not tok_resp.success():
        fail("tenant_access_token.internal", tok_resp)
    token = json.loads(tok_resp.raw.content)["tenant_access_token"]
    lark.logger.info(f"token: response.data is {tok_resp.data!r}; the token is in the raw body's top level")
    step("token", {"prefix": token[:2]})

    # create
    created = ss.create(
        CreateSystemStatusRequest.builder()
        .request_body(SystemStatus.builder()
                      .title("出差中")
                      .i18n_title(SystemStatusI18nName.builder().en_us("Travelling").build())
                      .icon_key("GeneralBusinessTrip")
                      .color("ORANGE")
                      .priority(3)
                      .build())
        .build())
    if not created.success():
        fail("create", created)
    status = wire(created.data.system_status)
    step("create", {"system_status": status})
    status_id = created.data.system_status.system_status_id  # typed Optional[int] by the SDK; a str on the wire

    # list: lark-oapi 1.7.5 has no pagination iterator for Python (only list/alist), so this is a
    # page_token loop: follow page_token while has_more.
    pages, titles, page_token = 0, [], None
    while True:
        builder = ListSystemStatusRequest.builder().page_size(1)
        if page_token:
            builder = builder.page_token(page_token)
        page = ss.list(builder.build())
        if not page.success():
            fail("list", page)
        pages += 1
        titles += [s.title for s in page.data.items or []]
        if not page.data.has_more:
            break
        page_token = page.data.page_token
    step("list", {"pages": pages, "titles": titles})

    # patch
    patched = ss.patch(
        PatchSystemStatusRequest.builder()
        .system_status_id(status_id)
        .request_body(PatchSystemStatusRequestBody.builder()
                      .system_status(SystemStatus.builder().title("差旅中").color("RED").icon_key("Coffee").build())
                      .update_fields(["TITLE", "COLOR"])
                      .build())
        .build())
    if not patched.success():
        fail("patch", patched)
    step("patch", {"system_status": wire(patched.data.system_status)})

    # batch_open: SystemStatusUserOpenParam.end_time is typed int, so the SDK sends a JSON number.
    end_time = int(time.time()) + 3600
    open_req = BatchOpenSystemStatusRequest.builder() \
        .system_status_id(status_id) \
        .user_id_type("open_id") \
        .request_body(BatchOpenSystemStatusRequestBody.builder()
                      .user_list([
                          SystemStatusUserOpenParam.builder().user_id(user_id).end_time(end_time).build(),
                          SystemStatusUserOpenParam.builder().user_id("ou_00000000000000000000000000000000").end_time(end_time).build(),
                      ])
                      .build()) \
        .build()
    # The body exactly as the SDK puts it on the wire (Transport.execute sends JSON.marshal(req.body)).
    sent = json.loads(lark.JSON.marshal(open_req.body))["user_list"][0]["end_time"]
    opened = ss.batch_open(open_req)
    if not opened.success():
        fail("batch_open", opened)
    step("batch_open", {
        "end_time_type": "string" if isinstance(sent, str) else "number",
        "sent_end_time": str(sent),
        "result_list": wire(opened.data.result_list),
    })

    # batch_close
    closed = ss.batch_close(
        BatchCloseSystemStatusRequest.builder()
        .system_status_id(status_id)
        .user_id_type("open_id")
        .request_body(BatchCloseSystemStatusRequestBody.builder().user_list([user_id]).build())
        .build())
    if not closed.success():
        fail("batch_close", closed)
    step("batch_close", {"result_list": wire(closed.data.result_list)})

    # error: a second status with the patched title; read through the SDK's error API.
    dup = ss.create(
        CreateSystemStatusRequest.builder()
        .request_body(SystemStatus.builder().title("差旅中").icon_key("Coffee").priority(4).build())
        .build())
    if dup.success():
        sys.stderr.write("error: the duplicate create succeeded\n")
        sys.exit(1)
    # response.error stays the raw dict (BaseResponse._types has no "error": Error), so the SDK's own
    # response.get_troubleshooter() raises AttributeError on it: log the dict instead.
    lark.logger.info(f"error: HTTP {dup.raw.status_code}, log_id {dup.get_log_id()}, error {dup.error!r}")
    step("error", {"code": dup.code, "msg": dup.msg})

    # delete
    deleted = ss.delete(DeleteSystemStatusRequest.builder().system_status_id(status_id).build())
    step("delete", {"code": deleted.code})
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
