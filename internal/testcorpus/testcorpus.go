// Package testcorpus is what the tests of the language front ends and
// lowerings share to read the shared rule corpus: its folder (Dir, Find),
// the queries of a folder of TOML rules by language (TOMLQueries), the
// elastic-reference JSONL files (ReadJSONL), and golden files (Golden).
// Test files only import it; it names no language (the caller passes the
// folders).
package testcorpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// Root is the shared corpus folder: $RULEDEX_CORPUS, else ../shared/corpus
// beside the checkout (the folder above the one holding go.mod). It is ""
// when neither is found.
func Root() string {
	if base := os.Getenv("RULEDEX_CORPUS"); base != "" {
		return base
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "corpus")
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// Dir returns the folder sub (joined) of the shared corpus, or skips the
// test with a message naming it when it is absent.
func Dir(tb testing.TB, sub ...string) string {
	tb.Helper()
	dir, ok := Find(sub...)
	if !ok {
		tb.Skipf("corpus folder %s is absent (set RULEDEX_CORPUS, or put the corpus at ../shared/corpus beside the checkout): skipping", dir)
	}
	return dir
}

// Find returns the folder sub of the shared corpus and whether it exists
// (for fuzz seeds, which are added only when it does).
func Find(sub ...string) (string, bool) {
	root := Root()
	if root == "" {
		root = filepath.Join("..", "shared", "corpus")
	}
	dir := filepath.Join(append([]string{root}, sub...)...)
	_, err := os.Stat(dir)
	return dir, err == nil
}

// TOMLRule is one rule file of a folder of TOML rules (a [rule] table with
// language and query: Elastic's detection rules).
type TOMLRule struct {
	Path     string // relative to the folder above the one read, slashed: rules/...toml
	Language string // rule.language
	Query    string // rule.query
	Err      error  // the TOML decoding error, if any (then Language and Query are "")
}

type tomlFolder struct {
	once  sync.Once
	rules []TOMLRule
	err   error
}

var tomlFolders sync.Map // dir -> *tomlFolder

// TOMLRules returns every .toml file under dir (a folder Dir returned),
// read once per test binary, sorted by path.
func TOMLRules(tb testing.TB, dir string) []TOMLRule {
	tb.Helper()
	v, _ := tomlFolders.LoadOrStore(dir, &tomlFolder{})
	c := v.(*tomlFolder)
	c.once.Do(func() {
		base := filepath.Dir(dir)
		c.err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".toml") {
				return err
			}
			var doc struct {
				Rule struct {
					Language string `toml:"language"`
					Query    string `toml:"query"`
				} `toml:"rule"`
			}
			data, derr := os.ReadFile(path)
			if derr == nil {
				derr = toml.Unmarshal(data, &doc)
			}
			rel, _ := filepath.Rel(base, path)
			c.rules = append(c.rules, TOMLRule{Path: filepath.ToSlash(rel), Language: doc.Rule.Language, Query: doc.Rule.Query, Err: derr})
			return nil
		})
		sort.Slice(c.rules, func(i, j int) bool { return c.rules[i].Path < c.rules[j].Path })
	})
	if c.err != nil {
		tb.Fatal(c.err)
	}
	return c.rules
}

// TOMLQueries returns the rules of TOMLRules(dir) whose language is
// language. With strict, a rule file that does not decode fails the test;
// without, it is passed over.
func TOMLQueries(tb testing.TB, dir, language string, strict bool) []TOMLRule {
	tb.Helper()
	var out []TOMLRule
	for _, r := range TOMLRules(tb, dir) {
		if r.Err != nil {
			if strict {
				tb.Fatalf("%s: %v", r.Path, r.Err)
			}
			continue
		}
		if r.Language == language {
			out = append(out, r)
		}
	}
	return out
}

// File is one file of a corpus folder.
type File struct {
	Rel  string // its path relative to the folder read, slashed
	Data []byte
}

// Files reads every file under dir whose name ends with one of exts,
// sorted by path; a folder or file that cannot be read fails the test.
func Files(tb testing.TB, dir string, exts ...string) []File {
	tb.Helper()
	return FilesFS(tb, os.DirFS(dir), ".", exts...)
}

// FilesFS reads every file under root of fsys whose name ends with one of
// exts (every file without exts), sorted by path; Rel is the path in fsys.
func FilesFS(tb testing.TB, fsys fs.FS, root string, exts ...string) []File {
	tb.Helper()
	var files []File
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(exts) > 0 && !hasSuffix(p, exts) {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, File{p, data})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Rel < files[j].Rel })
	return files
}

func hasSuffix(s string, exts []string) bool {
	for _, e := range exts {
		if strings.HasSuffix(s, e) {
			return true
		}
	}
	return false
}

// ReadJSONL decodes every line of the corpus's elastic-reference/name into
// a T; it skips the test when the file is absent.
func ReadJSONL[T any](tb testing.TB, name string) []T {
	tb.Helper()
	path := filepath.Join(Dir(tb, "elastic-reference"), name)
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			tb.Skipf("reference file %s is absent: skipping", path)
		}
		tb.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// Golden compares got with the golden file path, or with update (the
// caller's -update flag) rewrites it (making its folder). A missing or
// different file is an error of the test naming the first differing line
// and how to rewrite it; Golden reports whether got matched (or was written).
func Golden(tb testing.TB, path string, got []byte, update bool) bool {
	tb.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return true
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Errorf("%v (run go test -run %s -update to write it)", err, tb.Name())
		return false
	}
	if !bytes.Equal(want, got) {
		tb.Errorf("%s differs from the output (run go test -run %s -update and review the diff):\n%s", path, tb.Name(), FirstDiff(string(want), string(got)))
		return false
	}
	return true
}

// FirstDiff shows the first line where two texts differ.
func FirstDiff(want, got string) string {
	al, bl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + x + "\n   got " + y
		}
	}
	return ""
}
