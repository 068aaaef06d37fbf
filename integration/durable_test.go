package integration

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/tidwall/gjson"
)

// dedupReceiver is a webhook receiver that deduplicates on webhook-id, as
// the Standard Webhooks spec asks receivers to, and counts every delivery
// it accepted (2xx) per id. While down it answers 503 to everything.
type dedupReceiver struct {
	*receiver
	mu       sync.Mutex
	down     bool
	accepted map[string]int
	emails   map[string]string // webhook-id → the body's e-mail
}

func newDedupReceiver(t *testing.T, down bool) *dedupReceiver {
	d := &dedupReceiver{down: down, accepted: map[string]int{}, emails: map[string]string{}}
	d.receiver = newReceiver(t, func(_ int, call receivedCall) answer {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.down {
			return answer{status: http.StatusServiceUnavailable, body: `{}`}
		}
		id := call.Header.Get("Webhook-Id")
		d.accepted[id]++
		d.emails[id] = gjson.GetBytes(call.Body, "identity.traits.email").String()
		return answer{status: http.StatusOK, body: `{}`}
	})
	return d
}

func (d *dedupReceiver) setDown(down bool) {
	d.mu.Lock()
	d.down = down
	d.mu.Unlock()
}

// snapshot returns accepted counts per webhook-id and the e-mails seen.
func (d *dedupReceiver) snapshot() (map[string]int, map[string]bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	counts := map[string]int{}
	emails := map[string]bool{}
	for id, n := range d.accepted {
		counts[id] = n
		emails[d.emails[id]] = true
	}
	return counts, emails
}

