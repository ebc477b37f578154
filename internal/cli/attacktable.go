package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/ruledex/ruledex/internal/attack"
)

// importedAttackFile is where `ruledex attack import` writes the ATT&CK
// table that every command then uses instead of the embedded one: the
// user's configuration folder (os.UserConfigDir: $XDG_CONFIG_HOME or
// ~/.config on Linux, ~/Library/Application Support on macOS, %AppData% on
// Windows), ruledex/attack.json.
func importedAttackFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "ruledex", "attack.json"), nil
}

// useImportedAttack makes the table `ruledex attack import` wrote, when
// there is one, else the embedded one, the table of this run
// (attack.SetDefault): build resolves rules with it, serve, export,
// coverage, lint and mcp show it. A command's --attack FILE replaces it
// afterwards. A table that cannot be read is said on standard error and
// the embedded one is used.
func useImportedAttack(env *Env) {
	attack.SetDefault(importedAttack(env))
}

func importedAttack(env *Env) *attack.Table {
	p, err := importedAttackFile()
	if err != nil {
		return embeddedAttack()
	}
	if _, err := os.Stat(p); err != nil {
		return embeddedAttack()
	}
	t, err := attack.Load(p)
	if err != nil {
		fmt.Fprintf(env.Stderr, "ruledex: the imported ATT&CK table: %s; using the embedded one (ATT&CK %s)\n",
			termLine(err.Error()), embeddedAttack().Version)
		return embeddedAttack()
	}
	return readFrom(t, p)
}

// embeddedAttack is the embedded table, read once.
var embeddedAttack = sync.OnceValue(attack.Embedded)

// readFrom records in t.Source the file t was read from (the build's
// summary names it).
func readFrom(t *attack.Table, path string) *attack.Table {
	t.Source = "read from " + path
	return t
}
