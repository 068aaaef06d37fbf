// Package benchdata holds the inputs the Go micro-benchmarks share, so that
// every package measures the same ~6 KB registration ctx: a browser-JSON
// registration submit recorded from Kratos v1.3.1 (shared/kratos/fixtures),
// sent by a realistic browser (Chrome's allow-listed headers, a CSRF cookie
// and the consent and analytics cookies a real site carries).
//
// It is benchmark support only: no production code imports it.
package benchdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// sourceFixture is the recorded exchange the registration inputs come from:
// a browser-JSON registration submit with a whole-ctx web hook.
const sourceFixture = "wh_async_ignore_registration_after_browser_json.json"

// interruptFixture holds a parse hook's 400 answer with one message.
const interruptFixture = "wh_parse_400_registration_browser_json.json"

// Registration is one browser-JSON registration submit and what the
// gateway works with while running a registration after hook on it.
type Registration struct {
	// Flow is the stored flow as Kratos answers a fetch, without
	// transient_payload (the submit brings that).
	Flow []byte
	// TransientPayload is the submit's transient_payload object.
	TransientPayload []byte
	// Identity is the identity the hook sees (ctx.identity).
	Identity []byte
	// SubmitBody is the client's JSON submit, csrf_token included.
	SubmitBody []byte
	// KratosAnswer is Kratos's 200 answer to the submit.
	KratosAnswer []byte
	// Schema is the identity schema the flow was built from.
	Schema []byte
	// Messages is a parse hook's interrupt: one message on traits.email.
	Messages []hooks.Message
	// PatchAnswer is a parse hook's 200 answer that patches the identity.
	PatchAnswer []byte
	// RequestURL is the URL the browser submitted to.
	RequestURL string
	// CSRFCookie is the browser's CSRF cookie ("name=value").
	CSRFCookie string
}

