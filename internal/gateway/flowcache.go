package gateway

import (
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// flowCache keeps registration and login flows the gateway has just seen in
// Kratos's answers (init, fetch), so the submit that usually follows does
// not cost another round trip to Kratos. An entry is used once:
// every submit takes it out, because Kratos may change the stored flow
// (messages, a two-step form's new nodes). Browser flows are bound to the
// client's CSRF cookie, so a flow id alone never yields the flow to another
// client — exactly what Kratos's own fetch enforces. Settings flows, which
// carry the identity, are never cached.
type flowCache struct {
	mu      sync.Mutex
	entries map[string]cachedFlow
}

type cachedFlow struct {
	flow  []byte
	csrf  string // the client's CSRF cookie value; "" for API flows
	until time.Time
}

const (
	flowCacheTTL = 30 * time.Second
	flowCacheMax = 10000
)

func newFlowCache() *flowCache { return &flowCache{entries: map[string]cachedFlow{}} }

// cacheable reports which flows may be cached.
func cacheable(f kratos.Flow) bool { return f == kratos.Registration || f == kratos.Login }

// put remembers a flow Kratos answered to the client whose CSRF cookie is
// csrf. The bytes are copied: callers' buffers are pooled.
func (c *flowCache) put(flow []byte, csrf string, now time.Time) {
	id := gjson.GetBytes(flow, "id").String()
	if id == "" {
		return
	}
	if gjson.GetBytes(flow, "type").String() != "browser" {
		csrf = ""
	} else if csrf == "" {
		return // a browser flow we cannot bind to its client
	}
	until := now.Add(flowCacheTTL)
	if exp := flowExpiry(flow); !exp.IsZero() && exp.Before(until) {
		until = exp
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= flowCacheMax {
		c.evictExpired(now)
		if len(c.entries) >= flowCacheMax {
			return // full of live entries: fetching is the fallback
		}
	}
	c.entries[id] = cachedFlow{flow: append([]byte(nil), flow...), csrf: csrf, until: until}
}

// take removes and returns the flow with that id if it is fresh and, for a
// browser flow, the client presents the same CSRF cookie.
func (c *flowCache) take(id, csrf string, now time.Time) []byte {
	c.mu.Lock()
	e, ok := c.entries[id]
	delete(c.entries, id)
	c.mu.Unlock()
	if !ok || now.After(e.until) || e.csrf != csrf && e.csrf != "" {
		return nil
	}
	return e.flow
}

// evictExpired drops stale entries; the caller holds the lock.
func (c *flowCache) evictExpired(now time.Time) {
	for id, e := range c.entries {
		if now.After(e.until) {
			delete(c.entries, id)
		}
	}
}
