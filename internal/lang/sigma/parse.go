package sigma

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"

	"github.com/ruledex/ruledex/internal/lang/yamlbound"
	"go.yaml.in/yaml/v3"
)

// Parse reads a Sigma file: every YAML document in it (rules, correlation
// rules, meta filters, and the legacy collection documents action: global,
// reset and repeat), keeping the line and column of every key and value.
// It returns what it could read, and every problem met, errors and
// warnings, sorted by position (also in File.Errors; nil when there is
// none; its Err method is nil when there are only warnings). It does not
// panic on any input, and its work is bounded by MaxFileSize, MaxDocuments,
// MaxNodes, MaxYAMLDepth and MaxConditionDepth.
func Parse(src []byte) (*File, diag.ErrorList) {
	f := &File{src: newSource(src)}
	if len(src) > MaxFileSize {
		f.Errors = append(f.Errors, newErr(Position{Offset: 0, Line: 1, Col: 1}, diag.Error, fmt.Sprintf("file is larger than %d bytes; not read", MaxFileSize)))
		return f, f.Errors
	}
	chunks := splitDocuments(src)
	if len(chunks) > MaxDocuments {
		f.Errors = append(f.Errors, newErr(f.src.pos(chunks[MaxDocuments].startLine, 1), diag.Error, fmt.Sprintf("file has more than %d YAML documents; the rest is not read", MaxDocuments)))
		chunks = chunks[:MaxDocuments]
	}
	for i, c := range chunks {
		end := c.startLine + strings.Count(string(c.text), "\n")
		if len(c.text) > 0 && c.text[len(c.text)-1] == '\n' {
			end--
		}
		f.src.docs = append(f.src.docs, [2]int{c.startLine, end})
		d := &Document{Index: i, StartLine: c.startLine, EndLine: end, Offset: c.offset, Text: string(c.text), File: f, src: f.src}
		f.Documents = append(f.Documents, d)
	}
	var global *yaml.Node
	var prev *Document
	for i, c := range chunks {
		d := f.Documents[i]
		r := &docReader{d: d, src: f.src}
		r.load(c)
		if d.Root != nil && !d.TooLarge {
			action := mapValue(d.Root, "action")
			switch {
			case action != nil && scalarText(action) == "global":
				d.Kind = DocGlobal
				global = mergeNodes(global, d.Root) // read with each rule it is merged into
			case action != nil && scalarText(action) == "reset":
				d.Kind = DocReset
				global = nil
			case action != nil && scalarText(action) == "repeat":
				d.Kind = DocRepeat
				if prev == nil || prev.Merged == nil {
					r.errorf(action, "action: repeat with no rule before it to repeat")
					d.Merged = d.Root
				} else {
					d.Merged = mergeNodes(prev.Merged, d.Root)
				}
			case action != nil:
				r.errorf(action, "unknown action %q: a Sigma collection knows global, reset and repeat", scalarText(action))
				d.Merged = mergeNodes(global, d.Root)
			default:
				d.Merged = mergeNodes(global, d.Root)
			}
			if d.Merged != nil && d.Kind != DocGlobal && d.Kind != DocReset {
				r.interpret()
				if d.Kind == DocRule || d.Kind == DocCorrelation || d.Kind == DocFilter || d.Kind == DocRepeat {
					prev = d
				}
			}
		}
		d.Errors.Sort()
		f.Errors = append(f.Errors, d.Errors...)
	}
	f.Errors.Sort()
	return f, f.Errors
}

// docReader reads one document.
type docReader struct {
	d   *Document
	src *source
}

func (r *docReader) add(p Position, sev diag.Severity, msg string) {
	r.d.Errors = append(r.d.Errors, newErr(p, sev, msg))
}

func (r *docReader) errorf(n *yaml.Node, format string, args ...any) {
	r.add(r.pos(n), diag.Error, fmt.Sprintf(format, args...))
}

func (r *docReader) warnf(n *yaml.Node, format string, args ...any) {
	r.add(r.pos(n), diag.Warning, fmt.Sprintf(format, args...))
}

