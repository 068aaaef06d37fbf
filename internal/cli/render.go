package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/render"
)

// noURL stands in for the receiver when render has no --url: the request
// is never sent, but package hooks wants an absolute URL to build it.
const noURL = "http://receiver.invalid/"

type renderOptions struct {
	template, ctxFile, fixture string
	fixturesDir                string
	config, adapter, hook      string
	method, url, importDir     string
	kratos, bodyOnly           bool
}

func newRenderCommand(host Host) *cobra.Command {
	var o renderOptions
	cmd := &cobra.Command{
		Use:   "render (--template T | --config FILE --hook ID) (--ctx CTX.json | --fixture NAME)",
		Short: "Prints the request the gateway would send for a template and a ctx",
		Long: `Renders a web hook body exactly as the gateway does (the template loaded and
compiled once, evaluated with the ctx) and prints the request it would send:
method, URL (without userinfo and query), headers with secrets masked, and
the body byte for byte. Nothing is sent.

The hook comes from --config/--hook (url, method, headers, auth and body of
that hook; placeholders resolved as at load) or from --template with
--method/--url. The ctx is a JSON file (--ctx, "-" for stdin) or the ctx Kratos
v1.3.1 built in a recorded exchange (--fixture NAME; --fixture list).

--kratos also renders as Kratos v1.3.1 does (go-jsonnet, TLACode("ctx", ctx),
EvaluateAnonymousSnippet) and prints "identical" or a diff.`,
		Example: `  caddy ory-actions render --template file://hooks/signup.jsonnet --fixture registration-after-parse --kratos
  caddy ory-actions render --config Caddyfile --hook crm_signup --ctx ctx.json
  caddy ory-actions render --fixture list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRender(cmd.Context(), host, o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.template, "template", "", "template source: a path, file://, base64:// or http(s):// (overrides the hook's body)")
	f.StringVar(&o.ctxFile, "ctx", "", `ctx JSON file ("-" for stdin)`)
	f.StringVar(&o.fixture, "fixture", "", `recorded Kratos ctx: a name, FILE[#INDEX], or "list"`)
	f.StringVar(&o.fixturesDir, "fixtures-dir", "", "directory of the recorded fixtures (default: testdata/kratos/fixtures of the checkout around the working directory)")
	f.StringVarP(&o.config, "config", "c", "", "config file with the hook (Caddyfile or JSON)")
	f.StringVarP(&o.adapter, "adapter", "a", "", "config adapter (default: from the file name, as caddy run)")
	f.StringVar(&o.hook, "hook", "", "id of the hook in --config")
	f.StringVar(&o.method, "method", "", "HTTP method (default POST, or the hook's)")
	f.StringVar(&o.url, "url", "", "receiver URL (default: the hook's)")
	f.StringVar(&o.importDir, "import-dir", "", "allow Jsonnet imports from this directory (default: the hook's templates.import_dir)")
	f.BoolVar(&o.kratos, "kratos", false, "compare with Kratos v1.3.1's rendering")
	f.BoolVar(&o.bodyOnly, "body-only", false, "print the body only (the comparison goes to stderr)")
	return cmd
}

// runRender is the render command.
func runRender(ctx context.Context, host Host, o renderOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	if o.fixture == "list" {
		return listFixtures(stdout)
	}
	cfg, opts, err := o.hookConfig(host)
	if err != nil {
		return err
	}
	source := cfg.Body
	if o.template != "" {
		source = o.template
	}
	var (
		name, code string
		tmpl       *render.Template
		ctxJSON    []byte
	)
	if source != "" {
		if ctxJSON, _, err = readCtx(o.ctxFile, o.fixture, o.fixturesDir, stdin); err != nil {
			return err
		}
		if name, code, err = render.Load(ctx, source, opts); err != nil {
			return err
		}
		if tmpl, err = render.Compile(name, code, opts); err != nil {
			return err
		}
	}
	var body []byte
	var evalErr error
	if tmpl != nil {
		body, evalErr = tmpl.Evaluate(ctx, gatewayCtx(ctxJSON, tmpl))
	}
	report := stdout
	if o.bodyOnly {
		report = stderr
	}
	switch {
	case errors.Is(evalErr, render.ErrCancel):
		fmt.Fprintln(report, `The template cancels the hook (error "cancel"): the gateway sends nothing.`)
	case evalErr != nil:
		fmt.Fprintf(report, "The template fails: the gateway sends nothing and answers as for a failed hook.\n%s\n", evalErr)
	default:
		if err := printRequest(ctx, stdout, cfg, body, o); err != nil {
			return err
		}
	}
	if o.kratos {
		printKratosComparison(report, tmpl, name, code, ctxJSON, body, evalErr)
	}
	if evalErr != nil && !errors.Is(evalErr, render.ErrCancel) {
		return errors.New("the template failed to render")
	}
	return nil
}

// hookConfig is the hook render works with: from --config/--hook, with
// --method/--url overriding, or made of the flags alone.
func (o renderOptions) hookConfig(host Host) (hooks.Config, render.Options, error) {
	var cfg hooks.Config
	var opts render.Options
	switch {
	case o.config != "" && o.hook == "":
		return cfg, opts, errors.New("--config needs --hook ID")
	case o.hook != "" && o.config == "":
		return cfg, opts, errors.New("--hook needs --config FILE")
	case o.config != "":
		config, err := host.LoadConfig(o.config, o.adapter)
		if err != nil {
			return cfg, opts, err
		}
		hs, err := findHandlers(host, config)
		if err != nil {
			return cfg, opts, err
		}
		h, i, err := hookByID(hs, o.hook)
		if err != nil {
			return cfg, opts, err
		}
		cfg, opts = h.Hooks[i].Config, h.Render
	case o.template == "":
		return cfg, opts, errors.New("a template is required: --template T, or --config FILE --hook ID")
	default:
		cfg.Method = http.MethodPost
	}
	if o.method != "" {
		cfg.Method = o.method
	}
	if o.url != "" {
		cfg.URL = o.url
	}
	if cfg.URL == "" {
		cfg.URL = noURL
	}
	if o.importDir != "" {
		opts.ImportDir = o.importDir
	}
	return cfg, opts, nil
}

// printRequest prints what the gateway would send: request line, headers
// (secrets masked), a blank line and the body; with --body-only, the body.
func printRequest(ctx context.Context, w io.Writer, cfg hooks.Config, body []byte, o renderOptions) error {
	req, err := captureRequest(ctx, cfg, body)
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	if o.bodyOnly {
		_, err := w.Write(req.Body)
		return err
	}
	target := safeURL(req.URL)
	if cfg.URL == noURL {
		target = "(no --url)"
	}
	fmt.Fprintf(w, "%s %s\n", req.Method, target)
	for _, line := range headerLines(req.Header, cfg) {
		fmt.Fprintln(w, line)
	}
	if req.Body == nil {
		_, err = fmt.Fprintln(w, "\n(no body)")
		return err
	}
	fmt.Fprintf(w, "Content-Length: %d\n\n", len(req.Body))
	_, err = w.Write(req.Body)
	return err
}

// printKratosComparison renders the ctx as Kratos would and reports how it
// compares with the gateway's rendering.
func printKratosComparison(w io.Writer, tmpl *render.Template, name, code string, ctxJSON, out []byte, err error) {
	const what = "Kratos v1.3.1 (go-jsonnet: TLACode(\"ctx\"), EvaluateAnonymousSnippet): "
	if tmpl == nil {
		fmt.Fprintln(w, "\n"+what+"identical: no template, no body")
		return
	}
	kOut, kErr := kratosRender(name, code, ctxJSON)
	same, report := compareWithKratos(out, err, kOut, kErr)
	fmt.Fprintln(w, "\n"+what+report)
	if same {
		return
	}
	if tmpl.ReadsCtxField("transient_payload") {
		fmt.Fprintln(w, "(The template reads ctx.transient_payload, which the gateway adds for such templates; Kratos v1.3.1 has only ctx.flow.transient_payload.)")
	}
	if kErr != nil && strings.Contains(kErr.Error(), "import not available") {
		fmt.Fprintln(w, "(Kratos's sandbox refuses imports; the gateway allows them from templates.import_dir.)")
	}
}
