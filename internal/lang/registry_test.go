package lang_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	_ "github.com/ruledex/ruledex/internal/lower/all"
)

// languageWords are the names of the languages and platforms ruledex reads
// or will read (DESIGN.md), besides those registered now: none may appear
// outside the languages' own folders either.
var languageWords = []string{"kql", "kusto", "sigma", "eql", "kuery", "esql", "lucene", "spl", "yaral", "yara-l",
	"elastic", "splunk", "chronicle"}

// allowed are the places outside internal/lang/<x> and internal/lower/<x>
// that may name a language, each with why. The key is the slash path of
// the file, relative to the module root.
var allowed = map[string]string{
	// The differential test of the KQL front end against Microsoft's own
	// parser (Kusto.Language): it is about KQL itself.
	"internal/kqldiff/corpus.go": "the KQL front end against Kusto.Language",
	"internal/kqldiff/oracle.go": "the KQL front end against Kusto.Language",
	"internal/bench/oracle.go":   "the KQL parser's speed against Kusto.Language's",
	"internal/bench/parse.go":    "collects the KQL queries for the comparison with Kusto.Language",
	// Fixed searches of the benchmark are data about the corpus measured.
	"internal/bench/serve.go": "a fixed benchmark search filters the corpus's Sigma platform",
	// The hostile tree gives files the extensions rules come in.
	"internal/ingest/hostile/hostile.go": "file extensions of the hostile test tree",
}

// sharedPackages are the packages under internal/lang that belong to no
// language: every front end and reader may use them.
var sharedPackages = map[string]bool{"diag": true, "yamlbound": true, "tree": true, "tomldoc": true}

// TestNoLanguageNamedOutsideItsFolder scans every Go file of the module
// that is not a test (go/ast), outside internal/lang/<x>, internal/lower/<x>
// and the registry, for a string literal that is a language's or
// platform's name (or a format's) and for an import of a front end, and
// fails on each one not in allowed.
func TestNoLanguageNamedOutsideItsFolder(t *testing.T) {
	names := map[string]bool{}
	for _, w := range languageWords {
		names[w] = true
	}
	for _, l := range lang.All() {
		names[l.Name], names[l.Platform] = true, true
		for _, a := range l.Aliases {
			names[a] = true
		}
		for _, f := range l.Formats {
			names[f.Name] = true
		}
	}
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	scanned := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != root || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			// A language's own folders, and the registry (this folder).
			if parts := strings.Split(rel, "/"); len(parts) >= 3 && parts[0] == "internal" && (parts[1] == "lang" || parts[1] == "lower") &&
				parts[2] != "all" && !sharedPackages[parts[2]] {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		scanned++
		if rel == "internal/lower/all/all.go" {
			return nil // the one list of the languages, by import
		}
		report := func(pos token.Pos, what string) {
			if _, ok := allowed[rel]; ok {
				return
			}
			t.Errorf("%s: %s outside its language's folders (ask package lang, or add the place to allowed with why)", fset.Position(pos), what)
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if rest, ok := strings.CutPrefix(path, "github.com/ruledex/ruledex/internal/lang/"); ok && !sharedPackages[rest] {
				report(im.Pos(), "import of the front end "+path)
			}
			if rest, ok := strings.CutPrefix(path, "github.com/ruledex/ruledex/internal/lower/"); ok && rest != "all" {
				report(im.Pos(), "import of the lowering "+path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && names[strings.ToLower(strings.TrimSpace(s))] {
				report(lit.Pos(), "the language name "+lit.Value)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 50 {
		t.Fatalf("scanned only %d Go files from %s: the walk is wrong", scanned, root)
	}
	for p := range allowed {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("allowed names %s, which is no file: %v", p, err)
		}
	}
}

// TestRegistry checks what every registered language gives.
func TestRegistry(t *testing.T) {
	all := lang.All()
	if len(all) < 2 {
		t.Fatalf("%d languages registered", len(all))
	}
	for _, l := range all {
		if l.Name == "" || l.Platform == "" || l.Lower == nil || len(l.Formats) == 0 || l.Highlight == nil || l.Parse == nil {
			t.Errorf("language %q lacks a part: %+v", l.Name, l)
		}
		if lang.Get(l.Name) != l {
			t.Errorf("Get(%q) is not the language", l.Name)
		}
		for _, f := range l.Formats {
			if f.Language() != l || lang.FormatByName(f.Name) != f || len(f.Exts) == 0 {
				t.Errorf("format %s of %s is not registered whole", f.Name, l.Name)
			}
			for _, e := range f.Exts {
				if !lang.IsRuleExt("x." + strings.ToUpper(e)) {
					t.Errorf("extension %s of %s is not a rule extension", e, f.Name)
				}
			}
		}
		if l.RawFormat != "" && lang.FormatByName(l.RawFormat) == nil {
			t.Errorf("%s: raw format %s is not registered", l.Name, l.RawFormat)
		}
		// The highlighter's tokens are sorted, inside the text and not overlapping.
		src := "T | where A == \"x\" // c\ntitle: t\ndetection:\n  sel:\n    A|contains: 'x'\n  condition: sel and not 1 of f*\n"
		end := 0
		for _, tk := range l.Highlight(src) {
			if tk.Start < end || tk.End <= tk.Start || tk.End > len(src) {
				t.Errorf("%s: token %+v after %d in %d bytes", l.Name, tk, end, len(src))
			}
			end = tk.End
		}
	}
	formats := lang.Formats()
	for i := 1; i < len(formats); i++ {
		if formats[i-1].Order > formats[i].Order {
			t.Errorf("formats out of order: %s before %s", formats[i-1].Name, formats[i].Name)
		}
	}
}
