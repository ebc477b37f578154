package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSyncCommand(t *testing.T) {
	tmp := t.TempDir()
	cfg := filepath.Join(tmp, "ruledex.yaml")
	os.WriteFile(cfg, []byte("sources:\n  - name: local\n    path: rules\n"), 0o644)
	if _, errs, code := runCmd(t, "sync", "--config", cfg); code != 0 || !strings.Contains(errs, "no source in") {
		t.Errorf("no git source: %d %s", code, errs)
	}
	os.WriteFile(cfg, []byte("sources:\n  - name: x\n    colour: red\n"), 0o644)
	if _, errs, code := runCmd(t, "sync", "--config", cfg); code != 1 || !strings.Contains(errs, "ruledex.yaml:3:5: unknown key \"colour\"") {
		t.Errorf("bad config: %d %s", code, errs)
	}
	if _, _, code := runCmd(t, "sync", "--config", filepath.Join(tmp, "none.yaml")); code != 1 {
		t.Errorf("missing config: exit %d", code)
	}
	if _, _, code := runCmd(t, "sync", "extra"); code != 2 {
		t.Errorf("argument: exit %d", code)
	}
}
