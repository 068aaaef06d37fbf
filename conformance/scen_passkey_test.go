package conformance

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/webauthntest"
)

// passkeyOrigin is the web origin both sides' Kratoses accept passkeys
// from, and the one the clients' software authenticators sign for. Kratos's
// relying party id is localhost (kratostest.Passkeys), which a browser
// would allow on plain http only from a localhost origin.
const passkeyOrigin = "http://localhost:4455"

// passkeyFamilies: sign-up with a passkey (registration after passkey) and
// sign-in with it (login after passkey), on a Kratos with the passkey
// method on. Kratos's passkey strategy serves browser flows only
// (selfservice/strategy/passkey: "flow type is not browser"), so these are
// browser clients; the client's authenticator is a software one
// (internal/webauthntest) doing what a browser's WebAuthn API and a
// device would.
func passkeyFamilies() []family {
	fam := func(name, flow string, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: flow, kinds: browserKinds, script: script, hooks: hooks, variant: variantPasskey}
	}
	afterParse := func(answers ...answer) func(string) []hookDef {
		return fixed(after("passkey", webhook("/h1", parse), answers...))
	}
	return []family{
		fam("reg_passkey_after_parse_ok", "registration", registerPasskeyScript,
			fixed(after("passkey", webhook("/h1", parse)), after("passkey", webhook("/h2")))),
		fam("reg_passkey_after_parse_400_messages", "registration", registerPasskeyScript, afterParse(status(400, emailMessages))),
		fam("reg_passkey_after_parse_400_then_ok", "registration", registerPasskeyRetryScript,
			afterParse(status(400, emailMessages), reply200(`{}`))),
		fam("reg_passkey_after_parse_500_retried", "registration", registerPasskeyScript, afterParse(status(500, `{}`))),
		fam("reg_passkey_after_sync_noparse_400", "registration", registerPasskeyScript,
			fixed(after("passkey", webhook("/h1"), status(400, `{}`)))),
		fam("reg_passkey_after_async_ignore", "registration", registerPasskeyThenWait("/h1", 1),
			fixed(after("passkey", webhook("/h1", ignore)))),
		fam("reg_passkey_after_parse_200_patch_traits", "registration", registerPasskeyPatchedScript, func(email string) []hookDef {
			patch := fmt.Sprintf(`{"identity":{"traits":{"email":%q,"name":{"first":"FromHook","last":"Patched"}},"metadata_public":{"signed_up_with":"passkey"}}}`, patchedEmail(email))
			return []hookDef{after("passkey", webhook("/h1", parse), reply200(patch))}
		}),
		fam("reg_passkey_after_stale_challenge_first", "registration", registerPasskeyBadFirstScript(staleChallenge),
			fixed(after("passkey", webhook("/h1", parse)))),
		fam("reg_passkey_after_other_origin_first", "registration", registerPasskeyBadFirstScript(otherOrigin),
			fixed(after("passkey", webhook("/h1", parse)))),
		fam("login_passkey_after_ok", "login", loginPasskeyScript,
			fixed(after("passkey", webhook("/h1", parse)), after("passkey", webhook("/h2", ignore)))),
		fam("login_passkey_after_parse_400_messages", "login", loginPasskeyScript, afterParse(status(400, rootMessages))),
		fam("login_passkey_after_parse_500_retried", "login", loginPasskeyScript, afterParse(status(500, `{}`))),
		fam("login_passkey_after_unknown_credential_first", "login", loginPasskeyUnknownFirstScript,
			fixed(after("passkey", webhook("/h1", parse)), after("passkey", webhook("/h2", ignore)))),
		fam("login_passkey_after_parse_200_patch", "login", loginPasskeyScript,
			afterParse(reply200(`{"identity":{"metadata_public":{"last_login":"passkey"}}}`))),

		fam("settings_passkey_after_parse_ok", "settings", settingsPasskeyScript,
			fixed(after("passkey", webhook("/h1", parse)), after("passkey", webhook("/h2")))),
		fam("settings_passkey_after_parse_400_messages", "settings", settingsPasskeyScript, afterParse(status(400, rootMessages))),
		fam("settings_passkey_after_stale_challenge_first", "settings", settingsPasskeyStaleFirstScript,
			fixed(after("passkey", webhook("/h1", parse)))),
		fam("settings_passkey_after_remove_parse_400_messages", "settings", settingsPasskeyRemoveScript,
			afterParse(reply200(`{}`), status(400, rootMessages))),
		fam("settings_passkey_after_remove_parse_ok", "settings", settingsPasskeyRemoveScript,
			fixed(after("passkey", webhook("/h1", parse)), after("passkey", webhook("/h2", ignore)))),
		fam("settings_passkey_after_sync_noparse_400", "settings", settingsPasskeyScript,
			fixed(after("passkey", webhook("/h1"), status(400, `{}`)))),

		// API flows offer no passkey ceremony; a native app that submits
		// a credential anyway is refused by Kratos and no hook runs.
		{name: "reg_passkey_api_flow_refused", flow: "registration", kinds: onlyAPI, variant: variantPasskey,
			script: registerPasskeyAPIScript, hooks: afterParse()},
		{name: "login_passkey_api_flow_refused", flow: "login", kinds: onlyAPI, variant: variantPasskey,
			script: loginPasskeyAPIScript, hooks: afterParse()},
	}
}

