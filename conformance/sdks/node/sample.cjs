// node-sdk使用说明：https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/server-side-sdk/nodejs-sdk/preparation-before-development
// 以下示例代码默认根据文档示例值填充，如果存在代码问题，请在 API 调试台填上相关必要参数后再复制代码使用
const lark = require('@larksuiteoapi/node-sdk');

// 开发者复制该Demo后，需要修改Demo里面的"app id", "app secret"为自己应用的appId, appSecret
const client = new lark.Client({
    appId: 'app id',
    appSecret: 'app secret',
    // disableTokenCache为true时，SDK不会主动拉取并缓存token，这时需要在发起请求时，调用lark.withTenantToken("token")手动传递
    // disableTokenCache为false时，SDK会自动管理租户token的获取与刷新，无需使用lark.withTenantToken("token")手动传递token
    disableTokenCache: true,
    domain: process.env.LARK_BASE_URL, // larkstatus: added; the page uses the default domain (open.feishu.cn)
});

// larkstatus: the page writes client.personalSettings, which @larksuiteoapi/node-sdk 1.74.0 does not have
client.personal_settings.v1.systemStatus.batchClose({
        path: {
                system_status_id: process.env.LARK_STATUS_ID, // larkstatus: the page has '7101214603622940671'
        },
        params: {
                user_id_type:'open_id',
        },
        data: {
                user_list:[process.env.LARK_USER_ID], // larkstatus: the page has ['ou_53edd3282dbc2fdbe5c593cfa5ce82ab']
        },
},
    lark.withTenantToken(process.env.LARK_TENANT_TOKEN) // larkstatus: the page has "t-7f1b******8e560"
).then(res => {
    console.log(res);
}).catch(e => {
    console.error(JSON.stringify(e.response.data, null, 4));
});
