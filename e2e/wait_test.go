package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitShown waits until selector matches a visible element of the example
// UI. If the browser shows a document that is not the UI (say a JSON answer
// the gateway gave a form post), the step fails at once, with the page and
// the requests, rather than after the timeout.
func (b *browser) waitShown(t *testing.T, what string, selector chromedp.CSS) {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		if (document.readyState !== 'complete') return '';
		if (!document.getElementById('app')) return 'left the UI';
		const e = document.querySelector(%q);
		return e && e.getClientRects().length > 0 ? 'shown' : '';
	})()`, selector)
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	for {
		// An evaluation that meets a navigation fails ("target navigated");
		// that is the normal course of a form post, so try again.
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		switch {
		case err == nil && state == "shown":
			return
		case err == nil && state != "":
			t.Fatalf("%s: the browser %s (waiting for %s)\n%s", what, state, selector, b.describe())
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %s did not show within %s (last error: %v)\n%s", what, selector, stepTimeout, err, b.describe())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// text returns the text of the first element matching selector.
func (b *browser) text(t *testing.T, selector chromedp.CSS) string {
	t.Helper()
	return b.read(t, "reading "+string(selector), chromedp.Text(selector, chromedp.NodeVisible))
}

// value returns the value of the first input matching selector.
func (b *browser) value(t *testing.T, selector chromedp.CSS) string {
	t.Helper()
	return b.read(t, "reading the value of "+string(selector), chromedp.Value(selector))
}

// read runs one action that returns a string, within the step timeout.
func (b *browser) read(t *testing.T, what string, action chromedp.Action[string]) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, b.describe())
	}
	return s
}