// selfMadeCreation is creation options no relying party issued, for a
// client that has none to answer (API flows show no passkey nodes).
const selfMadeCreation = `{"publicKey":{"challenge":"bm8tY2hhbGxlbmdlLWlzc3VlZA","rp":{"id":"localhost","name":"x"},"user":{"id":"c2VsZi1tYWRl","name":"x","displayName":"x"}}}`

// registerPasskeyAPIScript: a passkey credential submitted to an API
// registration flow; the flow fetched, whoami and the stored identities.
func registerPasskeyAPIScript(c *client) {
	f := c.init("registration")
	credential, err := c.authenticator().Create([]byte(selfMadeCreation))
	if err != nil {
		c.note("passkey", err.Error())
		return
	}
	c.submit(f, map[string]any{"method": "passkey", "traits": map[string]any{"email": c.email}, "passkey_register": string(credential)})
	c.fetch(f)
	c.whoami()
	c.adminIdentities()
}

// loginPasskeyAPIScript: an existing (password) identity's API login flow
// gets a passkey assertion; the flow fetched and whoami.
func loginPasskeyAPIScript(c *client) {
	c.setupIdentity()
	f := c.init("login")
	if _, err := c.authenticator().Create([]byte(selfMadeCreation)); err != nil {
		c.note("passkey", err.Error())
		return
	}
	assertion, err := c.authenticator().Get([]byte(`{"publicKey":{"challenge":"bm8tY2hhbGxlbmdlLWlzc3VlZA","rpId":"localhost"}}`))
	if err != nil {
		c.note("passkey", err.Error())
		return
	}
	c.submit(f, map[string]any{"method": "passkey", "passkey_login": string(assertion)})
	c.fetch(f)
	c.whoami()
}

// registerPasskeyScript: a passkey sign-up, the flow fetched again,
// whoami and the stored identities.
func registerPasskeyScript(c *client) {
	f := c.registerPasskey()
	c.fetch(f)
	c.whoami()
	c.adminIdentities()
}

func registerPasskeyThenWait(path string, n int) func(*client) {
	return func(c *client) {
		registerPasskeyScript(c)
		c.waitCalls(path, n)
	}
}

// registerPasskeyRetryScript: a passkey sign-up the hook refuses, the
// flow fetched again, and a second ceremony (a new credential for the
// same options, as a browser makes) that the hook accepts.
func registerPasskeyRetryScript(c *client) {
	f := c.registerPasskey()
	c.fetch(f)
	credential, ok := c.createPasskey(f, "after the refusal, the flow offers no passkey creation options")
	if !ok {
		return
	}
	c.submit(f, map[string]any{"method": "passkey", "traits": map[string]any{"email": c.email}, "passkey_register": credential})
	c.whoami()
	c.adminIdentities()
}

// registerPasskeyPatchedScript: registerPasskeyScript, then the identity
// under the address the hook patched in.
func registerPasskeyPatchedScript(c *client) {
	registerPasskeyScript(c)
	c.adminGet("admin.identities.patched", "/admin/identities?"+url.Values{"credentials_identifier": {patchedEmail(c.email)}}.Encode())
}

