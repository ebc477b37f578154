package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusPath is where the shared rule corpus is, when it is there.
func corpusPath() string {
	if dir := os.Getenv("RULEDEX_CORPUS"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "..", "shared", "corpus")
}

// corpusDir returns the shared rule corpus (RULEDEX_CORPUS, else
// ../../../shared/corpus from this package), or skips the test.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	dir := corpusPath()
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		tb.Skipf("rule corpus not found at %s (set RULEDEX_CORPUS): %v", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return abs
}

// corpusSources returns every repository folder of the corpus as a source;
// when RULEDEX_BENCH_SOURCES names a file of NAME=PATH lines (as the forks
// of `ruledex bench --scale N` are given to the build), those sources.
func corpusSources(tb testing.TB) []Source {
	if list := os.Getenv("RULEDEX_BENCH_SOURCES"); list != "" {
		data, err := os.ReadFile(list)
		if err != nil {
			tb.Fatal(err)
		}
		var ss []Source
		for _, l := range strings.Split(string(data), "\n") {
			if name, path, ok := strings.Cut(strings.TrimSpace(l), "="); ok {
				ss = append(ss, Source{Name: name, Path: path})
			}
		}
		return ss
	}
	dir := corpusDir(tb)
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var ss []Source
	for _, e := range ents {
		if e.IsDir() {
			ss = append(ss, Source{Name: e.Name(), Path: filepath.Join(dir, e.Name())})
		}
	}
	return ss
}
