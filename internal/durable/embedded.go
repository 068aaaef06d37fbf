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
func StartEmbedded(storeDir string) (*Embedded, error) {
	unlock, err := lockStore(storeDir)
	if err != nil {
		return nil, fmt.Errorf("durable: embedded store: %w", err)
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "ory-actions-embedded",
		JetStream:  true,
		StoreDir:   storeDir,
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		unlock()
		return nil, fmt.Errorf("durable: embedded nats server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		unlock()
		return nil, fmt.Errorf("durable: embedded nats server not ready after 10s (store_dir %q)", storeDir)
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		srv.Shutdown()
		unlock()
		return nil, fmt.Errorf("durable: in-process connection: %w", err)
	}
	return &Embedded{Server: srv, Conn: nc, unlock: unlock}, nil
}

// Embedded is a JetStream server inside this process and its connection.
type Embedded struct {
	Server *server.Server
	Conn   *nats.Conn
	unlock func()
}

// Close closes the connection, shuts the server down and releases the
// store.
func (e *Embedded) Close() {
	e.Conn.Close()
	e.Server.Shutdown()
	e.Server.WaitForShutdown()
	e.unlock()
}
