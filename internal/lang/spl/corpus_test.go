package spl

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// corpusDir is ../shared/corpus/splunk, from this package's folder.
const corpusDir = "../../../../shared/corpus/splunk"

// detection is one detection of the corpus: its file and its search.
type detection struct {
	Path   string
	Search string
}

var corpus struct {
	once       sync.Once
	detections []detection
	macros     []MacroDef
	err        error
}

// loadCorpus reads every detection's search and every macro of the
// corpus, once; it skips when the corpus is absent.
func loadCorpus(tb testing.TB) ([]detection, []MacroDef) {
	tb.Helper()
	corpus.once.Do(func() {
		if _, err := os.Stat(corpusDir); err != nil {
			corpus.err = err
			return
		}
		var files []string
		filepath.WalkDir(filepath.Join(corpusDir, "detections"), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yml") {
				files = append(files, path)
			}
			return nil
		})
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				corpus.err = err
				return
			}
			var d struct {
				Search string `yaml:"search"`
			}
			if err := yaml.Unmarshal(b, &d); err != nil {
				corpus.err = err
				return
			}
			if d.Search != "" {
				rel, _ := filepath.Rel(corpusDir, f)
				corpus.detections = append(corpus.detections, detection{rel, d.Search})
			}
		}
		ms, _ := filepath.Glob(filepath.Join(corpusDir, "macros", "*.yml"))
		sort.Strings(ms)
		for _, f := range ms {
			b, err := os.ReadFile(f)
			if err != nil {
				corpus.err = err
				return
			}
			var m struct {
				Name       string   `yaml:"name"`
				Definition string   `yaml:"definition"`
				Arguments  []string `yaml:"arguments"`
			}
			if err := yaml.Unmarshal(b, &m); err != nil {
				corpus.err = err
				return
			}
			corpus.macros = append(corpus.macros, MacroDef{Name: m.Name, Args: m.Arguments, Definition: m.Definition})
		}
	})
	if corpus.err != nil {
		tb.Skipf("splunk corpus: ../shared/corpus not found (%v)", corpus.err)
	}
	return corpus.detections, corpus.macros
}
