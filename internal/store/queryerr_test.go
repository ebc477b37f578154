package store

import (
	"context"
	"testing"
)

func TestCheckQuery(t *testing.T) {
	for _, tc := range []struct {
		q      string
		offset int // -1: no error
	}{
		{`runCommand`, -1},
		{`"run command" whoami`, -1},
		{`title:"x y" z`, -1},
		{`say "unterminated`, 4},
		{`"a""b`, 3},
		{`-"open`, 1},
		{`a"b OR OR -`, -1}, // a quote inside a word is a character of it
		{`"`, 0},
		{``, -1},
	} {
		err := CheckQuery(tc.q)
		if tc.offset < 0 {
			if err != nil {
				t.Errorf("%q: %v", tc.q, err)
			}
			continue
		}
		qe, ok := err.(*QueryError)
		if !ok || qe.Offset != tc.offset || !IsQueryError(err) {
			t.Errorf("%q: got %v, want a QueryError at %d", tc.q, err, tc.offset)
		}
	}
}

func TestSearchUnterminatedQuoteIsAnError(t *testing.T) {
	d := builtFixture(t)
	if _, err := d.Search(context.Background(), Query{Text: `"run command`}); !IsQueryError(err) {
		t.Fatalf("unterminated quote: got %v, want a QueryError", err)
	}
	res, err := d.Search(context.Background(), Query{Text: `"Run Command"`})
	if err != nil || res.Total == 0 {
		t.Fatalf("the phrase closed: %d rules, %v", res.Total, err)
	}
}
