package web

import (
	"strings"
	"testing"
)

func TestSourceWebLink(t *testing.T) {
	for _, c := range []struct {
		remote, ref, path string
		line              int
		want              string
	}{
		{"https://github.com/SigmaHQ/sigma.git", "8eaafff1f", "rules/windows/a b.yml", 12,
			"https://github.com/SigmaHQ/sigma/blob/8eaafff1f/rules/windows/a%20b.yml#L12"},
		{"git@github.com:SigmaHQ/sigma.git", "", "rules/x.yml", 0, "https://github.com/SigmaHQ/sigma/blob/HEAD/rules/x.yml"},
		{"ssh://git@gitlab.com/group/sub/proj.git", "main", "q/r#1.kql", 3,
			"https://gitlab.com/group/sub/proj/-/blob/main/q/r%231.kql#L3"},
		{"https://bitbucket.org/ws/repo", "v1.2", "d/e.yml", 40, "https://bitbucket.org/ws/repo/src/v1.2/d/e.yml#lines-40"},
		{"https://git.example.com/o/r.git", "main", "a.yml", 1, ""}, // unknown host
		{"https://github.com/onlyowner", "main", "a.yml", 1, ""},
		{"javascript:alert(1)", "main", "a.yml", 1, ""},
		{"/work/shared/corpus/sigma", "", "a.yml", 1, ""},
	} {
		if got := sourceWebLink(c.remote, c.ref, c.path, c.line); got != c.want {
			t.Errorf("sourceWebLink(%q, %q, %q, %d) = %q, want %q", c.remote, c.ref, c.path, c.line, got, c.want)
		}
	}
	// The build's own link (GitHub's form) gets the line.
	if got := ruleSourceLink(nil, "r", "a.yml", 7, "https://github.com/o/r/blob/HEAD/a.yml"); got != "https://github.com/o/r/blob/HEAD/a.yml#L7" {
		t.Errorf("build link: %q", got)
	}
}

func TestPlatformLine(t *testing.T) {
	got := strings.Join(platformLine("defender_xdr", "defender-xdr", "nolang", "kql_markdown", "kusto"), " · ")
	if got != "Defender XDR · nolang · markdown" {
		t.Errorf("platform line %q", got)
	}
	if got := strings.Join(platformLine("", "", "x", "", "x"), " · "); got != "" {
		t.Errorf("platform line of a platform named as its language: %q", got)
	}
}
