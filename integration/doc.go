// Package integration holds the tests that go through Caddy: a Caddyfile
// with ory_actions in front of a real Kratos v1.3.1, real webhook
// receivers on loopback, clients speaking HTTP. They test the public
// interface (Caddyfile → HTTP) and live apart from the root package, which
// is Caddy glue only, and from internal/gateway, whose own tests need no
// Caddy. The package has no code outside its tests.
//
// The adversarial matrix of the no-bypass promise is bypass_test.go (path
// spellings, query and body shapes, methods, CSRF pairs),
// bypass_settings_test.go (credential carriers, GET updates),
// variants_test.go (Kratos configured away from its defaults: session
// cookie name, no session hook, verification UI, re-authentication) and
// hardening_test.go (deadlines, forwarded headers, patches that cannot be
// applied, login spellings).
package integration
