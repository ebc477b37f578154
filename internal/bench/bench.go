// Package bench measures ruledex on a rule corpus and prints the figures
// README quotes: full build time and peak memory, incremental rebuilds,
// parse throughput per language on one core, the KQL parser's speed against
// Microsoft's (Kusto.Language), search latency, rule page latency and
// throughput, `ruledex serve` under 64 connections on loopback, and the
// static export. `ruledex bench` runs it.
//
// Builds, the server and the export run in a child process, the ruledex
// binary itself, so that their peak memory is the child's maximum resident set size
// and their code path is the one users run. Everything else runs in this
// process, on copies of the corpus's files held in memory (parsing) or on
// the catalog the full build wrote (search, pages).
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/ruledex/ruledex/internal/store"
)

// Config says what to measure and how.
type Config struct {
	Corpus string // the corpus folder, as given to `ruledex build`
	// Sources are the build's sources as `ruledex build Corpus` reads them
	// (each repository of a folder of checkouts, or the folder itself).
	Sources []store.Source
	// Exe is the ruledex binary the builds run in (normally os.Executable()).
	Exe string
	// Quick takes small samples and one pass of each measure (for tests).
	Quick bool
	// Oracle is the kql-oracle script; "" looks for it (FindOracle).
	Oracle string
	// Log receives progress lines (nil: none).
	Log io.Writer
	// Scale reads the corpus that many times, as that many forks (see
	// Forks); 0 or 1 reads it once. Parse throughput and the KQL parser's
	// comparison, which do not depend on the corpus's size, are measured at
	// scale 1 only.
	Scale int
	// NoExport leaves the static export out.
	NoExport bool
}

// Report is every figure of one run.
type Report struct {
	Date    time.Time
	Machine Machine
	Scale   int        // copies of the corpus read (1: the corpus as it is)
	LoadEnd [3]float64 // load average when the run ended
	Elapsed time.Duration

	Corpus CorpusInfo

	Full, NoChange, OneFile BuildRun
	Changed                 string // the file changed for OneFile and OneRule, repo/path
	// OneRule is a rebuild after the title of the rule of that file was
	// edited, after OneFile: a change no other rule reads (a quick rebuild,
	// as OneFile's comment). Its Wall is 0 when the file states no title on
	// a line of its own. OneValue is one after a value of its detection was
	// changed (editValue), after OneRule: a change the cross-reference
	// reads, so every rule is cross-referenced again. Its Wall is 0 when
	// editValue finds none.
	OneRule, OneValue BuildRun
	Lint              LintRun // ruledex lint over the corpus

	Parse      []Throughput
	ParseCPU   float64 // CPU time / wall time of the parse section (1 on an idle core)
	KQLQueries int     // KQL queries in the corpus

	Oracle OracleFigures

	Search        Latency
	SearchQueries string        // how the queries were made
	FirstSearch   time.Duration // the first search, which loads the facet index

	Pages       Latency
	PagesPerSec float64 // sequential
	PageBytes   float64 // mean page size

	// ServeCold is `ruledex serve --db` under load from the moment it
	// listens, ServeWarm once it has made and kept its rule pages and held its search's frequent terms.
	ServeCold, ServeWarm LoadRun

	Export ExportRun // ruledex export site of the catalog
}

// CorpusInfo describes the corpus.
type CorpusInfo struct {
	Dir     string
	Sources int
	Files   int
	Bytes   int64
}

