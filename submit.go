package oryactions

import (
	"errors"
	"net/http"

	"github.com/tidwall/gjson"
	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// readSubmit reads and decodes a submit body and puts the bytes back for
// Kratos. ok=false means the client has been answered (body too large).
// An undecodable body yields a nil body: Kratos answers it itself.
func (rt *runtime) readSubmit(w http.ResponseWriter, r *http.Request) (kratos.Submit, []byte, bool) {
	body, err := readBody(r, rt.maxBody)
	if errors.Is(err, errBodyTooLarge) {
		rt.answerTooLarge(w, r)
		return kratos.Submit{}, nil, false
	}
	if err != nil {
		rt.logger.Debug("could not read the submit body", zap.Error(err))
		setBody(r, nil)
		return kratos.Submit{}, nil, true
	}
	setBody(r, body)
	sub, err := kratos.ParseSubmit(r.Header.Get("Content-Type"), body)
	if err != nil {
		rt.logger.Debug("submit body not decodable; passing it to Kratos untouched", zap.Error(err))
		return kratos.Submit{}, nil, true
	}
	return sub, body, true
}

// submittedFlow fetches the flow being submitted, with the client's own
// cookies and session token, as Kratos would load it (SPEC §11). A nil flow
// with unreachable=false means Kratos refused the fetch (unknown, expired or
// foreign flow) and will refuse the submit as well; unreachable=true means
// Kratos could not be asked, and the hooks must not be skipped silently.
func (rt *runtime) submittedFlow(r *http.Request, route kratos.Route) (flow []byte, unreachable bool) {
	if route.FlowID == "" {
		return nil, false
	}
	resp, err := rt.kratos.FetchFlow(r.Context(), string(route.Flow), route.FlowID, r.Header.Get("Cookie"), r.Header.Get("X-Session-Token"))
	if err != nil || resp.Status >= 500 {
		rt.logger.Error("fetching the submitted flow from Kratos failed", zap.String("flow", string(route.Flow)), zap.Int("status", resp.Status), zap.Error(err))
		return nil, true
	}
	if resp.Status != http.StatusOK {
		rt.logger.Debug("submitted flow not fetchable; Kratos will answer", zap.String("flow", string(route.Flow)), zap.Int("status", resp.Status))
		return nil, false
	}
	return resp.Body, false
}

// selectMethod keeps the hooks that apply to the submitted method.
func selectMethod(hs []*hookRef, method string) []*hookRef {
	var out []*hookRef
	for _, h := range hs {
		if h.cfg.Method == "" || h.cfg.Method == method {
			out = append(out, h)
		}
	}
	return out
}

// partition splits after hooks by when they run: parse hooks before the
// change is persisted, other synchronous hooks after, async ones off-path.
func partition(hs []*hookRef) (parse, post, async []*hookRef) {
	for _, h := range hs {
		switch {
		case h.cfg.Config.Async():
			async = append(async, h)
		case h.cfg.Config.Parses():
			parse = append(parse, h)
		default:
			post = append(post, h)
		}
	}
	return parse, post, async
}

// jsonRaw returns the raw JSON at path, or nil when absent or null.
func jsonRaw(doc []byte, path string) []byte {
	v := gjson.GetBytes(doc, path)
	if !v.Exists() || v.Type == gjson.Null {
		return nil
	}
	return []byte(v.Raw)
}

// jsonString returns the string at path, or "".
func jsonString(doc []byte, path string) string {
	return gjson.GetBytes(doc, path).String()
}
