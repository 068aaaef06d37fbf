package durable

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// collector exports the queue's Stats when Prometheus scrapes.
type collector struct {
	q                                  *Queue
	pending, oldest, dead, redelivered *prometheus.Desc
	deadLettered                       *prometheus.Desc
}

// Collector returns a Prometheus collector of the queue's depth, the age
// of its oldest delivery, its dead letters and this process's
// redeliveries. Reading JetStream's state takes a round trip, bounded to
// two seconds per scrape.
func (q *Queue) Collector(namespace string) prometheus.Collector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, nil, nil)
	}
	return &collector{
		q:            q,
		pending:      d("durable_queue_depth", "Durable response.ignore deliveries waiting or being attempted (all gateways sharing the stream)."),
		oldest:       d("durable_oldest_age_seconds", "How long the oldest pending durable delivery has waited."),
		dead:         d("durable_dead_letters", "Durable deliveries in the dead-letter stream (see caddy ory-actions deliveries)."),
		redelivered:  d("durable_redeliveries_total", "Attempts of durable deliveries after their first, by this process."),
		deadLettered: d("durable_dead_lettered_total", "Durable deliveries this process moved to the dead-letter stream."),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.oldest
	ch <- c.dead
	ch <- c.redelivered
	ch <- c.deadLettered
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := c.q.Stats(ctx)
	ch <- prometheus.MustNewConstMetric(c.redelivered, prometheus.CounterValue, float64(st.Redelivered))
	ch <- prometheus.MustNewConstMetric(c.deadLettered, prometheus.CounterValue, float64(st.DeadLettered))
	if err != nil {
		return // the stream's state is unknown: no gauge rather than a false 0
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, st.OldestAge.Seconds())
	ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(st.Dead))
}
