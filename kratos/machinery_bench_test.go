package kratos_test

// Micro-benchmarks of the kratos package's share of a hooked submit, on the
// ~6 KB registration ctx of bench/benchdata. `make bench` runs them with
// -count 6 and compares the impl= variants with benchstat; see BENCHMARKS.md.

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/bench/benchdata"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

func loadRegistration(b *testing.B) *benchdata.Registration {
	b.Helper()
	reg, err := benchdata.LoadRegistration()
	if err != nil {
		b.Fatal(err)
	}
	return reg
}

// BenchmarkCtxAssembly builds the ctx from raw JSON (impl=gateway, what the
// gateway does) and, for reference, Kratos's way: Go values encoded with
// encoding/json (impl=kratos; Kratos holds the flow and identity as structs,
// here they are decoded into maps first, which costs about the same).
func BenchmarkCtxAssembly(b *testing.B) {
	reg := loadRegistration(b)
	req := reg.Request()
	in := kratos.CtxInput{Flow: reg.Flow, TransientPayload: reg.TransientPayload, Request: req, Identity: reg.Identity}
	b.Run("impl=gateway", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf = kratos.BuildCtx(buf[:0], in)
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("impl=kratos", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			out, err := decodeEncodeCtx(in)
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
}

// decodeEncodeCtx is the Go-values way: documents decoded, headers and
// cookies copied into maps, the whole encoded again.
func decodeEncodeCtx(in kratos.CtxInput) ([]byte, error) {
	var flow, identity map[string]any
	if err := json.Unmarshal(in.Flow, &flow); err != nil {
		return nil, err
	}
	var tp any
	if err := json.Unmarshal(in.TransientPayload, &tp); err != nil {
		return nil, err
	}
	flow["transient_payload"] = tp
	if err := json.Unmarshal(in.Identity, &identity); err != nil {
		return nil, err
	}
	headers := http.Header{}
	for name, values := range in.Request.Header {
		if _, ok := kratos.DefaultHeaderAllowList[name]; ok {
			headers[name] = values
		}
	}
	cookies := map[string]string{}
	for _, c := range in.Request.Cookies() {
		cookies[c.Name] = c.Value
	}
	return json.Marshal(struct {
		Flow           any               `json:"flow"`
		RequestHeaders http.Header       `json:"request_headers"`
		RequestMethod  string            `json:"request_method"`
		RequestURL     string            `json:"request_url"`
		RequestCookies map[string]string `json:"request_cookies"`
		Identity       any               `json:"identity"`
	}{flow, headers, in.Request.Method, kratos.RequestURL(in.Request), cookies, identity})
}

// BenchmarkMessageMapping maps a parse hook's interrupt onto the flow as the
// gateway answers a registration submit: messages reset, trait values
// refilled, nodes re-sorted.
func BenchmarkMessageMapping(b *testing.B) {
	reg := loadRegistration(b)
	schema, err := kratos.CompileSchema("default", reg.Schema)
	if err != nil {
		b.Fatal(err)
	}
	sub, err := kratos.ParseSubmitWithSchema("application/json", reg.SubmitBody, schema)
	if err != nil {
		b.Fatal(err)
	}
	opt := kratos.MapOptions{
		ResetMessages: true,
		Refill:        kratos.TraitValues(sub.Traits),
		Order:         kratos.NodeOrderFor(kratos.Registration, schema.KeysInOrder()),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kratos.ApplyMessages(reg.Flow, reg.Messages, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCarryToken seals and opens the carry cookie of that interrupt.
func BenchmarkCarryToken(b *testing.B) {
	reg := loadRegistration(b)
	sealer, err := kratos.NewSealer([32]byte{1, 2, 3})
	if err != nil {
		b.Fatal(err)
	}
	sub, err := kratos.ParseSubmit("application/json", reg.SubmitBody)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	carry := kratos.Carry{
		FlowID: "a3884c78-d5a1-476b-910e-920fe3b0b310", Flow: kratos.Registration,
		Expires: now.Add(time.Hour), Messages: reg.Messages, Refill: kratos.TraitValues(sub.Traits),
	}
	b.Run("op=seal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := kratos.SealCarry(sealer, carry); !ok {
				b.Fatal("seal failed")
			}
		}
	})
	b.Run("op=open", func(b *testing.B) {
		token, ok := kratos.SealCarry(sealer, carry)
		if !ok {
			b.Fatal("seal failed")
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := kratos.OpenCarry(sealer, token, carry.FlowID, now); !ok {
				b.Fatal("open failed")
			}
		}
	})
}
