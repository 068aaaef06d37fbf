package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/caddy-ory-actions/caddy-ory-actions/kratos"
)

// Where Kratos v1.3.1 runs hook lists (driver/registry_default_*.go):
// registration, login and settings run after.<method>.hooks, and
// after.hooks only for a method without hooks of its own; registration and
// settings run parse web_hooks only from after.<method>.hooks (after.hooks
// feeds their post-persist hooks alone, where a parse web_hook does
// nothing); recovery and verification run after.hooks only. The gateway
// runs a hook without a method for every method of its flow, so a web_hook
// moved from after.hooks can run where Kratos did not run it.

// perMethodFlows have after.<method>.hooks with after.hooks as a fallback.
var perMethodFlows = []kratos.Flow{kratos.Registration, kratos.Login, kratos.Settings}

// prePersistFlows run parse web_hooks before persisting, from
// after.<method>.hooks only.
var prePersistFlows = []kratos.Flow{kratos.Registration, kratos.Settings}

// hookWarnings says where the gateway will run wh differently from Kratos.
func (c *kratosConfig) hookWarnings(wh webHook) []string {
	l := wh.list
	if l.when != "after" {
		return nil
	}
	if l.method != "" && !slices.Contains(kratos.HookMethods[l.flow], l.method) {
		return []string{fmt.Sprintf("the gateway knows no method %q for %s (it knows %s) and refuses this hook at load",
			l.method, l.flow, strings.Join(kratos.HookMethods[l.flow], ", "))}
	}
	if l.method != "" && !slices.Contains(perMethodFlows, l.flow) {
		return []string{fmt.Sprintf("Kratos v1.3.1 runs only after.hooks for %s, so it never ran this hook; the gateway will run it for %s", l.flow, l.method)}
	}
	if l.method != "" || !slices.Contains(perMethodFlows, l.flow) {
		return nil
	}
	if wh.config.Parses() && slices.Contains(prePersistFlows, l.flow) {
		return []string{fmt.Sprintf("Kratos v1.3.1 never ran this hook: it runs response.parse web_hooks of %s only from after.<method>.hooks; "+
			"the gateway will run it, for every method: remove it, or give it a method, to keep Kratos's behaviour", l.flow)}
	}
	own := c.methodsWithOwnHooks(l.flow)
	if len(own) == 0 {
		return nil
	}
	var others []string
	for _, m := range kratos.HookMethods[l.flow] {
		if !slices.Contains(own, m) {
			others = append(others, m)
		}
	}
	return []string{fmt.Sprintf("Kratos runs after.hooks only for methods without hooks of their own, so it did not run this hook for %s; "+
		"the gateway runs a hook without a method for every method: to keep Kratos's behaviour, make it one hook per other method (%s)",
		strings.Join(own, ", "), strings.Join(others, ", "))}
}

// methodsWithOwnHooks lists the methods with a non-empty
// after.<method>.hooks in the config as written.
func (c *kratosConfig) methodsWithOwnHooks(flow kratos.Flow) []string {
	var own []string
	for _, l := range c.lists {
		if l.flow == flow && l.when == "after" && l.method != "" && len(l.all) > 0 {
			own = append(own, l.method)
		}
	}
	return own
}

// keptWarnings are the changes that removing web_hooks makes to what
// Kratos itself runs: a method whose hooks were all web_hooks has none of
// its own any more, so Kratos now runs after.hooks for it. They are added
// to the kept kratos.yml as comments on the lists concerned, and returned.
func (c *kratosConfig) keptWarnings() []string {
	var out []string
	for _, l := range c.lists {
		if l.method == "" || len(l.all) == 0 || len(l.kept) > 0 || !slices.Contains(perMethodFlows, l.flow) {
			continue
		}
		global := c.keptGlobal(l.flow)
		if len(global) == 0 {
			continue
		}
		w := fmt.Sprintf("warning: %s held only web_hooks and is empty now, so Kratos runs after.hooks (%s) for %s, which it did not before",
			l.key, strings.Join(global, ", "), l.method)
		out = append(out, w)
		if l.keyNode != nil {
			l.keyNode.HeadComment = joinComments(l.keyNode.HeadComment, "# "+w)
		}
	}
	return out
}

// keptGlobal is the flow's after.hooks once web_hooks are removed.
func (c *kratosConfig) keptGlobal(flow kratos.Flow) []string {
	for _, l := range c.lists {
		if l.flow == flow && l.when == "after" && l.method == "" {
			return l.kept
		}
	}
	return nil
}

func joinComments(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}
