package integration

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMetricsCountOutcomesOnCaddysRegistry(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	gw := startGateway(t, hookBlock("registration after password", rc.URL(), "response parse", "id signup_check"))
	c := newFlowClient(t, gw.URL, apiClient)
	for i := 0; i < 2; i++ {
		init := c.mustInit("registration")
		if r := c.submit("registration", init, registrationFields(freshEmail("metrics"))); r.Status != http.StatusBadRequest {
			t.Fatalf("submit: %s", r)
		}
	}
	resp, err := http.Get(fmt.Sprintf("http://localhost:%d/metrics", adminPort))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := `caddy_ory_actions_webhook_calls_total{flow="registration",hook="signup_check",outcome="interrupt"} 2`
	if !strings.Contains(string(body), want) {
		t.Errorf("metrics lack %q", want)
	}
	if !strings.Contains(string(body), `caddy_ory_actions_webhook_attempt_duration_seconds_count{hook="signup_check",status_class="4xx"} 2`) {
		t.Error("metrics lack the attempt histogram for the 4xx answers")
	}
}

func TestPlaceholdersTellWhatTheHooksDecided(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, emailMessages))
	gw := startGatewayReading(t, "", "header >X-Hook-Outcome {http.ory_actions.outcome}\n\theader >X-Hook {http.ory_actions.hook}",
		hookBlock("registration after password", rc.URL(), "response parse", "id gatekeeper"))
	c := newFlowClient(t, gw.URL, apiClient)
	init := c.mustInit("registration")
	r := c.submit("registration", init, registrationFields(freshEmail("placeholder")))
	if r.Status != http.StatusBadRequest {
		t.Fatalf("submit: %s", r)
	}
	if got := r.Header.Get("X-Hook-Outcome"); got != "interrupt" {
		t.Errorf("{http.ory_actions.outcome} = %q, want interrupt", got)
	}
	if got := r.Header.Get("X-Hook"); got != "gatekeeper" {
		t.Errorf("{http.ory_actions.hook} = %q, want gatekeeper", got)
	}
}
