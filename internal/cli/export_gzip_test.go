package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportGzipAndGzipOnly: export site with both --gzip (each file and
// its compressed copy) and --gzip-only (the copy alone) is a usage error,
// told before anything is written.
func TestExportGzipAndGzipOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	_, errs, code := runCmd(t, "export", "site", dir, "--gzip", "--gzip-only", "../../examples")
	if code != 2 || !strings.Contains(errs, "--gzip-only") || !strings.Contains(errs, "give one of them") {
		t.Errorf("export site --gzip --gzip-only: exit %d, %q; want a usage error", code, errs)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("export site --gzip --gzip-only wrote %s", dir)
	}
}
