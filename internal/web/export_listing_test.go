package web

import (
	"reflect"
	"testing"
)

// TestExportStoreIndicators: the export's listings of indicators, made
// once a listing, are the store's page for page: every indicator's and
// each field's, at the lengths of page the export and the API ask.
func TestExportStoreIndicators(t *testing.T) {
	cat := testCatalog(t)
	es := newExportStore(cat)
	ctx := t.Context()
	first, err := cat.Indicators(ctx, IndicatorQuery{PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	if first.Total < 3 || len(first.Fields) < 2 {
		t.Fatalf("the test catalog has %d indicators in %d fields, too few to compare", first.Total, len(first.Fields))
	}
	fields := []string{""}
	for _, f := range first.Fields {
		fields = append(fields, f.Value)
	}
	fields = append(fields, "no-such-field")
	compared := 0
	for _, field := range fields {
		for _, per := range []int{0, 1, 2, 200, MaxPerPage, 5000} {
			for page := 0; page <= 4; page++ {
				q := IndicatorQuery{Field: field, Page: page, PerPage: per}
				want, err := cat.Indicators(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got, err := es.Indicators(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%+v: the export's\n%+v\nthe store's\n%+v", q, got, want)
				}
				compared += len(want.Indicators)
			}
		}
	}
	if compared == 0 {
		t.Fatal("no indicator compared")
	}
}
