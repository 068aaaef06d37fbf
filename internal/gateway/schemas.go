package gateway

import (
	"context"
	"sync"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// schemaCache compiles identity schemas once per raw document. The Kratos
// client caches the raw schema with a short TTL; recompiling only when the
// bytes change keeps schema updates visible without recompiling per request.
type schemaCache struct {
	client *kratos.Client
	mu     sync.Mutex
	byID   map[string]compiledSchema
}

type compiledSchema struct {
	raw    string
	schema *kratos.Schema
}

func newSchemaCache(c *kratos.Client) *schemaCache {
	return &schemaCache{client: c, byID: map[string]compiledSchema{}}
}

// get returns the compiled schema with that id.
func (c *schemaCache) get(ctx context.Context, id string) (*kratos.Schema, error) {
	raw, err := c.client.IdentitySchema(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	cached, ok := c.byID[id]
	c.mu.Unlock()
	if ok && cached.raw == string(raw) {
		return cached.schema, nil
	}
	s, err := kratos.CompileSchema(id, raw)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.byID[id] = compiledSchema{raw: string(raw), schema: s}
	c.mu.Unlock()
	return s, nil
}
