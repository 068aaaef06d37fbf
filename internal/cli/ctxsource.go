package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// readCtx returns the ctx document from --ctx (a file, "-" for stdin) or
// --fixture (read from fixturesDir when set), and what it is, for messages.
func readCtx(ctxFile, fixture, fixturesDir string, stdin io.Reader) ([]byte, string, error) {
	var (
		doc   []byte
		about string
		err   error
	)
	switch {
	case ctxFile != "" && fixture != "":
		return nil, "", errors.New("--ctx and --fixture: give one")
	case ctxFile == "-":
		about = "stdin"
		doc, err = io.ReadAll(stdin)
	case ctxFile != "":
		about = ctxFile
		doc, err = os.ReadFile(ctxFile)
	case fixture != "":
		doc, about, err = fixtureCtx(fixture, fixturesDir)
	default:
		return nil, "", errors.New("a ctx is required: --ctx FILE or --fixture NAME (--fixture list names them)")
	}
	if err != nil {
		return nil, "", err
	}
	if r := gjson.ParseBytes(doc); !gjson.ValidBytes(doc) || !r.IsObject() {
		return nil, "", fmt.Errorf("ctx from %s: not a JSON object", about)
	}
	return doc, about, nil
}

// gatewayCtx is the ctx the gateway hands tmpl for a hook point whose
// Kratos ctx is ctx: the same, plus the flow's transient_payload at the top
// level for templates that read ctx.transient_payload by name (as Ory's
// Actions documentation does, where Kratos v1.3.1 has it only under flow).
func gatewayCtx(ctx []byte, tmpl *render.Template) []byte {
	if !tmpl.ReadsCtxField("transient_payload") || gjson.GetBytes(ctx, "transient_payload").Exists() {
		return ctx
	}
	tp := gjson.GetBytes(ctx, "flow.transient_payload")
	if !tp.Exists() {
		return ctx
	}
	out, err := sjson.SetRawBytes(append([]byte(nil), ctx...), "transient_payload", []byte(tp.Raw))
	if err != nil {
		return ctx
	}
	return out
}
