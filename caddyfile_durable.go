package oryactions

import (
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// unmarshal reads
//
//	durable {
//		nats         <url>[,<url>...]
//		creds_file   <path>
//		store_dir    <path>
//		stream       <name>
//		max_attempts <n>
//		backoff      <duration>...
//		max_age      <duration>
//		workers      <n>
//		redeliver_after <duration>
//	}
//
// A bare `durable` uses the embedded server with every default.
func (c *DurableConfig) unmarshal(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch d.Val() {
		case "nats":
			err = oneArg(d, &c.NATS)
		case "creds_file":
			err = oneArg(d, &c.CredsFile)
		case "store_dir":
			err = oneArg(d, &c.StoreDir)
		case "stream":
			err = oneArg(d, &c.Stream)
		case "max_attempts":
			err = intArg(d, &c.MaxAttempts)
		case "max_age":
			err = durationArg(d, &c.MaxAge)
		case "workers":
			err = intArg(d, &c.Workers)
		case "redeliver_after":
			err = durationArg(d, &c.RedeliverAfter)
		case "backoff":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			c.Backoff = nil
			for _, a := range args {
				dur, perr := caddy.ParseDuration(a)
				if perr != nil {
					return d.Errf("backoff: %q is not a duration: %v", a, perr)
				}
				c.Backoff = append(c.Backoff, caddy.Duration(dur))
			}
		default:
			err = d.Errf("unrecognized durable subdirective %s", d.Val())
		}
		if err != nil {
			return err
		}
	}
	return nil
}
