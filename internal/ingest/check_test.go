package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

func TestCheckBinary(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		data       string
		skip       bool
		line, col  int
	}{
		{"NUL in a rule file", "a.yml", "title: x\nab\x00c", true, 2, 3},
		{"NUL in a file of no rule extension", "a.png", "\x89PNG\x00", false, 0, 0},
		{"UTF-16 with its mark is text", "a.kql", "\xff\xfeS\x00e\x00", false, 0, 0},
		{"text", "a.md", "# title\n", false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ReadData("r", tc.path, tc.path, []byte(tc.data), "")
			skip, diags := "", res.Diags
			if res.Skipped == SkipBinary {
				skip = res.Skipped
			}
			if (skip != "") != tc.skip {
				t.Fatalf("skip %q, want %v", skip, tc.skip)
			}
			if tc.skip && (len(diags) != 1 || diags[0].Line != tc.line || diags[0].Col != tc.col || diags[0].Path != tc.path) {
				t.Errorf("diags %+v, want one at %d:%d", diags, tc.line, tc.col)
			}
		})
	}
}

func TestCheckUnread(t *testing.T) {
	for _, tc := range []struct {
		name, path, data string
		skip             string
		line, col        int    // line 0: no diagnostic; -1: any line
		msg              string // in the message
	}{
		{"a README", "README.md", "# Notes\n", SkipNoFormat, 0, 0, ""},
		{"a data file", "x.csv", "a,\xff\n", SkipNoFormat, 0, 0, ""},
		{"valid YAML", "c.yml", "a: [1, 2]\nb: {c: d}\n", SkipNoFormat, 0, 0, ""},
		// The YAML parser gives the line (not always the right one: here 1), never the column.
		{"invalid YAML", "c.yml", "a: 1\nb: [1, 2\nc: 3\n", SkipBadYAML, -1, 1, "not valid YAML"},
		{"Latin-1 YAML", "c.yaml", "a: 1\nb: caf\xe9\n", SkipNotUTF8, 2, 7, "0xE9"},
		{"deep YAML", "c.yml", "a: " + strings.Repeat("[", 100) + strings.Repeat("]", 100), SkipYAMLLimit, 1, 1, "nested deeper than 64"},
		{"YAML past the node limit", "c.yml", "a: [" + strings.Repeat("1,", MaxYAMLNodes) + "1]", SkipYAMLLimit, 1, MaxYAMLNodes * 2, "more than 50000 nodes"},
		{"valid TOML", "r.toml", "[rule]\nname = \"x [[[\"\nq = '''\n]]]]\n'''\n# ]]]\n", SkipNoFormat, 0, 0, ""},
		{"invalid TOML", "r.toml", "[rule]\nname = \"x\"\nrisk = = 3\n", SkipBadTOML, 3, 8, "not valid TOML"},
		{"truncated TOML", "r.toml", "[rule]\nname = \"x", SkipBadTOML, 2, 9, "not valid TOML"},
		{"deep TOML", "r.toml", "x = " + strings.Repeat("[", 65) + strings.Repeat("]", 65), SkipBadTOML, 1, 69, "nested deeper than 64"},
		// Closing brackets in strings do not hide the nesting.
		{"deep TOML hiding in strings", "r.toml", "x = " + strings.Repeat(`["]", `, 65) + strings.Repeat("]", 65), SkipBadTOML, 1, 4 + 64*6 + 1, "nested deeper"},
		// The decoder's time grows with the square of the keys: more than
		// MaxTOMLKeys are not decoded (the header's '[' and each '=' count).
		{"TOML past the key limit", "r.toml", "[x]\n" + manyKeys(MaxTOMLKeys), SkipBadTOML, MaxTOMLKeys + 1, 7, "more than 5000 keys"},
		{"TOML at the key limit", "r.toml", "[x]\n" + manyKeys(MaxTOMLKeys-1), SkipNoFormat, 0, 0, ""},
		// A multi-line string closed by four or five quotes ends after the last.
		{"TOML keys after a string closed by four quotes", "r.toml", "z = [\"\"\"x\"\"\"\", {" + strings.Repeat("k=1,", MaxTOMLKeys) + "}]\n", SkipBadTOML, 1, 18 + 4*(MaxTOMLKeys-2), "more than 5000 keys"},
		{"deep TOML after a literal string closed by four quotes", "r.toml", "z = ['''x'''', " + strings.Repeat("[", 65) + strings.Repeat("]", 66) + "\n", SkipBadTOML, 1, 16 + 63, "nested deeper than 64"},
		{"TOML with '=' and '.' in its strings", "r.toml", "q = \"" + strings.Repeat("a.b = c ", 10000) + "\"\n", SkipNoFormat, 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			skip, diags := checkUnread(tc.path, []byte(tc.data), normalise(tc.path, []byte(tc.data)))
			if skip != tc.skip {
				t.Errorf("skip %q, want %q", skip, tc.skip)
			}
			if tc.line == 0 {
				if len(diags) != 0 {
					t.Errorf("diags %+v, want none", diags)
				}
				return
			}
			if len(diags) != 1 || diags[0].Line != tc.line && (tc.line >= 0 || diags[0].Line < 1) || diags[0].Col != tc.col || !strings.Contains(diags[0].Message, tc.msg) {
				t.Errorf("diags %+v, want one at %d:%d saying %q", diags, tc.line, tc.col, tc.msg)
			}
		})
	}
}

