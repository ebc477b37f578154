package kqldiff

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Answer is what Microsoft's parser (the oracle) says about one query: the
// JSON object kql-oracle prints for it.
type Answer struct {
	SyntaxErrors []string   `json:"syntaxErrors"` // "Error KS005 @13+1: Expected: by"
	Diagnostics  []string   `json:"diagnostics"`  // syntax and semantic diagnostics
	Operators    []string   `json:"operators"`    // SyntaxKind names of the query operators, in order
	Tables       []string   `json:"tables"`
	Functions    []string   `json:"functions"`
	Predicates   [][]string `json:"predicates"`
	Columns      []string   `json:"columns"` // "Name:type"; nil when the result is not a table
	// Failed is set when the oracle itself failed on the query (its process
	// died); the other fields are then empty.
	Failed string `json:"failed,omitempty"`
}

// Accepts tells whether the oracle found no syntax error in the query.
func (a *Answer) Accepts() bool { return a.Failed == "" && len(a.SyntaxErrors) == 0 }

// ColumnNames returns the names of the result columns, without their types,
// and whether the query's result is a table at all.
func (a *Answer) ColumnNames() ([]string, bool) {
	if a.Columns == nil {
		return nil, false
	}
	names := make([]string, len(a.Columns))
	for i, c := range a.Columns {
		if j := strings.LastIndexByte(c, ':'); j >= 0 {
			c = c[:j]
		}
		names[i] = c
	}
	return names, true
}

// ErrNoOracle is returned by FindOracle when the oracle or node is missing.
var ErrNoOracle = errors.New("kqldiff: KQL oracle not found")

// Oracle runs kql-oracle (Microsoft's Kusto.Language through node) on
// queries, in batches over one process's stdin, and caches its answers on
// disk keyed by the query's sha256 and the oracle's version.
type Oracle struct {
	Command   string // the kql-oracle script
	Version   string // part of every cache key: the npm package version and a hash of the scripts
	CacheDir  string // "" disables the cache
	BatchSize int    // queries per oracle process; 0 means 2000
	// Stall is how long the oracle may go without answering before its
	// process is killed and the query it was on marked failed; 0 means 2 minutes.
	Stall time.Duration

	// Misses counts the queries of the last Analyze that were not cached.
	Misses int
}

// oracleRel is where the oracle sits relative to this package's folder (the
// working directory of its tests).
const oracleRel = "../../../shared/tools/kql-oracle/kql-oracle"

// FindOracle locates the oracle: env RULEDEX_KQL_ORACLE, else
// ../../../shared/tools/kql-oracle/kql-oracle relative to the working
// directory, else kql-oracle on PATH. node must be on PATH too. The cache
// dir is env RULEDEX_ORACLE_CACHE, else os.UserCacheDir()/ruledex/kql-oracle.
func FindOracle() (*Oracle, error) {
	var cmd string
	if p := os.Getenv("RULEDEX_KQL_ORACLE"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%w: RULEDEX_KQL_ORACLE=%s: %v", ErrNoOracle, p, err)
		}
		cmd = p
	} else if _, err := os.Stat(oracleRel); err == nil {
		cmd = oracleRel
	} else if p, err := exec.LookPath("kql-oracle"); err == nil {
		cmd = p
	} else {
		return nil, fmt.Errorf("%w (set RULEDEX_KQL_ORACLE, or put it at %s or on PATH)", ErrNoOracle, oracleRel)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("%w: node is not on PATH", ErrNoOracle)
	}
	abs, err := filepath.Abs(cmd)
	if err == nil {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			abs = r
		}
		cmd = abs
	}
	o := &Oracle{Command: cmd, Version: OracleVersion(filepath.Dir(cmd))}
	o.CacheDir = os.Getenv("RULEDEX_ORACLE_CACHE")
	if o.CacheDir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			o.CacheDir = filepath.Join(d, "ruledex", "kql-oracle")
		}
	}
	return o, nil
}

// OracleVersion names the oracle in dir for cache keys: the version of the
// npm package its package.json pins, and a hash of its scripts, so that a
// new package or a changed oracle.js never reads stale answers.
func OracleVersion(dir string) string {
	h := sha256.New()
	for _, name := range []string{"kql-oracle", "oracle.js", "package.json"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		h.Write(b)
		h.Write([]byte{0})
	}
	v := "unknown"
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "package.json")); err == nil && json.Unmarshal(b, &pkg) == nil {
		var deps []string
		for k, ver := range pkg.Dependencies {
			deps = append(deps, k+"@"+ver)
		}
		if len(deps) > 0 {
			slices.Sort(deps)
			v = strings.Join(deps, ",")
		}
	}
	return v + "+" + hex.EncodeToString(h.Sum(nil))[:12]
}

