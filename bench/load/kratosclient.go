package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// kratosAPI registers identities through one setup's base URL as an API
// client (no cookies): init a registration flow, then submit it.
type kratosAPI struct {
	c    *http.Client
	base string
}

// initFlow creates an API registration flow and returns its id.
func (k kratosAPI) initFlow() (string, time.Duration, error) {
	req, err := http.NewRequest(http.MethodGet, k.base+"/self-service/registration/api", nil)
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := k.c.Do(req)
	if err != nil {
		return "", 0, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return "", 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("init: status %d: %.200s", resp.StatusCode, body)
	}
	var flow struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &flow); err != nil || flow.ID == "" {
		return "", 0, fmt.Errorf("init: no flow id in %.200s", body)
	}
	return flow.ID, took, nil
}

// submitBody is a password registration with the invite code the seed's
// invite_code template reads from transient_payload.
type submitBody struct {
	Method           string            `json:"method"`
	Traits           map[string]any    `json:"traits"`
	Password         string            `json:"password"`
	TransientPayload map[string]string `json:"transient_payload"`
}

// register submits the flow and reports the submit's latency. Success is
// Kratos's 200 with a session token (the session hook ran).
func (k kratosAPI) register(flowID, email, password string) (time.Duration, error) {
	payload, err := json.Marshal(submitBody{
		Method:           "password",
		Traits:           map[string]any{"email": email, "name": map[string]string{"first": "Bench", "last": "Mark"}},
		Password:         password,
		TransientPayload: map[string]string{"invite_code": "BENCH-2026"},
	})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodPost, k.base+"/self-service/registration?flow="+flowID, bytes.NewReader(payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := k.c.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"session_token"`)) {
		return 0, fmt.Errorf("submit: status %d: %s", resp.StatusCode, uiMessages(body))
	}
	return took, nil
}

// uiMessages extracts the texts of a flow's messages (or an error
// envelope's message) for a readable error; at most 300 bytes of anything
// else.
func uiMessages(body []byte) string {
	var doc struct {
		UI struct {
			Messages []struct{ Text string } `json:"messages"`
			Nodes    []struct {
				Attributes struct{ Name string }   `json:"attributes"`
				Messages   []struct{ Text string } `json:"messages"`
			} `json:"nodes"`
		} `json:"ui"`
		Error struct{ Message, Reason string } `json:"error"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return fmt.Sprintf("%.300s", body)
	}
	var texts []string
	for _, m := range doc.UI.Messages {
		texts = append(texts, m.Text)
	}
	for _, n := range doc.UI.Nodes {
		for _, m := range n.Messages {
			texts = append(texts, n.Attributes.Name+": "+m.Text)
		}
	}
	if doc.Error.Message != "" {
		texts = append(texts, doc.Error.Message+" "+doc.Error.Reason)
	}
	if len(texts) == 0 {
		return fmt.Sprintf("%.300s", body)
	}
	return strings.Join(texts, "; ")
}
