package conformance

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/hydratest"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// Social sign-in scenarios: both sides' Kratoses use one real Ory Hydra as
// their "hydra" provider; each Kratos's callback URL is added to Hydra's
// client when it starts, and the login app signs each Kratos's browser in
// as the scenario's address.

const variantOIDC = "oidc"

// providerMu serialises the provider round trips of all sides.
var providerMu sync.Mutex

// suiteHydra is the suite's provider, started by TestConformance when a
// selected scenario needs it.
var suiteHydra *hydratest.Hydra

// oidcClient gives a Kratos of the oidc variant an OAuth2 client of its
// own and the configuration that uses it.
func oidcClient() (hydratest.Client, func(cfg map[string]any), error) {
	providerMu.Lock()
	defer providerMu.Unlock()
	c, err := suiteHydra.NewClient("")
	if err != nil {
		return c, nil, err
	}
	return c, suiteHydra.KratosProvider(c), nil
}

// callbackPath is Kratos's callback for the "hydra" provider.
const callbackPath = "/self-service/methods/oidc/callback/hydra"

// callbackURL is where Hydra sends a Kratos's browsers back to.
func callbackURL(k *kratostest.Kratos) string {
	return strings.TrimSuffix(k.PublicBaseURL, "/") + callbackPath
}

// oidcSubject is the scenario's user's subject at the provider.
func oidcSubject(sc scenario) string { return "sub-" + emailFor(sc) }

// providerUserWithoutEmail makes the provider sign the client's browser in
// as the scenario's subject with no e-mail claim: Kratos's mapper then
// leaves the required e-mail trait unset. The side's public URL is its
// Kratos's public base URL, so this is the callback prepareOIDC set up.
func (c *client) providerUserWithoutEmail() {
	suiteHydra.SignInAsFor(c.side.public+callbackPath, hydratest.User{Subject: "sub-" + c.email})
}

// prepareOIDC registers a started Kratos's callback with its client, and
// the scenario's user for that callback.
func prepareOIDC(sc scenario, k *kratostest.Kratos, c hydratest.Client) error {
	if sc.variant != variantOIDC {
		return nil
	}
	uri := callbackURL(k)
	suiteHydra.SignInAsFor(uri, hydratest.User{Subject: oidcSubject(sc), Email: emailFor(sc)})
	providerMu.Lock()
	defer providerMu.Unlock()
	return suiteHydra.AllowRedirectFor(c, uri)
}

// viaProvider takes the browser through the provider after a submit that
// sent it there (a redirect, or a JSON client's 422 with
// redirect_browser_to), without recording Hydra's own exchanges, which
// are not the gateway's business; the callback back to the side is
// recorded, then followed like a browser and its UI.
func (c *client) viaProvider(f *flowRef, r reply) (callback reply) {
	// One round trip at a time: Hydra on its in-memory database answers
	// concurrent sign-ins with sporadic errors ("The error is
	// unrecognizable"), a property of the test provider, not of Kratos or
	// the gateway.
	providerMu.Lock()
	defer providerMu.Unlock()
	loc := r.header.Get("Location")
	if r.status == http.StatusUnprocessableEntity {
		loc, _ = r.json()["redirect_browser_to"].(string)
	}
	for i := 0; i < 10 && loc != "" && !strings.HasPrefix(loc, c.side.public); i++ {
		hop := c.send(request{method: http.MethodGet, path: loc, accept: "text/html"})
		if hop.err != nil || hop.status < 300 || hop.status >= 400 {
			c.note("callback", "the provider did not send the browser back")
			return reply{}
		}
		next, err := url.Parse(hop.header.Get("Location"))
		base, _ := url.Parse(loc)
		if err != nil || base == nil {
			c.note("callback", "the provider sent an unreadable redirect")
			return reply{}
		}
		loc = base.ResolveReference(next).String()
	}
	if !strings.HasPrefix(loc, c.side.public) {
		c.note("callback", "the provider did not send the browser back")
		return reply{}
	}
	cb := c.exchange("callback", request{method: http.MethodGet, base: c.side.public,
		path: strings.TrimPrefix(loc, c.side.public), accept: "text/html,application/xhtml+xml"})
	c.follow("callback", cb, f)
	return cb
}

// oidcRegisterScript: a social sign-up; then whoami and the stored
// identities.
func oidcRegisterScript(c *client) {
	f := c.init("registration")
	r := c.submit(f, map[string]any{"provider": "hydra"})
	c.viaProvider(f, r)
	c.whoami()
	c.adminIdentities()
}

