// Package kratos is what the gateway knows of Ory Kratos v1.3.1's
// self-service protocol, on raw JSON (gjson/sjson), without Caddy and
// without running hooks.
//
// Files:
//
//	classify.go       routing as Kratos routes: CleanPath (Kratos's own),
//	                  the endpoint a method and path reach, flow ids
//	strategies.go     methods per flow; the strategy Kratos's ordered loop
//	                  runs for a submit; which accept GET; canonical ids
//	submitrequest.go  decoding a submit from where Kratos reads it
//	submit.go         the decoded submit; rewriting its traits
//	submitdecode.go   decoderx's form-value rules, typed by the schema
//	credentials.go    the end user's credentials (all Cookie lines,
//	                  Authorization, X-Session-Token); cookies of answers
//	csrf.go           Kratos's anti-CSRF pair check (nosurf)
//	jsonclient.go     JSON client vs browser form (x.IsJSONRequest)
//	preflight.go      submits Kratos will refuse before its hooks;
//	passkey.go        a passkey sign-up for another challenge than the flow's
//	ctx.go            the Jsonnet ctx, assembled from raw documents
//	requesturl.go     ctx.request_url as Kratos (behind a proxy) reports it
//	identity.go       pre-persist identities (registration, settings)
//	hydrate.go        settings profile nodes as Kratos hydrates them
//	schema*.go        identity schemas: validation, extension walk, addresses
//	formpaths.go      schema paths for form decoding
//	messages.go       mapping hook messages onto a flow; nodes.go,
//	nodesort.go       its node model and Kratos's node order
//	restore.go        refilled values after a patched submit
//	envelope.go       Kratos's error envelopes
//	seal.go           AES-GCM sealing of the tokens browsers carry
//	carry.go          interrupt messages carried to the next fetch
//	continuation.go   settings changes Kratos paused for re-authentication
//	errorid.go        gateway error ids for the error UI
//	client*.go        the public and admin API client
//	jsonstr.go        JSON string writing without allocation
package kratos
