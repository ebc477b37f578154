package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/ingest/hostile"
	"github.com/ruledex/ruledex/internal/web"
)

// A catalog written over in place while `serve --db` serves it (not as a
// build does, in one SQLite transaction) is found damaged on the
// next read: serve says so plainly, goes on serving the rule pages it has
// made, answers every other request 503 with what happened (never a 500
// forever while the log says all is well), and serves the catalog rebuilt
// in its place.
func TestServeDamagedCatalog(t *testing.T) {
	defer func(d time.Duration) { watchInterval = d }(watchInterval)
	watchInterval = 50 * time.Millisecond
	tmp := t.TempDir()
	src := filepath.Join(tmp, "rules")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, title := range []string{"Damage First Rule", "Damage Second Rule", "Damage Third Rule"} {
		id := "4b111000-0000-4000-8000-00000000010" + string(rune('1'+i))
		if err := os.WriteFile(filepath.Join(src, strings.Fields(title)[1]+".yml"), []byte(hostile.Rule(title, id, "d.exe")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(tmp, "c.db")
	build := func() {
		t.Helper()
		if _, stderr, code := runCmd(t, "build", "--quiet", "--db", db, "rules="+src); code != 0 {
			t.Fatalf("build: %d %s", code, stderr)
		}
	}
	build()
	base, log := startServeLog(t, "--db", db)
	get := func(p string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitLog := func(what string, d time.Duration) {
		t.Helper()
		for deadline := time.Now().Add(d); !strings.Contains(log.String(), what); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("serve did not say %q; it said:\n%s", what, log.String())
			}
		}
	}
	code, body := get("/api/v1/search?q=Damage")
	if code != 200 {
		t.Fatalf("search before: %d %s", code, body)
	}
	var res struct {
		Hits []struct{ ID string } `json:"hits"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Hits) != 3 {
		t.Fatalf("search before: %v %s", err, body)
	}
	page := web.RulePath(res.Hits[0].ID)
	if code, _ := get(page); code != 200 { // made and kept now, if not yet in the background
		t.Fatalf("rule page %s: %d", page, code)
	}

	// Written over in place, header and all (SQLite's change counter with
	// it, so no reader trusts the pages it has in memory).
	st, _ := os.Stat(db)
	junk := []byte(strings.Repeat("\xa5not a catalog page\x00", int(st.Size())/20+1))[:st.Size()]
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(junk, 0); err != nil {
		t.Fatal(err)
	}
	f.Close()

	code, body = get("/api/v1/search?q=Third")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "damaged") {
		t.Errorf("search on the damaged catalog: %d %s, want 503 saying the catalog is damaged", code, body)
	}
	code, body = get("/search?q=Second")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "damaged") {
		t.Errorf("search page on the damaged catalog: %d, want 503 saying the catalog is damaged:\n%s", code, body)
	}
	if code, _ := get(page); code != 200 {
		t.Errorf("a rule page made before the damage: %d, want 200 (still served)", code)
	}
	waitLog("IS DAMAGED", 10*time.Second)
	if strings.Contains(log.String(), "still serving the catalog before it") {
		t.Errorf("serve says it still serves the catalog of the damaged file:\n%s", log.String())
	}

	build() // a new file in its place: served again
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if code, _ := get("/api/v1/search?q=First"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rebuilt catalog is not served; serve said:\n%s", log.String())
		}
	}
	waitLog("was rebuilt: serving the new catalog", 10*time.Second)
}
