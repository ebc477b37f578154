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
	register(LangEQL, "EQL (Event Query Language)", 61, located(eql.Parse), highlightEQL,
		&lang.Format{Name: "elastic_toml", Order: 50, Exts: []string{"toml"}, Guard: lang.GuardTOML, Match: matchTOML, Read: readTOML})
	register(LangKuery, "KQL (Kibana Query Language)", 62, located(kuery.Parse), highlightKuery)
	register(LangESQL, "ES|QL (Elasticsearch Query Language)", 63, located(esql.Parse), highlightESQL)
	register(LangLucene, "Lucene query string", 64, located(lucene.Parse), highlightLucene)
}

// register registers the language name of the platform: its raw-query
// format name_text (files .name, of the order given) after the formats
// before, its parser and highlighter; every one lowers with Lower.
func register(name, title string, order int, parse func([]byte) (any, diag.ErrorList), highlight func(string) []lang.Token, before ...*lang.Format) {
	raw := name + "_text"
	lang.Register(&lang.Language{
		Name:      name,
		Platform:  Platform,
		Title:     title,
		Formats:   append(before, &lang.Format{Name: raw, Order: order, Exts: []string{name}, Match: matchExt(name), Read: readRaw(name)}),
		RawFormat: raw,
		Lower:     Lower,
		Parse:     parse,
		ParseUnit: "query",
		Highlight: highlight,
	})
}

// located is parse with its errors located (line and column) in src.
func located[T any](parse func([]byte) (T, diag.ErrorList)) func([]byte) (any, diag.ErrorList) {
	return func(src []byte) (any, diag.ErrorList) {
		q, errs := parse(src)
		errs.Locate(src)
		return q, errs
	}
}