func (r *docReader) pos(n *yaml.Node) Position {
	if n == nil || n.Line < 1 {
		return r.src.pos(r.d.StartLine, 1)
	}
	return r.src.nodePos(n)
}

var actionLineRE = regexp.MustCompile(`(?m)^action:[ \t]*['"]?(global|reset|repeat)['"]?[ \t]*\r?$`)

var titleLineRE = regexp.MustCompile(`(?m)^title:[ \t]*['"]?(.*?)['"]?[ \t]*\r?$`)

// load parses the document's YAML within the limits.
func (r *docReader) load(c chunk) {
	d := r.d
	if blankYAML(c.text) {
		d.Kind = DocEmpty
		return
	}
	start := r.src.pos(d.StartLine, 1)
	if yamlbound.NodesAt(c.text, MaxNodes) >= 0 {
		d.Kind, d.TooLarge = DocInvalid, true
		r.add(start, diag.Error, fmt.Sprintf("document too large: it may hold more than %d YAML nodes (the limit); not read", MaxNodes))
		r.titleFromText()
		return
	}
	root, errs := parseYAML(c.text, d.StartLine-1)
	for _, e := range errs { // the YAML reader says a line: its offset in the file
		e.Span.Start = r.src.pos(e.Line, e.Col).Offset
		if e.Span.Start < 0 {
			e.Span.Start = len(r.src.src)
		}
		e.Span.End = e.Span.Start
	}
	d.Errors = append(d.Errors, errs...)
	if root == nil {
		d.Kind = DocInvalid
		if len(errs) == 0 {
			d.Kind = DocEmpty
		}
		// An unreadable action document is still no rule.
		if m := actionLineRE.FindSubmatch(c.text); m != nil {
			switch string(m[1]) {
			case "global":
				d.Kind = DocGlobal
			case "reset":
				d.Kind = DocReset
			}
		}
		r.titleFromText()
		return
	}
	if count, depth, over := yamlbound.Count(root, MaxNodes, MaxYAMLDepth); over {
		d.TooLarge = true
		if depth > MaxYAMLDepth {
			r.add(start, diag.Error, fmt.Sprintf("document nested deeper than %d levels; only its metadata is read", MaxYAMLDepth))
		} else {
			r.add(start, diag.Error, fmt.Sprintf("document has more than %d YAML nodes (aliases expanded: %d seen); only its metadata is read", MaxNodes, count-1))
		}
	}
	n := resolve(root)
	if n == nil || n.Kind != yaml.MappingNode {
		d.Kind = DocInvalid
		r.errorf(root, "a Sigma document is a map of keys (title, logsource, detection, ...); this one is %s", kindName(root))
		return
	}
	d.Root = n
	if d.TooLarge {
		d.Kind = DocInvalid
		r.readMeta(n)
	}
}

// titleFromText reads the title of a document whose YAML could not be read,
// from its text, so that the rule is still named.
func (r *docReader) titleFromText() {
	if m := titleLineRE.FindStringSubmatchIndex(r.d.Text); m != nil {
		line := r.d.StartLine + strings.Count(r.d.Text[:m[2]], "\n")
		r.d.Meta.Title = Scalar{Value: r.d.Text[m[2]:m[3]], Pos: r.src.offsetPos(r.d.Offset + m[2]), Tag: "!!str"}
		_ = line
	}
}

// mapValue returns the value of key in the mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	_, v := mapEntry(n, key)
	return v
}

