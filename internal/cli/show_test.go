package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

const showSigma = `title: Whoami <script>alert(1)</script>
id: 0b2a4c1e-1111-4222-8333-944455556666
status: test
description: Finds whoami.
author: Tester
date: 2026-01-02
tags:
    - attack.discovery
    - attack.t1033
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
level: low
`

func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestShowFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "whoami.yml")
	if err := os.WriteFile(path, []byte(showSigma), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCmd(t, "show", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Detection rules › sigma", "## MITRE ATT&CK", "T1033", "## Stages", `Image endswith (case-insensitive) "\\whoami.exe"`, "## Indicators", "authors:     Tester"} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q:\n%s", want, out)
		}
	}
	// the sections come in the order of a rule page
	last := -1
	for _, sec := range []string{"## Description", "## MITRE ATT&CK", "## Rule body", "## Stages", "## Indicators"} {
		i := strings.Index(out, sec)
		if i < last {
			t.Errorf("section %s out of order", sec)
		}
		last = i
	}

	out, _, code = runCmd(t, "show", "--json", path+"#1")
	if code != 0 {
		t.Fatalf("--json exit %d", code)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("--json output is not JSON: %v", err)
	}
	if m["platform"] != "sigma" || m["stages"] == nil {
		t.Errorf("unexpected JSON: %v", m)
	}

	if _, errs, code := runCmd(t, "show", path+"#2"); code == 0 || !strings.Contains(errs, "out of range") {
		t.Errorf("#2 of a one-rule file: exit %d, %s", code, errs)
	}
	if _, _, code := runCmd(t, "show"); code != 2 {
		t.Errorf("no argument: exit %d, want 2", code)
	}
}

// TestShowSameBehaviour: show prints the rules of any platform detecting the
// same behaviour, ranked as the catalog gives them, each with the canonical
// indicators it shares, after same action; rule text in it cannot drive the
// terminal or split a row.
func TestShowSameBehaviour(t *testing.T) {
	r := &rule.Rule{ID: "sigma/certutil", Platform: "sigma", Title: "Certutil download",
		SameAction: []rule.RuleRef{{ID: "kusto/a", Platform: "kusto", Title: "A", Actions: []string{"Sysmon 1"}}},
		SameBehaviour: []rule.BehaviourRef{
			{ID: "elastic/certutil", Platform: "elastic", Title: "Suspicious CertUtil Commands", Score: 71,
				Shared: []string{"process.command_line contains urlcache", "process.name eq certutil.exe"}},
			{ID: "splunk/x", Platform: "splunk", Title: "Evil\x1b]52;c;aGk=\x07\nY", Score: 40,
				Shared: []string{"process.command_line contains split\x1b[2J"}},
		},
		Canonical: []rule.CanonicalIndicator{{Field: "process.command_line", Kind: "contains", Value: "urlcache",
			From: []string{"CommandLine contains urlcache"}, Total: 4, ByPlatform: map[string]int{"elastic": 1, "splunk": 2, "kusto": 1}}},
	}
	var b bytes.Buffer
	writePage(&termWriter{w: &b}, r)
	out := b.String()
	noControl(t, "show", out, true)
	i := strings.Index(out, "## Rules detecting the same behaviour")
	if i < 0 || i < strings.Index(out, "## Rules detecting the same action") {
		t.Fatalf("no same-behaviour section after same action:\n%s", out)
	}
	sec := out[i:]
	e, s := strings.Index(sec, "elastic/certutil"), strings.Index(sec, "splunk/x")
	if e < 0 || s < e {
		t.Errorf("same behaviour not listed in the catalog's rank order:\n%s", sec)
	}
	for _, want := range []string{"71%", "process.command_line contains urlcache; process.name eq certutil.exe",
		`Evil\x1b]52;c;aGk=\x07\nY`, `split\x1b[2J`, "kusto 1, splunk 2", "CommandLine contains urlcache"} {
		if !strings.Contains(sec, want) {
			t.Errorf("same-behaviour section lacks %q:\n%s", want, sec)
		}
	}
	for _, line := range strings.Split(sec, "\n") {
		if strings.HasPrefix(line, "Y") {
			t.Errorf("a newline of a title split a row: %q", line)
		}
	}

	// a rule without canonical indicators prints no section
	b.Reset()
	writePage(&termWriter{w: &b}, &rule.Rule{ID: "x", Platform: "sigma", Title: "x"})
	if strings.Contains(b.String(), "same behaviour") {
		t.Errorf("a rule without canonical indicators has a same-behaviour section:\n%s", b.String())
	}
}
