package web

import (
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

var metaCSPRe = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`)

// TestExportCSP: every page of the static export states the server's
// Content-Security-Policy in a <meta> tag (all of it that a meta tag may
// state), in its head.
func TestExportCSP(t *testing.T) {
	dir := t.TempDir()
	if _, err := Export(t.Context(), catalogOf(t, exampleRules(t)), dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csp, "frame-ancestors") || strings.Contains(metaCSP, "frame-ancestors") ||
		!strings.Contains(metaCSP, "default-src 'self'") || !strings.Contains(metaCSP, "object-src 'none'") {
		t.Fatalf("meta policy %q of the server's %q", metaCSP, csp)
	}
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		body := string(b)
		m := metaCSPRe.FindStringSubmatchIndex(body)
		head := strings.Index(body, "</head>")
		switch {
		case m == nil:
			t.Errorf("%s: no Content-Security-Policy meta tag", p)
		case html.UnescapeString(body[m[2]:m[3]]) != metaCSP:
			t.Errorf("%s: policy %q, want %q", p, html.UnescapeString(body[m[2]:m[3]]), metaCSP)
		case head < 0 || m[0] > head || strings.Index(body, "<script") < m[0] || strings.Index(body, "<link") < m[0]:
			t.Errorf("%s: the policy is not in the head before every script and link", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Errorf("%d pages exported", n)
	}
	// The server sends it as a header, not a tag.
	w := get(t, newTestServer(t), "/")
	if metaCSPRe.MatchString(w.Body.String()) || w.Header().Get("Content-Security-Policy") != csp {
		t.Errorf("server: meta tag or header %q", w.Header().Get("Content-Security-Policy"))
	}
}

// TestUnknownQueryParams: a parameter no page reads is not copied into the
// page's links; a page's own parameters are, once (a repeated q is not).
func TestUnknownQueryParams(t *testing.T) {
	s := newTestServer(t)
	junk := "zzjunk=" + strings.Repeat("x", 20_000)
	for _, p := range []string{"/rules/?" + junk, "/search?q=run&" + junk + "&q=" + strings.Repeat("y", 400),
		"/rules/?f=platform:kusto&" + junk, "/tables/AzureActivity/?" + junk, "/indicators/?" + junk,
		"/attack/?covered=1&" + junk} {
		w := get(t, s, p)
		if w.Code != 200 {
			t.Errorf("%.60s: %d", p, w.Code)
			continue
		}
		body := w.Body.String()
		if strings.Contains(body, "zzjunk") {
			t.Errorf("%.60s: the unknown parameter is in the page (%d bytes, %d times)", p, len(body), strings.Count(body, "zzjunk"))
		}
		if strings.Contains(body, "yyyyyyyyyy") {
			t.Errorf("%.60s: a second q is in the page", p)
		}
		if len(body) > 400_000 {
			t.Errorf("%.60s: page of %d bytes", p, len(body))
		}
	}
	// The known ones are kept: facet links of a search carry its text and facets.
	body := get(t, s, "/search?q=runCommand&f=platform:kusto&"+junk).Body.String()
	if !strings.Contains(body, "?q=runCommand&amp;facet=platform%3Dkusto&amp;facet=") {
		t.Errorf("the facet links of a search lose its text or facets")
	}
}

// TestLongFacetValuePages: a table, repository, event or facet value
// longer than a path segment holds (cut and hashed by Seg) has its page in
// the server, as in the export; a cut segment no value has is a 404.
func TestLongFacetValuePages(t *testing.T) {
	long := "Custom_" + strings.Repeat("VeryLongTableName", 12) + "_CL"
	repo := "repo-" + strings.Repeat("x", 150)
	provider, event := "Provider "+strings.Repeat("p", 140), "Event/"+strings.Repeat("e", 140)
	r := seedRule2()
	r.ID = "kusto/LongTable"
	r.Tables = []string{long}
	r.Source.Repo = repo
	r.Events = []rule.Event{{Provider: provider, Event: event}}
	s, err := New(catalogOf(t, []*rule.Rule{r, seedRule()}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{TablePath(long), RepoPath(repo), EventPath(provider, event), FacetPath("table", long)} {
		if !strings.Contains(p, "~~") {
			t.Fatalf("%s: not cut", p)
		}
		w := get(t, s, p)
		if w.Code != 200 {
			t.Errorf("%s: %d", p, w.Code)
			continue
		}
		if !strings.Contains(w.Body.String(), "LongTable") {
			t.Errorf("%s: the rule is not listed", p)
		}
	}
	// The rule page links the table page that the server answers.
	if body := get(t, s, RulePath(r.ID)).Body.String(); !strings.Contains(body, `href="`+TablePath(long)+`"`) {
		t.Errorf("the rule page does not link %s", TablePath(long))
	}
	bad := TablePath(long)
	bad = bad[:len(bad)-5] + "0000/"
	if w := get(t, s, bad); w.Code != 404 {
		t.Errorf("%s: %d, want 404", bad, w.Code)
	}
}
