package kratos

import (
	"encoding/json"
	"strings"
	"time"
)

// GatewayErrorPrefix marks error ids the gateway minted, so GET
// /self-service/errors?id= for any other id passes through to Kratos.
const GatewayErrorPrefix = "oa1."

const errorPurpose = "error.v1"

// ErrorIDTTL bounds how long a sealed error id can be fetched.
const ErrorIDTTL = 24 * time.Hour

type sealedError struct {
	Error Error     `json:"e"`
	At    time.Time `json:"t"`
}

// SealErrorID turns an error into an id the error UI can fetch from the
// gateway: the error itself, sealed, so no instance needs to store it.
func SealErrorID(s *Sealer, e Error, at time.Time) string {
	plain, _ := json.Marshal(sealedError{Error: e, At: at})
	return GatewayErrorPrefix + s.Seal(errorPurpose, plain)
}

// OpenErrorID returns the error behind a gateway error id.
func OpenErrorID(s *Sealer, id string, now time.Time) (Error, time.Time, bool) {
	tok, ok := strings.CutPrefix(id, GatewayErrorPrefix)
	if !ok {
		return Error{}, time.Time{}, false
	}
	plain, err := s.Open(errorPurpose, tok)
	if err != nil {
		return Error{}, time.Time{}, false
	}
	var se sealedError
	if json.Unmarshal(plain, &se) != nil || now.Sub(se.At) > ErrorIDTTL {
		return Error{}, time.Time{}, false
	}
	return se.Error, se.At, true
}
