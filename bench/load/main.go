// Command load is the load generator of `make bench` (bench/run.sh): a
// closed-loop client with a fixed number of workers that records every
// request's latency, so that setups can be alternated request by request
// (or in short time slices) and drift on a shared machine cancels out.
//
//	load receiver     -addr A                   the web hook receiver (200 {})
//	load passthrough  -targets i=URL,ii=URL ... plain proxy vs gateway, time slices
//	load register     -setups a=URL,b=URL,c=URL  hooked registration, request by request
//	load soak         -url URL -pid PID ...      32-way hooked load, RSS sampled
//	load report       -dir DIR                   the summary with the ratios
//
// Every target must be on loopback; every loop is bounded in time and count.
package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: load receiver|passthrough|register|soak|report [flags]")
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"receiver":    runReceiver,
		"passthrough": runPassThrough,
		"register":    runRegister,
		"soak":        runSoak,
		"report":      runReport,
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "load: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := cmd(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "load %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// target is a named base URL.
type target struct {
	Name string
	URL  string
}

// parseTargets reads "name=URL,name=URL", refusing anything off loopback.
func parseTargets(s string) ([]target, error) {
	var out []target
	for _, part := range strings.Split(s, ",") {
		name, raw, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("target %q: want name=URL", part)
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("target %s: bad URL %q", name, raw)
		}
		if err := requireLoopback(u.Host); err != nil {
			return nil, err
		}
		out = append(out, target{Name: name, URL: strings.TrimRight(raw, "/")})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no targets")
	}
	return out, nil
}

// requireLoopback refuses any address that is not a loopback IP literal or
// localhost: the bench never sends traffic elsewhere.
func requireLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address; the bench only targets 127.0.0.0/8 and ::1", hostport)
}

// parseInts reads "1,8,32".
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 256 {
			return nil, fmt.Errorf("bad count %q (1..256)", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// newClient returns a keep-alive HTTP/1.1 client for one setup, with enough
// idle connections for every worker, no redirects followed and no
// compression negotiated.
func newClient(conc int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        4 * conc,
		MaxIdleConnsPerHost: 2 * conc,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
