package oryactions

import (
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"
)

func init() {
	httpcaddyfile.RegisterDirective("ory_actions", parseDirective)
	// Before reverse_proxy, so no `order` line is needed in the usual
	// `ory_actions` + `reverse_proxy kratos` site, and after encode, so our
	// rewritten answers are still compressed (encode, an outer handler, then compresses them).
	httpcaddyfile.RegisterDirectiveOrder("ory_actions", httpcaddyfile.Before, "reverse_proxy")
}

// parseDirective is RegisterHandlerDirective's setup, except that a request
// matcher is refused: the gateway must see every request that reaches
// Kratos and decides itself what each one is. A matcher such as
// /self-service/* would let //self-service//registration, which Kratos
// executes as /self-service/registration, go past the hooks to
// reverse_proxy.
func parseDirective(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	if !h.Next() {
		return nil, h.ArgErr()
	}
	matcherSet, err := h.ExtractMatcherSet()
	if err != nil {
		return nil, err
	}
	if matcherSet != nil {
		return nil, h.Err("ory_actions takes no request matcher: it must see every request that reaches Kratos " +
			"(a matcher such as /self-service/* lets spellings like //self-service/registration past the hooks); " +
			"put it, without a matcher, in the site or route that proxies to Kratos")
	}
	val, err := parseCaddyfile(h)
	if err != nil {
		return nil, err
	}
	return h.NewRoute(nil, val), nil
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var m Handler
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return &m, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	ory_actions [<matcher>] {
//		kratos {
//			public_url <url>
//			admin_url  <url>
//			schema_id  <id>
//		}
//		secret          <value>
//		request_headers <name>...
//		max_body_size   <size>
//		ui_url          <flow> <url>
//		error_ui_url    <url>
//		disable_metrics
//		log_bodies
//		templates {
//			import_dir <dir>
//			timeout    <duration>
//			max_output <size>
//		}
//		async {
//			workers       <n>
//			queue         <n>
//			drain_timeout <duration>
//		}
//		hook <flow> before|after [<method>] {
//			id       <name>
//			url      <url>
//			method   <http-method>
//			header   <name> <value>
//			body     <file://…|base64://…|http(s)://…|inline Jsonnet or heredoc>
//			auth basic_auth { user <u>; password <p> }
//			auth api_key    { name <n>; value <v>; in header|cookie }
//			response parse|ignore
//			can_interrupt
//			emit_analytics_event true|false
//			timeout  <duration>
//			retries  <n>
//			deadline <duration>
//			on_error fail|continue
//			sign {
//				secret <whsec_…>   # repeatable: every secret signs (rotation)
//			}
//		}
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch d.Val() {
		case "kratos":
			err = h.Kratos.unmarshal(d)
		case "secret":
			err = oneArg(d, &h.Secret)
		case "request_headers":
			h.RequestHeaders = d.RemainingArgs()
			if len(h.RequestHeaders) == 0 {
				err = d.ArgErr()
			}
		case "max_body_size":
			err = sizeArg(d, &h.MaxBodySize)
		case "ui_url":
			var flow, u string
			if !d.Args(&flow, &u) || d.NextArg() {
				return d.ArgErr()
			}
			if h.UI.Flows == nil {
				h.UI.Flows = map[string]string{}
			}
			h.UI.Flows[flow] = u
		case "disable_metrics":
			if d.NextArg() {
				return d.ArgErr()
			}
			h.DisableMetrics = true
		case "log_bodies":
			if d.NextArg() {
				return d.ArgErr()
			}
			h.LogBodies = true
		case "error_ui_url":
			err = oneArg(d, &h.UI.ErrorURL)
		case "templates":
			err = h.Templates.unmarshal(d)
		case "async":
			err = h.Async.unmarshal(d)
		case "hook":
			var hc HookConfig
			if err = hc.unmarshal(d); err == nil {
				h.Hooks = append(h.Hooks, hc)
			}
		default:
			err = d.Errf("unrecognized subdirective %s", d.Val())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (k *KratosConfig) unmarshal(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch d.Val() {
		case "public_url":
			err = oneArg(d, &k.PublicURL)
		case "admin_url":
			err = oneArg(d, &k.AdminURL)
		case "schema_id":
			err = oneArg(d, &k.SchemaID)
		default:
			err = d.Errf("unrecognized kratos subdirective %s", d.Val())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *TemplateConfig) unmarshal(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch d.Val() {
		case "import_dir":
			err = oneArg(d, &t.ImportDir)
		case "timeout":
			err = durationArg(d, &t.Timeout)
		case "max_output":
			var n int64
			if err = sizeArg(d, &n); err == nil {
				t.MaxOutput = int(n)
			}
		default:
			err = d.Errf("unrecognized templates subdirective %s", d.Val())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *AsyncConfig) unmarshal(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch d.Val() {
		case "workers":
			err = intArg(d, &a.Workers)
		case "queue":
			err = intArg(d, &a.Queue)
		case "drain_timeout":
			err = durationArg(d, &a.DrainTimeout)
		case "durable":
			if a.Durable == nil {
				a.Durable = &DurableConfig{}
			}
			err = a.Durable.unmarshal(d)
		case "nats": // shorthand for durable { nats <url> }
			if a.Durable == nil {
				a.Durable = &DurableConfig{}
			}
			err = oneArg(d, &a.Durable.NATS)
		default:
			err = d.Errf("unrecognized async subdirective %s", d.Val())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// oneArg reads exactly one argument into dst.
func oneArg(d *caddyfile.Dispenser, dst *string) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	*dst = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

func intArg(d *caddyfile.Dispenser, dst *int) error {
	var s string
	if err := oneArg(d, &s); err != nil {
		return err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return d.Errf("%s: %q is not a whole number", d.Val(), s)
	}
	*dst = n
	return nil
}

func durationArg(d *caddyfile.Dispenser, dst *caddy.Duration) error {
	var s string
	if err := oneArg(d, &s); err != nil {
		return err
	}
	dur, err := caddy.ParseDuration(s)
	if err != nil {
		return d.Errf("%q is not a duration: %v", s, err)
	}
	*dst = caddy.Duration(dur)
	return nil
}

func sizeArg(d *caddyfile.Dispenser, dst *int64) error {
	var s string
	if err := oneArg(d, &s); err != nil {
		return err
	}
	n, err := humanize.ParseBytes(strings.TrimSpace(s))
	if err != nil {
		return d.Errf("%q is not a size: %v", s, err)
	}
	*dst = int64(n)
	return nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
