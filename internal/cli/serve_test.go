package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/ingest/hostile"
)

func TestExportSite(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := Run(t.Context(), []string{"export", "site", dir, filepath.Join("..", "..", "examples")}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"index.html", "rules/index.html", "search/index.js", "api/v1/stats.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if !strings.Contains(errb.String(), "exported") {
		t.Errorf("no summary: %s", errb.String())
	}
	if code := Run(t.Context(), []string{"export", "nope", dir}, &out, &errb); code != 2 {
		t.Errorf("bad subcommand: exit %d", code)
	}
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", filepath.Join("..", "..", "examples")}, io.Discard, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	base := ""
	for sc.Scan() {
		if _, u, ok := strings.Cut(sc.Text(), "serving on "); ok {
			base = strings.TrimSuffix(u, "/")
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		t.Fatal("server did not start")
	}
	for _, p := range []string{"/", "/rules/", "/api/v1/stats"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
}

// TestServeReloads: serve --db serves a catalog rebuilt under it once the
// build has renamed it into place, and goes on serving the last one when
// what replaced it is no catalog.
func TestServeReloads(t *testing.T) {
	defer func(d time.Duration) { watchInterval = d }(watchInterval)
	watchInterval = 50 * time.Millisecond
	tmp := t.TempDir()
	src := filepath.Join(tmp, "rules")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, title, id string) {
		if err := os.WriteFile(filepath.Join(src, name), []byte(hostile.Rule(title, id, "r.exe")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("first.yml", "Reload First Rule", "4b111000-0000-4000-8000-000000000001")
	db := filepath.Join(tmp, "c.db")
	build := func() {
		t.Helper()
		if _, stderr, code := runCmd(t, "build", "--quiet", "--db", db, "rules="+src); code != 0 {
			t.Fatalf("build: %d %s", code, stderr)
		}
	}
	build()
	base, log := startServeLog(t, "--db", db)
	status := func(p string) int {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	stats := func() int {
		resp, err := http.Get(base + "/api/v1/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s struct {
			Rules int `json:"rules"`
		}
		json.NewDecoder(resp.Body).Decode(&s)
		return s.Rules
	}
	if n := stats(); n != 1 {
		t.Fatalf("%d rules served, want 1", n)
	}
	write("second.yml", "Reload Second Rule", "4b111000-0000-4000-8000-000000000002")
	build()
	deadline := time.Now().Add(10 * time.Second)
	for stats() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the rebuilt catalog is not served after 10 s; serve said:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for !strings.Contains(log.String(), "was rebuilt: serving the new catalog") { // said just after the swap
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say it: %s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Something that is no catalog in its place: the last one is served.
	if err := os.WriteFile(db+".tmp", []byte("not a catalog"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(db+".tmp", db); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(log.String(), "cannot be served") {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("serve did not see the broken catalog: %s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := stats(); n != 2 {
		t.Errorf("%d rules served after a broken catalog took its place, want the last 2", n)
	}
	if s := status("/"); s != 200 {
		t.Errorf("home page: %d", s)
	}
}
