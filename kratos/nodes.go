package kratos

import (
	"errors"
	"fmt"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// uiNode is one entry of a flow's ui.nodes, kept as its raw JSON plus the
// few fields the mapping reads, and the edits to apply when rendering.
type uiNode struct {
	raw      []byte // nil for nodes created here
	typ      string
	group    string
	id       string // attributes.name for inputs, attributes.id otherwise
	value    gjson.Result
	messages []string // raw message objects

	valueEdited    bool
	newValue       []byte // nil removes the value (Kratos omits a nil value)
	messagesEdited bool
	groupEdited    bool
}

// flowUI is a flow document opened for editing its ui.
type flowUI struct {
	flow        []byte
	uiRes       gjson.Result // the ui object, Index into flow
	nodes       []*uiNode
	topMessages []string
	topEdited   bool
}

var errNoNodes = errors.New("kratos: flow has no ui.nodes array")

func openFlowUI(flow []byte) (*flowUI, error) {
	u := &flowUI{flow: flow, uiRes: gjson.GetBytes(flow, "ui")}
	hasNodes := false
	u.uiRes.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "nodes":
			hasNodes = v.IsArray()
			v.ForEach(func(_, n gjson.Result) bool {
				u.nodes = append(u.nodes, parseUINode(n))
				return true
			})
		case "messages":
			v.ForEach(func(_, m gjson.Result) bool {
				u.topMessages = append(u.topMessages, m.Raw)
				return true
			})
		}
		return true
	})
	if !hasNodes || !u.uiRes.IsObject() || u.uiRes.Index == 0 {
		return nil, errNoNodes
	}
	return u, nil
}

// parseUINode reads the fields the mapping needs in one pass over the node.
func parseUINode(n gjson.Result) *uiNode {
	node := &uiNode{raw: []byte(n.Raw)}
	var name, id string
	n.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "type":
			node.typ = v.String()
		case "group":
			node.group = v.String()
		case "messages":
			v.ForEach(func(_, m gjson.Result) bool {
				node.messages = append(node.messages, m.Raw)
				return true
			})
		case "attributes":
			v.ForEach(func(ak, av gjson.Result) bool {
				switch ak.Str {
				case "name":
					name = av.String()
				case "id":
					id = av.String()
				case "value":
					node.value = av
				}
				return true
			})
		}
		return true
	})
	node.id = id
	if node.typ == "input" {
		node.id = name
	}
	return node
}

// find returns the first node with that id, as Kratos's Nodes.Find does.
func (u *flowUI) find(id string) *uiNode {
	for _, n := range u.nodes {
		if n.id == id {
			return n
		}
	}
	return nil
}

func (n *uiNode) setValue(raw []byte) {
	n.valueEdited, n.newValue = true, raw
	if raw == nil {
		n.value = gjson.Result{}
	} else {
		n.value = gjson.ParseBytes(raw)
	}
}

func (n *uiNode) addMessage(msg []byte) {
	n.messages = append(n.messages, string(msg))
	n.messagesEdited = true
}

func (u *flowUI) resetMessages() {
	u.topMessages, u.topEdited = nil, true
	for _, n := range u.nodes {
		if len(n.messages) > 0 {
			n.messages, n.messagesEdited = nil, true
		}
	}
}

// newTextInputNode is the node Kratos's AddMessage appends for a pointer
// without a node: node.NewInputField(name, nil, default, text).
func newTextInputNode(name string) *uiNode {
	raw := []byte(`{"type":"input","group":"default","attributes":{"name":`)
	raw = appendJSONString(raw, name)
	raw = append(raw, `,"type":"text","disabled":false,"node_type":"input"},"messages":[],"meta":{}}`...)
	return &uiNode{raw: raw, typ: "input", group: "default", id: name}
}

// newCSRFNode is Kratos's node.NewCSRFNode(token) as it serialises.
func newCSRFNode(token string) *uiNode {
	raw := []byte(`{"type":"input","group":"default","attributes":{"name":"csrf_token","type":"hidden","value":`)
	raw = appendJSONString(raw, token)
	raw = append(raw, `,"required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{}}`...)
	n := &uiNode{raw: raw, typ: "input", group: "default", id: "csrf_token"}
	n.value = gjson.GetBytes(raw, "attributes.value")
	return n
}