// mapEntry returns the key and value nodes of key in the mapping n.
func mapEntry(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func scalarText(n *yaml.Node) string {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// mergeNodes merges over into base as the legacy Sigma collections do: maps
// are merged key by key, recursively, and any other value of over replaces
// base's. The "action" key is dropped. Neither input is changed.
func mergeNodes(base, over *yaml.Node) *yaml.Node {
	return mergeDepth(base, over, 0)
}

func mergeDepth(base, over *yaml.Node, depth int) *yaml.Node {
	b, o := resolve(base), resolve(over)
	if depth > MaxYAMLDepth {
		return o
	}
	if b == nil {
		return stripAction(o)
	}
	if o == nil {
		return stripAction(b)
	}
	if b.Kind != yaml.MappingNode || o.Kind != yaml.MappingNode {
		return o
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: o.Tag, Line: o.Line, Column: o.Column, Style: o.Style}
	for i := 0; i+1 < len(b.Content); i += 2 {
		k, v := b.Content[i], b.Content[i+1]
		if k.Value == "action" {
			continue
		}
		if ov := mapValue(o, k.Value); ov != nil {
			ok, _ := mapEntry(o, k.Value)
			out.Content = append(out.Content, ok, mergeDepth(v, ov, depth+1))
			continue
		}
		out.Content = append(out.Content, k, v)
	}
	for i := 0; i+1 < len(o.Content); i += 2 {
		k, v := o.Content[i], o.Content[i+1]
		if k.Value == "action" || mapValue(b, k.Value) != nil {
			continue
		}
		out.Content = append(out.Content, k, v)
	}
	return out
}

func stripAction(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode || mapValue(n, "action") == nil {
		return n
	}
	out := *n
	out.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "action" {
			out.Content = append(out.Content, n.Content[i], n.Content[i+1])
		}
	}
	return &out
}

// known top-level keys of rules, correlations and filters.
var topKeys = map[string]bool{
	"title": true, "id": true, "name": true, "related": true, "taxonomy": true, "status": true, "description": true,
	"license": true, "author": true, "references": true, "date": true, "modified": true, "logsource": true,
	"detection": true, "fields": true, "falsepositives": true, "level": true, "tags": true, "scope": true,
	"correlation": true, "filter": true, "generate": true, "action": true,
}

// interpret reads the merged map of a rule, correlation or filter document.
func (r *docReader) interpret() {
	d := r.d
	root := d.Merged
	if count, _, over := yamlbound.Count(root, MaxNodes, MaxYAMLDepth); over && !d.TooLarge {
		d.TooLarge = true
		r.add(r.src.pos(d.StartLine, 1), diag.Error, fmt.Sprintf("document has more than %d YAML nodes with its merged global parts (%d seen); only its metadata is read", MaxNodes, count-1))
	}
	r.checkDuplicateKeys(root, "top level")
	r.readMeta(root)
	if d.TooLarge {
		if d.Kind != DocRepeat {
			d.Kind = DocInvalid
		}
		return
	}
	corrKey, corr := mapEntry(root, "correlation")
	filtKey, filt := mapEntry(root, "filter")
	detKey, det := mapEntry(root, "detection")
	kind := DocRule
	switch {
	case corr != nil:
		kind = DocCorrelation
	case filt != nil:
		kind = DocFilter
	}
	if d.Kind != DocRepeat {
		d.Kind = kind
	}
	if !d.Meta.Title.IsSet() {
		r.errorf(root, "title is missing: every Sigma %s has one", kindWord(kind))
	}
	lsKey, ls := mapEntry(root, "logsource")
	if ls != nil {
		d.Logsource = r.readLogsource(lsKey, ls)
	}
	switch kind {
	case DocCorrelation:
		d.Correlation = r.readCorrelation(corrKey, corr)
		if det != nil {
			r.errorf(detKey, "a correlation rule has no detection: it refers to other rules")
		}
	case DocFilter:
		if ls == nil {
			r.errorf(root, "logsource is missing: a filter names the log source it applies to")
		}
		d.Filter = r.readFilter(filtKey, filt)
		if det != nil {
			r.errorf(detKey, "a filter has no detection: its search identifiers are under filter:")
		}
	default:
		if ls == nil {
			r.errorf(root, "logsource is missing: every Sigma rule names the log source it reads")
		}
		if det == nil {
			r.errorf(root, "detection is missing: every Sigma rule has one")
		} else {
			d.Detection = r.readDetection(detKey, det, nil)
		}
	}
	if k, v := mapEntry(root, "fields"); v != nil {
		d.Fields = r.scalarList(k, v, "fields")
	}
}

func kindWord(k DocKind) string {
	switch k {
	case DocCorrelation:
		return "correlation rule"
	case DocFilter:
		return "filter"
	}
	return "rule"
}

// checkDuplicateKeys reports keys given twice in the mapping n.
func (r *docReader) checkDuplicateKeys(n *yaml.Node, where string) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	if len(n.Content) <= 16 {
		for i := 0; i+1 < len(n.Content); i += 2 {
			for j := 0; j < i; j += 2 {
				if n.Content[i].Value == n.Content[j].Value {
					r.errorf(n.Content[i], "key %q is given twice (%s; first at line %d)", n.Content[i].Value, where, n.Content[j].Line)
					break
				}
			}
		}
		return
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if first, dup := seen[k.Value]; dup {
			r.errorf(k, "key %q is given twice (%s; first at line %d)", k.Value, where, first.Line)
			continue
		}
		seen[k.Value] = k
	}
}

