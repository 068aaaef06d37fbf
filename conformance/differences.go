package conformance

// Difference is one deliberate, documented way in which the gateway
// answers differently from Kratos's native web hooks. The suite accepts a
// difference it finds only when an entry matches it; DIFFERENCES.md
// explains each entry for the README.
type Difference struct {
	// ID names the entry in test output and in DIFFERENCES.md.
	ID string
	// Scenarios is a pattern over scenario names; "*" matches any run of
	// characters, "|" separates alternatives, everything else matches
	// itself.
	Scenarios string
	// Path is a pattern over the difference's path, e.g.
	// "ex[*](submit).status" or "calls[/h1].count".
	Path string
	// Kratos and Gateway are patterns over the two values as the suite
	// renders them (compact JSON, "<absent>" when missing; a string may be
	// matched with or without its quotes); empty matches anything.
	Kratos, Gateway string
	// Why says why the gateway's behaviour is the right call.
	Why string
}

// failureScenarios are the scenarios whose hook fails without a usable
// answer: retries used up, an unparseable or message-less answer, an
// unreachable receiver, a timeout, a Jsonnet error.
const failureScenarios = "*_without_messages_*|*_empty_messages_*|*_non_json_*|*_500_retried_*|*_jsonnet_error_*|*_unreachable_*|*_timeout_*"