// waitAccepted waits until n distinct deliveries were accepted.
func (d *dedupReceiver) waitAccepted(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		counts, _ := d.snapshot()
		if len(counts) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("receiver accepted %d distinct deliveries, want %d within %s", len(counts), n, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertExactlyOnce checks that every e-mail arrived under one webhook-id,
// accepted exactly once.
func (d *dedupReceiver) assertExactlyOnce(t *testing.T, emails []string) {
	t.Helper()
	counts, seen := d.snapshot()
	for id, n := range counts {
		if n != 1 {
			t.Errorf("delivery %s was accepted %d times, want exactly once", id, n)
		}
	}
	for _, e := range emails {
		if !seen[e] {
			t.Errorf("the delivery for %s never arrived", e)
		}
	}
	if len(counts) != len(emails) {
		t.Errorf("receiver accepted %d distinct deliveries, want %d", len(counts), len(emails))
	}
}

// asyncSignedHook is a response.ignore registration hook that signs (so
// the receiver sees each delivery's webhook-id).
func asyncSignedHook(url string) string {
	return hookBlock("registration after password", url, "response ignore",
		"sign {\n\tsecret "+signingSecret+"\n}")
}

// registerThrough signs n fresh identities up through base (API flows) and
// returns their e-mails.
func registerThrough(t *testing.T, base, prefix string, n int) []string {
	t.Helper()
	var emails []string
	for i := 0; i < n; i++ {
		c := newFlowClient(t, base, apiClient)
		init := c.mustInit("registration")
		email := freshEmail(prefix)
		if r := c.submit("registration", init, registrationFields(email)); r.Status != http.StatusOK {
			t.Fatalf("registration %d: %s", i, r)
		}
		emails = append(emails, email)
	}
	return emails
}

// TestDurableDeliveriesSurviveKill9: deliveries stored while the receiver
// is down survive kill -9 of the Caddy process (embedded JetStream, file
// store under Caddy's data directory) and arrive exactly once after the
// restart.
func TestDurableDeliveriesSurviveKill9(t *testing.T) {
	k := kratosForTests(t)
	rc := newDedupReceiver(t, true)
	dataDir := t.TempDir()
	port := freePort(t)
	// A short redelivery (above the hook's 2 s timeout) keeps the test
	// quick: deliveries the killed process held are taken again after it.
	cfg := gatewayCaddyfile(port, k, "async {\n\tdurable {\n\t\tbackoff 200ms\n\t\tmax_attempts 10000\n\t\tredeliver_after 3s\n\t}\n}\n"+
		hookBlock("registration after password", rc.URL(), "response ignore", "timeout 2s", "sign {\n\tsecret "+signingSecret+"\n}"))

	first := startCaddyProcess(t, port, cfg, dataDir)
	emails := registerThrough(t, first.URL, "durable", 5)
	// Every delivery has been tried and refused at least once: they are
	// stored and pending, not waiting in memory to be published.
	rc.waitCalls(t, 5, 30*time.Second)
	first.kill()
	if counts, _ := rc.snapshot(); len(counts) != 0 {
		t.Fatalf("the receiver was down, yet accepted %v", counts)
	}

	rc.setDown(false)
	startCaddyProcess(t, port, cfg, dataDir)
	rc.waitAccepted(t, len(emails), 60*time.Second)
	time.Sleep(time.Second) // room for a wrongful redelivery to show
	rc.assertExactlyOnce(t, emails)
}

// TestDurableInMemoryLosesWhatDurableKeeps is the baseline of the test
// above: with the in-memory dispatcher, the same kill -9 loses the
// deliveries, so the test above shows durability and not a slow receiver.
func TestDurableInMemoryLosesWhatDurableKeeps(t *testing.T) {
	k := kratosForTests(t)
	rc := newDedupReceiver(t, true)
	port := freePort(t)
	cfg := gatewayCaddyfile(port, k, hookBlock("registration after password", rc.URL(), "response ignore", "retries 10",
		"sign {\n\tsecret "+signingSecret+"\n}"))
	first := startCaddyProcess(t, port, cfg, t.TempDir())
	registerThrough(t, first.URL, "memory", 2)
	rc.waitCalls(t, 2, 30*time.Second)
	first.kill()
	rc.setDown(false)
	startCaddyProcess(t, port, cfg, t.TempDir())
	time.Sleep(3 * time.Second)
	if counts, _ := rc.snapshot(); len(counts) != 0 {
		t.Fatalf("in-memory deliveries arrived after kill -9: %v (the baseline no longer shows loss)", counts)
	}
}

// startNATS runs a NATS server with JetStream on loopback, as a fleet's
// shared server.
func startNATS(t *testing.T) string {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv.ClientURL()
}

// TestTwoGatewaysShareOneNATS: two Caddy processes with ory_actions share
// one NATS server; sign-ups through either are each delivered exactly
// once, by one of them.
func TestTwoGatewaysShareOneNATS(t *testing.T) {
	k := kratosForTests(t)
	natsURL := startNATS(t)
	rc := newDedupReceiver(t, false)
	block := fmt.Sprintf("async {\n\tnats %s\n}\n%s", natsURL, asyncSignedHook(rc.URL()))
	var gws []*caddyProcess
	for range 2 {
		port := freePort(t)
		gws = append(gws, startCaddyProcess(t, port, gatewayCaddyfile(port, k, block), t.TempDir()))
	}
	var emails []string
	for i := 0; i < 3; i++ {
		for j, gw := range gws {
			emails = append(emails, registerThrough(t, gw.URL, fmt.Sprintf("fleet%d", j), 1)...)
		}
	}
	rc.waitAccepted(t, len(emails), 60*time.Second)
	time.Sleep(time.Second)
	rc.assertExactlyOnce(t, emails)
	if calls := rc.Calls(); len(calls) != len(emails) {
		t.Errorf("the receiver got %d requests for %d deliveries: some were sent twice", len(calls), len(emails))
	}
	for _, gw := range gws {
		if !strings.Contains(gw.out.String(), `"durable":true`) {
			t.Logf("gateway %s made no durable attempt (the other took every delivery)", gw.URL)
		}
	}
}

// TestDurableDeadLettersListRetryPurge: a delivery whose attempts are used
// up becomes a dead letter, shown by the metrics and by `caddy ory-actions
// deliveries list`; `retry` sends it again (the receiver is back), `purge`
// empties the dead letters.
func TestDurableDeadLettersListRetryPurge(t *testing.T) {
	natsURL := startNATS(t)
	rc := newDedupReceiver(t, true)
	gw := startGateway(t, fmt.Sprintf("async {\n\tdurable {\n\t\tnats %s\n\t\tmax_attempts 2\n\t\tbackoff 100ms\n\t}\n}\n%s",
		natsURL, asyncSignedHook(rc.URL())))
	emails := registerThrough(t, gw.URL, "dead", 1)
	rc.waitCalls(t, 2, 20*time.Second)

	var metrics string
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(metrics, "caddy_ory_actions_durable_dead_letters 1") {
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed the dead letter:\n%s", grepLines(metrics, "durable"))
		}
		time.Sleep(100 * time.Millisecond)
		metrics = scrapeMetrics(t)
	}
	for _, want := range []string{"caddy_ory_actions_durable_queue_depth 0", "caddy_ory_actions_durable_dead_lettered_total 1", "caddy_ory_actions_durable_redeliveries_total 1"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, grepLines(metrics, "durable"))
		}
	}

	list := runCLI(t, "ory-actions", "deliveries", "list", "--json", "--nats", natsURL)
	letters := gjson.Parse(list).Array()
	if len(letters) != 1 {
		t.Fatalf("deliveries list: want 1 dead letter, got %s", list)
	}
	dl := letters[0]
	if dl.Get("delivery.hook").String() != "registration_after_password_1" || dl.Get("delivery.last_status").Int() != 503 ||
		!strings.Contains(dl.Get("delivery.body").String(), "") || dl.Get("delivery.webhook_id").String() == "" {
		t.Errorf("dead letter lacks its hook, last status or webhook-id: %s", dl.Raw)
	}
	if strings.Contains(list, signingSecret) || strings.Contains(list, "whsec_") {
		t.Error("a dead letter holds the signing secret")
	}

	rc.setDown(false)
	if out := runCLI(t, "ory-actions", "deliveries", "retry", "all", "--nats", natsURL); !strings.Contains(out, "requeued 1") {
		t.Errorf("retry: %s", out)
	}
	rc.waitAccepted(t, 1, 20*time.Second)
	rc.assertExactlyOnce(t, emails)
	counts, _ := rc.snapshot()
	for id := range counts {
		if id != dl.Get("delivery.webhook_id").String() {
			t.Errorf("the retried delivery came with webhook-id %q, want the original %q", id, dl.Get("delivery.webhook_id").String())
		}
	}
	if out := runCLI(t, "ory-actions", "deliveries", "list", "--nats", natsURL); !strings.Contains(out, "no dead letters") {
		t.Errorf("after retry, list shows: %s", out)
	}

	// A second dead letter, purged.
	rc.setDown(true)
	registerThrough(t, gw.URL, "dead", 1)
	deadline = time.Now().Add(20 * time.Second)
	for gjson.Parse(runCLI(t, "ory-actions", "deliveries", "list", "--json", "--nats", natsURL)).Get("#").Int() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the second delivery never became a dead letter")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out := runCLI(t, "ory-actions", "deliveries", "purge", "all", "--nats", natsURL); !strings.Contains(out, "purged 1") {
		t.Errorf("purge: %s", out)
	}
	if out := runCLI(t, "ory-actions", "deliveries", "list", "--nats", natsURL); !strings.Contains(out, "no dead letters") {
		t.Errorf("after purge, list shows: %s", out)
	}
}

