package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// fillAll sets every field of v, at every depth, to a value that differs
// from field to field: strings and numbers from a counter, booleans true
// for one in three (which one turns with seed), lists and maps of two
// elements (lists of stages three deep).
func fillAll(t testing.TB, v reflect.Value, n *int, seed, depth int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Int:
		if *n%2 == 0 {
			v.SetInt(int64(*n))
		} else {
			v.SetInt(-int64(*n) * 1000003)
		}
	case reflect.Bool:
		v.SetBool((*n+seed)%3 == 0)
	case reflect.Struct:
		for i := range v.NumField() {
			fillAll(t, v.Field(i), n, seed, depth)
		}
	case reflect.Slice:
		if depth >= 3 {
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fillAll(t, s.Index(i), n, seed, depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			fillAll(t, k, n, seed, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			fillAll(t, e, n, seed, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		t.Fatalf("the codec test cannot fill a %s (%s): teach fillAll, and encodeRule", v.Kind(), v.Type())
	}
}

// TestCodecEveryField fills every field of a rule and checks that it comes
// back the same: a field added to rule.Rule and not to encodeRule and
// decodeRule fails here.
func TestCodecEveryField(t *testing.T) {
	for seed := range 3 {
		var r rule.Rule
		n := seed * 100
		fillAll(t, reflect.ValueOf(&r).Elem(), &n, seed, 0)
		for i := range r.NearDuplicates {
			r.NearDuplicates[i].Actions = nil // a near-duplicate shares no action, and none is stored
		}
		b := encodeRule(nil, &r)
		got, err := decodeRule(string(b))
		if err != nil {
			t.Fatal(err)
		}
		linksRoundTrip(t, &r, got)
		if !reflect.DeepEqual(got, &r) {
			a, _ := json.Marshal(&r)
			c, _ := json.Marshal(got)
			t.Fatalf("seed %d: decoded rule differs:\n%s\n%s", seed, a, c)
		}
		if again := encodeRule(nil, got); !bytes.Equal(again, b) {
			t.Errorf("seed %d: encoding the decoded rule gives other bytes", seed)
		}
	}
}

// linksRoundTrip sets got's links from r's, through encodeLinks and
// decodeLinks (the links table's form), each linked rule named by its row
// as fillLinks names it from the rule's summary.
func linksRoundTrip(t *testing.T, r, got *rule.Rule) {
	t.Helper()
	rows := map[string]int64{}
	named := map[int64]rule.RuleRef{}
	add := func(x rule.RuleRef) {
		n := int64(len(rows) + 1)
		rows[x.ID] = n
		named[n] = x
	}
	for _, x := range r.SameAction {
		add(x)
	}
	for _, x := range r.NearDuplicates {
		add(x)
	}
	for _, x := range r.SameBehaviour {
		add(rule.RuleRef{ID: x.ID, Platform: x.Platform, Title: x.Title, Path: x.Path})
	}
	enc := encodeRuleLinks(r, func(id string) (int64, bool) { n, ok := rows[id]; return n, ok })
	sa, nd, sb, err := decodeLinks(string(enc))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range sa {
		x := named[l.n]
		x.Actions = l.shared
		got.SameAction = append(got.SameAction, x)
	}
	for _, l := range nd {
		got.NearDuplicates = append(got.NearDuplicates, named[l.n])
	}
	for _, l := range sb {
		x := named[l.n]
		got.SameBehaviour = append(got.SameBehaviour, rule.BehaviourRef{ID: x.ID, Platform: x.Platform, Title: x.Title, Path: x.Path,
			Score: l.score, Shared: l.shared})
	}
}

// TestLinksCorrupt checks that decodeLinks refuses what encodeLinks did not
// make, with no panic.
func TestLinksCorrupt(t *testing.T) {
	r := &rule.Rule{SameAction: []rule.RuleRef{{ID: "a", Actions: []string{"x", "y"}}}, NearDuplicates: []rule.RuleRef{{ID: "b"}},
		SameBehaviour: []rule.BehaviourRef{{ID: "a", Score: -3, Shared: []string{"y", "z"}}}}
	enc := string(encodeRuleLinks(r, func(id string) (int64, bool) { return int64(len(id)) + 300, id != "" }))
	sa, nd, sb, err := decodeLinks(enc)
	if err != nil || len(sa) != 1 || len(nd) != 1 || len(sb) != 1 || sb[0].score != -3 || sa[0].n != 301 ||
		!reflect.DeepEqual(sb[0].shared, []string{"y", "z"}) {
		t.Fatalf("decodeLinks = %v %v %v, %v", sa, nd, sb, err)
	}
	for i := range len(enc) {
		if _, _, _, err := decodeLinks(enc[:i]); err == nil && i > 0 {
			t.Errorf("%d bytes of %d decoded with no error", i, len(enc))
		}
		bad := []byte(enc)
		bad[i] ^= 0xff
		decodeLinks(string(bad)) // no panic
	}
	if again, err := remapLinks([]byte(enc), func(n int64) int64 { return n }); err != nil || string(again) != enc {
		t.Errorf("remapLinks to the same rows = %q, %v; want %q", again, err, enc)
	}
	moved, err := remapLinks([]byte(enc), func(n int64) int64 { return n * 1000 })
	if sa, nd, sb, err2 := decodeLinks(string(moved)); err != nil || err2 != nil || sa[0].n != 301000 || nd[0].n != 301000 ||
		sb[0].n != 301000 || sb[0].score != -3 || !reflect.DeepEqual(sa[0].shared, []string{"x", "y"}) {
		t.Errorf("remapLinks: %v %v %v, %v %v", sa, nd, sb, err, err2)
	}
	if _, err := remapLinks([]byte(enc[:len(enc)-1]), func(n int64) int64 { return n }); err == nil {
		t.Error("remapLinks of a truncated list: no error")
	}
	if encodeRuleLinks(&rule.Rule{}, nil) != nil {
		t.Error("a rule with no links has an encoding")
	}
}

// TestCodecEmptyAndNil checks that a rule with nil lists and the same rule
// normalized (empty lists) encode alike, and that the decoded rule, once
// normalized, is the original as JSON.
func TestCodecEmptyAndNil(t *testing.T) {
	r := &rule.Rule{ID: "kusto/x", Title: "X", Stages: []rule.Stage{{Kind: "where", Stages: []rule.Stage{}}}, Settings: map[string]string{}}
	a := encodeRule(nil, r)
	n := *r
	n.Normalize()
	if b := encodeRule(nil, &n); !bytes.Equal(a, b) {
		t.Errorf("nil and empty lists encode differently")
	}
	got, err := decodeRule(string(a))
	if err != nil {
		t.Fatal(err)
	}
	got.Normalize()
	want, _ := json.Marshal(&n)
	if js, _ := json.Marshal(got); !bytes.Equal(js, want) {
		t.Errorf("decoded:\n%s\nwant\n%s", js, want)
	}
}

// TestCodecCorrupt checks that every truncation of an encoded rule, and
// bytes changed here and there, give an error or a rule, never a panic, and
// that a truncation is always an error.
func TestCodecCorrupt(t *testing.T) {
	var r rule.Rule
	n := 0
	fillAll(t, reflect.ValueOf(&r).Elem(), &n, 0, 0)
	b := encodeRule(nil, &r)
	for i := range len(b) {
		if _, err := decodeRule(string(b[:i])); !errors.Is(err, errCorrupt) {
			t.Fatalf("truncated at %d of %d: %v", i, len(b), err)
		}
	}
	for i := 1; i < len(b); i++ {
		for _, x := range []byte{0, 0x7f, 0x80, 0xff} {
			c := bytes.Clone(b)
			c[i] = x
			decodeRule(string(c))
		}
	}
	if _, err := decodeRule(string(append(bytes.Clone(b), 0))); err == nil {
		t.Error("a byte left over is no error")
	}
}

// TestCodecDeepStages checks the bound on nested stages.
func TestCodecDeepStages(t *testing.T) {
	deep := func(n int) *rule.Rule {
		var ss []rule.Stage
		for range n {
			ss = []rule.Stage{{Kind: "where", Stages: ss}}
		}
		return &rule.Rule{Stages: ss}
	}
	if _, err := decodeRule(string(encodeRule(nil, deep(maxStageDepth)))); err != nil {
		t.Errorf("%d deep: %v", maxStageDepth, err)
	}
	if _, err := decodeRule(string(encodeRule(nil, deep(maxStageDepth+1)))); !errors.Is(err, errCorrupt) {
		t.Errorf("%d deep: %v", maxStageDepth+1, err)
	}
}

func FuzzDecodeRule(f *testing.F) {
	var r rule.Rule
	n := 0
	fillAll(f, reflect.ValueOf(&r).Elem(), &n, 0, 0)
	f.Add(encodeRule(nil, &r))
	f.Add(encodeRule(nil, &rule.Rule{ID: "sigma/x"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRule(string(b))
		if err != nil {
			return
		}
		// What decodes encodes to bytes that decode to the same rule.
		again, err := decodeRule(string(encodeRule(nil, r)))
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Errorf("re-encoded: %v", err)
		}
	})
}

// TestRuleTexts checks that ruleTexts finds the texts decodeRule does.
func TestRuleTexts(t *testing.T) {
	for seed := range 3 {
		var r rule.Rule
		n := seed * 100
		fillAll(t, reflect.ValueOf(&r).Elem(), &n, seed, 0)
		title, desc, lang, query, err := ruleTexts(string(encodeRule(nil, &r)))
		if err != nil || title != r.Title || desc != r.Description || lang != r.Language || query != r.Query {
			t.Errorf("seed %d: %q %q %q %q %v", seed, title, desc, lang, query, err)
		}
	}
	if _, _, _, _, err := ruleTexts("\x01\x05ab"); !errors.Is(err, errCorrupt) {
		t.Errorf("truncated: %v", err)
	}
}

// TestDecodeSearched: a rule decoded for a search is the rule decoded
// whole less its indicators' counts in the corpus.
func TestDecodeSearched(t *testing.T) {
	for seed := range 3 {
		var r rule.Rule
		n := seed * 100
		fillAll(t, reflect.ValueOf(&r).Elem(), &n, seed, 0)
		body := string(encodeRule(nil, &r))
		whole, err := decodeRule(body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeRuleAs(body, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(whole.Indicators) == 0 || len(whole.Indicators[0].Corpus) == 0 {
			t.Fatalf("seed %d: the filled rule has no indicator counts to leave out", seed)
		}
		for i := range whole.Indicators {
			whole.Indicators[i].Corpus = nil
		}
		if !reflect.DeepEqual(got, whole) {
			t.Errorf("seed %d: decoded for a search differs from the whole less the counts", seed)
		}
	}
}