// loginPasskeyScript: a passkey sign-up (no hook of interest), signed out,
// then a sign-in with the passkey, the login flow fetched again, whoami.
func loginPasskeyScript(c *client) {
	c.registerPasskey()
	c.logout()
	f := c.init("login")
	c.loginPasskey(f)
	c.fetch(f)
	c.whoami()
	c.adminIdentities()
}

// A bad credential is one Kratos refuses before its after hooks run
// (selfservice/strategy/passkey Register: "Unable to create WebAuthn
// credential"); it changes the creation options and the authenticator
// that answers them.
type badCredential func(options string) (string, *webauthntest.Authenticator)

// staleChallenge answers options whose challenge is another one, as a
// credential made for another (older) flow carries. Registration flows
// wrap the options in credentialOptions, settings flows do not.
func staleChallenge(options string) (string, *webauthntest.Authenticator) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(options), &doc); err == nil {
		outer := doc
		if co, ok := doc["credentialOptions"].(map[string]any); ok {
			outer = co
		}
		if pk, ok := outer["publicKey"].(map[string]any); ok {
			pk["challenge"] = "c3RhbGUtY2hhbGxlbmdlLWZyb20tYW5vdGhlci1mbG93"
		}
		options = mustJSON(doc)
	}
	return options, webauthntest.New(passkeyOrigin)
}

// otherOrigin answers the options from a page of another origin (a
// phishing site relaying the ceremony).
func otherOrigin(options string) (string, *webauthntest.Authenticator) {
	return options, webauthntest.New("http://phishing.example")
}

// registerPasskeyBadFirstScript: the profile step, a bad credential
// (Kratos runs no hook for it), then a good one, whoami and the stored
// identities.
func registerPasskeyBadFirstScript(bad badCredential) func(*client) {
	return func(c *client) {
		f := c.init("registration")
		traits := map[string]any{"email": c.email}
		c.submit(f, map[string]any{"method": "profile", "traits": traits})
		options := nodeValue(f.doc, "passkey_create_data")
		if options == "" {
			c.note("passkey", "the registration flow offers no passkey creation options")
			return
		}
		badOptions, device := bad(options)
		if credential, err := device.Create([]byte(badOptions)); err != nil {
			c.note("passkey", err.Error())
		} else {
			c.submit(f, map[string]any{"method": "passkey", "traits": traits, "passkey_register": string(credential)})
		}
		c.fetch(f)
		credential, ok := c.createPasskey(f, "after the bad credential, the flow offers no passkey creation options")
		if !ok {
			return
		}
		c.submit(f, map[string]any{"method": "passkey", "traits": traits, "passkey_register": credential})
		c.whoami()
		c.adminIdentities()
	}
}

// loginPasskeyUnknownFirstScript: a passkey sign-up, signed out, then a
// sign-in by a passkey Kratos does not know (another device's; Kratos runs
// no hook), then by the right one.
func loginPasskeyUnknownFirstScript(c *client) {
	c.registerPasskey()
	c.logout()
	f := c.init("login")
	stranger := webauthntest.New(passkeyOrigin)
	options := nodeValue(f.doc, "passkey_challenge")
	if _, err := stranger.Create([]byte(selfMadeCreation)); err != nil {
		c.note("passkey", err.Error())
	} else if assertion, err := stranger.Get([]byte(options)); err != nil {
		c.note("passkey", err.Error())
	} else {
		c.submit(f, map[string]any{"method": "passkey", "passkey_login": string(assertion)})
	}
	c.fetch(f)
	c.loginPasskey(f)
	c.whoami()
}

// settingsPasskeyScript: a password identity, signed in, adds a passkey
// in a settings flow (Kratos shows its creation options there as
// passkey_create_data, and takes the credential as
// passkey_settings_register); the flow is fetched again, then whoami and
// the stored identity.
func settingsPasskeyScript(c *client) {
	c.setupIdentity()
	c.setupLogin()
	f := c.init("settings")
	credential, ok := c.createPasskey(f, "the settings flow offers no passkey creation options")
	if !ok {
		return
	}
	c.submit(f, map[string]any{"method": "passkey", "passkey_settings_register": credential, "transient_payload": map[string]any{"device": "phone"}})
	c.fetch(f)
	c.whoami()
	c.adminIdentities()
}

