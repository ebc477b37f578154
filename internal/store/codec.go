package store

import (
	"errors"
	"fmt"
	"math"

	"github.com/ruledex/ruledex/internal/rule"
)

// The catalog keeps each rule in a compact binary form (the rules table's
// body column) rather than as JSON: an incremental build decodes every
// stored rule to cross-reference it with the files that changed, and
// decoding JSON cost ten times more than everything else it did. The form
// is every field of rule.Rule in declaration order, with no names:
// lengths and integers as varints, strings as length and bytes, the booleans
// of a struct in one byte, maps in the order of their sorted keys (so that
// a rule always encodes to the same bytes, and a build can tell an
// unchanged rule by comparing them). Empty and nil lists are the same. A
// decoded rule's strings share the memory of the one string it was decoded
// from. TestCodecEveryField fails when a field of rule.Rule is not encoded.
// A rule's links to other rules (SameAction, NearDuplicates, SameBehaviour)
// are the exception: they are kept in the links table (links.go), not in
// its body.

// codecVersion is the first byte of every encoded rule.
const codecVersion = 4

// maxStageDepth bounds the nesting of stages a decoded rule may have (as
// encoding/json bounds the nesting of what it decodes).
const maxStageDepth = 10000

// encodeRule appends the binary form of r to b.
func encodeRule(b []byte, r *rule.Rule) []byte {
	e := encoder{b: append(b, codecVersion)}
	e.str(r.ID)
	e.str(r.UID)
	e.str(r.Name)
	e.str(r.Platform)
	e.str(r.Product)
	e.str(r.Language)
	e.str(r.Format)
	e.str(r.Variant)
	e.str(r.Title)
	e.str(r.Description)
	e.str(r.Source.Repo)
	e.str(r.Source.Path)
	e.int(r.Source.Line)
	e.str(r.Source.URL)
	e.str(r.Kind)
	e.str(r.Status)
	e.str(r.Severity)
	e.strs(r.Authors)
	e.str(r.Date)
	e.str(r.Modified)
	e.str(r.Version)
	e.strs(r.References)
	e.strs(r.Tags)
	e.strs(r.FalsePositives)
	e.len(len(r.Related))
	for _, x := range r.Related {
		e.str(x.ID)
		e.str(x.Type)
	}
	e.str(r.Query)
	e.int(r.QueryLine)
	e.len(len(r.Techniques))
	for _, t := range r.Techniques {
		e.str(t.ID)
		e.str(t.Name)
		e.str(t.Tactic)
		e.strs(t.Tactics)
		e.flags(t.Unknown, t.Deprecated, t.Revoked)
		e.str(t.RevokedBy)
		e.str(t.StatedAs)
	}
	e.strs(r.Tactics)
	e.str(r.TimeWindow)
	e.str(r.Frequency)
	e.strs(r.GroupBy)
	e.str(r.Trigger)
	e.len(len(r.Settings))
	for _, k := range sortedKeys(r.Settings) {
		e.str(k)
		e.str(r.Settings[k])
	}
	e.len(len(r.Params))
	for _, p := range r.Params {
		e.str(p.Name)
		e.str(p.Kind)
		e.str(p.Value)
	}
	e.strs(r.Tables)
	e.strs(r.Operators)
	e.strs(r.Functions)
	e.strs(r.Keywords)
	e.stages(r.Stages)
	e.len(len(r.Indicators))
	for _, in := range r.Indicators {
		e.str(in.Field)
		e.str(in.Kind)
		e.flags(in.CaseSensitive, in.Negated, in.All, in.Wildcards)
		e.strs(in.Values)
		e.len(len(in.Corpus))
		for _, c := range in.Corpus {
			e.str(c.Value)
			e.int(c.Total)
			e.len(len(c.ByPlatform))
			for _, k := range sortedKeys(c.ByPlatform) {
				e.str(k)
				e.int(c.ByPlatform[k])
			}
		}
	}
	e.len(len(r.Outputs))
	for _, o := range r.Outputs {
		e.str(o.Name)
		e.str(o.Source)
		e.int(o.Stage)
		e.str(o.Expr)
		e.str(o.Entity)
	}
	e.len(len(r.EntityMappings))
	for _, m := range r.EntityMappings {
		e.str(m.EntityType)
		e.str(m.Identifier)
		e.str(m.Column)
	}
	e.strs(r.DataConnectors)
	e.len(len(r.Events))
	for _, ev := range r.Events {
		e.str(ev.Provider)
		e.str(ev.Event)
		e.str(ev.Title)
		e.str(ev.Channel)
		e.flags(ev.Inferred)
	}
	e.str(r.Explanation)
	e.parts(r.ExplanationParts)
	e.len(len(r.Sections))
	for _, x := range r.Sections {
		e.str(x.Title)
		e.str(x.Text)
	}
	e.strs(r.Actions)
	e.canonical(r.Canonical)
	e.len(len(r.Diagnostics))
	for _, d := range r.Diagnostics {
		e.str(d.Path)
		e.int(d.Line)
		e.int(d.Col)
		e.str(d.Severity)
		e.str(d.Message)
	}
	return e.b
}

