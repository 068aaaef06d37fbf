// Package e2e holds the end-to-end test of the example self-service UI
// (examples/ui): Debian's chromium, driven headless by chromedp, signs up,
// logs in and edits a profile through Caddy with ory_actions in front of a
// real Kratos v1.3.1, with web hooks answered by a loopback receiver.
//
// The package has no code of its own; run it with
//
//	go test ./e2e
//
// It needs chromium (apt-get install -y chromium) and fails without it.
package e2e
