package cli

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/ingest/hostile"
	"github.com/ruledex/ruledex/internal/store"
)

// TestBuildKilled builds the ruledex binary, then runs `ruledex build --db X`
// fifty times in a row, each time killing it with SIGKILL after a random
// delay (at a random point of the whole build, or of its writing stage),
// and checks after each kill that the catalog at X is the last good one or
// the new one, whole: it passes SQLite's integrity check and store's own,
// and holds the rules of one build or the other, never a mix; once a build
// has finished, X is never missing. A build adds a rule file to the
// sources, so that the old catalog and the new one differ by one rule, or
// (every other incremental one) adds a comment to the last rule file: both
// write the catalog over in place (few rows change), and a killed commit
// leaves a journal that the next opening rolls back; one incremental build
// in four writes a copy of the last catalog instead (--new-file), renamed.
// One build in ten is a full one, the others incremental.
func TestBuildKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and a catalog fifty times")
	}
	if raceEnabled {
		// The builds run in their own processes, built without the race
		// detector; only the checks would run here, each a hundred times
		// slower (the CI's race run spent its ten minutes in them).
		t.Skip("nothing for the race detector to see: the builds run in other processes")
	}
	const kills = 50
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "ruledex")
	root := moduleRoot(t)
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "cmd", "ruledex")).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// The sources: the shared corpus's Sigma repository (else a generated
	// one), and a folder that gets one more rule before every build.
	big := filepath.Join(root, "..", "shared", "corpus", "sigma")
	if dir := os.Getenv("RULEDEX_CORPUS"); dir != "" {
		big = filepath.Join(dir, "sigma")
	}
	if st, err := os.Stat(big); err != nil || !st.IsDir() {
		big = filepath.Join(tmp, "generated")
		if err := hostile.Corpus(big, 3000); err != nil {
			t.Fatal(err)
		}
		t.Logf("no corpus at ../shared/corpus/sigma: %d generated rules", 3000)
	}
	extra := filepath.Join(tmp, "extra")
	if err := os.MkdirAll(extra, 0o755); err != nil {
		t.Fatal(err)
	}
	added := 0
	addRule := func() {
		added++
		title := fmt.Sprintf("Kill Test Rule %d", added)
		id := fmt.Sprintf("4b111000-0000-4000-8000-%012d", added)
		if err := os.WriteFile(filepath.Join(extra, fmt.Sprintf("kill_%03d.yml", added)), []byte(hostile.Rule(title, id, "k.exe")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	addComment := func() {
		p := filepath.Join(extra, fmt.Sprintf("kill_%03d.yml", added))
		f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "# a comment at %d\n", time.Now().UnixNano())
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(tmp, "catalog.db")
	newFile := false // the next incremental build writes a new file (--new-file), not in place
	args := func(full bool) []string {
		a := []string{"build", "--db", db, "sigma=" + big, "extra=" + extra}
		if full {
			a = append(a, "--full")
		}
		if newFile {
			a = append(a, "--new-file")
		}
		return a
	}

	// state is what the catalog at X holds: rules and builds recorded
	// (zero when there is no catalog). A catalog whose content (SHA-256) is
	// one already verified is not verified again: only its rules are
	// counted.
	type state struct{ rules, builds int }
	verified := map[[32]byte]state{}
	journals := 0 // kills in an in-place commit: a journal beside the catalog, rolled back by opening it
	check := func(when string) state {
		t.Helper()
		if _, err := os.Stat(db); os.IsNotExist(err) {
			return state{}
		}
		if _, err := os.Stat(db + "-journal"); err == nil {
			journals++
		}
		d, err := store.Open(db)
		if err != nil {
			t.Fatalf("%s: open: %v", when, err)
		}
		defer d.Close()
		data, err := os.ReadFile(db)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		sum := sha256.Sum256(data)
		if st, ok := verified[sum]; ok {
			ids, err := d.IDs(t.Context())
			if err != nil || len(ids) != st.rules {
				t.Fatalf("%s: %d rules (%v) in a catalog verified with %d", when, len(ids), err, st.rules)
			}
			return st
		}
		// A check that hangs fails with what the folder holds (a hang in
		// SQLite's locking, were there one, shows in the journals there).
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		rules, builds, err := d.Verify(ctx)
		if err != nil {
			t.Fatalf("%s: %v\n%s", when, err, listDir(filepath.Dir(db)))
		}
		verified[sum] = state{rules, builds}
		return state{rules, builds}
	}

	// Two builds run to their end: the base the catalogs grow from, and the
	// durations the kills are spread over.
	type run struct {
		took, writing time.Duration // whole, and from the writing stage on
		killed        bool
	}
	start := func(full bool, killAfter func(writing <-chan struct{}) <-chan time.Time) run {
		t.Helper()
		cmd := exec.Command(bin, args(full)...)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		cmd.Stdout = &out
		begin := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		writing := make(chan struct{})
		var writeAt time.Time
		lines := make(chan string, 64)
		go func() {
			sc := bufio.NewScanner(stderr)
			seen := false
			for sc.Scan() {
				if !seen && strings.HasPrefix(sc.Text(), "ruledex: writing ") {
					seen = true
					writeAt = time.Now()
					close(writing)
				}
				select {
				case lines <- sc.Text():
				default:
				}
			}
			close(lines)
		}()
		var timer <-chan time.Time
		if killAfter != nil {
			timer = killAfter(writing)
		}
		exited := make(chan error, 1)
		go func() {
			for range lines {
			}
			exited <- cmd.Wait()
		}()
		r := run{}
		select {
		case err = <-exited:
		case <-timer:
			cmd.Process.Signal(syscall.SIGKILL)
			err = <-exited
		case <-time.After(2 * time.Minute):
			cmd.Process.Signal(syscall.SIGKILL)
			t.Fatalf("build still running after 2 minutes")
		}
		r.took = time.Since(begin)
		if !writeAt.IsZero() {
			r.writing = time.Since(writeAt)
		}
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				r.killed = true
				return r
			}
		}
		if err != nil {
			t.Fatalf("build: %v\n%s", err, out.String())
		}
		return r
	}
	addRule()
	first := start(true, nil)
	base := check("first build")
	addRule()
	inc := start(false, nil)
	good := check("second build")
	if good.rules != base.rules+1 || good.builds != base.builds+1 {
		t.Fatalf("second build: %+v after %+v", good, base)
	}
	addComment()
	inPlace := start(false, nil)
	if got := check("a comment added"); got.rules != good.rules || got.builds != good.builds+1 {
		t.Fatalf("a comment added: %+v after %+v", got, good)
	} else {
		good = got
	}
	t.Logf("full build %s (writing %s), incremental %s (writing %s), in place %s (writing %s); %d rules",
		first.took.Round(time.Millisecond), first.writing.Round(time.Millisecond), inc.took.Round(time.Millisecond), inc.writing.Round(time.Millisecond),
		inPlace.took.Round(time.Millisecond), inPlace.writing.Round(time.Millisecond), good.rules)

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RULEDEX_KILL_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("seed %d (RULEDEX_KILL_SEED replays it)", seed)
	rnd := rand.New(rand.NewPCG(seed, 1))
	var checking time.Duration
	midBuild, midWrite, finished, keptOld, tookNew := 0, 0, 0, 0, 0
	for i := range kills {
		full := i%10 == 0
		whole, writing := inc.took, inc.writing
		switch {
		case full:
			whole, writing = first.took, first.writing
			addRule()
		case i%2 == 1:
			whole, writing = inPlace.took, inPlace.writing
			addComment()
		default:
			addRule()
			newFile = i%4 == 2 // a copy of the last catalog, renamed
		}
		want := state{base.rules + added - 1, 0} // the new catalog's rules
		inWrite := rnd.IntN(2) == 0
		r := start(full, func(w <-chan struct{}) <-chan time.Time {
			if !inWrite {
				return time.After(time.Duration(rnd.Int64N(int64(whole) * 11 / 10)))
			}
			c := make(chan time.Time, 1)
			d := time.Duration(rnd.Int64N(int64(writing)*11/10 + 1))
			go func() {
				<-w
				time.Sleep(d)
				c <- time.Now()
			}()
			return c
		})
		switch {
		case !r.killed:
			finished++
		case inWrite:
			midWrite++
		default:
			midBuild++
		}
		newFile = false
		c := time.Now()
		got := check(fmt.Sprintf("kill %d", i+1))
		checking += time.Since(c)
		switch {
		case got == good:
			keptOld++
			if !r.killed {
				t.Fatalf("kill %d: the build ended well but the catalog is the old one (%+v)", i+1, got)
			}
		case got.rules == want.rules && (got.builds == good.builds+1 || full && got.builds == 1):
			// An incremental build starts from a copy of the last catalog and
			// adds its record; a full one starts afresh.
			tookNew++
			good = got
		default:
			t.Fatalf("kill %d: catalog holds %d rules and %d builds; the last good one %d and %d, the new one %d and %d",
				i+1, got.rules, got.builds, good.rules, good.builds, want.rules, good.builds+1)
		}
	}
	t.Logf("%d kills: %d during the build, %d during its writing, %d after it ended; the catalog was the old one %d times, the new one %d times (a journal of an in-place commit rolled back %d times); checks took %s",
		kills, midBuild, midWrite, finished, keptOld, tookNew, journals, checking.Round(time.Millisecond))
	// A build after all this ends well, with every rule.
	start(false, nil)
	if got := check("last build"); got.rules != base.rules+added-1 {
		t.Errorf("last build: %d rules, want %d", got.rules, base.rules+added-1)
	}
}

// moduleRoot returns the folder of go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go env GOMOD: %v %s", err, out)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// listDir lists the files of dir with their sizes, for a failure's message.
func listDir(dir string) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range ents {
		if info, err := e.Info(); err == nil {
			fmt.Fprintf(&b, "  %s %d bytes %s\n", e.Name(), info.Size(), info.ModTime().Format(time.RFC3339Nano))
		}
	}
	return b.String()
}
