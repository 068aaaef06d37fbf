package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tidwall/gjson"

	"github.com/caddy-ory-actions/caddy-ory-actions/internal/fixtures"
)

// namedFixture is a recorded Kratos v1.3.1 exchange whose web hook had the
// template `function(ctx) ctx`: the body it received is the very ctx Kratos
// built at that hook point, so it can be rendered again with any template.
type namedFixture struct {
	name  string // what --fixture takes
	file  string // in testdata/kratos/fixtures, without .json
	call  int    // index in webhook_calls
	about string
}

// namedFixtures has one ctx per hook point, API flows unless noted; "parse"
// marks the ctx of a synchronous hook that runs before Kratos persists
// (registration, settings) or may interrupt (login).
var namedFixtures = []namedFixture{
	{"registration-before", "wh_ctx_registration_before_api_init_basic_auth", 0, "registration before, API init"},
	{"registration-before-browser", "wh_ctx_registration_before_browser_init_json", 0, "registration before, browser init (JSON)"},
	{"registration-after", "wh_async_ignore_registration_after_api", 0, "registration after password, stored identity (response.ignore)"},
	{"registration-after-parse", "wh_parse_400_registration_api", 0, "registration after password, pre-persist identity (response.parse)"},
	{"registration-after-parse-browser", "wh_parse_400_registration_browser_form", 0, "registration after password, browser form, pre-persist identity"},
	{"login-before", "wh_ctx_login_before_api_init_api_key_header", 0, "login before, API init"},
	{"login-after", "wh_async_ignore_login_after_api", 0, "login after password, with session (response.ignore)"},
	{"login-after-parse", "wh_parse_400_login_api", 0, "login after password, with session (response.parse)"},
	{"settings-before", "wh_ctx_settings_before_api_init", 0, "settings before, API init"},
	{"settings-after", "wh_ctx_settings_after_profile_sync_api", 1, "settings after profile, stored change"},
	{"settings-after-parse", "wh_parse_400_settings_profile_api", 0, "settings after profile, before the change is stored (response.parse)"},
	{"settings-after-password-parse", "wh_parse_400_settings_password_browser_json", 0, "settings after password, browser JSON (response.parse)"},
	{"recovery-before", "wh_ctx_recovery_before_api_init", 0, "recovery before, API init"},
	{"recovery-after", "wh_ctx_recovery_after_api", 0, "recovery after code"},
	{"verification-before", "wh_ctx_verification_before_api_init", 0, "verification before, API init"},
	{"verification-after", "wh_ctx_verification_after_browser_json_form_encoded_hook", 1, "verification after code, browser JSON"},
}

// fixtureCtx returns the recorded ctx of a named fixture, or of a fixture
// file given as NAME[#INDEX] (its first whole-ctx call without an index),
// read from dir, or from the checkout around the working directory.
func fixtureCtx(name, dir string) ([]byte, string, error) {
	file, call := strings.TrimSuffix(name, ".json"), -1
	for _, f := range namedFixtures {
		if f.name == name {
			file, call = f.file, f.call
		}
	}
	if base, idx, ok := strings.Cut(file, "#"); ok {
		n, err := strconv.Atoi(idx)
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("--fixture %q: want NAME or FILE#INDEX", name)
		}
		file, call = base, n
	}
	doc, err := readFixture(file+".json", dir)
	if err != nil {
		return nil, "", fmt.Errorf("--fixture %q: %w (the recorded exchanges are in testdata/kratos/fixtures of a checkout of caddy-ory-actions: run this inside one or give --fixtures-dir; --fixture list names them)", name, err)
	}
	calls := gjson.GetBytes(doc, "webhook_calls").Array()
	if call < 0 {
		for i, c := range calls {
			if isWholeCtx(c.Get("body")) {
				call = i
				break
			}
		}
	}
	if call < 0 || call >= len(calls) || !isWholeCtx(calls[call].Get("body")) {
		return nil, "", fmt.Errorf("--fixture %q: no web hook call of %s received a whole ctx", name, file)
	}
	return []byte(calls[call].Get("body").Raw), file + "#" + strconv.Itoa(call), nil
}

func readFixture(file, dir string) ([]byte, error) {
	if dir == "" {
		return fixtures.Read(file)
	}
	return os.ReadFile(filepath.Join(dir, file))
}

// isWholeCtx tells a body rendered by `function(ctx) ctx` by the field
// every ctx has.
func isWholeCtx(body gjson.Result) bool {
	return body.IsObject() && body.Get("request_url").Exists()
}

// listFixtures prints the names --fixture takes.
func listFixtures(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tHOOK POINT\tRECORDED IN (testdata/kratos/fixtures)")
	for _, f := range namedFixtures {
		fmt.Fprintf(tw, "%s\t%s\t%s.json#%d\n", f.name, f.about, f.file, f.call)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nAny fixture file whose web hook received a whole ctx works too: --fixture FILE[#INDEX] (see INDEX.md there).")
	return err
}
