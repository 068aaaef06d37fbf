package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	jsonnet "github.com/google/go-jsonnet"

	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// kratosErrorPrefix is what Kratos's Jsonnet sandbox (ory/x jsonnetsecure)
// puts before every evaluation error, as package render reproduces.
const kratosErrorPrefix = "jsonnetsecure: ERROR: "

// kratosRender renders as Kratos v1.3.1 does (request/builder.go, run by
// ory/x jsonnetsecure): a fresh VM that refuses imports, the ctx bound as
// code with TLACode, EvaluateAnonymousSnippet. It deliberately shares
// nothing with package render, whose output it is the reference for.
func kratosRender(name, code string, ctx []byte) ([]byte, error) {
	vm := jsonnet.MakeVM()
	vm.Importer(refuseImports{})
	vm.SetTraceOut(io.Discard)
	vm.TLACode("ctx", string(ctx))
	out, err := vm.EvaluateAnonymousSnippet(name, code)
	if err != nil {
		// The VM's error is already formatted, stack trace included.
		return nil, errors.New(kratosErrorPrefix + err.Error())
	}
	return []byte(out), nil
}

// refuseImports is Kratos's sandbox importer, with its message.
type refuseImports struct{}

func (refuseImports) Import(_, importedPath string) (jsonnet.Contents, string, error) {
	return jsonnet.Contents{}, "", fmt.Errorf("import not available %v", importedPath)
}

// compareWithKratos says how Kratos's rendering (kOut, kErr) relates to the
// gateway's (out, err): "identical", or what differs.
func compareWithKratos(out []byte, err error, kOut []byte, kErr error) (same bool, report string) {
	const cancelMarker = "RUNTIME ERROR: cancel"
	switch {
	case err == nil && kErr == nil:
		if bytes.Equal(out, kOut) {
			return true, "identical"
		}
		return false, "differs (- gateway, + Kratos):\n" + lineDiff(out, kOut)
	case errors.Is(err, render.ErrCancel) && kErr != nil && strings.Contains(kErr.Error(), cancelMarker):
		return true, "identical: both cancel the hook"
	case err != nil && kErr != nil:
		if err.Error() == kErr.Error() {
			return true, "identical: both fail with the same error"
		}
		return false, fmt.Sprintf("both fail, with different errors:\n  gateway: %s\n  Kratos:  %s", oneLine(err.Error()), oneLine(kErr.Error()))
	case kErr != nil:
		return false, "differs: Kratos fails where the gateway renders:\n  " + oneLine(kErr.Error())
	default:
		return false, "differs: the gateway fails where Kratos renders:\n  " + oneLine(err.Error())
	}
}

// oneLine indents a multi-line error for a report line.
func oneLine(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}
