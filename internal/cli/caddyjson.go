package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// handlerName is the "handler" value of an ory_actions handler in Caddy's
// JSON config.
const handlerName = "ory_actions"

// findHandlers returns every ory_actions handler of a Caddy JSON config,
// decoded by host, in a stable order (object keys sorted, arrays in order).
// It searches the whole document rather than following Caddy's structure,
// so handlers inside subroutes, error routes or named routes are found too.
func findHandlers(host Host, config []byte) ([]Handler, error) {
	dec := json.NewDecoder(bytes.NewReader(config))
	dec.UseNumber() // re-encoded handlers keep their numbers exactly
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("reading the JSON config: %w", err)
	}
	var found []Handler
	var walkErr error
	walkJSON(doc, "", func(path string, obj map[string]any) bool {
		if obj["handler"] != handlerName {
			return true
		}
		raw, err := json.Marshal(obj)
		if err == nil {
			var h Handler
			if h, err = host.Handler(raw); err == nil {
				h.Path = path
				found = append(found, h)
				return false
			}
		}
		walkErr = fmt.Errorf("%s: %w", path, err)
		return false
	})
	return found, walkErr
}

// walkJSON calls visit for every object under v with its path; visit
// returning false skips the object's contents.
func walkJSON(v any, path string, visit func(path string, obj map[string]any) bool) {
	switch v := v.(type) {
	case map[string]any:
		if !visit(path, v) {
			return
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walkJSON(v[k], p, visit)
		}
	case []any:
		for i, e := range v {
			walkJSON(e, path+"["+strconv.Itoa(i)+"]", visit)
		}
	}
}

// hookByID finds a hook by id in the handlers. The first match wins: the
// same id in two handlers (two sites, say) is normally the same hook.
func hookByID(hs []Handler, id string) (Handler, int, error) {
	var ids []string
	for _, h := range hs {
		for i, spec := range h.Hooks {
			if spec.ID == id {
				return h, i, nil
			}
			ids = append(ids, spec.ID)
		}
	}
	if len(hs) == 0 {
		return Handler{}, 0, fmt.Errorf("the config has no %s handler", handlerName)
	}
	return Handler{}, 0, fmt.Errorf("no hook with id %q in the config (hooks: %v)", id, ids)
}
