package gateway

import (
	"time"

	"go.uber.org/zap"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// DeliveryLogMessage is the message of the delivery log: one structured
// entry per web hook call (all its attempts), which `caddy ory-actions
// replay` reads back. Fields: hook, flow, delivery (the delivery id: the
// webhook-id of a signed delivery), async, attempts, status (the last
// answer's, 0 for none), duration, outcome; and, only when the operator
// turns it on (log_bodies), body: the rendered request body. Auth values
// and headers are never logged.
const DeliveryLogMessage = "web hook delivery"

// logDelivery writes one delivery log entry.
func (gw *Gateway) logDelivery(ref *hook, flow kratos.Flow, id string, body []byte, out hooks.Outcome, took time.Duration, async bool) {
	fields := []zap.Field{
		zap.String("hook", ref.id),
		zap.String("flow", string(flow)),
		zap.String("delivery", id),
		zap.Bool("async", async),
		zap.Int("attempts", out.Attempts),
		zap.Int("status", out.Status),
		zap.Duration("duration", took),
		zap.String("outcome", out.Label()),
	}
	if gw.logBodies && body != nil {
		fields = append(fields, zap.ByteString("body", body))
	}
	gw.logger.Info(DeliveryLogMessage, fields...)
}
