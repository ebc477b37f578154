package lowersigma

import (
	"bytes"
	"github.com/ruledex/ruledex/internal/lang/diag"
	"regexp"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/sigma"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// The Sigma format: .yml/.yaml files whose content is a Sigma rule,
// correlation rule or meta filter (one or several YAML documents). Each
// Sigma document gives one rule; the parsed *sigma.Document goes in
// Item.Doc for the lowering.
func matchSigma(f *lang.File) bool {
	switch f.Ext() {
	case "yml", "yaml":
	default:
		return false
	}
	return LooksLikeSigma(f.Data)
}

// LooksLikeSigma tells from its top-level keys whether data is Sigma YAML:
// title with detection, logsource, correlation or filter; or a correlation;
// or a legacy collection (action: global). A file with a top-level query:
// key and no detection is not Sigma (Sentinel and similar YAML rules carry
// their query there).
func LooksLikeSigma(data []byte) bool {
	var title, detection, logsource, correlation, filter, global, query bool
	for line := range bytes.Lines(data) {
		line = bytes.TrimPrefix(bytes.TrimSuffix(line, []byte("\n")), []byte("\xef\xbb\xbf"))
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '-' {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		switch string(bytes.Trim(line[:colon], `"'`)) {
		case "title":
			title = true
		case "detection":
			detection = true
		case "logsource":
			logsource = true
		case "correlation":
			correlation = true
		case "filter":
			filter = true
		case "query":
			query = true
		case "action":
			if strings.TrimSpace(strings.Trim(strings.TrimSpace(string(line[colon+1:])), `"'`)) == "global" {
				global = true
			}
		}
	}
	if query && !detection {
		return false
	}
	return (title && (detection || logsource || correlation || filter)) || correlation || (global && (detection || logsource))
}

func readSigma(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	file, _ := sigma.Parse(f.Data)
	docs := file.Rules()
	toDiag := func(e *diag.Err) rule.Diagnostic {
		return rule.Diagnostic{Path: f.Path, Line: e.Line, Col: e.Col, Severity: e.Severity.String(), Message: e.Msg}
	}
	// Problems that belong to no rule document: the file's own, and those of
	// action and empty documents.
	inRule := map[*diag.Err]bool{}
	for _, d := range docs {
		for _, e := range d.Errors {
			inRule[e] = true
		}
	}
	var loose []rule.Diagnostic
	for _, e := range file.Errors {
		if !inRule[e] {
			loose = append(loose, toDiag(e))
		}
	}
	if len(docs) == 0 {
		return nil, loose
	}
	items := make([]lang.Item, 0, len(docs))
	for i, d := range docs {
		r := SigmaRule(d)
		r.Source.Path = f.Path
		if len(docs) > 1 {
			r.Variant = d.Meta.Name.Value
		}
		if i == 0 {
			r.Diagnostics = append(r.Diagnostics, loose...)
		}
		for _, e := range d.Errors {
			r.Diagnostics = append(r.Diagnostics, toDiag(e))
		}
		items = append(items, lang.Item{Rule: r, Doc: d})
	}
	return items, nil
}

// SigmaRule makes the rule of a Sigma document, with what its metadata
// says: identity, description, dates, references, tags, ATT&CK mapping,
// related rules. The query-derived parts are the lowering's.
func SigmaRule(d *sigma.Document) *rule.Rule {
	m := &d.Meta
	r := &rule.Rule{
		UID:         m.ID.Value,
		Name:        m.Name.Value,
		Platform:    "sigma",
		Language:    "sigma",
		Format:      "sigma_yaml",
		Title:       strings.TrimSpace(m.Title.Value),
		Description: strings.TrimSpace(m.Description.Value),
		Status:      m.Status.Value,
		Severity:    m.Level.Value,
		Authors:     lower.SplitAuthors(m.Author.Value),
		Date:        m.Date.Value,
		Modified:    m.Modified.Value,
		Query:       d.Text,
		QueryLine:   d.StartLine,
	}
	r.Source.Line = d.StartLine
	switch d.Kind {
	case sigma.DocCorrelation:
		r.Kind = rule.KindCorrelation
	case sigma.DocFilter:
		r.Kind = rule.KindFilter
	default:
		r.Kind = rule.KindDetection
	}
	for _, s := range m.References {
		r.References = append(r.References, s.Value)
	}
	for _, s := range m.FalsePositives {
		r.FalsePositives = append(r.FalsePositives, s.Value)
	}
	for _, rel := range m.Related {
		r.Related = append(r.Related, rule.Related{ID: rel.ID.Value, Type: rel.Type.Value})
	}
	for _, s := range m.Tags {
		r.Tags = append(r.Tags, s.Value)
		tag := strings.ToLower(s.Value)
		if r.Kind == rule.KindDetection && (tag == "detection.threat-hunting" || tag == "detection.threat_hunting") {
			r.Kind = rule.KindHunting
		}
	}
	r.Techniques, r.Tactics = SigmaAttack(r.Tags)
	return r
}

var (
	sigmaTechniqueRE = regexp.MustCompile(`^attack\.t(\d{4})(?:\.(\d{3}))?$`)
	sigmaTacticRE    = regexp.MustCompile(`^attack\.([a-z][a-z_-]*)$`)
)

// SigmaAttack reads ATT&CK techniques (attack.t1059.001 → T1059.001) and
// tactics (attack.defense-evasion, or the Sigma 1 spelling
// attack.defense_evasion → defense-evasion) from Sigma tags, each once, in
// order. Group (attack.g0001) and software (attack.s0001) tags are neither.
func SigmaAttack(tags []string) ([]rule.Technique, []string) {
	var techs []rule.Technique
	var tactics []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if m := sigmaTechniqueRE.FindStringSubmatch(t); m != nil {
			id := "T" + m[1]
			if m[2] != "" {
				id += "." + m[2]
			}
			if !seen[id] {
				seen[id] = true
				techs = append(techs, rule.Technique{ID: id})
			}
			continue
		}
		if m := sigmaTacticRE.FindStringSubmatch(t); m != nil {
			name := strings.ReplaceAll(m[1], "_", "-")
			if !seen["tactic:"+name] {
				seen["tactic:"+name] = true
				tactics = append(tactics, name)
			}
		}
	}
	return techs, tactics
}
