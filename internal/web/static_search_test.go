package web

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// staticSearchQueries are the searches the export's search must answer as
// the server does: words, phrases, -not, prefix*, OR, column:word, action
// names and ids, and facets (KEY=VALUE).
var staticSearchQueries = []struct {
	q      string
	facets []string
}{
	{"powershell", nil}, {"mimikatz", nil}, {"encoded command", nil}, {`"scheduled task"`, nil},
	{"lsass -sigma", nil}, {"certutil OR bitsadmin", nil}, {"invoke*", nil}, {"title:ransomware", nil},
	{"runCommand", nil}, {"Microsoft.Compute/virtualMachines/runCommand/action", nil}, {"4688", nil},
	{"DeviceProcessEvents", nil}, {"process.name", nil}, {"cmd.exe", nil}, {`"process creation"`, nil},
	{"rundll32 -regsvr32", nil}, {"T1059.001", nil}, {"credential dumping", nil}, {"detections", nil},
	{"persistence registry", nil}, {"-windows", nil}, {"AADUserRiskEvents", nil}, {"SigninLogs", nil},
	{"azure OR aws OR gcp", nil}, {"base64 decode", nil}, {"whoami", nil}, {"description:lateral", nil},
	{"field:CommandLine", nil}, {"value:vssadmin", nil}, {`"net user"`, nil}, {"psexec*", nil}, {"sched*", nil},
	{"kerberos ticket", nil}, {"dns tunneling", nil}, {"CreateAccessKey", nil}, {"ConsoleLogin", nil},
	{"wmic shadowcopy", nil}, {`"living off the land"`, nil}, {"office macro", nil}, {"suspicious -test", nil},
	{"Defender for Endpoint", nil}, {"4624", nil}, {"exfiltration OR exfil*", nil}, {"virtualMachines/write", nil},
	{"ransomware", []string{"platform=sigma"}},
	{"powershell", []string{"language=kql", "language=spl"}},
	{"", []string{"tactic=persistence", "platform=kusto"}},
	{"", []string{"technique=T1059"}},
	{"credential OR password", []string{"severity=high"}}, {"lsass dump OR procdump", nil},
	{"login -success", []string{"platform=elastic"}},
}

// TestStaticSearchMatchesServer runs the export's search (static/search.js
// over the files of search/) in headless Chromium and the server's search
// on the corpus, on the same 50 searches: each must find the same rules.
func TestStaticSearchMatchesServer(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus search comparison skipped in -short mode")
	}
	bin := ""
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("headless Chromium not installed (apt-get install -y chromium): skipping the static search comparison")
	}
	var cat Catalog
	if db := os.Getenv("RULEDEX_BENCH_DB"); db != "" {
		sc, err := OpenStore(db)
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Close()
		cat = sc
	} else {
		cat = corpusCatalog(t)
	}
	ctx := t.Context()
	dir := t.TempDir()
	put := func(p string, b []byte) error {
		target := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "/")))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	}
	write := func(p string, b []byte) {
		if err := put(p, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := staticSearchFiles(ctx, cat, put); err != nil {
		t.Fatal(err)
	}
	for name, a := range assets {
		write("/static/"+name, a.data)
	}
	s, err := New(cat)
	if err != nil {
		t.Fatal(err)
	}
	name, v, err := s.staticSearch(newStaticPage("/search/", cat.Version()))
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := s.render(&page, name, v); err != nil {
		t.Fatal(err)
	}
	write("/search/index.html", page.Bytes())

	life, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(life, chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	if err := chromedp.Do(tab, chromedp.Navigate("file://"+filepath.ToSlash(filepath.Join(dir, "search", "index.html")))); err != nil {
		t.Fatal(err)
	}
	differ := 0
	for _, c := range staticSearchQueries {
		var fs []Facet
		var jsFacets []map[string]string
		for _, f := range c.facets {
			k, val, _ := strings.Cut(f, "=")
			fs = append(fs, Facet{Key: k, Value: val})
			jsFacets = append(jsFacets, map[string]string{"key": k, "value": val})
		}
		var server []string
		for n := 1; ; n++ {
			r, err := cat.Search(ctx, Query{Text: c.q, Facets: fs, Page: n, PerPage: MaxPerPage})
			if err != nil {
				t.Fatalf("server search %q: %v", c.q, err)
			}
			for _, h := range r.Hits {
				server = append(server, h.ID)
			}
			if n*MaxPerPage >= r.Total {
				break
			}
		}
		slices.Sort(server)
		expr := "RULEDEX_SEARCH.ids(" + jsQuote(c.q) + "," + jsFacetList(jsFacets) + ")"
		static, err := chromedp.Run(tab, chromedp.Evaluate[[]string](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("static search %q: %v", c.q, err)
		}
		slices.Sort(static)
		only1, only2 := setDiff(server, static), setDiff(static, server)
		if len(only1)+len(only2) > 0 {
			differ++
			t.Errorf("%q %v: server %d rules, static %d; only the server: %v; only the static search: %v",
				c.q, c.facets, len(server), len(static), head(only1, 5), head(only2, 5))
		} else {
			t.Logf("%q %v: %d rules, the same", c.q, c.facets, len(server))
		}
		if len(server) == 0 {
			t.Errorf("%q %v finds nothing: a comparison that shows nothing", c.q, c.facets)
		}
	}
	t.Logf("%d of %d searches differ", differ, len(staticSearchQueries))
	// A quote left open is an error in both, not "no rule found".
	open := `"scheduled task`
	if _, err := cat.Search(ctx, Query{Text: open}); err == nil {
		t.Errorf("server search %q: no error", open)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[[]string]("RULEDEX_SEARCH.ids("+jsQuote(open)+",[])", chromedp.EvalAwaitPromise)); err == nil || !strings.Contains(err.Error(), "unterminated quote") {
		t.Errorf("static search %q: %v, want the unterminated quote error", open, err)
	}
}

func setDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			out = append(out, x)
		}
	}
	return out
}

func head(s []string, n int) []string { return s[:min(n, len(s))] }

func jsQuote(s string) string {
	var b bytes.Buffer
	writeJSString(&b, s)
	return b.String()
}

func jsFacetList(fs []map[string]string) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, "{key:"+jsQuote(f["key"])+",value:"+jsQuote(f["value"])+"}")
	}
	return "[" + strings.Join(parts, ",") + "]"
}
