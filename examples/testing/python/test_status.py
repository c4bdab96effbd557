"""Testing a Python app against larkstatus with pytest and the official SDK (lark-oapi)."""
from lark_oapi.api.personal_settings.v1 import (
    BatchOpenSystemStatusRequest,
    BatchOpenSystemStatusRequestBody,
    SystemStatusUserOpenParam,
)

TRIP = "7101214603622940001"  # the demo seed's 出差 status


def open_trip(client, user_id: str, end_time: int):
    req = BatchOpenSystemStatusRequest.builder() \
        .system_status_id(TRIP) \
        .user_id_type("user_id") \
        .request_body(BatchOpenSystemStatusRequestBody.builder()
                      .user_list([SystemStatusUserOpenParam.builder().user_id(user_id).end_time(end_time).build()])
                      .build()) \
        .build()
    res = client.personal_settings.v1.system_status.batch_open(req)
    assert res.success(), (res.code, res.msg)
    assert res.data.result_list[0].result == "success_show"


def test_an_opened_status_shows_until_its_end_time(larkstatus, client):
    before = larkstatus.user_status("u001")
    assert before["shown"] is None
    end = before["now_ms"] // 1000 + 3600
    open_trip(client, "u001", end)

    shown = larkstatus.user_status("u001")["shown"]
    assert shown["system_status_id"] == TRIP
    assert shown["end_time"] == str(end)

    # Two hours later on the emulator's clock the end time has passed: the profile shows nothing.
    larkstatus.admin("POST", "/emulator/clock", {"advance": "2h"})
    assert larkstatus.user_status("u001")["shown"] is None


def test_reset_puts_the_seed_back(larkstatus, client):
    now = larkstatus.user_status("u004")["now_ms"]
    open_trip(client, "u004", now // 1000 + 3600)
    assert larkstatus.user_status("u004")["shown"]["system_status_id"] == TRIP
    larkstatus.admin("POST", "/emulator/reset")
    assert larkstatus.user_status("u004")["shown"] is None
