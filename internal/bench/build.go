package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/store"
)

// BuildRun is one `ruledex build` in a child process.
type BuildRun struct {
	Wall    time.Duration
	CPU     time.Duration // user + system time of the child
	MaxRSS  int64         // peak resident set size in bytes; 0 where the system does not tell
	Summary store.Summary // what the build printed (--json)
}

// runBuild runs `exe build --quiet --json --db db args...` and measures it.
func runBuild(ctx context.Context, exe, db string, args []string) (BuildRun, error) {
	var run BuildRun
	c, err := runChild(ctx, exe, append([]string{"build", "--quiet", "--json", "--db", db}, args...)...)
	run.Wall, run.CPU, run.MaxRSS = c.wall, c.cpu, c.maxRSS
	if err != nil {
		return run, err
	}
	if err := json.Unmarshal(c.stdout, &run.Summary); err != nil {
		return run, fmt.Errorf("build printed no summary: %v: %.200s", err, c.stdout)
	}
	return run, nil
}

// child is what runChild measured of a process.
type child struct {
	wall, cpu time.Duration
	maxRSS    int64
	stdout    []byte
}

// runChild runs exe with args to its end and measures its wall-clock time,
// CPU time (user and system) and peak memory; an error carries the last
// lines the process wrote to its standard error.
func runChild(ctx context.Context, exe string, args ...string) (child, error) {
	var c child
	cmd := exec.CommandContext(ctx, exe, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	c.wall = time.Since(t0)
	// What a process that ended with an error status measured and wrote
	// is kept too (ruledex lint ends with 1 when it finds errors).
	if ps := cmd.ProcessState; ps != nil {
		c.cpu = ps.UserTime() + ps.SystemTime()
		c.maxRSS = maxRSS(ps)
	}
	c.stdout = stdout.Bytes()
	if err != nil {
		return c, fmt.Errorf("%s %s: %w: %s", exe, strings.Join(args, " "), err, lastLines(stderr.String(), 5))
	}
	return c, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// changeOneFile copies the smallest source holding a rule file into dir,
// changes one of its rule files there (a comment added at the end, so that
// its content is new but its rules read the same), and returns the build
// arguments naming every source, the copy in place of the original, and the
// file changed (repo/path). The corpus itself is not touched.
func changeOneFile(sources []store.Source, dir string) (args []string, changed string, err error) {
	type cand struct {
		i     int
		size  int64
		files []string
	}
	var cands []cand
	for i, s := range sources {
		files, err := ingest.ListFiles(ingest.Target{Repo: s.Name, Path: s.Path})
		if err != nil {
			continue
		}
		var size int64
		for _, f := range files {
			if st, err := os.Stat(f); err == nil {
				size += st.Size()
			}
		}
		cands = append(cands, cand{i, size, files})
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].size < cands[b].size })
	for _, c := range cands {
		src := sources[c.i]
		root := src.Path
		if st, err := os.Stat(root); err == nil && !st.IsDir() {
			root = filepath.Dir(root)
		}
		repo := ingest.RepoName(ingest.Target{Repo: src.Name, Path: src.Path})
		target := pickRuleFile(repo, root, c.files)
		if target == "" {
			continue
		}
		copyRoot := filepath.Join(dir, repo)
		for _, f := range c.files {
			rel, err := filepath.Rel(root, f)
			if err != nil {
				return nil, "", err
			}
			if err := copyFile(f, filepath.Join(copyRoot, rel)); err != nil {
				return nil, "", err
			}
		}
		rel, _ := filepath.Rel(root, target)
		if err := appendComment(filepath.Join(copyRoot, rel)); err != nil {
			return nil, "", err
		}
		for j, s := range sources {
			path := s.Path
			if j == c.i {
				path = copyRoot
				if st, err := os.Stat(s.Path); err == nil && !st.IsDir() {
					path = filepath.Join(copyRoot, filepath.Base(s.Path))
				}
			}
			args = append(args, repoName(s)+"="+path)
		}
		return args, repo + "/" + filepath.ToSlash(rel), nil
	}
	return nil, "", errors.New("no source holds a rule file")
}

func repoName(s store.Source) string {
	return ingest.RepoName(ingest.Target{Repo: s.Name, Path: s.Path})
}

// pickRuleFile returns a file of files that gives at least one rule,
// preferring YAML (where a comment is surely only a comment).
func pickRuleFile(repo, root string, files []string) string {
	other := ""
	for _, f := range files {
		ext := strings.ToLower(filepath.Ext(f))
		yaml := ext == ".yml" || ext == ".yaml"
		if !yaml && other != "" {
			continue
		}
		if commentFor(f) == "" {
			continue
		}
		res := ingest.ReadFile(repo, root, f, "")
		if len(res.Rules) == 0 {
			continue
		}
		if yaml {
			return f
		}
		other = f
	}
	return other
}

// commentFor returns a line that is a comment in the file's format, "" when
// there is none.
func commentFor(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yml", ".yaml", ".toml":
		return "# changed by ruledex bench\n"
	case ".md":
		return "<!-- changed by ruledex bench -->\n"
	case ".kql", ".csl":
		return "// changed by ruledex bench\n"
	}
	return ""
}

