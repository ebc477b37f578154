package build

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestSkeletonOwnsItsStrings: no string of a skeleton shares the memory
// of the text its rule was decoded from (a held record, a stored body),
// which a skeleton kept to the end of a build would otherwise keep whole:
// the source's address once did, every record of a rebuild and every body
// `ruledex lint --db` read.
func TestSkeletonOwnsItsStrings(t *testing.T) {
	body := strings.Repeat("-", 4096) + " r/1 6c1a title sigma sigma_yaml repo rules/a.yml https://example.com/a.yml#L3 " +
		"windows process_creation Image endswith \\whoami.exe process.name eq whoami.exe derived found note query-text"
	cut := func(s string) string {
		i := strings.Index(body, s)
		if i < 0 {
			t.Fatalf("%q is not in the body", s)
		}
		return body[i : i+len(s)]
	}
	r := &rule.Rule{ID: cut("r/1"), UID: cut("6c1a"), Title: cut("title"), Platform: cut("sigma"), Language: cut("sigma"),
		Format: cut("sigma_yaml"), Source: rule.Source{Repo: cut("repo"), Path: cut("rules/a.yml"), URL: cut("https://example.com/a.yml#L3")},
		Query: cut("6c1a title"), Tables: []string{cut("windows process_creation")},
		Related:     []rule.Related{{ID: cut("6c1a"), Type: cut("derived")}},
		Indicators:  []rule.Indicator{{Field: cut("Image"), Kind: cut("endswith"), Values: []string{cut("\\whoami.exe")}}},
		Events:      []rule.Event{{Provider: cut("windows"), Event: cut("process_creation")}},
		Canonical:   []rule.CanonicalIndicator{{Field: cut("process.name"), Kind: cut("eq"), Value: cut("whoami.exe"), From: []string{cut("Image endswith")}}},
		Diagnostics: []rule.Diagnostic{{Path: cut("rules/a.yml"), Severity: cut("note"), Message: cut("found")}}}
	var nm names
	for _, s := range []*rule.Rule{skeleton(r, &nm), (&heldRules{}).interned(r)} {
		lo := uintptr(unsafe.Pointer(unsafe.StringData(body)))
		hi := lo + uintptr(len(body))
		n := 0
		var walk func(v reflect.Value, at string)
		walk = func(v reflect.Value, at string) {
			switch v.Kind() {
			case reflect.String:
				if v.Len() > 0 {
					n++
					if p := uintptr(unsafe.Pointer(unsafe.StringData(v.String()))); p >= lo && p < hi {
						t.Errorf("%s (%q) shares the body's memory", at, v.String())
					}
				}
			case reflect.Struct:
				for i := range v.NumField() {
					walk(v.Field(i), at+"."+v.Type().Field(i).Name)
				}
			case reflect.Slice:
				for i := range v.Len() {
					walk(v.Index(i), at)
				}
			case reflect.Pointer:
				if !v.IsNil() {
					walk(v.Elem(), at)
				}
			}
		}
		walk(reflect.ValueOf(s), "skeleton")
		if n < 20 {
			t.Errorf("only %d strings in the skeleton: the test walks too little", n)
		}
	}
}