// runCLI runs the test binary as the caddy command with args.
func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(testBinary(t), args...)
	cmd.Env = append(os.Environ(), asCaddyEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("caddy %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func scrapeMetrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://localhost:%d/metrics", adminPort))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestFleetSharesInterruptsOfAPIFlows: with a shared NATS, the messages of
// a hook's interrupt on an API flow submitted through one gateway are shown
// when the native app fetches the flow through the other (JetStream
// key-value state; without it the second gateway would show the flow as
// Kratos stored it, without the hook's messages).
func TestFleetSharesInterruptsOfAPIFlows(t *testing.T) {
	k := kratosForTests(t)
	natsURL := startNATS(t)
	rc := newReceiver(t, func(int, receivedCall) answer { return answer{status: http.StatusBadRequest, body: emailMessages} })
	block := fmt.Sprintf("async {\n\tnats %s\n}\n%s", natsURL, hookBlock("registration after password", rc.URL(), "response parse"))
	var gws []*caddyProcess
	for range 2 {
		port := freePort(t)
		gws = append(gws, startCaddyProcess(t, port, gatewayCaddyfile(port, k, block), t.TempDir()))
	}
	a := newFlowClient(t, gws[0].URL, apiClient)
	init := a.mustInit("registration")
	r := a.submit("registration", init, registrationFields(freshEmail("fleet")))
	if r.Status != http.StatusBadRequest || len(nodeMessages(r.Body, "traits.email")) == 0 {
		t.Fatalf("submit through gateway 1: want 400 with the hook's message on traits.email, got %s", r)
	}
	b := newFlowClient(t, gws[1].URL, apiClient)
	id := init.json("id").String()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f := b.fetch("registration", id)
		msgs := nodeMessages(f.Body, "traits.email")
		if f.Status == http.StatusOK && len(msgs) > 0 && msgs[0].Get("id").Int() == 123 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fetch through gateway 2 never showed the hook's message: %s", f)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDurableNATSOutageFallsBackToMemory: with the shared NATS gone, a
// sign-up is answered without waiting for it and its delivery is sent from
// memory (logged, outcome durable_unavailable) rather than lost.
func TestDurableNATSOutageFallsBackToMemory(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	rc := newDedupReceiver(t, false)
	gw := startGateway(t, fmt.Sprintf("async {\n\tnats %s\n}\n%s", srv.ClientURL(), asyncSignedHook(rc.URL())))
	srv.Shutdown()
	srv.WaitForShutdown()

	start := time.Now()
	emails := registerThrough(t, gw.URL, "outage", 1)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the sign-up waited %s for the unreachable NATS", took)
	}
	rc.waitAccepted(t, 1, 20*time.Second)
	rc.assertExactlyOnce(t, emails)
	if m := scrapeMetrics(t); !strings.Contains(m, `outcome="durable_unavailable"`) {
		t.Errorf("metrics lack the durable_unavailable outcome:\n%s", grepLines(m, "webhook_calls_total"))
	}
}
