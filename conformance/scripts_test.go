package conformance

import "net/url"

// Client scripts, one per flow journey. Each runs the same steps on both
// sides; follow-up reads (whoami, admin) show what Kratos stored.

// registrationFields is a one-step password registration with a
// transient payload.
func (c *client) registrationFields() map[string]any {
	return map[string]any{
		"method":            "password",
		"password":          c.password,
		"traits":            map[string]any{"email": c.email, "name": map[string]any{"first": "Ada", "last": "Lovelace"}},
		"transient_payload": map[string]any{"consent": "newsletter"},
	}
}

// registerScript: init, submit, the flow fetched again (an interrupt's
// messages and values show there), then whoami and the stored identities.
func registerScript(c *client) {
	f := c.init("registration")
	c.submit(f, c.registrationFields())
	c.fetch(f)
	c.whoami()
	c.adminIdentities()
}

// registerRetryScript: a submit, the flow fetched (an interrupt shows its
// messages and values), the same submit again (a hook that interrupted
// the first sees the messages in ctx.flow), whoami, the stored identities.
func registerRetryScript(c *client) {
	f := c.init("registration")
	c.submit(f, c.registrationFields())
	c.fetch(f)
	c.submit(f, c.registrationFields())
	c.whoami()
	c.adminIdentities()
}

// registerThenWait also waits for n calls of an asynchronous hook.
func registerThenWait(path string, n int) func(*client) {
	return func(c *client) {
		registerScript(c)
		c.waitCalls(path, n)
	}
}

// registerPatchedEmail also reads the identities stored under the e-mail
// an identity patch moved the client to.
func registerPatchedEmail(c *client) {
	registerScript(c)
	c.adminGet("admin.identities.patched", "/admin/identities?"+url.Values{"credentials_identifier": {patchedEmail(c.email)}}.Encode())
}

func patchedEmail(email string) string { return "patched-" + email }

// loginScript: an existing identity logs in with its password.
func loginScript(c *client) {
	c.setupIdentity()
	f := c.init("login")
	c.submit(f, map[string]any{
		"method": "password", "identifier": c.email, "password": c.password,
		"transient_payload": map[string]any{"device": "laptop"},
	})
	c.fetch(f)
	c.whoami()
	c.adminIdentities()
}

// loginRetryScript: loginScript with the submit repeated after a fetch.
func loginRetryScript(c *client) {
	c.setupIdentity()
	f := c.init("login")
	fields := func() map[string]any {
		return map[string]any{"method": "password", "identifier": c.email, "password": c.password}
	}
	c.submit(f, fields())
	c.fetch(f)
	c.submit(f, fields())
	c.whoami()
	c.adminIdentities()
}

// loginWrongPasswordScript: a wrong password first (Kratos refuses it
// before any after hook), the flow fetched, then the right one.
func loginWrongPasswordScript(c *client) {
	c.setupIdentity()
	f := c.init("login")
	c.submit(f, map[string]any{"method": "password", "identifier": c.email, "password": "Wrong-Horse-Battery-0"})
	c.fetch(f)
	c.submit(f, map[string]any{"method": "password", "identifier": c.email, "password": c.password})
	c.whoami()
}

// registerTakenScript: a registration with an address an identity already
// holds: Kratos runs the pre-persist hooks, then refuses to store it.
func registerTakenScript(c *client) {
	c.setupIdentity()
	registerScript(c)
}

func loginThenWait(path string, n int) func(*client) {
	return func(c *client) {
		loginScript(c)
		c.waitCalls(path, n)
	}
}

// settingsProfileScript: a signed-in identity changes its name.
func settingsProfileScript(c *client) {
	c.setupIdentity()
	c.setupLogin()
	f := c.init("settings")
	c.submit(f, map[string]any{
		"method":            "profile",
		"traits":            map[string]any{"email": c.email, "name": map[string]any{"first": "Grace", "last": "Hopper"}},
		"transient_payload": map[string]any{"source": "profile-page"},
	})
	c.fetch(f)
	c.adminIdentities()
}

// settingsProfileRetryScript: the profile change submitted twice, the flow
// fetched after each submit.
func settingsProfileRetryScript(c *client) {
	c.setupIdentity()
	c.setupLogin()
	f := c.init("settings")
	fields := func() map[string]any {
		return map[string]any{"method": "profile", "traits": map[string]any{"email": c.email, "name": map[string]any{"first": "Grace", "last": "Hopper"}}}
	}
	c.submit(f, fields())
	c.fetch(f)
	c.submit(f, fields())
	c.fetch(f)
	c.adminIdentities()
}

// settingsPasswordScript: a signed-in identity changes its password.
func settingsPasswordScript(c *client) {
	c.setupIdentity()
	c.setupLogin()
	f := c.init("settings")
	c.submit(f, map[string]any{"method": "password", "password": "Another-Horse-Battery-10"})
	c.fetch(f)
	c.adminIdentities()
}

func settingsPasswordThenWait(path string, n int) func(*client) {
	return func(c *client) {
		settingsPasswordScript(c)
		c.waitCalls(path, n)
	}
}

// recoveryScript: the code method end to end (address, code from the
// courier, code), then whoami.
func recoveryScript(c *client) {
	c.setupIdentity()
	f := c.init("recovery")
	c.submit(f, map[string]any{"method": "code", "email": c.email})
	code := c.courierCode()
	c.submit(f, map[string]any{"method": "code", "code": code})
	c.whoami()
}

// recoveryWrongCodeScript: a wrong code first (Kratos refuses it without
// running after hooks), the flow fetched, then the right code.
func recoveryWrongCodeScript(c *client) {
	c.wrongThenRightCode("recovery")
	c.whoami()
}

// wrongThenRightCode runs a code flow (recovery, verification) for the
// client's address with a wrong code first and the flow fetched after it.
func (c *client) wrongThenRightCode(flow string) *flowRef {
	c.setupIdentity()
	f := c.init(flow)
	c.submit(f, map[string]any{"method": "code", "email": c.email})
	code := c.courierCode()
	c.submit(f, map[string]any{"method": "code", "code": wrongCode(code)})
	c.fetch(f)
	c.submit(f, map[string]any{"method": "code", "code": code})
	return f
}

// wrongCode is a six-digit code that is not code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func recoveryThenWait(path string, n int) func(*client) {
	return func(c *client) {
		recoveryScript(c)
		c.waitCalls(path, n)
	}
}

// verificationScript: an identity created by the admin API verifies its
// address with a code, then the stored identity is read.
func verificationScript(c *client) {
	c.setupIdentity()
	f := c.init("verification")
	c.submit(f, map[string]any{"method": "code", "email": c.email})
	code := c.courierCode()
	c.submit(f, map[string]any{"method": "code", "code": code})
	c.adminIdentities()
}

// verificationWrongCodeScript: verificationScript with a wrong code first
// and the flow fetched after each code.
func verificationWrongCodeScript(c *client) {
	f := c.wrongThenRightCode("verification")
	c.fetch(f)
	c.adminIdentities()
}

func verificationThenWait(path string, n int) func(*client) {
	return func(c *client) {
		verificationScript(c)
		c.waitCalls(path, n)
	}
}
