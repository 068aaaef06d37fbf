package conformance

// linkFamilies: recovery and verification by the link method, completed by
// the GET the e-mail's link makes, on a Kratos with the link method on.
// Every client kind starts the flow its own way; the link is always opened
// by a browser (for an API client's flow, a browser of its own).
func linkFamilies() []family {
	fam := func(name, flow string, kinds []clientKind, script func(*client), hooks func(string) []hookDef) family {
		return family{name: name, flow: flow, kinds: kinds, script: script, hooks: hooks, variant: variantLink}
	}
	return []family{
		fam("recovery_link_before_ok", "recovery", allKinds, recoveryLinkScript,
			fixed(before(webhook("/h1")))),
		fam("recovery_link_after_ok", "recovery", allKinds, recoveryLinkScript,
			fixed(after("", webhook("/h1")), after("", webhook("/h2", parse)))),
		fam("recovery_link_after_parse_400_messages", "recovery", allKinds, recoveryLinkScript,
			fixed(after("", webhook("/h1", parse), status(400, emailMessages)))),
		fam("recovery_link_after_500_retried", "recovery", allKinds, recoveryLinkScript,
			fixed(after("", webhook("/h1"), status(500, `{}`)))),
		fam("recovery_link_after_async_ignore", "recovery", allKinds, recoveryLinkThenWait("/h1", 1),
			fixed(after("", webhook("/h1", ignore)))),
		fam("recovery_link_after_form_encoded", "recovery", allKinds, recoveryLinkScript,
			fixed(after("", webhook("/h1", formEncoded)))),
		fam("recovery_link_after_opened_twice", "recovery", allKinds, recoveryLinkTwiceScript,
			fixed(after("", webhook("/h1")))),
		fam("recovery_link_after_transient_payload", "recovery", allKinds, recoveryLinkPayloadScript,
			fixed(after("", webhook("/h1")))),
		fam("recovery_link_after_token_submitted", "recovery", allKinds, linkTokenSubmitScript("recovery"),
			fixed(after("", webhook("/h1")))),
		fam("recovery_link_after_other_browser", "recovery", browserKinds, recoveryLinkOtherBrowserScript,
			fixed(after("", webhook("/h1")))),
		fam("verification_link_before_parse_400_messages", "verification", allKinds, verificationLinkScript,
			fixed(before(webhook("/h1", parse), status(400, rootMessages)))),
		fam("verification_link_after_ok", "verification", allKinds, verificationLinkScript,
			fixed(after("", webhook("/h1")), after("", webhook("/h2", parse)))),
		fam("verification_link_after_parse_400_messages", "verification", allKinds, verificationLinkScript,
			fixed(after("", webhook("/h1", parse), status(400, emailMessages)))),
		fam("verification_link_after_500_retried", "verification", allKinds, verificationLinkScript,
			fixed(after("", webhook("/h1"), status(500, `{}`)))),
		fam("verification_link_after_async_ignore", "verification", allKinds, verificationLinkThenWait("/h1", 1),
			fixed(after("", webhook("/h1", ignore)))),
		fam("verification_link_after_form_encoded", "verification", allKinds, verificationLinkScript,
			fixed(after("", webhook("/h1", formEncoded)))),
		fam("verification_link_after_opened_twice", "verification", allKinds, verificationLinkTwiceScript,
			fixed(after("", webhook("/h1")))),
		fam("verification_link_after_transient_payload", "verification", allKinds, verificationLinkPayloadScript,
			fixed(after("", webhook("/h1")))),
		fam("verification_link_after_token_submitted", "verification", allKinds, linkTokenSubmitScript("verification"),
			fixed(after("", webhook("/h1")))),
		fam("verification_link_before_ok", "verification", allKinds, verificationLinkScript,
			fixed(before(webhook("/h1")))),
		fam("verification_link_after_other_browser", "verification", browserKinds, verificationLinkOtherBrowserScript,
			fixed(after("", webhook("/h1")))),
	}
}
