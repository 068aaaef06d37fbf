package conformance

// passwordlessFamilies: code registration and login (two submits each:
// send the code, answer it) on a Kratos with passwordless code enabled.
func passwordlessFamilies() []family {
	fam := func(name, flow string, kinds []clientKind, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: flow, kinds: kinds, script: script, hooks: hooks, variant: variantPasswordless}
	}
	return []family{
		fam("reg_code_after_parse_ok", "registration", allKinds, registerCodeScript,
			fixed(after("code", webhook("/h1", parse)), after("code", webhook("/h2")))),
		fam("reg_code_after_parse_400_messages", "registration", allKinds, registerCodeScript,
			fixed(after("code", webhook("/h1", parse), status(400, emailMessages)))),
		fam("reg_code_after_async_ignore", "registration", apiAndJSON, registerCodeThenWait("/h1", 1),
			fixed(after("code", webhook("/h1", ignore)))),
		fam("reg_code_after_wrong_code_first", "registration", allKinds, registerCodeWrongFirstScript,
			fixed(after("code", webhook("/h1", parse)), after("code", webhook("/h2")))),
		fam("login_code_after_ok", "login", allKinds, loginCodeScript,
			fixed(after("code", webhook("/h1", parse)), after("password", webhook("/h2")))),
		fam("login_code_after_parse_400_messages", "login", allKinds, loginCodeScript,
			fixed(after("code", webhook("/h1", parse), status(400, emailMessages)))),
	}
}

// registerCodeScript: traits (Kratos sends a code), the code, the flow
// fetched again, whoami and the stored identities.
func registerCodeScript(c *client) {
	f := c.init("registration")
	c.submit(f, map[string]any{"method": "code", "traits": map[string]any{"email": c.email}})
	code := c.courierCode()
	c.submit(f, map[string]any{"method": "code", "code": code, "traits": map[string]any{"email": c.email}})
	c.fetch(f)
	c.whoami()
	c.adminIdentities()
}

func registerCodeThenWait(path string, n int) func(*client) {
	return func(c *client) {
		registerCodeScript(c)
		c.waitCalls(path, n)
	}
}

// registerCodeWrongFirstScript: a wrong code (Kratos runs no hook), then
// the right one.
func registerCodeWrongFirstScript(c *client) {
	f := c.init("registration")
	c.submit(f, map[string]any{"method": "code", "traits": map[string]any{"email": c.email}})
	code := c.courierCode()
	c.submit(f, map[string]any{"method": "code", "code": wrongCode(code), "traits": map[string]any{"email": c.email}})
	c.submit(f, map[string]any{"method": "code", "code": code, "traits": map[string]any{"email": c.email}})
	c.whoami()
	c.adminIdentities()
}

// loginCodeScript: an existing identity asks for a code, then signs in
// with it.
func loginCodeScript(c *client) {
	c.setupIdentity()
	f := c.init("login")
	c.submit(f, map[string]any{"method": "code", "identifier": c.email})
	code := c.courierCode()
	c.submit(f, map[string]any{"method": "code", "identifier": c.email, "code": code})
	c.fetch(f)
	c.whoami()
}
