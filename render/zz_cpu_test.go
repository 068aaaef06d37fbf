package render

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	jsonnet "github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func measure(name string, n int, f func()) {
	for i := 0; i < n/10; i++ {
		f()
	}
	best := time.Duration(1 << 62)
	for r := 0; r < 5; r++ {
		c0 := cpuNow()
		for i := 0; i < n; i++ {
			f()
		}
		if d := (cpuNow() - c0) / time.Duration(n); d < best {
			best = d
		}
	}
	fmt.Printf("%-40s cpu/op %v\n", name, best)
}

func TestXCPU(t *testing.T) {
	c := benchCtx(t)
	cs := string(c)
	const n = 400
	measure("unmarshal", n, func() { var v any; json.Unmarshal(c, &v) })
	bl := newCtxBuilder()
	measure("astbuild", n, func() { bl.build(cs) })
	for _, tc := range benchTemplates {
		node, _ := jsonnet.SnippetToAST("t", tc.code)
		tpl, _ := Compile("t", tc.code, Options{})
		measure("template/"+tc.name, n, func() { tpl.Evaluate(context.Background(), c) })
		{
			var v any
			json.Unmarshal(c, &v)
			arg, _ := jsonnet.SnippetToAST("<top-level-arg:ctx>", `std.native("ctx")()`)
			vm := jsonnet.MakeVM()
			vm.NativeFunction(&jsonnet.NativeFunction{Name: "ctx", Params: ast.Identifiers{}, Func: func([]any) (any, error) { return v, nil }})
			vm.TLANode("ctx", arg)
			measure("nativePredecoded/"+tc.name, n, func() { vm.Evaluate(node) })
		}
		{
			arg, _ := jsonnet.SnippetToAST("<top-level-arg:ctx>", `std.native("ctx")()`)
			vm := jsonnet.MakeVM()
			vm.NativeFunction(&jsonnet.NativeFunction{Name: "ctx", Params: ast.Identifiers{}, Func: func([]any) (any, error) { var v any; err := json.Unmarshal(c, &v); return v, err }})
			vm.TLANode("ctx", arg)
			measure("nativeUnmarshal/"+tc.name, n, func() { vm.Evaluate(node) })
		}
		{
			nn, _ := newCtxBuilder().build(cs)
			vm := jsonnet.MakeVM()
			vm.TLANode("ctx", nn)
			measure("astPrebuilt/"+tc.name, n, func() { vm.Evaluate(node) })
		}
		measure("kratos/"+tc.name, n/4, func() { kratosRender("t", tc.code, cs) })
	}
	ftpl, _ := Compile("t", `function(ctx) {}`, Options{})
	measure("floor", n, func() { ftpl.Evaluate(context.Background(), []byte(`{}`)) })
}
