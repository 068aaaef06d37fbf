package gateway

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
)

// metrics are the module's Prometheus collectors, registered on the
// registry of the Caddy config that loaded the module. Labels are bounded:
// hook ids and flows come from the config, outcomes from a fixed set.
type metrics struct {
	calls    *prometheus.CounterVec
	attempts *prometheus.HistogramVec
	dropped  *prometheus.CounterVec
}

const metricsNamespace = "caddy_ory_actions"

// newMetrics registers the collectors, reusing ones another ory_actions
// handler of the same config registered already. A nil registry (metrics
// disabled) yields nil, which every method accepts.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "webhook_calls_total",
			Help: "Web hook invocations by hook, flow and outcome (continue, interrupt, patch, cancel, async, or fail_<kind>).",
		}, []string{"hook", "flow", "outcome"}),
		attempts: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "webhook_attempt_duration_seconds",
			Help:    "Duration of single web hook HTTP attempts until the answer's headers, by hook and status class.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"hook", "status_class"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "async_dropped_total",
			Help: "response.ignore hooks dropped because the async queue was full.",
		}, []string{"hook"}),
	}
	var err error
	if m.calls, err = registerOrExisting(reg, m.calls); err != nil {
		return nil, err
	}
	if m.attempts, err = registerOrExisting(reg, m.attempts); err != nil {
		return nil, err
	}
	if m.dropped, err = registerOrExisting(reg, m.dropped); err != nil {
		return nil, err
	}
	return m, nil
}

// registerOrExisting registers c, or returns the equal collector already
// registered.
func registerOrExisting[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// outcome counts one finished hook invocation.
func (m *metrics) outcome(hook, flow, outcome string) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(hook, flow, outcome).Inc()
}

// attempt records one HTTP attempt.
func (m *metrics) attempt(hook string, a hooks.Attempt) {
	if m == nil {
		return
	}
	class := "error"
	if a.Status > 0 {
		class = string(rune('0'+a.Status/100)) + "xx"
	}
	m.attempts.WithLabelValues(hook, class).Observe(a.Duration.Seconds())
}

// drop counts an async hook the full queue refused.
func (m *metrics) drop(hook string) {
	if m == nil {
		return
	}
	m.dropped.WithLabelValues(hook).Inc()
}