type encoder struct{ b []byte }

func (e *encoder) len(n int) { e.uint(uint64(n)) }

func (e *encoder) uint(n uint64) {
	for n >= 0x80 {
		e.b = append(e.b, byte(n)|0x80)
		n >>= 7
	}
	e.b = append(e.b, byte(n))
}

// int writes n zigzag-encoded, so that small negative numbers stay short.
func (e *encoder) int(n int) { e.uint(uint64(n<<1) ^ uint64(n>>63)) }

func (e *encoder) str(s string) {
	e.len(len(s))
	e.b = append(e.b, s...)
}

func (e *encoder) strs(ss []string) {
	e.len(len(ss))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) flags(bs ...bool) {
	var f byte
	for i, b := range bs {
		if b {
			f |= 1 << i
		}
	}
	e.b = append(e.b, f)
}

func (e *encoder) stages(ss []rule.Stage) {
	e.len(len(ss))
	for i := range ss {
		s := &ss[i]
		e.int(s.N)
		e.str(s.Kind)
		e.str(s.Text)
		e.int(s.Line)
		e.int(s.Col)
		e.str(s.Source)
		e.str(s.TimeWindow)
		e.len(len(s.Predicates))
		for _, p := range s.Predicates {
			e.str(p.Field)
			e.str(p.Kind)
			e.strs(p.Values)
			e.flags(p.CaseSensitive, p.Negated, p.All, p.Wildcards)
			e.str(p.Text)
		}
		e.stages(s.Stages)
	}
}

func (e *encoder) parts(ps []rule.ExplainPart) {
	e.len(len(ps))
	for i := range ps {
		p := &ps[i]
		e.str(p.Text)
		e.str(p.Label)
		e.str(p.Op)
		e.int(p.Stage)
		e.parts(p.Items)
	}
}

func (e *encoder) canonical(cs []rule.CanonicalIndicator) {
	e.len(len(cs))
	for _, c := range cs {
		e.str(c.Field)
		e.str(c.Kind)
		e.str(c.Value)
		e.strs(c.From)
		e.int(c.Total)
		e.len(len(c.ByPlatform))
		for _, k := range sortedKeys(c.ByPlatform) {
			e.str(k)
			e.int(c.ByPlatform[k])
		}
	}
}

// errCorrupt is what decodeRule returns for bytes encodeRule did not make.
var errCorrupt = errors.New("stored rule is corrupt")

// EncodeRule appends r's encoding to b: the catalog's, r whole but for
// its lists of links to other rules (SameAction, NearDuplicates,
// SameBehaviour), which the catalog keeps apart. DecodeRule reads it back.
// A build keeps the rules it has read in this form, out of memory, until
// it writes them.
func EncodeRule(b []byte, r *rule.Rule) []byte { return encodeRule(b, r) }

// DecodeRule decodes what EncodeRule wrote. The rule's strings are
// substrings of b when it is a string, of a copy of b when it is bytes.
func DecodeRule[T string | []byte](b T) (*rule.Rule, error) { return decodeRule(string(b)) }

// decodeRule decodes a rule encoded by encodeRule. The rule's strings are
// substrings of s. Lists with no elements are nil (rule.Normalize makes them
// empty).
func decodeRule(s string) (*rule.Rule, error) { return decodeRuleAs(s, false) }

