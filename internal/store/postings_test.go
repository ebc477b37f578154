package store

import (
	"database/sql"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// TestFastRankIsFTS5s: a search ranked from the postings (postings.go)
// gives what FTS5's bm25 gives: the same hits in the same order, totals,
// facets, snippets and why each matched, for the bench's kinds of searches
// (searchMix; words of titles of rules spread over the catalog: the
// longest, the first two, the last within the rule's platform) and broad
// words with facets and far pages; and each fast ranking is FTS5's whole
// ranking, rule for rule.
func TestFastRankIsFTS5s(t *testing.T) {
	checkFastRank(t, corpusCatalog(t))
}

// TestFastRankAfterRowsReplaced: an incremental build deletes a changed
// rule's row of the search table and inserts its new one under the same
// rowid (FTS5 keeps the old hits until merged, behind a tombstone); the
// postings read from fts5vocab still rank as FTS5 does (a term whose rows
// disagree with FTS5's count is not held).
func TestFastRankAfterRowsReplaced(t *testing.T) {
	src := corpusCatalog(t)
	path := filepath.Join(t.TempDir(), "replaced.db")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var list string
	if err := db.QueryRow(`SELECT group_concat(rowid) FROM (SELECT rowid FROM search WHERE search MATCH 'process' LIMIT 600)`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	i := 0
	if err := eachInt(list, func(n int64) error {
		i++
		if _, err := db.Exec(`DELETE FROM search WHERE rowid = ?`, n); err != nil || i%3 == 0 {
			return err
		}
		_, err := db.Exec(`INSERT INTO search(rowid, title, description, query, fields, vals, meta, parts)
			VALUES (?, 'windows process creation', 'user detection', 'process process windows', '', 'cmd.exe',
			'windows//process_creation', 'windows process creation')`, n)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	checkFastRank(t, path)
}

func checkFastRank(t *testing.T, path string) {
	ctx := t.Context()
	slow, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	held, err := fast.WarmSearch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if held == 0 {
		t.Fatal("no term held")
	}
	qs := slices.Clone(searchMix)
	for _, text := range []string{"process_creation", "windows//process_creation", "windows/process_creation", "cmd.exe", "cmd.exe -whoami", "powershell.exe", "T1059.001", "process_creation windows", "cmd.exe OR powershell.exe", "process OR windows", "process -windows", "process user -windows -suspicious", "-process", "user OR detection -windows", "user detection OR suspicious",
		// Phrases of several terms, in every column or some (ranked in Go
		// from the terms' places).
		`"process creation"`, `"windows process creation"`, `"suspicious process" windows`, `"process creation" OR powershell`,
		`"process creation" -windows`, "title:process", "description:windows", `title:"process creation"`, "query:process_creation",
		"datamodel:Endpoint.Processes", "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational", "Endpoint.Processes.process_name",
		"windows/process_creation user",
		// Prefixes: every term they start held, or the rare ones read.
		"certutil*", "powershell*", "proc*", "windows/process_*", "title:susp*", `"process creat"*`, "logs-endpoint.events.process*",
		"winlogbeat-*", "cmd.ex* user", "mimi* OR certutil*", "zzzzqqq*", "susp* -windows"} {
		qs = append(qs, Query{Text: text}, Query{Text: text, Page: 5, Facets: map[string][]string{"platform": {"sigma"}}})
	}
	for _, text := range []string{"process", "windows", "suspicious", "detection", "process created", "powershell", "defender", "malicious", "event", "user"} {
		qs = append(qs,
			Query{Text: text},
			Query{Text: `"` + text + `"`},
			Query{Text: text, Page: 3},
			Query{Text: text, Facets: map[string][]string{"platform": {"sigma"}}},
			Query{Text: text, Facets: map[string][]string{"platform": {"sigma"}}, Page: 40},
			Query{Text: text, Facets: map[string][]string{"technique": {"T1059.001"}}},
			Query{Text: text, Facets: map[string][]string{"severity": {"high"}}, Page: 2, PerPage: 7},
			Query{Text: text, Browse: true, PerPage: 50},
			Query{Text: text, Sort: Sorts[0]},
		)
	}
	var titles []struct{ title, platform string }
	rows, err := slow.db.QueryContext(ctx, `SELECT title, platform FROM rules ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s struct{ title, platform string }
		if err := rows.Scan(&s.title, &s.platform); err != nil {
			t.Fatal(err)
		}
		titles = append(titles, s)
	}
	rows.Close()
	step := max(1, len(titles)/300)
	for i := 0; i < len(titles); i += step {
		var ws []string
		for _, w := range strings.FieldsFunc(titles[i].title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if len(w) >= 4 {
				ws = append(ws, strings.ToLower(w))
			}
		}
		if len(ws) == 0 {
			continue
		}
		switch (i / step) % 3 {
		case 0:
			qs = append(qs, Query{Text: slices.MaxFunc(ws, func(a, b string) int { return len(a) - len(b) })})
		case 1:
			qs = append(qs, Query{Text: strings.Join(ws[:min(2, len(ws))], " ")})
		case 2:
			qs = append(qs, Query{Text: ws[len(ws)-1], Facets: map[string][]string{"platform": {titles[i].platform}}})
		}
	}
	fastOnes := 0
	for _, q := range qs {
		want, err := slow.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fast.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: ranked in Go %d rules, %v; by FTS5 %d, %v", q, got.Total, hitIDs(got), want.Total, hitIDs(want))
			continue
		}
		expr, neg := ftsQuery(q.Text)
		if neg != "" && expr != "" {
			expr = "(" + expr + ") NOT (" + neg + ")"
		}
		tm, ok := fast.ranked.get(expr)
		if expr == "" || !ok || !tm.inGo() {
			continue
		}
		fastOnes++
		whole, err := slow.rankRange(ctx, expr, math.MinInt64, math.MaxInt64, nil, -1)
		if err != nil {
			t.Fatal(err)
		}
		ours := rankScored(tm, tm.set, len(tm.set))
		if len(ours) != len(whole) {
			t.Errorf("%q: %d rules ranked in Go, %d by FTS5", q.Text, len(ours), len(whole))
			continue
		}
		for i, s := range whole {
			if ours[i] != s.n {
				t.Errorf("%q: rule %d of the ranking is %d in Go, %d by FTS5 (score %v)", q.Text, i, ours[i], s.n, s.score)
				break
			}
		}
	}
	t.Logf("%d searches, %d ranked in Go (%d terms held, %d kB)", len(qs), fastOnes, held, fast.ranked.bm.Load().bytes()/1000)
	if fastOnes < 20 {
		t.Errorf("only %d searches ranked in Go", fastOnes)
	}
}

func hitIDs(r Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

// TestVarints: SQLite's varints as FTS5 writes its sizes.
func TestVarints(t *testing.T) {
	got, ok := varints([]byte{0x05, 0x81, 0x00, 0xff, 0x7f, 0x00})
	if !ok || !slices.Equal(got, []uint64{5, 128, 0x3fff, 0}) {
		t.Errorf("varints: %v", got)
	}
}

// TestSearchBeforeWarmRankedInGoAfter: a broad word searched before the
// postings are held (a server's first searches, made while it warms) is
// matched by FTS5 then, and ranked in Go once WarmSearch has held them (it
// was kept ranked by FTS5, 40 ms a search with a facet at 164,000 rules);
// the results are the same either way.
func TestSearchBeforeWarmRankedInGoAfter(t *testing.T) {
	ctx := t.Context()
	d, err := Open(corpusCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	q := Query{Text: "process", Facets: map[string][]string{"platform": {"splunk"}}}
	before, err := d.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	pos, _ := ftsQuery(q.Text)
	if tm, ok := d.ranked.get(pos); !ok || tm.inGo() || !tm.early {
		t.Fatalf("before warming: kept %v, ranked in Go, or not early: %+v", ok, tm)
	}
	if _, err := d.WarmSearch(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := d.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if tm, ok := d.ranked.get(pos); !ok || !tm.inGo() {
		t.Errorf("after warming: %q not ranked in Go", q.Text)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the search differs once ranked in Go:\n%+v\n%+v", before, after)
	}
}
