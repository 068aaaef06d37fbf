package durable

import (
	"context"
	"errors"
	"testing"
)

// The newest registration of a hook id sends; unregistering it hands the
// id back to the older one; with none, the delivery fails with ErrNoSender
// (and is retried by the queue rather than lost).
func TestRouterNewestRegistrationSends(t *testing.T) {
	r := NewRouter()
	sender := func(status int) Sender {
		return func(context.Context, Delivery) (int, error) { return status, nil }
	}
	d := Delivery{Hook: "crm"}
	if _, err := r.Send(context.Background(), d); !errors.Is(err, ErrNoSender) {
		t.Fatalf("no registration: want ErrNoSender, got %v", err)
	}
	old := r.Register(map[string]Sender{"crm": sender(201)})
	newer := r.Register(map[string]Sender{"crm": sender(202), "other": sender(203)})
	if st, _ := r.Send(context.Background(), d); st != 202 {
		t.Errorf("two registrations: want the newest (202), got %d", st)
	}
	newer()
	if st, _ := r.Send(context.Background(), d); st != 201 {
		t.Errorf("after the newer one unloaded: want the older (201), got %d", st)
	}
	if _, err := r.Send(context.Background(), Delivery{Hook: "other"}); !errors.Is(err, ErrNoSender) {
		t.Errorf("a hook only the unloaded config had: want ErrNoSender, got %v", err)
	}
	old()
	if _, err := r.Send(context.Background(), d); !errors.Is(err, ErrNoSender) {
		t.Errorf("all unloaded: want ErrNoSender, got %v", err)
	}
}
