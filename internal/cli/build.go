package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ruledex/ruledex/internal/config"
	"github.com/ruledex/ruledex/internal/store"
)

func init() {
	register(&Command{
		Name:  "build",
		Usage: "[--db FILE] [--config ruledex.yaml] [--full] [--json] [SOURCE | NAME=SOURCE]...",
		Summary: "read rule folders into a catalog (SQLite): only changed files are read again; " +
			"with no SOURCE, the sources of ruledex.yaml",
		Run: runBuild,
	})
}

func runBuild(env *Env, fs *flag.FlagSet, args []string) error {
	db := fs.String("db", "", "catalog file to write (default: ruledex.yaml's db, else ruledex.db)")
	cfgPath := fs.String("config", "", "configuration naming the sources (default: ./ruledex.yaml when no SOURCE is given)")
	full := fs.Bool("full", false, "read every file again, even unchanged ones")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	quiet := fs.Bool("quiet", false, "no progress")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	opt := store.Options{DB: *db, Full: *full}
	if len(args) == 0 || *cfgPath != "" {
		cfg, err := loadConfig(*cfgPath, len(args) == 0)
		if err != nil {
			return err
		}
		if cfg != nil {
			if opt.DB == "" {
				opt.DB = cfg.DB
			}
			for _, s := range cfg.Sources {
				opt.Sources = append(opt.Sources, store.Source{Name: s.Name, Path: s.Path, URL: s.Git, Ref: s.Ref})
			}
		}
	}
	for _, a := range args {
		name, path, ok := strings.Cut(a, "=")
		if !ok || strings.ContainsAny(name, `/\`) {
			name, path = "", a
		}
		opt.Sources = append(opt.Sources, store.Source{Name: name, Path: path})
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
	sum, err := store.Build(env.Ctx, opt)
	if err != nil {
		if errors.Is(err, env.Ctx.Err()) && env.Ctx.Err() != nil {
			return fmt.Errorf("interrupted; %s is unchanged", opt.DB)
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	sum.Write(env.Stdout)
	fmt.Fprintf(env.Stdout, "catalog: %s\n", opt.DB)
	return nil
}

// loadConfig reads the configuration at path, or ./ruledex.yaml when path
// is empty and lookDefault is set (nil, nil when there is none).
func loadConfig(path string, lookDefault bool) (*config.Config, error) {
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

// isTerminal tells whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
