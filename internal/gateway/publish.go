package gateway

import "context"

// Results the gateway publishes for the host (Caddy placeholders under
// http.ory_actions.*), for access logs and later handlers:
//
//	outcome            what the hooks decided: continue, interrupt, patch or fail
//	hook               the hook that decided an interrupt or failure
//	hooks.<id>.outcome each hook's outcome (as in the calls metric)

// publishValue hands one result to the host, if it listens.
func (gw *Gateway) publishValue(ctx context.Context, key, value string) {
	if gw.publish != nil {
		gw.publish(ctx, key, value)
	}
}

// publishResult records what the hooks of one point decided.
func (gw *Gateway) publishResult(ctx context.Context, res pointResult) {
	switch {
	case res.fail != nil:
		gw.publishValue(ctx, "outcome", "fail")
		gw.publishValue(ctx, "hook", res.fail.hook)
	case res.interrupt != nil:
		gw.publishValue(ctx, "outcome", "interrupt")
		gw.publishValue(ctx, "hook", res.decidedBy)
	case len(res.patched) > 0:
		gw.publishValue(ctx, "outcome", "patch")
	default:
		gw.publishValue(ctx, "outcome", "continue")
	}
}
