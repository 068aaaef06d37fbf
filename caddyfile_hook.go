package oryactions

// The `hook` block of the Caddyfile: one web hook, its auth, its signing
// secrets and its body source.

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// unmarshal reads `hook <flow> before|after [<method>] { … }`.
func (hc *HookConfig) unmarshal(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) < 2 || len(args) > 3 {
		return d.Errf("hook: want <flow> before|after [<method>], got %d arguments", len(args))
	}
	hc.Flow, hc.When = args[0], args[1]
	if len(args) == 3 {
		hc.Method = args[2]
	}
	c := &hc.Config
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch d.Val() {
		case "id":
			err = oneArg(d, &hc.ID)
		case "url":
			err = oneArg(d, &c.URL)
		case "method":
			err = oneArg(d, &c.Method)
		case "header":
			var name, value string
			if !d.Args(&name, &value) {
				return d.ArgErr()
			}
			if c.Headers == nil {
				c.Headers = map[string]string{}
			}
			c.Headers[name] = value
		case "body":
			if err = oneArg(d, &c.Body); err == nil {
				c.Body = bodySource(c.Body)
			}
		case "auth":
			c.Auth, err = unmarshalAuth(d)
		case "response":
			var mode string
			if err = oneArg(d, &mode); err == nil {
				switch mode {
				case "parse":
					c.Response.Parse = true
				case "ignore":
					c.Response.Ignore = true
				default:
					err = d.Errf("response: unknown %q (want parse or ignore)", mode)
				}
			}
		case "can_interrupt":
			if d.NextArg() {
				return d.ArgErr()
			}
			c.CanInterrupt = true
		case "emit_analytics_event":
			var v string
			if err = oneArg(d, &v); err == nil {
				b, perr := strconv.ParseBool(v)
				if perr != nil {
					return d.Errf("emit_analytics_event: %q is not true or false", v)
				}
				c.EmitAnalyticsEvent = &b
			}
		case "timeout":
			err = durationArg(d, &hc.Timeout)
		case "retries":
			var n int
			if err = intArg(d, &n); err == nil {
				hc.Retries = &n
			}
		case "deadline":
			err = durationArg(d, &hc.Deadline)
		case "on_error":
			err = oneArg(d, &hc.OnError)
		case "sign":
			hc.Sign, err = unmarshalSign(d)
		default:
			err = d.Errf("unrecognized hook subdirective %s", d.Val())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// unmarshalAuth reads `auth basic_auth { … }` or `auth api_key { … }`.
func unmarshalAuth(d *caddyfile.Dispenser) (*hooks.Auth, error) {
	a := &hooks.Auth{}
	if !d.NextArg() {
		return nil, d.ArgErr()
	}
	a.Type = d.Val()
	if a.Type != "basic_auth" && a.Type != "api_key" {
		return nil, d.Errf("auth: unknown type %q (want basic_auth or api_key)", a.Type)
	}
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		var dst *string
		switch {
		case key == "user" && a.Type == "basic_auth":
			dst = &a.Config.User
		case key == "password" && a.Type == "basic_auth":
			dst = &a.Config.Password
		case key == "name" && a.Type == "api_key":
			dst = &a.Config.Name
		case key == "value" && a.Type == "api_key":
			dst = &a.Config.Value
		case key == "in" && a.Type == "api_key":
			dst = &a.Config.In
		default:
			return nil, d.Errf("auth %s: unrecognized subdirective %s", a.Type, key)
		}
		if err := oneArg(d, dst); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// unmarshalSign reads `sign { secret <whsec_…> … }`. A literal secret is
// checked here, so `caddy adapt` already names a mistyped one; a
// placeholder is checked once resolved, at load. Errors never quote the
// secret.
func unmarshalSign(d *caddyfile.Dispenser) (*SignConfig, error) {
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	sc := &SignConfig{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if d.Val() != "secret" {
			return nil, d.Errf("sign: unrecognized subdirective %s", d.Val())
		}
		var secret string
		if err := oneArg(d, &secret); err != nil {
			return nil, err
		}
		if !strings.Contains(secret, "{") {
			if _, err := hooks.ParseSigningSecret(secret); err != nil {
				return nil, d.Errf("sign.secrets[%d]: %v", len(sc.Secrets), err)
			}
		}
		sc.Secrets = append(sc.Secrets, secret)
	}
	if len(sc.Secrets) == 0 {
		return nil, d.Err("sign: at least one secret required")
	}
	return sc, nil
}

// bodySource gives a Caddyfile body one reading: a URI (base64://,
// file://, http(s)://) or a path stays as written (a path is a file, as in
// Kratos); anything that cannot be a path — a heredoc, or any text with a
// newline, a space or a brace — is inline Jsonnet, stored as base64:// so
// the JSON config cannot be read another way.
func bodySource(v string) string {
	for _, scheme := range []string{"base64://", "file://", "http://", "https://"} {
		if strings.HasPrefix(v, scheme) {
			return v
		}
	}
	if !strings.ContainsAny(v, " \t\n\r{}()") {
		return v
	}
	return "base64://" + base64.StdEncoding.EncodeToString([]byte(v))
}
