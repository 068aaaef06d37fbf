package kratos

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/tidwall/gjson"
)

func TestWebhookFailedMatchesKratos(t *testing.T) {
	tests := []struct {
		fixture string
		err     Error
	}{
		{"wh_before_400_registration_api_init", WebhookFailed(502, "webhook failed with status code 400")},
		{"wh_sync_noparse_400_registration_api_502", WebhookFailed(502, "webhook failed with status code 400")},
		{"wh_parse_400_without_messages_registration_browser_json", WebhookFailed(500, "error while parsing webhook response: got no validation errors")},
		{"error_404_fetch_flow_malformed_id", Error{Code: 404, Status: "Not Found", Message: "Unable to locate the resource"}},
	}
	for _, tt := range tests {
		f := loadFixture(t, tt.fixture)
		assertSameJSON(t, tt.fixture, ErrorEnvelope(tt.err), f.Response.Body)
	}
}

func TestWebhookFailedTimeout(t *testing.T) {
	got := string(ErrorEnvelope(WebhookFailed(504, "POST http://hook/x giving up after 3 attempt(s)")))
	want := `{"error":{"code":504,"status":"Gateway Timeout","reason":"A third-party upstream service could not be reached. Please try again later.","message":"POST http://hook/x giving up after 3 attempt(s)"}}`
	if got != want {
		t.Fatalf("504 envelope =\n%s\nwant\n%s", got, want)
	}
}

func TestErrorEnvelopeKeyOrderAndOmission(t *testing.T) {
	f := loadFixture(t, "error_403_csrf_browser_json_submit")
	e := Error{
		ID: "security_csrf_violation", Code: 403, Status: "Forbidden",
		Reason:  gjson.GetBytes(f.Response.Body, "error.reason").String(),
		Message: gjson.GetBytes(f.Response.Body, "error.message").String(),
		Details: json.RawMessage(gjson.GetBytes(f.Response.Body, "error.details").Raw),
	}
	got := ErrorEnvelope(e)
	assertSameJSON(t, "csrf envelope", got, f.Response.Body)
	var keys []string
	gjson.GetBytes(got, "error").ForEach(func(k, _ gjson.Result) bool { keys = append(keys, k.String()); return true })
	if want := []string{"id", "code", "status", "reason", "details", "message"}; !equalStrings(keys, want) {
		t.Errorf("key order %v, want %v", keys, want)
	}
	if got := string(ErrorEnvelope(Error{})); got != `{"error":{"message":""}}` {
		t.Errorf("empty error = %s", got)
	}
}

func TestBeforeHookInterrupt(t *testing.T) {
	e := BeforeHookInterrupt([]hooks.Message{
		{InstancePtr: "#/", Messages: []hooks.Detail{{ID: 4000100, Text: "Login is closed", Type: "error", Context: json.RawMessage(`{"until":"tomorrow"}`)}}},
		{InstancePtr: "#/traits/email", Messages: []hooks.Detail{{ID: 7, Text: "other", Type: "validation"}}},
	})
	if e.Code != 403 || e.Status != "Forbidden" || e.ID != HookInterruptedID {
		t.Fatalf("BeforeHookInterrupt = %+v", e)
	}
	want := `{"error":{"id":"self_service_flow_hook_interrupted","code":403,"status":"Forbidden","reason":"A web hook interrupted the flow.",` +
		`"details":{"messages":[{"id":4000100,"text":"Login is closed","type":"error","context":{"until":"tomorrow"}},{"id":7,"text":"other","type":"info"}]},` +
		`"message":"the flow was interrupted by a web hook"}}`
	if got := string(ErrorEnvelope(e)); got != want {
		t.Fatalf("envelope =\n%s\nwant\n%s", got, want)
	}
	if got := gjson.GetBytes(ErrorEnvelope(BeforeHookInterrupt(nil)), "error.details.messages").Raw; got != "[]" {
		t.Errorf("no messages: %s", got)
	}
}

func TestSelfServiceErrorDocumentMatchesKratos(t *testing.T) {
	f := loadFixture(t, "wh_before_400_registration_browser_init_html_then_fetch_error")
	body := f.Response.Body
	at, err := time.Parse(time.RFC3339Nano, gjson.GetBytes(body, "created_at").String())
	if err != nil {
		t.Fatal(err)
	}
	got := SelfServiceErrorDocument(gjson.GetBytes(body, "id").String(), WebhookFailed(502, "webhook failed with status code 400"), at)
	assertSameJSON(t, "error document", got, body)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
