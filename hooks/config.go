package hooks

// Config is a Kratos `web_hook` configuration, in exactly the shape Kratos
// accepts under `config:` (converted from YAML to JSON), so operators can
// paste theirs unchanged.
type Config struct {
	// URL is the webhook endpoint. Required.
	URL string `json:"url"`
	// Method is the HTTP method used to call the webhook. Required.
	Method string `json:"method"`
	// Headers are sent with every attempt. Content-Type defaults to
	// application/json; application/x-www-form-urlencoded is the only other
	// accepted value.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the Jsonnet template source: file://, base64://, http(s)://,
	// or inline Jsonnet. Empty means the webhook is called without a body
	// template (Kratos then sends no body).
	Body string `json:"body,omitempty"`
	// Auth configures basic_auth or api_key authentication.
	Auth *Auth `json:"auth,omitempty"`
	// Response selects how the answer is used: ignore (async) or parse.
	Response Response `json:"response,omitzero"`
	// CanInterrupt is Kratos's deprecated spelling of response.parse.
	CanInterrupt bool `json:"can_interrupt,omitempty"`
	// EmitAnalyticsEvent, when false, suppresses the Ory-Webhook-Request-Id
	// header as Kratos does. Defaults to true.
	EmitAnalyticsEvent *bool `json:"emit_analytics_event,omitempty"`
	// Sign, when set, signs every attempt with Standard Webhooks headers.
	// Kratos has no such setting, so it is never part of this JSON shape
	// (never marshalled with it); the embedding program fills it in.
	Sign *Signing `json:"-"`
}

// Auth is Kratos's web_hook auth block.
type Auth struct {
	// Type is "basic_auth" or "api_key".
	Type string `json:"type"`
	// Config holds the type's fields.
	Config AuthConfig `json:"config"`
}

// AuthConfig holds the fields of both auth types; which are required depends
// on Auth.Type (basic_auth: user, password; api_key: name, value, in).
type AuthConfig struct {
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	Name     string `json:"name,omitempty"`
	Value    string `json:"value,omitempty"`
	// In is "header" or "cookie".
	In string `json:"in,omitempty"`
}

// Response is Kratos's web_hook response block.
type Response struct {
	// Ignore makes the hook asynchronous: the flow does not wait for it.
	Ignore bool `json:"ignore,omitempty"`
	// Parse lets the answer interrupt the flow or patch the identity.
	Parse bool `json:"parse,omitempty"`
}

// Parses reports whether the answer is interpreted (response.parse or the
// deprecated can_interrupt).
func (c Config) Parses() bool { return c.Response.Parse || c.CanInterrupt }

// Async reports whether the hook runs off the request path.
func (c Config) Async() bool { return c.Response.Ignore }
