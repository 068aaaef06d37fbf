package conformance

import (
	"net/http/cookiejar"
	"strings"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// secondFactorFamilies: a TOTP key set up in settings (settings after
// totp) and the AAL2 login with it (login after totp), on a Kratos with
// TOTP and lookup codes enabled. A wrong code comes first each time:
// Kratos runs no hook for it.
func secondFactorFamilies() []family {
	fam := func(name, flow string, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: flow, kinds: apiAndJSON, script: script, hooks: hooks, variant: variantSecondFactors}
	}
	return []family{
		fam("settings_totp_after_parse_ok", "settings", totpSetupScript,
			fixed(after("totp", webhook("/h1", parse)), after("totp", webhook("/h2")))),
		fam("settings_totp_after_parse_400_messages", "settings", totpSetupScript,
			fixed(after("totp", webhook("/h1", parse), status(400, totpMessages)))),
		fam("login_totp_after_ok", "login", totpLoginScript,
			fixed(after("totp", webhook("/h1", parse)), after("totp", webhook("/h2", ignore)))),
		fam("settings_lookup_after_parse_ok", "settings", lookupSetupScript,
			fixed(after("lookup_secret", webhook("/h1", parse)), after("lookup_secret", webhook("/h2")))),
		fam("login_lookup_after_ok", "login", lookupLoginScript,
			fixed(after("lookup_secret", webhook("/h1", parse)))),
		fam("settings_totp_after_async_ignore", "settings", thenWait(totpSetupScript, "/h1", 1),
			fixed(after("totp", webhook("/h1", ignore)))),
		fam("login_lookup_after_async_ignore", "login", thenWait(lookupLoginScript, "/h1", 1),
			fixed(after("lookup_secret", webhook("/h1", ignore)))),
		fam("settings_lookup_after_parse_400_messages", "settings", lookupSetupScript,
			fixed(after("lookup_secret", webhook("/h1", parse), status(400, rootMessages)))),
		fam("settings_lookup_after_sync_noparse_ok", "settings", lookupSetupScript,
			fixed(after("lookup_secret", webhook("/h1")), after("totp", webhook("/h2")))),
	}
}

// thenWait runs script, then waits for n calls of an asynchronous hook.
func thenWait(script func(*client), path string, n int) func(*client) {
	return func(c *client) {
		script(c)
		c.waitCalls(path, n)
	}
}

// lookupSetupScript: a signed-in identity regenerates lookup codes (no
// hook), confirms them (hooks), fetches the flow; the identity is read.
func lookupSetupScript(c *client) {
	c.setupIdentity()
	c.setupLogin()
	c.setUpLookupCodes()
	c.adminIdentities()
}

// setUpLookupCodes regenerates and confirms lookup codes in a settings
// flow and returns the first code ("" when none was shown).
func (c *client) setUpLookupCodes() string {
	f := c.init("settings")
	c.submit(f, map[string]any{"method": "lookup_secret", "lookup_secret_regenerate": true})
	code := firstLookupCode(f.doc)
	c.submit(f, map[string]any{"method": "lookup_secret", "lookup_secret_confirm": true})
	c.fetch(f)
	if code == "" {
		c.note("lookup", "the settings flow showed no lookup codes")
	}
	return code
}

// lookupLoginScript: lookup codes set up, a fresh password login, then
// the AAL2 login with a code, and whoami.
func lookupLoginScript(c *client) {
	c.setupIdentity()
	c.setupLogin()
	code := c.setUpLookupCodes()
	c.signOut()
	c.setupLogin()
	f := c.init("login", "aal=aal2")
	c.submit(f, map[string]any{"method": "lookup_secret", "lookup_secret": code})
	c.whoami()
}

// firstLookupCode reads the first of the codes a settings flow shows.
func firstLookupCode(doc map[string]any) string {
	ui, _ := doc["ui"].(map[string]any)
	nodes, _ := ui["nodes"].([]any)
	for _, n := range nodes {
		attrs, _ := n.(map[string]any)["attributes"].(map[string]any)
		if attrs["id"] != "lookup_secret_codes" {
			continue
		}
		text, _ := attrs["text"].(map[string]any)
		s, _ := text["text"].(string)
		code, _, _ := strings.Cut(s, ",")
		return strings.TrimSpace(code)
	}
	return ""
}

// totpMessages puts a hook's message on the TOTP code field.
const totpMessages = `{"messages":[{"instance_ptr":"#/totp_code","messages":[{"id":4000001,"text":"no authenticator apps here","type":"error"}]}]}`

// totpSetupScript: a signed-in identity sets up TOTP (a wrong code, then
// the right one), fetches the flow, and the identity is read.
func totpSetupScript(c *client) {
	c.setupIdentity()
	c.setupLogin()
	c.setUpTOTP()
	c.adminIdentities()
}

// setUpTOTP runs a settings flow that adds a TOTP key and returns its
// secret ("" when the flow offered none).
func (c *client) setUpTOTP() string {
	f := c.init("settings")
	secret := totpSecretOf(f.doc)
	if secret == "" {
		c.note("totp", "the settings flow offers no TOTP key")
		return ""
	}
	c.submit(f, map[string]any{"method": "totp", "totp_code": "000000"})
	c.submit(f, map[string]any{"method": "totp", "totp_code": c.totp(secret)})
	c.fetch(f)
	return secret
}

// totpLoginScript: TOTP set up, a fresh password login (AAL1), then the
// AAL2 login with a wrong and the right code, and whoami.
func totpLoginScript(c *client) {
	c.setupIdentity()
	c.setupLogin()
	secret := c.setUpTOTP()
	c.signOut()
	c.setupLogin()
	f := c.init("login", "aal=aal2")
	c.submit(f, map[string]any{"method": "totp", "totp_code": "000000"})
	c.submit(f, map[string]any{"method": "totp", "totp_code": c.totp(secret)})
	c.whoami()
}

// totp is the current code for secret.
func (c *client) totp(secret string) string {
	code, err := kratostest.TOTPCode(secret, time.Now())
	if err != nil {
		c.note("totp", err.Error())
	}
	return code
}

// totpSecretOf reads the TOTP key's secret from a settings flow.
func totpSecretOf(doc map[string]any) string {
	ui, _ := doc["ui"].(map[string]any)
	nodes, _ := ui["nodes"].([]any)
	for _, n := range nodes {
		attrs, _ := n.(map[string]any)["attributes"].(map[string]any)
		if attrs["id"] != "totp_secret_key" {
			continue
		}
		text, _ := attrs["text"].(map[string]any)
		if ctx, ok := text["context"].(map[string]any); ok {
			if s, ok := ctx["secret"].(string); ok {
				return s
			}
		}
		s, _ := text["text"].(string)
		return s
	}
	return ""
}

// signOut ends the client's session before a fresh login: a browser logs
// out; a native app drops its session token and any cookie an answer set
// (with the token Kratos refuses a new login as "already logged in", with
// a cookie as a browser's request to an API flow, and the rest of the
// script would test nothing).
func (c *client) signOut() {
	if c.kind == apiClient {
		c.token = ""
		c.hc.Jar, _ = cookiejar.New(nil) // never fails without options
		return
	}
	c.logout()
}
