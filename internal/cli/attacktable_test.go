package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/attack"
)

// newerBundle is a small STIX bundle of a newer ATT&CK release: one
// tactic, T1059 and T1685, which the embedded table (18.1) lacks.
const newerBundle = `{"type": "bundle", "id": "bundle--1", "objects": [
 {"type": "x-mitre-collection", "id": "x-mitre-collection--1", "name": "Enterprise ATT&CK", "x_mitre_version": "19.0"},
 {"type": "x-mitre-matrix", "id": "x-mitre-matrix--1", "name": "Enterprise ATT&CK",
  "external_references": [{"source_name": "mitre-attack", "external_id": "enterprise-attack"}],
  "tactic_refs": ["x-mitre-tactic--1"]},
 {"type": "x-mitre-tactic", "id": "x-mitre-tactic--1", "name": "Execution", "x_mitre_shortname": "execution",
  "external_references": [{"source_name": "mitre-attack", "external_id": "TA0002"}]},
 {"type": "attack-pattern", "id": "attack-pattern--1", "name": "Command and Scripting Interpreter",
  "external_references": [{"source_name": "mitre-attack", "external_id": "T1059"}],
  "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}]},
 {"type": "attack-pattern", "id": "attack-pattern--2", "name": "A Technique Of The Newer Release",
  "external_references": [{"source_name": "mitre-attack", "external_id": "T1685"}],
  "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}]}
]}`

const newerTechniqueRule = `title: Uses The Newer Technique
id: 0f7d3c3e-1b1a-4c55-9d43-2a6f7f0e1d11
status: test
description: A rule tagged with a technique of a newer ATT&CK release.
tags:
    - attack.execution
    - attack.t1685
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\newer.exe'
    condition: selection
level: low
`

// TestAttackImportUsedByEveryCommand: after ruledex attack import, a build
// (an incremental one, of unchanged files) resolves a technique the
// embedded table lacks and its summary names the imported table; attack
// show finds it without --attack; --attack still overrides.
func TestAttackImportUsedByEveryCommand(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home) // os.UserConfigDir on Linux
	t.Setenv("HOME", home)
	t.Cleanup(func() { attack.SetDefault(nil) })
	if _, ok := attack.Embedded().Technique("T1685"); ok {
		t.Fatal("the embedded table has T1685: choose another technique for this test")
	}
	tmp := t.TempDir()
	src := filepath.Join(tmp, "rules")
	os.MkdirAll(src, 0o755)
	if err := os.WriteFile(filepath.Join(src, "newer.yml"), []byte(newerTechniqueRule), 0o644); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(tmp, "enterprise-attack.json")
	if err := os.WriteFile(bundle, []byte(newerBundle), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(tmp, "c.db")
	technique := func() map[string]any {
		t.Helper()
		out, errs, code := runCmd(t, "show", "--db", db, "--json", "sigma/newer")
		var r struct {
			Techniques []map[string]any `json:"techniques"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || len(r.Techniques) != 1 {
			t.Fatalf("show: %d\n%s\n%s", code, out, errs)
		}
		return r.Techniques[0]
	}

	out, errs, code := runCmd(t, "build", src, "--db", db)
	if code != 0 || !strings.Contains(out, "techniques resolved with ATT&CK "+attack.Embedded().Version+", the embedded table") ||
		!strings.Contains(out, "T1685 ×1") {
		t.Fatalf("build with the embedded table: %d\n%s\n%s", code, out, errs)
	}
	if te := technique(); te["unknown"] != true {
		t.Errorf("T1685 with the embedded table: %v, want unknown", te)
	}

	out, errs, code = runCmd(t, "attack", "import", bundle)
	file := filepath.Join(home, "ruledex", "attack.json")
	if code != 0 || !strings.Contains(out, "wrote "+file) || !strings.Contains(out, "every ruledex command now uses it") {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}

	out, errs, code = runCmd(t, "build", src, "--db", db)
	if code != 0 || !strings.Contains(out, "techniques resolved with ATT&CK 19.0, read from "+file) ||
		strings.Contains(out, "T1685") || !strings.Contains(out, "1 read, 0 unchanged") {
		t.Fatalf("build after the import: %d\n%s\n%s", code, out, errs)
	}
	if te := technique(); te["unknown"] == true || te["name"] != "A Technique Of The Newer Release" {
		t.Errorf("T1685 after the import: %v", te)
	}
	if out, _, code = runCmd(t, "attack", "show", "T1685"); code != 0 || !strings.Contains(out, "A Technique Of The Newer Release") {
		t.Errorf("attack show T1685 after the import: %d %s", code, out)
	}

	// A damaged imported table is said, and the embedded one used.
	os.WriteFile(file, []byte("{"), 0o644)
	out, errs, code = runCmd(t, "build", src, "--db", db)
	if code != 0 || !strings.Contains(errs, "the imported ATT&CK table") || !strings.Contains(out, "T1685 ×1") {
		t.Fatalf("build with a damaged imported table: %d\n%s\n%s", code, out, errs)
	}

	// --attack replaces the imported table for one command.
	if out, errs, code = runCmd(t, "attack", "import", bundle); code != 0 {
		t.Fatalf("import again: %d\n%s\n%s", code, out, errs)
	}
	embedded := filepath.Join(tmp, "embedded.json")
	f, _ := os.Create(embedded)
	attack.Embedded().WriteJSON(f)
	f.Close()
	out, errs, code = runCmd(t, "build", src, "--db", db, "--attack", embedded)
	if code != 0 || !strings.Contains(out, "T1685 ×1") || !strings.Contains(out, "read from "+embedded) {
		t.Fatalf("build --attack: %d\n%s\n%s", code, out, errs)
	}
}
