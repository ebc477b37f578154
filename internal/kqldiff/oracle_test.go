package kqldiff

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as a fake oracle when KQLDIFF_FAKE_ORACLE is set:
// it answers each JSON string line with the query's words as its tables, dies
// on the query "crash", prints garbage for "garbage", and counts its runs in
// the file KQLDIFF_FAKE_ORACLE names. With KQLDIFF_FAKE_ORACLE_BROKEN set it
// dies at once, like an oracle without its node modules.
func TestMain(m *testing.M) {
	if runs := os.Getenv("KQLDIFF_FAKE_ORACLE"); runs != "" {
		fakeOracle(runs)
		return
	}
	os.Exit(m.Run())
}

func fakeOracle(runs string) {
	f, _ := os.OpenFile(runs, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	f.WriteString("run\n")
	f.Close()
	if os.Getenv("KQLDIFF_FAKE_ORACLE_BROKEN") != "" {
		fmt.Fprintln(os.Stderr, "Error: Cannot find module '@kusto/language-service-next/bridge.min.js'")
		os.Exit(1)
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		var q string
		if json.Unmarshal(sc.Bytes(), &q) != nil {
			os.Exit(2)
		}
		switch q {
		case "crash":
			w.Flush()
			fmt.Fprintln(os.Stderr, "TypeError: Cannot read properties of null (reading 'Text')")
			os.Exit(1)
		case "hang":
			w.Flush()
			time.Sleep(time.Hour)
		case "garbage":
			fmt.Fprintln(w, "{not json")
			continue
		}
		a := Answer{Tables: strings.Fields(q), Operators: []string{}, Functions: []string{}, SyntaxErrors: []string{}}
		if strings.Contains(q, "bad") {
			a.SyntaxErrors = []string{"Error KS005 @0+3: Expected: ;"}
		}
		b, _ := json.Marshal(a)
		w.Write(b)
		w.WriteByte('\n')
	}
}

func fakeOracleFor(t *testing.T) (*Oracle, func() int) {
	t.Helper()
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	t.Setenv("KQLDIFF_FAKE_ORACLE", runs)
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	o := &Oracle{Command: exe, Version: "fake@1", CacheDir: filepath.Join(dir, "cache"), BatchSize: 3}
	count := func() int {
		b, _ := os.ReadFile(runs)
		return strings.Count(string(b), "\n")
	}
	return o, count
}

func TestOracleAnalyzeCache(t *testing.T) {
	o, runs := fakeOracleFor(t)
	qs := []string{"A | where x", "B\n| take 1", "C D", "bad E", "F", "A | where x"}
	got, err := o.Analyze(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	if o.Misses != len(qs) {
		t.Errorf("misses %d, want %d", o.Misses, len(qs))
	}
	for i, q := range qs {
		if !slices.Equal(got[i].Tables, strings.Fields(q)) {
			t.Errorf("answer %d: tables %v, want the words of %q", i, got[i].Tables, q)
		}
	}
	if got[3].Accepts() || !got[0].Accepts() {
		t.Errorf("accepts: bad query %v, good query %v", got[3].Accepts(), got[0].Accepts())
	}
	if n := runs(); n != 2 { // 6 queries in batches of 3
		t.Errorf("oracle ran %d times, want 2", n)
	}

	again, err := o.Analyze(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	if o.Misses != 0 || runs() != 2 {
		t.Errorf("second run: %d misses, oracle ran %d times in all; want every answer from the cache", o.Misses, runs())
	}
	for i := range qs {
		a, b := got[i], again[i]
		if !slices.Equal(a.Tables, b.Tables) || !slices.Equal(a.SyntaxErrors, b.SyntaxErrors) || (a.Columns == nil) != (b.Columns == nil) {
			t.Errorf("cached answer %d differs: %+v vs %+v", i, a, b)
		}
	}

	// Another oracle version must not read these answers.
	o.Version = "fake@2"
	if _, err := o.Analyze(context.Background(), qs[:1]); err != nil || o.Misses != 1 {
		t.Errorf("new version: misses %d, err %v; want 1 miss", o.Misses, err)
	}
}

func TestOracleCrashRecovery(t *testing.T) {
	o, runs := fakeOracleFor(t)
	o.BatchSize = 10
	o.Stall = 300 * time.Millisecond
	qs := []string{"A", "crash", "B", "garbage", "C", "hang", "D", "crash"}
	got, err := o.Analyze(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range qs {
		failed := q == "crash" || q == "garbage" || q == "hang"
		if (got[i].Failed != "") != failed {
			t.Errorf("query %q: Failed=%q", q, got[i].Failed)
		}
		if !failed && !slices.Equal(got[i].Tables, []string{q}) {
			t.Errorf("query %q: tables %v", q, got[i].Tables)
		}
	}
	if !strings.Contains(got[5].Failed, "no answer for") {
		t.Errorf("a hanging oracle's failure: %q", got[5].Failed)
	}
	if !strings.Contains(got[1].Failed, "TypeError") {
		t.Errorf("failure does not quote the oracle's stderr: %q", got[1].Failed)
	}
	n := runs()
	// Failures are not cached: they are asked again; the good ones are not.
	if _, err := o.Analyze(context.Background(), qs); err != nil {
		t.Fatal(err)
	}
	if o.Misses != 4 {
		t.Errorf("second run: %d misses, want the 4 failed queries", o.Misses)
	}
	if runs() <= n {
		t.Errorf("failed queries were not asked again")
	}
}

func TestOracleBroken(t *testing.T) {
	o, _ := fakeOracleFor(t)
	t.Setenv("KQLDIFF_FAKE_ORACLE_BROKEN", "1")
	_, err := o.Analyze(context.Background(), []string{"A", "B"})
	if err == nil || !strings.Contains(err.Error(), "Cannot find module") {
		t.Fatalf("broken oracle: err %v, want one that quotes its stderr", err)
	}
}

func TestCacheKey(t *testing.T) {
	k := CacheKey("v1", "T | take 1")
	if len(k) != 64 || k == CacheKey("v2", "T | take 1") || k == CacheKey("v1", "T | take 2") || k != CacheKey("v1", "T | take 1") {
		t.Errorf("cache keys do not depend on version and query alone")
	}
}

func TestOracleVersion(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"dependencies": {"@kusto/language-service-next": "12.4.1"}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "oracle.js"), []byte(`a`), 0o644)
	v1 := OracleVersion(dir)
	if !strings.HasPrefix(v1, "@kusto/language-service-next@12.4.1+") {
		t.Errorf("version %q does not name the package", v1)
	}
	os.WriteFile(filepath.Join(dir, "oracle.js"), []byte(`b`), 0o644)
	if OracleVersion(dir) == v1 {
		t.Errorf("a changed oracle.js keeps the version %q", v1)
	}
}

func TestAnswerColumnNames(t *testing.T) {
	a := &Answer{Columns: []string{"Count:long", "a_b:string", "x:unknown"}}
	if got, ok := a.ColumnNames(); !ok || !slices.Equal(got, []string{"Count", "a_b", "x"}) {
		t.Errorf("ColumnNames = %v, %v", got, ok)
	}
	var scalar Answer
	json.Unmarshal([]byte(`{"columns": null}`), &scalar)
	if _, ok := scalar.ColumnNames(); ok {
		t.Errorf("a null columns list reads as a table")
	}
	var empty Answer
	json.Unmarshal([]byte(`{"columns": []}`), &empty)
	if _, ok := empty.ColumnNames(); !ok {
		t.Errorf("an empty columns list reads as no table")
	}
}
