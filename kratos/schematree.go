package kratos

import (
	"strconv"

	"github.com/tidwall/gjson"
)

// schemaNode is one trait schema node, compiled once per identity schema
// so that a submit's extension scan only walks the instance: its local
// $ref is resolved, its "ory.sh/kratos" extension parsed, and its
// properties and items compiled in document order. Nodes form a graph
// (recursive $refs point back to an ancestor); the walk bounds the depth.
type schemaNode struct {
	ext   *nodeExtension // nil without an "ory.sh/kratos" keyword
	props []schemaProp   // "properties" as gjson's ForEach visits them
	// items applies to every element; tuple, when itemsIsTuple, to the
	// element at the same index (nil entries and missing ones are skipped).
	items        *schemaNode
	tuple        []*schemaNode
	itemsIsTuple bool
}

// schemaProp is one entry of "properties".
type schemaProp struct {
	instanceKey string // the gjson path of the key in the instance
	token       string // the JSON-pointer token of the key
	node        *schemaNode
}

// nodeExtension is the part of the "ory.sh/kratos" extension the identity
// validator runs, with the node's "format" the verification part reads.
type nodeExtension struct {
	passwordIdentifier bool
	// anyIdentifier: the trait is an identifier of some credential type
	// (password, code, webauthn, passkey, totp), i.e. a value the admin
	// API's credentials_identifier filter finds the identity by.
	anyIdentifier   bool
	verificationVia string
	recoveryVia     string
	hasFormat       bool // the node has a "format" keyword
	formatIsString  bool
	format          string
}

// treeCompiler compiles schema nodes, sharing one compiled node per
// distinct schema text: $refs resolve against the document root only, so
// equal text means equal behaviour, and sharing turns recursive $refs into
// cycles instead of an endless expansion.
type treeCompiler struct {
	root  gjson.Result
	nodes map[string]*schemaNode
}

// compileTraitsTree compiles properties.traits of the (resolved) root, or
// returns nil when the schema has no traits property.
func compileTraitsTree(root gjson.Result) *schemaNode {
	traits := resolveLocalRef(root, root).Get("properties.traits")
	if !traits.Exists() {
		return nil
	}
	tc := &treeCompiler{root: root, nodes: map[string]*schemaNode{}}
	return tc.compile(traits)
}

// compile returns the node for an (unresolved) schema node that exists.
func (tc *treeCompiler) compile(raw gjson.Result) *schemaNode {
	if n, ok := tc.nodes[raw.Raw]; ok {
		return n
	}
	n := &schemaNode{}
	tc.nodes[raw.Raw] = n // before the children: a $ref cycle finds it
	node := resolveLocalRef(tc.root, raw)
	n.ext = compileExtension(node)
	node.Get("properties").ForEach(func(k, sub gjson.Result) bool {
		key := k.String()
		n.props = append(n.props, schemaProp{
			instanceKey: gjson.Escape(key),
			token:       escapePointerToken(key),
			node:        tc.compile(sub),
		})
		return true
	})
	items := node.Get("items")
	if items.IsArray() {
		n.itemsIsTuple = true
		items.ForEach(func(_, sub gjson.Result) bool {
			n.tuple = append(n.tuple, tc.compileItem(sub))
			return true
		})
	} else {
		n.items = tc.compileItem(items)
	}
	return n
}

// compileItem compiles an items schema; only object schemas are walked.
func (tc *treeCompiler) compileItem(sub gjson.Result) *schemaNode {
	if !sub.IsObject() {
		return nil
	}
	return tc.compile(sub)
}

func compileExtension(node gjson.Result) *nodeExtension {
	ext := node.Get(`ory\.sh/kratos`)
	if !ext.Exists() {
		return nil
	}
	e := &nodeExtension{
		passwordIdentifier: ext.Get("credentials.password.identifier").Bool(),
		anyIdentifier:      anyCredentialIdentifier(ext.Get("credentials")),
		verificationVia:    ext.Get("verification.via").String(),
		recoveryVia:        ext.Get("recovery.via").String(),
	}
	if f := node.Get("format"); f.Exists() {
		e.hasFormat = true
		e.formatIsString = f.Type == gjson.String
		e.format = f.String()
	}
	return e
}

// itemNode is the schema of the array element at index i, or nil.
func (n *schemaNode) itemNode(i int) *schemaNode {
	if !n.itemsIsTuple {
		return n.items
	}
	if i < len(n.tuple) {
		return n.tuple[i]
	}
	return nil
}

// instanceWalker visits the instance along the compiled tree. The JSON
// pointer of a value is only built when the extension rejects it.
type instanceWalker struct {
	out    *extensionScan
	tokens []string // pointer tokens below #/traits
}

func (w *instanceWalker) walk(n *schemaNode, value gjson.Result, depth int) {
	if depth > maxSchemaDepth {
		return
	}
	if n.ext != nil {
		w.out.apply(n.ext, value, w)
	}
	switch {
	case value.IsObject():
		for i := range n.props {
			p := &n.props[i]
			if v := value.Get(p.instanceKey); v.Exists() {
				w.tokens = append(w.tokens, p.token)
				w.walk(p.node, v, depth+1)
				w.tokens = w.tokens[:len(w.tokens)-1]
			}
		}
	case value.IsArray():
		if n.items == nil && len(n.tuple) == 0 {
			return
		}
		i := 0
		value.ForEach(func(_, el gjson.Result) bool {
			if sub := n.itemNode(i); sub != nil {
				w.tokens = append(w.tokens, strconv.Itoa(i))
				w.walk(sub, el, depth+1)
				w.tokens = w.tokens[:len(w.tokens)-1]
			}
			i++
			return true
		})
	}
}

// pointer is the JSON pointer of the value being visited.
func (w *instanceWalker) pointer() string {
	n := len("#/traits")
	for _, t := range w.tokens {
		n += 1 + len(t)
	}
	b := make([]byte, 0, n)
	b = append(b, "#/traits"...)
	for _, t := range w.tokens {
		b = append(b, '/')
		b = append(b, t...)
	}
	return string(b)
}

// anyCredentialIdentifier reports an "identifier": true under any
// credential type of the extension (credentials.<type>.identifier).
func anyCredentialIdentifier(credentials gjson.Result) bool {
	found := false
	credentials.ForEach(func(_, c gjson.Result) bool {
		found = c.Get("identifier").Bool()
		return !found
	})
	return found
}
