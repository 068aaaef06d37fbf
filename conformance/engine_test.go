package conformance

import (
	"encoding/json"
	"strings"
	"testing"
)

// Unit tests of the suite's own machinery: they need neither Kratos nor
// Caddy, and they make sure the comparison can fail.

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "anything", true},
		{"reg_*_api", "reg_after_parse_api", true},
		{"reg_*_api", "reg_after_parse_browser_json", false},
		{"ex[*](submit).status", "ex[2](submit).status", true},
		{"ex[*](submit).status", "ex[2](submit→ui).status", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXcYb", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"*.error.code", "ex[1](submit).body.error.code", true},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestDifferenceMatchesValues(t *testing.T) {
	d := Difference{Scenarios: "*", Path: "*.status", Kratos: "400", Gateway: "50*"}
	if !d.Matches("x", "ex[1](submit).status", "400", "502") {
		t.Error("want a match on 400 vs 502")
	}
	if d.Matches("x", "ex[1](submit).status", "400", "200") {
		t.Error("the gateway value 200 must not match 50*")
	}
	quoted := Difference{Scenarios: "*", Path: "*", Gateway: "<uuid:*>"}
	if !quoted.Matches("x", "p", absent, `"<uuid:3>"`) {
		t.Error("a string value must match without its quotes")
	}
}

func TestNormalizerPlaceholders(t *testing.T) {
	n := newNormalizer(map[string]string{"http://127.0.0.1:4433": "<public>", "http://127.0.0.1:4455": "<ui>"})
	in := map[string]any{
		"id":            "8a1c2f43-0d4e-4b8e-9a55-3f3a1e2b7c10",
		"request_url":   "http://127.0.0.1:4433/self-service/login/api",
		"other_port":    "http://127.0.0.1:44331/x",
		"issued_at":     "2026-11-27T09:23:48.121047078Z",
		"created_at":    "0001-01-01T00:00:00Z",
		"session_token": "ory_st_secret",
		"nil":           nilUUID,
		"ref":           "http://127.0.0.1:4455/login?flow=8a1c2f43-0d4e-4b8e-9a55-3f3a1e2b7c10",
		"link":          "http://127.0.0.1:4433/self-service/recovery?flow=8a1c2f43-0d4e-4b8e-9a55-3f3a1e2b7c10&token=Zk3pQ9xW2mN7vB4cL8dR1tY6hJ0sA5eF",
		"node":          map[string]any{"name": "csrf_token", "value": "random=="},
		"request_cookies": map[string]any{
			"csrf_token_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef": "v",
		},
		"ip_address": "127.0.0.1:54321",
		"headers":    map[string]any{"Authorization": "Basic aG9va3VzZXI6aG9va3Bhc3M="},
	}
	out := n.value("", in).(map[string]any)
	want := map[string]any{
		"id":              "<uuid:1>",
		"request_url":     "<public>/self-service/login/api",
		"other_port":      "http://127.0.0.1:44331/x",
		"issued_at":       "<time>",
		"created_at":      "0001-01-01T00:00:00Z",
		"session_token":   "<token>",
		"nil":             nilUUID,
		"ref":             "<ui>/login?flow=<uuid:1>",
		"link":            "<public>/self-service/recovery?flow=<uuid:1>&token=<random>",
		"node":            map[string]any{"name": "csrf_token", "value": "<csrf_token>"},
		"request_cookies": map[string]any{"csrf_token_<hash>": "<cookie>"},
		"ip_address":      "127.0.0.1",
	}
	for k, v := range want {
		if render(out[k]) != render(v) {
			t.Errorf("%s = %s, want %s", k, render(out[k]), render(v))
		}
	}
	auth := out["headers"].(map[string]any)["Authorization"].(string)
	if !strings.HasPrefix(auth, "sha256:") || strings.Contains(auth, "aG9v") {
		t.Errorf("Authorization = %q, want a hash that hides the credential", auth)
	}
}

func TestCompareUUIDsMustPairOneToOne(t *testing.T) {
	ex := func(ids ...string) *transcript {
		tr := &transcript{}
		for _, id := range ids {
			tr.exchanges = append(tr.exchanges, labelled{label: "x", value: map[string]any{"request": "GET /", "id": id}})
		}
		return tr
	}
	// Different numbers on both sides, same pattern: equal.
	if ds := compareTranscripts(ex("<uuid:1>", "<uuid:1>", "<uuid:2>"), ex("<uuid:4>", "<uuid:4>", "<uuid:7>")); len(ds) != 0 {
		t.Errorf("same id pattern: want no difference, got %v", ds)
	}
	// Kratos reuses the flow id where the gateway has a new one.
	ds := compareTranscripts(ex("<uuid:1>", "<uuid:1>"), ex("<uuid:1>", "<uuid:2>"))
	if len(ds) != 1 || ds[0].path != "ex[1](x).id" {
		t.Errorf("want one difference at ex[1](x).id, got %v", ds)
	}
}

func TestCompareAlignsAnExtraExchange(t *testing.T) {
	mk := func(labels ...string) *transcript {
		tr := &transcript{}
		for _, l := range labels {
			tr.exchanges = append(tr.exchanges, labelled{label: l, value: map[string]any{"request": "GET /" + l, "status": json.Number("200")}})
		}
		return tr
	}
	ds := compareTranscripts(mk("init", "submit", "submit→error", "whoami"), mk("init", "submit", "whoami"))
	if len(ds) != 1 || ds[0].path != "ex[2](submit→error)" || ds[0].gateway != absent {
		t.Fatalf("want only the missing submit→error, got:\n%s", summarize(ds))
	}
}

