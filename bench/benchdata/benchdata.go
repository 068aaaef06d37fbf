// Package benchdata holds the inputs the Go micro-benchmarks share, so that
// every package measures the same ~6 KB registration ctx: a browser-JSON
// registration submit recorded from Kratos v1.3.1 (testdata/kratos/fixtures),
// sent by a realistic browser (Chrome's allow-listed headers, a CSRF cookie
// and the consent and analytics cookies a real site carries).
//
// It is benchmark support only: no production code imports it.
package benchdata

import (
	"bytes"
	"encoding/json"
	"fmt"
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