// Documented lists the differences the gateway makes on purpose. Keep it
// in step with DIFFERENCES.md.
var Documented = []Difference{
	{
		ID: "failure-true-status", Scenarios: failureScenarios,
		Path:   "ex[*](*).status|ex[*](*).body.error.code",
		Kratos: "400|500", Gateway: "502|504|500",
		Why: "Kratos answers a submit whose hook failed without a coded status with HTTP 400 (API flows) or 500 and an " +
			"error envelope with code 500, which no Ory SDK can decode as the flow it expects for a 400. The gateway " +
			"answers with the same envelope under the true status: 502 for a failed or unusable answer, 504 for a " +
			"timeout, 500 for a template error.",
	},
	{
		ID: "failure-true-status", Scenarios: failureScenarios,
		Path:   "ex[*](*).body.error.status|ex[*](*).body.error.reason",
		Kratos: "Internal Server Error|" + absent, Gateway: "Bad Gateway|Gateway Timeout|A third-party upstream service *",
		Why: "The envelope's status text and reason follow the true status (Kratos's own 502/504 texts).",
	},
	{
		ID: "no-internals-in-errors", Scenarios: "*_jsonnet_error_*",
		Path: "ex[*](*).body.error.message", Kratos: "jsonnetsecure: *",
		Why: "Kratos puts the Jsonnet stack trace and the template URI (which may be an inline base64 template or a " +
			"URL with credentials) into the error every client sees. The gateway logs the details and " +
			"answers a generic message.",
	},
	{
		ID: "gateway-error-ids", Scenarios: "*",
		Path:   "ex[*](*).location|ex[*](*→error).body.id",
		Kratos: "<ui>/error?id=<uuid:*>|<uuid:*>", Gateway: "<ui>/error?id=oa1.*|oa1.*",
		Why: "A form client whose flow failed at the gateway is sent to the error UI with an error id, as Kratos " +
			"does. Kratos's error store cannot be written from outside, so the id is a sealed token (AES-GCM with the " +
			"gateway secret) that the gateway itself answers on GET /self-service/errors?id=, without shared " +
			"storage. It is opaque like Kratos's, but not a UUID.",
	},
	{
		ID: "before-flow-as-answered", Scenarios: "reg_before_*|login_oidc_registers_before_*",
		Path: "calls[*][*].body.flow.ui.nodes*",
		Why: "Kratos calls before hooks with the flow as built in memory, before it is stored. The gateway " +
			"reproduces what it can know (zero created_at/updated_at; no nodes for settings), but two-step " +
			"registration's in-memory flow also holds the nodes of every enabled credential method (the password " +
			"nodes here), which its answer hides: which methods are enabled is Kratos's configuration, not visible " +
			"to the gateway (known unavoidable).",
	},
	{
		ID: "settings-before-once", Scenarios: "settings_before_*",
		Path:   "calls[/h1].count|calls[/h1][1]",
		Kratos: "2|{*", Gateway: "1|" + absent,
		Why: "After a successful settings submit (and a successful recovery) Kratos builds a fresh settings flow " +
			"internally and runs settings before hooks again for it, with the submit's POST as request; no client " +
			"ever sees that flow. The gateway runs before hooks once per flow a client initialises, which is what " +
			"a before hook is for.",
	},
	{
		ID: "before-interrupt-answer", Scenarios: "*_before_parse_400_messages_*",
		Path: "ex[*](init)*|ex[*](init→error)*|ex[gw:*](init→error)",
		Why: "A before hook's messages never reach a Kratos client usefully: registration and recovery answer 500 " +
			"\"1 validation errors occurred\", login answers 404 with two JSON documents written one after the other " +
			", and HTML clients land on an error page showing that error. The gateway answers 403 " +
			"self_service_flow_hook_interrupted with the hook's messages in error.details.messages (JSON), or " +
			"redirects form clients to the error UI with that error.",
	},
	{
		ID: "before-double-written", Scenarios: "login_before_parse_500_retried_*",
		Path: "ex[*](init).status|ex[*](init).body.concatenated_json|ex[*](init).body.error",
		Why: "Kratos v1.3.1 writes an error and then the unstored flow into one login init answer when a parse " +
			"before hook fails (status 400 for API, 500 for browser), which no client can parse. The " +
			"gateway answers one 502 envelope.",
	},
	{
		ID: "before-patch-no-panic", Scenarios: "login_before_parse_200_patch_*",
		Path: "ex[*](init)*|ex[*](submit)|ex[gw:*](submit)|ex[*](fetch)|ex[gw:*](fetch)|ex[*](whoami)*",
		Why: "An identity patch from a before hook makes Kratos v1.3.1 panic: the client's connection is dropped " +
			". There is no identity to patch yet, so the gateway ignores the patch with a warning and the " +
			"flow goes on: the client gets its flow and can log in.",
	},
	{
		ID: "timeout-answered", Scenarios: "*_timeout_all_*",
		Path: "ex[*](submit)*",
		Why: "When every attempt times out, Kratos (3 × 30 s plus backoff) outlives its own 60 s write timeout and " +
			"closes the connection without an answer. The gateway answers the 504 envelope Kratos meant " +
			"to send. (In the suite the gateway side uses a 1 s per-hook timeout.)",
	},
	{
		ID: "patch-after-store", Scenarios: "reg_after_parse_200_patch_state_inactive_*",
		Path:   "ex[*](admin.identities).body[0].verifiable_addresses[0].status",
		Kratos: "pending", Gateway: "sent",
		Why: "The gateway can only apply non-trait patch fields (state, addresses, metadata) through the admin API " +
			"after Kratos stored the identity, so Kratos has already sent the verification mail when the identity " +
			"is deactivated (known unavoidable). The client gets Kratos's 401 either way.",
	},
	{
		ID: "patch-after-store", Scenarios: "reg_after_parse_200_patch_addresses_*",
		Path: "ex[*](submit).body.continue_with*",
		Why: "A patch marking the address verified is applied after Kratos stored the identity and sent the " +
			"verification mail, so the answer still offers show_verification_ui (known unavoidable).",
	},
	{
		ID: "carry-cookie", Scenarios: "*_browser_json|*_browser_form",
		Path: "ex[*](submit).gateway_cookies|ex[*](callback).gateway_cookies", Kratos: absent, Gateway: `["ory_actions_carry"]|["ory_actions_carry (deleted)"]`,
		Why: "Kratos stores a hook's messages in the flow. The gateway cannot write Kratos's flows, so it hands " +
			"browser clients a short-lived sealed cookie that carries the messages and submitted values into the " +
			"next fetch and submit of that flow; once a later submit went to Kratos it is cleared, or keeps only the " +
			"nodes the interrupt added (Kratos keeps those in the flow). Stateless, so any number of gateways work.",
	},
	{
		ID: "carry-cookie", Scenarios: "*_link_*",
		Path: "ex[*](link).gateway_cookies|ex[*](link again).gateway_cookies", Kratos: absent, Gateway: `["ory_actions_carry"]`,
		Why: "An e-mail link is always opened in a browser, whatever client started the flow, and a hook's messages " +
			"on the flow the link completed go into the browser flow Kratos's link strategy retries it as. The " +
			"gateway cannot write that flow, so the browser gets the sealed carry cookie for its next fetch.",
	},
	{
		ID: "link-other-browser", Scenarios: "*_link_after_other_browser_*",
		Path: "ex[*](link)*|ex[*](link→ui)|ex[gw:*](link→error)|ex[*](whoami)*|" +
			"ex[*](admin.identities).body[*].verifiable_addresses[*]*|calls[/h1]*",
		Why: "A browser flow's e-mail link opened in a browser without the flow's CSRF cookie (the mail read on " +
			"another device): Kratos completes it, as the link's token is all it checks. The gateway must load the " +
			"flow to know whose address the hooks are about, and Kratos shows a browser flow only to its own CSRF " +
			"cookie, so it refuses the link before Kratos acts (the browser goes to the error UI with a 502): fail " +
			"closed rather than skip the hooks (known unavoidable). An API flow's link opens in any browser.",
	},
	{
		ID: "oidc-start-cookie", Scenarios: "*_oidc_*",
		Path: "ex[*](submit).gateway_cookies|ex[*](callback).gateway_cookies", Kratos: absent, Gateway: `*ory_actions_oidc*`,
		Why: "Kratos's OIDC state is encrypted, so the callback alone does not say which flow it completes. The " +
			"gateway records it on the submit that sends the browser to the provider, in a short-lived sealed " +
			"cookie the browser brings back on the callback (as it brings Kratos's own continuity cookie), and " +
			"clears it there.",
	},
	{
		ID: "oidc-patch-after-store", Scenarios: "reg_oidc_after_parse_200_patch_traits_*",
		Path:   "ex[*](whoami).body.identity.verifiable_addresses[*].status|ex[*](admin.identities.patched).body[*].verifiable_addresses[*].status",
		Kratos: "sent", Gateway: "pending",
		Why: "On a social sign-up Kratos maps the provider's claims to traits on the callback and stores the " +
			"identity before the gateway sees it, so a parse hook's trait patch is applied with the admin API " +
			"afterwards: the verification mail went to the address the provider gave, and the patched address " +
			"stays pending (known unavoidable). Traits, whoami and the stored identity are otherwise Kratos's.",
	},
	{
		ID: "factor-setup-undone", Scenarios: "settings_totp_after_parse_400_*",
		Path: "ex[*](fetch)*|ex[gw:*](fetch)*|ex[*](admin.identities).body[*].verifiable_addresses[*].status",
		Why: "Kratos runs settings hooks after checking the TOTP code and before storing the key; the gateway " +
			"cannot check a code, so Kratos stores the key and ends the flow first, and the gateway removes the key " +
			"when a hook refuses it. The answer to the submit is Kratos's; a later fetch shows the flow as Kratos " +
			"stored it (successful), as no API lets the gateway write it back, and storing the identity sent the " +
			"pending address its verification mail.",
	},
	{
		ID: "async-login-session-id", Scenarios: "login_after_async_*|login_passkey_after_*",
		Path:    "calls[*][*].body.session.id|calls[*][*].body.session.devices[*].id",
		Gateway: nilUUID,
		Why: "Kratos renders a response.ignore hook's body in a goroutine that races with storing the new " +
			"session, so ctx.session.id (and the device id) is sometimes the stored id and sometimes the nil " +
			"UUID. The gateway always sends the nil UUID, as Kratos does for every synchronous login after hook.",
	},
	{
		ID: "settings-form-verification-step", Scenarios: "settings_after_*_browser_form|settings_passkey_after_*_browser_form",
		Path: "calls[*][*].body.flow.continue_with", Gateway: absent,
		Why: "After a profile change Kratos's in-memory settings flow lists the verification flow it just created " +
			"in continue_with; a form client only gets a redirect, and the flow the gateway re-fetches to see the " +
			"success does not store continue_with, so post-persist hooks of form clients see no continue_with. " +
			"API and browser-JSON clients get the same list as Kratos.",
	},
	{
		ID: "passkey-origin-unknown", Scenarios: "reg_passkey_after_other_origin_first_*",
		Path:   "calls[/h1].count|calls[/h1][1]",
		Kratos: "1|" + absent, Gateway: "2|{*",
		Why: "Kratos checks a new passkey's client data origin against its configured relying party origins " +
			"before the registration after hooks, and refuses one from another origin (a phishing page relaying " +
			"the ceremony). Those origins are Kratos configuration the gateway cannot see, so its parse hooks see " +
			"that submit before Kratos refuses it; the client's answer and what Kratos stores are Kratos's (known " +
			"unavoidable). A credential for another challenge is recognised from the flow and runs no hook.",
	},
	{
		ID: "passkey-settings-refused-session", Scenarios: "settings_passkey_after_parse_400_*",
		Path:   "ex[*](whoami).body.authentication_methods[*]",
		Kratos: `{"aal":"aal1",*"method":"passkey"}`, Gateway: absent,
		Why: "Kratos records a passkey authentication in the session as soon as it verified a passkey added in " +
			"settings (selfservice/strategy/passkey continueSettingsFlowAdd), before the settings after hooks run, " +
			"and keeps it when a hook refuses the change, so the session claims a passkey the identity does not " +
			"have. The gateway runs the hooks before Kratos sees the credential: a refused passkey leaves the " +
			"session as it was.",
	},
}

// absent is how a missing value is rendered.
const absent = "<absent>"
