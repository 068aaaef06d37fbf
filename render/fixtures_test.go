package render

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/fixtures"
)

// fixturesDir is testdata/kratos/fixtures of the module; a missing directory
// fails the test (the fixtures are inputs, never optional).
func fixturesDir(t testing.TB) string {
	t.Helper()
	dir, err := fixtures.Dir()
	if err != nil {
		t.Fatalf("recorded Kratos exchanges: %v", err)
	}
	return dir
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// webhookCall is one recorded request that Kratos's web_hook sent.
type webhookCall struct {
	fixture       string
	index         int
	body          []byte // the JSON body as recorded (Kratos's rendered Jsonnet, re-encoded)
	contentLength string // the Content-Length header Kratos sent: the rendered byte size
}

// ctxWebhookCalls returns every recorded call whose body is a whole ctx, i.e. was
// rendered by a `function(ctx) ctx` template (their bodies carry ctx's request_url).
func ctxWebhookCalls(t testing.TB) []webhookCall {
	return recordedCalls(t, func(body gjson.Result) bool { return body.Get("request_url").Exists() })
}

// recordedCalls returns every recorded web hook call whose body is a JSON
// object that keep accepts, in fixture order.
func recordedCalls(t testing.TB, keep func(body gjson.Result) bool) []webhookCall {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(fixturesDir(t), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var calls []webhookCall
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		gjson.GetBytes(b, "webhook_calls").ForEach(func(i, call gjson.Result) bool {
			if body := call.Get("body"); body.IsObject() && keep(body) {
				calls = append(calls, webhookCall{
					fixture:       filepath.Base(p),
					index:         int(i.Int()),
					body:          []byte(body.Raw),
					contentLength: call.Get("headers.Content-Length").String(),
				})
			}
			return true
		})
	}
	return calls
}

func fixtureWebhookCall(t testing.TB, fixture string, index int) webhookCall {
	t.Helper()
	b := readFixture(t, fixture)
	call := gjson.GetBytes(b, "webhook_calls."+strconv.Itoa(index))
	if !call.Exists() {
		t.Fatalf("%s has no webhook_calls[%d]", fixture, index)
	}
	return webhookCall{
		fixture:       fixture,
		index:         index,
		body:          []byte(call.Get("body").Raw),
		contentLength: call.Get("headers.Content-Length").String(),
	}
}
