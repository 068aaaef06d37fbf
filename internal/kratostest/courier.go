package kratostest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"
)

// CourierMessage is one message from Kratos's courier queue, as listed by
// GET /admin/courier/messages.
type CourierMessage struct {
	ID           string    `json:"id"`
	Status       string    `json:"status"`
	Recipient    string    `json:"recipient"`
	Subject      string    `json:"subject"`
	Body         string    `json:"body"`
	TemplateType string    `json:"template_type"` // e.g. verification_code_valid, recovery_code_valid
	CreatedAt    time.Time `json:"created_at"`
}

// courierWait bounds how long CourierCode waits for a message to appear.
// Kratos queues mails while it answers the request that causes them, so the
// wait only covers slow machines.
const courierWait = 5 * time.Second

// sixDigits matches the one-time code in Kratos's default code templates
// ("…by entering the following code:\n\n951126\n").
var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// CourierMessages returns every queued message for recipient, newest first.
func (k *Kratos) CourierMessages(t testing.TB, recipient string) []CourierMessage {
	t.Helper()
	u := k.AdminURL + "/admin/courier/messages?" + url.Values{"recipient": {recipient}}.Encode()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("kratostest: courier messages: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 5<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("kratostest: courier messages: status %d, err %v: %s", resp.StatusCode, err, body)
	}
	var msgs []CourierMessage
	if err := json.Unmarshal(body, &msgs); err != nil {
		t.Fatalf("kratostest: courier messages: %v", err)
	}
	sortNewestFirst(msgs)
	return msgs
}

// CourierCode returns the six-digit code from the newest message Kratos
// queued for email (a verification or recovery code mail), waiting briefly
// for one to appear. The test fails if there is none.
func (k *Kratos) CourierCode(t testing.TB, email string) string {
	t.Helper()
	deadline := time.Now().Add(courierWait)
	for {
		msgs := k.CourierMessages(t, email)
		if len(msgs) > 0 {
			code := sixDigits.FindString(msgs[0].Body)
			if code == "" {
				t.Fatalf("kratostest: newest message to %s (%s) has no code: %q", email, msgs[0].TemplateType, msgs[0].Body)
			}
			return code
		}
		if time.Now().After(deadline) {
			t.Fatalf("kratostest: no courier message to %s after %s", email, courierWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sortNewestFirst orders by creation time, newest first; Kratos lists
// newest first too, but the order is not part of its API.
func sortNewestFirst(msgs []CourierMessage) {
	slices.SortStableFunc(msgs, func(a, b CourierMessage) int { return b.CreatedAt.Compare(a.CreatedAt) })
}

// String formats a message for test failure output.
func (m CourierMessage) String() string {
	return fmt.Sprintf("%s to %s (%s)", m.TemplateType, m.Recipient, m.CreatedAt.Format(time.RFC3339Nano))
}
