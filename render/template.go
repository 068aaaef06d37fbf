package render

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"

	"github.com/caddy-ory-actions/caddy-ory-actions/render/internal/fastpath"
)

// Template is a compiled Jsonnet template. It is safe for concurrent use.
//
// Kratos builds a fresh VM and re-parses the template and the ctx (as code) on every
// call. A Template parses once; each evaluation takes a VM from a pool (a go-jsonnet VM
// is not goroutine-safe, and it keeps an import cache worth reusing), binds the ctx as
// a pre-built AST (see ctxast.go) and evaluates the shared, read-only template AST.
type Template struct {
	name      string
	node      ast.Node
	need      *ctxPaths // the parts of the ctx the template can observe
	importer  jsonnet.Importer
	limiter   *Limiter
	timeout   time.Duration
	maxOutput int
	// slots pools VMs. A VM's import cache survives across evaluations, as it does
	// when one go-jsonnet VM evaluates repeatedly: imported code cannot see the ctx
	// except through function arguments, so cached imported values are the same for
	// every request.
	slots sync.Pool // *vmSlot

	// fast is the template compiled for the fast path (package fastpath, used
	// through fastpath.go), nil when it is outside the subset. fastHits counts the
	// evaluations it rendered (tests check that the fast path was really taken),
	// fastPanics those it gave up after a panic.
	fast            *fastpath.Program
	fastHits        atomic.Uint64
	fastPanics      atomic.Uint64
	onFastPathPanic func(FastPathPanic)
}

// vmSlot is one pooled VM with its ctx builder.
type vmSlot struct {
	vm      *jsonnet.VM
	builder *ctxBuilder
}

// Compile parses and statically checks code once (unknown variables, for instance,
// are reported now rather than on every request), and compiles the template for the
// fast path too when it is within that path's subset (see package fastpath). A
// syntax or static error comes back as an error carrying go-jsonnet's message, with
// the template's line:column.
func Compile(name, code string, opts Options) (*Template, error) {
	node, err := jsonnet.SnippetToAST(name, code)
	if err != nil {
		msg := strings.TrimRight(jsonnet.MakeVM().ErrorFormatter.Format(err), "\n")
		if name == InlineName && looksLikePath(code) {
			msg += "\n(the template source was read as inline Jsonnet code; write file://" +
				strings.TrimSpace(code) + " to load a file)"
		}
		return nil, fmt.Errorf("render: compiling template %s: %s", name, msg)
	}
	// Kratos evaluates with EvaluateAnonymousSnippet, which leaves the file name used
	// for std.thisFile empty; SnippetToAST sets it on the root, so clear it there.
	node.Loc().FileName = ""

	need := analyzeCtxUse(node)
	t := &Template{
		name:            name,
		node:            node,
		need:            need,
		importer:        noImporter{},
		limiter:         opts.limiter(),
		timeout:         opts.timeout(),
		maxOutput:       opts.maxOutput(),
		fast:            fastpath.Compile(node, func() fastpath.Parser { return newFastParser(need) }),
		onFastPathPanic: opts.OnFastPathPanic,
	}
	if opts.ImportDir != "" {
		if t.importer, err = newDirImporter(opts.ImportDir); err != nil {
			return nil, err
		}
	}
	t.slots.New = t.newSlot
	return t, nil
}

// Name returns the template's display name.
func (t *Template) Name() string { return t.name }

func (t *Template) newSlot() any {
	vm := jsonnet.MakeVM()
	vm.MaxStack = maxStack
	vm.Importer(t.importer)
	// std.trace output would otherwise go to our stderr, and it may carry ctx data
	// (cookies, tokens). Kratos's sandbox never surfaces it either.
	vm.SetTraceOut(io.Discard)
	return &vmSlot{vm: vm, builder: newCtxBuilder()}
}

// evaluate runs one evaluation on a pooled VM. ctxJSON must not be modified while it
// runs (Evaluate passes a private copy).
func (t *Template) evaluate(ctxJSON string) ([]byte, error) {
	slot := t.slots.Get().(*vmSlot)
	defer t.slots.Put(slot)

	ctxNode, err := slot.builder.build(ctxJSON, t.need)
	if err != nil {
		return nil, err
	}
	slot.vm.TLANode("ctx", ctxNode)
	out, err := slot.vm.Evaluate(t.node)
	slot.vm.TLANode("ctx", nullNode) // do not keep this ctx alive in the pool
	if err != nil {
		return nil, classifyEvalError(t.name, slot.vm.ErrorFormatter.Format(err))
	}
	if len(out) > t.maxOutput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrOutputTooLarge, len(out), t.maxOutput)
	}
	return []byte(out), nil
}

// looksLikePath tells whether inline code is more likely a forgotten file:// path.
func looksLikePath(code string) bool {
	code = strings.TrimSpace(code)
	if code == "" || strings.ContainsAny(code, " \t\n{}()") {
		return false
	}
	switch filepath.Ext(code) {
	case ".jsonnet", ".libsonnet", ".json":
		return true
	}
	return false
}

// ReadsCtxField reports whether the template reads the top-level ctx field
// name by name (ctx.name, ctx["name"], std.get(ctx, "name"), …), as the
// ctx-use analysis sees it. A template the analysis cannot follow (one that
// reads the whole ctx, or passes it around) reports false: such templates
// get exactly the ctx Kratos would give them.
func (t *Template) ReadsCtxField(name string) bool {
	if t.need == nil || t.need.whole {
		return false
	}
	_, ok := t.need.children[name]
	return ok
}
