package hooks

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestInterpretFixtures replays the captured receivers' answers and expects
// the outcome Kratos produced; Err must equal Kratos's error message (with
// the test receiver's URL in place of the captured one).
func TestInterpretFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		parse   bool
		kind    Kind
		failure FailKind
		// attempts defaults to 1.
		attempts int
	}{
		{"wh_parse_200_identity_patch_registration_api", true, Patch, FailNone, 0},
		{"wh_parse_200_identity_patch_addresses_registration_api", true, Patch, FailNone, 0},
		{"wh_parse_200_identity_patch_state_inactive_registration_api", true, Patch, FailNone, 0},
		{"wh_parse_200_empty_object_registration_api", true, Continue, FailNone, 0},
		{"wh_parse_200_non_json_registration_api", true, Fail, FailUnusable, 0},
		{"wh_parse_201_identity_registration_api", true, Continue, FailNone, 0},
		{"wh_parse_204_registration_api", true, Continue, FailNone, 0},
		{"wh_parse_400_registration_api", true, Interrupt, FailNone, 0},
		{"wh_parse_400_registration_api_multi_pointer_mapping", true, Interrupt, FailNone, 0},
		{"wh_parse_400_settings_password_browser_json", true, Interrupt, FailNone, 0},
		{"wh_parse_403_with_messages_registration_api", true, Interrupt, FailNone, 0},
		{"wh_parse_422_with_messages_registration_api", true, Interrupt, FailNone, 0},
		{"wh_parse_400_without_messages_registration_api", true, Fail, FailUnusable, 0},
		{"wh_parse_400_empty_messages_registration_api", true, Fail, FailUnusable, 0},
		{"wh_parse_400_non_json_registration_api", true, Fail, FailUnusable, 0},
		{"wh_parse_500_with_messages_registration_api", true, Fail, FailUnusable, 3},
		{"wh_sync_noparse_400_verification_after_api", false, Fail, FailStatus, 0},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			f := loadFixture(t, tc.fixture)
			call := f.Calls[0]
			rc := newReceiver(t, replay(call.Answered.Status, call.Answered.Body))
			cfg := Config{URL: rc.srv.URL + call.Path, Method: call.Method, Response: Response{Parse: tc.parse}}
			out := newHook(t, cfg, fastPolicy()).Call(context.Background(), []byte("{}"), Trigger{})

			attempts := max(tc.attempts, 1)
			if out.Kind != tc.kind || out.Failure != tc.failure || out.Attempts != attempts || out.Status != call.Answered.Status {
				t.Fatalf("outcome %+v", out)
			}
			switch tc.kind {
			case Fail:
				want := strings.ReplaceAll(f.Response.Body.Error.Message, capturedOrigin(call.Headers), rc.srv.URL)
				if out.Err == nil || out.Err.Error() != want || want == "" {
					t.Fatalf("err %v, Kratos said %q", out.Err, want)
				}
			case Patch:
				var answer struct{ Identity json.RawMessage }
				if err := json.Unmarshal(call.Answered.Body, &answer); err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(t, out.Identity, answer.Identity) {
					t.Fatalf("identity %s, receiver sent %s", out.Identity, answer.Identity)
				}
			case Interrupt:
				var answer struct{ Messages json.RawMessage }
				if err := json.Unmarshal(call.Answered.Body, &answer); err != nil {
					t.Fatal(err)
				}
				got, _ := json.Marshal(out.Messages)
				if !jsonEqual(t, got, answer.Messages) {
					t.Fatalf("messages %s, receiver sent %s", got, answer.Messages)
				}
			}
			if tc.kind != Fail && out.Err != nil {
				t.Fatalf("unexpected err %v", out.Err)
			}
		})
	}
}

// capturedOrigin is the receiver origin Kratos called in the capture.
func capturedOrigin(headers map[string]string) string { return "http://" + headers["Host"] }

