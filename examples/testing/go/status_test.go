// Testing a Go app against larkstatus with `go test`: TestMain starts the built server
// (node <repo>/dist/main.js) on a free port, reads its URL from the port file, and stops it after
// the tests; every test resets the emulator first, talks to it with the official Go SDK
// (github.com/larksuite/oapi-sdk-go/v3) and checks what the user's profile shows through the
// admin API (GET /admin/v1/tenants/{tenant}/users/{user}/status).
//
//	npm run build            # once, in the repository root
//	cd examples/testing/go && go test ./...
package larkstatus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	lark "github.com/larksuite/oapi-sdk-go/v3"
	larkpersonal_settings "github.com/larksuite/oapi-sdk-go/v3/service/personal_settings/v1"
)

// The demo seed (examples/seed.yaml): tenant Acme, its app, user u001, the status 出差.
const (
	tenantKey  = "a1b2c3d4e5f60718"
	appID      = "cli_a1b2c3d4e5f60718"
	appSecret  = "dev-secret-please-change"
	tripStatus = "7101214603622940001"
	adminToken = "go-example-admin-token"
)

var baseURL string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "larkstatus-go-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	portFile := filepath.Join(dir, "url")
	// go test runs in the package's folder: the repository root is three levels up.
	root, _ := filepath.Abs(filepath.Join("..", "..", ".."))
	server := exec.Command("node", filepath.Join(root, "dist", "main.js"),
		"--db", "sqlite::memory:", "--port", "0", "--port-file", portFile,
		"--admin-token", adminToken, "--log-level", "warn", "--shutdown-grace", "0")
	server.Stdout, server.Stderr = os.Stderr, os.Stderr
	if err := server.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "cannot start larkstatus (is node on PATH?):", err)
		return 1
	}
	defer func() {
		_ = server.Process.Signal(syscall.SIGTERM)
		_ = server.Wait()
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(portFile); err == nil {
			baseURL = strings.TrimSpace(string(b))
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "larkstatus did not write its port file in 20 s")
			return 1
		}
	}
	return m.Run()
}

// adminCall calls the admin API and decodes its JSON answer into out (when not nil).
func adminCall(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, baseURL+"/admin/v1"+path, rd)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		var problem struct{ Detail string }
		_ = json.NewDecoder(res.Body).Decode(&problem)
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, problem.Detail)
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// userStatus is the part of the admin API's status view these tests read.
type userStatus struct {
	NowMs int64 `json:"now_ms"`
	Shown *struct {
		SystemStatusID string `json:"system_status_id"`
		EndTime        string `json:"end_time"`
	} `json:"shown"`
}

// memCache is a token cache of one test. The SDK's default cache is process-wide, and a reset
// voids every token it holds, so each test's client gets a fresh one.
type memCache struct{ m sync.Map }

func (c *memCache) Set(_ context.Context, k, v string, _ time.Duration) error {
	c.m.Store(k, v)
	return nil
}

func (c *memCache) Get(_ context.Context, k string) (string, error) {
	v, _ := c.m.Load(k)
	s, _ := v.(string)
	return s, nil
}

// setup resets the emulator (everything back to the seed) and answers an SDK client for the demo app.
func setup(t *testing.T) *lark.Client {
	adminCall(t, "POST", "/emulator/reset", nil, nil)
	return lark.NewClient(appID, appSecret, lark.WithOpenBaseUrl(baseURL), lark.WithTokenCache(&memCache{}))
}

func openTrip(t *testing.T, client *lark.Client, userID string, endTime int64) {
	t.Helper()
	resp, err := client.PersonalSettings.V1.SystemStatus.BatchOpen(context.Background(),
		larkpersonal_settings.NewBatchOpenSystemStatusReqBuilder().
			SystemStatusId(tripStatus).
			UserIdType(larkpersonal_settings.UserIdTypeBatchOpenSystemStatusUserId).
			Body(larkpersonal_settings.NewBatchOpenSystemStatusReqBodyBuilder().
				UserList([]*larkpersonal_settings.SystemStatusUserOpenParam{
					larkpersonal_settings.NewSystemStatusUserOpenParamBuilder().UserId(userID).EndTime(fmt.Sprint(endTime)).Build(),
				}).Build()).
			Build())
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Success() {
		t.Fatalf("batch_open: %d %s", resp.Code, resp.Msg)
	}
	if got := *resp.Data.ResultList[0].Result; got != "success_show" {
		t.Fatalf("batch_open result: %s", got)
	}
}

func TestOpenedStatusShowsUntilItsEndTime(t *testing.T) {
	client := setup(t)
	var before userStatus
	adminCall(t, "GET", "/tenants/"+tenantKey+"/users/u001/status", nil, &before)
	if before.Shown != nil {
		t.Fatalf("after a reset u001 shows nothing, got %+v", before.Shown)
	}
	end := before.NowMs/1000 + 3600
	openTrip(t, client, "u001", end)

	var during userStatus
	adminCall(t, "GET", "/tenants/"+tenantKey+"/users/u001/status", nil, &during)
	if during.Shown == nil || during.Shown.SystemStatusID != tripStatus || during.Shown.EndTime != fmt.Sprint(end) {
		t.Fatalf("u001 shows the trip until %d, got %+v", end, during.Shown)
	}

	// Two hours later (the emulator's clock), the end time has passed: the profile shows nothing.
	adminCall(t, "POST", "/emulator/clock", map[string]any{"advance": "2h"}, nil)
	var after userStatus
	adminCall(t, "GET", "/tenants/"+tenantKey+"/users/u001/status", nil, &after)
	if after.Shown != nil {
		t.Fatalf("past its end time the trip is gone, got %+v", after.Shown)
	}
}

func TestResetPutsTheSeedBack(t *testing.T) {
	client := setup(t)
	var view userStatus
	adminCall(t, "GET", "/tenants/"+tenantKey+"/users/u004/status", nil, &view)
	openTrip(t, client, "u004", view.NowMs/1000+3600)
	setup(t)
	adminCall(t, "GET", "/tenants/"+tenantKey+"/users/u004/status", nil, &view)
	if view.Shown != nil {
		t.Fatalf("after a reset u004 shows nothing, got %+v", view.Shown)
	}
}
