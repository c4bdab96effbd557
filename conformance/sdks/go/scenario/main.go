// The lifecycle scenario of conformance/sdks/README.md ("The scenario protocol"), through the Go SDK
// (github.com/larksuite/oapi-sdk-go/v3) only. Prints `STEP <name> <compact JSON>` per step, then DONE;
// diagnostics go to stderr.
//
// The JSON printed is the SDK's own response structs marshalled with encoding/json: their json tags
// are the wire names (system_status_id, result_list, ...), and end_time is a *string in the SDK, so
// it prints as a JSON string.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	lark "github.com/larksuite/oapi-sdk-go/v3"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkauth "github.com/larksuite/oapi-sdk-go/v3/service/auth/v3"
	larkpersonal_settings "github.com/larksuite/oapi-sdk-go/v3/service/personal_settings/v1"
)

const listPath = "/open-apis/personal_settings/v1/system_statuses"

// tokenPath: the token request carries the app secret, so its body is not logged.
const tokenPath = larkcore.TenantAccessTokenInternalUrlPath

// countingClient is the http client handed to the SDK with lark.WithHttpClient. It changes nothing
// on the wire: it only counts the GETs to the list path and logs, on stderr, what each list page
// answered (has_more and whether page_token was present). It exists because the SDK's
// ListSystemStatusIterator (service/personal_settings/v1/model.go, ListSystemStatusIterator.Next)
// fetches pages behind Next() and exposes no page count; counting the list GETs it sends is the
// honest way to know how many pages it fetched. (A re-send by the SDK on a token error would count
// too; the [http] log on stderr shows every request, so such a re-send would be visible.)
type countingClient struct {
	inner    *http.Client
	mu       sync.Mutex
	listGets int
	allSent  int
}

