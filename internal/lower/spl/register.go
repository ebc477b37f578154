// Package lowerspl reads Splunk detections, written in SPL (front end:
// package internal/lang/spl), into the model: the formats (escu.go: the
// detections, macros, data sources and deployments of
// splunk/security_content; conf.go: savedsearches.conf and macros.conf of
// a Splunk app; raw .spl files), the macros Splunk ES and ESCU define
// without a repository writing them (wellknown.go), the lowering
// (lower.go, pred.go, outputs.go), the cross-file resolution run once
// every rule of a build is read (link.go) and the highlighter
// (highlight.go).
package lowerspl

import (
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/spl"
)

// The language's names.
const (
	Name     = "spl"
	Platform = "splunk"

	FormatESCU   = "escu_yaml"          // splunk/security_content YAML: detection, macro, data source, deployment
	FormatSaved  = "savedsearches_conf" // a Splunk app's savedsearches.conf
	FormatMacros = "macros_conf"        // a Splunk app's macros.conf
	FormatText   = "spl_text"           // one raw search a file
)

// Kinds of the rules that are definitions other rules use, not detections.
const (
	KindMacro      = "macro"       // a search macro (ESCU macros/*.yml, macros.conf)
	KindDataSource = "data_source" // an ESCU data source (data_sources/*.yml)
	KindDeployment = "deployment"  // an ESCU default schedule (deployments/*.yml)
)

func init() {
	lang.Register(&lang.Language{
		Name:     Name,
		Platform: Platform,
		Title:    "SPL (Splunk Search Processing Language)",
		Aliases:  []string{"splunk"},
		Formats: []*lang.Format{
			// Before the Sentinel and Sigma readers: an ESCU file is told by its keys.
			{Name: FormatESCU, Order: 25, Exts: []string{"yml", "yaml"}, Guard: lang.GuardYAML, Match: matchESCU, Read: readESCU},
			{Name: FormatSaved, Order: 26, Exts: []string{"conf"}, Match: matchSaved, Read: readSaved},
			{Name: FormatMacros, Order: 27, Exts: []string{"conf"}, Match: matchMacros, Read: readMacros},
			{Name: FormatText, Order: 28, Exts: []string{"spl"}, Match: matchText, Read: readText},
		},
		RawFormat: FormatText,
		Lower:     Lower,
		Parse:     parse,
		ParseUnit: "query",
		Highlight: Highlight,
		Link:      Link,
		// Link lowers a repository's searches with its own macros, data
		// sources and schedules.
		LinkByRepo:      true,
		LinkDefinitions: []string{KindMacro, KindDataSource, KindDeployment},
	})
}

func parse(src []byte) (any, diag.ErrorList) {
	q, errs := spl.Parse(src)
	return q, errs
}
