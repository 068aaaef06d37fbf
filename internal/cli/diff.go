package cli

import (
	"bytes"
	"fmt"
	"strings"
)

// diffContext is how many unchanged lines surround a change.
const diffContext = 3

// maxDiffCells bounds the LCS table (lines of a × lines of b); rendered
// bodies are far below it, and beyond it only the first difference is told.
const maxDiffCells = 4 << 20

// lineDiff returns a unified-style diff of a and b: "-" lines only in a,
// "+" lines only in b, with diffContext lines of context per hunk.
func lineDiff(a, b []byte) string {
	al, bl := splitLines(a), splitLines(b)
	if len(al)*len(bl) > maxDiffCells {
		return firstDifference(al, bl)
	}
	ops := diffOps(al, bl)
	var out strings.Builder
	for start := 0; start < len(ops); {
		// Find the next change and the extent of its hunk.
		for start < len(ops) && ops[start].kind == ' ' {
			start++
		}
		if start == len(ops) {
			break
		}
		from := max(start-diffContext, 0)
		end, quiet := start, 0
		for end < len(ops) && quiet <= 2*diffContext {
			if ops[end].kind == ' ' {
				quiet++
			} else {
				quiet = 0
			}
			end++
		}
		end -= max(quiet-diffContext, 0)
		fmt.Fprintf(&out, "@@ -%d +%d @@\n", ops[from].aLine, ops[from].bLine)
		for _, op := range ops[from:end] {
			out.WriteByte(op.kind)
			out.WriteString(op.text)
			out.WriteByte('\n')
		}
		start = end
	}
	if out.Len() == 0 {
		return "(the same lines; they differ in line endings or the final newline)\n"
	}
	return out.String()
}

// diffOp is one line of the edit script; aLine and bLine are the 1-based
// line numbers it is at in a and b.
type diffOp struct {
	kind         byte // ' ', '-', '+'
	text         string
	aLine, bLine int
}

// diffOps is the edit script from a longest common subsequence.
func diffOps(a, b []string) []diffOp {
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i], i + 1, j + 1})
			i, j = i+1, j+1
		case j == m || (i < n && lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{'-', a[i], i + 1, j + 1})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j], i + 1, j + 1})
			j++
		}
	}
	return ops
}

// firstDifference reports where two long texts part.
func firstDifference(a, b []string) string {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("first difference at line %d:\n-%s\n+%s\n", i+1, a[i], b[i])
		}
	}
	return fmt.Sprintf("one text is a prefix of the other (%d and %d lines)\n", len(a), len(b))
}

func splitLines(s []byte) []string {
	s = bytes.TrimSuffix(s, []byte("\n"))
	if len(s) == 0 {
		return nil
	}
	return strings.Split(string(s), "\n")
}
