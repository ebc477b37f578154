package web

import (
	"encoding/json"
	"io"
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
}
