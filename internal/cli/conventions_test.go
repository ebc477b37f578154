package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/attack"
)

// One convention for every command (issue 19): flags before or after the
// arguments, '-' for standard input or output wherever a file is named,
// `help COMMAND` on standard output, no artefact of Go's flag package in
// help. The test iterates over the command table: a command added without
// a case here fails it.

// convEnv is what the cases run on: a folder of rules and a catalog built
// from it.
type convEnv struct {
	dir, src, db, rule, ruleID, kql, attackJSON string
}

// convCase checks one command.
type convCase struct {
	// after runs the command with its flags after its arguments; ok checks
	// the outcome (exit code, standard output and error).
	after func(e *convEnv) (args []string, stdin string)
	ok    func(code int, out, errs string) bool
	// stdio runs it with '-' where it names a file; nil with noFile set
	// for a command that names none.
	stdio   func(e *convEnv) (args []string, stdin string)
	stdioOK func(code int, out, errs string) bool
	noFile  bool
}

func isJSON(s string) bool {
	var v any
	return json.Unmarshal([]byte(strings.TrimSpace(s)), &v) == nil
}

func isJSONLines(s string) bool {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		if !isJSON(l) {
			return false
		}
	}
	return len(lines) > 0 && lines[0] != ""
}

const convKQL = "SecurityEvent\n| where EventID == 4688\n| where Process has \"whoami\"\n"

