package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The rule folder of the store's tests (package build's tests have the same).

// sigmaRule returns a Sigma rule on Azure activity logs matching op.
func sigmaRule(title, op string, extra ...string) string {
	s := "title: " + title + "\nid: 5e3b1c2a-0000-4000-8000-" + strings.Repeat("0", 12-len(title)%12) + title[:len(title)%12] + `
status: test
description: Detects the operation ` + op + `
author: Test Author
tags:
    - attack.execution
    - attack.t1651
logsource:
    product: azure
    service: activitylogs
detection:
    selection:
        operationName: '` + op + `'
`
	for _, e := range extra {
		s += "        " + e + "\n"
	}
	return s + "    condition: selection\nlevel: medium\n"
}

// writeTree writes files (path → content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const runCommand = "Microsoft.Compute/virtualMachines/runCommand/action"

func fixture(t *testing.T) (dir string, files map[string]string) {
	dir = filepath.Join(t.TempDir(), "rules")
	files = map[string]string{
		"azure/run_command.yml":  sigmaRule("VM Run Command", runCommand),
		"azure/run_command2.yml": sigmaRule("VM Run Command Again", runCommand), // same logic: near-duplicate
		"azure/ext_write.yml":    sigmaRule("VM Extension Write", "Microsoft.Compute/virtualMachines/extensions/write"),
		"azure/two.yml": sigmaRule("First Of Two", "Microsoft.Authorization/roleAssignments/write") + "---\n" +
			sigmaRule("Second Of Two", "Microsoft.Authorization/roleDefinitions/write"),
		"azure/broken.yml": "title: Broken\nlogsource:\n    product: azure\ndetection:\n    selection:\n        a: [unclosed\n    condition: selection\n",
		"LICENSE":          "Permission is granted.\n",
		"notes/data.csv":   "a,b\n1,2\n",
	}
	writeTree(t, dir, files)
	return dir, files
}

// res0 returns the id of the first rule a search for text finds.
func res0(t *testing.T, d *DB, text string) string {
	t.Helper()
	res, err := d.Search(t.Context(), Query{Text: text})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("search %q: %+v %v", text, res, err)
	}
	return res.Hits[0].ID
}
