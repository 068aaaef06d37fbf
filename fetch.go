package oryactions

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// hasCarryCookie is a cheap test before any decryption.
func hasCarryCookie(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Cookie"), kratos.CarryCookieName+"=")
}

// serveFetch handles GET /self-service/<flow>/flows?id= on flows the
// gateway has a stake in: it remembers the flow for the submit that follows
// (registration, login), and injects a carried interrupt into Kratos's
// answer, so the UI shows the web hook's messages and the submitted values
// as if Kratos had stored them.
func (rt *runtime) serveFetch(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) error {
	c, carried := kratos.OpenCarry(rt.sealer, r, route.FlowID, time.Now())
	carried = carried && c.Flow == route.Flow
	if hasCarryCookie(r) && !carried {
		rt.logger.Debug("carry cookie ignored: tampered, expired or for another flow", zap.String("flow", string(route.Flow)))
	}
	caching := cacheable(route.Flow) && rt.interested[route.Flow].after
	if !carried && !caching {
		return next.ServeHTTP(w, r)
	}
	buf := getBuf()
	defer putBuf(buf)
	ans, ok, err := forward(w, r, next, buf, func(status int, h http.Header) bool {
		return status == http.StatusOK && isJSONAnswer(h)
	})
	if err != nil || !ok {
		return err
	}
	if caching {
		rt.flows.put(ans.body, csrfCookieValue(r, w.Header().Values("Set-Cookie")), time.Now())
	}
	out := ans.body
	if carried {
		if withMsgs, err := c.Apply(ans.body, rt.carryMapOptions(r.Context(), c, ans.body)); err == nil {
			out = withMsgs
		} else {
			rt.logger.Warn("could not apply carried messages to the fetched flow", zap.Error(err))
		}
	}
	writeBuffered(w, ans.status, out)
	return nil
}

// carryMapOptions rebuilds the mapping an interrupt used, for Kratos's fresh
// copy of the flow. The CSRF token is left as Kratos just minted it.
func (rt *runtime) carryMapOptions(ctx context.Context, c kratos.Carry, flow []byte) kratos.MapOptions {
	opt := kratos.MapOptions{
		ResetMessages:   kratos.ResetOptionsFor(c.Flow),
		Refill:          c.Refill,
		ClearIdentifier: c.ClearIdentifier,
	}
	schemaID := rt.schemaID
	if c.Flow == kratos.Settings {
		schemaID = gjson.GetBytes(flow, "identity.schema_id").String()
	}
	var keys []string
	if c.Flow == kratos.Registration || c.Flow == kratos.Settings {
		if s, err := rt.schemas.get(ctx, schemaID); err == nil {
			keys = s.KeysInOrder()
		}
	}
	opt.Order = kratos.NodeOrderFor(c.Flow, keys)
	return opt
}

// serveGatewayError answers GET /self-service/errors?id= for ids the
// gateway minted; Kratos answers every other id.
func (rt *runtime) serveGatewayError(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, route kratos.Route) error {
	e, at, ok := kratos.OpenErrorID(rt.sealer, route.FlowID, time.Now())
	if !ok {
		return next.ServeHTTP(w, r)
	}
	writeJSON(w, http.StatusOK, contentTypeFlow, kratos.SelfServiceErrorDocument(route.FlowID, e, at))
	return nil
}
