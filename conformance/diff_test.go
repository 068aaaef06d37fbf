package conformance

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// difference is one field where the two sides disagree.
type difference struct {
	path            string // e.g. ex[2](submit).body.ui.messages[0].type
	kratos, gateway string // the values, rendered as compact JSON; "<absent>" when missing
}

func (d difference) String() string {
	return fmt.Sprintf("%s: kratos=%s gateway=%s", d.path, shorten(d.kratos), shorten(d.gateway))
}

// shorten keeps difference lines readable; matching uses the full values.
func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// differ walks two normalised transcripts side by side. uuid tokens are
// paired as they are met: a Kratos token must always meet the same gateway
// token (the same id in the same places), whatever their numbers.
type differ struct {
	k2g, g2k map[string]string
	out      []difference
}

// compareTranscripts returns every difference, in transcript order.
func compareTranscripts(k, g *transcript) []difference {
	d := &differ{k2g: map[string]string{}, g2k: map[string]string{}}
	if k.fatal != "" || g.fatal != "" {
		d.add("fatal", orAbsent(k.fatal), orAbsent(g.fatal))
		return d.out
	}
	for _, p := range alignExchanges(k.exchanges, g.exchanges) {
		switch {
		case p.g < 0:
			e := k.exchanges[p.k]
			d.walk(fmt.Sprintf("ex[%d](%s)", p.k, e.label), e.value, nil, true, false)
		case p.k < 0:
			e := g.exchanges[p.g]
			d.walk(fmt.Sprintf("ex[gw:%d](%s)", p.g, e.label), nil, e.value, false, true)
		default:
			e := k.exchanges[p.k]
			d.walk(fmt.Sprintf("ex[%d](%s)", p.k, e.label), e.value, g.exchanges[p.g].value, true, true)
		}
	}
	union := map[string][]any{}
	for p := range k.calls {
		union[p] = nil
	}
	for p := range g.calls {
		union[p] = nil
	}
	for _, p := range callPaths(union) {
		kc, gc := k.calls[p], g.calls[p]
		if len(kc) != len(gc) {
			d.add(fmt.Sprintf("calls[%s].count", p), fmt.Sprint(len(kc)), fmt.Sprint(len(gc)))
		}
		for i := 0; i < max(len(kc), len(gc)); i++ {
			var kv, gv any
			if i < len(kc) {
				kv = kc[i]
			}
			if i < len(gc) {
				gv = gc[i]
			}
			d.walk(fmt.Sprintf("calls[%s][%d]", p, i), kv, gv, i < len(kc), i < len(gc))
		}
	}
	return d.out
}

// pair is one aligned exchange: indexes into the Kratos and the gateway
// transcript, -1 where that side has no such exchange.
type pair struct{ k, g int }

// alignExchanges pairs exchanges with the same label and request by a
// longest common subsequence, so that one exchange more or less on one
// side (a redirect followed, a step skipped) shows as that exchange only,
// not as every later exchange being different.
func alignExchanges(k, g []labelled) []pair {
	key := func(e labelled) string { r, _ := e.value["request"].(string); return e.label + "|" + r }
	n, m := len(k), len(g)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if key(k[i]) == key(g[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []pair
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && key(k[i]) == key(g[j]):
			out = append(out, pair{i, j})
			i, j = i+1, j+1
		case j == m || (i < n && lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, pair{i, -1})
			i++
		default:
			out = append(out, pair{-1, j})
			j++
		}
	}
	return out
}

func (d *differ) add(path, k, g string) {
	d.out = append(d.out, difference{path: path, kratos: k, gateway: g})
}

// walk compares a and b at path; hasA/hasB say whether each side has a
// value there at all.
func (d *differ) walk(path string, a, b any, hasA, hasB bool) {
	switch {
	case !hasA && !hasB:
		return
	case !hasA:
		d.add(path, absent, render(b))
		return
	case !hasB:
		d.add(path, render(a), absent)
		return
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			d.add(path, render(a), render(b))
			return
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			va, okA := x[k]
			vb, okB := y[k]
			d.walk(path+"."+k, va, vb, okA, okB)
		}
	case []any:
		y, ok := b.([]any)
		if !ok {
			d.add(path, render(a), render(b))
			return
		}
		for i := 0; i < max(len(x), len(y)); i++ {
			var va, vb any
			if i < len(x) {
				va = x[i]
			}
			if i < len(y) {
				vb = y[i]
			}
			d.walk(fmt.Sprintf("%s[%d]", path, i), va, vb, i < len(x), i < len(y))
		}
	case string:
		y, ok := b.(string)
		if !ok || !d.sameString(x, y) {
			d.add(path, render(a), render(b))
		}
	default:
		if !reflect.DeepEqual(a, b) {
			d.add(path, render(a), render(b))
		}
	}
}

// sameString compares two normalised strings: equal text around their uuid
// tokens, and tokens that pair up with the pairs seen so far.
func (d *differ) sameString(a, b string) bool {
	if uuidToken.ReplaceAllString(a, "<$1>") != uuidToken.ReplaceAllString(b, "<$1>") {
		return false
	}
	ta, tb := uuidToken.FindAllString(a, -1), uuidToken.FindAllString(b, -1)
	for i := range ta {
		g, seenK := d.k2g[ta[i]]
		k, seenG := d.g2k[tb[i]]
		switch {
		case !seenK && !seenG:
			d.k2g[ta[i]], d.g2k[tb[i]] = tb[i], ta[i]
		case g != tb[i] || k != ta[i]:
			return false
		}
	}
	return true
}

// render shows a value compactly for a difference line.
func render(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func quote(s string) string { return render(s) }

func orAbsent(s string) string {
	if s == "" {
		return absent
	}
	return quote(s)
}

// summarize groups differences for a readable failure message.
func summarize(ds []difference) string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = "  " + d.String()
	}
	return strings.Join(lines, "\n")
}
