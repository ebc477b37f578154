package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