// settingsPasskeyRemoveScript: settingsPasskeyScript (the hooks see the
// passkey added), then a new settings flow removes it with its
// passkey_remove button (the hooks see the removal); the flow is fetched
// again, then whoami and the stored identity.
func settingsPasskeyRemoveScript(c *client) {
	settingsPasskeyScript(c)
	f := c.init("settings")
	credential := nodeValue(f.doc, "passkey_remove")
	if credential == "" {
		c.note("passkey", "the settings flow offers no passkey to remove")
		return
	}
	c.submit(f, map[string]any{"method": "passkey", "passkey_remove": credential})
	c.fetch(f)
	c.whoami()
	c.adminIdentities()
}

// settingsPasskeyStaleFirstScript: settingsPasskeyScript with a
// credential for another challenge first (Kratos refuses it before its
// hooks).
func settingsPasskeyStaleFirstScript(c *client) {
	c.setupIdentity()
	c.setupLogin()
	f := c.init("settings")
	options := nodeValue(f.doc, "passkey_create_data")
	if options == "" {
		c.note("passkey", "the settings flow offers no passkey creation options")
		return
	}
	stale, device := staleChallenge(options)
	if credential, err := device.Create([]byte(stale)); err != nil {
		c.note("passkey", err.Error())
	} else {
		c.submit(f, map[string]any{"method": "passkey", "passkey_settings_register": string(credential)})
	}
	c.fetch(f)
	credential, ok := c.createPasskey(f, "after the refused credential, the settings flow offers no passkey creation options")
	if !ok {
		return
	}
	c.submit(f, map[string]any{"method": "passkey", "passkey_settings_register": credential})
	c.fetch(f)
	c.adminIdentities()
}

// authenticator is the client's WebAuthn device, made on first use.
func (c *client) authenticator() *webauthntest.Authenticator {
	if c.passkeys == nil {
		c.passkeys = webauthntest.New(passkeyOrigin)
	}
	return c.passkeys
}

// registerPasskey signs up as a browser with a UI does: the traits (the
// profile step), then the credential the authenticator made from the
// passkey_create_data the second step shows, with the traits again.
func (c *client) registerPasskey() *flowRef {
	f := c.init("registration")
	traits := map[string]any{"email": c.email}
	c.submit(f, map[string]any{"method": "profile", "traits": traits})
	credential, ok := c.createPasskey(f, "the registration flow offers no passkey creation options")
	if !ok {
		return f
	}
	c.submit(f, map[string]any{
		"method": "passkey", "traits": traits, "passkey_register": credential,
		"transient_payload": map[string]any{"device": "phone"},
	})
	return f
}

// loginPasskey answers the flow's passkey_challenge with the
// authenticator's assertion (a discoverable credential: the user handle
// names the identity) and submits it.
func (c *client) loginPasskey(f *flowRef) {
	options := nodeValue(f.doc, "passkey_challenge")
	if options == "" {
		c.note("passkey", "the login flow offers no passkey challenge")
		return
	}
	assertion, err := c.authenticator().Get([]byte(options))
	if err != nil {
		c.note("passkey", err.Error())
		return
	}
	c.submit(f, map[string]any{"method": "passkey", "passkey_login": string(assertion), "transient_payload": map[string]any{"device": "phone"}})
}

// nodeValue is the value of the flow's input node called name ("" when
// the flow has none).
func nodeValue(doc map[string]any, name string) string {
	ui, _ := doc["ui"].(map[string]any)
	nodes, _ := ui["nodes"].([]any)
	for _, n := range nodes {
		attrs, _ := n.(map[string]any)["attributes"].(map[string]any)
		if attrs["name"] == name {
			v, _ := attrs["value"].(string)
			return v
		}
	}
	return ""
}

// createPasskey makes a credential with the client's authenticator from
// the flow's passkey_create_data, noting missing when the flow offers none
// (or the authenticator's error).
func (c *client) createPasskey(f *flowRef, missing string) (string, bool) {
	options := nodeValue(f.doc, "passkey_create_data")
	if options == "" {
		c.note("passkey", missing)
		return "", false
	}
	credential, err := c.authenticator().Create([]byte(options))
	if err != nil {
		c.note("passkey", err.Error())
		return "", false
	}
	return string(credential), true
}