// oidcLoginScript: a social sign-up without hooks of interest, then a
// social sign-in from a login flow.
func oidcLoginScript(c *client) {
	up := c.init("registration")
	c.viaProvider(up, c.submit(up, map[string]any{"provider": "hydra"}))
	c.logout()
	f := c.init("login")
	c.viaProvider(f, c.submit(f, map[string]any{"provider": "hydra"}))
	c.whoami()
}

// oidcRegisterThenWait also waits for n calls of an asynchronous hook.
func oidcRegisterThenWait(path string, n int) func(*client) {
	return func(c *client) {
		oidcRegisterScript(c)
		c.waitCalls(path, n)
	}
}

// oidcRegisterPatchedEmail also reads the identities stored under the
// e-mail an identity patch moved the client to.
func oidcRegisterPatchedEmail(c *client) {
	oidcRegisterScript(c)
	c.adminGet("admin.identities.patched", "/admin/identities?"+url.Values{"credentials_identifier": {patchedEmail(c.email)}}.Encode())
}

// oidcRegisterTransientScript and oidcLoginRegistersTransientScript: a
// social sign-up and a social login that became a registration, each
// submitted with a transient payload, which Kratos keeps for the callback
// and hands to the hooks there.
func oidcRegisterTransientScript(c *client) {
	f := c.init("registration")
	c.viaProvider(f, c.submit(f, map[string]any{"provider": "hydra", "transient_payload": map[string]any{"consent": "newsletter"}}))
	c.whoami()
}

func oidcLoginRegistersTransientScript(c *client) {
	f := c.init("login")
	c.viaProvider(f, c.submit(f, map[string]any{"provider": "hydra", "transient_payload": map[string]any{"device": "laptop"}}))
	c.whoami()
}

// oidcLoginTransientScript: oidcLoginScript with a transient payload on
// the login submit.
func oidcLoginTransientScript(c *client) {
	up := c.init("registration")
	c.viaProvider(up, c.submit(up, map[string]any{"provider": "hydra"}))
	c.logout()
	f := c.init("login")
	c.viaProvider(f, c.submit(f, map[string]any{"provider": "hydra", "transient_payload": map[string]any{"device": "laptop"}}))
	c.whoami()
}

// oidcLoginRegistersScript: a social sign-in from a login flow for a
// subject no identity has; Kratos turns it into a registration (a new
// registration flow, created on the callback) and runs the registration
// hooks for oidc. Then whoami and the stored identities.
func oidcLoginRegistersScript(c *client) {
	f := c.init("login")
	c.viaProvider(f, c.submit(f, map[string]any{"provider": "hydra"}))
	c.whoami()
	c.adminIdentities()
}

// oidcMissingTraitsScript: a social sign-up whose claims lack the required
// e-mail: Kratos shows the registration flow asking for it; the browser
// submits it with the provider, goes through the provider again, and the
// hooks run on that callback.
func oidcMissingTraitsScript(c *client) {
	c.providerUserWithoutEmail()
	f := c.init("registration")
	c.viaProvider(f, c.submit(f, map[string]any{"provider": "hydra"}))
	c.viaProvider(f, c.submit(f, map[string]any{
		"method": "oidc", "provider": "hydra", "traits": map[string]any{"email": c.email},
	}))
	c.whoami()
	c.adminIdentities()
}

// oidcLoginMissingTraitsScript: a social sign-in from a login flow for an
// unknown subject whose claims lack the required e-mail: Kratos turns it
// into a registration on a flow of its own and sends the browser there to
// ask for the e-mail; the browser submits it with the provider on that
// flow, goes through the provider again, and the registration hooks run.
func oidcLoginMissingTraitsScript(c *client) {
	c.providerUserWithoutEmail()
	f := c.init("login")
	cb := c.viaProvider(f, c.submit(f, map[string]any{"provider": "hydra"}))
	reg := &flowRef{flow: "registration"}
	if loc, err := url.Parse(cb.header.Get("Location")); err == nil && strings.HasSuffix(loc.Path, "/registration") {
		reg.id = loc.Query().Get("flow")
	}
	c.fetch(reg)
	c.viaProvider(reg, c.submit(reg, map[string]any{
		"method": "oidc", "provider": "hydra", "traits": map[string]any{"email": c.email},
	}))
	c.whoami()
	c.adminIdentities()
}

// logout ends the browser's session (Kratos's browser logout: a logout
// URL, then the logout itself).
func (c *client) logout() {
	r := c.exchange("logout.init", c.jsonRequest(http.MethodGet, "/self-service/logout/browser", nil))
	tok, _ := r.json()["logout_token"].(string)
	if tok == "" {
		c.note("logout", "no logout token")
		return
	}
	c.exchange("logout", c.jsonRequest(http.MethodGet, "/self-service/logout?"+url.Values{"token": {tok}}.Encode(), nil))
}

