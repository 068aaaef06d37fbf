package conformance

import "fmt"

// loginFamilies: before hooks (auth, interrupts, Kratos's panic on a
// patch) and after password hooks.
func loginFamilies() []family {
	login := func(name string, kinds []clientKind, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: "login", kinds: kinds, script: script, hooks: hooks}
	}
	return []family{
		login("login_before_api_key_header", allKinds, loginScript,
			fixed(before(webhook("/h1", apiKey("X-Api-Key", "k-123", "header"))))),
		login("login_before_parse_400_messages", allKinds, loginScript,
			fixed(before(webhook("/h1", parse), status(400, rootMessages)))),
		login("login_before_parse_500_retried", apiAndJSON, loginScript,
			fixed(before(webhook("/h1", parse), status(500, `{}`)))),
		login("login_before_parse_200_patch", onlyAPI, loginScript,
			fixed(before(webhook("/h1", parse), reply200(`{"identity":{"metadata_public":{"x":1}}}`)))),

		login("login_after_parse_400_messages", allKinds, loginScript,
			fixed(after("password", webhook("/h1", parse), status(400, emailMessages)))),
		login("login_after_parse_400_then_ok", allKinds, loginRetryScript,
			fixed(after("password", webhook("/h1", parse), status(400, emailMessages), reply200(`{}`)))),
		login("login_after_async_wrong_password_first", allKinds, loginWrongPasswordScript,
			fixed(after("password", webhook("/h1", parse)), after("password", webhook("/h2", ignore)))),
		login("login_after_parse_400_without_messages", apiAndForm, loginScript,
			fixed(after("password", webhook("/h1", parse), status(400, withoutMessages)))),
		login("login_after_parse_200_patch", allKinds, loginScript, func(email string) []hookDef {
			patch := fmt.Sprintf(`{"identity":{"metadata_public":{"last_login_hook":true},"traits":{"email":%q,"name":{"first":"ChangedAtLogin"}}}}`, email)
			return []hookDef{after("password", webhook("/h1", parse), reply200(patch))}
		}),
		login("login_after_sync_noparse_400", apiAndForm, loginScript,
			fixed(after("password", webhook("/h1"), status(400, `{}`)))),
		login("login_after_async_ignore", apiAndForm, loginThenWait("/h1", 1),
			fixed(after("password", webhook("/h1", ignore)))),
		login("login_after_jsonnet_error", allKinds, loginScript,
			fixed(after("password", webhook("/h1", body(tmplBoom))))),
		login("login_after_jsonnet_cancel", onlyJSON, loginScript,
			fixed(after("password", webhook("/h1", parse, body(tmplCancel))), after("password", webhook("/h2")))),
	}
}
