// Command receiver is the example webhook receiver of `make demo`: the
// service that the gateway's hooks in examples/Caddyfile call. It logs every
// webhook it gets (never the API key), answers the synchronous sign-up check
// the way Ory's documentation shows, and lists what it received under
// GET /received so that a script can see that an asynchronous hook arrived.
//
//	DEMO_HOOK_KEY=demo-key go run ./examples/receiver -addr 127.0.0.1:4466
//
// With DEMO_HOOK_SIGNING_SECRET set (the whsec_… secret of the hooks' `sign`
// block; several, space-separated, during a rotation) it also verifies
// Standard Webhooks signatures, answering 401 to a missing, stale or bad
// one, and acts once per webhook-id: a retried delivery gets the first
// copy's answer.
//
// It uses the standard library and the Standard Webhooks reference library
// only, so it doubles as a template for a real receiver in any Go service.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4466", "address to listen on")
	flag.Parse()

	logger := log.New(os.Stdout, "receiver: ", log.Ltime|log.Lmicroseconds)
	key := os.Getenv("DEMO_HOOK_KEY")
	if key == "" {
		// Without a key every request would be refused (or, worse, every
		// request accepted); neither is what a demo user wants to debug.
		logger.Fatal("DEMO_HOOK_KEY is not set: it is the API key the gateway's hooks send in X-Api-Key")
	}

	var sigs *signatures
	if secrets := os.Getenv("DEMO_HOOK_SIGNING_SECRET"); secrets != "" {
		var err error
		if sigs, err = newSignatures(secrets); err != nil {
			logger.Fatalf("DEMO_HOOK_SIGNING_SECRET: %v", err)
		}
	}

	srv := &http.Server{
		Addr:              *addr,
		Handler:           newReceiver(key, sigs, logger).routes(),
		ReadHeaderTimeout: 5 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()

	logger.Printf("listening on http://%s (POST /signup-check, POST /events, GET /received); signatures %s",
		*addr, map[bool]string{true: "checked", false: "not checked (DEMO_HOOK_SIGNING_SECRET unset)"}[sigs != nil])
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Fatal(err)
	}
}
