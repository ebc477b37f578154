package store

import (
	"reflect"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// TestTableFieldsInOrder: two builds of the same rules write the fields
// of their tables in the same order (they were written in a map's order).
func TestTableFieldsInOrder(t *testing.T) {
	src := Source{Name: "kusto", Path: testcorpus.Dir(t, "bertjanp-hunting")}
	rows := func() [][3]string {
		d := testCatalog(t, src)
		rs, err := d.db.QueryContext(t.Context(), `SELECT rule, tbl, field FROM table_fields ORDER BY rowid`)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var out [][3]string
		for rs.Next() {
			var r [3]string
			if err := rs.Scan(&r[0], &r[1], &r[2]); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	a, b := rows(), rows()
	multi := false
	for i := 1; i < len(a); i++ {
		multi = multi || a[i][0] == a[i-1][0] && a[i][1] != a[i-1][1]
	}
	if !multi {
		t.Fatal("no rule has the fields of two tables: the test tests nothing")
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two builds of the same rules wrote their tables' fields in different orders")
	}
}