func TestCompareReportsValuesAndCalls(t *testing.T) {
	k := &transcript{
		exchanges: []labelled{{"submit", map[string]any{"request": "POST /", "status": json.Number("400"), "body": map[string]any{"a": []any{"x"}}}}},
		calls:     map[string][]any{"/h1": {map[string]any{"method": "POST"}}},
	}
	g := &transcript{
		exchanges: []labelled{{"submit", map[string]any{"request": "POST /", "status": json.Number("502"), "body": map[string]any{"a": []any{"x", "y"}}}}},
		calls:     map[string][]any{"/h1": {map[string]any{"method": "POST"}, map[string]any{"method": "POST"}}},
	}
	got := map[string]string{}
	for _, d := range compareTranscripts(k, g) {
		got[d.path] = d.kratos + " | " + d.gateway
	}
	want := map[string]string{
		"ex[0](submit).status":    "400 | 502",
		"ex[0](submit).body.a[1]": absent + ` | "y"`,
		"calls[/h1].count":        "1 | 2",
		"calls[/h1][1]":           absent + ` | {"method":"POST"}`,
	}
	if len(got) != len(want) {
		t.Errorf("got %d differences, want %d: %v", len(got), len(want), got)
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: got %q, want %q", p, got[p], w)
		}
	}
}

func TestDecodeBodyKeepsConcatenatedDocuments(t *testing.T) {
	v := decodeBody([]byte(`{"error":{"code":404}}{"id":"f"}`))
	docs, ok := v.(map[string]any)["concatenated_json"].([]any)
	if !ok || len(docs) != 2 {
		t.Fatalf("want two documents, got %s", render(v))
	}
	if s, ok := decodeBody([]byte("not json")).(string); !ok || s != "not json" {
		t.Errorf("non-JSON body: got %#v", s)
	}
}

func TestFormValuesFlattenAsAFormPosts(t *testing.T) {
	v := formValues(map[string]any{
		"method":            "password",
		"traits":            map[string]any{"email": "a@example.org", "name": map[string]any{"first": "Ada"}},
		"transient_payload": map[string]any{"k": "v"},
	})
	want := map[string]string{"method": "password", "traits.email": "a@example.org", "traits.name.first": "Ada", "transient_payload": `{"k":"v"}`}
	for k, w := range want {
		if v.Get(k) != w {
			t.Errorf("%s = %q, want %q", k, v.Get(k), w)
		}
	}
}

func TestKratosHookConfigKeepsTheSessionHookLast(t *testing.T) {
	sc := scenario{name: "x", flow: "registration", hooks: []hookDef{
		after("password", webhook("/h1", parse)),
		before(webhook("/h2")),
	}}
	var doc map[string]any
	if err := json.Unmarshal([]byte(kratosHookConfig(sc, "http://r", "http://dead")), &doc); err != nil {
		t.Fatal(err)
	}
	flows := doc["selfservice"].(map[string]any)["flows"].(map[string]any)["registration"].(map[string]any)
	list := flows["after"].(map[string]any)["password"].(map[string]any)["hooks"].([]any)
	if len(list) != 2 || list[1].(map[string]any)["hook"] != "session" {
		t.Errorf("registration.after.password.hooks = %s, want the web hook then session", render(list))
	}
	url := list[0].(map[string]any)["config"].(map[string]any)["url"]
	if url != "http://r/h1" {
		t.Errorf("url = %v, want the receiver's /h1", url)
	}
	if b := flows["before"].(map[string]any)["hooks"].([]any); len(b) != 1 {
		t.Errorf("before hooks = %s", render(b))
	}
}

func TestNormalizerPutsTheCSRFNodeLast(t *testing.T) {
	node := func(name, value string) any {
		return map[string]any{"attributes": map[string]any{"name": name, "value": value}}
	}
	ui := map[string]any{"ui": map[string]any{"nodes": []any{node("csrf_token", "+abc"), node("traits.x", ""), node("method", "password")}}}
	out := newNormalizer(nil).value("", ui).(map[string]any)["ui"].(map[string]any)["nodes"].([]any)
	var names []string
	for _, n := range out {
		names = append(names, n.(map[string]any)["attributes"].(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "traits.x,method,csrf_token" {
		t.Errorf("node order = %v, want the CSRF node moved last and the rest kept", names)
	}
}

func TestClassifySeparatesDocumentedDifferences(t *testing.T) {
	ds := []difference{
		{path: "ex[1](submit).body.error.code", kratos: "500", gateway: "502"},
		{path: "ex[1](submit).status", kratos: "400", gateway: "200"},
	}
	undocumented, documented := classify("reg_after_parse_500_retried_api", ds)
	if len(documented) != 1 || documented[0].entry.ID != "failure-true-status" {
		t.Errorf("documented = %v, want the true status of the error code only", documented)
	}
	if len(undocumented) != 1 || undocumented[0].path != "ex[1](submit).status" {
		t.Errorf("undocumented = %v, want the status difference", undocumented)
	}
}
