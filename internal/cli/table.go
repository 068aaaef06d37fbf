package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/caddy-ory-actions/caddy-ory-actions/hooks"
	"github.com/caddy-ory-actions/caddy-ory-actions/internal/gateway"
	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// printHookTable prints the hooks by hook point (flows in Kratos's order,
// before then after), keeping the configured order within a point, which
// is the order they run in.
func printHookTable(w io.Writer, specs []gateway.HookSpec) error {
	if len(specs) == 0 {
		_, err := fmt.Fprintln(w, "No hooks.")
		return err
	}
	sorted := slices.Clone(specs)
	slices.SortStableFunc(sorted, func(a, b gateway.HookSpec) int {
		if d := flowRank(a.Flow) - flowRank(b.Flow); d != 0 {
			return d
		}
		return whenRank(a.When) - whenRank(b.When)
	})
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FLOW\tWHEN\tMETHOD\tHOOK\tURL\tRESPONSE\tTIMEOUT\tRETRIES\tDEADLINE\tON ERROR")
	for _, s := range sorted {
		method := s.Method
		switch {
		case s.When == gateway.Before:
			method = "-"
		case method == "":
			method = "(all)"
		}
		p := effectivePolicy(s.Policy)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\t%s\t%s\t%d\t%s\t%s\n",
			s.Flow, s.When, method, s.ID, s.Config.Method, safeURLString(s.Config.URL), responseMode(s.Config),
			seconds(p.Timeout), p.Attempts-1, seconds(p.Deadline), onError(s))
	}
	return tw.Flush()
}

func flowRank(f kratos.Flow) int {
	if i := slices.Index(kratos.Flows[:], f); i >= 0 {
		return i
	}
	return len(kratos.Flows)
}

func whenRank(w gateway.When) int {
	if w == gateway.Before {
		return 0
	}
	return 1
}

// responseMode names what the gateway does with the receiver's answer.
func responseMode(c hooks.Config) string {
	switch {
	case c.Parses():
		return "parse"
	case c.Async():
		return "ignore (async)"
	}
	return "sync"
}

func onError(s gateway.HookSpec) string {
	if s.ContinueOnError {
		return "continue"
	}
	return "fail"
}

// effectivePolicy is the policy package hooks runs the hook with, so the
// table shows the values in force rather than zeros.
func effectivePolicy(p hooks.Policy) hooks.Policy { return p.WithDefaults() }

// seconds shows a duration as the Caddyfile usually spells it ("94s"
// rather than "1m34s").
func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

// plural is "n thing(s)" for messages.
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}
