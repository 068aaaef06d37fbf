package conformance

import (
	"fmt"
	"time"
)

// gatewayTimeout is the per-hook timeout the gateway side of timeout
// scenarios uses instead of Kratos's fixed 30 s (see the package doc).
const gatewayTimeout = time.Second

// settingsFamilies: before hooks (cookie auth) and after hooks of the
// profile and password methods, with patches, failures and timeouts.
func settingsFamilies() []family {
	settings := func(name string, kinds []clientKind, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: "settings", kinds: kinds, script: script, hooks: hooks}
	}
	return []family{
		settings("settings_before_api_key_cookie", allKinds, settingsProfileScript,
			fixed(before(webhook("/h1", apiKey("hook_cookie", "c-456", "cookie"))))),
		settings("settings_before_400_noparse", apiAndForm, settingsProfileScript,
			fixed(before(webhook("/h1"), status(400, `{}`)))),

		settings("settings_after_profile_parse_400_messages", allKinds, settingsProfileScript,
			fixed(after("profile", webhook("/h1", parse), status(400, emailMessages)))),
		settings("settings_after_profile_parse_400_then_ok", allKinds, settingsProfileRetryScript,
			fixed(after("profile", webhook("/h1", parse), status(400, emailMessages), reply200(`{}`)))),
		settings("settings_after_password_parse_400_messages", browserKinds, settingsPasswordScript,
			fixed(after("password", webhook("/h1", parse), status(400, passwordMessages)))),
		settings("settings_after_profile_parse_200_patch", allKinds, settingsProfileScript, func(email string) []hookDef {
			patch := fmt.Sprintf(`{"identity":{"traits":{"email":%q,"name":{"first":"SetByHook","last":"Settings"}},"metadata_public":{"settings_hook":true}}}`, email)
			return []hookDef{after("profile", webhook("/h1", parse), reply200(patch))}
		}),
		settings("settings_after_password_parse_200_patch_metadata_admin", onlyJSON, settingsPasswordScript,
			fixed(after("password", webhook("/h1", parse), reply200(`{"identity":{"metadata_admin":{"pw_changed_via":"hook"}}}`)))),
		settings("settings_after_profile_sync_ok", apiAndForm, settingsProfileScript,
			fixed(after("profile", webhook("/h1")))),
		settings("settings_after_profile_sync_noparse_400", apiAndJSON, settingsProfileScript,
			fixed(after("profile", webhook("/h1"), status(400, `{}`)))),
		settings("settings_after_password_async_ignore", onlyJSON, settingsPasswordThenWait("/h1", 1),
			fixed(after("password", webhook("/h1", ignore)))),
		settings("settings_after_profile_parse_500_retried", onlyAPI, settingsProfileScript,
			fixed(after("profile", webhook("/h1", parse), status(500, emailMessages)))),
		settings("settings_after_password_unreachable", onlyAPI, settingsPasswordScript,
			fixed(unreachable(after("password", webhook("/h1", parse))))),
		settings("settings_after_profile_jsonnet_error", onlyForm, settingsProfileScript,
			fixed(after("profile", webhook("/h1", body(tmplBoom))))),
		settings("settings_after_profile_timeout_first_then_ok", onlyAPI, settingsProfileScript,
			fixed(withTimeout(after("profile", webhook("/h1", parse), timesOut, reply200(`{"identity":{"metadata_public":{"after_timeout":true}}}`)), gatewayTimeout))),
		settings("settings_after_profile_timeout_all", onlyAPI, settingsProfileScript,
			fixed(withTimeout(after("profile", webhook("/h1", parse), timesOut), gatewayTimeout))),
	}
}
