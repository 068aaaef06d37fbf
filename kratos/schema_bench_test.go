package kratos

import (
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// benchSubmitCheck is the accepted browser password registration of the
// fixtures, checked against the fixtures' identity schema: the path every
// hooked registration submit takes through the trait checks.
func benchSubmitCheck(b *testing.B) SubmitCheck {
	b.Helper()
	schema := mustTestSchema(b)
	f := loadFixture(b, "wh_parse_400_registration_browser_json")
	sub, err := ParseSubmitWithSchema(f.Request.Headers["Content-Type"], f.requestBody(), schema)
	if err != nil {
		b.Fatal(err)
	}
	c := SubmitCheck{
		Flow: Registration, FlowJSON: []byte(gjson.GetBytes(f.WebhookCalls[0].Body, "flow").Raw),
		Request: f.serverRequest(b), Submit: sub, Method: "password", Schema: schema,
		CSRFCookieName: CSRFCookieName(fixturePublicURL),
		Now:            time.Date(2026, 11, 27, 9, 23, 0, 0, time.UTC),
	}
	if reason := SubmitRefusal(c); reason != "" {
		b.Fatalf("benchmark submit is refused: %s", reason)
	}
	return c
}

// BenchmarkSubmitRefusal measures the preflight of a hooked registration
// submit alone, and with the pre-persist identity the gateway builds next
// (the third schema walk of a submit).
func BenchmarkSubmitRefusal(b *testing.B) {
	c := benchSubmitCheck(b)
	b.Run("op=refusal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if SubmitRefusal(c) != "" {
				b.Fatal("refused")
			}
		}
	})
	b.Run("op=refusal+prepersist", func(b *testing.B) {
		now := time.Date(2026, 11, 27, 9, 23, 0, 0, time.UTC)
		b.ReportAllocs()
		for b.Loop() {
			if SubmitRefusal(c) != "" {
				b.Fatal("refused")
			}
			if len(PrePersistIdentity("default", c.Submit.Traits, c.Schema, now)) == 0 {
				b.Fatal("empty identity")
			}
		}
	})
}

// BenchmarkScanExtensions measures one walk of registration traits against
// the fixtures' identity schema.
func BenchmarkScanExtensions(b *testing.B) {
	s := mustTestSchema(b)
	traits := []byte(`{"email":"Jane.Doe@Example.com","name":{"first":"Jane","last":"Doe"}}`)
	if got := s.scanExtensions(traits); len(got.identifiers) != 1 || len(got.verifiable) != 1 || len(got.recovery) != 1 {
		b.Fatalf("scan = %+v", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.scanExtensions(traits)
	}
}
