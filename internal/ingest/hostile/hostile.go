// Package hostile writes rule trees that a careless or malicious repository
// could hold (truncated and invalid YAML, TOML and markdown, alias bombs,
// binary files and invalid UTF-8 with rule extensions, a file of 50 MB,
// nesting 10,000 deep, a correlation naming a missing rule, duplicate ids
// across repositories, an unreadable file, symbolic link loops) beside a
// few good rules, and says what a build of them must report. Tests write the
// tree into a temporary folder; nothing of it is committed.
package hostile

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Depth is how deep the nested inputs go.
const Depth = 10000

// BigSize is the size of the oversized rule file.
const BigSize = 50 << 20

// Repo is one folder of the tree, read as one repository.
type Repo struct {
	Name, Path string
}

// Bad is a file a build must name in its diagnostics.
type Bad struct {
	Repo, Path string
	// Pos: the file's problem has a place, so the diagnostic must carry a
	// line and a column.
	Pos bool
	// Want: words one of the file's diagnostics must hold (lower case),
	// each a choice of alternatives separated by '|'; none means any.
	Want []string
	Why  string // what the file is, for test messages
}

// Good is a rule a build must put in the catalog.
type Good struct {
	Repo, Path, Title string
}

// Tree is what Write wrote.
type Tree struct {
	Repos []Repo
	Bad   []Bad
	Good  []Good
	// Files is every file and link written, by repository and path.
	Files map[string][]string
}

// Options tune Write.
type Options struct {
	// Unreadable adds a file with no read permission. Leave it out when the
	// tests run as root, who can read it anyway.
	Unreadable bool
	// Big adds the 50 MB rule file.
	Big bool
}