// browserHeaders are what Chrome 131 on macOS sends with a fetch() submit
// from the registration page; all of them are on Kratos's allow-list except
// Cookie and Cache-Control.
var browserHeaders = [][2]string{
	{"Accept", "application/json"},
	{"Accept-Encoding", "gzip, deflate, br, zstd"},
	{"Accept-Language", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7"},
	{"Cache-Control", "no-cache"},
	{"Content-Type", "application/json"},
	{"Origin", "https://accounts.example.com"},
	{"Priority", "u=1, i"},
	{"Referer", "https://accounts.example.com/ui/registration?flow=a3884c78-d5a1-476b-910e-920fe3b0b310&return_to=https%3A%2F%2Fshop.example.com%2Fcheckout%3Fcart%3D8f2c1d"},
	{"Sec-Ch-Ua", `"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"`},
	{"Sec-Ch-Ua-Mobile", "?0"},
	{"Sec-Ch-Ua-Platform", `"macOS"`},
	{"Sec-Fetch-Dest", "empty"},
	{"Sec-Fetch-Mode", "cors"},
	{"Sec-Fetch-Site", "same-origin"},
	{"User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},
}

// siteCookies are the non-Kratos cookies a production site typically
// carries: consent, analytics, support chat and A/B testing.
var siteCookies = []string{
	"cookie_consent=%7B%22necessary%22%3Atrue%2C%22analytics%22%3Atrue%2C%22marketing%22%3Afalse%2C%22version%22%3A3%2C%22ts%22%3A1732700000%7D",
	"_ga=GA1.1.1493829517.1732700001",
	"_ga_7XK2M9Q4ZP=GS1.1.1732700001.3.1.1732700120.0.0.0",
	"_gcl_au=1.1.2047185214.1732700001",
	"ajs_anonymous_id=5b9d1f0e-3c7a-4f7e-9a4b-2d8c6e1f0a37",
	"intercom-id-qx1mz2b9=0f8e7d6c-5b4a-4938-8271-6a5b4c3d2e1f",
	"intercom-device-id-qx1mz2b9=9a8b7c6d-5e4f-4031-9f2e-1d0c9b8a7f6e",
	"intercom-session-qx1mz2b9=bWZ0cVJZSXJ4Q2t6d0N4UnlPQW5tV2ZhS2R0bmZ0Y1hCTWl3eE1yNk1iUjJ1d1N5dWZzR1lhV3J4TWg5MmRHTi0tT3Bvd3JmR0d2Zz09--3c2f0b1d9e8a7f6e5d4c3b2a19087f6e5d4c3b2a",
	"optimizelyEndUserId=oeu1732700001234r0.4829173650192837",
	"ab_checkout=variant_b",
	"locale=de-DE",
	"theme=dark",
}

// LoadRegistration reads the recorded registration from the fixtures.
func LoadRegistration() (*Registration, error) {
	src, err := Fixture(sourceFixture)
	if err != nil {
		return nil, err
	}
	ctx := gjson.GetBytes(src, "webhook_calls.0.body")
	if !ctx.IsObject() {
		return nil, fmt.Errorf("benchdata: %s: no recorded ctx", sourceFixture)
	}
	flow, err := sjson.DeleteBytes(compact(ctx.Get("flow").Raw), "transient_payload")
	if err != nil {
		return nil, err
	}
	if flow, err = addTraitNodes(flow); err != nil {
		return nil, err
	}
	schema, err := readRepoFile("bench", "benchdata", "identity.schema.json")
	if err != nil {
		return nil, err
	}
	identity, err := sjson.SetRawBytes(compact(ctx.Get("identity").Raw), "traits", extraTraits(ctx.Get("identity.traits.email").String()))
	if err != nil {
		return nil, err
	}
	inter, err := Fixture(interruptFixture)
	if err != nil {
		return nil, err
	}
	var msgs struct {
		Messages []hooks.Message `json:"messages"`
	}
	if err := json.Unmarshal([]byte(gjson.GetBytes(inter, "webhook_calls.0.receiver_answered.body").Raw), &msgs); err != nil || len(msgs.Messages) == 0 {
		return nil, fmt.Errorf("benchdata: %s: no recorded messages (%v)", interruptFixture, err)
	}
	reg := &Registration{
		Flow:             flow,
		TransientPayload: []byte(`{"invite_code":"BENCH-2026","utm":{"source":"newsletter","medium":"email","campaign":"autumn-sale"},"consent":{"terms":true,"newsletter":false}}`),
		Identity:         identity,
		KratosAnswer:     compact(gjson.GetBytes(src, "response.body").Raw),
		Schema:           schema,
		Messages:         msgs.Messages,
		PatchAnswer:      []byte(`{"identity":{"metadata_public":{"tier":"vip","crm_id":"cus_8f2c1d"},"traits":{"email":"` + gjson.Get(ctx.Raw, "identity.traits.email").String() + `","name":{"first":"Ada","last":"Lovelace"}}}}`),
		RequestURL:       gjson.GetBytes(src, "request.url").String(),
	}
	reg.CSRFCookie = csrfCookie(gjson.GetBytes(src, "request.headers.Cookie").String())
	body, err := sjson.SetRawBytes(compact(gjson.GetBytes(src, "request.body").Raw), "transient_payload", reg.TransientPayload)
	if err != nil {
		return nil, err
	}
	if body, err = sjson.SetRawBytes(body, "traits", extraTraits(gjson.GetBytes(body, "traits.email").String())); err != nil {
		return nil, err
	}
	reg.SubmitBody = body
	if reg.CSRFCookie == "" || len(reg.Identity) == 0 || len(reg.KratosAnswer) == 0 {
		return nil, fmt.Errorf("benchdata: %s: incomplete recording", sourceFixture)
	}
	return reg, nil
}

// Request returns a fresh submit request as the browser sent it. Every call
// builds a new one, because the gateway may replace a request's body.
func (r *Registration) Request() *http.Request {
	req, err := http.NewRequest(http.MethodPost, r.RequestURL, bytes.NewReader(r.SubmitBody))
	if err != nil {
		panic(err) // RequestURL came from a recorded, valid request
	}
	for _, h := range browserHeaders {
		req.Header.Set(h[0], h[1])
	}
	req.Header.Set("Cookie", strings.Join(append([]string{r.CSRFCookie}, siteCookies...), "; "))
	req.ContentLength = int64(len(r.SubmitBody))
	req.Header.Set("Content-Length", fmt.Sprint(len(r.SubmitBody)))
	req.RemoteAddr = "203.0.113.7:52114"
	return req
}

// Ctx builds the ctx Kratos would hand the hook's template, with the
// gateway's own assembly (kratos.BuildCtx).
func (r *Registration) Ctx() []byte {
	return kratos.BuildCtx(nil, kratos.CtxInput{
		Flow:             r.Flow,
		TransientPayload: r.TransientPayload,
		Request:          r.Request(),
		Identity:         r.Identity,
	})
}

// SeedTemplate returns the source of one of the example (seed) templates in
// examples/hooks, e.g. "invite_code".
func SeedTemplate(name string) (string, error) {
	b, err := readRepoFile("examples", "hooks", name+".jsonnet")
	return string(b), err
}

// SeedTemplates names the example templates that read a registration ctx
// without imports.
var SeedTemplates = []string{"invite_code", "segment_identify", "user_id"}

// Fixture reads one recorded exchange from shared/kratos/fixtures.
func Fixture(name string) ([]byte, error) {
	dir, err := findUp(filepath.Join("shared", "kratos", "fixtures"))
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, name))
}

