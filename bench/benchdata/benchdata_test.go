package benchdata

import (
	"encoding/json"
	"testing"

	"github.com/tidwall/gjson"
)

// The benchmarks promise a ~6 KB registration ctx that Kratos could have
// built: valid JSON with every key a registration after hook sees.
func TestRegistrationCtx(t *testing.T) {
	reg, err := LoadRegistration()
	if err != nil {
		t.Fatal(err)
	}
	ctx := reg.Ctx()
	if !json.Valid(ctx) {
		t.Fatalf("ctx is not valid JSON: %.200s", ctx)
	}
	if n := len(ctx); n < 5500 || n > 6500 {
		t.Errorf("ctx is %d bytes, want about 6 KB", n)
	}
	for _, path := range []string{"flow.id", "flow.ui.nodes", "flow.transient_payload.invite_code", "identity.traits.email", "request_headers.User-Agent", "request_cookies.cookie_consent", "request_url", "request_method"} {
		if !gjson.GetBytes(ctx, path).Exists() {
			t.Errorf("ctx lacks %s", path)
		}
	}
	if len(reg.Messages) == 0 || reg.Messages[0].InstancePtr != "#/traits/email" {
		t.Errorf("messages = %+v, want the recorded one on #/traits/email", reg.Messages)
	}
}

func TestSeedTemplatesExist(t *testing.T) {
	for _, name := range SeedTemplates {
		code, err := SeedTemplate(name)
		if err != nil || code == "" {
			t.Errorf("%s: %v (%d bytes)", name, err, len(code))
		}
	}
}