// raw answers with a fixed status and body text.
func raw(code int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func TestInterpretParseEdgeCases(t *testing.T) {
	cases := []struct {
		name    string
		code    int
		body    string
		kind    Kind
		err     string
		message []Message
	}{
		{"null identity", 200, `{"identity":null}`, Continue, "", nil},
		{"other keys only", 200, `{"foo":1}`, Continue, "", nil},
		{"trailing bytes ignored", 200, `{"identity":{"traits":{}}} trailing`, Patch, "", nil},
		{"empty body", 200, ``, Fail, "webhook response could not be unmarshalled properly from JSON: EOF", nil},
		{"identity not an object", 200, `{"identity":5}`, Fail, "webhook response could not be unmarshalled properly from JSON: identity is not an object", nil},
		{"top-level array", 200, `[]`, Fail, "webhook response could not be unmarshalled properly from JSON: json: cannot unmarshal array into Go value of type struct { Identity json.RawMessage \"json:\\\"identity\\\"\" }", nil},
		{"202 ignored", 202, `{"identity":{"traits":{}}}`, Continue, "", nil},
		{"304 ignored", 304, ``, Continue, "", nil},
		{"null messages", 400, `{"messages":null}`, Fail, "error while parsing webhook response: got no validation errors", nil},
		{"empty body on 400", 400, ``, Fail, "webhook response could not be unmarshalled properly from JSON: EOF", nil},
		{"entry without inner messages or pointer", 400, `{"messages":[{}]}`, Interrupt, "", []Message{{}}},
		{"null entry", 409, `{"messages":[null]}`, Interrupt, "", []Message{{}}},
		{"pointer without messages", 400, `{"messages":[{"instance_ptr":"#/traits/email"}]}`, Interrupt, "", []Message{{InstancePtr: "#/traits/email"}}},
		{"string id", 400, `{"messages":[{"messages":[{"id":"x"}]}]}`, Fail,
			"webhook response could not be unmarshalled properly from JSON: json: cannot unmarshal string into Go struct field Detail.messages.messages.id of type int64", nil},
		{"501 is parsed, not retried", 501, `{"messages":[{"instance_ptr":"#/","messages":[{"id":1,"text":"t","type":"info"}]}]}`, Interrupt, "",
			[]Message{{InstancePtr: "#/", Messages: []Detail{{ID: 1, Text: "t", Type: "info"}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, raw(tc.code, tc.body))
			out := newHook(t, Config{URL: rc.srv.URL, Method: "POST", CanInterrupt: true}, fastPolicy()).Call(context.Background(), []byte("{}"), Trigger{})
			if out.Kind != tc.kind || out.Status != tc.code || out.Attempts != 1 {
				t.Fatalf("outcome %+v", out)
			}
			if tc.kind == Fail && (out.Failure != FailUnusable || out.Err == nil || out.Err.Error() != tc.err) {
				t.Fatalf("failure %v err %v, want %q", out.Failure, out.Err, tc.err)
			}
			if tc.kind == Interrupt {
				got, _ := json.Marshal(out.Messages)
				want, _ := json.Marshal(tc.message)
				if string(got) != string(want) {
					t.Fatalf("messages %s, want %s", got, want)
				}
			}
		})
	}
}

func TestInterpretWithoutParseNeverReadsTheAnswer(t *testing.T) {
	for _, tc := range []struct {
		code int
		kind Kind
	}{{200, Continue}, {201, Continue}, {204, Continue}, {304, Continue}, {400, Fail}, {422, Fail}} {
		rc := newReceiver(t, raw(tc.code, `not json {"messages":[{}]}`))
		out := newHook(t, Config{URL: rc.srv.URL, Method: "POST"}, fastPolicy()).Call(context.Background(), []byte("{}"), Trigger{})
		if out.Kind != tc.kind || out.Status != tc.code || len(out.Messages) != 0 {
			t.Errorf("%d: outcome %+v", tc.code, out)
		}
	}
}

func TestMaxAnswerCapsTheRead(t *testing.T) {
	answer := `{"identity":{"traits":{"pad":"` + strings.Repeat("x", 200) + `"}}}`
	rc := newReceiver(t, raw(200, answer))
	pol := fastPolicy()

	pol.MaxAnswer = int64(len(answer))
	h := newHook(t, Config{URL: rc.srv.URL, Method: "POST", Response: Response{Parse: true}}, pol)
	if out := h.Call(context.Background(), []byte("{}"), Trigger{}); out.Kind != Patch {
		t.Fatalf("at the cap: outcome %+v", out)
	}

	pol.MaxAnswer = int64(len(answer)) - 1
	h = newHook(t, Config{URL: rc.srv.URL, Method: "POST", Response: Response{Parse: true}}, pol)
	out := h.Call(context.Background(), []byte("{}"), Trigger{})
	want := "webhook response could not be unmarshalled properly from JSON: unexpected EOF"
	if out.Kind != Fail || out.Failure != FailUnusable || out.Err.Error() != want {
		t.Fatalf("over the cap: outcome %+v", out)
	}
}

// TestErrorsNeverCarrySecrets checks every failure path with a URL carrying
// userinfo and a token, basic auth, and an api key.
func TestErrorsNeverCarrySecrets(t *testing.T) {
	const secret = "s3cr3t"
	auths := []*Auth{
		{Type: "basic_auth", Config: AuthConfig{User: "u", Password: secret}},
		{Type: "api_key", Config: AuthConfig{Name: "X-Key", Value: secret, In: "header"}},
		{Type: "api_key", Config: AuthConfig{Name: "k", Value: secret, In: "cookie"}},
	}
	receivers := map[string]func(int, http.ResponseWriter, *http.Request){
		"500": status(500), "400": status(400), "timeout": hang,
	}
	pol := fastPolicy()
	pol.Timeout = 50 * time.Millisecond
	check := func(name string, out Outcome, observed []Attempt) {
		if out.Kind != Fail || out.Err == nil {
			t.Fatalf("%s: outcome %+v", name, out)
		}
		if strings.Contains(out.Err.Error(), secret) || strings.Contains(out.Err.Error(), "token=") {
			t.Errorf("%s: secret in %q", name, out.Err)
		}
		for _, a := range observed {
			if a.Err != nil && strings.Contains(a.Err.Error(), secret) {
				t.Errorf("%s: secret in attempt error %q", name, a.Err)
			}
		}
	}
	for _, auth := range auths {
		for name, script := range receivers {
			rc := newReceiver(t, script)
			u := strings.Replace(rc.srv.URL, "http://", "http://user:"+secret+"@", 1) + "/h?token=" + secret
			var observed []Attempt
			out := newHook(t, Config{URL: u, Method: "POST", Auth: auth}, pol).Call(context.Background(), []byte("{}"),
				Trigger{Observe: func(a Attempt) { observed = append(observed, a) }})
			check(auth.Type+"/"+name, out, observed)
		}
		u := strings.Replace(closedURL(t), "http://", "http://user:"+secret+"@", 1) + "/h?token=" + secret
		var observed []Attempt
		out := newHook(t, Config{URL: u, Method: "POST", Auth: auth}, pol).Call(context.Background(), []byte("{}"),
			Trigger{Observe: func(a Attempt) { observed = append(observed, a) }})
		check(auth.Type+"/refused", out, observed)
	}
}
