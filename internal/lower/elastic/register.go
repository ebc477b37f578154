// Package lowerelastic reads Elastic Security rules into the model: the
// TOML rule files of elastic/detection-rules (detection rules of every type,
// deprecated rules, and the hunting queries' TOML), and raw queries of the
// four languages they are written in, EQL, kuery (Kibana's KQL), ES|QL and
// Lucene. It registers the four languages on the platform "elastic"; the
// TOML format is attached to EQL, and each rule it reads carries the
// language its `language =` names.
//
// The lowering follows Elastic's semantics (see each language's package
// doc, and ../shared/corpus/elastic-reference/README.md):
//
//   - EQL: `==` and `!=` case-sensitive and literal; `:` case-insensitive with
//     the wildcards * and ?; like (like~) wildcards, case-sensitive (not);
//     regex (regex~); in (in~); the ~ functions case-insensitive;
//     `process where` tests event.category (or the rule's
//     event_category_override); x != null tests that x exists.
//   - kuery: field:value on keyword fields is exact and case-sensitive; * is
//     the only wildcard; field:* tests existence; free text is analysed.
//   - ES|QL: ==, !=, IN, LIKE and RLIKE exact and case-sensitive; LIKE
//     takes * and ?; RLIKE a regular expression of the whole value; `:` a
//     full-text match; KQL("...") a kuery query.
//   - Lucene: terms on keyword fields exact and case-sensitive, * and ?
//     wildcards, /regular expressions/, _exists_ and field:* existence.
package lowerelastic

import (
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/eql"
	"github.com/ruledex/ruledex/internal/lang/esql"
	"github.com/ruledex/ruledex/internal/lang/kuery"
	"github.com/ruledex/ruledex/internal/lang/lucene"
)

// Platform is the platform of every rule this package reads.
const Platform = "elastic"

// Language names, as rule.Rule.Language holds them.
const (
	LangEQL    = "eql"
	LangKuery  = "kuery"
	LangESQL   = "esql"
	LangLucene = "lucene"
	// LangSQL is the osquery SQL of a hunting query: kept raw.
	LangSQL = "sql"
	// LangML is a machine-learning rule's: it has no query, its job and
	// anomaly threshold say what it alerts on.
	LangML = "machine_learning"
)

func init() {
	lang.Register(&lang.Language{
		Name:     LangEQL,
		Platform: Platform,
		Title:    "EQL (Event Query Language)",
		Formats: []*lang.Format{
			{Name: "elastic_toml", Order: 50, Exts: []string{"toml"}, Guard: lang.GuardTOML, Match: matchTOML, Read: readTOML},
			{Name: "eql_text", Order: 61, Exts: []string{"eql"}, Match: matchExt("eql"), Read: readRaw(LangEQL)},
		},
		RawFormat: "eql_text",
		Lower:     Lower,
		Parse: func(src []byte) (any, diag.ErrorList) {
			q, errs := eql.Parse(src)
			errs.Locate(src)
			return q, errs
		},
		ParseUnit: "query",
		Highlight: highlightEQL,
	})
	lang.Register(&lang.Language{
		Name:     LangKuery,
		Platform: Platform,
		Title:    "KQL (Kibana Query Language)",
		Formats: []*lang.Format{
			{Name: "kuery_text", Order: 62, Exts: []string{"kuery"}, Match: matchExt("kuery"), Read: readRaw(LangKuery)},
		},
		RawFormat: "kuery_text",
		Lower:     Lower,
		Parse: func(src []byte) (any, diag.ErrorList) {
			q, errs := kuery.Parse(src)
			errs.Locate(src)
			return q, errs
		},
		ParseUnit: "query",
		Highlight: highlightKuery,
	})
	lang.Register(&lang.Language{
		Name:     LangESQL,
		Platform: Platform,
		Title:    "ES|QL (Elasticsearch Query Language)",
		Formats: []*lang.Format{
			{Name: "esql_text", Order: 63, Exts: []string{"esql"}, Match: matchExt("esql"), Read: readRaw(LangESQL)},
		},
		RawFormat: "esql_text",
		Lower:     Lower,
		Parse: func(src []byte) (any, diag.ErrorList) {
			q, errs := esql.Parse(src)
			errs.Locate(src)
			return q, errs
		},
		ParseUnit: "query",
		Highlight: highlightESQL,
	})
	lang.Register(&lang.Language{
		Name:     LangLucene,
		Platform: Platform,
		Title:    "Lucene query string",
		Formats: []*lang.Format{
			{Name: "lucene_text", Order: 64, Exts: []string{"lucene"}, Match: matchExt("lucene"), Read: readRaw(LangLucene)},
		},
		RawFormat: "lucene_text",
		Lower:     Lower,
		Parse: func(src []byte) (any, diag.ErrorList) {
			q, errs := lucene.Parse(src)
			errs.Locate(src)
			return q, errs
		},
		ParseUnit: "query",
		Highlight: highlightLucene,
	})
}