// Write writes the hostile tree under dir: two repositories, "hostile" and
// "twin".
func Write(dir string, opt Options) (*Tree, error) {
	w := &writer{t: &Tree{Files: map[string][]string{}}, rnd: rand.New(rand.NewPCG(7, 7))}
	a := w.repo(dir, "hostile")
	b := w.repo(dir, "twin")

	// Good rules beside the bad ones.
	for i, name := range []string{"whoami", "net_user_add", "schtasks_create", "vssadmin_delete", "certutil_download"} {
		w.good(a, "good/"+name+".yml", fmt.Sprintf("Good Rule %d %s", i+1, name), name+".exe")
	}
	w.good(a, "deep/inner/even/deeper/nested_good.yml", "Good Rule Nested Folder", "rundll32.exe")
	w.file(a, "good/failed_logons.kql", "// Good KQL Rule Failed Logons\n// Many failed logons from one account.\nSecurityEvent\n| where EventID == 4625\n| summarize count() by Account\n")
	w.t.Good = append(w.t.Good, Good{"hostile", "good/failed_logons.kql", "Good KQL Rule Failed Logons"})

	// Truncated and invalid YAML.
	full := sigmaRule("Truncated Rule", "9b2a0d1e-0000-4000-8000-000000000001", "cmd.exe")
	cut := strings.Index(full, "cmd.exe'") + 3 // inside the quoted value
	w.bad(a, "yaml/truncated_in_string.yml", full[:cut], true, "truncated inside a quoted scalar", "")
	flow := strings.Replace(full, `'\cmd.exe'`, `['\cmd.exe', '\powershell.exe', '\pwsh.exe']`, 1)
	w.bad(a, "yaml/truncated_in_list.yml", flow[:strings.Index(flow, `'\powershell.exe'`)], true, "truncated inside a flow list", "")
	w.bad(a, "yaml/truncated_before_condition.yml", full[:strings.Index(full, "    condition:")], true, "truncated before the condition", "condition")
	w.bad(a, "yaml/bad_indent.yml", strings.Replace(full, "    product: windows", "  product: windows\n      category: x: y", 1), true, "inconsistent indentation", "")
	w.bad(a, "yaml/tab_indent.yaml", strings.Replace(full, "    selection:", "\tselection:", 1), true, "a tab for indentation", "")
	w.bad(a, "yaml/not_sigma_broken.yaml", "name: helper\nitems:\n  - a\n  - [b, c\nother: {x: 1\n", true, "invalid YAML that is no rule", "")
	w.bad(a, "yaml/sentinel_truncated.yaml", "id: 3b1c9b9e-0000-4000-8000-000000000002\nname: Truncated Sentinel Rule\nseverity: Medium\nquery: |\n  SecurityEvent\n  | where EventID == 4625\nentityMappings:\n  - entityType: Account\n    fieldMappings:\n      - identifier: FullName\n        columnName: [Account\n", true, "truncated Sentinel YAML", "")

	// Alias bombs: a Sigma rule, a Sentinel rule and a YAML file that is
	// neither, each of nine levels of ten aliases (10⁹ nodes expanded).
	w.bad(a, "bomb/sigma_bomb.yml", "title: Alias Bomb\nlogsource:\n    product: windows\n"+bomb()+"detection:\n    selection:\n        Image: *i\n    condition: selection\n", false, "Sigma alias bomb", "nodes|alias")
	w.bad(a, "bomb/sentinel_bomb.yaml", "id: 3b1c9b9e-0000-4000-8000-000000000003\nname: Sentinel Alias Bomb\n"+bomb()+"query: |\n  SecurityEvent\n  | take 1\nincidentConfiguration: *i\ntags: *i\n", false, "Sentinel alias bomb", "nodes|alias")
	w.bad(a, "bomb/plain_bomb.yaml", bomb()+"all: *i\n", false, "alias bomb in a YAML file that is no rule", "nodes|alias")

	// Binary files and invalid UTF-8 with rule extensions.
	for _, ext := range []string{"yml", "yaml", "kql", "md", "toml"} {
		w.bad(a, "binary/blob."+ext, string(w.binary(4096)), true, "binary ."+ext, "binary")
	}
	latin := strings.Replace(full, "Truncated Rule", "R\xe9gle Latin-1 \xff\xfe", 1)
	w.bad(a, "utf8/latin1.yml", latin, true, "Sigma rule with invalid UTF-8", "utf-8")
	w.bad(a, "utf8/latin1.kql", "// Requ\xeate\nSecurityEvent\n| where Account == \"\xe9\xe8\"\n", true, "KQL with invalid UTF-8", "utf-8")
	w.bad(a, "utf8/latin1.md", "# Hunting \xe9\n\n```kql\nSecurityEvent | where Account == \"\xff\"\n```\n", true, "markdown with invalid UTF-8", "utf-8")
	w.bad(a, "utf8/latin1.toml", "[rule]\nname = \"R\xe9gle\"\n", true, "TOML with invalid UTF-8", "utf-8")
	w.bad(a, "utf8/latin1.yaml", "name: \"caf\xe9\"\n", true, "YAML that is no rule, invalid UTF-8", "utf-8")

	// Truncated and invalid TOML (Elastic's rule format).
	toml := "[metadata]\ncreation_date = \"2020/01/01\"\n\n[rule]\nname = \"Elastic Rule\"\nquery = '''\nprocess where process.name == \"cmd.exe\"\n'''\n"
	w.bad(a, "toml/truncated.toml", toml[:strings.Index(toml, "cmd.exe")], true, "truncated TOML", "toml")
	w.bad(a, "toml/invalid.toml", "[rule]\nname = \"x\"\nname = \"duplicate key\"\nrisk_score = = 3\n", true, "invalid TOML", "toml")
	w.bad(a, "toml/deep.toml", "[rule]\nx = "+strings.Repeat("[", Depth)+strings.Repeat("]", Depth)+"\n", true, "TOML nested 10,000 deep", "toml|deep")
	// The TOML decoder's time grows with the square of the keys
	// (ingest.MaxTOMLKeys), one line of them after a string closed by four
	// quotes included.
	var keys strings.Builder
	for i := range 80000 {
		fmt.Fprintf(&keys, "k%d = %d\n", i, i)
	}
	w.bad(a, "toml/many_keys.toml", "[rule]\nname = \"x\"\nquery = \"a:b\"\n"+keys.String(), true, "TOML with 80,000 keys", "keys")
	w.bad(a, "toml/keys_after_quotes.toml", "[rule]\nname = \"x\"\nquery = \"a:b\"\nz = [\"\"\"x\"\"\"\", {"+strings.Repeat("k=1,", 80000)+"}]\n", true,
		"TOML keys hiding after a string closed by four quotes", "keys")

	// Truncated markdown: a KQL block that never closes.
	w.bad(a, "md/truncated.md", "# Truncated Hunting Query\n\n## Query\n\n```kql\nDeviceProcessEvents\n| where FileName =~ \"cmd.exe\"\n| where ProcessCommandLine has \"", true, "markdown with an unclosed KQL block", "")

	// Nesting 10,000 deep.
	w.bad(a, "deep/yaml_flow.yml", "title: Deep YAML\nlogsource:\n    product: windows\ndetection:\n    selection:\n        Image: "+
		strings.Repeat("[", Depth)+"x"+strings.Repeat("]", Depth)+"\n    condition: selection\n", true, "YAML nested 10,000 deep (flow)", "deep|nest")
	w.bad(a, "deep/yaml_map.yml", "title: Deep YAML Maps\nlogsource:\n    product: windows\ndetection:\n    selection: "+
		strings.Repeat("{a: ", Depth)+"x"+strings.Repeat("}", Depth)+"\n    condition: selection\n", true, "YAML maps nested 10,000 deep", "deep|nest")
	w.bad(a, "deep/condition.yml", "title: Deep Condition\nlogsource:\n    product: windows\ndetection:\n    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: "+
		strings.Repeat("(", Depth)+"selection"+strings.Repeat(")", Depth)+"\n", true, "Sigma condition nested 10,000 deep", "deep|nest")
	w.bad(a, "deep/not_chain.yml", "title: Deep Not\nlogsource:\n    product: windows\ndetection:\n    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: "+
		strings.Repeat("not ", Depth)+"selection\n", true, "Sigma condition of 10,000 nots", "deep|nest")
	// KQL nested 10,000 deep: the rule is kept, with what could be read,
	// and its parser's depth limit is reported.
	deepKQL := "SecurityEvent\n| where " + strings.Repeat("(", Depth) + "EventID == 4625" + strings.Repeat(")", Depth) + "\n"
	w.bad(a, "deep/query.kql", "// Deep KQL\n"+deepKQL, true, "KQL nested 10,000 deep", "deep|nest")
	w.bad(a, "deep/query.md", "# Deep KQL In Markdown\n\n```kql\n"+deepKQL+"```\n", true, "KQL in markdown nested 10,000 deep", "deep|nest")
	w.bad(a, "deep/sentinel.yaml", "id: 3b1c9b9e-0000-4000-8000-000000000008\nname: Deep KQL In Sentinel YAML\nseverity: Low\nquery: |\n  "+strings.ReplaceAll(strings.TrimSpace(deepKQL), "\n", "\n  ")+"\n", true, "KQL in Sentinel YAML nested 10,000 deep", "deep|nest")
	w.t.Good = append(w.t.Good, Good{"hostile", "deep/query.kql", "Deep KQL"}, Good{"hostile", "deep/query.md", "Deep KQL In Markdown"},
		Good{"hostile", "deep/sentinel.yaml", "Deep KQL In Sentinel YAML"})

	// Expansion: more YAML nodes than a document may hold, and more documents than a file may.
	var list strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&list, "            - v%d\n", i)
	}
	w.bad(a, "limits/huge_list.yml", "title: Huge List\nlogsource:\n    product: windows\ndetection:\n    selection:\n        Image:\n"+list.String()+"    condition: selection\n", false, "200,000 list items", "nodes")
	w.bad(a, "limits/many_documents.yml", strings.Repeat("title: Many\nlogsource:\n    product: windows\ndetection:\n    s:\n        a: b\n    condition: s\n---\n", 5000), false, "5,000 YAML documents", "documents")

	// A correlation naming a rule that is not there.
	w.bad(a, "correlation/missing_target.yml", `title: Correlation Of A Missing Rule
id: 0f4c3b9a-0000-4000-8000-000000000004
name: missing_target_correlation
correlation:
    type: event_count
    rules:
        - no_such_rule_anywhere
    group-by:
        - User
    timespan: 5m
    condition:
        gte: 10
level: high
`, true, "correlation naming a missing rule", "no_such_rule_anywhere")

	// The same rule (file name and Sigma id) in two repositories: both kept.
	dup := sigmaRule("Duplicate Rule", "7d1e2f3a-0000-4000-8000-000000000005", "mshta.exe")
	w.file(a, "dup/duplicate.yml", dup)
	w.file(b, "dup/duplicate.yml", dup)
	w.t.Good = append(w.t.Good, Good{"hostile", "dup/duplicate.yml", "Duplicate Rule"}, Good{"twin", "dup/duplicate.yml", "Duplicate Rule"})
	w.t.Bad = append(w.t.Bad, Bad{Repo: "twin", Path: "dup/duplicate.yml", Pos: true, Want: []string{"7d1e2f3a-0000-4000-8000-000000000005"}, Why: "Sigma id used in another repository"})
	w.good(b, "twin_only.yml", "Good Rule Twin Only", "bitsadmin.exe")

	// Symbolic links: a loop of two, a link to itself, a link into nowhere,
	// and a folder linking to its parent. A link to a good file is read.
	for _, l := range [][2]string{{"links/loop_a.yml", "loop_b.yml"}, {"links/loop_b.yml", "loop_a.yml"}, {"links/self.yml", "self.yml"}, {"links/dangling.yml", "nowhere.yml"}} {
		if err := w.link(a, l[0], l[1]); err != nil {
			return nil, err
		}
		w.t.Bad = append(w.t.Bad, Bad{Repo: "hostile", Path: l[0], Want: []string{"link"}, Why: "symbolic link to nothing readable"})
	}
	if err := w.link(a, "links/up", ".."); err != nil {
		return nil, err
	}
	if err := w.link(a, "links/whoami_link.yml", "../good/whoami.yml"); err != nil {
		return nil, err
	}

	if opt.Unreadable {
		w.bad(a, "perm/unreadable.yml", sigmaRule("Unreadable Rule", "1e2d3c4b-0000-4000-8000-000000000006", "at.exe"), false, "file without read permission", "permission")
		if err := os.Chmod(filepath.Join(a.Path, "perm", "unreadable.yml"), 0); err != nil {
			return nil, err
		}
	}
	if opt.Big {
		// A Sigma rule padded with comments to 50 MB: readable if it were read.
		p := filepath.Join(a.Path, "big", "big.yml")
		if err := writeBig(p, sigmaRule("Big Rule", "2f3e4d5c-0000-4000-8000-000000000007", "big.exe")); err != nil {
			return nil, err
		}
		w.t.Files["hostile"] = append(w.t.Files["hostile"], "big/big.yml")
		w.t.Bad = append(w.t.Bad, Bad{Repo: "hostile", Path: "big/big.yml", Want: []string{"larger than|limit"}, Why: "a 50 MB rule file"})
	}
	return w.t, w.err
}

