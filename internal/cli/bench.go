package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ruledex/ruledex/internal/bench"
	"github.com/ruledex/ruledex/internal/build"
)

func init() {
	register(&Command{
		Name:  "bench",
		Usage: "[--corpus DIR] [--quick] [--scale N] [--no-export]",
		Summary: "measure ruledex on a corpus and print the figures: full build time and peak memory, incremental rebuilds, " +
			"parse throughput per language, the KQL parser against Microsoft's, search and rule page latency, ruledex serve under 64 connections, the static export",
		Run: runBench,
	})
}

// benchExe is the ruledex binary the benchmark's builds run in.
var benchExe = os.Executable

func runBench(env *Env, fs *flag.FlagSet, args []string) error {
	corpus := fs.String("corpus", "", "the rule folders to measure (`DIR`; default: $RULEDEX_CORPUS, else ../shared/corpus)")
	quick := fs.Bool("quick", false, "small samples and one pass of each measure (for tests)")
	quiet := fs.Bool("quiet", false, "no progress")
	scale := fs.Int("scale", 1, "read the corpus N times, as N forks (each copy a source of its own, its files varied), to measure ruledex at N times the corpus")
	noExport := fs.Bool("no-export", false, "leave the static export out")
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return &UsageError{Msg: "bench takes no arguments; give the corpus with --corpus"}
	}
	if err := noStdio("--corpus", *corpus, "a corpus (folders of rules)"); err != nil {
		return err
	}
	dir := *corpus
	if dir == "" {
		dir = os.Getenv("RULEDEX_CORPUS")
	}
	if dir == "" {
		dir = filepath.Join("..", "shared", "corpus")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("no corpus folder at %s (give --corpus DIR or set RULEDEX_CORPUS)", dir)
	}
	exe, err := benchExe()
	if err != nil {
		return fmt.Errorf("cannot find the ruledex binary to run builds in: %w", err)
	}
	// The sources `ruledex build DIR` reads.
	sources := collection(dir)
	if len(sources) == 0 {
		sources = []build.Source{{Path: dir}}
	}
	if *scale < 1 {
		return &UsageError{Msg: "--scale must be at least 1"}
	}
	cfg := bench.Config{Corpus: dir, Sources: sources, Exe: exe, Quick: *quick, Scale: *scale, NoExport: *noExport}
	if !*quiet {
		cfg.Log = env.Stderr
	}
	rep, err := bench.Run(env.Ctx, cfg)
	if err != nil {
		return err
	}
	rep.Write(env.Stdout)
	return nil
}
