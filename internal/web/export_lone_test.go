package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportLoneIndicators checks that an indicator value of one rule alone
// has no page in the export and that the rule's page links its own
// indicators for it, while a value of several rules keeps its page.
func TestExportLoneIndicators(t *testing.T) {
	cat := testCatalog(t)
	lone, err := loneIndicators(t.Context(), cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(lone) == 0 {
		t.Fatal("no lone indicator value in the test catalog")
	}
	dir := t.TempDir()
	if _, err := Export(t.Context(), cat, dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for key, id := range lone {
		parts := strings.Split(key, "\x00")
		p := staticRel(IndicatorPath(parts[0], parts[1], parts[2]))
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
			t.Errorf("%s written for a value of %s alone", p, id)
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(staticRel(RulePath(id)))))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "/index.html#indicators\"") {
			t.Errorf("%s links no indicator of its own", id)
		}
		checked++
	}
	// A value two rules match keeps its page (TestExport's list has one).
	shared := "indicators/operationnamevalue/eq/microsoft.compute~2Fvirtualmachines~2Fruncommand~2Faction.html"
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(shared))); err != nil {
		t.Errorf("missing %s", shared)
	}
	t.Logf("%d lone values checked", checked)
}

// TestExportEventFacet checks that the export writes no listing of an event
// facet value that has an event page (the same rules), and that the pages
// link the event page instead.
func TestExportEventFacet(t *testing.T) {
	cat := testCatalog(t)
	dir := t.TempDir()
	if _, err := Export(t.Context(), cat, dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "by", "event"))
	for _, e := range ents {
		if e.IsDir() {
			t.Errorf("by/event/%s written beside its event's page", e.Name())
		}
	}
	evs, err := os.ReadDir(filepath.Join(dir, "events"))
	if err != nil || len(evs) == 0 {
		t.Fatalf("no event pages: %v", err)
	}
	pg := newStaticPage("/tables/x/", "")
	if h := pg.FacetHref("event", "Any platform: Logon"); h != "../../events/any~20platform/logon/index.html" {
		t.Errorf("FacetHref(event) = %s", h)
	}
}
