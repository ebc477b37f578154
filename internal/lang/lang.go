// Package lang is the registry of the languages ruledex reads. Each
// language registers itself once, from its own lowering package
// (internal/lower/<name>): its name and platform, the file formats it
// reads (each telling its files from their content and reading them into
// rules), the lowering of a rule's query into the model, the parse of a raw
// query (for benchmarks and tools), and the tokens that highlight its rule
// bodies, made by its own lexer. Nothing outside a language's folders
// (internal/lang/<name> and internal/lower/<name>) names the language: the
// rest of ruledex asks this registry.
//
// # Adding a language
//
//  1. internal/lang/<name>: the front end, which knows only its syntax:
//     token, lexer, parser (Parse(src []byte) (*AST, diag.ErrorList):
//     a partial tree and every error), ast with byte spans on every node,
//     walk, a printer whose output parses back to the same tree, and its
//     tests (a table of valid and invalid inputs, testdata with the expected
//     errors, a corpus round trip, a fuzz target seeded from the corpus).
//  2. internal/lower/<name>: the formats its rules come in (Format: Match
//     and Read), the lowering into rule.Rule (stages, predicates with their
//     kinds, case and wildcard flags, indicators, outputs, events), the
//     highlighter's tokens, and one lang.Register call in an init function;
//     golden tests of example rules.
//  3. One blank import in internal/lower/all, which every command imports.
//
// The test internal/lang/registry_test.go fails when a package outside
// these folders names a language or platform.
package lang

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/rule"
)

// File is one file of a repository, its bytes already normalised by the
// reader: UTF-8 (a UTF-16 file decoded, a byte-order mark dropped), lines
// ending in '\n' (CRLF and lone CR turned to '\n'), no NUL byte, within the
// size limit.
type File struct {
	Repo string // repository (source) name
	Path string // slash-separated path relative to the repository root
	Data []byte
}

// Ext returns the lower-cased extension of f's path, without the dot.
func (f *File) Ext() string { return Ext(f.Path) }

// Ext returns the lower-cased extension of p, without the dot.
func Ext(p string) string {
	i := strings.LastIndexAny(p, "./")
	if i < 0 || p[i] != '.' {
		return ""
	}
	return strings.ToLower(p[i+1:])
}

// Item is one rule read from a file. Doc optionally carries the front end's
// parse result that the format reader already made (a Sigma document), so
// that the lowering does not parse the same text twice.
type Item struct {
	Rule *rule.Rule
	Doc  any
}

// Guard names the check the reader makes of a file's text before a format
// that does not bound its own reading reads it.
type Guard uint8

const (
	// GuardNone: the format bounds its own reading (node counts, nesting,
	// alias expansion) and reports what it refuses.
	GuardNone Guard = iota
	// GuardYAML: the file is YAML (or JSON); the reader refuses it when it
	// holds more nodes than its limit, or nests deeper, aliases expanded.
	GuardYAML
	// GuardTOML: the file is TOML; the reader refuses it when its arrays
	// and inline tables nest deeper than its limit.
	GuardTOML
)

// Format is one kind of rule file.
type Format struct {
	Name string // e.g. sentinel_yaml, sigma_yaml, kql_text
	// Order decides which format reads a file that several match: lower
	// first (a Sigma file before a generic YAML reader).
	Order int
	// Exts are the extensions (lower case, no dot) of its files. A file
	// with one of them that no format reads is checked and reported.
	Exts []string
	// Guard is the check of the text the reader makes before Read.
	Guard Guard
	// Match tells, from the path and the content, whether f is of this format.
	Match func(f *File) bool
	// Read returns the rules of f. A file that cannot be fully read still
	// yields what could be read, with diagnostics on the rules; diags holds
	// problems that belong to no rule (a file that yields none).
	Read func(f *File) (items []Item, diags []rule.Diagnostic)

	lang *Language
}

// Language returns the language whose format f is.
func (f *Format) Language() *Language { return f.lang }

// TokenClass is what a highlighted range of a rule body is.
type TokenClass uint8

// Token classes; the web pages give each its colour.
const (
	Plain    TokenClass = iota
	Comment             // a comment
	String              // a string literal
	Number              // a number, timespan or date literal
	Keyword             // an operator or command name, a section or YAML key
	Operator            // a word or symbol operator: and, or, has, ==, |contains
	Function            // a function name in a call
	Punct               // the pipe and other structure
	Modifier            // a Sigma |modifier, a YARA-L $variable
	Literal             // true, false, null
)

