package lowerkql

import (
	"sort"
	"strings"

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

// clauseWords are the words that open a clause inside a tabular operator
// (summarize ... by, join kind=... on, sort by ... desc nulls last).
var clauseWords = map[string]bool{
	"by": true, "on": true, "kind": true, "with": true, "asc": true, "desc": true, "nulls": true, "first": true,
	"last": true, "of": true, "step": true, "from": true, "to": true, "withsource": true, "hint.strategy": true,
}

// Highlight returns the tokens of a KQL text from the KQL lexer: the name
// after each pipe (and let, set, declare) as a keyword, word operators,
// literals, function names before '(', strings, numbers and comments.
func Highlight(src string) []lang.Token {
	toks, comments, _ := kql.Lex([]byte(src))
	out := make([]lang.Token, 0, len(toks)+len(comments))
	for _, c := range comments {
		out = append(out, lang.Token{Start: c.Pos, End: c.End, Class: lang.Comment})
	}
	prev := ""
	for i, t := range toks {
		if t.Kind == kql.EOF {
			break
		}
		text := src[t.Pos:t.End]
		class := lang.Plain
		switch t.Kind {
		case kql.String:
			class = lang.String
		case kql.Int, kql.Real, kql.Timespan, kql.TypedLit:
			class = lang.Number
		case kql.Pipe, kql.Eql, kql.Neq, kql.EqlTilde, kql.NeqTilde, kql.Lss, kql.Leq, kql.Gtr, kql.Geq, kql.NeqAlt:
			switch text {
			case "|":
				class = lang.Punct
			case "==", "!=", "=~", "!~", "<", "<=", ">", ">=", "<>":
				class = lang.Operator
			}
		default:
			if !t.Kind.IsName() {
				break
			}
			next := ""
			if i+1 < len(toks) && toks[i+1].Kind.IsPunct() {
				next = src[toks[i+1].Pos:toks[i+1].End]
			}
			lower := strings.ToLower(text)
			switch {
			case prev == "|" || prev == "" && (lower == "let" || lower == "set" || lower == "declare") || prev == ";" && (lower == "let" || lower == "set"):
				class = lang.Keyword
			case lower == "true" || lower == "false" || lower == "null":
				class = lang.Literal
			case kql.IsWordOperator(text):
				class = lang.Operator
			case next == "(":
				class = lang.Function
			case clauseWords[lower]:
				class = lang.Keyword
			}
		}
		if t.Kind.IsPunct() {
			prev = src[t.Pos:t.End]
		} else {
			prev = "w"
		}
		start := t.Pos
		if class == lang.Operator && t.Kind.IsName() && i > 0 && toks[i-1].End == t.Pos && src[toks[i-1].Pos:toks[i-1].End] == "!" {
			start = toks[i-1].Pos // !has, !in~: the lexer gives the ! apart
			if n := len(out); n > 0 && out[n-1].Start == start {
				out = out[:n-1]
			}
		}
		if class != lang.Plain {
			out = append(out, lang.Token{Start: start, End: t.End, Class: class})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}
