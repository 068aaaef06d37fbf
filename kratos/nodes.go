package kratos

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// uiNode is one entry of a flow's ui.nodes, kept as its raw JSON plus the
// few fields the mapping reads, and the edits to apply when rendering.
type uiNode struct {
	raw      string // the node's JSON
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
	// One copy of the document lets every gjson result below reference it
	// instead of copying each node.
	u := &flowUI{flow: flow, uiRes: gjson.Get(string(flow), "ui")}
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
	node := &uiNode{raw: n.Raw}
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
	return &uiNode{raw: string(raw), typ: "input", group: "default", id: name}
}

// newCSRFNode is Kratos's node.NewCSRFNode(token) as it serialises.
func newCSRFNode(token string) *uiNode {
	raw := []byte(`{"type":"input","group":"default","attributes":{"name":"csrf_token","type":"hidden","value":`)
	raw = appendJSONString(raw, token)
	raw = append(raw, `,"required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{}}`...)
	n := &uiNode{raw: string(raw), typ: "input", group: "default", id: "csrf_token"}
	n.value = gjson.Get(n.raw, "attributes.value")
	return n
}

// nodeEdit replaces raw[at:at+n] when a node is rendered.
type nodeEdit struct {
	at, n int
	with  []byte
}

// render writes the node with its edits applied, splicing the changed
// members in place; rare shapes (a value to remove, a member to add) go
// through sjson first.
func (n *uiNode) render(buf []byte) ([]byte, error) {
	raw := n.raw
	if !n.groupEdited && !n.valueEdited && !n.messagesEdited {
		return append(buf, raw...), nil
	}
	var err error
	if n.groupEdited && !gjson.Get(raw, "group").Exists() {
		if raw, err = sjson.Set(raw, "group", n.group); err != nil {
			return nil, fmt.Errorf("kratos: setting node group: %w", err)
		}
	}
	if n.valueEdited && n.newValue == nil && gjson.Get(raw, "attributes.value").Exists() {
		if raw, err = sjson.Delete(raw, "attributes.value"); err != nil {
			return nil, fmt.Errorf("kratos: removing node value: %w", err)
		}
	}
	if n.valueEdited && n.newValue != nil && !gjson.Get(raw, "attributes.value").Exists() && !gjson.Get(raw, "attributes.type").Exists() {
		if raw, err = sjson.SetRaw(raw, "attributes.value", string(n.newValue)); err != nil {
			return nil, fmt.Errorf("kratos: setting node value: %w", err)
		}
	}
	if n.messagesEdited && !gjson.Get(raw, "messages").Exists() {
		if raw, err = sjson.SetRaw(raw, "messages", "[]"); err != nil {
			return nil, fmt.Errorf("kratos: setting node messages: %w", err)
		}
	}

	var stack [3]nodeEdit
	edits := stack[:0]
	if n.groupEdited {
		g := gjson.Get(raw, "group")
		edits = append(edits, nodeEdit{g.Index, len(g.Raw), appendJSONString(nil, n.group)})
	}
	if n.valueEdited && n.newValue != nil {
		if cur := gjson.Get(raw, "attributes.value"); cur.Exists() {
			edits = append(edits, nodeEdit{cur.Index, len(cur.Raw), n.newValue})
		} else {
			// A new value goes right after attributes.type, where Kratos's
			// struct order puts it.
			t := gjson.Get(raw, "attributes.type")
			edits = append(edits, nodeEdit{t.Index + len(t.Raw), 0, append([]byte(`,"value":`), n.newValue...)})
		}
	}
	if n.messagesEdited {
		m := gjson.Get(raw, "messages")
		edits = append(edits, nodeEdit{m.Index, len(m.Raw), appendRawArray(nil, n.messages)})
	}
	slices.SortFunc(edits, func(a, b nodeEdit) int { return a.at - b.at })
	pos := 0
	for _, e := range edits {
		buf = append(buf, raw[pos:e.at]...)
		buf = append(buf, e.with...)
		pos = e.at + e.n
	}
	return append(buf, raw[pos:]...), nil
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
