package web

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// TestCanonicalPages: a Sigma rule and a KQL query for certutil meet on the
// page of process.name eq certutil.exe and in the API, and each rule page
// lists the other under the same behaviour.
func TestCanonicalPages(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"sigma/certutil.yml": "title: Certutil Download\nid: 6c1b3c5e-2a4e-4d7e-9a43-4e1b0f6f1a11\nlogsource:\n    category: process_creation\n    product: windows\n" +
			"detection:\n    selection:\n        Image|endswith: '\\certutil.exe'\n        CommandLine|contains: 'urlcache '\n    condition: selection\nlevel: high\n",
		"kql/certutil.kql": "DeviceProcessEvents\n| where FileName =~ \"certutil.exe\" and ProcessCommandLine has \"-urlcache\"\n",
		// Other rules: in a corpus of two, an indicator both have is common.
		"kql/whoami.kql": "DeviceProcessEvents\n| where FileName =~ \"whoami.exe\"\n",
		"kql/net.kql":    "DeviceNetworkEvents\n| where RemotePort == 4444\n",
		"kql/reg.kql":    "DeviceRegistryEvents\n| where RegistryKey has \"RunOnce\"\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res0, err := ingest.Read(t.Context(), []ingest.Target{{Repo: "fixture", Path: dir}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rs []*rule.Rule
	for _, fr := range res0 {
		rs = append(rs, fr.Rules...)
	}
	catalog.CrossReference(rs)
	s, err := New(catalogOf(t, rs))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get(CanonicalPath("process.name", "eq", "certutil.exe"))
	if code != 200 || !strings.Contains(body, "Certutil Download") || !strings.Contains(body, "FileName") {
		t.Errorf("canonical page: %d\n%s", code, body)
	}
	code, body = get("/api/v1/canonical?field=process.command_line&kind=contains&value=urlcache")
	var res store.CanonicalResult
	if err := json.Unmarshal([]byte(body), &res); code != 200 || err != nil || res.ByPlatform["sigma"] != 1 || res.ByPlatform["kusto"] != 1 {
		t.Errorf("API: %d %v %s", code, err, body)
	}
	if code, _ := get(CanonicalPath("process.name", "eq", "nothing.exe")); code != 404 {
		t.Errorf("an indicator no rule has: %d", code)
	}
	code, body = get("/api/v1/rules/sigma/certutil")
	var r struct {
		SameBehaviour []struct{ ID string } `json:"same_behaviour"`
	}
	if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil || len(r.SameBehaviour) != 1 || !strings.HasPrefix(r.SameBehaviour[0].ID, "kusto/") {
		t.Errorf("rule JSON same_behaviour: %d %v %s", code, err, body[:min(len(body), 300)])
	}

	// The index: the most shared first, by platform, linked from the
	// indicators index; a field's listing; a field no indicator is on.
	code, body = get("/canonical/")
	cu, wh := strings.Index(body, ">urlcache<"), strings.Index(body, ">whoami.exe<")
	if code != 200 || cu < 0 || wh < 0 || cu > wh || !strings.Contains(body, CanonicalPath("process.command_line", "contains", "urlcache")) ||
		!strings.Contains(body, CanonicalFieldPath("process.name")) {
		t.Errorf("canonical index: %d\n%s", code, body)
	}
	if _, body := get("/indicators/"); !strings.Contains(body, `href="/canonical/"`) {
		t.Errorf("the indicators index does not link the canonical index")
	}
	code, body = get(CanonicalFieldPath("process.name"))
	if code != 200 || !strings.Contains(body, ">certutil.exe<") || !strings.Contains(body, ">whoami.exe<") || strings.Contains(body, ">urlcache<") {
		t.Errorf("canonical field page: %d\n%s", code, body)
	}
	if code, _ := get(CanonicalFieldPath("no.such.field")); code != 404 {
		t.Errorf("a canonical field with no indicator: %d", code)
	}

	// The export writes the pages of the canonical indicators several rules
	// have, which rule pages link, and the index; not the others.
	out := t.TempDir()
	if _, err := Export(t.Context(), s.cat, out, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	exported := func(p string) bool {
		_, err := os.Stat(filepath.Join(out, filepath.FromSlash(staticRel(p))))
		return err == nil
	}
	for _, p := range []string{"/canonical/", CanonicalFieldPath("process.name"), CanonicalPath("process.name", "eq", "certutil.exe"),
		CanonicalPath("process.command_line", "contains", "urlcache")} {
		if !exported(p) {
			t.Errorf("export lacks %s", p)
		}
	}
	if exported(CanonicalPath("process.name", "eq", "whoami.exe")) {
		t.Errorf("export has the page of a canonical indicator one rule has")
	}
	page, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(staticRel(RulePath("sigma/certutil")))))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "canonical/process.name/eq/certutil.exe.html") {
		t.Errorf("the exported rule page does not link its shared canonical indicator")
	}
	// Every link of the export's pages leads to a file of it.
	ncanonical := 0
	err = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, mm := range hrefRE.FindAllStringSubmatch(string(b), -1) {
			link := mm[2]
			if i := strings.IndexAny(link, "?#"); i >= 0 {
				link = link[:i]
			}
			if link == "" || strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), filepath.FromSlash(link))); err != nil {
				t.Errorf("%s: broken link %q", p, mm[2])
			}
			if strings.Contains(link, "canonical/") {
				ncanonical++
			}
		}
		return nil
	})
	if err != nil || ncanonical < 5 {
		t.Errorf("export links: %v, %d to canonical pages", err, ncanonical)
	}
}
