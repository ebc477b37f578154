package build

import (
	"net/url"
	"testing"
)

// TestSourceLinkEscaped: a file name with '#', '?', '%' or a space links to
// that file, not to a fragment, a query or another file.
func TestSourceLinkEscaped(t *testing.T) {
	src := Source{Name: "r", URL: "https://github.com/o/r.git", Ref: "main"}
	for _, name := range []string{"rules/a#b.kql", "rules/a?b=1.kql", "rules/100%.kql", "rules/a%2Fb.kql", "rules/x y/z.yml", "plain/ok.kql"} {
		l := link(src, name)
		u, err := url.Parse(l)
		if err != nil {
			t.Errorf("%s: %s: %v", name, l, err)
			continue
		}
		if u.Fragment != "" || u.RawQuery != "" || u.Path != "/o/r/blob/main/"+name {
			t.Errorf("%s: %s is path %q, query %q, fragment %q", name, l, u.Path, u.RawQuery, u.Fragment)
		}
	}
	if l := link(src, "plain/ok.kql"); l != "https://github.com/o/r/blob/main/plain/ok.kql" {
		t.Errorf("a plain name: %s", l)
	}
}
