// Package ingest reads rule files and folders into rules: it walks a tree,
// reads each file's bytes once and normalises them (text.go: encodings,
// line ends, binary and size limits), lets the registered formats tell the
// file and read it (package lang's registry, filled by internal/lower/all),
// lowers every rule with its language, in parallel, and gives every rule an
// id that is unique in the set. The flow is one way: ingest → lang → lower
// → catalog.
package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/lang"
	_ "github.com/ruledex/ruledex/internal/lower/all" // every language registers itself
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
)

// MaxFileSize is the largest file read; larger ones are skipped with a
// reason (and, with a rule extension, a diagnostic), before they are read.
const MaxFileSize = 8 << 20

// FileResult is what one file gave.
type FileResult struct {
	Repo, Path string // Path is relative to the repository root, slash-separated
	Abs        string
	Format     string // "" when the file holds no rules ruledex reads
	Skipped    string // why the file was skipped, if it was
	Rules      []*rule.Rule
	Diags      []rule.Diagnostic // problems that belong to no rule
	Size       int64
}

// Options tune a read.
type Options struct {
	Format   string                // read every file as this format (lang.FormatByName) instead of detecting it
	Workers  int                   // parallel readers; 0 means GOMAXPROCS
	Progress func(done, total int) // called after each file, from one goroutine at a time
}

// Target is one thing to read: a folder (a repository checkout) or a file.
type Target struct {
	Repo string // the repository name; defaults to the folder's base name
	Path string
}

// ListFiles returns the files under t (or t itself), sorted, skipping
// hidden folders such as .git: regular files, symbolic links that do not
// lead to a folder (Examine decides whether they are read), and folders
// that could not be listed (so that the build reports them).
func ListFiles(t Target) ([]string, error) {
	ls, err := listFiles(t, false)
	files := make([]string, len(ls))
	for i, l := range ls {
		files[i] = l.Path
	}
	return files, err
}

// Listed is a file ListStat found, and what lstat says of it: nil when
// it could not say (ExamineInfo looks again and reports why).
type Listed struct {
	Path string
	Info fs.FileInfo
}

// ListStat is ListFiles with each file's lstat, made as its folder is
// listed: through the folder where the system can (lstatAt), not by the
// file's whole path again (a quarter less CPU over the 153,600 files of
// 15 forks of the corpus: a rebuild that finds nothing changed looks at
// every file).
func ListStat(t Target) ([]Listed, error) { return listFiles(t, true) }

// listFiles walks t as filepath.WalkDir would (a folder's entries as far
// as they could be read, then the error), with the lstat of each file when
// stat is set.
func listFiles(t Target, stat bool) ([]Listed, error) {
	st, err := os.Stat(t.Path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		l := Listed{Path: t.Path}
		if stat {
			l.Info, _ = os.Lstat(t.Path)
		}
		return []Listed{l}, nil
	}
	var files []Listed
	var walk func(dir string)
	walk = func(dir string) {
		f, err := os.Open(dir)
		if err != nil {
			// Unreadable entries are listed to be reported; the walk goes on.
			if dir != t.Path {
				files = append(files, Listed{Path: dir})
			}
			return
		}
		defer f.Close()
		ents, err := f.ReadDir(-1)
		if err != nil && dir != t.Path {
			files = append(files, Listed{Path: dir})
		}
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			switch {
			case e.IsDir():
				if !strings.HasPrefix(e.Name(), ".") {
					walk(p)
				}
				continue
			case e.Type().IsRegular():
			case e.Type()&fs.ModeSymlink != 0:
				// A link to a folder is not walked (it could loop, or lead out
				// of the repository); any other is listed.
				if st, err := os.Stat(p); err == nil && st.IsDir() {
					continue
				}
			default:
				continue
			}
			l := Listed{Path: p}
			if stat {
				l.Info = lstatAt(f, e.Name(), p)
			}
			files = append(files, l)
		}
	}
	walk(t.Path)
	slices.SortFunc(files, func(a, b Listed) int { return strings.Compare(a.Path, b.Path) })
	files = slices.CompactFunc(files, func(a, b Listed) bool { return a.Path == b.Path }) // a folder that fails is met twice
	return files, nil
}

// RepoName returns the repository name of t.
func RepoName(t Target) string {
	if t.Repo != "" {
		return t.Repo
	}
	abs, err := filepath.Abs(t.Path)
	if err != nil {
		abs = t.Path
	}
	st, err := os.Stat(abs)
	if err == nil && !st.IsDir() {
		abs = filepath.Dir(abs)
	}
	return filepath.Base(abs)
}

// ReadFile reads one file of repo (root is the repository's folder) into rules.
func ReadFile(repo, root, abs string, format string) FileResult {
	rel := RelPath(root, abs)
	res := FileResult{Repo: repo, Path: rel, Abs: abs}
	st, skip, diags := Examine(root, abs, rel)
	if st != nil {
		res.Size = st.Size()
	}
	if skip != "" {
		res.Skipped, res.Diags = skip, diags
		return res
	}
	data, err := ReadBounded(abs)
	if err != nil {
		res.Skipped, res.Diags = ReadError(rel, err)
		return res
	}
	return ReadData(repo, res.Path, abs, data, format)
}

