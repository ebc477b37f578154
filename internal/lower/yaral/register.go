// Package loweryaral reads Google Security Operations (Chronicle) rules,
// written in YARA-L 2.0 (front end: package internal/lang/yaral), into the
// model: the .yaral format (format.go), ATT&CK from the meta section
// (attack.go), the lowering (lower.go) and the highlighter (highlight.go).
package loweryaral

import (
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/yaral"
)

// The language's names.
const (
	Name       = "yaral"
	Platform   = "chronicle"
	FormatName = "yaral_text"
)

// The YARA-L language: Google SecOps (Chronicle) detection rules.
func init() {
	lang.Register(&lang.Language{
		Name:     Name,
		Platform: Platform,
		Title:    "YARA-L 2.0 (Google SecOps)",
		Aliases:  []string{"yara-l", "yaral2"},
		Formats: []*lang.Format{
			// The front end bounds its own reading (expression depth, error count).
			{Name: FormatName, Order: 15, Exts: []string{"yaral"}, Guard: lang.GuardNone, Match: matchYaral, Read: readYaral},
		},
		RawFormat: FormatName,
		Lower:     Lower,
		Parse:     parse,
		ParseUnit: "query",
		Highlight: Highlight,
	})
}

// parse is the front end's parse; its errors are already in the shared form.
func parse(src []byte) (any, diag.ErrorList) {
	f, errs := yaral.Parse(src)
	return f, errs
}
