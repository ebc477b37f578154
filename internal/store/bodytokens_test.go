package store

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

// TestBodyTokens checks a body that carries its query's tokens: every
// decoder reads its fields as those of the body without them, its tokens
// decode to its language's highlighting of the query, and it sums as the
// body without them (an incremental build compares those sums).
func TestBodyTokens(t *testing.T) {
	var langs []*lang.Language
	for _, l := range lang.All() {
		if l.Highlight != nil {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		t.Skip("no language registered in this test binary")
	}
	for i, l := range langs {
		var r rule.Rule
		n := i * 100
		fillAll(t, reflect.ValueOf(&r).Elem(), &n, i, 0)
		for k := range r.NearDuplicates {
			r.NearDuplicates[k].Actions = nil
		}
		r.SameAction, r.NearDuplicates, r.SameBehaviour = nil, nil, nil
		r.Language = l.Name
		r.Query = "T | where a == \"x<y\" // c\n| summarize count() by b\n" + strings.Repeat("x ", i)
		plain := encodeRule(nil, &r)
		body := withTokens(slices.Clone(plain), &r)
		if body[0] != codecTokens {
			t.Fatalf("%s: no tokens carried", l.Name)
		}
		got, err := decodeRule(string(body))
		want, _ := decodeRule(string(plain))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded %v", l.Name, err)
		}
		toks, ok := bodyTokensOf(string(body)).Decode(nil)
		if hl := l.Highlight(r.Query); !ok || !slices.Equal(toks, hl) || len(hl) == 0 {
			t.Errorf("%s: tokens %v %v, want %v", l.Name, ok, toks, hl)
		}
		if !slices.Equal(bodySum(body), bodySum(plain)) {
			t.Errorf("%s: sums differ", l.Name)
		}
		t1, d1, l1, q1, err1 := ruleTexts(string(body))
		if err1 != nil || t1 != r.Title || d1 != r.Description || l1 != r.Language || q1 != r.Query {
			t.Errorf("%s: ruleTexts %q %q %q %v", l.Name, t1, d1, l1, err1)
		}
		h1, err1 := decodeHead(string(body))
		h0, _ := decodeHead(string(plain))
		if err1 != nil || !reflect.DeepEqual(h1, h0) {
			t.Errorf("%s: decodeHead %v", l.Name, err1)
		}
		if d, m, err := ruleDates(string(body)); err != nil || d != r.Date || m != r.Modified {
			t.Errorf("%s: ruleDates %q %q %v", l.Name, d, m, err)
		}
		if uid, ok := bodyUID(string(body)); !ok || uid != r.UID {
			t.Errorf("%s: bodyUID %q", l.Name, uid)
		}
		if bodyTokensOf(string(plain)) != "" {
			t.Errorf("%s: a plain body carries tokens", l.Name)
		}
	}
	// No query, no language: the body as it was.
	r := rule.Rule{ID: "x", Language: "no such language", Query: "q"}
	if b := encodeRule(nil, &r); !slices.Equal(withTokens(slices.Clone(b), &r), b) {
		t.Error("tokens for a language that has no highlighter")
	}
	// Corrupt lengths are errors, not panics.
	for _, s := range []string{"\x05", "\x05\x00\x00\x00\x00", "\x05ab\xff\xff\xff\x7f", "\x05\x00\x01\x00\x00\x00"} {
		if _, err := decodeRule(s); !errors.Is(err, errCorrupt) {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, ok := BodyTokens("\x05\x01").Decode(nil); ok {
		t.Error("truncated tokens decoded")
	}
}
