package cli

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the tests a configuration folder of their own
// (os.UserConfigDir): an ATT&CK table a developer imported with `ruledex
// attack import` would otherwise be the one every command of the tests
// uses, and their results would depend on the machine.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ruledex-cli-test-config-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CONFIG_HOME", dir) // Linux and the BSDs
	os.Setenv("AppData", dir)         // Windows
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
