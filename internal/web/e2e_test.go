package web

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
)

// The end-to-end test drives headless Chromium over the served site: it
// searches "runCommand", opens DetectAzureScriptOrRunCommandByRiskyUser,
// follows a same-action link and a technique link, and saves a screenshot of
// the rule page. Chromium loads every page and runs its scripts; the test
// reads the DOM Chromium dumps and follows the links found in it. It also
// opens the static export from disk and runs its client-side search.

const seedID = "kusto/DetectAzureScriptOrRunCommandByRiskyUser"

func chromiumPath(t *testing.T) string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skip("headless Chromium not installed (apt-get install -y chromium): skipping the end-to-end test")
	return ""
}

// chrome runs headless Chromium with args and returns its standard output.
func chrome(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
		"--no-first-run", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=5000"}
	out, err := exec.CommandContext(ctx, bin, append(base, args...)...).Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return string(out)
}

// dom returns the DOM of u after Chromium loaded it and ran its scripts.
func dom(t *testing.T, bin, u string) string {
	t.Helper()
	return chrome(t, bin, "--dump-dom", u)
}

// section returns the HTML of the <section id=id> of a page.
func section(page, id string) string {
	i := strings.Index(page, `<section id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(page[i:], "</section>")
	if j < 0 {
		return page[i:]
	}
	return page[i : i+j]
}

var anchorRE = regexp.MustCompile(`<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>`)

// e2eCatalog is the corpus catalog when the corpus holds the seed rule with
// its links, else the test catalog.
func e2eCatalog(t *testing.T) (*StoreCatalog, string) {
	if os.Getenv("RULEDEX_CORPUS") != "" || dirExists(filepath.Join("..", "..", "..", "shared", "corpus")) {
		// Read the whole corpus only when the seed rule can be read at all.
		seeds, err := ingest.Read(t.Context(), []ingest.Target{{Repo: "hybridbrothers-seeds", Path: filepath.Join(corpusDir(t), "hybridbrothers-seeds")}}, ingest.Options{})
		found := false
		for _, fr := range seeds {
			for _, r := range fr.Rules {
				found = found || r.ID == seedID
			}
		}
		if err != nil || !found {
			t.Logf("the corpus's %s cannot be read yet (no KQL front end): using the test catalog", seedID)
			return testCatalog(t), "test catalog"
		}
		rs := corpusRules(t)
		catalog.CrossReference(rs)
		for _, r := range rs {
			if r.ID == seedID && len(r.SameAction) > 0 && len(r.Techniques) > 0 {
				return catalogOf(t, rs), "corpus"
			}
		}
		t.Logf("the corpus catalog has no %s with same-action links yet (no KQL front end): using the test catalog", seedID)
	}
	return testCatalog(t), "test catalog"
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func TestEndToEndChromium(t *testing.T) {
	bin := chromiumPath(t)
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	cat, which := e2eCatalog(t)
	t.Logf("catalog: %s", which)
	s, err := New(cat)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	abs := func(href string) string {
		u, err := url.Parse(ts.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		ref, err := url.Parse(strings.ReplaceAll(href, "&amp;", "&"))
		if err != nil {
			t.Fatal(err)
		}
		return u.ResolveReference(ref).String()
	}

	// 1. Search "runCommand".
	results := dom(t, bin, ts.URL+"/search?q=runCommand")
	var rulePage string
	for _, m := range anchorRE.FindAllStringSubmatch(results, -1) {
		if strings.Contains(m[1], "/rules/kusto/DetectAzureScriptOrRunCommandByRiskyUser/") {
			rulePage = abs(m[1])
			break
		}
	}
	if rulePage == "" {
		t.Fatalf("search results have no link to %s:\n%.2000s", seedID, results)
	}
	if !strings.Contains(results, "<mark>") {
		t.Error("search results mark no match")
	}

	// 2. Open the rule.
	page := dom(t, bin, rulePage)
	r, _ := cat.Rule(t.Context(), seedID)
	for _, want := range []string{r.Title, "Rules detecting the same action", "Stages and predicates", "Output fields", `class="code hl"`} {
		if !strings.Contains(page, strings.ReplaceAll(want, "&", "&amp;")) && !strings.Contains(page, want) {
			t.Errorf("rule page lacks %q", want)
		}
	}

	// 3. Follow a same-action link.
	same := anchorRE.FindAllStringSubmatch(section(page, "same-action"), -1)
	if len(same) == 0 {
		t.Fatal("no same-action link on the rule page")
	}
	other := dom(t, bin, abs(same[0][1]))
	if !strings.Contains(other, "<h1>") || strings.Contains(other, "404") && strings.Contains(other, "not found") {
		t.Errorf("same-action link %s does not lead to a rule page", same[0][1])
	}
	var sa rule.RuleRef = r.SameAction[0]
	if !strings.Contains(other, escText(sa.Title)) {
		t.Errorf("same-action page lacks the title %q", sa.Title)
	}

	// 4. Follow a technique link.
	tech := anchorRE.FindAllStringSubmatch(section(page, "attack"), -1)
	if len(tech) == 0 {
		t.Fatal("no technique link on the rule page")
	}
	tp := dom(t, bin, abs(tech[0][1]))
	if !strings.Contains(tp, escText(r.Title)) {
		t.Errorf("technique page %s does not list the rule", tech[0][1])
	}

	// 5. A screenshot of the rule page, in the light and the dark theme's default.
	shot := filepath.Join(os.TempDir(), "ruledex-e2e-rule.png")
	if p := os.Getenv("RULEDEX_SCREENSHOT"); p != "" {
		shot = p
	}
	chrome(t, bin, "--window-size=1280,2400", "--screenshot="+shot, rulePage)
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("screenshot %s: %v", shot, err)
	} else {
		t.Logf("screenshot of %s: %s (%d bytes)", rulePage, shot, st.Size())
	}
	phone := filepath.Join(filepath.Dir(shot), "ruledex-e2e-rule-phone.png")
	chrome(t, bin, "--window-size=390,1800", "--screenshot="+phone, rulePage)
	t.Logf("phone-width screenshot: %s", phone)

	// 6. The static export, opened from disk: its client-side search finds the rule.
	dir := t.TempDir()
	if _, err := Export(t.Context(), cat, dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	sp := dom(t, bin, "file://"+filepath.Join(dir, "search", "index.html")+"?q=runCommand")
	if !strings.Contains(sp, "DetectAzureScriptOrRunCommandByRiskyUser/index.html") || !strings.Contains(sp, "<mark>") {
		t.Errorf("the export's search finds nothing for runCommand:\n%.1500s", sp)
	}
	rp := dom(t, bin, "file://"+filepath.Join(dir, "rules", "kusto", "DetectAzureScriptOrRunCommandByRiskyUser", "index.html"))
	if !strings.Contains(rp, "Rules detecting the same action") {
		t.Error("the exported rule page does not load from disk")
	}
}

// escText escapes s as a dumped DOM shows text.
func escText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
