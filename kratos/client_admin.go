package kratos

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// GetIdentity GETs /admin/identities/{id} on the admin API.
func (c *Client) GetIdentity(ctx context.Context, id string) (Response, error) {
	u, err := c.adminPath("get identity", "/admin/identities/", id)
	if err != nil {
		return Response{}, err
	}
	return c.send(ctx, http.MethodGet, u, nil, "", nil, "get identity")
}

// PatchIdentity sends patch, a JSON Patch document (RFC 6902), to
// PATCH /admin/identities/{id} on the admin API. Kratos reads the body as a
// patch whatever its Content-Type; it is sent as application/json, as Ory's
// own SDKs do.
func (c *Client) PatchIdentity(ctx context.Context, id string, patch []byte) (Response, error) {
	u, err := c.adminPath("patch identity", "/admin/identities/", id)
	if err != nil {
		return Response{}, err
	}
	return c.send(ctx, http.MethodPatch, u, patch, "application/json", nil, "patch identity")
}

// IdentitiesByIdentifier GETs /admin/identities?credentials_identifier= on
// the admin API: the (at most one-element) list of identities that have
// identifier as a login identifier.
func (c *Client) IdentitiesByIdentifier(ctx context.Context, identifier string) (Response, error) {
	if c.admin == nil {
		return Response{}, ErrNoAdminURL
	}
	if identifier == "" {
		// Without the filter Kratos would list every identity.
		return Response{}, fmt.Errorf("kratos: identities by identifier: empty identifier")
	}
	u := c.endpoint(c.admin, "/admin/identities", "")
	u.RawQuery = url.Values{"credentials_identifier": {identifier}}.Encode()
	return c.send(ctx, http.MethodGet, u, nil, "", nil, "identities by identifier")
}

// RevokeSession DELETEs /admin/sessions/{id} on the admin API, which
// deactivates that session (Kratos answers 204).
func (c *Client) RevokeSession(ctx context.Context, sessionID string) (Response, error) {
	u, err := c.adminPath("revoke session", "/admin/sessions/", sessionID)
	if err != nil {
		return Response{}, err
	}
	return c.send(ctx, http.MethodDelete, u, nil, "", nil, "revoke session")
}

// adminPath builds prefix+id on the admin API.
func (c *Client) adminPath(what, prefix, id string) (*url.URL, error) {
	if c.admin == nil {
		return nil, ErrNoAdminURL
	}
	if id == "" {
		return nil, fmt.Errorf("kratos: %s: empty id", what)
	}
	return c.endpoint(c.admin, prefix, id), nil
}

// DeleteCredential DELETEs /admin/identities/{id}/credentials/{type}: a
// second factor (totp, lookup_secret, webauthn) the identity holds
// (Kratos answers 204).
func (c *Client) DeleteCredential(ctx context.Context, id, typ string) (Response, error) {
	u, err := c.adminPath("delete credential", "/admin/identities/", id)
	if err != nil {
		return Response{}, err
	}
	u = c.endpoint(u, "/credentials/", typ)
	return c.send(ctx, http.MethodDelete, u, nil, "", nil, "delete credential")
}

// DeleteIdentity DELETEs /admin/identities/{id} on the admin API, which
// removes the identity with its credentials and sessions (Kratos answers
// 204).
func (c *Client) DeleteIdentity(ctx context.Context, id string) (Response, error) {
	u, err := c.adminPath("delete identity", "/admin/identities/", id)
	if err != nil {
		return Response{}, err
	}
	return c.send(ctx, http.MethodDelete, u, nil, "", nil, "delete identity")
}
