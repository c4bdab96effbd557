import json
import os  # larkstatus: added, to read the settings from the environment

import lark_oapi as lark
from lark_oapi.api.personal_settings.v1 import *


# SDK 使用说明: https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/server-side-sdk/python--sdk/preparations-before-development
# 以下示例代码默认根据文档示例值填充，如果存在代码问题，请在 API 调试台填上相关必要参数后再复制代码使用
# 复制该 Demo 后, 需要将 "YOUR_APP_ID", "YOUR_APP_SECRET" 替换为自己应用的 APP_ID, APP_SECRET.
def main():
    # 创建client
    client = lark.Client.builder() \
        .app_id(os.environ["LARK_APP_ID"]) \
        .app_secret(os.environ["LARK_APP_SECRET"]) \
        .domain(os.environ["LARK_BASE_URL"]) \
        .log_level(lark.LogLevel.DEBUG) \
        .build()
    # larkstatus: the page has .app_id("YOUR_APP_ID") and .app_secret("YOUR_APP_SECRET"), and no .domain()
    # (the SDK's default is https://open.feishu.cn).

    # 构造请求对象
    request: BatchCloseSystemStatusRequest = BatchCloseSystemStatusRequest.builder() \
        .system_status_id(os.environ["LARK_STATUS_ID"]) \
        .user_id_type("open_id") \
        .request_body(BatchCloseSystemStatusRequestBody.builder()
            .user_list([os.environ["LARK_USER_ID"]])
            .build()) \
        .build()
    # larkstatus: the page has .system_status_id("7101214603622940671") and
    # .user_list(["ou_53edd3282dbc2fdbe5c593cfa5ce82ab"]).

    # 发起请求
    response: BatchCloseSystemStatusResponse = client.personal_settings.v1.system_status.batch_close(request)

    # 处理失败返回
    if not response.success():
        lark.logger.error(
            f"client.personal_settings.v1.system_status.batch_close failed, code: {response.code}, msg: {response.msg}, log_id: {response.get_log_id()}, resp: \n{json.dumps(json.loads(response.raw.content), indent=4, ensure_ascii=False)}")
        return

    # 处理业务结果
    lark.logger.info(lark.JSON.marshal(response.data, indent=4))


if __name__ == "__main__":
    main()