var convCases = map[string]convCase{
	"attack": {
		after: func(e *convEnv) ([]string, string) { return []string{"attack", "show", "T1059", "--json"}, "" },
		ok:    func(code int, out, _ string) bool { return code == 0 && isJSON(out) && strings.Contains(out, "T1059") },
		stdio: func(e *convEnv) ([]string, string) {
			return []string{"attack", "show", "T1059", "--attack", "-", "--json"}, e.attackJSON
		},
		stdioOK: func(code int, out, _ string) bool { return code == 0 && strings.Contains(out, "T1059") },
	},
	"bench": {
		// bench takes no argument: one given after the flags is refused,
		// which shows the flags were read around it.
		after: func(e *convEnv) ([]string, string) { return []string{"bench", "stray", "--quick", "--quiet"}, "" },
		ok: func(code int, _, errs string) bool {
			return code == 2 && strings.Contains(errs, "bench takes no arguments")
		},
		stdio: func(e *convEnv) ([]string, string) { return []string{"bench", "--corpus", "-"}, "" },
		stdioOK: func(code int, _, errs string) bool {
			return code == 2 && strings.Contains(errs, "cannot be standard input")
		},
	},
	"build": {
		after: func(e *convEnv) ([]string, string) {
			return []string{"build", e.src, "--db", filepath.Join(e.dir, "after.db"), "--quiet", "--json"}, ""
		},
		ok: func(code int, out, _ string) bool { return code == 0 && isJSON(out) },
		stdio: func(e *convEnv) ([]string, string) {
			return []string{"build", "--config", "-", "--db", filepath.Join(e.dir, "stdin.db"), "--quiet", "--json"},
				"sources:\n  - name: mine\n    path: " + e.src + "\n"
		},
		stdioOK: func(code int, out, _ string) bool {
			return code == 0 && isJSON(out) && strings.Contains(out, `"rules": 1`)
		},
	},
	"coverage": {
		after: func(e *convEnv) ([]string, string) { return []string{"coverage", e.src, "--json"}, "" },
		ok:    func(code int, out, _ string) bool { return code == 0 && isJSON(out) },
		stdio: func(e *convEnv) ([]string, string) {
			return []string{"coverage", "-", "--navigator", "-"}, showSigma
		},
		stdioOK: func(code int, out, _ string) bool { return code == 0 && isJSON(out) && strings.Contains(out, "T1033") },
	},
	"export": {
		after: func(e *convEnv) ([]string, string) {
			return []string{"export", "navigator", "-", e.src, "--name", "after-args"}, ""
		},
		ok: func(code int, out, _ string) bool {
			return code == 0 && isJSON(out) && strings.Contains(out, "after-args")
		},
		stdio:   func(e *convEnv) ([]string, string) { return []string{"export", "navigator", "-", "--db", e.db}, "" },
		stdioOK: func(code int, out, _ string) bool { return code == 0 && isJSON(out) && strings.Contains(out, "T1033") },
	},
	"lint": {
		after: func(e *convEnv) ([]string, string) {
			return []string{"lint", e.src, "--format", "json", "--fail-on", "error"}, ""
		},
		ok: func(code int, out, _ string) bool { return code == 0 && isJSON(out) },
		stdio: func(e *convEnv) ([]string, string) {
			return []string{"lint", "-", "--lang", "kql", "--format", "json"}, convKQL
		},
		stdioOK: func(code int, out, _ string) bool {
			return code == 0 && isJSON(out) && strings.Contains(out, `"file":"-"`)
		},
	},
	"mcp": {
		// mcp serves on standard input and output: a catalog named twice
		// (a folder, then --db after it) is refused before it serves.
		after: func(e *convEnv) ([]string, string) { return []string{"mcp", e.src, "--db", e.db}, "" },
		ok:    func(code int, _, errs string) bool { return code == 2 && strings.Contains(errs, "not both") },
		stdio: func(e *convEnv) ([]string, string) { return []string{"mcp", "--db", "-"}, "" },
		stdioOK: func(code int, _, errs string) bool {
			return code != 0 && !strings.Contains(errs, "panic")
		},
	},
	"parse": {
		after: func(e *convEnv) ([]string, string) { return []string{"parse", e.kql, "--lang", "kql"}, "" },
		ok: func(code int, out, _ string) bool {
			return code == 0 && isJSONLines(out) && strings.Contains(out, "SecurityEvent")
		},
		stdio: func(e *convEnv) ([]string, string) { return []string{"parse", "-"}, showSigma },
		stdioOK: func(code int, out, _ string) bool {
			return code == 0 && isJSONLines(out) && strings.Contains(out, "0b2a4c1e-1111-4222-8333-944455556666")
		},
	},
	"search": {
		after: func(e *convEnv) ([]string, string) { return []string{"search", "whoami", "--db", e.db, "--json"}, "" },
		ok: func(code int, out, _ string) bool {
			return code == 0 && isJSON(out) && strings.Contains(out, `"total":1`)
		},
		stdio: func(e *convEnv) ([]string, string) { return []string{"search", "whoami", "--db", "-"}, "" },
		stdioOK: func(code int, _, errs string) bool {
			return code == 2 && strings.Contains(errs, "cannot be standard input")
		},
	},
	"serve": {
		// serve runs until stopped: a catalog named twice is refused first.
		after: func(e *convEnv) ([]string, string) {
			return []string{"serve", e.src, "--db", e.db, "--addr", "127.0.0.1:0"}, ""
		},
		ok:    func(code int, _, errs string) bool { return code == 2 && strings.Contains(errs, "not both") },
		stdio: func(e *convEnv) ([]string, string) { return []string{"serve", "--db", "-"}, "" },
		stdioOK: func(code int, _, errs string) bool {
			return code == 2 && strings.Contains(errs, "cannot be standard input")
		},
	},
	"show": {
		after: func(e *convEnv) ([]string, string) { return []string{"show", e.ruleID, "--db", e.db, "--json"}, "" },
		ok:    func(code int, out, _ string) bool { return code == 0 && isJSON(out) && strings.Contains(out, "whoami") },
		stdio: func(e *convEnv) ([]string, string) { return []string{"show", "-", "--json"}, showSigma },
		stdioOK: func(code int, out, _ string) bool {
			return code == 0 && isJSON(out) && strings.Contains(out, "0b2a4c1e-1111-4222-8333-944455556666")
		},
	},
	"sync": {
		after: func(e *convEnv) ([]string, string) { return []string{"sync", "stray", "--config", "x.yaml"}, "" },
		ok: func(code int, _, errs string) bool {
			return code == 2 && strings.Contains(errs, "sync takes no arguments")
		},
		stdio: func(e *convEnv) ([]string, string) {
			return []string{"sync", "--config", "-"}, "sources:\n  - name: local\n    path: " + e.src + "\n"
		},
		stdioOK: func(code int, _, errs string) bool { return code == 0 && strings.Contains(errs, "no source") },
	},
	"version": {
		after:  func(e *convEnv) ([]string, string) { return []string{"version", "--json"}, "" },
		ok:     func(code int, out, _ string) bool { return code == 0 && isJSON(out) && strings.Contains(out, `"go"`) },
		noFile: true,
	},
}

