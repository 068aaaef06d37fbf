package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// kratosConfig is a kratos.yml as import-kratos reads it: the document
// (comments and key order kept, web_hooks taken out), the web_hooks found,
// and what the ory_actions block needs besides them.
type kratosConfig struct {
	doc      *yaml.Node
	lists    []*hookList // every hook list of the known flows, in file order
	webHooks []webHook   // in file order

	publicURL, adminURL string
	schemaID            string
	errorUI             string
	uiURLs              [][2]string // flow, URL
}

// hookList is one `hooks:` list of a flow.
type hookList struct {
	flow    kratos.Flow
	when    string // before or after
	method  string // "" for before.hooks and after.hooks (Kratos's "global")
	key     string // e.g. selfservice.flows.registration.after.password.hooks
	keyNode *yaml.Node
	all     []string // hook names as configured
	kept    []string // hook names left once web_hooks are removed
}

// webHook is one web_hook entry.
type webHook struct {
	list    *hookList
	key     string // e.g. selfservice.flows.registration.after.password.hooks[0]
	config  hooks.Config
	unknown []string // config keys the gateway does not read
}

// webHookKeys are the keys of Kratos's web_hook config the gateway reads.
var webHookKeys = []string{"url", "method", "headers", "body", "auth", "response", "can_interrupt", "emit_analytics_event"}

// parseKratosConfig reads a kratos.yml (YAML or JSON) and takes every
// web_hook out of its document.
func parseKratosConfig(data []byte) (*kratosConfig, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading the Kratos config: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("reading the Kratos config: not a mapping")
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		// JSON in, YAML out: drop the flow style JSON parses into.
		clearStyle(&doc)
	}
	root := doc.Content[0]
	c := &kratosConfig{doc: &doc}
	c.publicURL = listenURL(lookup(root, "serve", "public"), "4433")
	c.adminURL = listenURL(lookup(root, "serve", "admin"), "4434")
	c.schemaID = scalar(lookup(root, "identity", "default_schema_id"))
	c.errorUI = scalar(lookup(root, "selfservice", "flows", "error", "ui_url"))
	flows := lookup(root, "selfservice", "flows")
	if flows == nil || flows.Kind != yaml.MappingNode {
		return c, nil
	}
	for i := 0; i+1 < len(flows.Content); i += 2 {
		flow, ok := kratos.ParseFlow(flows.Content[i].Value)
		if !ok {
			continue
		}
		if err := c.readFlow(flow, flows.Content[i+1]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readFlow collects the hook lists of one flow: before.hooks, after.hooks
// and after.<method>.hooks.
func (c *kratosConfig) readFlow(flow kratos.Flow, node *yaml.Node) error {
	base := "selfservice.flows." + string(flow)
	if u := scalar(lookup(node, "ui_url")); u != "" {
		c.uiURLs = append(c.uiURLs, [2]string{string(flow), u})
	}
	if err := c.readList(flow, "before", "", base+".before", lookup(node, "before")); err != nil {
		return err
	}
	after := lookup(node, "after")
	if after == nil || after.Kind != yaml.MappingNode {
		return nil
	}
	// In file order: where the gateway would run both a method's hooks and
	// after.hooks (Kratos never does; see kratossemantics.go), they run in
	// the order the operator wrote them.
	for i := 0; i+1 < len(after.Content); i += 2 {
		name, val := after.Content[i].Value, after.Content[i+1]
		var err error
		switch {
		case name == "hooks":
			err = c.readList(flow, "after", "", base+".after", after)
		case val.Kind == yaml.MappingNode:
			err = c.readList(flow, "after", name, base+".after."+name, val)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readList takes the web_hooks out of parent's `hooks` list.
func (c *kratosConfig) readList(flow kratos.Flow, when, method, key string, parent *yaml.Node) error {
	keyNode, seq := lookupPair(parent, "hooks")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	l := &hookList{flow: flow, when: when, method: method, key: key + ".hooks", keyNode: keyNode}
	c.lists = append(c.lists, l)
	var kept []*yaml.Node
	for i, item := range seq.Content {
		name := scalar(lookup(item, "hook"))
		l.all = append(l.all, name)
		if name != "web_hook" {
			l.kept = append(l.kept, name)
			kept = append(kept, item)
			continue
		}
		wh, err := decodeWebHook(lookup(item, "config"))
		if err != nil {
			return fmt.Errorf("%s[%d].config: %w", l.key, i, err)
		}
		wh.list, wh.key = l, l.key+"["+strconv.Itoa(i)+"]"
		c.webHooks = append(c.webHooks, wh)
	}
	seq.Content = kept
	return nil
}

// decodeWebHook reads a web_hook config into the gateway's shape, which is
// Kratos's own (JSON keys), noting keys the gateway does not read.
func decodeWebHook(node *yaml.Node) (webHook, error) {
	var wh webHook
	if node == nil {
		return wh, fmt.Errorf("missing")
	}
	var m map[string]any
	if err := node.Decode(&m); err != nil {
		return wh, err
	}
	for k := range m {
		if !slices.Contains(webHookKeys, k) {
			wh.unknown = append(wh.unknown, k)
		}
	}
	slices.Sort(wh.unknown)
	raw, err := json.Marshal(m)
	if err != nil {
		return wh, err
	}
	if err := json.Unmarshal(raw, &wh.config); err != nil {
		return wh, err
	}
	return wh, nil
}

// keptYAML is the document without its web_hooks, as YAML.
func (c *kratosConfig) keptYAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c.doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// listenURL is where Caddy reaches a Kratos API: serve.<api>.host and
// port (not base_url, which names the gateway once it is in front).
func listenURL(serve *yaml.Node, defaultPort string) string {
	host := scalar(lookup(serve, "host"))
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	port := scalar(lookup(serve, "port"))
	if port == "" {
		port = defaultPort
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port
}

// lookup follows mapping keys; nil when any is missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if _, n = lookupPair(n, k); n == nil {
			return nil
		}
	}
	return n
}

// lookupPair returns a mapping's key node and value node for key.
func lookupPair(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func clearStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		clearStyle(c)
	}
}
