package kratos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// NilUUID is the id Kratos shows for objects not stored yet.
const NilUUID = "00000000-0000-0000-0000-000000000000"

// zeroTime is Go's zero time.Time as encoding/json writes it.
const zeroTime = "0001-01-01T00:00:00Z"

// PrePersistIdentity builds the identity a registration parse hook sees in
// ctx.identity, before Kratos stores it: nil UUIDs, zero created_at and
// updated_at, an empty schema_url, state active, state_changed_at = now,
// metadata_public and organization_id null, and the addresses the schema
// derives from the traits (verifiable ones pending and unverified). Keys
// follow Kratos's struct order; address lists are omitted when empty, as
// Kratos omits them. A nil schema derives no addresses; nil traits are {}.
func PrePersistIdentity(schemaID string, traits []byte, s *Schema, now time.Time) []byte {
	traits = compactOrEmptyObject(traits)
	var verifiable, recovery []Address
	if s != nil {
		verifiable, recovery = s.Addresses(traits)
	}
	buf := make([]byte, 0, 512+len(traits))
	buf = append(buf, `{"id":"`+NilUUID+`","schema_id":`...)
	buf = appendJSONString(buf, schemaID)
	buf = append(buf, `,"schema_url":"","state":"active","state_changed_at":`...)
	buf = appendJSONString(buf, now.UTC().Format(time.RFC3339Nano))
	buf = append(buf, `,"traits":`...)
	buf = append(buf, traits...)
	if len(verifiable) > 0 {
		buf = append(buf, `,"verifiable_addresses":[`...)
		for i, a := range verifiable {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"id":"`+NilUUID+`","value":`...)
			buf = appendJSONString(buf, a.Value)
			buf = append(buf, `,"verified":false,"via":`...)
			buf = appendJSONString(buf, a.Via)
			buf = append(buf, `,"status":"pending","created_at":"`+zeroTime+`","updated_at":"`+zeroTime+`"}`...)
		}
		buf = append(buf, ']')
	}
	if len(recovery) > 0 {
		buf = append(buf, `,"recovery_addresses":[`...)
		for i, a := range recovery {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"id":"`+NilUUID+`","value":`...)
			buf = appendJSONString(buf, a.Value)
			buf = append(buf, `,"via":`...)
			buf = appendJSONString(buf, a.Via)
			buf = append(buf, `,"created_at":"`+zeroTime+`","updated_at":"`+zeroTime+`"}`...)
		}
		buf = append(buf, ']')
	}
	buf = append(buf, `,"metadata_public":null,"created_at":"`+zeroTime+`","updated_at":"`+zeroTime+`","organization_id":null}`...)
	return buf
}

// compactOrEmptyObject returns raw without insignificant white space, as
// encoding/json re-encodes a json.RawMessage; empty or invalid input
// becomes {} (Kratos's default for missing traits).
func compactOrEmptyObject(raw []byte) []byte {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("{}")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return []byte("{}")
	}
	return b.Bytes()
}

// SettingsPrePersistIdentity builds the identity a `settings after profile`
// parse hook sees: the session's identity (flow.identity) with the
// submitted traits and its addresses re-derived as Kratos's validator does
// (an address that already exists keeps its stored entry, a new one is
// pending with a nil id and zero times, one no longer derived is dropped).
// A state_changed_at becomes null: the identity Kratos's SetTraits returns
// carries a zero one (observed in the settings fixtures; absent stays
// absent). A nil schema keeps the addresses unchanged.
func SettingsPrePersistIdentity(identity, traits []byte, s *Schema) ([]byte, error) {
	traits = compactOrEmptyObject(traits)
	out, err := sjson.SetRawBytes(bytes.Clone(identity), "traits", traits)
	if err != nil {
		return nil, fmt.Errorf("kratos: identity is not a JSON object: %w", err)
	}
	if gjson.GetBytes(out, "state_changed_at").Exists() {
		if out, err = sjson.SetRawBytes(out, "state_changed_at", []byte("null")); err != nil {
			return nil, err
		}
	}
	if s == nil {
		return out, nil
	}
	verifiable, recovery := s.Addresses(traits)
	if out, err = setAddresses(out, "verifiable_addresses", verifiable, true); err != nil {
		return nil, err
	}
	return setAddresses(out, "recovery_addresses", recovery, false)
}

// setAddresses writes the derived addresses, reusing stored entries with
// the same value and channel; an empty list removes the key (omitempty).
func setAddresses(identity []byte, key string, derived []Address, verifiable bool) ([]byte, error) {
	if len(derived) == 0 {
		return sjson.DeleteBytes(identity, key)
	}
	existing := gjson.GetBytes(identity, key).Array()
	arr := []byte{'['}
	for i, a := range derived {
		if i > 0 {
			arr = append(arr, ',')
		}
		if old := findAddress(existing, a); old != "" {
			arr = append(arr, old...)
			continue
		}
		arr = append(arr, `{"id":"`+NilUUID+`","value":`...)
		arr = appendJSONString(arr, a.Value)
		if verifiable {
			arr = append(arr, `,"verified":false`...)
		}
		arr = append(arr, `,"via":`...)
		arr = appendJSONString(arr, a.Via)
		if verifiable {
			arr = append(arr, `,"status":"pending"`...)
		}
		arr = append(arr, `,"created_at":"`+zeroTime+`","updated_at":"`+zeroTime+`"}`...)
	}
	arr = append(arr, ']')
	return sjson.SetRawBytes(identity, key, arr)
}

func findAddress(existing []gjson.Result, a Address) string {
	for _, e := range existing {
		if e.Get("value").String() == a.Value && e.Get("via").String() == a.Via {
			return e.Raw
		}
	}
	return ""
}

// MarkAddressesVerified marks the verifiable addresses of identity whose
// value is one of values as Kratos's code strategy does with the address a
// registration or login code went to: verified, status completed. Kratos
// shows that in the ctx of the hooks that run on the code's submit.
func MarkAddressesVerified(identity []byte, values []string) []byte {
	out := identity
	for i, a := range gjson.GetBytes(identity, "verifiable_addresses").Array() {
		if !slices.Contains(values, a.Get("value").String()) {
			continue
		}
		prefix := "verifiable_addresses." + strconv.Itoa(i)
		if b, err := sjson.SetBytes(out, prefix+".verified", true); err == nil {
			out = b
		}
		if b, err := sjson.SetBytes(out, prefix+".status", "completed"); err == nil {
			out = b
		}
	}
	return out
}
