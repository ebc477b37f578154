package rule

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONListsNeverNull(t *testing.T) {
	r := Rule{ID: "kusto/x", Stages: []Stage{{N: 1, Kind: "source"}}, Indicators: []Indicator{{Field: "f", Corpus: []CorpusCount{{Value: "v"}}}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "null") {
		t.Fatalf("JSON has null: %s", b)
	}
	for _, key := range []string{`"time_window":`, `"same_action":[]`, `"near_duplicates":[]`, `"by_platform":{}`, `"predicates":[]`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}
