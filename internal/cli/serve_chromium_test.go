package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ruledex/ruledex/internal/build/buildtest"
)

// The end-to-end test of the website, in headless Chromium driven through
// chromedp (browser_test.go). It runs `ruledex serve` on a loopback port
// and walks it as a reader does: it types "runCommand" into the home page's
// search box, opens the rule from the results, checks the rule page,
// switches the theme, takes screenshots of the rule page (wide and
// phone-sized), and follows an ATT&CK technique link and a "same action"
// link. It does so on the embedded examples, and on a second catalog when
// one is given: RULEDEX_E2E_DB (a catalog built with ruledex build), or the
// rule folders of RULEDEX_E2E_SOURCES (separated by the OS's list
// separator), else the corpus (RULEDEX_CORPUS or ../shared/corpus, built
// with ruledex build) and its seed rule. Then it writes the static site
// (`ruledex export site`), opens it from disk (file://), searches it with
// its client-side search and opens a rule from the results. Every page must
// load without a script error, a console error or a Content-Security-Policy
// violation (a probe shows first that the test sees them).
//
// Screenshots go to RULEDEX_E2E_SCREENSHOTS, a folder, or to the test's
// temporary folder; RULEDEX_E2E_RULE names the rule to open.

// The rules the walks open, the first found in the search results: the
// corpus's seed rule, and the embedded examples' run-command detection.
const (
	e2eSeedRule    = "kusto/DetectAzureScriptOrRunCommandByRiskyUser"
	e2eExampleRule = "kusto/VMRunCommandByUncommonCaller"
)

// startServe runs `ruledex serve` with args on a free loopback port and
// returns its base URL; the server stops when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	base, _ := startServeLog(t, args...)
	return base
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startServeLog is startServe that also returns what the server writes to
// its standard error after it started.
func startServeLog(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), io.Discard, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	// A server that has not started within serveStartTimeout is stopped
	// (its context cancelled), which ends the scan below.
	late := time.AfterFunc(serveStartTimeout, cancel)
	defer late.Stop()
	sc := bufio.NewScanner(pr)
	var log []string
	for sc.Scan() {
		log = append(log, sc.Text())
		if _, u, ok := strings.Cut(sc.Text(), "serving on "); ok {
			rest := &syncBuffer{}
			go io.Copy(rest, pr)
			return strings.TrimSuffix(u, "/"), rest
		}
	}
	t.Fatalf("serve did not start (within %s):\n%s", serveStartTimeout, strings.Join(log, "\n"))
	return "", nil
}

// serveStartTimeout bounds the start of `ruledex serve` (the embedded
// examples or SOURCE folders are built into a catalog first).
const serveStartTimeout = 3 * time.Minute

// runBounded runs a ruledex command in this process within timeout and
// returns its standard error and exit status.
func runBounded(t *testing.T, timeout time.Duration, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	var errb bytes.Buffer
	code := Run(ctx, args, io.Discard, &errb)
	if ctx.Err() != nil {
		t.Fatalf("ruledex %s: not done within %s: %s", strings.Join(args, " "), timeout, errb.String())
	}
	return errb.String(), code
}

