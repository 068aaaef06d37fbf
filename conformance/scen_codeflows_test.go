package conformance

// recoveryFamilies: before hooks (GET method) and after hooks.
func recoveryFamilies() []family {
	recovery := func(name string, kinds []clientKind, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: "recovery", kinds: kinds, script: script, hooks: hooks}
	}
	return []family{
		recovery("recovery_before_get_method", allKinds, recoveryScript,
			fixed(before(webhook("/h1", httpMethod("GET"))))),
		recovery("recovery_before_parse_400_messages", apiAndForm, recoveryScript,
			fixed(before(webhook("/h1", parse), status(400, rootMessages)))),
		recovery("recovery_after_ok", allKinds, recoveryScript,
			fixed(after("", webhook("/h1")))),
		recovery("recovery_after_sync_noparse_400", apiAndForm, recoveryScript,
			fixed(after("", webhook("/h1"), status(400, `{}`)))),
		recovery("recovery_after_async_ignore", onlyJSON, recoveryThenWait("/h1", 1),
			fixed(after("", webhook("/h1", ignore)))),
		recovery("recovery_after_wrong_code_first", allKinds, recoveryWrongCodeScript,
			fixed(after("", webhook("/h1")))),
		recovery("recovery_after_form_encoded", onlyAPI, recoveryScript,
			fixed(after("", webhook("/h1", formEncoded)))),
	}
}

// verificationFamilies: before hooks and after hooks (form-encoded bodies,
// failures, async, parse).
func verificationFamilies() []family {
	verification := func(name string, kinds []clientKind, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: "verification", kinds: kinds, script: script, hooks: hooks}
	}
	return []family{
		verification("verification_before_ok", allKinds, verificationScript,
			fixed(before(webhook("/h1")))),
		verification("verification_before_400_noparse", apiAndJSON, verificationScript,
			fixed(before(webhook("/h1"), status(400, `{}`)))),
		verification("verification_after_form_encoded", allKinds, verificationScript,
			fixed(after("", webhook("/h1", formEncoded)), after("", webhook("/h2")))),
		verification("verification_after_sync_noparse_400", apiAndForm, verificationScript,
			fixed(after("", webhook("/h1"), status(400, `{}`)))),
		verification("verification_after_wrong_code_first", allKinds, verificationWrongCodeScript,
			fixed(after("", webhook("/h1", parse), status(400, emailMessages), reply200(`{}`)))),
		verification("verification_after_async_ignore", onlyAPI, verificationThenWait("/h1", 1),
			fixed(after("", webhook("/h1", ignore)))),
		verification("verification_after_parse_400_messages", allKinds, verificationScript,
			fixed(after("", webhook("/h1", parse), status(400, emailMessages)))),
	}
}
