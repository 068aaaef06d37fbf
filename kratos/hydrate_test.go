package kratos

import (
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Kratos hydrates a settings flow with the submitted traits before the
// profile hooks run; starting from a flow that still shows the stored
// traits, an old message and an old CSRF token, HydrateProfileTraits must
// give exactly the ctx.flow Kratos sent.
func TestHydrateProfileTraitsMatchesKratosCtx(t *testing.T) {
	for _, name := range []string{"wh_parse_400_settings_profile_api", "wh_parse_400_settings_profile_browser_form", "wh_parse_200_identity_patch_settings_profile_api"} {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			ctx := []byte(f.WebhookCalls[0].Body)
			want, err := sjson.DeleteBytes([]byte(gjson.GetBytes(ctx, "flow").Raw), "transient_payload")
			if err != nil {
				t.Fatal(err)
			}
			opt := MapOptions{Refill: TraitValues([]byte(gjson.GetBytes(want, "identity.traits").Raw))}
			if gjson.GetBytes(want, "type").String() == "browser" {
				opt.CSRFToken = "b2xk" // the token of an earlier answer; API flows keep ""
			}
			stale, err := ApplyMessages(want, []hooks.Message{{InstancePtr: "#/traits/email", Messages: []hooks.Detail{{ID: 1, Text: "old", Type: "error"}}}}, opt)
			if err != nil {
				t.Fatal(err)
			}
			sub, err := ParseSubmitWithSchema(f.Request.Headers["Content-Type"], f.requestBody(), mustTestSchema(t))
			if err != nil {
				t.Fatal(err)
			}
			if string(stale) == string(want) {
				t.Fatal("the stale flow equals the expected one; the test would prove nothing")
			}
			got, err := HydrateProfileTraits(stale, sub.Traits, csrfValue(want))
			if err != nil {
				t.Fatal(err)
			}
			assertSameJSON(t, "hydrated flow", got, want)
		})
	}
}

func TestHydrateProfileTraitsAddsNodes(t *testing.T) {
	flow := []byte(`{"ui":{"nodes":[{"type":"input","group":"default","attributes":{"name":"traits.email","type":"email","value":"old@x.io","disabled":false,"node_type":"input"},"messages":[],"meta":{}}]}}`)
	got, err := HydrateProfileTraits(flow, []byte(`{"email":"new@x.io","age":3,"ok":true,"nick":"n"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"input","group":"profile","attributes":{"name":"traits.email","type":"email","value":"new@x.io","disabled":false,"node_type":"input"},"messages":[],"meta":{}},` +
		`{"type":"input","group":"profile","attributes":{"name":"traits.age","type":"number","value":3,"disabled":false,"node_type":"input"},"messages":[],"meta":{}},` +
		`{"type":"input","group":"profile","attributes":{"name":"traits.nick","type":"text","value":"n","disabled":false,"node_type":"input"},"messages":[],"meta":{}},` +
		`{"type":"input","group":"profile","attributes":{"name":"traits.ok","type":"checkbox","value":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{}}]`
	if g := gjson.GetBytes(got, "ui.nodes").Raw; g != want {
		t.Fatalf("nodes =\n%s\nwant\n%s", g, want)
	}
}