// ruleJSON is what the test reads of the API's rule.
type ruleJSON struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Query      string `json:"query"`
	Techniques []struct {
		ID string `json:"id"`
	} `json:"techniques"`
	SameAction []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"same_action"`
}

// getJSON reads u's JSON into v, within a step's timeout.
func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), stepTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestServeChromium(t *testing.T) {
	chromiumPath(t)
	if testing.Short() {
		t.Skip("end-to-end browser test skipped in -short mode")
	}
	shots := os.Getenv("RULEDEX_E2E_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	rule := os.Getenv("RULEDEX_E2E_RULE")

	t.Run("examples", func(t *testing.T) {
		rules := []string{e2eExampleRule}
		if rule != "" {
			rules = []string{rule}
		}
		walkServe(t, startServe(t), rules, filepath.Join(shots, "examples"), true)
	})

	t.Run("catalog", func(t *testing.T) {
		var args []string
		rules := []string{e2eSeedRule, e2eExampleRule}
		if db := os.Getenv("RULEDEX_E2E_DB"); db != "" {
			args = []string{"--db", db}
		} else if src := os.Getenv("RULEDEX_E2E_SOURCES"); src != "" {
			args = filepath.SplitList(src)
		} else {
			if raceEnabled {
				t.Skip("a build of the whole corpus under the race detector: the walk over the corpus runs without -race")
			}
			corpus := buildtest.CorpusDir(t) // skips without a corpus
			db := filepath.Join(t.TempDir(), "corpus.db")
			if errs, code := runBounded(t, 15*time.Minute, "build", "--quiet", "--db", db, corpus); code != 0 {
				t.Fatalf("ruledex build %s: exit %d: %s", corpus, code, errs)
			}
			args = []string{"--db", db}
			rules = []string{e2eSeedRule}
		}
		if rule != "" {
			rules = []string{rule}
		}
		t.Logf("serve %s", strings.Join(args, " "))
		walkServe(t, startServe(t, args...), rules, filepath.Join(shots, "catalog"), false)
	})

	t.Run("export", func(t *testing.T) {
		r := e2eExampleRule
		if rule != "" && os.Getenv("RULEDEX_E2E_DB") == "" && os.Getenv("RULEDEX_E2E_SOURCES") == "" {
			r = rule
		}
		walkExport(t, r, filepath.Join(shots, "export"))
	})
}

// walkServe walks the site served at base: search, the first of rules found
// in the results, its page, the theme, screenshots, a technique link and a
// same-action link. With probe, it first shows that the browser's problems
// are seen.
func walkServe(t *testing.T, base string, rules []string, shots string, probe bool) {
	tb := newTab(t)
	defer tb.check("the last page")

	// 1. The home page's search box: type runCommand and submit.
	tb.navigate(base + "/")
	if probe {
		tb.probe()
	}
	tb.check("home page")
	tb.do("type runCommand", chromedp.SendKeys(chromedp.CSS("main form[role=search] input[name=q]"), "runCommand"))
	tb.clickAndLoad("main form[role=search] button[type=submit]")
	tb.check("search results")
	if got := evalJS[string](tb, "location.pathname + location.search"); got != "/search/?q=runCommand" {
		t.Errorf("the search went to %s", got)
	}
	if n := evalJS[int](tb, `document.querySelectorAll(".hits mark").length`); n == 0 {
		t.Error("the search results mark no match")
	}
	hits := tb.anchors(".hits a.title")
	var id, href string
	for _, want := range rules {
		for _, a := range hits {
			if a.Href == "/rules/"+want+"/" {
				id, href = want, a.Href
				break
			}
		}
		if id != "" {
			break
		}
	}
	if id == "" {
		t.Fatalf("the search for runCommand finds none of %v in %d results: %v", rules, len(hits), hits)
	}
	t.Logf("opening %s (%d results)", id, len(hits))
	tb.screenshot(shots, "search.png", 1280, 900, false)

	// 2. Open the rule from the results.
	tb.clickAndLoad(`.hits a.title[href=` + cssString(href) + `]`)
	tb.check("rule page")
	var r ruleJSON
	getJSON(t, base+"/api/v1/rules/"+id, &r)
	if got := evalJS[string](tb, "location.pathname"); got != href {
		t.Fatalf("the rule link went to %s, want %s", got, href)
	}
	checkRulePage(t, tb, r)

	// The theme toggle switches the colours, and back.
	bg := `getComputedStyle(document.body).backgroundColor`
	before := evalJS[string](tb, bg)
	tb.do("switch the theme", chromedp.Click(chromedp.ID("theme")))
	after := evalJS[string](tb, bg)
	theme := evalJS[string](tb, `document.documentElement.getAttribute("data-theme") || ""`)
	if before == after || theme == "" {
		t.Errorf("theme toggle: background %s → %s, data-theme %q", before, after, theme)
	}
	tb.screenshot(shots, "rule-"+theme+".png", 1280, 900, false)
	tb.do("switch the theme back", chromedp.Click(chromedp.ID("theme")))
	if again := evalJS[string](tb, bg); again != before {
		t.Errorf("theme toggled twice: background %s, want %s", again, before)
	}

	// 3. Screenshots: wide, and phone-sized with nothing wider than the screen.
	tb.screenshot(shots, "rule.png", 1280, 900, false)
	tb.screenshot(shots, "rule-phone.png", 390, 844, true)
	if w := evalJS[int](tb, "document.documentElement.scrollWidth"); w != 390 {
		t.Errorf("the rule page is %d px wide on a 390 px phone screen", w)
	}
	tb.setViewport(1280, 900, false)
	tb.check("rule page, theme and screenshots")

	// 4. An ATT&CK technique link: the technique's page lists the rule.
	techs := tb.anchors(`#attack a[href^="/attack/"]`)
	if len(techs) == 0 {
		t.Fatalf("the rule page has no technique link (the rule states %d techniques)", len(r.Techniques))
	}
	tb.clickAndLoad(`#attack a[href=` + cssString(techs[0].Href) + `]`)
	tb.check("technique page " + techs[0].Href)
	if got := evalJS[string](tb, "location.pathname"); got != techs[0].Href {
		t.Errorf("the technique link went to %s, want %s", got, techs[0].Href)
	}
	if back := tb.anchors(`.hits a.title[href=` + cssString(href) + `]`); len(back) == 0 {
		t.Errorf("the technique page %s does not list %s", techs[0].Href, id)
	}

	// 5. A same-action link, back on the rule page.
	tb.navigate(base + href)
	same := tb.anchors(`#same-action a[href^="/rules/"]`)
	if len(same) == 0 {
		t.Fatalf("%s has %d rules detecting the same action but its page links none", id, len(r.SameAction))
	}
	tb.clickAndLoad(`#same-action a[href=` + cssString(same[0].Href) + `]`)
	tb.check("same-action rule page " + same[0].Href)
	if got := evalJS[string](tb, "location.pathname"); got != same[0].Href {
		t.Errorf("the same-action link went to %s, want %s", got, same[0].Href)
	}
	otherID, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(same[0].Href, "/rules/"), "/"))
	var other ruleJSON
	getJSON(t, base+"/api/v1/rules/"+otherID, &other)
	if title := evalJS[string](tb, `document.querySelector("h1").textContent`); title != other.Title || !strings.Contains(same[0].Text, title) {
		t.Errorf("the same-action link %q (%s) leads to a page titled %q, want %q", same[0].Text, otherID, title, other.Title)
	}
}