// Run measures everything Config asks for and returns the figures. Its
// temporary files are removed before it returns.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	if cfg.Exe == "" {
		return nil, errors.New("bench: no ruledex binary to run builds in")
	}
	if len(cfg.Sources) == 0 {
		return nil, errors.New("bench: no sources")
	}
	tmp, err := os.MkdirTemp("", "ruledex-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "bench: "+format+"\n", args...)
		}
	}
	rep := &Report{Date: start, Machine: ThisMachine()}
	rep.Corpus.Dir = cfg.Corpus
	rep.Scale = max(cfg.Scale, 1)
	sources := cfg.Sources
	buildArgs := []string{cfg.Corpus}
	if rep.Scale > 1 {
		logf("writing %d forks of the corpus", rep.Scale-1)
		var size int64
		if sources, size, err = Forks(ctx, cfg.Sources, rep.Scale, tmp+"/forks"); err != nil {
			return nil, fmt.Errorf("forks: %w", err)
		}
		buildArgs = buildArgs[:0]
		for _, s := range sources {
			buildArgs = append(buildArgs, repoName(s)+"="+s.Path)
		}
		rep.Corpus.Bytes = size * int64(rep.Scale)
	}
	rep.Corpus.Sources = len(sources)

	// Builds: full, again with nothing changed, then with one file changed
	// (a comment, then a title).
	db := tmp + "/catalog.db"
	logf("full build of %s", cfg.Corpus)
	if rep.Full, err = runBuild(ctx, cfg.Exe, db, buildArgs); err != nil {
		return nil, fmt.Errorf("full build: %w", err)
	}
	logf("full build: %v, %d rules", rep.Full.Wall.Round(time.Millisecond), rep.Full.Summary.Rules)
	if rep.NoChange, err = runBuild(ctx, cfg.Exe, db, buildArgs); err != nil {
		return nil, fmt.Errorf("rebuild with nothing changed: %w", err)
	}
	// The one-file rebuild runs on a copy of the catalog, so that the rest
	// reads the corpus as it is.
	db2 := tmp + "/catalog-changed.db"
	for _, suffix := range []string{"", "-wal"} {
		if _, err := os.Stat(db + suffix); err == nil || suffix == "" {
			if err := copyFile(db+suffix, db2+suffix); err != nil {
				return nil, err
			}
		}
	}
	// The copy synced to the disk first: else the rebuild's commit, which
	// syncs the catalog, waits for the copy's 2.8 GB at N = 15 to be
	// written (a quick rebuild of a copy: 3.76 s, 1.81 s when the copy was
	// synced first; 2026-12-07 17:39).
	if err := syncFile(db2); err != nil {
		return nil, err
	}
	args, changed, err := changeOneFile(sources, tmp+"/changed")
	if err != nil {
		return nil, fmt.Errorf("rebuild with one file changed: %w", err)
	}
	rep.Changed = changed
	logf("rebuild after changing %s", changed)
	if rep.OneFile, err = runBuild(ctx, cfg.Exe, db2, args); err != nil {
		return nil, fmt.Errorf("rebuild with one file changed: %w", err)
	}
	// Then the same file's title edited, then a value of its detection:
	// each rebuild is left unmeasured when the edit finds nothing to edit.
	for _, e := range []struct {
		what string
		edit func(string) (bool, error)
		run  *BuildRun
	}{{"one rule changed", editTitle, &rep.OneRule}, {"one value changed", editValue, &rep.OneValue}} {
		if ok, err := e.edit(filepath.Join(tmp, "changed", filepath.FromSlash(changed))); err != nil {
			return nil, fmt.Errorf("rebuild with %s: %w", e.what, err)
		} else if ok {
			logf("rebuild with %s in %s", e.what, changed)
			if *e.run, err = runBuild(ctx, cfg.Exe, db2, args); err != nil {
				return nil, fmt.Errorf("rebuild with %s: %w", e.what, err)
			}
		}
	}
	os.Remove(db2)
	logf("lint of %s", cfg.Corpus)
	if rep.Lint, err = runLint(ctx, cfg.Exe, buildArgs); err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}

	// Parsing, one core.
	if rep.Scale == 1 {
		logf("parse throughput")
		files, err := loadFiles(cfg.Sources)
		if err != nil {
			return nil, err
		}
		rep.Corpus.Files = len(files)
		for _, f := range files {
			rep.Corpus.Bytes += int64(len(f.data))
		}
		pr := measureParse(files, cfg.Quick)
		rep.Parse, rep.ParseCPU, rep.KQLQueries = pr.rows, pr.cpuRatio, len(pr.kql)

		// KQL against Microsoft's parser.
		logf("KQL parser against Microsoft's")
		rep.Oracle = compareOracle(ctx, cfg, pr.kql, tmp, logf)
	} else {
		rep.Corpus.Files = rep.Full.Summary.Files
	}

	// Search and pages, on the catalog built.
	logf("search latency")
	if err := measureSearch(ctx, db, cfg.Quick, rep); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	logf("rule pages")
	if err := measurePages(ctx, db, cfg.Quick, rep); err != nil {
		return nil, fmt.Errorf("rule pages: %w", err)
	}
	logf("ruledex serve under %d connections", loadConns)
	ids, err := catalogIDs(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := measureServe(ctx, cfg.Exe, db, ids, cfg.Quick, rep); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if !cfg.NoExport {
		logf("static export")
		if rep.Export, err = runExport(ctx, cfg.Exe, db, tmp+"/site"); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		os.RemoveAll(tmp + "/site")
	}
	rep.LoadEnd = loadAverage()
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// Latency is a set of timings summarized.
type Latency struct {
	N                  int
	P50, P95, P99, Max time.Duration
	Total              time.Duration
	// CPU is this process's CPU time over them (0 when not measured): on a
	// machine shared with other work, CPU/N holds better than the wall times.
	CPU time.Duration
}

// Summarize returns the percentiles of ds (nearest rank); ds is sorted.
func Summarize(ds []time.Duration) Latency {
	l := Latency{N: len(ds)}
	if len(ds) == 0 {
		return l
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	for _, d := range ds {
		l.Total += d
	}
	l.P50, l.P95, l.P99 = Percentile(ds, 50), Percentile(ds, 95), Percentile(ds, 99)
	l.Max = ds[len(ds)-1]
	return l
}

// Percentile returns the p-th percentile of sorted by nearest rank: the
// smallest value that at least p percent of them do not exceed.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// withOneProc runs f with GOMAXPROCS 1.
func withOneProc(f func()) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	runtime.GC()
	f()
}

// catalogIDs returns the rule ids of the catalog at db.
func catalogIDs(ctx context.Context, db string) ([]string, error) {
	d, err := store.Open(db)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.IDs(ctx)
}
