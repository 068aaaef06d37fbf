// Package conformance is the differential conformance suite: every scenario
// (a hook configuration, a scripted webhook receiver and a client script) runs
// twice, once against a Kratos v1.3.1 with the hooks configured natively and
// once against the gateway (Caddy with ory_actions, the same hook configs) in
// front of a Kratos with no hooks. Both transcripts (the client's exchanges,
// what the receiver got, follow-up reads) are normalised and compared field by
// field; a difference fails the suite unless Documented lists it.
//
// Run it with `go test ./conformance -run TestConformance -v`; the last line
// of the output is `conformance: N passed, M failed (D documented
// differences)`. One scenario: `-run 'TestConformance/<name>$'`. Set
// CONFORMANCE_VERBOSE=1 to see Kratos start logs and the gateway's log.
//
// Timeouts: Kratos v1.3.1's web_hook client has a fixed 30 s per-attempt
// timeout (driver/registry_default.go, no configuration key), so a receiver
// that "times out" sleeps 31 s for Kratos; the gateway side of the same
// scenario sets a per-hook `timeout` of 1 s and its receiver sleeps just past
// that. The native sides of such slow scenarios start first and run in the
// background while the quick scenarios go ahead, so they add little to the
// suite's wall time.
package conformance