// checkRulePage checks the rule page in the tab against the rule's JSON:
// its title, every section of DESIGN.md's list in its order, and the
// highlighted body.
func checkRulePage(t *testing.T, tb *tab, r ruleJSON) {
	t.Helper()
	if got := evalJS[string](tb, `document.querySelector("h1").textContent`); got != r.Title {
		t.Errorf("rule page title %q, want %q", got, r.Title)
	}
	sections := evalJS[[]string](tb, `Array.from(document.querySelectorAll("article.rule > section")).map(s => s.id)`)
	order := []string{"attack", "events", "same-action", "body", "stages", "indicators", "outputs", "explanation", "terms"}
	at := 0
	for _, s := range sections {
		if at < len(order) && s == order[at] {
			at++
		}
	}
	if at < len(order) {
		t.Errorf("rule page sections %v: %q missing or out of order", sections, order[at])
	}
	// The highlighted body shows exactly the rule's query, in coloured tokens.
	if got := evalJS[string](tb, `document.getElementById("query").textContent`); got != r.Query {
		t.Errorf("the highlighted body differs from the query:\n%s\nwant:\n%s", got, r.Query)
	}
	if n := evalJS[int](tb, `document.querySelectorAll("#query span.k").length`); n == 0 {
		t.Error("the rule body has no highlighted keyword")
	}
}

// walkExport writes the static site of the embedded examples with `ruledex
// export site`, opens it from disk, searches runCommand from its home page
// with the client-side search, and opens rule id from the results.
func walkExport(t *testing.T, id, shots string) {
	dir := t.TempDir()
	if errs, code := runBounded(t, 5*time.Minute, "export", "site", dir); code != 0 {
		t.Fatalf("ruledex export site: exit %d: %s", code, errs)
	}
	tb := newTab(t)
	defer tb.check("the last page")
	home := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "index.html"))}).String()
	tb.navigate(home)
	tb.check("exported home page")
	tb.do("type runCommand", chromedp.SendKeys(chromedp.CSS("main form[role=search] input[name=q]"), "runCommand"))
	tb.clickAndLoad("main form[role=search] button[type=submit]")
	tb.check("exported search page")
	loc := evalJS[string](tb, "location.href")
	if !strings.HasPrefix(loc, "file://") || !strings.Contains(loc, "/search/") || !strings.HasSuffix(loc, "?q=runCommand") {
		t.Errorf("the exported home page's search went to %s", loc)
	}
	count := evalJS[string](tb, `document.getElementById("search-count").textContent`)
	hits := tb.anchors("#search-results a.title")
	if len(hits) == 0 {
		t.Fatalf("the exported search finds nothing for runCommand (%q)", count)
	}
	if n := evalJS[int](tb, `document.querySelectorAll("#search-results mark").length`); n == 0 {
		t.Error("the exported search results mark no match")
	}
	want := "/rules/" + id + "/index.html"
	var hit anchor
	for _, a := range hits {
		if strings.HasSuffix(a.URL, want) {
			hit = a
			break
		}
	}
	if hit.URL == "" {
		t.Fatalf("the exported search for runCommand (%q) has no link to %s: %v", count, want, hits)
	}
	t.Logf("exported search: %s; opening %s", count, hit.URL)
	tb.screenshot(shots, "search.png", 1280, 900, false)
	tb.setViewport(1280, 900, false)

	tb.clickAndLoad(`#search-results a.title[href=` + cssString(hit.Href) + `]`)
	tb.check("exported rule page")
	if got := evalJS[string](tb, "location.href"); got != hit.URL {
		t.Fatalf("the exported search result went to %s, want %s", got, hit.URL)
	}
	var r ruleJSON
	data, err := os.ReadFile(filepath.Join(dir, "api", "v1", "rules", filepath.FromSlash(id)+".json"))
	if err != nil {
		t.Fatalf("the export's rule JSON: %v", err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hit.Text, r.Title) {
		t.Errorf("the search result %q leads to %s, titled %q", hit.Text, id, r.Title)
	}
	checkRulePage(t, tb, r)
	tb.screenshot(shots, "rule.png", 1280, 900, false)
}
