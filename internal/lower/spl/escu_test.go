package lowerspl

import "testing"

// TestESCUKind: each ESCU object is told by its top-level keys; a Sigma
// rule (logsource, detection) and a file without a name are none.
func TestESCUKind(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"name: A\nsearch: x\nhow_to_implement: y\n", "detection"},
		{"name: A\nsearch: x\ndata_source: [y]\n", "detection"},
		{"name: A\nsearch: x\ntags: {}\ntype: TTP\n", "detection"},
		{"name: A\nsearch: x\ntags: {}\n", ""},
		{"name: a_macro\ndefinition: x\n", KindMacro},
		{"name: a_macro\ndefinition: x\nsearch: y\n", ""},
		{"name: S\nsourcetype: x\nsource: y\nfields: [a]\n", KindDataSource},
		{"name: S\nsourcetype: x\nsource: y\nsupported_TA: []\n", KindDataSource},
		{"name: S\nsourcetype: x\nsource: y\n", ""},
		{"name: D\nscheduling: {}\ntype: x\n", KindDeployment},
		{"name: D\nscheduling: {}\n", ""},
		{"title: T\nlogsource: {}\ndetection: {}\nname: n\nsearch: x\nhow_to_implement: y\n", ""},
		{"search: x\nhow_to_implement: y\n", ""},
		{"name: A\n  search: x\nhow_to_implement: y\n", ""}, // an indented key is not top-level
	} {
		if got := escuKind([]byte(c.yaml)); got != c.want {
			t.Errorf("escuKind(%q) = %q, want %q", c.yaml, got, c.want)
		}
	}
}
