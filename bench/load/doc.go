package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The part of BENCHMARKS.md that a run rewrites.
const (
	docBegin = "<!-- bench:results:begin -->"
	docEnd   = "<!-- bench:results:end -->"
)

// docProfiles are the profile excerpts a run adds to the document: file in
// the run directory, title, lines kept.
var docProfiles = []struct {
	file, title string
	lines       int
}{
	{"pprof-caddy-gateway-focus.txt", "Caddy under 32-way hooked load, cumulative, the gateway's call tree (`go tool pprof -top -cum -focus caddy-ory-actions`)", 40},
	{"pprof-RegistrationSubmit-cum.txt", "BenchmarkRegistrationSubmit/response=parse, cumulative", 40},
	{"pprof-HookMachinery-cum.txt", "BenchmarkHookMachinery/outcome=continue, cumulative", 30},
	{"pprof-caddy-heap.txt", "Caddy heap in use after the memory run", 20},
}

// updateDoc replaces the results section of the document with this run's
// machine facts, summary and profile excerpts.
func updateDoc(doc, dir, summary string) error {
	old, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	begin, end := bytes.Index(old, []byte(docBegin)), bytes.Index(old, []byte(docEnd))
	if begin < 0 || end < begin {
		return fmt.Errorf("%s: markers %s … %s not found", doc, docBegin, docEnd)
	}
	var b strings.Builder
	b.WriteString(docBegin + "\n\n")
	if note, err := os.ReadFile(filepath.Join(dir, "note.txt")); err == nil && len(bytes.TrimSpace(note)) > 0 {
		b.WriteString("**" + strings.TrimSpace(string(note)) + "**\n\n")
	}
	if machine, err := os.ReadFile(filepath.Join(dir, "machine.txt")); err == nil {
		b.WriteString("### Machine\n\n```\n" + strings.TrimRight(string(machine), "\n") + "\n```\n\n")
	}
	// One heading level down: the document's results section is a "##".
	b.WriteString(strings.TrimPrefix(strings.ReplaceAll("\n"+summary, "\n## ", "\n### "), "\n"))
	b.WriteString("### Profiles\n\n")
	for _, p := range docProfiles {
		text, err := os.ReadFile(filepath.Join(dir, p.file))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(text), "\n"), "\n")
		if len(lines) > p.lines {
			lines = lines[:p.lines]
		}
		fmt.Fprintf(&b, "%s:\n\n```\n%s\n```\n\n", p.title, strings.Join(lines, "\n"))
	}
	out := append([]byte{}, old[:begin]...)
	out = append(out, b.String()...)
	out = append(out, old[end:]...)
	return os.WriteFile(doc, out, 0o644)
}