// RelPath returns abs relative to root, slash-separated; its base name when
// it is not under root.
func RelPath(root, abs string) string {
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		rel = filepath.Base(abs)
	}
	return filepath.ToSlash(rel)
}

// ReadData reads rules from data, the content of the file at path in repo.
// format, when not empty, names the format to read it as.
func ReadData(repo, path, abs string, data []byte, format string) (res FileResult) {
	res = FileResult{Repo: repo, Path: path, Abs: abs, Size: int64(len(data))}
	if int64(len(data)) > MaxFileSize {
		res.Skipped = SkipTooLarge
		if IsRuleExt(path) {
			res.Diags = []rule.Diagnostic{fileDiag(path, rule.SevError,
				fmt.Sprintf("file of %d bytes is larger than the limit of %d bytes (8 MiB); not read", len(data), MaxFileSize))}
		}
		return res
	}
	t := normalise(path, data)
	if t.nul >= 0 && IsRuleExt(path) {
		res.Skipped = SkipBinary
		res.Diags = []rule.Diagnostic{diagAt(path, data, t.nul+len(data)-len(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), rule.SevWarning,
			"binary file (a NUL byte, which no text rule holds); not read")}
		return res
	}
	f := &lang.File{Repo: repo, Path: path, Data: t.data}
	var ft *lang.Format
	if format != "" {
		ft = lang.FormatByName(format)
	} else {
		ft = lang.Detect(f)
	}
	if ft == nil {
		res.Skipped, res.Diags = checkUnread(path, data, t)
		return res
	}
	res.Format = ft.Name
	switch ft.Guard {
	case lang.GuardYAML:
		if d := guardYAML(path, t.data); d != nil {
			res.Skipped, res.Diags = SkipYAMLLimit, []rule.Diagnostic{*d}
			return res
		}
	case lang.GuardTOML:
		if off, what := tomlLimitAt(t.data); off >= 0 {
			res.Skipped = SkipTOMLLimit
			res.Diags = []rule.Diagnostic{diagAt(path, t.data, off, rule.SevError, what+"; not read")}
			return res
		}
	}
	defer func() {
		// A bug in a front end must not stop a build: the file's rules are kept
		// with what was read, and the panic becomes a diagnostic.
		if p := recover(); p != nil {
			res.Diags = append(res.Diags, rule.Diagnostic{Path: path, Line: 1, Col: 1, Severity: rule.SevError,
				Message: "internal error while reading: " + strings.TrimSpace(strings.SplitN(sprint(p), "\n", 2)[0])})
		}
	}()
	items, diags := lang.ReadAs(ft, f)
	res.Diags = diags
	for _, it := range items {
		// What the reading of the bytes changed is said on every rule of the file.
		it.Rule.Diagnostics = append(slices.Clone(t.notes), it.Rule.Diagnostics...)
	}
	if len(items) == 0 {
		res.Diags = append(res.Diags, t.notes...)
	}
	for _, it := range items {
		lowerSafely(it)
		attack.ResolveRule(it.Rule) // ATT&CK names and tactics, revoked ids replaced, unknown ones warned
		catalog.FillEvents(it.Rule) // the events it looks at: a rule's own, so parse shows them too
		res.Rules = append(res.Rules, it.Rule)
	}
	return res
}

func lowerSafely(it lang.Item) {
	defer func() {
		if p := recover(); p != nil {
			it.Rule.AddDiagnostic(rule.SevError, it.Rule.QueryLine, 1, "internal error while analysing the query: "+sprint(p))
		}
	}()
	lang.Lower(it)
}

// Read reads every target, files in parallel, and returns one result per file
// in a stable order (targets in order, files sorted), with unique rule ids.
func Read(ctx context.Context, targets []Target, opt Options) ([]FileResult, error) {
	type job struct {
		i          int
		repo, root string
		abs        string
	}
	var jobs []job
	for _, t := range targets {
		files, err := ListFiles(t)
		if err != nil {
			return nil, err
		}
		root := t.Path
		if st, err := os.Stat(t.Path); err == nil && !st.IsDir() {
			root = filepath.Dir(t.Path)
		}
		repo := RepoName(t)
		for _, f := range files {
			jobs = append(jobs, job{i: len(jobs), repo: repo, root: root, abs: f})
		}
	}
	results := make([]FileResult, len(jobs))
	var mu sync.Mutex
	done := 0
	err := parallel.For(ctx, len(jobs), opt.Workers, func(i int) {
		j := jobs[i]
		results[j.i] = ReadFile(j.repo, j.root, j.abs, opt.Format)
		if opt.Progress != nil {
			mu.Lock()
			done++
			opt.Progress(done, len(jobs))
			mu.Unlock()
		}
	})
	AssignIDs(results)
	return results, err
}
