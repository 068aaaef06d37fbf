package gateway

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/fixtures"
)

// The example Grafana dashboard only queries metrics the gateway exports,
// with labels they have.
func TestDashboardQueriesExistingMetrics(t *testing.T) {
	root, err := fixtures.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "examples", "grafana", "ory-actions-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.calls.WithLabelValues("h", "registration", "continue").Inc()
	m.attempts.WithLabelValues("h", "2xx").Observe(0.1)
	m.dropped.WithLabelValues("h").Inc()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]map[string]bool{}
	for _, f := range families {
		names := map[string]bool{"le": true}
		for _, l := range f.GetMetric()[0].GetLabel() {
			names[l.GetName()] = true
		}
		for _, suffix := range []string{"", "_bucket", "_count", "_sum"} {
			labels[f.GetName()+suffix] = names
		}
	}
	metricRe := regexp.MustCompile(`caddy_ory_actions_[a-z_]+`)
	labelRe := regexp.MustCompile(`by \(([a-z_, ]+)\)|\{([a-z_]+)=`)
	queries := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			queries++
			for _, name := range metricRe.FindAllString(tg.Expr, -1) {
				known, ok := labels[name]
				if !ok {
					t.Errorf("%s: metric %s is not exported", p.Title, name)
					continue
				}
				for _, m := range labelRe.FindAllStringSubmatch(tg.Expr, -1) {
					for _, l := range regexp.MustCompile(`[a-z_]+`).FindAllString(m[1]+m[2], -1) {
						if !known[l] {
							t.Errorf("%s: %s has no label %s", p.Title, name, l)
						}
					}
				}
			}
		}
	}
	if queries < 6 {
		t.Fatalf("only %d queries in the dashboard", queries)
	}
}