// loginAfterOIDC is a login after hook for oidc, in a registration
// scenario.
func loginAfterOIDC(path string) hookDef {
	h := after("oidc", webhook(path))
	h.flow = "login"
	return h
}

// oidcFamilies: registration and login after oidc hooks, browser clients.
func oidcFamilies() []family {
	fam := func(name, flow string, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: flow, kinds: browserKinds, script: script, hooks: hooks, variant: variantOIDC}
	}
	return []family{
		fam("reg_oidc_after_parse_ok", "registration", oidcRegisterScript,
			fixed(after("oidc", webhook("/h1", parse)), after("oidc", webhook("/h2")))),
		fam("reg_oidc_after_parse_400_messages", "registration", oidcRegisterScript,
			fixed(after("oidc", webhook("/h1", parse), status(400, emailMessages)))),
		fam("login_oidc_after_ok", "login", oidcLoginScript,
			fixed(after("oidc", webhook("/h1", parse)))),
		fam("login_oidc_after_parse_400_messages", "login", oidcLoginScript,
			fixed(after("oidc", webhook("/h1", parse), status(400, emailMessages)))),
		fam("login_oidc_after_500_retried", "login", oidcLoginScript,
			fixed(after("oidc", webhook("/h1"), status(500, `{}`)))),

		// A login for an unknown subject becomes a registration: the
		// registration hooks for oidc run, the login ones (/h9) do not.
		fam("login_oidc_registers_after_parse_ok", "registration", oidcLoginRegistersScript,
			fixed(after("oidc", webhook("/h1", parse)), after("oidc", webhook("/h2")), loginAfterOIDC("/h9"))),
		fam("login_oidc_registers_before_ok", "registration", oidcLoginRegistersScript,
			fixed(before(webhook("/h1")), after("oidc", webhook("/h2")))),
		fam("login_oidc_registers_before_parse_400", "registration", oidcLoginRegistersScript,
			fixed(before(webhook("/h1", parse), status(400, rootMessages)), after("oidc", webhook("/h2")))),
		fam("login_oidc_registers_after_parse_400", "registration", oidcLoginRegistersScript,
			fixed(after("oidc", webhook("/h1", parse), status(400, emailMessages)), loginAfterOIDC("/h9"))),

		fam("login_oidc_reg_missing_traits_ok", "registration", oidcLoginMissingTraitsScript,
			fixed(after("oidc", webhook("/h1", parse)), after("oidc", webhook("/h2")), loginAfterOIDC("/h9"))),

		fam("reg_oidc_after_transient_payload", "registration", oidcRegisterTransientScript,
			fixed(after("oidc", webhook("/h1", parse)), after("oidc", webhook("/h2")))),
		fam("login_oidc_after_transient_payload", "login", oidcLoginTransientScript,
			fixed(after("oidc", webhook("/h1", parse)))),
		fam("login_oidc_registers_transient_payload", "registration", oidcLoginRegistersTransientScript,
			fixed(after("oidc", webhook("/h1", parse)))),

		// Claims without the required e-mail: the registration continues
		// with the traits the browser submits.
		fam("reg_oidc_missing_traits_after_parse_ok", "registration", oidcMissingTraitsScript,
			fixed(after("oidc", webhook("/h1", parse)), after("oidc", webhook("/h2")))),
		fam("reg_oidc_missing_traits_parse_400_messages", "registration", oidcMissingTraitsScript,
			fixed(after("oidc", webhook("/h1", parse), status(400, emailMessages)))),

		// Registration after oidc: failures, async, patches.
		fam("reg_oidc_after_parse_500_retried", "registration", oidcRegisterScript,
			fixed(after("oidc", webhook("/h1", parse), status(500, `{}`)))),
		fam("reg_oidc_after_sync_noparse_500_retried", "registration", oidcRegisterScript,
			fixed(after("oidc", webhook("/h1"), status(500, `{}`)))),
		fam("reg_oidc_after_async_ignore", "registration", oidcRegisterThenWait("/h1", 1),
			fixed(after("oidc", webhook("/h1", ignore)))),
		fam("reg_oidc_after_parse_200_patch_traits", "registration", oidcRegisterPatchedEmail, func(email string) []hookDef {
			patch := fmt.Sprintf(`{"identity":{"traits":{"email":%q,"name":{"first":"FromHook","last":"Patched"}}}}`, patchedEmail(email))
			return []hookDef{after("oidc", webhook("/h1", parse), reply200(patch))}
		}),
	}
}