type writer struct {
	t   *Tree
	rnd *rand.Rand
	err error
}

func (w *writer) repo(dir, name string) Repo {
	r := Repo{Name: name, Path: filepath.Join(dir, name)}
	w.t.Repos = append(w.t.Repos, r)
	w.file(r, "LICENSE", "Test data.\n")
	return r
}

func (w *writer) file(r Repo, p, content string) {
	full := filepath.Join(r.Path, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil && w.err == nil {
		w.err = err
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil && w.err == nil {
		w.err = err
	}
	w.t.Files[r.Name] = append(w.t.Files[r.Name], p)
}

func (w *writer) link(r Repo, p, target string) error {
	full := filepath.Join(r.Path, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	w.t.Files[r.Name] = append(w.t.Files[r.Name], p)
	return os.Symlink(target, full)
}

func (w *writer) good(r Repo, p, title, image string) {
	id := fmt.Sprintf("%08x-0000-4000-8000-%012x", w.rnd.Uint32(), w.rnd.Uint64()&0xffffffffffff)
	w.file(r, p, sigmaRule(title, id, image))
	w.t.Good = append(w.t.Good, Good{r.Name, p, title})
}

func (w *writer) bad(r Repo, p, content string, pos bool, why, want string) {
	w.file(r, p, content)
	b := Bad{Repo: r.Name, Path: p, Pos: pos, Why: why}
	if want != "" {
		b.Want = []string{want}
	}
	w.t.Bad = append(w.t.Bad, b)
}

// binary returns n random bytes with NULs and invalid UTF-8 throughout.
func (w *writer) binary(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(w.rnd.Uint32())
	}
	b[0], b[17], b[100] = 0x7f, 0, 0xff
	return b
}

// bomb returns YAML anchors i0..i8, each a list of ten aliases of the one
// before, and i, the last: expanded, i holds 10⁹ scalars.
func bomb() string {
	var b strings.Builder
	b.WriteString("bomb:\n  - &i0 lol\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "  - &i%d [%s]\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*i%d, ", i-1), 10), ", "))
	}
	b.WriteString("  - &i [*i8, *i8, *i8, *i8, *i8, *i8, *i8, *i8, *i8, *i8]\n")
	return b.String()
}

func sigmaRule(title, id, image string) string {
	return "title: " + title + "\nid: " + id + `
status: test
description: Detects ` + image + `
author: Hostile Test
tags:
    - attack.execution
    - attack.t1059
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\` + image + `'
    condition: selection
level: medium
`
}

// writeBig writes rule followed by comment lines up to BigSize bytes,
// a megabyte at a time.
func writeBig(p, rule string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(rule); err != nil {
		f.Close()
		return err
	}
	line := "# " + strings.Repeat("padding ", 12) + "\n"
	block := strings.Repeat(line, (1<<20)/len(line))
	for n := len(rule); n < BigSize; n += len(block) {
		if _, err := f.WriteString(block); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