// render writes the node with its edits applied.
func (n *uiNode) render(buf []byte) ([]byte, error) {
	raw := n.raw
	var err error
	if n.groupEdited {
		if g := gjson.GetBytes(raw, "group"); g.Exists() && g.Index > 0 {
			raw = splice(raw, g.Index, len(g.Raw), appendJSONString(nil, n.group))
		} else if raw, err = sjson.SetBytes(raw, "group", n.group); err != nil {
			return nil, fmt.Errorf("kratos: setting node group: %w", err)
		}
	}
	if n.valueEdited {
		if raw, err = spliceAttrValue(raw, n.newValue); err != nil {
			return nil, err
		}
	}
	if n.messagesEdited {
		arr := appendRawArray(nil, n.messages)
		if m := gjson.GetBytes(raw, "messages"); m.Exists() && m.Index > 0 {
			raw = splice(raw, m.Index, len(m.Raw), arr)
		} else if raw, err = sjson.SetRawBytes(raw, "messages", arr); err != nil {
			return nil, fmt.Errorf("kratos: setting node messages: %w", err)
		}
	}
	return append(buf, raw...), nil
}

// spliceAttrValue sets or removes attributes.value. A new value goes right
// after attributes.type, where Kratos's struct order puts it.
func spliceAttrValue(raw, value []byte) ([]byte, error) {
	cur := gjson.GetBytes(raw, "attributes.value")
	switch {
	case value == nil && !cur.Exists():
		return raw, nil
	case value == nil:
		return sjson.DeleteBytes(raw, "attributes.value")
	case cur.Exists() && cur.Index > 0:
		return splice(raw, cur.Index, len(cur.Raw), value), nil
	}
	if t := gjson.GetBytes(raw, "attributes.type"); t.Exists() && t.Index > 0 {
		ins := append([]byte(`,"value":`), value...)
		return splice(raw, t.Index+len(t.Raw), 0, ins), nil
	}
	return sjson.SetRawBytes(raw, "attributes.value", value)
}

// splice returns a copy of raw with raw[at:at+n] replaced by with.
func splice(raw []byte, at, n int, with []byte) []byte {
	out := make([]byte, 0, len(raw)-n+len(with))
	out = append(out, raw[:at]...)
	out = append(out, with...)
	return append(out, raw[at+n:]...)
}

func appendRawArray(buf []byte, items []string) []byte {
	buf = append(buf, '[')
	for i, it := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, it...)
	}
	return append(buf, ']')
}

// render writes the flow with the edited nodes and messages. Only
// ui.nodes and ui.messages change; every other byte of the flow is kept.
// Kratos's container omits empty top-level messages (omitempty).
func (u *flowUI) render() ([]byte, error) {
	out := make([]byte, 0, len(u.flow)+512)
	out = append(out, u.flow[:u.uiRes.Index]...)
	out = append(out, '{')
	first, wroteMessages := true, false
	var err error
	member := func(k gjson.Result) {
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, k.Raw...)
		out = append(out, ':')
	}
	u.uiRes.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "nodes":
			member(k)
			out = append(out, '[')
			for i, n := range u.nodes {
				if i > 0 {
					out = append(out, ',')
				}
				if out, err = n.render(out); err != nil {
					return false
				}
			}
			out = append(out, ']')
		case "messages":
			wroteMessages = true
			if !u.topEdited {
				member(k)
				out = append(out, v.Raw...)
			} else if len(u.topMessages) > 0 {
				member(k)
				out = appendRawArray(out, u.topMessages)
			}
		default:
			member(k)
			out = append(out, v.Raw...)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if !wroteMessages && u.topEdited && len(u.topMessages) > 0 {
		member(gjson.Result{Raw: `"messages"`})
		out = appendRawArray(out, u.topMessages)
	}
	out = append(out, '}')
	return append(out, u.flow[u.uiRes.Index+len(u.uiRes.Raw):]...), nil
}
