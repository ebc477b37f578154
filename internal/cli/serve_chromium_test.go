package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/web/cdp"
)

// The end-to-end test of the website: `ruledex serve` on the embedded
// examples (or on RULEDEX_E2E_DB, a catalog built with ruledex build, or on
// the rule folders of RULEDEX_E2E_SOURCES, separated by the OS's list
// separator) on a loopback port, driven by headless Chromium over the DevTools protocol. It
// types "runCommand" into the home page's search box, opens the rule from the
// results, checks the rule page, switches the theme, follows an ATT&CK
// technique link and a "same action" link, and saves screenshots of the rule
// page (wide and phone-sized) to RULEDEX_E2E_SCREENSHOTS, a folder, or to the
// test's temporary folder. Every page must load without a script error or a
// Content-Security-Policy violation.

// e2eRules are the rules the test opens, the first found in the search
// results: the seed page's rule (in the corpus), else the embedded examples'
// run-command detection. RULEDEX_E2E_RULE names another.
var e2eRules = []string{"kusto/DetectAzureScriptOrRunCommandByRiskyUser", "kusto/VMRunCommandByUncommonCaller"}

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
	t.Fatalf("serve did not start:\n%s", strings.Join(log, "\n"))
	return "", nil
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

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
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

type anchor struct {
	Href string `json:"href"` // as written in the page
	Text string `json:"text"`
}

