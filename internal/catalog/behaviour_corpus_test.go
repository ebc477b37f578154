package catalog_test

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// The certutil -urlcache download rules of the corpus, one group per
// platform, by the file each is read from.
var certutilDownload = map[string][]string{
	"sigma": {"proc_creation_win_certutil_download.yml", "proc_creation_win_certutil_download_direct_ip.yml",
		"proc_creation_win_certutil_download_file_sharing_domains.yml"},
	"elastic":   {"defense_evasion_suspicious_certutil_commands.toml"},
	"splunk":    {"certutil_download_with_urlcache_and_split_arguments.yml"},
	"chronicle": {"suspicious_download_via_certutil_exe.yaral"},
	"kusto":     {"CertutilRemoteDownload.md"},
}

// TestCorpusSameBehaviourCertutil: each certutil -urlcache download rule
// lists the others, of every platform, under the same behaviour, and the
// canonical indicator "process.command_line contains urlcache" counts them
// on every platform.
func TestCorpusSameBehaviourCertutil(t *testing.T) {
	rules := readCorpus(t)
	catalog.CrossReference(rules)
	group := map[string][]*rule.Rule{} // platform → its rules of the set
	for _, r := range rules {
		for _, f := range certutilDownload[r.Platform] {
			if path.Base(r.Source.Path) == f {
				group[r.Platform] = append(group[r.Platform], r)
			}
		}
	}
	for p, fs := range certutilDownload {
		if len(group[p]) < len(fs) {
			t.Fatalf("%s: found %d of the rules %v", p, len(group[p]), fs)
		}
	}
	want := catalog.CanonicalKey{Field: "process.command_line", Kind: "contains", Value: "urlcache"}
	for p, rs := range group {
		for _, r := range rs {
			linked := map[string]bool{}
			for _, b := range r.SameBehaviour {
				linked[b.ID] = true
			}
			for q, others := range group {
				for _, o := range others {
					if o.ID == r.ID || o.Source.Path == r.Source.Path {
						continue
					}
					if !linked[o.ID] {
						t.Errorf("%s (%s) does not list %s (%s) under the same behaviour; it lists %v", r.ID, p, o.ID, q, refs(r.SameBehaviour))
					}
				}
			}
			var found *rule.CanonicalIndicator
			for i, c := range r.Canonical {
				if (catalog.CanonicalKey{Field: c.Field, Kind: c.Kind, Value: c.Value}) == want {
					found = &r.Canonical[i]
				}
			}
			if found == nil {
				t.Errorf("%s has no canonical %s; it has %v", r.ID, want, r.Canonical)
				continue
			}
			for q := range group {
				if n := found.ByPlatform[q]; q != p && n == 0 {
					t.Errorf("%s: %s counts no %s rule: %v", r.ID, want, q, found.ByPlatform)
				}
			}
		}
	}
}

func refs(bs []rule.BehaviourRef) []string {
	var out []string
	for _, b := range bs {
		out = append(out, fmt.Sprintf("%s %d %v", b.ID, b.Score, b.Shared))
	}
	return out
}

// TestCorpusVocabularyCoverage measures, for each platform and event kind,
// the share of the corpus's positive indicator values whose field the
// vocabulary maps to a canonical name, and fails below 90% on process,
// network, file, registry and DNS events. With RULEDEX_VOCAB_TABLE=1 it
// prints the table README quotes, and the fields left out.
func TestCorpusVocabularyCoverage(t *testing.T) {
	rules := readCorpus(t)
	cov := catalog.VocabularyCoverageOf(rules)
	goal := map[string]bool{"process": true, "network": true, "file": true, "registry": true, "dns": true}
	type agg struct{ mapped, total int }
	byPlatform := map[string]*agg{}
	var b strings.Builder
	fmt.Fprintln(&b, "| platform | event kind | indicator values | on a canonical field | share |")
	fmt.Fprintln(&b, "|---|---|---:|---:|---:|")
	for _, c := range cov {
		if !goal[c.Kind] || c.Total == 0 {
			continue
		}
		a := byPlatform[c.Platform]
		if a == nil {
			a = &agg{}
			byPlatform[c.Platform] = a
		}
		a.mapped += c.Mapped
		a.total += c.Total
		share := float64(c.Mapped) / float64(c.Total)
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %.1f%% |\n", c.Platform, c.Kind, c.Total, c.Mapped, 100*share)
		if share < 0.9 && c.Total >= 20 {
			t.Errorf("%s %s: %.1f%% of %d indicator values on a canonical field; left out: %v", c.Platform, c.Kind, 100*share, c.Total, top(c.Unmapped, 10))
		}
	}
	var ps []string
	for p := range byPlatform {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	fmt.Fprintln(&b, "\n| platform | all events | indicator values | on a canonical field | share |")
	fmt.Fprintln(&b, "|---|---|---:|---:|---:|")
	for _, c := range summarize(cov) {
		fmt.Fprintf(&b, "| %s | all | %d | %d | %.1f%% |\n", c.Platform, c.Total, c.Mapped, 100*float64(c.Mapped)/float64(max(c.Total, 1)))
	}
	if os.Getenv("RULEDEX_VOCAB_TABLE") != "" {
		t.Log("\n" + b.String())
		for _, c := range cov {
			if len(c.Unmapped) > 0 {
				t.Logf("%s %q left out: %v", c.Platform, c.Kind, top(c.Unmapped, 12))
			}
		}
	}
}

func summarize(cov []catalog.VocabularyCoverage) []catalog.VocabularyCoverage {
	by := map[string]*catalog.VocabularyCoverage{}
	var order []string
	for _, c := range cov {
		a := by[c.Platform]
		if a == nil {
			a = &catalog.VocabularyCoverage{Platform: c.Platform}
			by[c.Platform] = a
			order = append(order, c.Platform)
		}
		a.Mapped += c.Mapped
		a.Total += c.Total
	}
	out := make([]catalog.VocabularyCoverage, 0, len(order))
	for _, p := range order {
		out = append(out, *by[p])
	}
	return out
}

func top(m map[string]int, n int) []string {
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range m {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v || l[i].v == l[j].v && l[i].k < l[j].k })
	var out []string
	for i, x := range l {
		if i == n {
			break
		}
		out = append(out, fmt.Sprintf("%s:%d", x.k, x.v))
	}
	return out
}
