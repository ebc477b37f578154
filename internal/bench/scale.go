package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/parallel"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// Forks writes copies 2 to n of the sources under dir, as a company that
// keeps forks of the same public repositories would have them: copy k of
// source s is the source "s-fork<k>", a folder of its own holding every file
// of s that a build lists, each rule file varied so that no two copies are
// byte-identical. It returns the sources, the originals first (copy 1), then
// each copy's, and the size of the files of one copy.
//
// The variation is textual, the same for every format, so that each
// language's reader reads it as it reads the original:
//   - each rule's title gets " fork <k>" after its first occurrence;
//   - every identifier a rule of the corpus states (Rule.UID, Rule.Name) is
//     changed wherever it stands as a whole token in any file of the copy, so
//     that the rules of a copy that name each other (correlations, related
//     rules) still find each other there: a UUID keeps its shape (its last
//     12 hex digits changed), another id gets "_f<k>" appended;
//   - one value of each rule's predicates (its longest one that has a letter,
//     only letters, digits and "._-", and stands as a whole token in the
//     file) gets "_f<k>" appended wherever it stands in its file.
func Forks(ctx context.Context, sources []store.Source, n int, dir string) ([]store.Source, int64, error) {
	out := slices0(sources)
	type srcFiles struct {
		src   store.Source
		repo  string
		root  string
		file  bool // the source is one file
		files []string
	}
	var srcs []srcFiles
	total := 0
	for _, s := range sources {
		t := ingest.Target{Repo: s.Name, Path: s.Path}
		files, err := ingest.ListFiles(t)
		if err != nil {
			return nil, 0, fmt.Errorf("source %s: %w", s.Path, err)
		}
		root, isFile := s.Path, false
		if st, err := os.Stat(root); err == nil && !st.IsDir() {
			root, isFile = filepath.Dir(root), true
		}
		srcs = append(srcs, srcFiles{s, ingest.RepoName(t), root, isFile, files})
		total += len(files)
	}
	// Read every file once: what to vary in it.
	type job struct {
		src  int
		abs  string
		rel  string
		data []byte
		vary variation
	}
	jobs := make([]job, 0, total)
	for i, s := range srcs {
		for _, f := range s.files {
			rel, err := filepath.Rel(s.root, f)
			if err != nil {
				return nil, 0, err
			}
			jobs = append(jobs, job{src: i, abs: f, rel: rel})
		}
	}
	ids := map[string]bool{}
	var size int64
	var mu sync.Mutex
	err := parallel.For(ctx, len(jobs), 0, func(i int) {
		j := &jobs[i]
		data, err := os.ReadFile(j.abs)
		if err != nil {
			return
		}
		j.data = data
		s := srcs[j.src]
		rel := ingest.RelPath(s.root, j.abs)
		res := ingest.ReadData(s.repo, rel, j.abs, data, "")
		var own []string
		j.vary, own = variationOf(data, res.Rules)
		j.vary = j.vary.checked(s.repo, rel, j.abs, data, res)
		mu.Lock()
		size += int64(len(data))
		for _, id := range own {
			ids[id] = true
		}
		mu.Unlock()
	})
	if err != nil {
		return nil, 0, err
	}
	for k := 2; k <= n; k++ {
		base := filepath.Join(dir, fmt.Sprintf("fork%d", k))
		for _, s := range srcs {
			p := filepath.Join(base, s.repo)
			if s.file {
				p = filepath.Join(p, filepath.Base(s.src.Path))
			}
			out = append(out, store.Source{Name: fmt.Sprintf("%s-fork%d", s.repo, k), Path: p, URL: s.src.URL, Ref: s.src.Ref})
		}
		var werr error
		var once sync.Once
		err := parallel.For(ctx, len(jobs), 0, func(i int) {
			j := &jobs[i]
			if j.data == nil {
				return
			}
			to := filepath.Join(base, srcs[j.src].repo, j.rel)
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				once.Do(func() { werr = err })
				return
			}
			if err := os.WriteFile(to, j.vary.apply(j.data, ids, k), 0o644); err != nil {
				once.Do(func() { werr = err })
			}
		})
		if err == nil {
			err = werr
		}
		if err != nil {
			return nil, 0, err
		}
	}
	return out, size, nil
}

func slices0(s []store.Source) []store.Source { return append([]store.Source(nil), s...) }

// variation is what Forks changes in one file.
type variation struct {
	titles []string        // each rule's title, changed at its first occurrence
	values map[string]bool // one value a rule, changed wherever it stands as a token
}

