package benchdata

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

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
