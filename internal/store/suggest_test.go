package store

import (
	"testing"
)

func TestSuggest(t *testing.T) {
	d := builtFixture(t)
	ctx := t.Context()
	ids, err := d.IDs(ctx)
	if err != nil || len(ids) < 3 {
		t.Fatalf("ids %v, %v", ids, err)
	}
	for _, id := range ids {
		r, err := d.Rule(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// The id with a letter changed, dropped and doubled.
		for _, typo := range []string{id[:len(id)-1] + "#", id[:len(id)-1], id + id[len(id)-1:]} {
			ss, err := d.Suggest(ctx, typo, 3)
			found := false
			for _, s := range ss {
				found = found || s.ID == id && s.By == "id" && s.Distance == 1
			}
			if err != nil || !found {
				t.Errorf("%q (for %s): got %+v, %v", typo, id, ss, err)
			}
		}
		if r.UID == "" {
			continue
		}
		got, err := d.RuleIDByUID(ctx, r.UID)
		if err != nil || got != id {
			t.Errorf("uid %s: got %q, %v; want %s", r.UID, got, err, id)
		}
		typo := "x" + r.UID[1:]
		ss, err := d.Suggest(ctx, typo, 3)
		if err != nil || len(ss) == 0 || ss[0].ID != id || ss[0].By != "uid" {
			t.Errorf("uid typo %q (for %s): got %+v, %v", typo, id, ss, err)
		}
	}
	if ss, _ := d.Suggest(ctx, "nothing-like-any-rule-at-all", 3); len(ss) != 0 {
		t.Errorf("a name far from every rule: %+v", ss)
	}
	if _, err := d.RuleIDByUID(ctx, "00000000-0000-0000-0000-000000000000"); err != ErrNotFound {
		t.Errorf("no such uid: %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		bound int
		want  int
	}{
		{"kitten", "sitting", 5, 3},
		{"kitten", "sitting", 2, 3},
		{"", "abc", 5, 3},
		{"abc", "abc", 0, 0},
		{"abcdefgh", "a", 3, 4},
	} {
		if got := editDistance(tc.a, tc.b, tc.bound); got != tc.want {
			t.Errorf("%q %q bound %d: %d, want %d", tc.a, tc.b, tc.bound, got, tc.want)
		}
	}
}
