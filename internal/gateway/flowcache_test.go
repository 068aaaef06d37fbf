package gateway

import (
	"testing"
	"time"
)

func TestFlowCacheIsSingleUseAndBoundToTheCSRFCookie(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	c := newFlowCache()
	api := []byte(`{"id":"a1","type":"api","expires_at":"2026-11-27T12:10:00Z"}`)
	browser := []byte(`{"id":"b1","type":"browser","expires_at":"2026-11-27T12:10:00Z"}`)
	short := []byte(`{"id":"s1","type":"api","expires_at":"2026-11-27T12:00:05Z"}`)

	c.put(api, "ignored-for-api-flows", now)
	c.put(browser, "cookie-A", now)
	c.put(short, "", now)
	c.put([]byte(`{"id":"b2","type":"browser"}`), "", now) // unbindable: not cached

	if got := c.take("a1", "", now); string(got) != string(api) {
		t.Errorf("API flow: got %s", got)
	}
	if got := c.take("a1", "", now); got != nil {
		t.Error("an entry is used once")
	}
	if got := c.take("b1", "cookie-B", now); got != nil {
		t.Error("a browser flow must not be handed to another client")
	}
	c.put(browser, "cookie-A", now)
	if got := c.take("b1", "cookie-A", now); string(got) != string(browser) {
		t.Errorf("browser flow for its own client: got %s", got)
	}
	if got := c.take("s1", "", now.Add(10*time.Second)); got != nil {
		t.Error("an entry lives no longer than its flow")
	}
	if got := c.take("b2", "", now); got != nil {
		t.Error("a browser flow without a CSRF cookie must not be cached")
	}
	c.put(api, "", now)
	if got := c.take("a1", "", now.Add(flowCacheTTL+time.Second)); got != nil {
		t.Error("entries expire after the TTL")
	}
}
