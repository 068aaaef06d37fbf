package oryactions

import (
	"context"

	"github.com/caddyserver/caddy/v2"
)

// Placeholders the module publishes on intercepted requests, for access
// logs and later handlers (e.g. `header >X-Hook {http.ory_actions.outcome}`):
//
//	{http.ory_actions.outcome}            what the hooks decided: continue, interrupt, patch or fail
//	{http.ory_actions.hook}               the hook that decided an interrupt or failure
//	{http.ory_actions.hooks.<id>.outcome} each hook's outcome (as in the calls metric)
const placeholderPrefix = "http.ory_actions."

// publish sets a placeholder on the request's replacer, if it has one.
func publish(ctx context.Context, key string, value string) {
	if repl, ok := ctx.Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		repl.Set(placeholderPrefix+key, value)
	}
}

// clearPlaceholders drops values a previous pass (e.g. a retried route)
// left, so nothing stale is logged.
func clearPlaceholders(ctx context.Context) {
	if repl, ok := ctx.Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		repl.DeleteByPrefix(placeholderPrefix)
	}
}

// publishResult records what the hooks of one point decided.
func publishResult(ctx context.Context, res pointResult) {
	switch {
	case res.fail != nil:
		publish(ctx, "outcome", "fail")
		publish(ctx, "hook", res.fail.hook)
	case res.interrupt != nil:
		publish(ctx, "outcome", "interrupt")
		publish(ctx, "hook", res.decidedBy)
	case len(res.patched) > 0:
		publish(ctx, "outcome", "patch")
	default:
		publish(ctx, "outcome", "continue")
	}
}
