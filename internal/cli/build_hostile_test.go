package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/ingest/hostile"
	"github.com/ruledex/ruledex/internal/store"
)

// TestBuildHostile runs `ruledex build --db` over a tree of hostile files
// (package hostile) beside good rules and checks that the build ends in
// time without a panic, with its memory bounded, that every bad file is
// named in the catalog's diagnostics (with a line and column where its
// problem has a place, and the limit it hit), and that every good rule is in
// the catalog.
func TestBuildHostile(t *testing.T) {
	tmp := t.TempDir()
	tree, err := hostile.Write(filepath.Join(tmp, "src"), hostile.Options{Unreadable: os.Geteuid() != 0, Big: true})
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		t.Log("running as root: the unreadable file is left out (root reads it)")
	}
	db := filepath.Join(tmp, "c.db")
	args := []string{"build", "--quiet", "--json", "--db", db}
	for _, r := range tree.Repos {
		args = append(args, r.Name+"="+r.Path)
	}

	// The build runs with its own deadline; a hang fails the test with the
	// goroutines' stacks rather than waiting for go test's timeout.
	const deadline = 2 * time.Minute
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	type result struct {
		out, errs string
		code      int
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, &out, &errb)
		done <- result{out.String(), errb.String(), code}
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(deadline):
		var stacks bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&stacks, 2)
		t.Fatalf("build still running after %s:\n%s", deadline, stacks.String())
	}
	close(stop)
	took := time.Since(start)
	if res.code != 0 {
		t.Fatalf("build: exit %d\n%s\n%s", res.code, res.out, res.errs)
	}
	var sum store.Summary
	if err := json.Unmarshal([]byte(res.out), &sum); err != nil {
		t.Fatalf("summary: %v\n%s", err, res.out)
	}
	const maxHeap = 512 << 20
	t.Logf("built in %s, peak heap in use %d MiB; %d rules from %d files, diagnostics %v", took.Round(time.Millisecond), peak.Load()>>20, sum.Rules, sum.Files, sum.Diagnostics)
	if peak.Load() > maxHeap {
		t.Errorf("peak heap in use %d MiB, more than %d MiB", peak.Load()>>20, maxHeap>>20)
	}

	d, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	problems, err := d.Problems(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string][]store.Problem{}
	for _, p := range problems {
		byFile[p.Repo+"/"+p.Path] = append(byFile[p.Repo+"/"+p.Path], p)
	}
	for _, b := range tree.Bad {
		ps := byFile[b.Repo+"/"+b.Path]
		if len(ps) == 0 {
			t.Errorf("%s/%s (%s): no diagnostic", b.Repo, b.Path, b.Why)
			continue
		}
		if b.Pos && !hasPos(ps) {
			t.Errorf("%s/%s (%s): no diagnostic with a line and column:\n%s", b.Repo, b.Path, b.Why, listProblems(ps))
		}
		for _, w := range b.Want {
			if !mentions(ps, w) {
				t.Errorf("%s/%s (%s): no diagnostic says %q:\n%s", b.Repo, b.Path, b.Why, w, listProblems(ps))
			}
		}
	}
	// Every diagnostic is placed in a file of the tree.
	written := map[string]bool{}
	for repo, files := range tree.Files {
		for _, f := range files {
			written[repo+"/"+f] = true
		}
	}
	for _, p := range problems {
		if !written[p.Repo+"/"+p.Path] {
			t.Errorf("diagnostic on a file that is not in the tree: %+v", p)
		}
	}

	rules, err := d.AllRules(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string][]string{}
	for _, r := range rules {
		k := r.Source.Repo + "/" + r.Source.Path
		titles[k] = append(titles[k], r.Title)
	}
	for _, g := range tree.Good {
		if !contains(titles[g.Repo+"/"+g.Path], g.Title) {
			t.Errorf("good rule %q of %s/%s not in the catalog (rules of the file: %q)", g.Title, g.Repo, g.Path, titles[g.Repo+"/"+g.Path])
		}
	}
	// A link to a good file inside the repository is read as that file.
	if !contains(titles["hostile/links/whoami_link.yml"], "Good Rule 1 whoami") {
		t.Errorf("link to a good rule not read: %q", titles["hostile/links/whoami_link.yml"])
	}
	if len(rules) != sum.Rules {
		t.Errorf("catalog holds %d rules, summary says %d", len(rules), sum.Rules)
	}
	ids := map[string]bool{}
	for _, r := range rules {
		if ids[strings.ToLower(r.ID)] {
			t.Errorf("id %s given twice", r.ID)
		}
		ids[strings.ToLower(r.ID)] = true
	}
	if testing.Verbose() {
		t.Logf("diagnostics:\n%s", listProblems(problems))
	}
}

func hasPos(ps []store.Problem) bool {
	for _, p := range ps {
		if p.Line > 0 && p.Col > 0 {
			return true
		}
	}
	return false
}

// mentions tells whether a message of ps holds one of the '|'-separated
// words of want, case folded.
func mentions(ps []store.Problem, want string) bool {
	for _, p := range ps {
		m := strings.ToLower(p.Message)
		for _, w := range strings.Split(want, "|") {
			if strings.Contains(m, w) {
				return true
			}
		}
	}
	return false
}

func listProblems(ps []store.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		msg := p.Message
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		fmt.Fprintf(&b, "  %s/%s:%d:%d: %s: %s [%s]\n", p.Repo, p.Path, p.Line, p.Col, p.Severity, msg, p.Rule)
	}
	return b.String()
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
