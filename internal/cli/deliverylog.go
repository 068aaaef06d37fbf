package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/gateway"
)

// maxLogLine bounds one log line: a delivery entry carries the rendered
// body, which templates.max_output lets grow past bufio's default 64 KiB.
const maxLogLine = 64 << 20

// delivery is one delivery log entry (see gateway.DeliveryLogMessage).
type delivery struct {
	Msg      string  `json:"msg"`
	Hook     string  `json:"hook"`
	Flow     string  `json:"flow"`
	Delivery string  `json:"delivery"`
	Async    bool    `json:"async"`
	Attempts int     `json:"attempts"`
	Status   int     `json:"status"`
	Outcome  string  `json:"outcome"`
	Body     *string `json:"body"` // nil: logged without its body
}

// findDelivery reads Caddy's JSON log for the delivery entry with id.
// Lines that are not JSON objects (console-format logs, other output) are
// skipped, and counted for the error message.
func findDelivery(r io.Reader, id string) (delivery, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLogLine)
	entries, other := 0, 0
	for sc.Scan() {
		var d delivery
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			other++
			continue
		}
		if d.Msg != gateway.DeliveryLogMessage {
			continue
		}
		entries++
		if d.Delivery == id {
			return d, nil
		}
	}
	if err := sc.Err(); err != nil {
		return delivery{}, fmt.Errorf("reading the log: %w", err)
	}
	msg := fmt.Sprintf("no %q entry with delivery %q in the log (delivery entries read: %d", gateway.DeliveryLogMessage, id, entries)
	if other > 0 {
		msg += fmt.Sprintf(", %s skipped: replay reads Caddy's JSON logs (log { format json })", plural(other, "non-JSON line"))
	}
	return delivery{}, fmt.Errorf("%s)", msg)
}