// checked returns v, or less of it, such that the file varied reads as
// well as the original res: as many rules, no more errors. (A title that
// is also a line of the query, as in a text file of queries whose titles
// are their comments, is not changed.) The identifiers, changed in every
// file, are checked with the titles and values left as they are.
func (v variation) checked(repo, rel, abs string, data []byte, res ingest.FileResult) variation {
	if len(res.Rules) == 0 {
		return v
	}
	want := errorCount(res)
	for _, try := range []variation{v, {values: v.values}, {titles: v.titles}, {}} {
		got := ingest.ReadData(repo, rel, abs, try.apply(data, nil, 2), "")
		if len(got.Rules) == len(res.Rules) && errorCount(got) <= want {
			return try
		}
	}
	return variation{}
}

// errorCount returns the error diagnostics of a file and its rules.
func errorCount(res ingest.FileResult) int {
	n := 0
	for _, d := range res.Diags {
		if d.Severity == rule.SevError {
			n++
		}
	}
	for _, r := range res.Rules {
		for _, d := range r.Diagnostics {
			if d.Severity == rule.SevError {
				n++
			}
		}
	}
	return n
}

// variationOf returns what to vary in data, the file that gave rules, and
// the identifiers its rules state.
func variationOf(data []byte, rules []*rule.Rule) (v variation, ids []string) {
	for _, r := range rules {
		if len(r.Title) >= 4 && bytes.Contains(data, []byte(r.Title)) && !slices.Contains(v.titles, r.Title) {
			v.titles = append(v.titles, r.Title)
		}
		for _, id := range []string{r.UID, r.Name} {
			if len(id) >= 6 && isToken(id) {
				ids = append(ids, id)
			}
		}
		best := ""
		var walk func([]rule.Stage)
		walk = func(ss []rule.Stage) {
			for i := range ss {
				for _, p := range ss[i].Predicates {
					for _, val := range p.Values {
						if len(val) > len(best) && len(val) >= 4 && isToken(val) && hasLetter(val) && hasToken(data, val) {
							best = val
						}
					}
				}
				walk(ss[i].Stages)
			}
		}
		walk(r.Stages)
		if best != "" {
			if v.values == nil {
				v.values = map[string]bool{}
			}
			v.values[best] = true
		}
	}
	return v, ids
}

// apply returns data as copy k has it.
func (v variation) apply(data []byte, ids map[string]bool, k int) []byte {
	suffix := " fork " + strconv.Itoa(k)
	for _, t := range v.titles {
		if i := bytes.Index(data, []byte(t)); i >= 0 {
			end := i + len(t)
			data = append(data[:end:end], append([]byte(suffix), data[end:]...)...)
		}
	}
	out := make([]byte, 0, len(data)+64)
	for i := 0; i < len(data); {
		if !tokenByte(data[i]) {
			out = append(out, data[i])
			i++
			continue
		}
		j := i
		for j < len(data) && tokenByte(data[j]) {
			j++
		}
		// A token ends before trailing '.' or '-' (a sentence's full stop).
		e := j
		for e > i && (data[e-1] == '.' || data[e-1] == '-') {
			e--
		}
		tok := string(data[i:e])
		switch {
		case ids[tok]:
			out = append(out, variedID(tok, k)...)
		case v.values[tok]:
			out = append(out, tok+"_f"+strconv.Itoa(k)...)
		default:
			out = append(out, tok...)
		}
		out = append(out, data[e:j]...)
		i = j
	}
	return out
}

// variedID returns id as copy k states it: a UUID with its last 12 hex
// digits changed (the same case), another id with "_f<k>" appended.
func variedID(id string, k int) string {
	if !isUUID(id) {
		return id + "_f" + strconv.Itoa(k)
	}
	last, _ := strconv.ParseUint(id[24:], 16, 64)
	last ^= (uint64(k) * 0x9E3779B97F4A7C15) & 0xffffffffffff
	h := fmt.Sprintf("%012x", last)
	if bytes.ContainsAny([]byte(id), "ABCDEF") {
		h = string(bytes.ToUpper([]byte(h)))
	}
	return id[:24] + h
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
			continue
		}
		if c := s[i] | 0x20; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// isToken tells whether s is one token of apply's: token bytes only, not
// ending in '.' or '-'.
func isToken(s string) bool {
	if s == "" || s[len(s)-1] == '.' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			return false
		}
	}
	return true
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// hasToken tells whether tok stands in data as a whole token.
func hasToken(data []byte, tok string) bool {
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte(tok))
		if i < 0 {
			return false
		}
		i += off
		end := i + len(tok)
		for end < len(data) && (data[end] == '.' || data[end] == '-') {
			end++
		}
		if (i == 0 || !tokenByte(data[i-1])) && (end == len(data) || !tokenByte(data[end])) {
			return true
		}
		off = i + 1
	}
}
