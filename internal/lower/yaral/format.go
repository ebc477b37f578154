package loweryaral

import (
	"regexp"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/yaral"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// The YARA-L text format: .yaral files holding one rule or several, `rule
// NAME { meta: events: match: outcome: condition: options: }`, with // and
// /* */ comments between and inside them. Each rule of the file is one
// rule.Rule: its query is its own text from `rule` to the closing brace,
// its line the line of `rule`. The parsed file and rule go in Item.Doc for
// the lowering.
//
// What the meta section gives (keys compared case-insensitively):
// rule_name the title (else the rule's name), description, author (split
// on commas), reference/references (one or several addresses), tags (split
// on commas), false_positives, rule_id the UID (else sigma_uuid),
// sigma_status/status, severity, type ("hunt" makes a hunting rule), and
// ATT&CK in every shape of attack.go. priority, type, data_source and
// platform are kept in Settings.

// ruleOpening is `rule NAME {` at the start of a line.
var ruleOpening = regexp.MustCompile(`(?m)^[ \t]*rule[ \t]+[A-Za-z_][A-Za-z0-9_]*\s*\{`)

func matchYaral(f *lang.File) bool {
	if f.Ext() != "yaral" {
		return false
	}
	return ruleOpening.Match(f.Data)
}

// doc is what the format hands the lowering: the parsed file and the rule.
type doc struct {
	file *yaral.File
	rule *yaral.Rule
}

func readYaral(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	file, errs := yaral.Parse(f.Data)
	toDiag := func(e *diag.Err) rule.Diagnostic {
		return rule.Diagnostic{Path: f.Path, Line: e.Line, Col: e.Col, Severity: e.Severity.String(), Message: e.Msg}
	}
	if len(file.Rules) == 0 {
		var ds []rule.Diagnostic
		for _, e := range errs {
			ds = append(ds, toDiag(e))
		}
		if len(ds) == 0 {
			ds = append(ds, rule.Diagnostic{Path: f.Path, Line: 1, Col: 1, Severity: rule.SevError, Message: "no YARA-L rule in the file"})
		}
		return nil, ds
	}
	lines := diag.NewLines(f.Data)
	items := make([]lang.Item, 0, len(file.Rules))
	for _, yr := range file.Rules {
		r := metaRule(file.Src, yr)
		r.Source.Path = f.Path
		r.QueryLine, _ = lines.Position(yr.Pos)
		r.Source.Line = r.QueryLine
		items = append(items, lang.Item{Rule: r, Doc: &doc{file: file, rule: yr}})
	}
	// Each problem goes to the rule whose text holds it; one between rules
	// to the rule before it (the first rule for one before every rule).
	for _, e := range errs {
		i := 0
		for j, yr := range file.Rules {
			if yr.Pos <= e.Span.Start {
				i = j
			}
		}
		r := items[i].Rule
		r.Diagnostics = append(r.Diagnostics, toDiag(e))
	}
	return items, nil
}

// metaRule makes the rule of one YARA-L rule with what its meta section
// says; the query-derived parts are the lowering's.
func metaRule(src string, yr *yaral.Rule) *rule.Rule {
	name := ""
	if yr.Name != nil {
		name = yr.Name.Name
	}
	r := &rule.Rule{
		ID:       name,
		Name:     name,
		Platform: Platform,
		Language: Name,
		Format:   FormatName,
		Title:    name,
		Kind:     rule.KindDetection,
		Query:    src[yr.Pos:max(yr.End, yr.Pos)],
	}
	m := yr.Meta()
	if m == nil {
		return r
	}
	var ma metaAttack
	for _, e := range m.Entries {
		v, ok := metaString(e.Value)
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		key := strings.ToLower(e.Key.Name)
		switch key {
		case "rule_name", "title", "name":
			if v != "" {
				r.Title = v
			}
		case "description":
			r.Description = v
		case "author", "authors":
			r.Authors = append(r.Authors, lower.SplitAuthors(v)...)
		case "reference", "references", "ref":
			r.References = append(r.References, splitReferences(v)...)
		case "tags", "tag":
			for _, t := range strings.Split(v, ",") {
				if t = strings.TrimSpace(t); t != "" {
					r.Tags = append(r.Tags, t)
				}
			}
		case "false_positives", "falsepositives", "false_positive":
			if v != "" {
				r.FalsePositives = append(r.FalsePositives, v)
			}
		case "rule_id", "id":
			r.UID = v
		case "sigma_uuid":
			if r.UID == "" {
				r.UID = v
			}
		case "status", "sigma_status":
			r.Status = v
		case "severity":
			r.Severity = v
		case "date", "created":
			r.Date = v
		case "modified", "updated", "last_modified":
			r.Modified = v
		case "version":
			r.Version = v
		case "type":
			setting(r, "type", v)
			if strings.Contains(strings.ToLower(v), "hunt") {
				r.Kind = rule.KindHunting
			}
		case "priority", "data_source", "platform":
			setting(r, key, v)
		}
		ma.add(key, v)
	}
	r.Techniques, r.Tactics = ma.result()
	return r
}

// metaString returns the text of a meta value: a string's value, a
// number, a bool or a name as written.
func metaString(x yaral.Expr) (string, bool) {
	switch v := x.(type) {
	case *yaral.String:
		return v.Value, true
	case *yaral.Number:
		return v.Raw, true
	case *yaral.Bool:
		if v.Value {
			return "true", true
		}
		return "false", true
	case *yaral.Ident:
		return v.Name, true
	}
	return "", false
}

func setting(r *rule.Rule, k, v string) {
	if v == "" {
		return
	}
	if r.Settings == nil {
		r.Settings = map[string]string{}
	}
	r.Settings[k] = v
}

// splitReferences splits a reference value that lists several addresses
// (separated by spaces, commas or semicolons); other text is one reference.
func splitReferences(v string) []string {
	if v == "" {
		return nil
	}
	parts := strings.FieldsFunc(v, func(c rune) bool { return c == ' ' || c == ',' || c == ';' || c == '\n' || c == '\t' })
	if len(parts) > 1 {
		all := true
		for _, p := range parts {
			if !strings.Contains(p, "://") {
				all = false
				break
			}
		}
		if all {
			return parts
		}
	}
	return []string{v}
}