// CacheKey is the cache key of query q for an oracle of the given version.
func CacheKey(version, q string) string {
	h := sha256.New()
	h.Write([]byte(version))
	h.Write([]byte{0})
	h.Write([]byte(q))
	return hex.EncodeToString(h.Sum(nil))
}

func (o *Oracle) cachePath(key string) string {
	return filepath.Join(o.CacheDir, key[:2], key+".json")
}

func (o *Oracle) cached(key string) *Answer {
	if o.CacheDir == "" {
		return nil
	}
	b, err := os.ReadFile(o.cachePath(key))
	if err != nil {
		return nil
	}
	var a Answer
	if json.Unmarshal(b, &a) != nil {
		return nil
	}
	return &a
}

func (o *Oracle) store(key string, a *Answer) {
	if o.CacheDir == "" || a.Failed != "" { // a failure may be transient: ask again next time
		return
	}
	p := o.cachePath(key)
	if os.MkdirAll(filepath.Dir(p), 0o755) != nil {
		return
	}
	b, err := json.Marshal(a)
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), p) != nil {
		os.Remove(tmp.Name())
	}
}

// Analyze returns the oracle's answer for every query, in order: from the
// cache where it has them, the rest from the oracle in batches. A query on
// which the oracle's process dies gets an Answer with Failed set, and the
// queries after it are sent to a new process. The error is non-nil only
// when the oracle cannot run at all (then no answer is trusted).
func (o *Oracle) Analyze(ctx context.Context, queries []string) ([]*Answer, error) {
	answers := make([]*Answer, len(queries))
	keys := make([]string, len(queries))
	var todo []int
	for i, q := range queries {
		keys[i] = CacheKey(o.Version, q)
		if a := o.cached(keys[i]); a != nil {
			answers[i] = a
		} else {
			todo = append(todo, i)
		}
	}
	o.Misses = len(todo)
	batch := o.BatchSize
	if batch <= 0 {
		batch = 2000
	}
	probed := false
	produced := 0 // answers the oracle gave at all, to tell a broken oracle from a bad query
	for len(todo) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(batch, len(todo))
		in := make([]string, n)
		for j, i := range todo[:n] {
			in[j] = queries[i]
		}
		got, stderr, err := o.run(ctx, in)
		for j, a := range got {
			i := todo[j]
			answers[i] = a
			o.store(keys[i], a)
		}
		produced += len(got)
		if len(got) == n {
			todo = todo[n:]
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if produced == 0 && !probed {
			// Nothing answered yet: is the oracle broken, or the query?
			probed = true
			if _, _, perr := o.run(ctx, []string{"print 1"}); perr != nil {
				return nil, fmt.Errorf("kqldiff: the oracle %s does not run: %v: %s", o.Command, perr, lastLines(stderr, 5))
			}
		}
		// The process died on in[len(got)]: that query fails, the rest go to a new process.
		i := todo[len(got)]
		msg := "oracle failed"
		if err != nil {
			msg += ": " + err.Error()
		}
		if s := lastLines(stderr, 3); s != "" {
			msg += ": " + s
		}
		answers[i] = &Answer{Failed: msg}
		todo = todo[len(got)+1:]
	}
	return answers, nil
}

// run sends the queries to one oracle process and reads its answers, as
// many as it gave before it ended.
func (o *Oracle) run(ctx context.Context, queries []string) ([]*Answer, string, error) {
	stall := o.Stall
	if stall <= 0 {
		stall = 2 * time.Minute
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stalled atomic.Bool
	watchdog := time.AfterFunc(stall, func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	cmd := exec.CommandContext(rctx, o.Command)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := bufio.NewWriterSize(stdin, 1<<16)
		for _, q := range queries {
			b, _ := json.Marshal(q) // escapes newlines: one query per line
			b = append(b, '\n')
			if _, err := w.Write(b); err != nil {
				break
			}
		}
		w.Flush()
		stdin.Close()
	}()
	var answers []*Answer
	var perr error
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	for sc.Scan() && len(answers) < len(queries) {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var a Answer
		if err := json.Unmarshal(line, &a); err != nil {
			perr = fmt.Errorf("unreadable answer: %v: %.200s", err, line)
			break
		}
		answers = append(answers, &a)
		watchdog.Reset(stall)
	}
	io.Copy(io.Discard, stdout)
	wg.Wait()
	werr := cmd.Wait()
	if perr == nil {
		perr = werr
	}
	if stalled.Load() {
		perr = fmt.Errorf("no answer for %v: killed", stall)
	}
	if len(answers) == len(queries) {
		perr = nil
	}
	return answers, stderr.String(), perr
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	k := len(p)
	if l.n <= 0 {
		return k, nil
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	l.n -= len(p)
	l.w.Write(p)
	return k, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