func appendComment(path string) error {
	c := commentFor(path)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	return os.WriteFile(path, append(data, c...), 0o644)
}

// editTitle appends " (edited)" to the first title the file at path states
// on a line of its own: in YAML "title:" (Sigma's) or "name:" (Sentinel's),
// inside its quotes; in Markdown the first heading "# ", inside its
// emphasis. False when there is none.
func editTitle(path string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	md := strings.EqualFold(filepath.Ext(path), ".md")
	lines := strings.SplitAfter(string(data), "\n")
	for i, l := range lines {
		body := strings.TrimRight(l, "\r\n")
		end := l[len(body):]
		var v, closing string
		switch {
		case md && strings.HasPrefix(body, "# "):
			v = strings.TrimSpace(body[2:])
			closing = "*_"
		case !md && (strings.HasPrefix(body, "title:") || strings.HasPrefix(body, "name:")):
			v = strings.TrimSpace(body[strings.IndexByte(body, ':')+1:])
			if v == "|" || v == ">" {
				continue
			}
			if q := v[len(v)-1:]; len(v) > 1 && (q == "'" || q == `"`) && v[:1] == q {
				closing = q
			}
		default:
			continue
		}
		if v == "" {
			continue
		}
		body = strings.TrimRight(body, " \t")
		cut := len(strings.TrimRight(body, closing))
		lines[i] = body[:cut] + " (edited)" + body[cut:] + end
		return true, os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644)
	}
	return false, nil
}

// editValue changes a value of the detection of the first rule of the
// file at path (a change the cross-reference reads: its indicators): an
// "x" added at the end of the first quoted string (in double or single
// quotes, not empty) in Markdown's first fenced code block, or in YAML
// after the first line that starts "detection:", "query:" or "search:"
// (on that line too). False when there is none.
func editValue(path string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	md := strings.EqualFold(filepath.Ext(path), ".md")
	lines := strings.SplitAfter(string(data), "\n")
	in := false
	for i, l := range lines {
		switch {
		case md && strings.HasPrefix(strings.TrimSpace(l), "```"):
			if in {
				return false, nil // (the first block has none)
			}
			in = true
			continue
		case !md && !in:
			for _, k := range []string{"detection:", "query:", "search:"} {
				in = in || strings.HasPrefix(l, k)
			}
		}
		if !in {
			continue
		}
		for _, q := range []byte{'"', '\''} {
			if a := strings.IndexByte(l, q); a >= 0 {
				if b := strings.IndexByte(l[a+1:], q); b > 0 {
					lines[i] = l[:a+1+b] + "x" + l[a+1+b:]
					return true, os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644)
				}
			}
		}
	}
	return false, nil
}

// copyFile copies the regular file from to the path to (made writable),
// creating its folder.
func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile writes what the system holds of the file at p to the disk.
func syncFile(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// file is one corpus file in memory.
type file struct {
	repo, path, abs string
	data            []byte
}

// loadFiles reads every file of the sources that a build would read into
// memory (the files ingest.Examine lets through).
func loadFiles(sources []store.Source) ([]file, error) {
	var out []file
	for _, s := range sources {
		t := ingest.Target{Repo: s.Name, Path: s.Path}
		files, err := ingest.ListFiles(t)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", s.Path, err)
		}
		root := s.Path
		if st, err := os.Stat(root); err == nil && !st.IsDir() {
			root = filepath.Dir(root)
		}
		repo := ingest.RepoName(t)
		for _, f := range files {
			rel := ingest.RelPath(root, f)
			if _, skip, _ := ingest.Examine(root, f, rel); skip != "" {
				continue
			}
			data, err := ingest.ReadBounded(f)
			if err != nil {
				continue
			}
			out = append(out, file{repo: repo, path: rel, abs: f, data: data})
		}
	}
	return out, nil
}

// ExportRun is one `ruledex export site` in a child process.
type ExportRun struct {
	Wall, CPU time.Duration
	MaxRSS    int64
	Pages     int   // HTML pages written
	Files     int   // every file written
	Bytes     int64 // their size
	Disk      int64 // the space they and their folders take on disk (blocks allocated; 0 where unknown)
	Search    int64 // the size of search/, the client-side search's files
}

// runExport runs `exe export site dir --db db` and measures it. (That every
// link of the export resolves is internal/web's TestExportCorpus.)
func runExport(ctx context.Context, exe, db, dir string) (ExportRun, error) {
	var run ExportRun
	c, err := runChild(ctx, exe, "export", "site", dir, "--db", db)
	run.Wall, run.CPU, run.MaxRSS = c.wall, c.cpu, c.maxRSS
	if err != nil {
		return run, err
	}
	search := filepath.Join(dir, "search") + string(filepath.Separator)
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		run.Disk += diskSize(info)
		if d.IsDir() {
			return nil
		}
		run.Files++
		run.Bytes += info.Size()
		if strings.HasPrefix(p, search) {
			run.Search += info.Size()
		}
		if strings.HasSuffix(p, ".html") {
			run.Pages++
		}
		return nil
	})
	return run, err
}
