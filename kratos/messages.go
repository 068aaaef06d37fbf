package kratos

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// MapOptions says how ApplyMessages treats a flow besides adding the
// messages, mirroring what Kratos does around a hook interrupt.
type MapOptions struct {
	// ResetMessages clears earlier messages of the flow and its nodes first
	// (registration, login and recovery; see ResetOptionsFor).
	ResetMessages bool
	// Refill sets node values: dotted node name -> JSON value (null removes
	// the value). Kratos refills from the identity's traits (TraitValues);
	// "password" is never refilled.
	Refill map[string]json.RawMessage
	// ClearIdentifier sets the login "identifier" node's value to "".
	ClearIdentifier bool
	// CSRFToken, when non-empty, replaces the csrf_token node (browser flows
	// get a fresh token on every answer).
	CSRFToken string
	// EnsureNodes are node names created, without messages, where the flow
	// has none (the nodes an earlier interrupt added and Kratos kept).
	EnsureNodes []string
	// Order re-sorts the nodes as Kratos does afterwards (NodeOrderFor);
	// nil keeps the order.
	Order *NodeOrder
}

// ResetOptionsFor reports whether Kratos clears a flow's earlier messages
// before mapping new ones: registration, login and recovery do; settings
// and verification keep stale messages.
func ResetOptionsFor(f Flow) bool {
	switch f {
	case Registration, Login, Recovery:
		return true
	}
	return false
}

// ApplyMessages maps a web hook's interrupt messages onto a flow exactly as
// Kratos does (HandleHookError, then the flow's error handler with
// Container.ParseError): node values are refilled and the CSRF token
// replaced, earlier messages optionally reset, then each message goes to
// the first node whose name equals the instance pointer in dotted form
// ("#/traits/email" -> "traits.email"); "#/", "" and blank names go to
// ui.messages; a pointer without a node appends a text input node carrying
// the message. Type "error" stays, any other type becomes "info"; id, text
// and context are copied. Finally the nodes are sorted (opt.Order). Only
// ui.nodes and ui.messages of the flow change.
func ApplyMessages(flow []byte, msgs []hooks.Message, opt MapOptions) ([]byte, error) {
	u, err := openFlowUI(flow)
	if err != nil {
		return nil, err
	}
	for name, v := range opt.Refill {
		if name == "password" {
			continue
		}
		if n := u.find(name); n != nil && n.typ == "input" {
			if string(v) == "null" {
				v = nil
			}
			n.setValue(v)
		}
	}
	if opt.ClearIdentifier {
		if n := u.find("identifier"); n != nil && n.typ == "input" {
			n.setValue([]byte(`""`))
		}
	}
	if opt.CSRFToken != "" {
		u.upsert(newCSRFNode(opt.CSRFToken))
	}
	if opt.ResetMessages {
		u.resetMessages()
	}
	for _, name := range opt.EnsureNodes {
		if u.find(name) == nil {
			u.nodes = append(u.nodes, newTextInputNode(name))
		}
	}
	for _, m := range msgs {
		name := pointerToDotted(m.InstancePtr)
		for _, d := range m.Messages {
			text := appendUIText(nil, d)
			if strings.TrimSpace(name) == "" {
				u.topMessages, u.topEdited = append(u.topMessages, string(text)), true
				continue
			}
			n := u.find(name)
			if n == nil {
				n = newTextInputNode(name)
				u.nodes = append(u.nodes, n)
			}
			n.addMessage(text)
		}
	}
	if opt.Order != nil {
		opt.Order.sortNodes(u.nodes)
	}
	return u.render()
}

// AddedNodes names the nodes ApplyMessages would add to flow for msgs:
// messages on pointers that match no node.
func AddedNodes(flow []byte, msgs []hooks.Message) []string {
	u, err := openFlowUI(flow)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range msgs {
		name := pointerToDotted(m.InstancePtr)
		if strings.TrimSpace(name) == "" || len(m.Messages) == 0 || u.find(name) != nil || slices.Contains(out, name) {
			continue
		}
		out = append(out, name)
	}
	return out
}

// upsert replaces the first node with the same id, or appends it.
func (u *flowUI) upsert(n *uiNode) {
	for i, old := range u.nodes {
		if old.id == n.id {
			u.nodes[i] = n
			return
		}
	}
	u.nodes = append(u.nodes, n)
}

// appendUIText writes a webhook message detail as Kratos's text.Message:
// {"id", "text", "type", "context"?} with the type reduced to error/info.
func appendUIText(buf []byte, d hooks.Detail) []byte {
	typ := "info"
	if d.Type == "error" {
		typ = "error"
	}
	buf = append(buf, `{"id":`...)
	buf = strconv.AppendInt(buf, d.ID, 10)
	buf = append(buf, `,"text":`...)
	buf = appendJSONString(buf, d.Text)
	buf = append(buf, `,"type":"`...)
	buf = append(buf, typ...)
	buf = append(buf, '"')
	if len(d.Context) > 0 {
		buf = append(buf, `,"context":`...)
		buf = append(buf, d.Context...)
	}
	return append(buf, '}')
}

// pointerToDotted is ory/x jsonschemax.JSONPointerToDotNotation as Kratos
// uses it, errors ignored: a pointer not starting with "#/" is used as the
// node name unchanged, "#/" gives "", tokens are ~-unescaped and
// path-unescaped (a bad escape gives ""), dots inside tokens are escaped.
func pointerToDotted(ptr string) string {
	if !strings.HasPrefix(ptr, "#/") {
		return ptr
	}
	tokens := strings.Split(ptr[2:], "/")
	for i, tok := range tokens {
		tok = strings.ReplaceAll(tok, "~1", "/")
		tok = strings.ReplaceAll(tok, "~0", "~")
		tok, err := url.PathUnescape(tok)
		if err != nil {
			return ""
		}
		tokens[i] = strings.ReplaceAll(tok, ".", `\.`)
	}
	return strings.Join(tokens, ".")
}