// RepoRoot is the directory of the module's go.mod, found by walking up
// from the working directory (a package directory under go test).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/caddy-ory-actions/caddy-ory-actions\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("benchdata: the module's go.mod was not found above the working directory")
		}
		dir = parent
	}
}

func readRepoFile(parts ...string) ([]byte, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(append([]string{root}, parts...)...))
}

// findUp returns the first directory named rel above the working directory.
func findUp(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, rel)
		if fi, err := os.Stat(candidate); err == nil && fi.IsDir() {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("benchdata: %s not found above the working directory", rel)
		}
		dir = parent
	}
}

// csrfCookie picks Kratos's csrf_token_<hash> cookie out of a Cookie header.
func csrfCookie(header string) string {
	for _, part := range strings.Split(header, ";") {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "csrf_token_") {
			return part
		}
	}
	return ""
}

func compact(raw string) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(raw)); err != nil {
		return []byte(raw)
	}
	return buf.Bytes()
}

// extraNodes are the inputs of the traits bench/benchdata/identity.schema.json
// adds to the recorded schema (phone, company, job title, language,
// newsletter), shaped as Kratos renders trait nodes. A real sign-up form
// asks for more than an e-mail, and they bring the ctx to ~6 KB.
var extraNodes = []struct{ name, title, typ string }{
	{"traits.phone", "Phone", "text"},
	{"traits.company", "Company", "text"},
	{"traits.job_title", "Job title", "text"},
	{"traits.locale", "Language", "text"},
	{"traits.newsletter", "Send me the newsletter", "checkbox"},
}

// addTraitNodes inserts extraNodes after the last trait node of the flow.
func addTraitNodes(flow []byte) ([]byte, error) {
	nodes := gjson.GetBytes(flow, "ui.nodes").Array()
	last := -1
	for i, n := range nodes {
		if strings.HasPrefix(n.Get("attributes.name").String(), "traits.") {
			last = i
		}
	}
	if last < 0 {
		return nil, errors.New("benchdata: the recorded flow has no trait nodes")
	}
	var out []string
	for i, n := range nodes {
		out = append(out, n.Raw)
		if i != last {
			continue
		}
		for _, e := range extraNodes {
			out = append(out, fmt.Sprintf(`{"type":"input","group":"default","attributes":{"name":%q,"type":%q,"disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070002,"text":%q,"type":"info","context":{"title":%q}}}}`, e.name, e.typ, e.title, e.title))
		}
	}
	return sjson.SetRawBytes(flow, "ui.nodes", []byte("["+strings.Join(out, ",")+"]"))
}

// extraTraits are the submitted traits for the bench schema.
func extraTraits(email string) []byte {
	b, _ := json.Marshal(map[string]any{
		"email":      email,
		"name":       map[string]string{"first": "Ada", "last": "Lovelace"},
		"phone":      "+49 30 1234567",
		"company":    "Analytical Engines GmbH",
		"job_title":  "Head of Computation",
		"locale":     "de-DE",
		"newsletter": false,
	})
	return b
}
