package build

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestRelinkedRowColumns: a rule whose file did not change but which
// linking lowers otherwise (a Splunk macro it uses deleted) keeps its row
// and is given its new body; the row's columns and rows made from the
// lowering (its tables, the fields it uses of each, its actions) are a full
// build's too.
func TestRelinkedRowColumns(t *testing.T) {
	detection := escuDetection("Sysmon Whoami", "2", "", "`sysmon` EventCode=1 process_name=whoami.exe | stats count by dest, user")
	const macro = "definition: (index=sysmon_idx sourcetype=XmlWinEventLog:Microsoft-Windows-Sysmon/Operational)\ndescription: sysmon\nname: sysmon\n"
	tmp := t.TempDir()
	src := filepath.Join(tmp, "escu")
	writeTree(t, src, map[string]string{"detections/whoami.yml": detection, "macros/sysmon.yml": macro})
	srcs := []Source{{Name: "escu", Path: src}}
	db, full := filepath.Join(tmp, "c.db"), filepath.Join(tmp, "full.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	before := tableRows(t, db, "SELECT tables_ FROM rules WHERE kind <> 'macro'")
	if err := os.Remove(filepath.Join(src, "macros", "sysmon.yml")); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	sameAsFull(t, db, full, srcs, "a macro deleted")
	sameRows(t, db, full, "a macro deleted",
		"SELECT id, tables_, techniques, title, severity, status FROM rules ORDER BY 1",
		"SELECT r.id, f.tbl, f.field FROM table_fields f JOIN rules r ON r.n = f.rule ORDER BY 1, 2, 3",
		"SELECT r.id, a.space, a.value, a.match, a.label FROM actions a JOIN rules r ON r.n = a.rule ORDER BY 1, 2, 3, 4",
		facetsByID)
	if after := tableRows(t, full, "SELECT tables_ FROM rules WHERE kind <> 'macro'"); len(before) != 1 || len(after) != 1 || before[0] == after[0] {
		t.Errorf("the detection's tables %v with the macro, %v without: the test tests nothing", before, after)
	}
}
