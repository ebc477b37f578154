package lowersigma

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

func TestSigmaLooksLike(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      bool
	}{
		{"rule", "title: x\nlogsource:\n    product: windows\ndetection:\n    sel: {a: 1}\n    condition: sel\n", true},
		{"quoted keys", "\"title\": x\n'detection':\n    sel: {a: 1}\n", true},
		{"bom", "\xef\xbb\xbftitle: x\ndetection: {}\n", true},
		{"correlation without title", "correlation:\n    type: temporal\n", true},
		{"filter", "title: f\nfilter:\n    rules: [a]\n", true},
		{"legacy global", "action: global\nlogsource:\n    product: x\n---\ndetection: {}\n", true},
		{"sentinel", "id: 1\nname: Something\ndescription: x\nseverity: Medium\nquery: |\n  SigninLogs\n  | where x\n", false},
		{"sentinel with title", "title: x\nlogsource: y\nquery: |\n  T\n", false},
		{"splunk", "name: x\nsearch: '| tstats count'\n", false},
		{"nested title only", "metadata:\n  title: x\n  detection: y\n", false},
		{"plain yaml", "a: 1\nb: 2\n", false},
	} {
		if got := LooksLikeSigma([]byte(tt.src)); got != tt.want {
			t.Errorf("%s: LooksLikeSigma = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestSigmaFormatOverCorpora: every Sigma file of the corpus is told to be
// Sigma, and no YAML file of the other corpora (Sentinel, Splunk) is.
func TestSigmaFormatOverCorpora(t *testing.T) {
	base := testcorpus.Dir(t)
	counts := map[string][2]int{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		ext := lang.Ext(p)
		if ext != "yml" && ext != "yaml" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f := &lang.File{Repo: top, Path: filepath.ToSlash(rel), Data: data}
		isSigma := matchSigma(f)
		wantSigma := top == "sigma" || top == "sigma-specification"
		if isSigma != wantSigma {
			t.Errorf("%s: matched as Sigma %v", rel, isSigma)
		}
		c := counts[top]
		c[0]++
		if isSigma {
			c[1]++
		}
		counts[top] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("YAML files per corpus [files, Sigma]: %v", counts)
}

func TestSigmaAuthors(t *testing.T) {
	for in, want := range map[string][]string{
		"Florian Roth": {"Florian Roth"},
		"Florian Roth (Nextron Systems), Nasreddine Bencherchali": {"Florian Roth (Nextron Systems)", "Nasreddine Bencherchali"},
		"A (Org, Inc), B ,C,": {"A (Org, Inc)", "B", "C"},
		"":                    nil,
	} {
		if got := lower.SplitAuthors(in); !reflect.DeepEqual(got, want) {
			t.Errorf("lower.SplitAuthors(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSigmaAttack(t *testing.T) {
	techs, tactics := SigmaAttack([]string{"attack.execution", "attack.t1059.001", "attack.T1059.001", "attack.defense_evasion",
		"attack.t1027", "attack.g0032", "attack.s0002", "cve.2021-44228", "attack.stealth", "detection.threat-hunting"})
	var ids []string
	for _, t := range techs {
		ids = append(ids, t.ID)
	}
	if !reflect.DeepEqual(ids, []string{"T1059.001", "T1027"}) {
		t.Errorf("techniques %v", ids)
	}
	if !reflect.DeepEqual(tactics, []string{"execution", "defense-evasion", "stealth"}) {
		t.Errorf("tactics %v", tactics)
	}
}

func TestSigmaRead(t *testing.T) {
	src := "title: One\nid: 11111111-1111-4111-8111-111111111111\nname: one\nauthor: A, B\nlevel: high\nstatus: test\ntags: [attack.t1110, detection.threat-hunting]\nrelated:\n    - id: 22222222-2222-4222-8222-222222222222\n      type: derived\nlogsource: {product: windows}\ndetection:\n    sel: {a: 1}\n    condition: sel\n---\ntitle: Two\ncorrelation:\n    type: event_count\n    rules: [one]\n    group-by: [x]\n    timespan: 1h\n    condition: {gte: 3}\n---\naction: global\nbogus: [\n"
	items, diags := lang.ReadAs(lang.FormatByName("sigma_yaml"), &lang.File{Repo: "r", Path: "p.yml", Data: []byte(src)})
	if len(items) != 2 {
		t.Fatalf("%d items, diags %v", len(items), diags)
	}
	a, b := items[0].Rule, items[1].Rule
	if a.Title != "One" || a.UID != "11111111-1111-4111-8111-111111111111" || a.Name != "one" || a.Kind != "hunting" ||
		a.Severity != "high" || !reflect.DeepEqual(a.Authors, []string{"A", "B"}) || a.Related[0].Type != "derived" ||
		a.Source.Line != 1 || a.Language != "sigma" || a.Platform != "sigma" || a.Format != "sigma_yaml" || a.Variant != "one" {
		t.Errorf("first rule %+v", a)
	}
	if b.Title != "Two" || b.Kind != "correlation" || b.Source.Line != 16 || !strings.HasPrefix(b.Query, "title: Two\n") {
		t.Errorf("second rule %+v", b)
	}
	// The broken global document's error belongs to no rule: it goes with the first.
	found := false
	for _, d := range a.Diagnostics {
		if strings.Contains(d.Message, "YAML") && d.Line >= 23 {
			found = true
		}
	}
	if !found {
		t.Errorf("YAML error of the last document not reported: %v", a.Diagnostics)
	}
}
