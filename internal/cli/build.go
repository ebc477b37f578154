package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/build"
	"github.com/ruledex/ruledex/internal/config"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

func init() {
	register(&Command{
		Name:  "build",
		Usage: "[--db FILE] [--config ruledex.yaml] [--full] [--new-file] [--low-memory] [--json] [--attack FILE] [--cpuprofile FILE] [SOURCE | NAME=SOURCE]...",
		Summary: "read rule folders into a catalog (SQLite): only changed files are read again; " +
			"a folder of repository checkouts is one source per repository; with no SOURCE, the sources of ruledex.yaml",
		Run: runBuild,
	})
}

func runBuild(env *Env, fs *flag.FlagSet, args []string) error {
	db := fs.String("db", "", "catalog `FILE` to write (default: ruledex.yaml's db, else ruledex.db)")
	cfgPath := fs.String("config", "", "configuration `FILE` naming the sources (- for standard input; default: ./ruledex.yaml when no SOURCE is given)")
	full := fs.Bool("full", false, "read every file again, even unchanged ones")
	newFile := fs.Bool("new-file", false, "write the catalog to a new file renamed over the last one, even when few rows change (else written over it in place, in one transaction)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	quiet := fs.Bool("quiet", false, "no progress")
	diags := fs.Bool("diagnostics", false, "after the summary, list every error and warning of the catalog's files and rules (path:line:col)")
	lowMem := fs.Bool("low-memory", false, "bound the heap to what lives and 512 MiB (or half what lives, when more) rather than twice what lives: at 164,000 rules the full build peaks at 1.45 GB instead of 1.9 to 2.15 GB, for 10 to 20% more time")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the build to `FILE` (go tool pprof reads it): for a report of a slow build")
	table := fs.String("attack", "", "ATT&CK table `FILE` to resolve techniques with (ruledex JSON or STIX bundle; - for standard input), instead of the imported or embedded one")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *table != "" {
		tb, err := loadAttackTable(env, *table)
		if err != nil {
			return err
		}
		attack.SetDefault(tb)
	}
	if err := noStdio("--db", *db, "a catalog (a SQLite file)"); err != nil {
		return err
	}
	opt := build.Options{DB: *db, Full: *full, NewFile: *newFile, LowMemory: *lowMem}
	if len(args) == 0 || *cfgPath != "" {
		cfg, err := loadConfig(env, *cfgPath, len(args) == 0)
		if err != nil {
			return err
		}
		if cfg != nil {
			if opt.DB == "" {
				opt.DB = cfg.DB
			}
			for _, s := range cfg.Sources {
				opt.Sources = append(opt.Sources, build.Source{Name: s.Name, Path: s.Path, URL: s.Git, Ref: s.Ref,
					LintDisable: append(slices.Clone(cfg.LintDisable), cfg.SourceLintDisable[s.Name]...)})
			}
		}
		for _, s := range sourcesOf(env, args) {
			if cfg != nil {
				s.LintDisable = slices.Clone(cfg.LintDisable)
			}
			opt.Sources = append(opt.Sources, s)
		}
	} else {
		opt.Sources = append(opt.Sources, sourcesOf(env, args)...)
	}
	if len(opt.Sources) == 0 {
		return &UsageError{Msg: "no SOURCE given and no ruledex.yaml naming sources"}
	}
	if opt.DB == "" {
		opt.DB = "ruledex.db"
	}
	if !*quiet {
		opt.Progress, opt.TTY = env.Stderr, isTerminal(env.Stderr)
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	sum, err := build.Build(env.Ctx, opt)
	if err != nil {
		if errors.Is(err, env.Ctx.Err()) && env.Ctx.Err() != nil {
			return fmt.Errorf("interrupted; %s is unchanged", opt.DB)
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return err
		}
	} else {
		sum.Write(env.Stdout)
		fmt.Fprintf(env.Stdout, "catalog: %s\n", opt.DB)
	}
	if *diags {
		return writeProblems(env.Ctx, env.Stdout, opt.DB, 0, rule.SevError, rule.SevWarning)
	}
	// As compilers do, every error is named (up to maxErrorsShown), on
	// standard error, without --diagnostics.
	return writeProblems(env.Ctx, env.Stderr, opt.DB, maxErrorsShown, rule.SevError)
}

// maxErrorsShown is how many error diagnostics a build prints by itself.
const maxErrorsShown = 50

// writeProblems lists the problems of the given severities of the catalog
// at db, one a line: repo/path:line:col: severity: message [rule id], the
// first max of them (all when max is 0), then how many more and the flag
// that lists them. Paths and messages are rule text: escaped for a terminal.
func writeProblems(ctx context.Context, w io.Writer, db string, max int, severities ...string) error {
	d, err := store.Open(db)
	if err != nil {
		return err
	}
	defer d.Close()
	ps, err := d.Problems(ctx, severities...)
	if err != nil {
		return err
	}
	for i, p := range ps {
		if max > 0 && i == max {
			fmt.Fprintf(w, "... and %d more; ruledex build --diagnostics lists them all\n", len(ps)-max)
			break
		}
		pos := termLine(p.Repo + "/" + p.Path)
		if p.Line > 0 {
			pos += fmt.Sprintf(":%d:%d", p.Line, p.Col)
		}
		fmt.Fprintf(w, "%s: %s: %s", pos, p.Severity, termLine(p.Message))
		if p.Rule != "" {
			fmt.Fprintf(w, " [%s]", termLine(p.Rule))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// sourcesOf returns the sources that SOURCE arguments name: a folder (or
// file), NAME=FOLDER, or a folder of repository checkouts (collection),
// one source per repository. build and serve read them alike.
func sourcesOf(env *Env, args []string) []build.Source {
	var out []build.Source
	for _, a := range args {
		name, path, ok := strings.Cut(a, "=")
		if !ok || strings.ContainsAny(name, `/\`) {
			name, path = "", a
		}
		if name == "" {
			if repos := collection(path); len(repos) > 0 {
				fmt.Fprintf(env.Stderr, "ruledex: %s holds %d repositories; each is a source (give NAME=%s to read it as one)\n", path, len(repos), path)
				out = append(out, repos...)
				continue
			}
		}
		out = append(out, build.Source{Name: name, Path: path})
	}
	return out
}

// loadConfig reads the configuration at path, or ./ruledex.yaml when path
// is empty and lookDefault is set (nil, nil when there is none).
func loadConfig(env *Env, path string, lookDefault bool) (*config.Config, error) {
	if path == "-" {
		// Standard input; paths in it are relative to the working folder.
		data, err := readInput(env, "-", 16<<20)
		if err != nil {
			return nil, err
		}
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		return config.Parse(filepath.Join(wd, stdinName), data)
	}
	if path == "" {
		if !lookDefault {
			return nil, nil
		}
		path = config.DefaultFile
		if _, err := os.Stat(path); err != nil {
			return nil, nil
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return config.Load(abs)
}

// collection returns the repositories of dir when dir is a folder of
// repository checkouts rather than one: it has no repository marker (.git,
// LICENSE, COPYING) of its own and no files but READMEs and notes, and at
// least one of its folders has a marker. Each folder is then a source named
// after it. It returns nil for any other folder.
func collection(dir string) []build.Source {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var subs []string
	marked := false
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			if name == ".git" {
				return nil
			}
			continue
		}
		if !e.IsDir() {
			if isRepoMarker(name) {
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(name)); ext != ".md" && ext != ".txt" && !strings.HasPrefix(strings.ToUpper(name), "README") {
				return nil // a rule file or anything else: dir is one repository
			}
			continue
		}
		subs = append(subs, name)
		if !marked {
			inner, _ := os.ReadDir(filepath.Join(dir, name))
			for _, f := range inner {
				if f.Name() == ".git" || !f.IsDir() && isRepoMarker(f.Name()) {
					marked = true
					break
				}
			}
		}
	}
	if !marked {
		return nil
	}
	var out []build.Source
	for _, s := range subs {
		out = append(out, build.Source{Name: s, Path: filepath.Join(dir, s)})
	}
	return out
}

func isRepoMarker(name string) bool {
	u := strings.ToUpper(name)
	return strings.HasPrefix(u, "LICENSE") || strings.HasPrefix(u, "LICENCE") || strings.HasPrefix(u, "COPYING")
}

// isTerminal tells whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
