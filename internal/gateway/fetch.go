package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// serveFetch handles GET /self-service/<flow>/flows?id= on flows the
// gateway has a stake in: it remembers the flow for the submit that follows
// (registration, login), and injects a carried interrupt into Kratos's
// answer, so the UI shows the web hook's messages and the submitted values
// as if Kratos had stored them.
func (x *exchange) serveFetch() {
	gw, route := x.gw, x.route
	c, carried := x.carriedInterrupt()
	if x.carry != "" && !carried {
		gw.logger.Debug("carry cookie ignored: tampered, expired or for another flow", zap.String("flow", string(route.Flow)))
	}
	caching := cacheable(route.Flow) && gw.Interested(route.Flow, After)
	if !carried && !caching {
		x.pass()
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	ans, answered := x.forward(buf, func(status int, h http.Header) bool {
		return status == http.StatusOK && isJSONAnswer(h)
	})
	if answered {
		return
	}
	if caching {
		gw.flows.put(ans.body, kratos.CSRFCookieValue(x.r, x.w.Header().Values("Set-Cookie")), time.Now())
	}
	out := ans.body
	if carried {
		if withMsgs, err := c.Apply(ans.body, gw.carryMapOptions(x.r.Context(), c, ans.body)); err == nil {
			out = withMsgs
		} else {
			gw.logger.Warn("could not apply carried messages to the fetched flow", zap.Error(err))
		}
	}
	writeBuffered(x.w, answer{ans.status, out})
}

// carryMapOptions rebuilds the mapping an interrupt used, for Kratos's fresh
// copy of the flow, with the CSRF token the interrupt showed (as Kratos's
// stored flow would).
func (gw *Gateway) carryMapOptions(ctx context.Context, c kratos.Carry, flow []byte) kratos.MapOptions {
	opt := kratos.MapOptions{
		ResetMessages:   kratos.ResetOptionsFor(c.Flow),
		Refill:          c.Refill,
		ClearIdentifier: c.ClearIdentifier,
		CSRFToken:       c.CSRFToken,
	}
	schemaID := gw.schemaID
	if c.Flow == kratos.Settings {
		schemaID = gjson.GetBytes(flow, "identity.schema_id").String()
	}
	var keys []string
	if c.Flow == kratos.Registration || c.Flow == kratos.Settings {
		if s, err := gw.schemas.get(ctx, schemaID); err == nil {
			keys = s.KeysInOrder()
		}
	}
	opt.Order = kratos.NodeOrderFor(c.Flow, keys)
	return opt
}

// serveGatewayError answers GET /self-service/errors?id= for ids the
// gateway minted; Kratos answers every other id.
func (x *exchange) serveGatewayError() {
	e, at, ok := kratos.OpenErrorID(x.gw.sealer, x.route.FlowID, time.Now())
	if !ok {
		x.pass()
		return
	}
	writeJSON(x.w, http.StatusOK, contentTypeFlow, kratos.SelfServiceErrorDocument(x.route.FlowID, e, at))
}

// carriedInterrupt is the interrupt an earlier submit of this flow left:
// in the browser's carry cookie, or, for API flows, in the gateway's store.
func (x *exchange) carriedInterrupt() (kratos.Carry, bool) {
	now := time.Now()
	c, ok := kratos.OpenCarry(x.gw.sealer, x.carry, x.route.FlowID, now)
	if !ok {
		c, ok = x.gw.interrupts.get(x.route.FlowID, now)
	}
	return c, ok && c.Flow == x.route.Flow
}
