// Command caddymain is Caddy with its standard modules and ory_actions, as
// xcaddy builds it; the tests of package cli run its `ory-actions` commands.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/caddy-ory-actions/caddy-ory-actions"
)

func main() {
	caddycmd.Main()
}
