package lowerspl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lang/spl"
	lowerspl "github.com/ruledex/ruledex/internal/lower/spl"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// readCorpus reads the Splunk corpus as a build does (every file, ids,
// then Link) and returns the rules by path.
func readCorpus(tb testing.TB) (results []ingest.FileResult, all []*rule.Rule) {
	dir := testcorpus.Dir(tb, "splunk")
	results, err := ingest.Read(context.Background(), []ingest.Target{{Repo: "splunk", Path: dir}}, ingest.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, res := range results {
		all = append(all, res.Rules...)
	}
	ingest.Link(all)
	return results, all
}

// TestCorpus: every ESCU detection of the corpus yields its rule, at least
// 99.5% with no error; every macro they call is resolved or reported; Link
// run again changes nothing.
func TestCorpus(t *testing.T) {
	results, all := readCorpus(t)
	detections, clean := 0, 0
	kinds := map[string]int{}
	repoMacros := map[string]bool{}
	for _, r := range all {
		kinds[r.Kind]++
		if r.Kind == lowerspl.KindMacro {
			repoMacros[r.Name] = true
		}
	}
	var calls, resolved, wellKnown, undefined int
	undefinedKeys := map[string]int{}
	for _, res := range results {
		if !strings.HasPrefix(res.Path, "detections/") || !strings.HasSuffix(res.Path, ".yml") {
			continue
		}
		detections++
		if len(res.Rules) != 1 || res.Format != lowerspl.FormatESCU {
			t.Errorf("%s: %d rules, format %q, skipped %q %v", res.Path, len(res.Rules), res.Format, res.Skipped, res.Diags)
			continue
		}
		r := res.Rules[0]
		if !r.HasErrors() {
			clean++
		} else if testing.Verbose() {
			t.Logf("%s: %v", res.Path, r.Diagnostics)
		}
		if len(r.Stages) == 0 {
			t.Errorf("%s: no stage", res.Path)
		}
		// every macro call of the query, as written
		for _, tok := range spl.Lex([]byte(r.Query)) {
			if tok.Kind != spl.MacroTok {
				continue
			}
			calls++
			name, args, _ := spl.SplitMacroCall(tok.Text)
			key := spl.MacroKey(name, len(args))
			switch {
			case repoMacros[key]:
				resolved++
			case isWellKnown(r, tok.Text):
				wellKnown++
			default:
				undefined++
				undefinedKeys[key]++
				if !hasDiag(r, "undefined macro `"+key+"`") {
					t.Errorf("%s: macro %s neither resolved nor reported", res.Path, key)
				}
			}
		}
	}
	rate := float64(clean) / float64(max(detections, 1))
	t.Logf("%d detections, %d without an error (%.2f%%); rules by kind %v", detections, clean, 100*rate, kinds)
	t.Logf("%d macro calls: %d resolved against the repository's macros, %d by their well-known meaning, %d undefined and reported %v",
		calls, resolved, wellKnown, undefined, undefinedKeys)
	if detections < 1600 {
		t.Errorf("only %d detections read", detections)
	}
	if rate < 0.995 {
		t.Errorf("%.2f%% of the detections without an error, want at least 99.5%%", 100*rate)
	}
	if resolved+wellKnown+undefined != calls {
		t.Errorf("calls %d != %d + %d + %d", calls, resolved, wellKnown, undefined)
	}
	// Link is idempotent.
	before, _ := json.Marshal(all)
	ingest.Link(all)
	after, _ := json.Marshal(all)
	if string(before) != string(after) {
		t.Errorf("a second Link changed the rules")
	}
}

func isWellKnown(r *rule.Rule, call string) bool {
	for _, p := range r.Params {
		if p.Name == call {
			return p.Kind == "macro (well-known)"
		}
	}
	return false
}

func hasDiag(r *rule.Rule, prefix string) bool {
	for _, d := range r.Diagnostics {
		if strings.HasPrefix(d.Message, prefix) {
			return true
		}
	}
	return false
}

// TestCertutil: the check of one ESCU detection, read with its
// repository: the data model node as source, the indicators on
// Processes.process and what the process_certutil macro adds, the outputs
// from the by fields and the aggregations, T1105.
func TestCertutil(t *testing.T) {
	_, all := readCorpus(t)
	var r *rule.Rule
	for _, x := range all {
		if strings.HasSuffix(x.Source.Path, "/certutil_download_with_urlcache_and_split_arguments.yml") {
			r = x
		}
	}
	if r == nil {
		t.Fatal("certutil_download_with_urlcache_and_split_arguments not read")
	}
	if len(r.Stages) == 0 || r.Stages[0].Source != "datamodel:Endpoint.Processes" {
		t.Errorf("source: %+v", r.Stages)
	}
	want := map[string]bool{
		`Processes.process contains ["urlcache" "split"] case=false`:  true,
		`Processes.process_name eq ["certutil.exe"] case=false`:       true,
		`Processes.original_file_name eq ["CertUtil.exe"] case=false`: true,
	}
	for _, in := range r.Indicators {
		k := fmt.Sprintf("%s %s %q case=%v", in.Field, in.Kind, in.Values, in.CaseSensitive)
		if !want[k] {
			t.Errorf("unexpected indicator %s", k)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("missing indicator %s", k)
	}
	var outs []string
	for _, o := range r.Outputs {
		outs = append(outs, o.Name)
	}
	if got := strings.Join(outs, " "); got != "dest user parent_process parent_process_name process_name process process_id original_file_name parent_process_id count firstTime lastTime" {
		t.Errorf("outputs %s", got)
	}
	if len(r.Techniques) != 1 || r.Techniques[0].ID != "T1105" || r.Techniques[0].Name != "Ingress Tool Transfer" {
		t.Errorf("techniques %+v", r.Techniques)
	}
	if r.HasErrors() || len(r.Diagnostics) > 0 {
		t.Errorf("diagnostics %v", r.Diagnostics)
	}
	if r.TimeWindow != "1h" {
		t.Errorf("time window %q", r.TimeWindow)
	}
}

// BenchmarkCorpus reads and lowers every file of the Splunk corpus (the
// format, macro expansion with the well-known macros, the lowering), then
// links them (every detection expanded and lowered again with its
// repository's macros): bytes per second of the files read.
func BenchmarkCorpus(b *testing.B) {
	dir := testcorpus.Dir(b, "splunk")
	files := testcorpus.Files(b, dir, ".yml")
	size := 0
	for _, f := range files {
		size += len(f.Data)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		var all []*rule.Rule
		for _, f := range files {
			all = append(all, ingest.ReadData("splunk", f.Rel, f.Rel, f.Data, "").Rules...)
		}
		ingest.Link(all)
	}
}
