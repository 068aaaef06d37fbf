package kratos

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/fixtures"
)

// testIdentitySchema is the identity schema the fixtures were captured
// with (the configuration of the recorded exchanges in testdata/kratos/fixtures): traits.email (e-mail, required, password identifier,
// verification and recovery by e-mail) and optional name.first/name.last.
const testIdentitySchema = `{
  "$id": "https://schemas.example/identity.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "Person",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {
          "type": "string",
          "format": "email",
          "title": "E-Mail",
          "ory.sh/kratos": {
            "credentials": {"password": {"identifier": true}},
            "verification": {"via": "email"},
            "recovery": {"via": "email"}
          }
        },
        "name": {
          "type": "object",
          "properties": {
            "first": {"type": "string", "title": "First name"},
            "last": {"type": "string", "title": "Last name"}
          },
          "additionalProperties": false
        }
      },
      "required": ["email"],
      "additionalProperties": false
    }
  }
}`

func mustTestSchema(t testing.TB) *Schema {
	t.Helper()
	s, err := CompileSchema("default", []byte(testIdentitySchema))
	if err != nil {
		t.Fatalf("compile test schema: %v", err)
	}
	return s
}

// fixtureDir is testdata/kratos/fixtures of the module; a missing directory
// fails the test (the fixtures are inputs, never optional).
func fixtureDir(t testing.TB) string {
	t.Helper()
	dir, err := fixtures.Dir()
	if err != nil {
		t.Fatalf("recorded Kratos exchanges: %v", err)
	}
	return dir
}

// fixture is a captured exchange (the setup the exchanges in testdata/kratos/fixtures were recorded with); bodies stay raw JSON.
type fixture struct {
	Name    string `json:"name"`
	Request struct {
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	Response struct {
		Status  *int                       `json:"status"`
		Headers map[string]json.RawMessage `json:"headers"` // a string or a list
		Body    json.RawMessage            `json:"body"`
	} `json:"response"`
	WebhookCalls []struct {
		Body             json.RawMessage `json:"body"`
		ReceiverAnswered struct {
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		} `json:"receiver_answered"`
	} `json:"webhook_calls"`
}

func loadFixture(t testing.TB, name string) fixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtureDir(t), name+".json"))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	var f fixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return f
}

// allFixtures loads every fixture file.
func allFixtures(t testing.TB) []fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtureDir(t), "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var out []fixture
	for _, p := range paths {
		out = append(out, loadFixture(t, strings.TrimSuffix(filepath.Base(p), ".json")))
	}
	return out
}

// requestBody is the fixture's request body as bytes: a JSON string is a
// non-JSON body (a form), anything else is the JSON document.
func (f fixture) requestBody() []byte {
	b := f.Request.Body
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		return []byte(s)
	}
	return b
}

// serverRequest rebuilds the fixture's request as Go's HTTP server would
// hand it to a handler, by parsing it off the wire.
func (f fixture) serverRequest(t testing.TB) *http.Request {
	t.Helper()
	u, err := url.Parse(f.Request.URL)
	if err != nil {
		t.Fatal(err)
	}
	body := f.requestBody()
	var wire bytes.Buffer
	fmt.Fprintf(&wire, "%s %s HTTP/1.1\r\n", f.Request.Method, u.RequestURI())
	names := make([]string, 0, len(f.Request.Headers))
	for k := range f.Request.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := f.Request.Headers[k]
		if k == "Content-Length" {
			v = strconv.Itoa(len(body)) // the fixture body is re-serialised
		}
		fmt.Fprintf(&wire, "%s: %s\r\n", k, v)
	}
	wire.WriteString("\r\n")
	wire.Write(body)
	r, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("rebuild request of %s: %v", f.Name, err)
	}
	if cl, ok := f.Request.Headers["Content-Length"]; ok {
		r.Header.Set("Content-Length", cl) // the client's own value, as captured
	}
	return r
}

// decodeJSON decodes a document for semantic comparison.
func decodeJSON(t testing.TB, raw []byte) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %q: %v", truncate(string(raw), 200), err)
	}
	return v
}

// assertSameJSON fails when the two documents differ semantically.
func assertSameJSON(t testing.TB, what string, got, want []byte) {
	t.Helper()
	g, w := decodeJSON(t, got), decodeJSON(t, want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s differs:\n got: %s\nwant: %s", what, canonicalJSON(t, g), canonicalJSON(t, w))
	}
}

func canonicalJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// decodeInto unmarshals a fixture document into v.
func decodeInto(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %q: %v", truncate(string(raw), 120), err)
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
