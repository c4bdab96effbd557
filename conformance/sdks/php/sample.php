<?php
require '/usr/share/php/GuzzleHttp/autoload.php'; // larkstatus: added; the page omits the autoloader (Debian's php-guzzlehttp-guzzle)
use GuzzleHttp\Client; // larkstatus: added; the page omits its use statements
use GuzzleHttp\Psr7\Request; // larkstatus: added
$client = new Client();
$headers = [
  'Authorization' => 'Bearer ' . getenv('LARK_TENANT_TOKEN'), // larkstatus: the page has 'Bearer t-7f1b******8e560'
  'Content-Type' => 'application/json'
];
$body = '{
    "user_list": [
        "' . getenv('LARK_USER_ID') . '"
    ]
}'; // larkstatus: the page has "ou_53edd3282dbc2fdbe5c593cfa5ce82ab" as the user
// larkstatus: the page has 'https://open.feishu.cn' as the base URL and 7101214603622940671 as the status id.
$request = new Request('POST', getenv('LARK_BASE_URL') . '/open-apis/personal_settings/v1/system_statuses/' . getenv('LARK_STATUS_ID') . '/batch_close?user_id_type=open_id', $headers, $body);
$res = $client->sendAsync($request)->wait();
echo $res->getBody();