// decodeRuleAs is decodeRule; with searched set it leaves out what no
// search reads (eachSearchPiece): the indicators' counts in the corpus, a
// map a value, each read and passed over. A search decodes its page's hits.
func decodeRuleAs(s string, searched bool) (*rule.Rule, error) {
	s, _, err := bodyFields(s)
	if err != nil {
		return nil, err
	}
	d := decoder{s: s, p: 1}
	r := new(rule.Rule)
	r.ID = d.str()
	r.UID = d.str()
	r.Name = d.str()
	r.Platform = d.str()
	r.Product = d.str()
	r.Language = d.str()
	r.Format = d.str()
	r.Variant = d.str()
	r.Title = d.str()
	r.Description = d.str()
	r.Source.Repo = d.str()
	r.Source.Path = d.str()
	r.Source.Line = d.int()
	r.Source.URL = d.str()
	r.Kind = d.str()
	r.Status = d.str()
	r.Severity = d.str()
	r.Authors = d.strs()
	r.Date = d.str()
	r.Modified = d.str()
	r.Version = d.str()
	r.References = d.strs()
	r.Tags = d.strs()
	r.FalsePositives = d.strs()
	if n := d.len(2); n > 0 {
		r.Related = make([]rule.Related, n)
		for i := range r.Related {
			x := &r.Related[i]
			x.ID = d.str()
			x.Type = d.str()
		}
	}
	r.Query = d.str()
	r.QueryLine = d.int()
	if n := d.len(6); n > 0 {
		r.Techniques = make([]rule.Technique, n)
		for i := range r.Techniques {
			t := &r.Techniques[i]
			t.ID = d.str()
			t.Name = d.str()
			t.Tactic = d.str()
			t.Tactics = d.strs()
			f := d.byte()
			t.Unknown, t.Deprecated, t.Revoked = f&1 != 0, f&2 != 0, f&4 != 0
			t.RevokedBy = d.str()
			t.StatedAs = d.str()
		}
	}
	r.Tactics = d.strs()
	r.TimeWindow = d.str()
	r.Frequency = d.str()
	r.GroupBy = d.strs()
	r.Trigger = d.str()
	if n := d.len(2); n > 0 {
		r.Settings = make(map[string]string, n)
		for range n {
			k := d.str()
			r.Settings[k] = d.str()
		}
	}
	if n := d.len(3); n > 0 {
		r.Params = make([]rule.Param, n)
		for i := range r.Params {
			p := &r.Params[i]
			p.Name = d.str()
			p.Kind = d.str()
			p.Value = d.str()
		}
	}
	r.Tables = d.strs()
	r.Operators = d.strs()
	r.Functions = d.strs()
	r.Keywords = d.strs()
	r.Stages = d.stages(0)
	if n := d.len(5); n > 0 {
		r.Indicators = make([]rule.Indicator, n)
		for i := range r.Indicators {
			in := &r.Indicators[i]
			in.Field = d.str()
			in.Kind = d.str()
			f := d.byte()
			in.CaseSensitive, in.Negated, in.All, in.Wildcards = f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0
			in.Values = d.strs()
			if n := d.len(3); n > 0 {
				var cs []rule.CorpusCount // left nil when searched
				if !searched {
					cs = make([]rule.CorpusCount, n)
				}
				for j := range n {
					var c rule.CorpusCount
					c.Value, c.Total = d.str(), d.int()
					if m := d.len(2); m > 0 {
						if !searched {
							c.ByPlatform = make(map[string]int, m)
						}
						for range m {
							k, v := d.str(), d.int()
							if c.ByPlatform != nil {
								c.ByPlatform[k] = v
							}
						}
					}
					if cs != nil {
						cs[j] = c
					}
				}
				in.Corpus = cs
			}
		}
	}
	if n := d.len(5); n > 0 {
		r.Outputs = make([]rule.OutputField, n)
		for i := range r.Outputs {
			o := &r.Outputs[i]
			o.Name = d.str()
			o.Source = d.str()
			o.Stage = d.int()
			o.Expr = d.str()
			o.Entity = d.str()
		}
	}
	if n := d.len(3); n > 0 {
		r.EntityMappings = make([]rule.EntityMapping, n)
		for i := range r.EntityMappings {
			m := &r.EntityMappings[i]
			m.EntityType = d.str()
			m.Identifier = d.str()
			m.Column = d.str()
		}
	}
	r.DataConnectors = d.strs()
	if n := d.len(5); n > 0 {
		r.Events = make([]rule.Event, n)
		for i := range r.Events {
			ev := &r.Events[i]
			ev.Provider = d.str()
			ev.Event = d.str()
			ev.Title = d.str()
			ev.Channel = d.str()
			ev.Inferred = d.byte()&1 != 0
		}
	}
	r.Explanation = d.str()
	r.ExplanationParts = d.parts(0)
	if n := d.len(2); n > 0 {
		r.Sections = make([]rule.Section, n)
		for i := range r.Sections {
			r.Sections[i].Title = d.str()
			r.Sections[i].Text = d.str()
		}
	}
	r.Actions = d.strs()
	r.Canonical = d.canonical()
	if n := d.len(5); n > 0 {
		r.Diagnostics = make([]rule.Diagnostic, n)
		for i := range r.Diagnostics {
			x := &r.Diagnostics[i]
			x.Path = d.str()
			x.Line = d.int()
			x.Col = d.int()
			x.Severity = d.str()
			x.Message = d.str()
		}
	}
	if d.err == nil && d.p != len(s) {
		d.fail("bytes left over")
	}
	if d.err != nil {
		return nil, d.err
	}
	return r, nil
}

