package kratos

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/tidwall/sjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// CarryCookieName is the cookie that carries a web hook's interrupt to the
// next fetch of the same flow. Kratos stores such messages in the flow; no
// API lets the gateway write them there, so the browser carries them.
const CarryCookieName = "ory_actions_carry"

const carryPurpose = "carry.v1"

// Carry is what a browser carries from an interrupted submit to the UI's
// next fetch (or submit) of that flow: enough to map the same messages onto
// Kratos's fresh copy of the flow as Kratos would have stored them.
type Carry struct {
	FlowID   string                     `json:"f"`
	Flow     Flow                       `json:"k"`
	Expires  time.Time                  `json:"e"`
	Messages []hooks.Message            `json:"m"`
	Refill   map[string]json.RawMessage `json:"v,omitempty"`
	// ClearIdentifier mirrors login, which blanks its identifier node.
	ClearIdentifier bool `json:"c,omitempty"`
	// Active is the method login stores as the flow's "active" field.
	Active string `json:"a,omitempty"`
	// CSRFToken is the masked token Kratos would have stored with the
	// interrupted flow (it re-masks the token on every failed submit, and
	// sorts the nodes with it): the next fetch shows it, in that order.
	CSRFToken string `json:"t,omitempty"`
	// ValuesOnly marks a carry that restores node values and nothing
	// else: Kratos refused a hook's patched traits with its own messages,
	// which the stored flow already shows, but it stored the hook's values,
	// which the client never submitted.
	ValuesOnly bool `json:"r,omitempty"`
	// Nodes, in a carry without messages, are the nodes an earlier
	// interrupt added to the flow. Kratos keeps them in the stored flow
	// after the next submit (its answer resets their messages), so every
	// later answer and fetch of the flow shows them.
	Nodes []string `json:"n,omitempty"`
	// RequestURL replaces the flow's request_url: a flow the gateway had
	// Kratos create in place of the client's (a replaced verification
	// flow) would otherwise show the gateway's init request, where Kratos
	// shows the submit that replaced the flow.
	RequestURL string `json:"u,omitempty"`
	// OIDCProvider, set when a social sign-up was refused on its callback,
	// makes the flow show what Kratos shows then: the trait inputs with
	// the provider's values (Refill) and a "Continue" button for the
	// provider (OIDCRegistrationErrorUI).
	OIDCProvider string `json:"p,omitempty"`
}

// Persisting is what stays of an interrupt in Kratos's stored flow once a
// later submit of the flow went to Kratos: the nodes its messages added,
// without the messages. ok is false when nothing stays.
func (c Carry) Persisting() (Carry, bool) {
	if c.ValuesOnly || len(c.Nodes) == 0 {
		return Carry{}, false
	}
	return Carry{FlowID: c.FlowID, Flow: c.Flow, Expires: c.Expires, Nodes: c.Nodes}, true
}

// Apply maps the carried interrupt onto Kratos's fresh copy of the flow,
// as Kratos would have stored it.
func (c Carry) Apply(flow []byte, opt MapOptions) ([]byte, error) {
	out, err := c.apply(flow, opt)
	if err != nil || c.RequestURL == "" {
		return out, err
	}
	return sjson.SetBytes(out, "request_url", c.RequestURL)
}

func (c Carry) apply(flow []byte, opt MapOptions) ([]byte, error) {
	if c.OIDCProvider != "" {
		ui, err := OIDCRegistrationErrorUI(flow, c.OIDCProvider, c.Refill)
		if err != nil {
			return nil, err
		}
		flow = ui
	}
	if c.ValuesOnly {
		return ApplyMessages(flow, nil, MapOptions{Refill: c.Refill})
	}
	if len(c.Messages) == 0 && len(c.Nodes) > 0 {
		return ApplyMessages(flow, nil, MapOptions{EnsureNodes: c.Nodes, Order: opt.Order})
	}
	out, err := ApplyMessages(flow, c.Messages, opt)
	if err != nil || c.Active == "" {
		return out, err
	}
	return sjson.SetBytes(out, "active", c.Active)
}

// maxCarryCookie keeps the cookie under browsers' 4 KiB per-cookie limit.
const maxCarryCookie = 3800

// SealCarry returns the cookie value, dropping refill values when the whole
// would not fit in a cookie (the messages matter more than the values).
func SealCarry(s *Sealer, c Carry) (string, bool) {
	for attempt := 0; attempt < 2; attempt++ {
		plain, err := json.Marshal(c)
		if err != nil {
			return "", false
		}
		if tok := s.Seal(carryPurpose, plain); len(tok) <= maxCarryCookie {
			return tok, true
		}
		c.Refill = nil
	}
	return "", false
}

// OpenCarry reads a carry cookie's value. ok is false for a missing,
// tampered, expired or foreign token, or one for another flow id.
func OpenCarry(s *Sealer, token, flowID string, now time.Time) (Carry, bool) {
	if token == "" {
		return Carry{}, false
	}
	plain, err := s.Open(carryPurpose, token)
	if err != nil {
		return Carry{}, false
	}
	var c Carry
	if json.Unmarshal(plain, &c) != nil || c.FlowID != flowID || now.After(c.Expires) {
		return Carry{}, false
	}
	return c, true
}

// CarryCookie builds the Set-Cookie for a carry, scoped like Kratos's own
// CSRF cookie (Path=/, HttpOnly, SameSite=Lax) so it reaches wherever the
// UI's requests to Kratos go; it expires with the flow.
func CarryCookie(value string, expires time.Time, secure bool, now time.Time) *http.Cookie {
	maxAge := int(expires.Sub(now).Seconds())
	if maxAge < 1 {
		maxAge = 1
	}
	return &http.Cookie{
		Name: CarryCookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}
}

// ExpiredCarryCookie deletes the carry cookie.
func ExpiredCarryCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: CarryCookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}
