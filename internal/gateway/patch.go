package gateway

import (
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// patchedField is one identity field a hook replaced.
type patchedField struct {
	name  string
	value []byte
}

// patchableFields are the identity fields a web hook may replace, as
// Kratos's web_hook.go reads them from a parse hook's answer.
var patchableFields = []string{"traits", "schema_id", "state", "verifiable_addresses", "recovery_addresses", "metadata_public", "metadata_admin"}

// applyPatch replaces each field the answer carries, as Kratos does: a
// present, non-empty field replaces the whole field; nothing is merged.
func applyPatch(identity []byte, patched []patchedField, answer []byte) ([]byte, []patchedField) {
	for _, name := range patchableFields {
		v := gjson.GetBytes(answer, name)
		if !replacesField(name, v) {
			continue
		}
		raw := []byte(v.Raw)
		if updated, err := sjson.SetRawBytes(identity, name, raw); err == nil {
			identity = updated
		}
		patched = upsertField(patched, name, raw)
	}
	return identity, patched
}

// replacesField mirrors Kratos's "present and non-empty" test per field
// type: strings and lists must be non-empty; traits must be an object; the
// metadata fields may be set to null to clear them, as Kratos allows.
func replacesField(name string, v gjson.Result) bool {
	switch {
	case !v.Exists():
		return false
	case name == "traits":
		return v.IsObject()
	case name == "metadata_public" || name == "metadata_admin":
		return true
	case v.Type == gjson.String:
		return v.Str != ""
	case v.IsArray():
		return len(v.Array()) > 0
	}
	return false
}

// patchedString returns a patched string field's value, or "".
func patchedString(fs []patchedField, name string) string {
	for _, f := range fs {
		if f.name == name {
			return gjson.ParseBytes(f.value).String()
		}
	}
	return ""
}

// upsertField records the latest value of a patched field.
func upsertField(fs []patchedField, name string, v []byte) []patchedField {
	for i := range fs {
		if fs[i].name == name {
			fs[i].value = v
			return fs
		}
	}
	return append(fs, patchedField{name: name, value: v})
}
