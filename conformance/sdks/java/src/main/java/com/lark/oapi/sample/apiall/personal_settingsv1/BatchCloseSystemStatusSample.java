package com.lark.oapi.sample.apiall.personal_settingsv1;
import com.google.gson.JsonParser;
import com.lark.oapi.Client;
import com.lark.oapi.core.utils.Jsons;
import com.lark.oapi.service.personal_settings.v1.model.*;
import java.util.HashMap;
import com.lark.oapi.core.request.RequestOptions;
import java.nio.charset.StandardCharsets; // larkstatus: missing on the page (its error branch uses StandardCharsets.UTF_8)

// SDK 使用文档：https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/server-side-sdk/java-sdk-guide/preparations
// 复制该 Demo 后, 需要将 "YOUR_APP_ID", "YOUR_APP_SECRET" 替换为自己应用的 APP_ID, APP_SECRET.
// 以下示例代码默认根据文档示例值填充，如果存在代码问题，请在 API 调试台填上相关必要参数后再复制代码使用
public class BatchCloseSystemStatusSample{

  public static void main(String arg[]) throws Exception {
      // 构建client
      // larkstatus: the page had Client.newBuilder("YOUR_APP_ID", "YOUR_APP_SECRET").build(): credentials from the environment, base URL pointed at larkstatus
      Client client = Client.newBuilder(System.getenv("LARK_APP_ID"), System.getenv("LARK_APP_SECRET")).openBaseUrl(System.getenv("LARK_BASE_URL")).build();

      // 创建请求对象
      BatchCloseSystemStatusReq req = BatchCloseSystemStatusReq.newBuilder()
             .systemStatusId(System.getenv("LARK_STATUS_ID")) // larkstatus: the page had "7101214603622940671"
             .userIdType("open_id")
             .batchCloseSystemStatusReqBody(BatchCloseSystemStatusReqBody.newBuilder()
                 .userList(new String[]{System.getenv("LARK_USER_ID")}) // larkstatus: the page had new String[]{"ou_53edd3282dbc2fdbe5c593cfa5ce82ab"}
                  .build())
             .build();

      // 发起请求
      BatchCloseSystemStatusResp resp = client.personalSettings().v1().systemStatus().batchClose(req);

       // 处理服务端错误
       if (!resp.success()) {
         System.out.println(String.format("code:%s,msg:%s,reqId:%s, resp:%s",
                    resp.getCode(), resp.getMsg(), resp.getRequestId(), Jsons.createGSON(true, false).toJson(JsonParser.parseString(new String(resp.getRawResponse().getBody(), StandardCharsets.UTF_8)))));
         return;
       }

       // 业务数据处理
         System.out.println(Jsons.DEFAULT.toJson(resp.getData()));
  }
}
