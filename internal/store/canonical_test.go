package store

import (
	"path/filepath"
	"testing"
)

// TestCanonicalIndicatorRules: a Sigma rule and a KQL query that look for
// certutil.exe through their own fields meet on the canonical indicator
// process.name eq certutil.exe, and its page lists both, by platform.
func TestCanonicalIndicatorRules(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"sigma/certutil.yml": `title: Certutil Download
id: 6c1b3c5e-2a4e-4d7e-9a43-4e1b0f6f1a11
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\certutil.exe'
        CommandLine|contains: 'urlcache '
    condition: selection
level: high
`,
		"kql/certutil.kql": "DeviceProcessEvents\n| where FileName =~ \"certutil.exe\" and ProcessCommandLine has \"-urlcache\"\n",
	})
	db := filepath.Join(t.TempDir(), "c.db")
	testBuild(t, db, Source{Name: "fixture", Path: dir})
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, tc := range []struct{ field, kind, value string }{
		{"process.name", "eq", "CertUtil.exe"},
		{"process.command_line", "contains", "urlcache"},
		{"process.command_line", "", "urlcache"},
	} {
		res, err := d.Canonical(t.Context(), tc.field, tc.kind, tc.value)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rules) != 2 || res.ByPlatform["sigma"] != 1 || res.ByPlatform["kusto"] != 1 {
			t.Errorf("%v: %d rules %v", tc, len(res.Rules), res.ByPlatform)
		}
		for _, h := range res.Rules {
			if len(h.From) == 0 {
				t.Errorf("%v: %s says not how it writes it", tc, h.ID)
			}
		}
	}
	if res, err := d.Canonical(t.Context(), "process.name", "contains", "certutil.exe"); err != nil || len(res.Rules) != 0 {
		t.Errorf("another kind: %v %v", res, err)
	}
}
