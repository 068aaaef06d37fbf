// Package hooks calls one webhook the way Ory Kratos v1.3.1's web_hook
// does, knowing nothing of flows or Caddy: it sends a rendered body and
// interprets the answer into a typed outcome (continue, interrupt, patch,
// fail). Unless a hook is configured to sign, the request is Kratos's byte
// for byte.
//
// Files:
//
//	config.go      Kratos's web_hook config shape; validate.go checks it
//	policy.go      timeout, attempts, backoff, deadline, answer cap
//	hook.go        Call: attempts, retries, the deadline, giving up
//	request.go     the request: method, headers, auth, body encoding
//	retry.go       which failures are retried (go-retryablehttp's rules)
//	redirect.go    redirects: credentials never follow to another host
//	sign.go        opt-in Standard Webhooks signatures (webhook-id, -timestamp, -signature)
//	interpret.go   the answer: patch, messages, or an unusable answer
//	outcome.go     Outcome, Message, the failure kinds
//	dispatcher.go  bounded async delivery of response.ignore hooks
package hooks
