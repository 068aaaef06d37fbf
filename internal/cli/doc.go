// Package cli is `caddy ory-actions`: commands for operators of the
// ory_actions handler, registered with Caddy's command line by the module's
// commands.go.
//
//	render         the body (and headers) the gateway sends for a template
//	               and a ctx, optionally compared with Kratos's rendering
//	validate       a config loaded as Caddy loads it, and its hook points
//	import-kratos  a kratos.yml's web_hooks as an ory_actions block, and the
//	               kratos.yml to keep
//	replay         a logged delivery re-sent to its receiver
//
// The package is plain Go: what only Caddy can do (adapting and validating a
// config, decoding a handler as the module does at load) comes in through
// Host, so the commands never disagree with the module about a config.
//
// Files, by command:
//
//	command.go        Setup: the subcommands under `caddy ory-actions`
//	host.go           Host and Handler, what commands.go supplies
//	caddyjson.go      ory_actions handlers found in a Caddy JSON config
//	render.go         render; ctxsource.go (--ctx, --fixture),
//	                  fixtures.go (named recorded ctx documents),
//	                  capture.go (the request package hooks would send),
//	                  mask.go (secrets out of what is printed),
//	                  kratosref.go (Kratos's own rendering), diff.go
//	validate.go       validate; table.go (the hook points table)
//	importkratos.go   import-kratos; kratosyaml.go (web_hooks found and
//	                  removed), kratossemantics.go (where Kratos and the
//	                  gateway would run them differently), caddyfilegen.go
//	                  and quote.go (the generated block)
//	replay.go         replay; deliverylog.go (the delivery log entry)
package cli
