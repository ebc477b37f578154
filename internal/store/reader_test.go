package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestGoBuildID: the build ID read from the running (test) executable is
// the one the go command reports for it; a file that is not an ELF
// executable has none (its content is hashed then).
func TestGoBuildID(t *testing.T) {
	other := filepath.Join(t.TempDir(), "x")
	os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755)
	if id := goBuildID(other); id != "" {
		t.Errorf("a script has build ID %q", id)
	}
	if runtime.GOOS != "linux" {
		t.Skip("the build ID is read from ELF executables only")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	got := goBuildID(exe)
	if got == "" || !strings.Contains(got, "/") {
		t.Fatalf("build ID of the test executable: %q", got)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to compare with (%v); read %q", err, got)
	}
	out, err := exec.Command(goTool, "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v; read %q", err, got)
	}
	if want := strings.TrimSpace(string(out)); got != want {
		t.Errorf("build ID %q, go tool buildid says %q", got, want)
	}
}
