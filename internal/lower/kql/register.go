package lowerkql

import (
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/kql"
)

// The KQL language: Microsoft Sentinel and Defender XDR rules, read from
// Sentinel YAML, markdown and raw .kql/.txt files.
func init() {
	lang.Register(&lang.Language{
		Name:     "kql",
		Platform: "kusto",
		Title:    "KQL (Kusto Query Language)",
		Aliases:  []string{"kusto"},
		Formats: []*lang.Format{
			{Name: "kql_text", Order: 10, Exts: []string{"kql", "csl", "kusto"}, Match: matchKQLText, Read: readKQLText},
			{Name: "kql_markdown", Order: 20, Exts: []string{"md", "markdown"}, Match: matchMarkdown, Read: readMarkdown},
			{Name: "sentinel_yaml", Order: 30, Exts: []string{"yml", "yaml", "json"}, Guard: lang.GuardYAML, Match: matchSentinel, Read: readSentinel},
		},
		RawFormat: "kql_text",
		Lower:     LowerKQL,
		Parse:     parse,
		ParseUnit: "query",
		Highlight: Highlight,
	})
}

// parse is the front end's parse, its tree as any.
func parse(src []byte) (any, diag.ErrorList) { return kql.Parse(src) }
