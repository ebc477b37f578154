package sigma

import (
	"go.yaml.in/yaml/v3"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// DocKind is what a YAML document of a Sigma file is.
type DocKind int

// Kinds of document.
const (
	DocEmpty       DocKind = iota // nothing but comments
	DocInvalid                    // not a Sigma document (not a map, or unreadable YAML)
	DocRule                       // a detection rule (detection:)
	DocCorrelation                // a correlation rule (correlation:)
	DocFilter                     // a meta filter (filter:)
	DocGlobal                     // legacy collection: action: global
	DocReset                      // legacy collection: action: reset
	DocRepeat                     // legacy collection: action: repeat (yields a rule)
)

func (k DocKind) String() string {
	switch k {
	case DocEmpty:
		return "empty"
	case DocInvalid:
		return "invalid"
	case DocRule:
		return "rule"
	case DocCorrelation:
		return "correlation"
	case DocFilter:
		return "filter"
	case DocGlobal:
		return "global"
	case DocReset:
		return "reset"
	case DocRepeat:
		return "repeat"
	}
	return "unknown"
}

// File is a parsed Sigma file: its YAML documents in order.
type File struct {
	Documents []*Document
	// Errors holds every problem of the file, errors and warnings, sorted
	// by position; each document's own are also in Document.Errors.
	Errors diag.ErrorList

	src *source
}

// Rules returns the documents that are rules, correlations or filters (not
// the legacy action documents global and reset, nor empty ones), in order.
// A repeat document is a rule.
func (f *File) Rules() []*Document {
	var ds []*Document
	for _, d := range f.Documents {
		switch d.Kind {
		case DocRule, DocCorrelation, DocFilter, DocRepeat:
			ds = append(ds, d)
		case DocInvalid:
			if d.Root != nil || d.Text != "" {
				ds = append(ds, d)
			}
		}
	}
	return ds
}

// Document is one YAML document of a Sigma file.
type Document struct {
	Index     int    // 0-based among the file's documents
	StartLine int    // file line of the document's first line
	EndLine   int    // file line of its last line
	Offset    int    // byte offset of Text in the file
	Text      string // the document's text as written
	Kind      DocKind
	// Root is the document's top-level map as written (nil when the YAML
	// could not be read); Merged is the map the rule is read from, which
	// differs from Root when legacy global or repeat documents were merged
	// into it.
	Root   *yaml.Node
	Merged *yaml.Node
	// TooLarge is set when the document passed MaxNodes or MaxYAMLDepth:
	// only its metadata was read.
	TooLarge bool

	Meta        Meta
	Logsource   *Logsource
	Detection   *Detection
	Correlation *Correlation
	Filter      *Filter
	Fields      []Scalar // fields:

	Errors diag.ErrorList

	// File is the file the document is part of.
	File *File

	src *source
}

// Lookup returns the rule, correlation or filter document of the file whose
// id or name is ref, or nil.
func (f *File) Lookup(ref string) *Document {
	if f == nil || ref == "" {
		return nil
	}
	for _, d := range f.Rules() {
		if d.Meta.ID.Value == ref || d.Meta.Name.Value == ref {
			return d
		}
	}
	return nil
}

// Snippet returns the text of the block entry whose key is key (the key line
// and the lines more indented below it), dedented.
func (d *Document) Snippet(key *yaml.Node) string {
	if d == nil || d.src == nil {
		return ""
	}
	return d.src.snippet(key)
}

// Pos returns the position of n in the file.
func (d *Document) Pos(n *yaml.Node) Position {
	if d == nil || d.src == nil {
		return Position{Offset: -1}
	}
	return d.src.nodePos(n)
}

// Scalar is one scalar value as written, with its position.
type Scalar struct {
	Value string
	Pos   Position
	Tag   string // resolved YAML tag: !!str, !!int, !!float, !!bool, !!null, !!timestamp
	Node  *yaml.Node
}

// IsSet tells whether the scalar was present.
func (s Scalar) IsSet() bool { return s.Node != nil }

// IsNull tells whether the scalar is YAML null.
func (s Scalar) IsNull() bool { return s.Tag == "!!null" }

// Related is one entry of related:.
type Related struct {
	ID   Scalar
	Type Scalar
}

// Meta is the descriptive part of a rule, correlation or filter.
type Meta struct {
	Title          Scalar
	ID             Scalar
	Name           Scalar
	Taxonomy       Scalar
	Status         Scalar
	Description    Scalar
	License        Scalar
	Author         Scalar
	Date           Scalar
	Modified       Scalar
	Level          Scalar
	Generate       Scalar // correlation: generate
	Action         Scalar // legacy collection: action
	References     []Scalar
	Tags           []Scalar
	FalsePositives []Scalar
	Scope          []Scalar
	Related        []Related
	// Custom lists the top-level keys that are not part of the specification.
	Custom []Scalar
}

// Logsource is the logsource: section.
type Logsource struct {
	Key        *yaml.Node // the "logsource" key
	Category   Scalar
	Product    Scalar
	Service    Scalar
	Definition Scalar
	Other      []KeyValue // other keys, as written
}

// KeyValue is a key with its scalar value.
type KeyValue struct {
	Key   Scalar
	Value Scalar
}

// Detection is a detection: section, or the search part of a filter.
type Detection struct {
	Key        *yaml.Node // the "detection" (or "filter") key
	Searches   []*Search
	Conditions []*Condition // one, or several linked by OR when condition: is a list
	Timeframe  Scalar       // Sigma 1 timeframe (obsolete)
}

// Search returns the search identifier called name, or nil.
func (d *Detection) Search(name string) *Search {
	if d == nil {
		return nil
	}
	for _, s := range d.Searches {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Match returns the search identifiers an OfExpr names, in order.
func (d *Detection) Match(x *OfExpr) []*Search {
	if d == nil {
		return nil
	}
	var ss []*Search
	for _, s := range d.Searches {
		if x.Them {
			if len(s.Name) > 0 && s.Name[0] == '_' {
				continue
			}
		} else if !MatchPattern(x.Pattern, s.Name) {
			continue
		}
		ss = append(ss, s)
	}
	return ss
}

// SearchKind is the shape of a search identifier.
type SearchKind int

// Shapes of a search identifier.
const (
	SearchMap      SearchKind = iota // field: value, ... (AND)
	SearchList                       // list of maps (OR), possibly with keywords among them
	SearchKeywords                   // list of strings (OR), or a single string
	SearchInvalid                    // something else
)

func (k SearchKind) String() string {
	switch k {
	case SearchMap:
		return "map"
	case SearchList:
		return "list"
	case SearchKeywords:
		return "keywords"
	}
	return "invalid"
}

// Search is one search identifier of a detection: a name and what it
// matches. Alternatives are linked by OR; the matches of one alternative by
// AND.
type Search struct {
	Name    string
	Key     *yaml.Node
	Pos     Position
	Kind    SearchKind
	Alts    []*Alt
	Snippet string // the YAML text of the entry, dedented
}

// Alt is one alternative of a search: a map (its matches linked by AND) or
// a keyword list (one Match with no field).
type Alt struct {
	Pos     Position
	Matches []*Match
}

// Match is one key of a search map with its values: a field (or, with an
// empty field, keywords) with its modifiers.
type Match struct {
	Key       string // as written: Field|mod1|mod2
	KeyPos    Position
	Field     string // empty for keywords
	Modifiers []Modifier
	Values    []*Value
	List      bool // the value was written as a list
	ValuePos  Position
	Keyword   bool // a keyword search (a string list, or a map key "|mod" with no field)
}

// Has tells whether m has the modifier name.
func (m *Match) Has(name string) bool {
	for _, x := range m.Modifiers {
		if x.Name == name {
			return true
		}
	}
	return false
}

// Modifier is one value modifier of a match.
type Modifier struct {
	Name string
	Pos  Position
	Info *ModifierInfo // nil for an unknown modifier
}

// ValueType is the YAML type of a value.
type ValueType int

// Types of value.
const (
	TypeString ValueType = iota
	TypeNumber
	TypeBool
	TypeNull
)

func (t ValueType) String() string {
	switch t {
	case TypeNumber:
		return "number"
	case TypeBool:
		return "boolean"
	case TypeNull:
		return "null"
	}
	return "string"
}

// Value is one value of a match as written, with its position. For string
// values read with wildcards (no re, cidr, fieldref, exists or numeric
// modifier), Parts holds the value split into literal text, wildcards and
// (with expand) placeholders.
type Value struct {
	Raw   string
	Pos   Position
	Type  ValueType
	Parts []Part
}

// Condition is one condition of a detection.
type Condition struct {
	Text string
	Pos  Position // position of the condition's first character
	Node *yaml.Node
	Expr Expr
	// offsets maps each byte offset of Text (and len(Text)) to its byte
	// offset in the file, -1 where unknown.
	offsets []int
	src     *source
}

// Position returns the file position of byte offset off of the condition.
func (c *Condition) Position(off int) Position {
	if c == nil {
		return Position{Offset: -1}
	}
	if off >= 0 && off < len(c.offsets) && c.offsets[off] >= 0 && c.src != nil {
		return c.src.offsetPos(c.offsets[off])
	}
	return c.Pos
}

// Correlation is the correlation: section of a correlation rule.
type Correlation struct {
	Key       *yaml.Node
	Type      Scalar
	Rules     []Scalar // rule ids or names, in order
	GroupBy   []Scalar
	Timespan  Scalar
	Condition []CorrelationCondition // criteria linked by AND
	Field     []Scalar               // condition: field (one or more)
	Aliases   []Alias
	CondKey   *yaml.Node // the "condition" key, when there is one
	RulesKey  *yaml.Node
}

// CorrelationCondition is one criterion of a correlation's condition.
type CorrelationCondition struct {
	Op    Scalar // gt, gte, lt, lte, eq, neq (as the key)
	Value Scalar
}

// Alias is a field name alias of a correlation: one name and the field it
// stands for in the events of each rule.
type Alias struct {
	Name   Scalar
	Fields []KeyValue // rule name -> field
}

// Filter is the filter: section of a meta filter.
type Filter struct {
	Key      *yaml.Node
	Rules    []Scalar
	RulesKey *yaml.Node
	// Detection holds the filter's search identifiers and condition.
	Detection *Detection
}

// Part is one piece of a string value.
type Part struct {
	Kind PartKind
	Text string // literal text (unescaped), or the placeholder's name
}

// PartKind is the kind of a Part.
type PartKind int

// Kinds of Part.
const (
	PartText        PartKind = iota // literal text
	PartStar                        // * : any run of characters
	PartQuestion                    // ? : one character
	PartPlaceholder                 // %name% with the expand modifier
)