func (c *countingClient) Do(req *http.Request) (*http.Response, error) {
	isList := req.Method == http.MethodGet && req.URL.Path == listPath
	c.mu.Lock()
	c.allSent++
	if isList {
		c.listGets++
	}
	c.mu.Unlock()
	sentBody := ""
	if req.Body != nil && req.URL.Path != tokenPath { // the token request carries the secret: not logged
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(b))
		sentBody = string(b)
	}
	resp, err := c.inner.Do(req)
	if err != nil {
		return resp, err
	}
	// Peek at the body for the log, then hand an identical body back to the SDK.
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	var env struct {
		Code int `json:"code"`
		Data *struct {
			HasMore   *bool           `json:"has_more"`
			PageToken json.RawMessage `json:"page_token"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &env)
	line := fmt.Sprintf("%s %s -> HTTP %d, Content-Type %q, code %d", req.Method, req.URL.RequestURI(), resp.StatusCode,
		resp.Header.Get("Content-Type"), env.Code)
	if sentBody != "" {
		line += ", sent " + sentBody
	}
	if isList && env.Data != nil {
		pt := "absent"
		if env.Data.PageToken != nil {
			pt = string(env.Data.PageToken)
		}
		hm := "absent"
		if env.Data.HasMore != nil {
			hm = strconv.FormatBool(*env.Data.HasMore)
		}
		line += fmt.Sprintf(", has_more %s, page_token %s", hm, pt)
	}
	fmt.Fprintln(os.Stderr, "[http] "+line)
	return resp, nil
}

func step(name string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fail("step %s: marshal: %v", name, err)
	}
	fmt.Printf("STEP %s %s\n", name, strings.TrimSpace(buf.String()))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "scenario: "+format+"\n", args...)
	os.Exit(1)
}

func mustEnv(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fail("%s is not set", name)
	}
	return v
}

// sdkResp is satisfied by every SDK response (they embed larkcore.CodeError and *larkcore.ApiResp).
type sdkResp interface {
	Success() bool
	RequestId() string
}

// check fails the run on a Go error or a business error, read through the SDK's error API.
func check(what string, resp sdkResp, ce larkcore.CodeError, err error) {
	if err != nil {
		fail("%s: %v", what, err)
	}
	if !resp.Success() {
		fail("%s: logId %s, error response: %s", what, resp.RequestId(), ce.ErrorResp())
	}
}

func main() {
	baseURL := mustEnv("LARK_BASE_URL")
	appID := mustEnv("LARK_APP_ID")
	appSecret := mustEnv("LARK_APP_SECRET")
	userID := mustEnv("LARK_USER_ID")
	ctx := context.Background()

	hc := &countingClient{inner: &http.Client{Timeout: 30 * time.Second}}
	client := lark.NewClient(appID, appSecret, lark.WithOpenBaseUrl(baseURL), lark.WithHttpClient(hc))
	ss := client.PersonalSettings.V1.SystemStatus

	// token: the SDK's auth v3 service. Its InternalTenantAccessTokenResp only embeds CodeError (no
	// tenant_access_token field, service/auth/v3/model.go), so the token is read from the raw body
	// into the SDK's own larkcore.TenantAccessTokenResp (core/tokenmanager.go), which has the field.
	// The calls below do not use this token: the SDK's token manager fetches and caches its own
	// (EnableTokenCache is on by default), which is the normal way to use this SDK.
	{
		resp, err := client.Auth.V3.TenantAccessToken.Internal(ctx, larkauth.NewInternalTenantAccessTokenReqBuilder().
			Body(larkauth.NewInternalTenantAccessTokenReqBodyBuilder().AppId(appID).AppSecret(appSecret).Build()).
			Build())
		if err != nil {
			fail("token: %v", err)
		}
		check("token", resp, resp.CodeError, nil)
		var tok larkcore.TenantAccessTokenResp
		if err := json.Unmarshal(resp.RawBody, &tok); err != nil {
			fail("token: %v", err)
		}
		prefix := tok.TenantAccessToken
		if len(prefix) > 2 {
			prefix = prefix[:2]
		}
		fmt.Fprintf(os.Stderr, "token: expire %d\n", tok.Expire)
		step("token", map[string]any{"prefix": prefix})
	}

	// create
	var createdID string
	{
		resp, err := ss.Create(ctx, larkpersonal_settings.NewCreateSystemStatusReqBuilder().
			SystemStatus(larkpersonal_settings.NewSystemStatusBuilder().
				Title("出差中").
				I18nTitle(larkpersonal_settings.NewSystemStatusI18nNameBuilder().EnUs("Travelling").Build()).
				IconKey(larkpersonal_settings.SystemStatusIconKeyGeneralBusinessTrip).
				Color(larkpersonal_settings.SystemStatusColorORANGE).
				Priority(3).
				Build()).
			Build())
		if err != nil {
			fail("create: %v", err)
		}
		check("create", resp, resp.CodeError, err)
		if resp.Data == nil || resp.Data.SystemStatus == nil || resp.Data.SystemStatus.SystemStatusId == nil {
			fail("create: no data.system_status.system_status_id in %s", resp.RawBody)
		}
		createdID = *resp.Data.SystemStatus.SystemStatusId
		step("create", map[string]any{"system_status": resp.Data.SystemStatus})
	}

	// list: the SDK's iterator, page_size 1. Pages are counted by countingClient (see above).
	{
		iter, err := ss.ListByIterator(ctx, larkpersonal_settings.NewListSystemStatusReqBuilder().PageSize(1).Build())
		if err != nil {
			fail("list: %v", err)
		}
		before := hc.listGets
		titles := []string{}
		for {
			ok, item, err := iter.Next()
			if err != nil {
				fail("list: %v", err)
			}
			if !ok {
				break
			}
			title := ""
			if item.Title != nil {
				title = *item.Title
			}
			titles = append(titles, title)
			// Not a workaround: the SDK iterator stops only when a page lacks page_token (or is empty).
			// If a server kept sending page_token, this stops the run instead of hanging it; the
			// page count printed then shows the problem.
			if hc.listGets-before > 20 {
				fmt.Fprintln(os.Stderr, "list: the SDK iterator fetched more than 20 pages; stopping")
				break
			}
		}
		step("list", map[string]any{"pages": hc.listGets - before, "titles": titles})
	}

	// patch
	{
		resp, err := ss.Patch(ctx, larkpersonal_settings.NewPatchSystemStatusReqBuilder().
			SystemStatusId(createdID).
			Body(larkpersonal_settings.NewPatchSystemStatusReqBodyBuilder().
				SystemStatus(larkpersonal_settings.NewSystemStatusBuilder().
					Title("差旅中").
					Color(larkpersonal_settings.SystemStatusColorRED).
					IconKey(larkpersonal_settings.SystemStatusIconKeyCoffee).
					Build()).
				UpdateFields([]string{"TITLE", "COLOR"}).
				Build()).
			Build())
		if err != nil {
			fail("patch: %v", err)
		}
		check("patch", resp, resp.CodeError, err)
		if resp.Data == nil {
			fail("patch: no data in %s", resp.RawBody)
		}
		step("patch", map[string]any{"system_status": resp.Data.SystemStatus})
	}

	// batch_open: the Go builder's EndTime takes a string (SystemStatusUserOpenParamBuilder.EndTime),
	// so the SDK sends end_time as a JSON string.
	{
		end := strconv.FormatInt(time.Now().Unix()+3600, 10)
		resp, err := ss.BatchOpen(ctx, larkpersonal_settings.NewBatchOpenSystemStatusReqBuilder().
			SystemStatusId(createdID).
			UserIdType(larkpersonal_settings.UserIdTypeBatchOpenSystemStatusOpenId).
			Body(larkpersonal_settings.NewBatchOpenSystemStatusReqBodyBuilder().
				UserList([]*larkpersonal_settings.SystemStatusUserOpenParam{
					larkpersonal_settings.NewSystemStatusUserOpenParamBuilder().UserId(userID).EndTime(end).Build(),
					larkpersonal_settings.NewSystemStatusUserOpenParamBuilder().UserId("ou_00000000000000000000000000000000").EndTime(end).Build(),
				}).
				Build()).
			Build())
		if err != nil {
			fail("batch_open: %v", err)
		}
		check("batch_open", resp, resp.CodeError, err)
		if resp.Data == nil {
			fail("batch_open: no data in %s", resp.RawBody)
		}
		step("batch_open", map[string]any{"end_time_type": "string", "sent_end_time": end, "result_list": resp.Data.ResultList})
	}

	// batch_close
	{
		resp, err := ss.BatchClose(ctx, larkpersonal_settings.NewBatchCloseSystemStatusReqBuilder().
			SystemStatusId(createdID).
			UserIdType(larkpersonal_settings.UserIdTypeOpenId).
			Body(larkpersonal_settings.NewBatchCloseSystemStatusReqBodyBuilder().UserList([]string{userID}).Build()).
			Build())
		if err != nil {
			fail("batch_close: %v", err)
		}
		check("batch_close", resp, resp.CodeError, err)
		if resp.Data == nil {
			fail("batch_close: no data in %s", resp.RawBody)
		}
		step("batch_close", map[string]any{"result_list": resp.Data.ResultList})
	}

	// error: a second status with the patched title. The SDK returns err == nil for a business error
	// (it parses the body whatever the HTTP status); the failure is read through resp.Success(),
	// resp.Code, resp.Msg and resp.CodeError.
	{
		resp, err := ss.Create(ctx, larkpersonal_settings.NewCreateSystemStatusReqBuilder().
			SystemStatus(larkpersonal_settings.NewSystemStatusBuilder().
				Title("差旅中").
				IconKey(larkpersonal_settings.SystemStatusIconKeyCoffee).
				Priority(4).
				Build()).
			Build())
		if err != nil {
			fail("error: the SDK returned a Go error instead of a response: %v", err)
		}
		if resp.Success() {
			fail("error: the duplicate create succeeded: %s", resp.RawBody)
		}
		fmt.Fprintf(os.Stderr, "error: HTTP %d, logId %s, CodeError %s\n", resp.StatusCode, resp.RequestId(), resp.CodeError.ErrorResp())
		step("error", map[string]any{"code": resp.Code, "msg": resp.Msg})
	}

	// delete
	{
		resp, err := ss.Delete(ctx, larkpersonal_settings.NewDeleteSystemStatusReqBuilder().SystemStatusId(createdID).Build())
		if err != nil {
			fail("delete: %v", err)
		}
		if !resp.Success() {
			fmt.Fprintf(os.Stderr, "delete: %s\n", resp.CodeError.ErrorResp())
		}
		step("delete", map[string]any{"code": resp.Code})
	}

	fmt.Fprintf(os.Stderr, "http requests sent by the SDK: %d\n", hc.allSent)
	fmt.Println("DONE")
}
