package kratos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// clientSchemaTTL is how long a fetched identity schema is reused. Schemas
// change only when Kratos's configuration does, but a minute keeps a gateway
// in step with a reconfigured Kratos without a restart.
const clientSchemaTTL = time.Minute

// clientSchemaMaxEntries bounds the cache. Kratos deployments configure a
// handful of schemas; the bound only guards against a flood of unknown ids.
const clientSchemaMaxEntries = 64

// clientSchemaFetchTimeout bounds a shared fetch, which runs detached from
// any single caller's context (see IdentitySchema).
const clientSchemaFetchTimeout = 10 * time.Second

// clientSchemaCache holds identity schemas by id. A fetch in progress is
// shared: callers that ask for the same id meanwhile wait for its result
// instead of sending their own request.
type clientSchemaCache struct {
	mu      sync.Mutex
	entries map[string]*clientSchemaEntry
	ttl     time.Duration
	now     func() time.Time
}

// clientSchemaEntry is one schema, or one fetch of it in progress. body and
// err are written once, before done is closed, and only read after.
type clientSchemaEntry struct {
	done      chan struct{}
	body      []byte
	err       error
	fetchedAt time.Time
}

func (sc *clientSchemaCache) init() {
	sc.entries = make(map[string]*clientSchemaEntry)
	sc.ttl = clientSchemaTTL
	sc.now = time.Now
}

// IdentitySchema returns the JSON Schema Kratos serves under
// GET /schemas/{schemaID} on the public API (Kratos accepts the plain id and
// its base64url form, as used in identities' schema_url). Answers are cached
// per id for a minute; concurrent callers share one fetch. Failed fetches are
// not cached. A caller whose ctx ends stops waiting, but the shared fetch
// goes on for the others.
func (c *Client) IdentitySchema(ctx context.Context, schemaID string) ([]byte, error) {
	if schemaID == "" {
		return nil, fmt.Errorf("kratos: identity schema: empty schema id")
	}
	entry := c.schemas.lookupOrStart(schemaID, func(e *clientSchemaEntry) {
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), clientSchemaFetchTimeout)
		defer cancel()
		e.body, e.err = c.fetchIdentitySchema(fetchCtx, schemaID)
	})
	select {
	case <-entry.done:
		return entry.body, entry.err
	case <-ctx.Done():
		return nil, fmt.Errorf("kratos: identity schema %q: %w", schemaID, ctx.Err())
	}
}

// lookupOrStart returns the entry for id: a fresh cached one, one being
// fetched, or a new one whose fetch it starts in a goroutine.
func (sc *clientSchemaCache) lookupOrStart(id string, fetch func(*clientSchemaEntry)) *clientSchemaEntry {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if e, ok := sc.entries[id]; ok && !sc.expiredLocked(e) {
		return e
	}
	if len(sc.entries) >= clientSchemaMaxEntries {
		sc.evictExpiredLocked()
	}
	e := &clientSchemaEntry{done: make(chan struct{})}
	cache := len(sc.entries) < clientSchemaMaxEntries
	if cache {
		sc.entries[id] = e
	}
	go func() {
		fetch(e)
		sc.mu.Lock()
		e.fetchedAt = sc.now()
		if e.err != nil && cache && sc.entries[id] == e {
			delete(sc.entries, id) // the next caller retries
		}
		sc.mu.Unlock()
		close(e.done)
	}()
	return e
}

// expiredLocked reports whether a finished entry is older than the TTL. An
// entry still being fetched is never expired.
func (sc *clientSchemaCache) expiredLocked(e *clientSchemaEntry) bool {
	select {
	case <-e.done:
		return sc.now().Sub(e.fetchedAt) >= sc.ttl
	default:
		return false
	}
}

func (sc *clientSchemaCache) evictExpiredLocked() {
	for id, e := range sc.entries {
		if sc.expiredLocked(e) {
			delete(sc.entries, id)
		}
	}
}

// fetchIdentitySchema does the actual GET. Only a 200 with a JSON body is a
// schema; anything else is an error that names the status.
func (c *Client) fetchIdentitySchema(ctx context.Context, schemaID string) ([]byte, error) {
	what := fmt.Sprintf("identity schema %q", schemaID)
	resp, err := c.send(ctx, http.MethodGet, c.endpoint(c.public, "/schemas/", schemaID), nil, "", nil, what)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, fmt.Errorf("kratos: %s: status %d", what, resp.Status)
	}
	if !json.Valid(resp.Body) {
		return nil, fmt.Errorf("kratos: %s: answer is not JSON", what)
	}
	return resp.Body, nil
}