// scalar reads n as a scalar. A list of scalars is joined with ", " where
// join is set (author written as a list), else it is an error.
func (r *docReader) scalar(key, n *yaml.Node, what string, join bool) Scalar {
	v := resolve(n)
	if v == nil {
		return Scalar{}
	}
	switch v.Kind {
	case yaml.ScalarNode:
		return Scalar{Value: v.Value, Pos: r.pos(v), Tag: v.ShortTag(), Node: v}
	case yaml.SequenceNode:
		if join {
			var parts []string
			for _, it := range v.Content {
				if s := resolve(it); s != nil && s.Kind == yaml.ScalarNode {
					parts = append(parts, s.Value)
				}
			}
			return Scalar{Value: strings.Join(parts, ", "), Pos: r.pos(v), Tag: "!!str", Node: v}
		}
	}
	r.errorf(n, "%s must be a string, not %s", what, kindName(n))
	return Scalar{}
}

// scalarList reads n as a list of scalars; a single scalar is a list of one.
func (r *docReader) scalarList(key, n *yaml.Node, what string) []Scalar {
	v := resolve(n)
	if v == nil {
		return nil
	}
	switch v.Kind {
	case yaml.ScalarNode:
		if v.ShortTag() == "!!null" {
			return nil
		}
		return []Scalar{{Value: v.Value, Pos: r.pos(v), Tag: v.ShortTag(), Node: v}}
	case yaml.SequenceNode:
		out := make([]Scalar, 0, len(v.Content))
		for _, it := range v.Content {
			s := resolve(it)
			if s == nil || s.Kind != yaml.ScalarNode {
				r.errorf(it, "each item of %s must be a string, not %s", what, kindName(it))
				continue
			}
			out = append(out, Scalar{Value: s.Value, Pos: r.pos(s), Tag: s.ShortTag(), Node: s})
		}
		return out
	}
	r.errorf(n, "%s must be a list of strings, not %s", what, kindName(n))
	return nil
}

var (
	dateRE       = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	legacyDateRE = regexp.MustCompile(`^\d{4}/\d{2}/\d{2}$`)
	statuses     = map[string]bool{"stable": true, "test": true, "experimental": true, "deprecated": true, "unsupported": true}
	levels       = map[string]bool{"informational": true, "low": true, "medium": true, "high": true, "critical": true}
	relatedTypes = map[string]bool{"derived": true, "obsolete": true, "merged": true, "renamed": true, "similar": true}
)