func TestGuardYAML(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 6; i++ {
		name := string(rune('b' + i))
		bomb += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	for _, tc := range []struct {
		name, path, data string
		refused          bool
	}{
		{"a rule", "r.yaml", "name: x\nquery: |\n  T | where a == 'b&c' | project *\n", false},
		{"anchors within limits", "r.yaml", "a: &x [1, 2]\nb: *x\nquery: q\n", false},
		{"alias bomb", "r.yaml", bomb + "query: q\n", true},
		{"too many nodes", "r.json", "[" + strings.Repeat("1,", MaxYAMLNodes) + "1]", true},
		{"invalid YAML is the format's to report", "r.yaml", "a: [1\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := guardYAML(tc.path, []byte(tc.data))
			if (d != nil) != tc.refused {
				t.Errorf("guard: %+v, want refused %v", d, tc.refused)
			}
		})
	}
}

func TestHasAnchor(t *testing.T) {
	for s, want := range map[string]bool{
		"a: &x 1":        true,
		"- &item [1]":    true,
		"&top\n":         true,
		"[&a 1, *a]":     true,
		"q: a && b":      true, // a false alarm costs a parse
		"q: a&&b":        false,
		"url: x?a=1&b=2": false,
		"a: & x":         false,
	} {
		if got := hasAnchor([]byte(s)); got != want {
			t.Errorf("hasAnchor(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestExamine(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("rules/a.yml", "title: a\n")
	outside := filepath.Join(t.TempDir(), "secret.md")
	os.WriteFile(outside, []byte("# secret\n"), 0o644)
	os.Symlink("a.yml", filepath.Join(root, "rules/link.yml"))
	os.Symlink(outside, filepath.Join(root, "rules/out.md"))
	os.Symlink("loop2.yml", filepath.Join(root, "rules/loop1.yml"))
	os.Symlink("loop1.yml", filepath.Join(root, "rules/loop2.yml"))
	os.Symlink("..", filepath.Join(root, "rules/up"))
	big := filepath.Join(root, "rules/big.yml")
	f, _ := os.Create(big)
	f.Truncate(MaxFileSize + 1)
	f.Close()

	files, err := ListFiles(Target{Path: root})
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, f := range files {
		rels = append(rels, RelPath(root, f))
	}
	if got, want := strings.Join(rels, " "), "rules/a.yml rules/big.yml rules/link.yml rules/loop1.yml rules/loop2.yml rules/out.md"; got != want {
		t.Errorf("ListFiles: %s, want %s (a link to a folder is not walked)", got, want)
	}
	for _, tc := range []struct {
		path, skip, msg string
	}{
		{"rules/a.yml", "", ""},
		{"rules/link.yml", "", ""},
		{"rules/out.md", SkipOutsideLnk, "leads out of the repository"},
		{"rules/loop1.yml", SkipBadLink, "leads nowhere"},
		{"rules/big.yml", SkipTooLarge, "larger than the limit"},
		{"rules/none.yml", "no such file or directory", "cannot read"},
	} {
		st, skip, diags := Examine(root, filepath.Join(root, tc.path), tc.path)
		if skip != tc.skip {
			t.Errorf("%s: skip %q, want %q", tc.path, skip, tc.skip)
		}
		if tc.skip == "" {
			if st == nil || !st.Mode().IsRegular() || len(diags) != 0 {
				t.Errorf("%s: %v %+v", tc.path, st, diags)
			}
			continue
		}
		if len(diags) != 1 || !strings.Contains(diags[0].Message, tc.msg) || diags[0].Path != tc.path || strings.Contains(diags[0].Message, root) {
			t.Errorf("%s: diags %+v, want one saying %q (and not the machine's path)", tc.path, diags, tc.msg)
		}
	}
	// What ReadFile makes of them.
	if res := ReadFile("r", root, filepath.Join(root, "rules/out.md"), ""); res.Skipped != SkipOutsideLnk || len(res.Rules) != 0 {
		t.Errorf("link out of the repository read: %+v", res)
	}

	// ListStat: the same files, each with what os.Lstat says of it, which
	// ExamineInfo takes as Examine would.
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	write(".git/config", "x")
	write("rules/sub/b.kql", "T | take 1\n")
	files, _ = ListFiles(Target{Path: root})
	listed, err := ListStat(Target{Path: root})
	if err != nil || len(listed) != len(files) || len(files) != 7 {
		t.Fatalf("ListStat: %d files, %v; ListFiles: %d (%v)", len(listed), err, len(files), files)
	}
	for i, l := range listed {
		if l.Path != files[i] {
			t.Errorf("ListStat %d: %s, ListFiles: %s", i, l.Path, files[i])
		}
		want, err := os.Lstat(l.Path)
		if err != nil || l.Info == nil {
			t.Fatalf("%s: %v, %v", l.Path, l.Info, err)
		}
		if l.Info.Size() != want.Size() || l.Info.Mode() != want.Mode() || l.Info.ModTime().UnixNano() != want.ModTime().UnixNano() ||
			l.Info.Name() != want.Name() || l.Info.IsDir() {
			t.Errorf("%s: ListStat says %v %v %v, os.Lstat %v %v %v", l.Path, l.Info.Size(), l.Info.Mode(), l.Info.ModTime(), want.Size(), want.Mode(), want.ModTime())
		}
		rel := RelPath(root, l.Path)
		st1, skip1, d1 := Examine(root, l.Path, rel)
		st2, skip2, d2 := ExamineInfo(root, l.Path, rel, l.Info)
		if skip1 != skip2 || len(d1) != len(d2) || (st1 == nil) != (st2 == nil) || st1 != nil && (st1.Size() != st2.Size() || st1.ModTime() != st2.ModTime() && !st1.ModTime().Equal(st2.ModTime())) {
			t.Errorf("%s: ExamineInfo %v %q %v, Examine %v %q %v", rel, st2, skip2, d2, st1, skip1, d1)
		}
	}
}

func TestReadDataLimits(t *testing.T) {
	res := ReadData("r", "big.kql", "", make([]byte, MaxFileSize+1), "")
	if res.Skipped != SkipTooLarge || len(res.Diags) != 1 || res.Diags[0].Severity != rule.SevError {
		t.Errorf("oversized data: %+v", res.Skipped)
	}
	// A rule read with text that is not UTF-8 says where it stops being.
	res = ReadData("r", "q.kql", "", []byte("// Title\nT\n| where a == \"caf\xe9\"\n"), "")
	if len(res.Rules) != 1 {
		t.Fatalf("rules: %d", len(res.Rules))
	}
	found := false
	for _, d := range res.Rules[0].Diagnostics {
		found = found || d.Line == 3 && d.Col == 18 && strings.Contains(d.Message, "0xE9")
	}
	if !found {
		t.Errorf("no diagnostic at 3:18 for the byte 0xE9: %+v", res.Rules[0].Diagnostics)
	}
}

// manyKeys returns n lines of TOML, a key each: k0 = 0, k1 = 1...
func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "k%d = %d\n", i, i)
	}
	return b.String()
}

// TestTOMLKeyLimit: a TOML rule file past MaxTOMLKeys is not read (its
// decoding would take minutes), and says where; one under it is.
func TestTOMLKeyLimit(t *testing.T) {
	head := "[rule]\nname = \"x\"\nquery = \"process.name : x\"\nlanguage = \"kuery\"\ntype = \"query\"\n"
	res := ReadData("r", "rules/r.toml", "rules/r.toml", []byte(head+manyKeys(MaxTOMLKeys)), "")
	if res.Skipped != SkipTOMLLimit || len(res.Rules) != 0 || len(res.Diags) != 1 || !strings.Contains(res.Diags[0].Message, "more than 5000 keys") {
		t.Errorf("past the limit: skipped %q, %d rules, %+v", res.Skipped, len(res.Rules), res.Diags)
	}
	if res := ReadData("r", "rules/r.toml", "rules/r.toml", []byte(head+manyKeys(100)), ""); res.Skipped != "" || len(res.Rules) != 1 {
		t.Errorf("under it: skipped %q, %d rules, %+v", res.Skipped, len(res.Rules), res.Diags)
	}
}
