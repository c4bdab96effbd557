<?php
// The lifecycle with Guzzle (conformance/sdks/README.md, "The scenario protocol"). The vendor has no
// PHP SDK: its page's PHP sample is plain Guzzle, so this is plain Guzzle too.
require '/usr/share/php/GuzzleHttp/autoload.php';

use GuzzleHttp\Client;
use GuzzleHttp\Exception\ClientException;

const JSON_FLAGS = JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES;

function env(string $name): string
{
    $v = getenv($name);
    if ($v === false || $v === '') {
        fwrite(STDERR, "missing environment variable $name\n");
        exit(2);
    }
    return $v;
}

function step(string $name, $value): void
{
    echo 'STEP ' . $name . ' ' . json_encode($value, JSON_FLAGS | JSON_THROW_ON_ERROR) . "\n";
}

/** Decodes a JSON body into stdClass objects (not arrays), so `{}` stays `{}` when re-encoded. */
function body($response)
{
    return json_decode((string) $response->getBody(), false, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
}

/** Decodes a vendor envelope and stops the scenario unless its code is 0. */
function ok(string $what, $response)
{
    $d = body($response);
    if (($d->code ?? null) !== 0) {
        fwrite(STDERR, "$what failed: HTTP {$response->getStatusCode()} " . $response->getBody() . "\n");
        exit(1);
    }
    return $d;
}

$userId = env('LARK_USER_ID');
// Guzzle throws a ClientException on 4xx by default ('http_errors' => true): kept, so any
// unexpected failure stops the scenario; the error step catches it and reads the body.
$http = new Client(['base_uri' => env('LARK_BASE_URL'), 'timeout' => 30]);

// token
$tok = ok('token', $http->post('/open-apis/auth/v3/tenant_access_token/internal', [
    'json' => ['app_id' => env('LARK_APP_ID'), 'app_secret' => env('LARK_APP_SECRET')],
]));
step('token', ['prefix' => substr($tok->tenant_access_token, 0, 2)]);
$auth = ['Authorization' => 'Bearer ' . $tok->tenant_access_token];
$S = '/open-apis/personal_settings/v1/system_statuses';

// create
$created = ok('create', $http->post($S, ['headers' => $auth, 'json' => [
    'title' => '出差中', 'i18n_title' => ['en_us' => 'Travelling'], 'icon_key' => 'GeneralBusinessTrip',
    'color' => 'ORANGE', 'priority' => 3,
]]));
step('create', ['system_status' => $created->data->system_status]);
$id = $created->data->system_status->system_status_id;

// list: no iterator (plain HTTP), so a page_token loop: follow page_token while has_more.
$pages = 0;
$titles = [];
$pageToken = null;
do {
    $query = ['page_size' => 1];
    if ($pageToken !== null) {
        $query['page_token'] = $pageToken;
    }
    $page = ok('list', $http->get($S, ['headers' => $auth, 'query' => $query]));
    $pages++;
    foreach ($page->data->items as $s) {
        $titles[] = $s->title;
    }
    $pageToken = $page->data->page_token ?? null;
} while ($page->data->has_more);
step('list', ['pages' => $pages, 'titles' => $titles]);

// patch
$patched = ok('patch', $http->patch("$S/$id", ['headers' => $auth, 'json' => [
    'system_status' => ['title' => '差旅中', 'color' => 'RED', 'icon_key' => 'Coffee'],
    'update_fields' => ['TITLE', 'COLOR'],
]]));
step('patch', ['system_status' => $patched->data->system_status]);

// batch_open: end_time sent as a string, as the vendor's docs show it.
$end = (string) (time() + 3600);
$opened = ok('batch_open', $http->post("$S/$id/batch_open", [
    'headers' => $auth,
    'query' => ['user_id_type' => 'open_id'],
    'json' => ['user_list' => [
        ['user_id' => $userId, 'end_time' => $end],
        ['user_id' => 'ou_00000000000000000000000000000000', 'end_time' => $end],
    ]],
]));
step('batch_open', ['end_time_type' => 'string', 'sent_end_time' => $end, 'result_list' => $opened->data->result_list]);

// batch_close
$closed = ok('batch_close', $http->post("$S/$id/batch_close", [
    'headers' => $auth,
    'query' => ['user_id_type' => 'open_id'],
    'json' => ['user_list' => [$userId]],
]));
step('batch_close', ['result_list' => $closed->data->result_list]);

// error: Guzzle's error API is the ClientException it throws on the 400; the vendor envelope is its body.
try {
    $http->post($S, ['headers' => $auth, 'json' => ['title' => '差旅中', 'icon_key' => 'Coffee', 'priority' => 4]]);
    fwrite(STDERR, "error: the duplicate create succeeded\n");
    exit(1);
} catch (ClientException $e) {
    $res = $e->getResponse();
    $err = body($res);
    fwrite(STDERR, "error: HTTP {$res->getStatusCode()}, X-Tt-Logid {$res->getHeaderLine('X-Tt-Logid')}\n");
    step('error', ['code' => $err->code, 'msg' => $err->msg]);
}

// delete
$deleted = body($http->delete("$S/$id", ['headers' => $auth]));
step('delete', ['code' => $deleted->code]);
echo "DONE\n";
