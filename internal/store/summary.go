package store

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/ruledex/ruledex/internal/rule"
)

// Summary tells what a build read and made.
type Summary struct {
	Files          int                       `json:"files"`       // files in the sources
	Read           int                       `json:"read"`        // files read in this build
	Reused         int                       `json:"reused"`      // unchanged files whose rules came from the last catalog
	Removed        int                       `json:"removed"`     // files of the last catalog that are gone
	WithRules      int                       `json:"with_rules"`  // files that gave at least one rule
	Skipped        map[string]int            `json:"skipped"`     // files that gave no rule, by reason
	Rules          int                       `json:"rules"`       // rules in the catalog
	ByPlatform     map[string]int            `json:"by_platform"` // rules by platform
	ByKind         map[string]int            `json:"by_kind"`     // rules by kind
	ByPlatformKind map[string]map[string]int `json:"by_platform_kind"`
	Diagnostics    map[string]int            `json:"diagnostics"`      // diagnostics of rules and files, by severity
	RulesWithError int                       `json:"rules_with_error"` // rules with at least one error diagnostic
	NearDuplicates int                       `json:"near_duplicates"`  // rules with at least one near-duplicate
	UnknownATTACK  map[string]int            `json:"unknown_attack"`   // warnings of ATT&CK ids and tactics the table lacks, by id
	// Attack is the ATT&CK table the rules were resolved with: its release
	// and where it comes from ("ATT&CK 18.1, the embedded table").
	Attack   string        `json:"attack"`
	Duration time.Duration `json:"duration_ns"`
	UpToDate bool          `json:"up_to_date"` // nothing changed since the last build, which was kept as it was
}

// Reasons a file gives no rule, besides the reader's own (ingest's "not a
// rule format ruledex reads", "larger than 8 MiB", I/O errors).
const SkipNoRule = "read as %s, but no rule in it"

// Write prints s for a person.
func (s *Summary) Write(w io.Writer) {
	if s.UpToDate {
		fmt.Fprintf(w, "catalog up to date: no file changed (checked in %s)\n", s.Duration.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "%d rules from %d files (%d read, %d unchanged, %d removed) in %s\n",
		s.Rules, s.Files, s.Read, s.Reused, s.Removed, s.Duration.Round(time.Millisecond))
	plats := sortedKeys(s.ByPlatform)
	for _, p := range plats {
		var kinds []string
		for _, k := range sortedKeys(s.ByPlatformKind[p]) {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, s.ByPlatformKind[p][k]))
		}
		fmt.Fprintf(w, "  %-12s %6d  (%s)\n", p, s.ByPlatform[p], strings.Join(kinds, ", "))
	}
	fmt.Fprintf(w, "files: %d with rules", s.WithRules)
	for _, why := range sortedKeys(s.Skipped) {
		fmt.Fprintf(w, "; %d %s", s.Skipped[why], why)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "diagnostics: %d error, %d warning, %d info (%d rules with errors)\n",
		s.Diagnostics[rule.SevError], s.Diagnostics[rule.SevWarning], s.Diagnostics[rule.SevInfo], s.RulesWithError)
	if s.Attack != "" {
		fmt.Fprintf(w, "techniques resolved with %s\n", s.Attack)
	}
	if line := s.unknownATTACK(10); line != "" {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "near-duplicates: %d rules have one\n", s.NearDuplicates)
}

// unknownATTACK returns the warnings of unknown ATT&CK ids grouped by
// distinct id, most frequent first, the first max of them: "245 unknown
// ATT&CK ids: T1685 ×164, T1685.001 ×28, ... and 9 more", or "".
func (s *Summary) unknownATTACK(max int) string {
	if len(s.UnknownATTACK) == 0 {
		return ""
	}
	ids := sortedKeys(s.UnknownATTACK)
	total := 0
	for _, id := range ids {
		total += s.UnknownATTACK[id]
	}
	sort.SliceStable(ids, func(i, j int) bool { return s.UnknownATTACK[ids[i]] > s.UnknownATTACK[ids[j]] })
	var b strings.Builder
	fmt.Fprintf(&b, "%d unknown ATT&CK %s (%d distinct): ", total, plural(total, "id", "ids"), len(ids))
	for i, id := range ids {
		if i == max {
			fmt.Fprintf(&b, ", and %d more (ruledex build --diagnostics lists them)", len(ids)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s ×%d", id, s.UnknownATTACK[id])
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
