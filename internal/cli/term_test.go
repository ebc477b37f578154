package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// hostileText holds the terminal sequences a rule's text may carry: OSC 52
// (clipboard write), OSC 0 (window title), clear screen, a C1 CSI, a
// right-to-left override, a carriage return and a newline.
const hostileText = "T\x1b]52;c;ZXZpbA==\x07i\x1b]0;pwned\x07t\x1b[2J\x1b[Hl\u009b31me\u202e\rX\nY"

func noControl(t *testing.T, where, out string, newlines bool) {
	t.Helper()
	for _, r := range out {
		if r == '\n' && newlines || r == '\t' {
			continue
		}
		if unsafeRune(r, false) {
			t.Fatalf("%s: control character %U reaches the terminal:\n%q", where, r, out)
		}
	}
}

func TestTermEscape(t *testing.T) {
	if got := termLine(hostileText); strings.ContainsAny(got, "\x1b\x07\r\n\u009b\u202e") || !strings.Contains(got, `\x1b]52;c;ZXZpbA==\x07`) {
		t.Errorf("termLine = %q", got)
	}
	if got := termText("a\nb\tc\x1b"); got != "a\nb\tc\\x1b" {
		t.Errorf("termText = %q", got)
	}
	if got := termLine("plain ünïcode"); got != "plain ünïcode" {
		t.Errorf("clean text changed: %q", got)
	}
	// termWriter keeps a rune split between writes whole.
	var b bytes.Buffer
	w := &termWriter{w: &b}
	in := []byte("é\x1b" + hostileText)
	for i := range in {
		w.Write(in[i : i+1])
	}
	if got := b.String(); !strings.HasPrefix(got, `é\x1b`) || strings.ContainsRune(got, 0x1b) {
		t.Errorf("termWriter = %q", got)
	}
}

// TestShowSearchHostile: show's page and search's hits print rule text
// with every control sequence escaped.
func TestShowSearchHostile(t *testing.T) {
	r := &rule.Rule{ID: "kusto/x", Platform: "kusto", Language: "kql", Title: hostileText, Description: hostileText,
		Query: "T | where a == \"" + hostileText + "\"", Source: rule.Source{Repo: "r", Path: "a\x1b]0;x\x07\nb.kql", Line: 1},
		Authors: []string{hostileText}, Tags: []string{hostileText}}
	var page bytes.Buffer
	writePage(&termWriter{w: &page}, r)
	noControl(t, "show", page.String(), true)
	var res bytes.Buffer
	writeResult(&res, store.Result{Total: 1, Page: 1, PerPage: 20, Hits: []store.Hit{{
		RuleSummary: store.RuleSummary{ID: r.ID, Title: hostileText, Platform: "kusto", Kind: "detection", Repo: "r\x1b[2J", Path: r.Source.Path},
		Snippet:     "x <mark>" + hostileText + "</mark> y\x1b[2J",
	}}}, true)
	out := strings.ReplaceAll(strings.ReplaceAll(res.String(), "\033[1m", ""), "\033[0m", "")
	noControl(t, "search", out, true)
	for _, line := range strings.Split(res.String(), "\n") {
		if strings.Contains(line, "Y") && !strings.Contains(line, `\nY`) {
			t.Errorf("a newline of rule text split a search line: %q", line)
		}
	}
}
