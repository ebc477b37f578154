package bench

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"
	"unicode"

	"github.com/ruledex/ruledex/internal/store"
	"github.com/ruledex/ruledex/internal/web"
)

// fixedSearches are searches of every form the search box takes: words,
// identifiers with separators, phrases, prefixes, negations, OR, facets
// alone and with text, a second page.
var fixedSearches = []store.Query{
	{Text: "powershell"},
	{Text: "runCommand"},
	{Text: "Microsoft.Compute/virtualMachines/runCommand/action"},
	{Text: "mimikatz"},
	{Text: `"encoded command"`},
	{Text: "lsass dump"},
	{Text: "cmd.exe -whoami"},
	{Text: "certutil*"},
	{Text: "password OR credential"},
	{Text: "T1059.001"},
	{Text: "SigninLogs"},
	{Text: "process_creation"},
	{Text: "rundll32 javascript"},
	{Text: "registry run keys persistence"},
	{Text: "aws cloudtrail"},
	{Text: ""},
	{Facets: map[string][]string{"platform": {"sigma"}}},
	{Text: "powershell", Facets: map[string][]string{"technique": {"T1059.001"}}},
	{Text: "schtasks", Page: 2},
	{Text: "net user add"},
}

// searchQueries returns n searches: the fixed ones, then the most common
// tables (as text and as facets) and techniques (as facets), then words of
// the titles of rules spread over the catalog (one word, two words, a word
// within the rule's platform), each text once.
func searchQueries(ctx context.Context, d *store.DB, n int) ([]store.Query, string, error) {
	qs := append([]store.Query(nil), fixedSearches[:min(len(fixedSearches), n/3)]...)
	fixed := len(qs)
	facets := 0
	tables, err := d.FacetValues(ctx, "table")
	if err != nil {
		return nil, "", err
	}
	techs, err := d.FacetValues(ctx, "technique")
	if err != nil {
		return nil, "", err
	}
	k := n / 15
	for i := 0; i < k && i < len(tables); i++ {
		if i%2 == 0 {
			qs = append(qs, store.Query{Text: words(tables[i].Value)})
		} else {
			qs = append(qs, store.Query{Facets: map[string][]string{"table": {tables[i].Value}}})
		}
		facets++
	}
	for i := 0; i < k && i < len(techs); i++ {
		qs = append(qs, store.Query{Facets: map[string][]string{"technique": {techs[i].Value}}})
		facets++
	}
	ids, err := d.IDs(ctx)
	if err != nil {
		return nil, "", err
	}
	// Each text from the titles is searched once: a text searched again
	// (another page, a facet added) reuses its ranking, and the figure is
	// of searches made afresh.
	seen := map[string]bool{}
	for _, q := range qs {
		seen[q.Text] = true
	}
	fromTitles := 0
	want := n - len(qs)
	for _, id := range spread(ids) {
		if fromTitles >= want {
			break
		}
		r, err := d.Rule(ctx, id)
		if err != nil {
			return nil, "", err
		}
		ws := titleWords(r.Title)
		if len(ws) == 0 {
			continue
		}
		var q store.Query
		switch fromTitles % 3 {
		case 0:
			q.Text = longest(ws)
		case 1:
			q.Text = strings.Join(ws[:min(2, len(ws))], " ")
		case 2:
			q.Text = ws[len(ws)-1]
			q.Facets = map[string][]string{"platform": {r.Platform}}
		}
		if seen[q.Text] {
			continue
		}
		seen[q.Text] = true
		qs = append(qs, q)
		fromTitles++
	}
	how := fmt.Sprintf("%d fixed, %d tables and techniques, %d from rule titles", fixed, facets, fromTitles)
	return qs, how, nil
}

// words turns a name into the words of a search (log source paths such as
// windows/process_creation keep their separators).
func words(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '"' }), " ")
}

// titleWords returns the words of a title of four letters or more,
// lower-cased, letters and digits only.
func titleWords(title string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) >= 4 && w != "with" && w != "from" && w != "that" && w != "this" {
			out = append(out, strings.ToLower(w))
		}
	}
	return out
}

func longest(ws []string) string {
	best := ws[0]
	for _, w := range ws[1:] {
		if len(w) > len(best) {
			best = w
		}
	}
	return best
}

// measureSearch times store.Search (first page of 20 hits with facet counts
// and snippets) over a few hundred searches on the catalog at db.
func measureSearch(ctx context.Context, db string, quick bool, rep *Report) error {
	d, err := store.Open(db)
	if err != nil {
		return err
	}
	defer d.Close()
	t0 := time.Now()
	if _, err := d.Search(ctx, store.Query{Text: "process"}); err != nil {
		return err
	}
	rep.FirstSearch = time.Since(t0)
	// Warmed as serve warms it at its start (store.DB.WarmSearch).
	t0 = time.Now()
	held, err := d.WarmSearch(ctx)
	if err != nil {
		return err
	}
	warm := time.Since(t0)
	n := 300
	if quick {
		n = 30
	}
	qs, how, err := searchQueries(ctx, d, n)
	if err != nil {
		return err
	}
	rep.SearchQueries = fmt.Sprintf("%s; after the warming a server does at its start (%d frequent terms, %s)", how, held, warm.Round(time.Millisecond))
	lat := make([]time.Duration, 0, len(qs))
	cpu0 := processCPU()
	for _, q := range qs {
		t := time.Now()
		if _, err := d.Search(ctx, q); err != nil {
			return fmt.Errorf("search %q: %w", q.Text, err)
		}
		lat = append(lat, time.Since(t))
	}
	rep.Search = Summarize(lat)
	rep.Search.CPU = processCPU() - cpu0
	return nil
}

// measurePages renders rule pages through the web handler over the catalog
// at db (as `ruledex serve --db` makes them), with httptest, one after
// another, each rule once, for latency. (Throughput is measured on the
// server itself, measureServe.)
func measurePages(ctx context.Context, db string, quick bool, rep *Report) error {
	cat, err := web.OpenStore(db)
	if err != nil {
		return err
	}
	defer cat.Close()
	srv, err := web.New(cat)
	if err != nil {
		return err
	}
	ids, err := cat.RuleIDs(ctx)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("the catalog has no rule")
	}
	n := 500
	if quick {
		n = 30
	}
	seq := spread(ids)[:min(n, len(ids))]
	// Warm up: the home page, which loads what every page shares.
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	lat := make([]time.Duration, 0, len(seq))
	var bytes int64
	cpu0 := processCPU()
	for _, id := range seq {
		w := httptest.NewRecorder()
		t := time.Now()
		srv.ServeHTTP(w, httptest.NewRequest("GET", web.RulePath(id), nil))
		lat = append(lat, time.Since(t))
		if w.Code != 200 {
			return fmt.Errorf("%s: status %d", web.RulePath(id), w.Code)
		}
		bytes += int64(w.Body.Len())
	}
	rep.Pages = Summarize(lat)
	rep.Pages.CPU = processCPU() - cpu0
	rep.PagesPerSec = float64(len(seq)) / rep.Pages.Total.Seconds()
	rep.PageBytes = float64(bytes) / float64(len(seq))
	return nil
}

// spread returns ids in an order that spreads over the whole list (a
// stride prime to its length), each once.
func spread(ids []string) []string {
	n := len(ids)
	if n == 0 {
		return nil
	}
	stride := 7919 % n
	for stride == 0 || gcd(stride, n) != 1 {
		stride++
	}
	out := make([]string, n)
	for i := range out {
		out[i] = ids[(i*stride)%n]
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
