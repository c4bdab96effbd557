module larkstatus.local/examples/testing/go

go 1.22

require github.com/larksuite/oapi-sdk-go/v3 v3.5.3
