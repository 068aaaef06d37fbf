package durable

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Shared is state several gateways share through a JetStream key-value
// bucket: each gateway writes what it learns and watches what the others
// write into its own in-memory view, so reads stay local (the routing of
// every request may consult them) and writes reach the fleet within a
// round trip.
type Shared struct {
	kv jetstream.KeyValue
	nc *nats.Conn
}

// sharedOpTimeout bounds one write on the request path.
const sharedOpTimeout = 2 * time.Second

// OpenShared creates (or binds to) the bucket. Entries live at most ttl;
// values carry their own, usually shorter, expiry.
func OpenShared(ctx context.Context, nc *nats.Conn, bucket string, ttl time.Duration) (*Shared, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("durable: jetstream: %w", err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: bucket, TTL: ttl, History: 1, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("durable: key-value bucket %s: %w", bucket, err)
	}
	return &Shared{kv: kv, nc: nc}, nil
}

// Put writes key; the caller's own view is already up to date.
func (s *Shared) Put(key string, value []byte) error {
	if !s.nc.IsConnected() {
		return ErrDisconnected // no wait on the request path
	}
	ctx, cancel := context.WithTimeout(context.Background(), sharedOpTimeout)
	defer cancel()
	_, err := s.kv.Put(ctx, key, value)
	return err
}

// Delete removes key for every gateway.
func (s *Shared) Delete(key string) error {
	if !s.nc.IsConnected() {
		return ErrDisconnected
	}
	ctx, cancel := context.WithTimeout(context.Background(), sharedOpTimeout)
	defer cancel()
	err := s.kv.Delete(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

// Watch calls fn for every current entry under prefix (keys "prefix.…"),
// then for every change, in revision order, until stop is called. value
// is nil for a deletion. fn runs on one goroutine.
func (s *Shared) Watch(prefix string, fn func(key string, value []byte)) (stop func(), err error) {
	ctx, cancel := context.WithCancel(context.Background())
	w, err := s.kv.Watch(ctx, prefix+".>")
	if err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				// Not waiting for the updates channel to close: with the
				// connection down, the unsubscription may never confirm.
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil {
					continue // the marker after the initial values
				}
				if e.Operation() == jetstream.KeyValuePut {
					fn(e.Key(), e.Value())
				} else {
					fn(e.Key(), nil)
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		// Stopping deletes the watch's consumer with a JetStream request,
		// which would wait out its timeout while NATS is unreachable; the
		// server drops an ephemeral consumer nobody reads by itself, and
		// closing the connection ends the subscription.
		if s.nc.IsConnected() {
			_ = w.Stop()
		}
	}, nil
}
