// Package gateway runs Ory Kratos web hooks around the requests a Kratos
// public API receives: it decides what each request is to Kratos, runs the
// hooks that apply before or after Kratos acts, and answers the client as
// Kratos's native web_hook would have. It is plain Go: its upstream is any
// Upstream (the Caddy module hands it reverse_proxy), and it knows nothing
// of Caddy.
//
// The one promise: a configured hook runs before Kratos changes state, for
// every request Kratos would act on; where the gateway cannot establish
// what a hook needs, the client gets an error and Kratos does not get the
// request.
//
// Files, by what a reader looks for:
//
//	gateway.go       Gateway, New, Close; the Upstream contract
//	config.go        Config and HookSpec, what the host fills in
//	keys.go          the sealing key: HKDF from the secret, or per process
//	routing.go       ServeHTTP: the single routing decision (cleaned path,
//	                 method, endpoint) and the refusals
//	exchange.go      one intercepted request; forwarding to Kratos; the
//	                 "answered" convention
//	recorder.go      the bounded response recorder behind forward
//	body.go          reading and replacing request bodies
//	cookies.go       the gateway's own cookies, taken off every request
//	before.go        <flow> before hooks, on the init
//	submit.go        the submit pipeline: decode as Kratos does, select
//	                 hooks by method, load the flow with the client's
//	                 credentials, preflight
//	registration.go  registration after hooks (pre- and post-persist)
//	registration_code.go  passwordless code registration: hooks once
//	                 Kratos accepted the code, undone on an interrupt
//	login.go         login after hooks
//	oidc.go          social sign-in: the provider round trip recorded on
//	                 the submit, hooks on the callback, undone on interrupt
//	oidc_switch.go   a social login Kratos turns into a registration: the
//	                 registration flow its hooks see, its before hooks
//	settings.go      settings after hooks, and changes Kratos paused for
//	                 re-authentication (continuations)
//	settings_factor.go  a TOTP key set up: hooks once Kratos accepted the
//	                 code, the key removed again on an interrupt
//	recovery_verification.go  recovery and verification after hooks
//	refusal.go       submits Kratos will refuse: forwarded, then checked
//	afterstore.go    what follows a stored change: admin patches, post-persist
//	                 hooks, async hooks, the rewritten answer
//	session.go       sessions in Kratos's answers, found whatever the
//	                 session cookie is called; revocation
//	hookrun.go       running the hooks of one point: ctx, render, call
//	durable.go       response.ignore deliveries stored in a durable queue
//	                 before the answer, and sent from it with the hook
//	sharedstate.go   interrupts and learned UI URLs shared by a fleet
//	patch.go         identity patches as Kratos applies them
//	answer.go        answers the gateway writes: interrupts, failures,
//	                 error-UI redirects, carry cookies
//	write.go         writing bodies and headers
//	fetch.go         flow fetches that show carried messages; gateway
//	                 error ids
//	flowcache.go     flows seen in inits and fetches, for the next submit
//	uiurls.go        flow and error UI URLs: configured or learned
//	interrupts.go    interrupts of API flows, kept for their re-fetch
//	schemas.go       compiled identity schemas
//	metrics.go       Prometheus collectors
//	publish.go       results handed to the host (Caddy placeholders)
//	bufpool.go       pooled buffers; trace context for receivers
package gateway