// Token is a highlighted range [Start, End) of a rule body, in bytes.
type Token struct {
	Start, End int
	Class      TokenClass
}

// ScanQuoted, for highlighters, returns the end of the string literal that starts with the
// quote at i. With escapes, a backslash escapes the next byte; without, a
// doubled quote is a quote. An unterminated literal ends at the line's end.
func ScanQuoted(src string, i int, escapes bool) int {
	q := src[i]
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == '\\' && escapes:
			j += 2
			continue
		case c == q:
			if !escapes && j+1 < len(src) && src[j+1] == q {
				j += 2
				continue
			}
			return j + 1
		case c == '\n':
			return j
		}
		j++
	}
	return len(src)
}

// Language is one language ruledex reads.
type Language struct {
	Name     string // kql, sigma, eql, kuery, esql, lucene, spl, yaral: rule.Rule.Language
	Platform string // the platform of its rules: rule.Rule.Platform
	Title    string // its name for people, e.g. "KQL (Kusto Query Language)"
	Formats  []*Format
	// RawFormat names the format that reads a file of raw queries in this
	// language (`ruledex parse --lang NAME`); "" when there is none.
	RawFormat string
	// Aliases are other names `--lang` takes for it (kusto for kql).
	Aliases []string
	// Lower fills the query-derived parts of a rule read by one of its
	// formats (stages, predicates, indicators, outputs...). Must not panic
	// on any input; the reader recovers from a panic and reports it.
	Lower func(it Item)
	// Parse parses one query (or, for a language whose rule is a whole
	// document, a whole file), for the benchmarks and tools; it returns
	// the front end's errors. The tree is the front end's own.
	Parse func(src []byte) (tree any, errs diag.ErrorList)
	// ParseUnit says what Parse takes: "query" (a rule's Query) or "file".
	ParseUnit string
	// Highlight returns the tokens of a rule body in this language, from
	// its own lexer, sorted and not overlapping.
	Highlight func(src string) []Token
	// Link resolves, once all rules of a build are read and have their ids,
	// what the rules of this language say of each other (Sigma
	// correlations naming rules). Optional.
	Link func(rules []*rule.Rule)
	// LinkByRepo says that Link relates only rules of one repository
	// (rule.Source.Repo) to each other, and leaves the rules of a
	// repository as the last build left them when none of them changed: an
	// incremental build runs it over the repositories that changed only.
	LinkByRepo bool
	// LinkDefinitions, when Link is by repository, are the kinds of the
	// rules Link reads to link the others (a Splunk macro, data source or
	// deployment); Link changes no rule of these kinds, and a rule of
	// another kind only as the rules of these kinds and it say: linked
	// with its repository's rules of these kinds alone, it is linked as
	// with all of them (a quick rebuild links so a rule of a file read
	// again). Nil: any rule may change how the others are linked.
	LinkDefinitions []string
	// UIDPos returns where r states its own identifier (rule.Rule.UID), for
	// diagnostics about it; optional (the rule's first line otherwise). It
	// reads r's query no further than the line it returns (a build keeps
	// the query only that far: package build's heldRules).
	UIDPos func(r *rule.Rule) (line, col int)
	// LinkReadsQuery tells whether Link, when it is not by repository, may
	// read r's query (where it places a diagnostic about a rule r names);
	// optional (nil: whenever r names others, rule.Related). A build keeps
	// the whole query of such a rule only (package build's heldRules).
	LinkReadsQuery func(r *rule.Rule) bool
	// SnippetText returns the part of a rule's query a search snippet is
	// taken from first (Sigma: its detection); optional (the whole query).
	SnippetText func(query string) string
	// EventsNotAlerts says its rules describe events, never another
	// product's alerts, so none is an alert feed (Sigma).
	EventsNotAlerts bool
}

var (
	mu        sync.RWMutex
	languages []*Language
	formats   []*Format // every language's, by Order then registration
)