// readMeta reads the descriptive keys of the map root.
func (r *docReader) readMeta(root *yaml.Node) {
	m := &r.d.Meta
	*m = Meta{}
	root = resolve(root)
	if root == nil || root.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "title":
			m.Title = r.scalar(k, v, "title", false)
		case "id":
			m.ID = r.scalar(k, v, "id", false)
		case "name":
			m.Name = r.scalar(k, v, "name", false)
		case "taxonomy":
			m.Taxonomy = r.scalar(k, v, "taxonomy", false)
		case "status":
			m.Status = r.scalar(k, v, "status", false)
			if m.Status.IsSet() && !statuses[m.Status.Value] {
				r.warnf(v, "status %q is not one of stable, test, experimental, deprecated, unsupported", m.Status.Value)
			}
		case "description":
			m.Description = r.scalar(k, v, "description", false)
		case "license":
			m.License = r.scalar(k, v, "license", false)
		case "author":
			m.Author = r.scalar(k, v, "author", true)
		case "date", "modified":
			s := r.scalar(k, v, k.Value, false)
			if s.IsSet() && !dateRE.MatchString(s.Value) {
				if legacyDateRE.MatchString(s.Value) {
					r.warnf(v, "%s %q: Sigma 2 dates are written YYYY-MM-DD", k.Value, s.Value)
				} else {
					r.warnf(v, "%s %q is not a date YYYY-MM-DD", k.Value, s.Value)
				}
			}
			if k.Value == "date" {
				m.Date = s
			} else {
				m.Modified = s
			}
		case "level":
			m.Level = r.scalar(k, v, "level", false)
			if m.Level.IsSet() && !levels[m.Level.Value] {
				r.warnf(v, "level %q is not one of informational, low, medium, high, critical", m.Level.Value)
			}
		case "generate":
			m.Generate = r.scalar(k, v, "generate", false)
		case "action":
			m.Action = r.scalar(k, v, "action", false)
		case "references":
			m.References = r.scalarList(k, v, "references")
		case "tags":
			m.Tags = r.scalarList(k, v, "tags")
		case "falsepositives":
			m.FalsePositives = r.scalarList(k, v, "falsepositives")
		case "scope":
			m.Scope = r.scalarList(k, v, "scope")
		case "related":
			m.Related = r.readRelated(v)
		default:
			if !topKeys[k.Value] {
				m.Custom = append(m.Custom, Scalar{Value: k.Value, Pos: r.pos(k), Tag: "!!str", Node: k})
			}
		}
	}
}

func (r *docReader) readRelated(n *yaml.Node) []Related {
	v := resolve(n)
	if v == nil || (v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null") {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		r.errorf(n, "related must be a list of {id, type}, not %s", kindName(n))
		return nil
	}
	var out []Related
	for _, it := range v.Content {
		m := resolve(it)
		if m == nil || m.Kind != yaml.MappingNode {
			r.errorf(it, "each item of related must be a map with id and type, not %s", kindName(it))
			continue
		}
		var rel Related
		if k, x := mapEntry(m, "id"); x != nil {
			rel.ID = r.scalar(k, x, "related id", false)
		} else {
			r.errorf(m, "related item without id")
		}
		if k, x := mapEntry(m, "type"); x != nil {
			rel.Type = r.scalar(k, x, "related type", false)
			if rel.Type.IsSet() && !relatedTypes[rel.Type.Value] {
				r.warnf(x, "related type %q is not one of derived, obsolete, merged, renamed, similar", rel.Type.Value)
			}
		} else {
			r.errorf(m, "related item without type")
		}
		out = append(out, rel)
	}
	return out
}

func (r *docReader) readLogsource(key, n *yaml.Node) *Logsource {
	ls := &Logsource{Key: key}
	v := resolve(n)
	if v == nil || v.Kind != yaml.MappingNode {
		r.errorf(n, "logsource must be a map (category, product, service), not %s", kindName(n))
		return ls
	}
	r.checkDuplicateKeys(v, "logsource")
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		switch k.Value {
		case "category":
			ls.Category = r.scalar(k, x, "logsource category", false)
		case "product":
			ls.Product = r.scalar(k, x, "logsource product", false)
		case "service":
			ls.Service = r.scalar(k, x, "logsource service", false)
		case "definition":
			ls.Definition = r.scalar(k, x, "logsource definition", true)
		default:
			ls.Other = append(ls.Other, KeyValue{
				Key:   Scalar{Value: k.Value, Pos: r.pos(k), Tag: "!!str", Node: k},
				Value: r.scalar(k, x, "logsource "+k.Value, true),
			})
		}
	}
	if !ls.Category.IsSet() && !ls.Product.IsSet() && !ls.Service.IsSet() {
		r.warnf(key, "logsource names no category, product or service")
	}
	return ls
}
