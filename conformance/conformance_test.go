package conformance

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/standard" // reverse_proxy, log writers

	_ "github.com/caddy-ory-actions/caddy-ory-actions" // the ory_actions handler
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/hydratest"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/kratostest"
)

// stats are what TestMain prints as the summary line.
var stats struct {
	ran, passed, failed, documented int
}

func TestMain(m *testing.M) {
	flag.Parse()
	if !verbose() {
		log.SetOutput(io.Discard) // kratostest's "Kratos ready" lines, one per scenario
	}
	code := m.Run()
	if env != nil {
		_ = caddy.Stop()
		env.stop()
	}
	if stats.ran > 0 {
		fmt.Printf("conformance: %d passed, %d failed (%d documented differences)\n", stats.passed, stats.failed, stats.documented)
	}
	os.Exit(code)
}

// env is started by the first TestConformance run; TestMain stops it.
var env *suiteEnv

// suiteRuns counts TestConformance runs in this process (-count).
var suiteRuns int

func startEnv(t *testing.T) (*suiteEnv, error) {
	port := kratostest.FreePort(t)
	gatewayURL := "http://127.0.0.1:" + strconv.Itoa(port)
	k, err := kratostest.StartShared(kratostest.Options{PublicBaseURL: gatewayURL + "/"})
	if err != nil {
		return nil, err
	}
	dead, err := deadOrigin()
	if err != nil {
		k.Stop()
		return nil, err
	}
	return &suiteEnv{kratos: k, gatewayURL: gatewayURL, dead: dead}, nil
}

// TestConformance runs every scenario against Kratos (hooks native) and
// the gateway (hooks in Caddy, Kratos hookless) and fails on each
// difference that Documented does not list.
func TestConformance(t *testing.T) {
	suiteRuns++
	all := allScenarios()
	if err := checkScenarios(all); err != nil {
		t.Fatal(err)
	}
	if env == nil {
		var err error
		if env, err = startEnv(t); err != nil {
			t.Fatalf("starting the gateway's Kratos: %v", err)
		}
	}
	selected := selectScenarios(all)
	if suiteHydra == nil && needsVariant(selected, variantOIDC) {
		suiteHydra = hydratest.Start(t, "")
		providerOrigin = strings.TrimSuffix(suiteHydra.IssuerURL, "/")
		t.Cleanup(func() { suiteHydra, providerOrigin = nil, "" }) // Hydra stops with this run
		var err error
		if env.oidcClient, env.oidcConfigure, err = oidcClient(); err != nil {
			t.Fatalf("the gateway side's OAuth2 client: %v", err)
		}
	}
	natives := startNatives(selected, env.dead, nativeParallelism())
	imported := map[string]bool{}
	for _, sc := range selected {
		t.Run(sc.name, func(t *testing.T) {
			gw := runGateway(env, sc)
			kr := natives[sc.name].wait()
			dump(t, sc.name, kr, gw)
			compare(t, sc.name, kr, gw)
			if key := importKey(sc); importable(sc) && !imported[key] {
				imported[key] = true
				t.Run("imported", func(t *testing.T) {
					// The same address as the run above: its identity goes first.
					k, err := env.kratosFor(sc.variant)
					if err != nil {
						t.Fatal(err)
					}
					if err := forgetIdentities(k.AdminURL, emailFor(sc)); err != nil {
						t.Fatal(err)
					}
					if sc.variant == variantOIDC {
						// A social sign-up's identity is also found by
						// its subject (a hook may have patched its e-mail).
						if err := forgetIdentities(k.AdminURL, "hydra:"+oidcSubject(sc)); err != nil {
							t.Fatal(err)
						}
					}
					gw := runGatewayWith(env, sc, func(receiverURL string) ([]any, error) {
						return importedHooks(sc, receiverURL, env.dead)
					})
					compare(t, sc.name, kr, gw)
				})
			}
		})
	}
}

// compare fails t on each difference between Kratos's transcript and the
// gateway's that Documented does not list for the scenario, and counts it.
func compare(t *testing.T, name string, kr, gw *transcript) {
	undocumented, documented := classify(name, compareTranscripts(kr, gw))
	stats.ran++
	stats.documented += len(documented)
	logDocumented(t, documented)
	if len(undocumented) > 0 {
		stats.failed++
		t.Errorf("%d undocumented difference(s) from Kratos:\n%s", len(undocumented), summarize(undocumented))
		return
	}
	stats.passed++
}

// logDocumented logs the documented differences of a scenario, one line
// per entry with a count and the first example.
func logDocumented(t *testing.T, ds []documentedDiff) {
	var order []string
	byID := map[string][]documentedDiff{}
	for _, d := range ds {
		if _, seen := byID[d.entry.ID]; !seen {
			order = append(order, d.entry.ID)
		}
		byID[d.entry.ID] = append(byID[d.entry.ID], d)
	}
	for _, id := range order {
		t.Logf("documented (%s): %d difference(s), e.g. %s", id, len(byID[id]), byID[id][0].difference)
	}
}

// selectScenarios applies the subtest part of -run, so that running one
// scenario does not start Kratos for all the others.
func selectScenarios(all []scenario) []scenario {
	f := flag.Lookup("test.run")
	if f == nil {
		return all
	}
	parts := strings.SplitN(f.Value.String(), "/", 2)
	if len(parts) < 2 {
		return all
	}
	re, err := regexp.Compile(parts[1])
	if err != nil {
		return all
	}
	var out []scenario
	for _, sc := range all {
		if re.MatchString(sc.name) {
			out = append(out, sc)
		}
	}
	return out
}

func verbose() bool { return os.Getenv("CONFORMANCE_VERBOSE") != "" }

// nativeParallelism is how many Kratos-side runs go at once (besides the
// slow ones, which mostly sleep). CONFORMANCE_PARALLEL overrides it.
func nativeParallelism() int {
	if n, err := strconv.Atoi(os.Getenv("CONFORMANCE_PARALLEL")); err == nil && n > 0 {
		return n
	}
	return 2
}

// dump writes both normalised transcripts to $CONFORMANCE_DUMP/<scenario>/
// when set, for looking at what a scenario produced.
func dump(t *testing.T, name string, kr, gw *transcript) {
	dir := os.Getenv("CONFORMANCE_DUMP")
	if dir == "" {
		return
	}
	dir = filepath.Join(dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("dump: %v", err)
		return
	}
	for file, tr := range map[string]*transcript{"kratos.json": kr, "gateway.json": gw} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(tr.pretty()), 0o644); err != nil {
			t.Logf("dump: %v", err)
		}
	}
}

// needsVariant reports whether a scenario of scs runs the Kratos variant.
func needsVariant(scs []scenario, variant string) bool {
	for _, sc := range scs {
		if sc.variant == variant {
			return true
		}
	}
	return false
}