// Register adds a language. It panics when the name, an alias or a format
// name is taken: a language is registered once.
func Register(l *Language) {
	mu.Lock()
	defer mu.Unlock()
	for _, o := range languages {
		if o.Name == l.Name || slices.Contains(o.Aliases, l.Name) || slices.ContainsFunc(l.Aliases, func(a string) bool { return a == o.Name || slices.Contains(o.Aliases, a) }) {
			panic("lang: language " + l.Name + " registered twice")
		}
	}
	for _, f := range l.Formats {
		for _, g := range formats {
			if g.Name == f.Name {
				panic("lang: format " + f.Name + " registered twice")
			}
		}
		f.lang = l
		formats = append(formats, f)
	}
	slices.SortStableFunc(formats, func(a, b *Format) int { return cmp.Compare(a.Order, b.Order) })
	languages = append(languages, l)
	slices.SortFunc(languages, func(a, b *Language) int { return cmp.Compare(a.Name, b.Name) })
}

// All returns every registered language, by name.
func All() []*Language {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(languages)
}

// Get returns the language called name (or one of its aliases), or nil.
func Get(name string) *Language {
	mu.RLock()
	defer mu.RUnlock()
	name = strings.ToLower(name)
	for _, l := range languages {
		if l.Name == name || slices.Contains(l.Aliases, name) {
			return l
		}
	}
	return nil
}

// Of returns the language of r, or nil when no registered language has its name.
func Of(r *rule.Rule) *Language {
	if r == nil {
		return nil
	}
	return Get(r.Language)
}

// Formats returns every registered format, in the order they are tried.
func Formats() []*Format {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(formats)
}

// FormatByName returns the format called name, or nil.
func FormatByName(name string) *Format {
	mu.RLock()
	defer mu.RUnlock()
	for _, f := range formats {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Detect returns the first format that matches f, or nil when f holds no
// rules ruledex reads.
func Detect(f *File) *Format {
	mu.RLock()
	defer mu.RUnlock()
	for _, ft := range formats {
		if ft.Match(f) {
			return ft
		}
	}
	return nil
}

// IsRuleExt tells whether p has the extension of a file some format reads.
func IsRuleExt(p string) bool {
	ext := Ext(p)
	if ext == "" {
		return false
	}
	mu.RLock()
	defer mu.RUnlock()
	for _, f := range formats {
		if slices.Contains(f.Exts, ext) {
			return true
		}
	}
	return false
}

// ReadAs reads the rules of f as format ft, and fills what every rule
// carries from its file (format, repository, path).
func ReadAs(ft *Format, f *File) ([]Item, []rule.Diagnostic) {
	items, diags := ft.Read(f)
	for _, it := range items {
		r := it.Rule
		if r.Format == "" {
			r.Format = ft.Name
		}
		if r.Source.Repo == "" {
			r.Source.Repo = f.Repo
		}
		if r.Source.Path == "" {
			r.Source.Path = f.Path
		}
		if r.Language == "" && ft.lang != nil {
			r.Language = ft.lang.Name
		}
		if r.Platform == "" && ft.lang != nil {
			r.Platform = ft.lang.Platform
		}
	}
	return items, diags
}

// Lower fills the query-derived parts of it.Rule with its language's
// lowering; a rule of a language with none keeps what its format read.
func Lower(it Item) {
	if l := Of(it.Rule); l != nil && l.Lower != nil {
		l.Lower(it)
	}
}

// Link runs every language's Link over the rules of a build.
func Link(rules []*rule.Rule) { LinkChanged(rules, nil) }

// LinkRepo runs, over rules that are the rules of one repository, the
// Link of every language that links by repository (LinkByRepo); LinkCorpus
// the Link of every other one, over the rules of a build. A build that
// reads one repository at a time runs the first as each is read and the
// second once all are (Link is the two).
func LinkRepo(rules []*rule.Rule) {
	for _, l := range All() {
		if l.Link != nil && l.LinkByRepo {
			l.Link(rules)
		}
	}
}

// LinkCorpus: see LinkRepo.
func LinkCorpus(rules []*rule.Rule) {
	for _, l := range All() {
		if l.Link != nil && !l.LinkByRepo {
			l.Link(rules)
		}
	}
}

// LinkChanged is Link where changed, when not nil, tells the repositories
// that changed since the last build: a language whose Link is by
// repository (LinkByRepo) links only their rules.
func LinkChanged(rules []*rule.Rule, changed func(repo string) bool) {
	var some []*rule.Rule
	for _, l := range All() {
		if l.Link == nil {
			continue
		}
		if !l.LinkByRepo || changed == nil {
			l.Link(rules)
			continue
		}
		if some == nil {
			some = make([]*rule.Rule, 0, len(rules))
			for _, r := range rules {
				if changed(r.Source.Repo) {
					some = append(some, r)
				}
			}
		}
		l.Link(some)
	}
}
