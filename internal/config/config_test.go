package config

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cfg, err := Parse("/etc/rd/ruledex.yaml", []byte(`db: cat.db
sources:
  - name: sigma
    path: src/sigma
    git: https://github.com/SigmaHQ/sigma.git
    ref: master
  - path: /abs/Sentinel-Queries
  - git: https://github.com/Bert-JanP/Hunting-Queries-Detection-Rules.git
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Source{
		{Name: "sigma", Path: "/etc/rd/src/sigma", Git: "https://github.com/SigmaHQ/sigma.git", Ref: "master", Line: 3},
		{Name: "Sentinel-Queries", Path: "/abs/Sentinel-Queries", Line: 7},
		{Name: "Hunting-Queries-Detection-Rules", Path: "/etc/rd/sources/Hunting-Queries-Detection-Rules", Git: "https://github.com/Bert-JanP/Hunting-Queries-Detection-Rules.git", Line: 8},
	}
	if cfg.DB != "/etc/rd/cat.db" || len(cfg.Sources) != len(want) {
		t.Fatalf("got %+v", cfg)
	}
	for i := range want {
		if cfg.Sources[i] != want[i] {
			t.Errorf("source %d: %+v, want %+v", i, cfg.Sources[i], want[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"not yaml", "sources: [\n", "c.yaml:1:1: did not find expected node content"},
		{"list", "- a\n", "c.yaml:1:1: the file must be a mapping"},
		{"unknown key", "db: x\ncolour: red\n", `c.yaml:2:1: unknown key "colour"`},
		{"sources not a list", "sources: x\n", "c.yaml:1:10: sources must be a list"},
		{"source key", "sources:\n  - path: a\n    pth: b\n", `c.yaml:3:5: unknown key "pth"`},
		{"no path", "sources:\n  - name: a\n", "c.yaml:2:5: source a needs a path or a git address"},
		{"twice", "sources:\n  - path: a\n  - path: x/a\n", "c.yaml:3:5: source name a is used twice (first on line 2)"},
		{"option ref", "sources:\n  - git: u\n    ref: --upload-pack=x\n", "may not start with '-'"},
	} {
		_, err := Parse("c.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if cfg, err := Parse("c.yaml", nil); err != nil || len(cfg.Sources) != 0 {
		t.Errorf("empty file: %+v %v", cfg, err)
	}
}

// run runs git in dir, failing the test on error.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func commitFile(t *testing.T, work, name, content, msg string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(work, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, work, "add", name)
	run(t, work, "commit", "-q", "-m", msg)
	return run(t, work, "rev-parse", "HEAD")
}

func TestSync(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	tmp := t.TempDir()
	bare := filepath.Join(tmp, "rules.git")
	work := filepath.Join(tmp, "work")
	run(t, tmp, "init", "-q", "--bare", "-b", "main", bare)
	run(t, tmp, "clone", "-q", bare, work)
	run(t, work, "checkout", "-q", "-b", "main")
	first := commitFile(t, work, "a.yml", "title: A\n", "first")
	run(t, work, "tag", "v1")
	run(t, work, "push", "-q", "origin", "main", "v1")

	cfgPath := filepath.Join(tmp, "ruledex.yaml")
	src := "sources:\n  - name: rules\n    path: src/rules\n    git: " + bare + "\n  - name: pinned\n    path: src/pinned\n    git: " + bare + "\n    ref: v1\n  - name: local\n    path: " + work + "\n"
	if err := os.WriteFile(cfgPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	actions := func(rs []SyncResult) (s []string) {
		for _, r := range rs {
			s = append(s, r.Source.Name+" "+r.Action)
		}
		return s
	}
	res, err := Sync(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(actions(res), ", "); got != "rules cloned, pinned cloned, local skipped" {
		t.Errorf("first sync: %s", got)
	}
	if res[0].Head != first || res[1].Head != first {
		t.Errorf("heads %s %s, want %s", res[0].Head, res[1].Head, first)
	}
	// A new commit upstream: the branch follows, the tag stays.
	second := commitFile(t, work, "b.yml", "title: B\n", "second")
	run(t, work, "push", "-q", "origin", "main")
	res, err = Sync(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(actions(res), ", "); got != "rules updated, pinned unchanged, local skipped" {
		t.Errorf("second sync: %s", got)
	}
	if res[0].Head != second || res[1].Head != first {
		t.Errorf("heads %s %s, want %s %s", res[0].Head, res[1].Head, second, first)
	}
	if _, err := os.Stat(filepath.Join(tmp, "src", "rules", "b.yml")); err != nil {
		t.Errorf("pulled file missing: %v", err)
	}
	// The ref moves to the branch: pinned follows main now.
	cfg.Sources[1].Ref = "main"
	res, _ = Sync(context.Background(), cfg, io.Discard)
	if res[1].Action != "updated" || res[1].Head != second {
		t.Errorf("ref changed to main: %+v", res[1])
	}
	// A source whose address is wrong fails, the others still sync.
	cfg.Sources[0].Git = filepath.Join(tmp, "missing.git")
	cfg.Sources[0].Path = filepath.Join(tmp, "src", "missing")
	res, err = Sync(context.Background(), cfg, io.Discard)
	if err == nil || res[0].Action != "failed" || res[1].Action != "unchanged" {
		t.Errorf("bad address: %v %s", err, actions(res))
	}
}

// FuzzParse checks that no configuration file makes Parse panic, and that
// every error it reports has a position.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "db: x\n", "sources:\n  - name: a\n    path: b\n    git: c\n    ref: d\n", "- a", "sources: [1, {}, [x]]",
		"sources:\n  - {name: a, path: b}\n  - {name: a, path: c}\n", "db: [\n", "sources: {a: b}", "&a [*a]", "sources:\n  - git: -x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := Parse("c.yaml", []byte(src))
		if cfg == nil {
			t.Fatal("nil config")
		}
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			for _, e := range list {
				if e.Line < 1 || e.Col < 1 || e.Msg == "" {
					t.Fatalf("error without a position or message: %+v", e)
				}
			}
		}
	})
}
