package conformance

import "fmt"

// registrationFamilies: before hooks, and after password hooks of every
// kind (parse interrupts and patches, post-persist, async, Jsonnet).
func registrationFamilies() []family {
	reg := func(name string, kinds []clientKind, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: "registration", kinds: kinds, script: script, hooks: hooks}
	}
	afterParse := func(answers ...answer) func(string) []hookDef {
		return fixed(after("password", webhook("/h1", parse), answers...))
	}
	return []family{
		// before hooks
		reg("reg_before_ok_basic_auth", allKinds, registerScript,
			fixed(before(webhook("/h1", basicAuth("hookuser", "hookpass"))))),
		reg("reg_before_400_noparse", allKinds, registerScript,
			fixed(before(webhook("/h1"), status(400, `{}`)))),
		reg("reg_before_parse_400_messages", allKinds, registerScript,
			fixed(before(webhook("/h1", parse), status(400, rootMessages)))),
		reg("reg_before_500_retried", apiAndJSON, registerScript,
			fixed(before(webhook("/h1"), status(500, `{}`)))),

		// after, parse: interrupts
		reg("reg_after_parse_400_messages", allKinds, registerScript, afterParse(status(400, emailMessages))),
		reg("reg_after_parse_400_multi_pointer", allKinds, registerScript, afterParse(status(400, multiPointerMessages))),
		reg("reg_after_parse_400_without_messages", allKinds, registerScript, afterParse(status(400, withoutMessages))),
		reg("reg_after_parse_400_empty_messages", onlyAPI, registerScript, afterParse(status(400, `{"messages":[]}`))),
		reg("reg_after_parse_400_non_json", onlyAPI, registerScript, afterParse(text(400, "nope"))),
		reg("reg_after_parse_403_messages", onlyAPI, registerScript, afterParse(status(403, emailMessages))),
		reg("reg_after_parse_422_messages", onlyAPI, registerScript, afterParse(status(422, emailMessages))),
		reg("reg_after_parse_500_retried", apiAndForm, registerScript, afterParse(status(500, emailMessages))),
		reg("reg_after_parse_taken_address", allKinds, registerTakenScript,
			fixed(after("password", webhook("/h1", parse)), after("password", webhook("/h2")), after("password", webhook("/h3", ignore)))),
		reg("reg_after_parse_400_then_ok", allKinds, registerRetryScript, afterParse(status(400, emailMessages), reply200(`{}`))),

		// after, parse: identity patches
		reg("reg_after_parse_200_patch_traits", allKinds, registerPatchedEmail, func(email string) []hookDef {
			patch := fmt.Sprintf(`{"identity":{"traits":{"email":%q,"name":{"first":"FromHook","last":"Patched"}}}}`, patchedEmail(email))
			return []hookDef{after("password", webhook("/h1", parse), reply200(patch))}
		}),
		reg("reg_after_parse_200_patch_metadata", apiAndForm, registerScript,
			afterParse(reply200(`{"identity":{"metadata_public":{"plan":"trial","hooked":true},"metadata_admin":{"crm_id":"C-1"}}}`))),
		reg("reg_after_parse_200_patch_addresses", onlyAPI, registerScript, func(email string) []hookDef {
			patch := fmt.Sprintf(`{"identity":{"verifiable_addresses":[{"value":%q,"via":"email","verified":true,"status":"completed"}],`+
				`"recovery_addresses":[{"value":"other-recovery@example.org","via":"email"}],"metadata_admin":{"note":"addresses patched"}}}`, email)
			return []hookDef{after("password", webhook("/h1", parse), reply200(patch))}
		}),
		reg("reg_after_parse_200_patch_state_inactive", apiAndJSON, registerScript,
			afterParse(reply200(`{"identity":{"state":"inactive"}}`))),
		reg("reg_after_parse_200_patch_invalid_traits", allKinds, registerScript,
			afterParse(reply200(`{"identity":{"traits":{"name":{"first":"NoEmail"}}}}`))),
		reg("reg_after_parse_200_patch_unknown_schema", onlyAPI, registerScript,
			afterParse(reply200(`{"identity":{"schema_id":"does-not-exist","metadata_public":{"x":2}}}`))),
		reg("reg_after_parse_200_empty_object", onlyAPI, registerScript, afterParse(reply200(`{}`))),
		reg("reg_after_parse_204", onlyAPI, registerScript, afterParse(status(204, ""))),
		reg("reg_after_parse_201_identity_ignored", onlyAPI, registerScript,
			afterParse(status(201, `{"identity":{"metadata_public":{"ignored":true}}}`))),
		reg("reg_after_parse_200_non_json", onlyAPI, registerScript, afterParse(text(200, "ok"))),

		// after, no parse: post-persist
		reg("reg_after_sync_noparse_400", allKinds, registerScript,
			fixed(after("password", webhook("/h1"), status(400, `{}`)))),
		reg("reg_after_sync_noparse_500_retried", onlyAPI, registerScript,
			fixed(after("password", webhook("/h1"), status(500, `{}`)))),
		reg("reg_after_async_ignore", allKinds, registerThenWait("/h1", 1),
			fixed(after("password", webhook("/h1", ignore)))),
		reg("reg_after_async_ignore_500_retried", onlyAPI, registerThenWait("/h1", 3),
			fixed(after("password", webhook("/h1", ignore), status(500, `{}`)))),

		// Jsonnet
		reg("reg_after_jsonnet_cancel", apiAndForm, registerScript,
			fixed(after("password", webhook("/h1", parse, body(tmplCancel))), after("password", webhook("/h2")))),
		reg("reg_after_jsonnet_error", allKinds, registerScript,
			fixed(after("password", webhook("/h1", body(tmplBoom))))),
		reg("reg_after_form_encoded", onlyJSON, registerScript,
			fixed(after("password", webhook("/h1", formEncoded)))),
	}
}
