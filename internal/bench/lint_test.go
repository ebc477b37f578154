package bench

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeExe writes a script that prints out and exits with status code,
// standing for ruledex.
func fakeExe(t *testing.T, out string, code int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ruledex")
	src := "#!/bin/sh\ncat <<'EOF'\n" + out + "\nEOF\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(p, []byte(src), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunLint: a lint that ends with status 1 (it found errors) is a
// finished run whose report is read; another status, or no report, is an
// error.
func TestRunLint(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	report := `{"rules":3,"findings":[{"check":"a"},{"check":"b"}],"counts":{},"severities":{}}`
	for _, code := range []int{0, 1} {
		run, err := runLint(t.Context(), fakeExe(t, report, code), []string{"corpus"})
		if err != nil || run.Rules != 3 || run.Findings != 2 || run.Wall <= 0 {
			t.Errorf("status %d: %+v, %v", code, run, err)
		}
	}
	if _, err := runLint(t.Context(), fakeExe(t, report, 2), nil); err == nil {
		t.Error("status 2: no error")
	}
	if _, err := runLint(t.Context(), fakeExe(t, "not json", 1), nil); err == nil {
		t.Error("status 1 without a report: no error")
	}
	if _, err := runLint(t.Context(), fakeExe(t, "not json", 0), nil); err == nil {
		t.Error("status 0 without a report: no error")
	}
}
