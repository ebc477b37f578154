package lint

import (
	"strings"
	"testing"
	"unsafe"
)

// TestOwn: a finding's strings no longer share the memory of the text
// they were cut from once Own has run (what keeps a stored rule's body
// alive after its rule is let go).
func TestOwn(t *testing.T) {
	body := strings.Repeat("x", 1000) + "rule-id repo path/to.yml message fingerprint"
	cut := func(s string) string { i := strings.Index(body, s); return body[i : i+len(s)] }
	fs := []Finding{{Rule: cut("rule-id"), Repo: cut("repo"), Path: cut("path/to.yml"), Message: cut("message"), Fingerprint: cut("fingerprint"),
		text: cut("rule"), qlines: cut("message")}}
	Own(fs)
	lo, hi := uintptr(unsafe.Pointer(unsafe.StringData(body))), uintptr(unsafe.Pointer(unsafe.StringData(body)))+uintptr(len(body))
	f := fs[0]
	for _, s := range []string{f.Rule, f.Repo, f.Path, f.Message, f.Fingerprint, f.text, f.qlines} {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= lo && p < hi {
			t.Errorf("%q still shares the body's memory", s)
		}
	}
	if f.Rule != "rule-id" || f.Path != "path/to.yml" || f.Fingerprint != "fingerprint" {
		t.Errorf("Own changed a value: %+v", f)
	}
}