// ruleTexts returns the title, description, language and query of an
// encoded rule, decoding nothing else (for snippets). TestRuleTexts checks
// it against decodeRule.
func ruleTexts(s string) (title, description, language, query string, err error) {
	if !isBody(s) {
		return "", "", "", "", fmt.Errorf("%w: not a rule of codec version %d", errCorrupt, codecVersion)
	}
	d := decoder{s: s, p: 1}
	d.skip(5) // ID, UID, Name, Platform, Product
	language = d.str()
	d.skip(2) // Format, Variant
	title = d.str()
	description = d.str()
	d.skip(2) // Source.Repo, Source.Path
	d.int()   // Source.Line
	d.skip(4) // Source.URL, Kind, Status, Severity
	d.skipStrs()
	d.skip(3) // Date, Modified, Version
	d.skipStrs()
	d.skipStrs()
	d.skipStrs()
	for n := d.len(2); n > 0; n-- { // Related
		d.skip(2)
	}
	query = d.str()
	return title, description, language, query, d.err
}

// decoder reads an encoded rule. After the first error every read returns
// a zero value (and every list is empty), so decodeRule checks once.
type decoder struct {
	s   string
	p   int
	err error
}

func (d *decoder) fail(why string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", errCorrupt, why, d.p)
	}
	d.p = len(d.s)
}

func (d *decoder) uint() uint64 {
	var n uint64
	for shift := 0; shift < 64; shift += 7 {
		if d.p >= len(d.s) {
			d.fail("truncated")
			return 0
		}
		c := d.s[d.p]
		d.p++
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return n
		}
	}
	d.fail("varint too long")
	return 0
}

func (d *decoder) int() int {
	u := d.uint()
	n := int64(u>>1) ^ -int64(u&1)
	if n > math.MaxInt || n < math.MinInt {
		d.fail("integer out of range")
		return 0
	}
	return int(n)
}

// len reads the length of a list whose elements take at least min bytes
// each, so that a corrupt length cannot make a huge allocation.
func (d *decoder) len(min int) int {
	n := d.uint()
	if n > uint64(len(d.s)-d.p)/uint64(min) {
		d.fail("length past the end")
		return 0
	}
	return int(n)
}

func (d *decoder) byte() byte {
	if d.p >= len(d.s) {
		d.fail("truncated")
		return 0
	}
	d.p++
	return d.s[d.p-1]
}

func (d *decoder) str() string {
	n := d.len(1)
	s := d.s[d.p : d.p+n]
	d.p += n
	return s
}

// skip reads n strings.
func (d *decoder) skip(n int) {
	for range n {
		d.str()
	}
}

func (d *decoder) skipStrs() { d.skip(d.len(1)) }

func (d *decoder) strs() []string {
	n := d.len(1)
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

func (d *decoder) stages(depth int) []rule.Stage {
	n := d.len(9)
	if n == 0 {
		return nil
	}
	if depth >= maxStageDepth {
		d.fail("stages nested too deep")
		return nil
	}
	ss := make([]rule.Stage, n)
	for i := range ss {
		s := &ss[i]
		s.N = d.int()
		s.Kind = d.str()
		s.Text = d.str()
		s.Line = d.int()
		s.Col = d.int()
		s.Source = d.str()
		s.TimeWindow = d.str()
		if n := d.len(5); n > 0 {
			s.Predicates = make([]rule.Predicate, n)
			for j := range s.Predicates {
				p := &s.Predicates[j]
				p.Field = d.str()
				p.Kind = d.str()
				p.Values = d.strs()
				f := d.byte()
				p.CaseSensitive, p.Negated, p.All, p.Wildcards = f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0
				p.Text = d.str()
			}
		}
		s.Stages = d.stages(depth + 1)
	}
	return ss
}

func (d *decoder) parts(depth int) []rule.ExplainPart {
	n := d.len(5)
	if n == 0 {
		return nil
	}
	if depth >= maxStageDepth {
		d.fail("explanation nested too deep")
		return nil
	}
	ps := make([]rule.ExplainPart, n)
	for i := range ps {
		p := &ps[i]
		p.Text = d.str()
		p.Label = d.str()
		p.Op = d.str()
		p.Stage = d.int()
		p.Items = d.parts(depth + 1)
	}
	return ps
}

func (d *decoder) canonical() []rule.CanonicalIndicator {
	n := d.len(3)
	if n == 0 {
		return nil
	}
	cs := make([]rule.CanonicalIndicator, n)
	for i := range cs {
		c := &cs[i]
		c.Field = d.str()
		c.Kind = d.str()
		c.Value = d.str()
		c.From = d.strs()
		c.Total = d.int()
		if m := d.len(2); m > 0 {
			c.ByPlatform = make(map[string]int, m)
			for range m {
				k := d.str()
				c.ByPlatform[k] = d.int()
			}
		}
	}
	return cs
}
