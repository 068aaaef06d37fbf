package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// Before hooks of every flow, for every client kind: the hook sees the flow
// the client got, and an interrupt or failure stops the init.
func TestBeforeHooksOfEveryFlow(t *testing.T) {
	rc := newReceiver(t, func(_ int, call receivedCall) answer {
		if strings.HasSuffix(call.Path, "/deny") {
			return answer{status: http.StatusBadRequest, body: `{"messages":[{"instance_ptr":"#/","messages":[{"id":1,"text":"no","type":"error"}]}]}`}
		}
		return answer{status: http.StatusOK, body: `{}`}
	})
	flows := []string{"registration", "login", "settings", "recovery", "verification"}
	var blocks []string
	for _, f := range flows {
		blocks = append(blocks, hookBlock(f+" before", rc.URL()+"/"+f))
	}
	gw := startGateway(t, strings.Join(blocks, "\n"))
	for _, f := range flows {
		for _, kind := range allClients {
			t.Run(f+"/"+string(kind), func(t *testing.T) {
				c := newFlowClient(t, gw.URL, kind)
				if f == "settings" {
					c, _, _ = settingsClient(t, gw, kind)
				}
				before := len(rc.Calls())
				flow := c.mustInit(f)
				calls := rc.waitCalls(t, before+1, 5*time.Second)
				var got []byte
				for _, call := range calls[before:] {
					if call.Path == "/"+f {
						got = call.Body
					}
				}
				if got == nil {
					t.Fatalf("the %s before hook was not called", f)
				}
				if id := gjson.GetBytes(got, "flow.id").String(); id != flow.json("id").String() {
					t.Errorf("ctx.flow.id = %q, want %q", id, flow.json("id").String())
				}
				if gjson.GetBytes(got, "request_method").String() != "GET" {
					t.Errorf("ctx.request_method = %q", gjson.GetBytes(got, "request_method").String())
				}
			})
		}
	}
}

func TestBeforeHookInterruptOfEveryFlow(t *testing.T) {
	rc := newReceiver(t, always(http.StatusBadRequest, `{"messages":[{"instance_ptr":"#/","messages":[{"id":1,"text":"closed today","type":"error"}]}]}`))
	for _, f := range []string{"registration", "login", "settings", "recovery", "verification"} {
		for _, kind := range []clientKind{apiClient, browserJSONClient} {
			t.Run(f+"/"+string(kind), func(t *testing.T) {
				// One flow's hook at a time: settings needs a login first.
				gw := startGateway(t, hookBlock(f+" before", rc.URL(), "response parse"))
				c := newFlowClient(t, gw.URL, kind)
				if f == "settings" {
					c, _, _ = settingsClient(t, gw, kind)
				}
				r := c.initFlow(f)
				if r.Status != http.StatusForbidden || r.json("error.id").String() != "self_service_flow_hook_interrupted" ||
					!strings.Contains(r.json("error.details.messages").Raw, "closed today") {
					t.Errorf("want the 403 interrupt envelope, got %s", r)
				}
			})
		}
	}
}
