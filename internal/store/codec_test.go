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
		b := encodeRule(nil, &r)
		got, err := decodeRule(string(b))
		if err != nil {
			t.Fatal(err)
		}
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
