package main

import (
	"context"
	"fmt"
	"os" // larkstatus: added to read the settings from the environment

	"github.com/larksuite/oapi-sdk-go/v3"
	"github.com/larksuite/oapi-sdk-go/v3/core"
	"github.com/larksuite/oapi-sdk-go/v3/service/personal_settings/v1"
)

// SDK 使用文档：https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/server-side-sdk/golang-sdk-guide/preparations
// 复制该 Demo 后, 需要将 "YOUR_APP_ID", "YOUR_APP_SECRET" 替换为自己应用的 APP_ID, APP_SECRET.
// 以下示例代码默认根据文档示例值填充，如果存在代码问题，请在 API 调试台填上相关必要参数后再复制代码使用
func main() {
	// 创建 Client
	// larkstatus: the page has lark.NewClient("YOUR_APP_ID", "YOUR_APP_SECRET") (and so the default base URL https://open.feishu.cn)
	client := lark.NewClient(os.Getenv("LARK_APP_ID"), os.Getenv("LARK_APP_SECRET"), lark.WithOpenBaseUrl(os.Getenv("LARK_BASE_URL")))
	// 创建请求对象
	req := larkpersonal_settings.NewBatchCloseSystemStatusReqBuilder().
		SystemStatusId(os.Getenv("LARK_STATUS_ID")). // larkstatus: the page has SystemStatusId(`7101214603622940671`)
		UserIdType(`open_id`).
		Body(larkpersonal_settings.NewBatchCloseSystemStatusReqBodyBuilder().
			UserList([]string{os.Getenv("LARK_USER_ID")}). // larkstatus: the page has UserList([]string{`ou_53edd3282dbc2fdbe5c593cfa5ce82ab`})
			Build()).
		Build()

	// 发起请求
	resp, err := client.PersonalSettings.V1.SystemStatus.BatchClose(context.Background(), req)

	// 处理错误
	if err != nil {
		fmt.Println(err)
		return
	}

	// 服务端错误处理
	if !resp.Success() {
		fmt.Printf("logId: %s, error response: \n%s", resp.RequestId(), larkcore.Prettify(resp.CodeError))
		return
	}

	// 业务处理
	fmt.Println(larkcore.Prettify(resp))
}