// anchors returns the links matched by a CSS selector.
func anchors(t *testing.T, ctx context.Context, p *cdp.Page, selector string) []anchor {
	t.Helper()
	var out []anchor
	js := `Array.from(document.querySelectorAll(` + jsString(selector) + `)).map(a => ({href: a.getAttribute("href"), text: a.textContent.trim()}))`
	if err := p.Eval(ctx, js, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// click clicks the link of selector whose href is href and waits for the
// next page.
func click(t *testing.T, ctx context.Context, p *cdp.Page, selector, href string) {
	t.Helper()
	js := `(() => { const a = Array.from(document.querySelectorAll(` + jsString(selector) + `)).find(a => a.getAttribute("href") === ` + jsString(href) + `); a.click(); })()`
	if err := p.Do(ctx, js); err != nil {
		t.Fatalf("click %s: %v", href, err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func evalString(t *testing.T, ctx context.Context, p *cdp.Page, js string) string {
	t.Helper()
	var s string
	if err := p.Eval(ctx, js, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// screenshot saves a PNG of the whole page at the given width and checks it.
func screenshot(t *testing.T, ctx context.Context, p *cdp.Page, dir, name string, width, height int, mobile bool) {
	t.Helper()
	if err := p.SetViewport(ctx, width, height, mobile); err != nil {
		t.Fatal(err)
	}
	shot, err := p.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if cfg.Width != width || cfg.Height < height {
		t.Errorf("%s: %dx%d, want %d wide and at least %d high", name, cfg.Width, cfg.Height, width, height)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s: %dx%d, %d bytes", path, cfg.Width, cfg.Height, len(shot))
}

func TestServeChromium(t *testing.T) {
	bin := cdp.Find()
	if bin == "" {
		t.Skip("headless Chromium not installed (apt-get install -y chromium; .ci/run installs it): skipping the end-to-end test")
	}
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	var args []string
	if db := os.Getenv("RULEDEX_E2E_DB"); db != "" {
		args = []string{"--db", db}
	} else if src := os.Getenv("RULEDEX_E2E_SOURCES"); src != "" {
		args = filepath.SplitList(src)
	}
	rules := e2eRules
	if id := os.Getenv("RULEDEX_E2E_RULE"); id != "" {
		rules = []string{id}
	}
	base := startServe(t, args...)
	shots := os.Getenv("RULEDEX_E2E_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	b, err := cdp.Launch(ctx, bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.Page(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	start := p.Mark()
	defer func() {
		if probs := p.Problems(start); len(probs) > 0 {
			t.Errorf("the browser reported problems:\n%s", strings.Join(probs, "\n"))
		}
	}()

	// 1. The home page's search box: type runCommand and submit.
	if err := p.Navigate(ctx, base+"/"); err != nil {
		t.Fatal(err)
	}
	err = p.Do(ctx, `(() => { const f = document.querySelector("main form[role=search]"); f.querySelector("input[name=q]").value = "runCommand"; f.requestSubmit(); })()`)
	if err != nil {
		t.Fatal(err)
	}
	if got := evalString(t, ctx, p, "location.pathname + location.search"); got != "/search/?q=runCommand" {
		t.Errorf("search went to %s", got)
	}
	if n := evalString(t, ctx, p, `String(document.querySelectorAll(".hits mark").length)`); n == "0" {
		t.Error("search results mark no match")
	}
	hits := anchors(t, ctx, p, ".hits a.title")
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
		t.Fatalf("the search for runCommand finds none of %v: %v", rules, hits)
	}
	t.Logf("opening %s (%d hits)", id, len(hits))

	// 2. Open the rule from the results.
	click(t, ctx, p, ".hits a.title", href)
	var r ruleJSON
	getJSON(t, base+"/api/v1/rules/"+id, &r)
	if got := evalString(t, ctx, p, "location.pathname"); got != href {
		t.Fatalf("the rule link went to %s", got)
	}
	if got := evalString(t, ctx, p, `document.querySelector("h1").textContent`); got != r.Title {
		t.Errorf("rule page title %q, want %q", got, r.Title)
	}
	// Every section of DESIGN.md's list, in its order.
	var sections []string
	if err := p.Eval(ctx, `Array.from(document.querySelectorAll("article.rule > section")).map(s => s.id)`, &sections); err != nil {
		t.Fatal(err)
	}
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
	if got := evalString(t, ctx, p, `document.getElementById("query").textContent`); got != r.Query {
		t.Errorf("highlighted body differs from the query:\n%s\nwant:\n%s", got, r.Query)
	}
	if n := evalString(t, ctx, p, `String(document.querySelectorAll("#query span.k").length)`); n == "0" {
		t.Error("rule body has no highlighted keyword")
	}
	// The theme toggle switches the colours.
	bg := `getComputedStyle(document.body).backgroundColor`
	before := evalString(t, ctx, p, bg)
	if err := p.Eval(ctx, `document.getElementById("theme").click()`, nil); err != nil {
		t.Fatal(err)
	}
	after := evalString(t, ctx, p, bg)
	theme := evalString(t, ctx, p, `document.documentElement.getAttribute("data-theme") || ""`)
	if before == after || theme == "" {
		t.Errorf("theme toggle: background %s → %s, data-theme %q", before, after, theme)
	}
	p.Eval(ctx, `document.getElementById("theme").click()`, nil) // back to the first theme

	// 3. Screenshots: wide, and phone-sized with nothing wider than the screen.
	screenshot(t, ctx, p, shots, "rule.png", 1280, 900, false)
	screenshot(t, ctx, p, shots, "rule-phone.png", 390, 844, true)
	if w := evalString(t, ctx, p, "String(document.documentElement.scrollWidth)"); w != "390" {
		t.Errorf("the rule page is %s px wide on a 390 px phone screen", w)
	}
	if err := p.SetViewport(ctx, 1280, 900, false); err != nil {
		t.Fatal(err)
	}

	// 4. An ATT&CK technique link: the technique's page lists the rule.
	techs := anchors(t, ctx, p, `#attack a[href^="/attack/"]`)
	if len(techs) == 0 {
		t.Fatalf("rule page has no technique link (the rule states %d techniques)", len(r.Techniques))
	}
	click(t, ctx, p, `#attack a[href^="/attack/"]`, techs[0].Href)
	if got := evalString(t, ctx, p, "location.pathname"); got != techs[0].Href {
		t.Errorf("technique link went to %s", got)
	}
	if back := anchors(t, ctx, p, `.hits a.title[href="`+href+`"]`); len(back) == 0 {
		t.Errorf("technique page %s does not list %s", techs[0].Href, id)
	}

	// 5. A same-action link, back on the rule page.
	if err := p.Navigate(ctx, base+href); err != nil {
		t.Fatal(err)
	}
	same := anchors(t, ctx, p, `#same-action a[href^="/rules/"]`)
	if len(same) == 0 {
		if len(r.SameAction) > 0 {
			t.Fatalf("the rule has %d same-action rules but its page links none", len(r.SameAction))
		}
		note := evalString(t, ctx, p, `(document.querySelector("#same-action p") || {}).textContent || ""`)
		t.Skipf("%s has no rule detecting the same action in this catalog (%q): the same-action step is skipped; every other step passed", id, note)
	}
	click(t, ctx, p, `#same-action a[href^="/rules/"]`, same[0].Href)
	if got := evalString(t, ctx, p, "location.pathname"); got != same[0].Href {
		t.Errorf("same-action link went to %s", got)
	}
	otherID, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(same[0].Href, "/rules/"), "/"))
	title := evalString(t, ctx, p, `document.querySelector("h1").textContent`)
	if !strings.Contains(same[0].Text, title) {
		t.Errorf("same-action link %q (%s) leads to a page titled %q", same[0].Text, otherID, title)
	}
}
