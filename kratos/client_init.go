package kratos

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// InitFlow starts a flow on the public API as a JSON client would: path is
// /self-service/<flow>/api or /self-service/<flow>/browser; creds are the
// end user's (browser flows need the CSRF pair). The answer's Set-Cookie
// lines belong to that end user.
func (c *Client) InitFlow(ctx context.Context, path string, creds Credentials) (Response, error) {
	if !strings.HasPrefix(path, "/self-service/") || !(strings.HasSuffix(path, "/api") || strings.HasSuffix(path, "/browser")) {
		return Response{}, fmt.Errorf("kratos: init flow: unexpected path %q", path)
	}
	return c.send(ctx, http.MethodGet, c.endpoint(c.public, path, ""), nil, "", creds.apply, "init flow")
}
