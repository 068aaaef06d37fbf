package kratos

import "github.com/google/uuid"

// Methods lists the self-service methods (strategy ids) Kratos v1.3.1
// runs per flow. SAML is not part of Kratos v1.3.1.
var Methods = map[Flow][]string{
	Registration: {"password", "profile", "oidc", "code", "webauthn", "passkey"},
	Login:        {"password", "oidc", "code", "webauthn", "passkey", "totp", "lookup_secret", "identifier_first"},
	Settings:     {"password", "profile", "oidc", "totp", "webauthn", "lookup_secret", "passkey"},
	Recovery:     {"code", "link"},
	Verification: {"code", "link"},
}

// HookMethods are the methods a hook can be restricted to, per flow: for
// registration, login and settings exactly the keys of Kratos v1.3.1's
// selfservice.flows.<flow>.after.<method> (embedx/config.schema.json), so
// a two-step registration's "profile" submit or login's
// "identifier_first" step, which complete nothing, are not among them.
// Kratos has no per-method lists for recovery and verification; the
// gateway lets their hooks tell its two methods apart.
var HookMethods = map[Flow][]string{
	Registration: {"password", "oidc", "code", "webauthn", "passkey"},
	Login:        {"password", "oidc", "code", "webauthn", "passkey", "totp", "lookup_secret"},
	Settings:     {"password", "profile", "oidc", "totp", "webauthn", "lookup_secret", "passkey"},
	Recovery:     {"code", "link"},
	Verification: {"code", "link"},
}

// getDecoding lists, per flow, the strategies whose decoder accepts a GET
// submit (decoderx.HTTPDecoderAllowedMethods with "GET"); every other
// strategy answers a GET with a decoding error before it acts:
// registration and login only start or finish OIDC on GET, settings
// applies password, profile, OIDC, TOTP, WebAuthn and passkey changes,
// recovery completes a link, verification completes a link (a code link
// only pre-fills the form).
var getDecoding = map[Flow]map[string]bool{
	Registration: {"oidc": true},
	Login:        {"oidc": true},
	Settings:     {"password": true, "profile": true, "oidc": true, "totp": true, "webauthn": true, "passkey": true},
	Recovery:     {"link": true},
	Verification: {"code": true, "link": true},
}

// AcceptsGET reports whether the flow's strategy for method acts on a GET
// submit.
func AcceptsGET(f Flow, method string) bool { return getDecoding[f][method] }

// StrategyFor is the strategy Kratos's submit handler ends up running: it
// asks its strategies in a fixed order (driver/registry_default.go:
// password, oidc, profile, code, link, totp, passkey, webauthn, lookup,
// identifier_first) and the first that is responsible handles the submit.
// Most are responsible for their own "method" value, but several go by
// other fields whatever the method says: OIDC by a provider (query or
// body) or, in settings, a link/unlink; passkey and WebAuthn by their
// register/login/remove fields; TOTP by totp_unlink; lookup codes by their
// reveal/regenerate/confirm/disable flags. "" means no strategy is
// responsible and Kratos refuses the submit.
func StrategyFor(f Flow, s Submit, rawQuery string) string {
	method := s.Method
	set := func(name string) bool { return s.Field(name) != "" }
	flag := s.Flag
	provider := set("provider") || queryValue(rawQuery, "provider") != ""
	switch f {
	case Registration:
		switch {
		case method == "password":
			return "password"
		case provider:
			return "oidc"
		case method == "profile" || method == "profile:back":
			return "profile"
		case method == "code":
			return "code"
		case set("passkey_register") && s.Field("passkey_register") != "true":
			return "passkey"
		case set("webauthn_register"):
			return "webauthn"
		}
	case Login:
		switch {
		case method == "password":
			return "password"
		case provider:
			return "oidc"
		case method == "code", method == "totp":
			return method
		case set("passkey_login") || method == "passkey":
			return "passkey"
		case set("webauthn_login") || method == "webauthn":
			return "webauthn"
		case method == "lookup_secret", method == "identifier_first":
			return method
		}
	case Settings:
		switch {
		case method == "password":
			return "password"
		case set("link") || set("unlink"):
			return "oidc"
		case method == "profile":
			return "profile"
		case flag("totp_unlink") || method == "totp":
			return "totp"
		case set("passkey_settings_register") || set("passkey_remove"):
			return "passkey"
		case set("webauthn_register") || set("webauthn_remove"):
			return "webauthn"
		case flag("lookup_secret_reveal") || flag("lookup_secret_regenerate") || flag("lookup_secret_confirm") || flag("lookup_secret_disable"):
			return "lookup_secret"
		}
	default:
		return method
	}
	return ""
}

// CanonicalFlowID is the flow id as Kratos parses it (gofrs/uuid's
// FromString: canonical, 32 hex digits, braces or urn:uuid:, any case),
// written in canonical form; an unparsable id is returned as is.
func CanonicalFlowID(id string) string {
	u, err := uuid.Parse(id)
	if err != nil {
		return id
	}
	var canon [36]byte
	encodeUUID(&canon, u)
	if string(canon[:]) == id {
		return id // already canonical: no allocation on the common path
	}
	return string(canon[:])
}

// encodeUUID writes u in canonical form (as uuid.UUID.String).
func encodeUUID(dst *[36]byte, u uuid.UUID) {
	const digits = "0123456789abcdef"
	j := 0
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = digits[b>>4], digits[b&0x0f]
		j += 2
	}
}
