package hooks

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/url"
	"regexp"
)

// Transport errors go-retryablehttp v0.7.7 treats as permanent: retrying
// cannot help, so the call gives up after the attempt that hit them. The
// library matches on message text because net/http does not type them.
var (
	tooManyRedirectsRe = regexp.MustCompile(`stopped after \d+ redirects\z`)
	badSchemeRe        = regexp.MustCompile(`unsupported protocol scheme`)
	badHeaderRe        = regexp.MustCompile(`invalid header`)
	untrustedCertRe    = regexp.MustCompile(`certificate is not trusted`)
)

// shouldRetry mirrors go-retryablehttp's DefaultRetryPolicy: a done ctx
// stops everything (and becomes the error); connection errors and timeouts
// are retried unless permanent; 429 and 5xx other than 501 are retried.
func shouldRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && isPermanent(ue) {
			return false, nil
		}
		return true, nil
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return true, nil
	}
	return resp.StatusCode == 0 || (resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented), nil
}

func isPermanent(ue *url.Error) bool {
	msg := ue.Error()
	if tooManyRedirectsRe.MatchString(msg) || badSchemeRe.MatchString(msg) ||
		badHeaderRe.MatchString(msg) || untrustedCertRe.MatchString(msg) {
		return true
	}
	var certErr *tls.CertificateVerificationError
	return errors.As(ue.Err, &certErr)
}

// isTimeout is Kratos's isTimeoutError: what it answers with 504.
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

// redactURL renders u for error messages and logs: scheme, host and path
// only. Userinfo, query and fragment may carry credentials, so they go.
func redactURL(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return r.String()
}

// redactErr rewrites the URL inside the *url.Error that http.Client.Do
// returns (it holds the full request URL, query included). The copy keeps
// its cause, so errors.Is/As still see timeouts and context errors.
func redactErr(err error) error {
	ue, ok := err.(*url.Error)
	if !ok {
		return err
	}
	safe := *ue
	safe.URL = ""
	if u, perr := url.Parse(ue.URL); perr == nil {
		safe.URL = redactURL(u)
	}
	return &safe
}
