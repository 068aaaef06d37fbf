package durable

import (
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// StartEmbedded starts a JetStream server inside this process with its file
// store under storeDir and no network listener (DontListen): a single
// gateway gets durability with no new moving part and nothing to secure on
// the network. The connection is in-process.
func StartEmbedded(storeDir string) (*server.Server, *nats.Conn, error) {
	srv, err := server.NewServer(&server.Options{
		ServerName: "ory-actions-embedded",
		JetStream:  true,
		StoreDir:   storeDir,
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("durable: embedded nats server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, nil, fmt.Errorf("durable: embedded nats server not ready after 10s (store_dir %q)", storeDir)
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		srv.Shutdown()
		return nil, nil, fmt.Errorf("durable: in-process connection: %w", err)
	}
	return srv, nc, nil
}