func runConv(t *testing.T, args []string, stdin string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := RunIO(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func newConvEnv(t *testing.T) *convEnv {
	t.Helper()
	dir := t.TempDir()
	e := &convEnv{dir: dir, src: filepath.Join(dir, "rules"), db: filepath.Join(dir, "c.db")}
	if err := os.MkdirAll(e.src, 0o755); err != nil {
		t.Fatal(err)
	}
	e.rule = filepath.Join(e.src, "whoami.yml")
	e.kql = filepath.Join(dir, "query.kql")
	for p, c := range map[string]string{e.rule: showSigma, e.kql: convKQL} {
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := runConv(t, []string{"build", "--quiet", "--db", e.db, e.src}, ""); code != 0 {
		t.Fatalf("build: %d %s", code, errs)
	}
	e.ruleID = "sigma/whoami"
	var b bytes.Buffer
	if err := attack.Default().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	e.attackJSON = b.String()
	return e
}

// goFlagArtefacts are what Go's flag package writes in help that ruledex's
// does not: single-dash flags, a backquoted word taken for the value's
// name ("-json ruledex parse"), type names as placeholders.
var goFlagArtefacts = regexp.MustCompile(`(?m)^\s+-[a-z]|^\s+--?[a-z-]+ (string|int|value)$|-\w+ ruledex \w+`)

func TestCLIConventions(t *testing.T) {
	e := newConvEnv(t)
	for _, name := range commandNames() {
		t.Run(name, func(t *testing.T) {
			c, ok := convCases[name]
			if !ok {
				t.Fatalf("command %s has no case in convCases (flags after arguments, '-' where it names a file)", name)
			}
			// help NAME: usage and every flag, on standard output, exit 0;
			// NAME --help the same.
			code, out, errs := runConv(t, []string{"help", name}, "")
			if code != 0 || errs != "" || !strings.HasPrefix(out, "usage: ruledex "+name+" ") {
				t.Fatalf("help %s: %d\n%s\n%s", name, code, out, errs)
			}
			fs := newFlagSet(commands[name])
			if err := commands[name].Run(&Env{Ctx: context.Background(), Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}},
				fs, []string{"--help"}); err != flag.ErrHelp {
				t.Fatalf("%s --help did not stop at the flags: %v", name, err)
			}
			fs.VisitAll(func(f *flag.Flag) {
				if !strings.Contains(out, "  --"+f.Name) {
					t.Errorf("help %s does not list --%s:\n%s", name, f.Name, out)
				}
			})
			if m := goFlagArtefacts.FindString(out); m != "" {
				t.Errorf("help %s has a Go flag-package artefact %q:\n%s", name, m, out)
			}
			code2, out2, _ := runConv(t, []string{name, "--help"}, "")
			if code2 != 0 || out2 != out {
				t.Errorf("%s --help: %d, not the help of help %s:\n%s", name, code2, name, out2)
			}
			// Flags after the arguments.
			args, stdin := c.after(e)
			if code, out, errs := runConv(t, args, stdin); !c.ok(code, out, errs) {
				t.Errorf("flags after arguments: ruledex %s: %d\n%s\n%s", strings.Join(args, " "), code, trim(out), errs)
			}
			// '-' where a file is named.
			if c.noFile {
				if c.stdio != nil {
					t.Errorf("%s: noFile with a stdio case", name)
				}
				return
			}
			if c.stdio == nil {
				t.Fatalf("command %s has no '-' case (set noFile if it names no file)", name)
			}
			args, stdin = c.stdio(e)
			if code, out, errs := runConv(t, args, stdin); !c.stdioOK(code, out, errs) {
				t.Errorf("'-': ruledex %s: %d\n%s\n%s", strings.Join(args, " "), code, trim(out), errs)
			}
		})
	}
}

func trim(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// TestParseFlagsInterleaved: flags before, between and after arguments;
// '--' ends the flags; '-' is an argument.
func TestParseFlagsInterleaved(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  string
		json bool
		db   string
	}{
		{[]string{"a", "--json", "b", "--db", "x"}, "a b", true, "x"},
		{[]string{"--db=x", "a", "-", "--json"}, "a -", true, "x"},
		{[]string{"a", "--", "--json", "-b"}, "a --json -b", false, ""},
		{[]string{"-", "--db", "y", "--", "-"}, "- -", false, "y"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(&bytes.Buffer{})
		j := fs.Bool("json", false, "")
		db := fs.String("db", "", "")
		pos, err := parseFlags(fs, tc.args)
		if err != nil || strings.Join(pos, " ") != tc.pos || *j != tc.json || *db != tc.db {
			t.Errorf("%q: %q json=%v db=%q %v", tc.args, pos, *j, *db, err)
		}
	}
}

// TestParseSaysMarkdown: parse --lang kql on a markdown file of queries
// says what the file is.
func TestParseSaysMarkdown(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hunt.md")
	md := "# Hunt\n\nSome words.\n\n```kql\nSecurityEvent\n| where EventID == 4688\n```\n"
	if err := os.WriteFile(p, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runConv(t, []string{"parse", p, "--lang", "kql"}, "")
	if code != 0 || !strings.Contains(errs, "this file is markdown") {
		t.Fatalf("parse --lang kql %s: %d %s", p, code, errs)
	}
	if _, _, errs := runConv(t, []string{"parse", p}, ""); strings.Contains(errs, "markdown") {
		t.Errorf("without --lang: %s", errs)
	}
}

// TestShowDidYouMean: a typo in an id, or in a Sigma UUID, names the rule;
// the UUID whole shows it.
func TestShowDidYouMean(t *testing.T) {
	e := newConvEnv(t)
	code, out, _ := runConv(t, []string{"show", "--db", e.db, "--json", "0b2a4c1e-1111-4222-8333-944455556666"}, "")
	if code != 0 || !strings.Contains(out, `"id": "sigma/whoami"`) {
		t.Fatalf("show UUID: %d %s", code, out)
	}
	for _, typo := range []string{"sigma/whoamj", "whoam", "0b2a4c1e-1111-4222-8333-944455556667"} {
		code, _, errs := runConv(t, []string{"show", "--db", e.db, typo}, "")
		if code != 1 || !strings.Contains(errs, "did you mean") || !strings.Contains(errs, "sigma/whoami") {
			t.Errorf("show %s: %d %s", typo, code, errs)
		}
	}
}

// TestSearchOpenQuote: an unterminated quote is an error, not "no rule found".
func TestSearchOpenQuote(t *testing.T) {
	e := newConvEnv(t)
	code, out, errs := runConv(t, []string{"search", "--db", e.db, `"whoami`}, "")
	if code != 1 || !strings.Contains(errs, "unterminated quote") || strings.Contains(out, "no rule found") {
		t.Fatalf("search with an open quote: %d %s %s", code, out, errs)
	}
}
