package cli

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ruledex/ruledex/internal/attack"
)

func init() {
	register(&Command{
		Name:  "attack",
		Usage: "import STIX_FILE [--out FILE] | show ID_OR_TACTIC... [--attack FILE] [--json] | tactics [--attack FILE]",
		Summary: "the ATT&CK table: import a newer release from MITRE's STIX bundle (enterprise-attack.json, .gz too), " +
			"look techniques and tactics up",
		Run: runAttack,
	})
}

// runAttack runs `ruledex attack SUBCOMMAND`.
//
//	ruledex attack import enterprise-attack.json [--out FILE]
//
// writes ruledex's compact table made from MITRE's bundle, by default to
// the user's configuration folder (importedAttackFile), from where every
// command uses it instead of the embedded ATT&CK release
// (useImportedAttack); a table written elsewhere with --out is used with
// `--attack FILE` (attack.Load, then attack.SetDefault).
func runAttack(env *Env, fs *flag.FlagSet, args []string) error {
	out := fs.String("out", "", "import: where to write the table (`FILE`; - for standard output; default: the user's configuration folder, ruledex/attack.json, which every command then uses)")
	table := fs.String("attack", "", "show, tactics: read this ATT&CK table (ruledex JSON or STIX bundle `FILE`; - for standard input) instead of the embedded one")
	asJSON := fs.Bool("json", false, "show: print JSON")
	version := fs.String("version", "", "import: the ATT&CK `RELEASE` to record (e.g. 18.1) when the bundle does not state it")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return &UsageError{Msg: "no subcommand: import, show or tactics"}
	}
	tb := attack.Default()
	if *table != "" {
		if tb, err = loadAttackTable(env, *table); err != nil {
			return err
		}
	}
	switch args[0] {
	case "import":
		if len(args) != 2 {
			return &UsageError{Msg: "import takes one file: MITRE's enterprise-attack.json STIX bundle"}
		}
		return attackImport(env, args[1], *out, *version)
	case "show":
		if len(args) < 2 {
			return &UsageError{Msg: "show takes technique ids (T1059.001) or tactics (TA0002, execution)"}
		}
		return attackShow(env, tb, args[1:], *asJSON)
	case "tactics":
		w := bufio.NewWriter(env.Stdout)
		for _, ta := range tb.Tactics() {
			fmt.Fprintf(w, "%-7s %-22s %s\n", ta.ID, ta.Shortname, ta.Name)
		}
		return w.Flush()
	default:
		return &UsageError{Msg: fmt.Sprintf("unknown subcommand %q: import, show or tactics", args[0])}
	}
}

func attackImport(env *Env, in, out, version string) error {
	f, err := openInput(env, in)
	if err != nil {
		return err
	}
	defer f.Close()
	tb, err := attack.ImportSTIX(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if version != "" {
		tb.Version = version
	}
	imported := out == ""
	if imported {
		if out, err = importedAttackFile(); err != nil {
			return fmt.Errorf("no configuration folder to write the table to (give --out FILE): %w", err)
		}
	}
	if out == "-" {
		bw := bufio.NewWriter(env.Stdout)
		if err := tb.WriteJSON(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	if dir := filepath.Dir(out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := out + ".tmp"
	w, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	err = tb.WriteJSON(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	all := tb.Techniques()
	current := 0
	for _, te := range all {
		if !te.Revoked && !te.Deprecated {
			current++
		}
	}
	version = tb.Version
	if version == "" {
		version = "(release not stated in the bundle; set it with --version)"
	}
	fmt.Fprintf(env.Stdout, "wrote %s: ATT&CK %s, %d tactics, %d techniques (%d current)\n", out, version, len(tb.Tactics()), len(all), current)
	if imported {
		fmt.Fprintf(env.Stdout, "every ruledex command now uses it instead of the embedded ATT&CK %s (build resolves techniques with it: build again; --attack FILE replaces it for one command; remove the file to go back)\n",
			attack.Embedded().Version)
	} else {
		fmt.Fprintf(env.Stdout, "use it with --attack %s\n", out)
	}
	return nil
}

func attackShow(env *Env, tb *attack.Table, ids []string, asJSON bool) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	var missing []string
	for _, id := range ids {
		if te, ok := tb.Technique(id); ok {
			if asJSON {
				if err := enc.Encode(te); err != nil {
					return err
				}
				continue
			}
			state := ""
			switch {
			case te.Revoked && te.RevokedBy != "":
				state = " [revoked, replaced by " + te.RevokedBy + "]"
			case te.Revoked:
				state = " [revoked]"
			case te.Deprecated:
				state = " [deprecated]"
			}
			fmt.Fprintf(env.Stdout, "%s  %s%s\n  tactics: %s\n  platforms: %s\n", te.ID, te.Name, state,
				strings.Join(te.Tactics, ", "), strings.Join(te.Platforms, ", "))
			continue
		}
		if ta, ok := tb.Tactic(id); ok {
			if asJSON {
				if err := enc.Encode(ta); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(env.Stdout, "%s  %s (%s)\n", ta.ID, ta.Name, ta.Shortname)
			continue
		}
		missing = append(missing, id)
	}
	if len(missing) > 0 {
		return fmt.Errorf("not in ATT&CK %s: %s", tb.Version, strings.Join(missing, ", "))
	}
	return nil
}
