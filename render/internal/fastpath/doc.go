// Package fastpath renders the simplest Jsonnet templates without go-jsonnet.
//
// Why: go-jsonnet rebuilds its standard library object on every evaluation (≈60 %
// of the allocations and a third of the CPU of a simple template), so even a
// template that copies two fields costs ≈100 µs. Most webhook templates are just
// that: an object literal of ctx fields. Compile recognises such templates
// (compile.go, std.go) and Program.Eval then renders them: it has the ctx AST built
// by the caller's Parser (the AST go-jsonnet would evaluate), evaluates a small
// compiled tree over it (expr.go) and writes go-jsonnet's manifestation itself
// (manifest.go).
//
// The subset, for a template `function(ctx) body` (possibly under top-level locals):
//   - literals: null, true, false, strings, numbers, -number;
//   - object literals with constant, distinct, visible field names (a: / "a": /
//     ["a"]: / a:::), no +:, no asserts, no object locals; array literals;
//   - ctx, locals (inlined at every use), x.name, x["name"], x[integer];
//   - std.get(x, "name"[, default]), std.objectHas / std.objectHasAll(x, "name"),
//     "name" in x, std.startsWith(a, b), std.endsWith(a, b);
//   - if-then-else, error (any: it is go-jsonnet's to raise), ==, !=, &&, ||, !,
//     and + of two strings.
//
// Everything else is refused by Compile (self, super, $, functions, imports, other
// std functions, comprehensions, …) and the template always runs on go-jsonnet.
// Within the subset, Eval gives up (ok=false) whenever go-jsonnet would, or might,
// raise an error, and the caller then runs go-jsonnet, so outputs and errors,
// cancels included, are always go-jsonnet's. That includes a missing field, an
// operand of another type, an `error` reached (so a cancel runs on go-jsonnet: rare
// by nature), a ctx the Parser rejects, a number that overflows, == between
// containers, nesting deeper than maxManifestDepth and output beyond the caller's
// cap. A panic (a bug here) is recovered and reported, and is a give-up too.
//
// The promise: when Eval succeeds, its output is byte for byte what go-jsonnet
// v0.22.0 (Kratos v1.3.1's) produces for the template with `ctx` bound to the
// Parser's AST.
//
// Sandbox: Eval's work is bounded by the ctx size, the compiled tree (maxSize,
// maxDepth) and the output cap, so it can run on the caller's goroutine without a
// deadline: it cannot run away.
package fastpath
