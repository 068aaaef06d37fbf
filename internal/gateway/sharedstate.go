package gateway

import (
	"encoding/json"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// SharedState is a key-value store the gateways of a fleet share (NATS
// JetStream's, see internal/durable.Shared). Reads never reach it: each
// gateway keeps its own view, fed by Watch, so routing stays local.
type SharedState interface {
	Put(key string, value []byte) error
	Delete(key string) error
	// Watch calls fn for every entry under prefix and every later change
	// (value nil: deleted) until stop is called.
	Watch(prefix string, fn func(key string, value []byte)) (stop func(), err error)
}

// Key prefixes of the shared state.
const (
	sharedInterrupts = "interrupts" // interrupts.<flow id> → kratos.Carry JSON
	sharedUI         = "ui"         // ui.<flow> → the flow's UI URL; ui.error
	sharedErrorKey   = "error"
)

// shareState makes the interrupts of API flows and the learned UI URLs
// common to every gateway sharing st: a native app whose re-fetch lands on
// another gateway than its submit still sees the hook's messages. Writes
// happen on the request path with a short timeout; a failed write is
// logged and the gateway goes on with its own view.
func (gw *Gateway) shareState(st SharedState) error {
	logWrite := func(what string, err error) {
		if err != nil {
			gw.logger.Warn("shared state not written; other gateways do not see this "+what, zap.Error(err))
		}
	}
	gw.interrupts.share = func(flowID string, c *kratos.Carry) {
		key := sharedInterrupts + "." + flowID
		if c == nil {
			logWrite("dropped interrupt", st.Delete(key))
			return
		}
		b, err := json.Marshal(c)
		if err == nil {
			err = st.Put(key, b)
		}
		logWrite("interrupt", err)
	}
	gw.ui.share = func(key, value string) {
		logWrite("learned UI URL", st.Put(sharedUI+"."+key, []byte(value)))
	}
	stopInterrupts, err := st.Watch(sharedInterrupts, func(key string, value []byte) {
		flowID := strings.TrimPrefix(key, sharedInterrupts+".")
		if value == nil {
			gw.interrupts.remove(flowID)
			return
		}
		var c kratos.Carry
		if err := json.Unmarshal(value, &c); err != nil || c.FlowID != flowID {
			return
		}
		gw.interrupts.set(c, time.Now())
	})
	if err != nil {
		return err
	}
	stopUI, err := st.Watch(sharedUI, func(key string, value []byte) {
		name := strings.TrimPrefix(key, sharedUI+".")
		if value == nil {
			return // a learned URL stays learned
		}
		v := string(value)
		if name == sharedErrorKey {
			gw.ui.learnedError.Store(&v)
			return
		}
		if f, ok := kratos.ParseFlow(name); ok {
			gw.ui.learned.Store(f, v)
		}
	})
	if err != nil {
		stopInterrupts()
		return err
	}
	gw.stopSharing = func() { stopInterrupts(); stopUI() }
	return nil
}
