package render

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// InlineName is the display name Load gives to inline template code.
const InlineName = "inline"

// Load resolves a template source to Jsonnet code. Sources:
//   - "base64://<standard base64>";
//   - "file://<path>": file:///abs, or file://rel resolved against opts.BaseDir;
//   - "http://…" / "https://…": fetched once, now; the status must be 200;
//   - anything else is a file path, as Kratos reads a scheme-less source (resolved
//     against opts.BaseDir when relative). Inline Jsonnet has no form of its own:
//     the Caddyfile turns a heredoc into base64://, so a source is never ambiguous.
//
// Files and fetched bodies larger than MaxTemplateSize are refused. name is the display
// name for error messages and Jsonnet stack traces: the source URI as given (for http(s)
// without userinfo, query and fragment, which may hold secrets), or InlineName.
func Load(ctx context.Context, source string, opts Options) (name, code string, err error) {
	switch {
	case strings.HasPrefix(source, "base64://"):
		b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(source, "base64://"))
		if err != nil {
			return "", "", fmt.Errorf("render: decoding base64 template: %w", err)
		}
		return source, string(b), nil
	case strings.HasPrefix(source, "file://"):
		code, err := readTemplateFile(strings.TrimPrefix(source, "file://"), opts.BaseDir)
		return source, code, err
	case strings.HasPrefix(source, "http://"), strings.HasPrefix(source, "https://"):
		return fetchTemplate(ctx, source, opts.httpClient())
	default:
		code, err := readTemplateFile(source, opts.BaseDir)
		if err != nil {
			return "", "", fmt.Errorf("%w (a body without a scheme is a file path, as in Kratos; for inline Jsonnet use base64:// or, in the Caddyfile, a heredoc)", err)
		}
		return source, code, nil
	}
}

func readTemplateFile(path, baseDir string) (string, error) {
	if path == "" {
		return "", errors.New("render: file:// template source without a path")
	}
	if !filepath.IsAbs(path) && baseDir != "" {
		path = filepath.Join(baseDir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("render: reading template: %w", err)
	}
	defer f.Close()
	return readCapped(f, path)
}

func fetchTemplate(ctx context.Context, source string, client *http.Client) (name, code string, err error) {
	u, err := url.Parse(source)
	if err != nil {
		// url.Error repeats the whole source, query included: keep only the reason.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", "", fmt.Errorf("render: invalid template URL: %w", err)
	}
	name = redactURL(u)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, source, nil)
	if err != nil {
		return name, "", fmt.Errorf("render: fetching template %s: %w", name, unwrapURLError(err))
	}
	res, err := client.Do(req)
	if err != nil {
		return name, "", fmt.Errorf("render: fetching template %s: %w", name, unwrapURLError(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return name, "", fmt.Errorf("render: fetching template %s: expected status 200, got %d", name, res.StatusCode)
	}
	code, err = readCapped(res.Body, name)
	return name, code, err
}

// unwrapURLError drops the *url.Error layer, whose text contains the full URL.
func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// redactURL returns the URL without userinfo, query and fragment.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery, c.ForceQuery = "", false
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

func readCapped(r io.Reader, what string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxTemplateSize+1))
	if err != nil {
		return "", fmt.Errorf("render: reading template %s: %w", what, err)
	}
	if len(b) > MaxTemplateSize {
		return "", fmt.Errorf("render: template %s is larger than %d bytes", what, MaxTemplateSize)
	}
	return string(b), nil
}
