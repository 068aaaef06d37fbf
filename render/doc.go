// Package render renders webhook bodies from Jsonnet templates the way Ory Kratos
// v1.3.1 does (request/builder.go with ory/x jsonnetsecure), but compiles each
// template once and evaluates it fast.
//
// Use: Load a template source (base64://, file://, http(s)://, or inline code), Compile
// it, then call Template.Evaluate with the ctx JSON for each request. The output is
// byte-identical to Kratos's: go-jsonnet's standard manifestation of the template
// applied to the top-level argument `ctx`.
//
// Speed: Kratos re-parses the template and the ctx (bound as code) per call, ≈1 ms.
// Here the template is parsed once, VMs are pooled, and the ctx JSON is turned
// straight into the AST go-jsonnet would have parsed, keeping only the parts the
// template can read (ctxast.go, ctxuse.go). What remains is go-jsonnet's fixed cost of
// rebuilding its std library object on every evaluation (≈100 µs), which the fast
// path avoids: templates within a small subset (object literals of ctx fields,
// std.get, conditions on ctx strings, …) are rendered by a tiny evaluator of our own
// that writes go-jsonnet's manifestation byte for byte, and falls back to go-jsonnet
// whenever it meets anything it does not reproduce exactly, errors and cancels
// included, or panics (counted, and reported to Options.OnFastPathPanic).
//
// Sandbox, matching Kratos where Kratos has a rule: imports are refused unless
// Options.ImportDir is set (then confined to that directory); the rendered output is
// capped (Options.MaxOutput); each evaluation has a deadline (Options.Timeout, 1 s
// like Kratos's) and the number of evaluations running at once is bounded by a
// Limiter (see Evaluate for why a timed-out evaluation keeps its slot); fast-path
// evaluations, bounded by the ctx size and the output cap, need neither. Kratos runs
// Jsonnet in a child process, which also bounds memory; in-process we cannot, and
// rely on the deadline, the concurrency bound and go-jsonnet's stack limit.
//
// Files: template.go (Compile, Template), evaluate.go (Evaluate: deadline, Limiter),
// options.go, errors.go, load.go (template sources), importer.go, limiter.go; the
// ctx as an AST: ctxast.go, ctxnodes.go, ctxlex.go, ctxskip.go, slab.go, with
// ctxuse.go (which parts of the ctx a template can observe); fastpath.go, render's
// only contact with the fast path.
//
// The fast path itself is package internal/fastpath, used through one entry point:
// fastpath.Compile(templateAST, newParser) returns a *fastpath.Program (nil outside
// the subset), whose Eval(ctxJSON, maxOutput) returns the output, or ok=false to run
// go-jsonnet instead, with a recovered panic if that was the reason. It pools its
// evaluation state and gets the ctx AST from render's builder through the
// fastpath.Parser interface, so it sees exactly the AST go-jsonnet would.
//
// Tests that compare the fast path with go-jsonnet through render (fast_*_test.go,
// including the fuzz targets FuzzFastPathMatchesJsonnet over ctx documents and
// FuzzFastPathTemplates over generated templates and ctx documents, against Kratos's
// TLACode evaluation) stay here; internal/fastpath tests its own compiler,
// evaluator and manifestation against go-jsonnet on the same AST.
//
// The package knows nothing of Caddy or of Kratos's flows.
package render
