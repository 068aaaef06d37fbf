package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one step (a few page loads and form posts). Generous:
// the machine may be busy, and a failing step reports what the page showed.
const stepTimeout = 45 * time.Second

// chromiumPath finds Debian's chromium. CHROMIUM_BIN overrides the lookup.
// A missing browser fails the test: this test is the proof that the example
// UI works in a real browser, so skipping it would hide that.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_BIN"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: the browser test needs Debian's chromium " +
		"(apt-get install -y chromium; .ci/run installs it), or CHROMIUM_BIN=/path/to/chromium")
	return ""
}

// browser is one headless chromium with a fresh profile, and the log of the
// page's requests (method, URL, status, redirect target) for diagnostics.
type browser struct {
	ctx context.Context

	mu  sync.Mutex
	log []string
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir() // created before the cleanup below, so removed after chromium exits
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(900, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // small /dev/shm in containers
		chromedp.Flag("password-store", "basic"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for chromium to exit
	})
	b := &browser{ctx: ctx}
	// Listen starts chromium (with the network domain on, chromedp's
	// default). No timeout on this first call: it would end the browser.
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatalf("starting chromium (%s): %v", path, err)
	}
	return b
}

// record keeps one line per request the page made and per answer, and the
// page's console errors and uncaught exceptions. It runs in chromedp's
// message loop, so it only appends under a lock.
func (b *browser) record(ev any) {
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if r := e.RedirectResponse; r != nil {
			b.add(fmt.Sprintf("   ← %d, Location %s", r.Status, shortURL(e.Request.URL)))
		}
		b.add(fmt.Sprintf("%s %s", e.Request.Method, shortURL(e.Request.URL)))
	case *network.EventResponseReceived:
		b.add(fmt.Sprintf("   ← %d %s (%s)", e.Response.Status, shortURL(e.Response.URL), e.Response.MimeType))
	case *runtime.EventExceptionThrown:
		msg := e.ExceptionDetails.Text
		if ex := e.ExceptionDetails.Exception; ex != nil && ex.Description != "" {
			msg = ex.Description
		}
		b.add("page exception: " + msg)
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			b.add(fmt.Sprintf("console error (%d values)", len(e.Args)))
		}
	}
}

func (b *browser) add(line string) {
	b.mu.Lock()
	b.log = append(b.log, line)
	b.mu.Unlock()
}

// takeLog returns the requests since the last call and forgets them.
func (b *browser) takeLog() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.Join(b.log, "\n")
	b.log = nil
	return s
}

// shortURL drops the scheme and host: every request goes to the gateway.
func shortURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[i+3+j:]
		}
	}
	return u
}

// step runs the actions of one step of the scenario. On failure it stops the
// test with what the browser did and what the page shows, which is what a
// reader needs to tell a UI bug from a gateway bug.
func (b *browser) step(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, b.describe())
	}
}

// describe reports the page's URL and text and the requests that led there.
func (b *browser) describe() string {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return fmt.Sprintf("(the page could not be read: %v)\nrequests:\n%s", err, b.takeLog())
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		text = fmt.Sprintf("(the text could not be read: %v)", err)
	}
	// Node messages, also those of hidden inputs, which innerText leaves out.
	msgs, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-node]')]
		.filter((n) => n.querySelector('.message'))
		.map((n) => n.dataset.node + (n.getClientRects().length ? '' : ' (not shown)') + ': ' +
			[...n.querySelectorAll('.message')].map((m) => m.textContent).join(' | '))
		.join('\n')`))
	if err != nil {
		msgs = fmt.Sprintf("(the messages could not be read: %v)", err)
	}
	return fmt.Sprintf("page %s shows:\n%s\nnode messages:\n%s\nrequests:\n%s", shortURL(url), indentText(text), indentText(msgs), b.takeLog())
}

func indentText(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

// Selectors of the example UI's markup (examples/ui/render.js, app.js).
const (
	sessionEmail    = chromedp.CSS("#session-email")
	sessionIdentity = chromedp.CSS("#session-identity")
	sessionName     = chromedp.CSS("#session-name")
	signedOut       = chromedp.CSS("#signed-out")
	logoutLink      = chromedp.CSS("#logout-link")
	settingsLink    = chromedp.CSS("#settings-link")
	errorMessage    = chromedp.CSS(".error-details .message")
	errorReason     = chromedp.CSS("#error-reason")
	// Kratos's 1050001 "Your changes have been saved!"
	settingsSaved = chromedp.CSS(`.flow-messages .message-success[data-message-id="1050001"]`)
)

func formIn(group string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`form[data-group=%q]`, group))
}

func inputIn(group, name string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`%s input[name=%q]`, formIn(group), name))
}

func buttonIn(group, name, value string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`%s button[name=%q][value=%q]`, formIn(group), name, value))
}
